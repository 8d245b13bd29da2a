//! The result path of a sent command: how results travel back to the sender (TEN's OUT
//! path), the [`Responder`] that answers a command, and [`CmdResults`], the stream
//! `send_cmd_ex` returns.
//!
//! **Drop and cancel first.** Dropping the sender's future (a `send_cmd`, or a
//! [`CmdResults`]) abandons the command: later results are discarded. Dropping a
//! [`Responder`] without a final answer sends an ERROR result.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::env::TenEnv;
use super::error::TenError;
use super::msg::{Cmd, CmdResult, StatusCode};
use crate::TimerHandle;
use crate::stream::AsyncIterator;

/// How results of one sent command reach the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// `send_cmd`: the first final ERROR at once, else the last final OK once every
    /// destination answered (TEN `FIRST_ERROR_OR_LAST_OK`).
    FirstErrorOrLastOk,
    /// `send_cmd_ex`: every result, until an ERROR or the completed one (TEN
    /// `EACH_OK_AND_ERROR`).
    EachOkAndError,
}

struct PathState {
    /// Results for the sender, in arrival order.
    results: VecDeque<CmdResult>,
    /// Destinations that have not sent a final result yet.
    remaining: usize,
    /// The sender has its completed result; anything later is discarded.
    done: bool,
    /// The sender dropped its future; everything is discarded.
    abandoned: bool,
    /// The sender's waker.
    waker: Option<Waker>,
    /// The path timeout.
    timer: Option<TimerHandle>,
}

/// The sender's side of one sent command (TEN's OUT path).
pub(crate) struct OutPath {
    cmd_name: String,
    policy: Policy,
    state: RefCell<PathState>,
}

impl OutPath {
    pub(crate) fn new(cmd_name: &str, policy: Policy, dests: usize) -> Rc<OutPath> {
        Rc::new(OutPath {
            cmd_name: cmd_name.to_string(),
            policy,
            state: RefCell::new(PathState {
                results: VecDeque::new(),
                remaining: dests,
                done: false,
                abandoned: false,
                waker: None,
                timer: None,
            }),
        })
    }

    pub(crate) fn set_timer(&self, timer: TimerHandle) {
        self.state.borrow_mut().timer = Some(timer);
    }

    pub(crate) fn is_open(&self) -> bool {
        let st = self.state.borrow();
        !st.done && !st.abandoned
    }

    /// A destination answered.
    fn deliver(&self, mut result: CmdResult) {
        let mut st = self.state.borrow_mut();
        if st.done || st.abandoned {
            return; // late: the sender already has its completed result, or gave up
        }
        if result.is_final() {
            st.remaining = st.remaining.saturating_sub(1);
        }
        let error = result.status() == StatusCode::Error;
        let completes = result.is_final() && (error || st.remaining == 0);
        result.completed = completes;
        let keep = match self.policy {
            Policy::FirstErrorOrLastOk => completes,
            Policy::EachOkAndError => true,
        };
        if keep {
            st.results.push_back(result);
        }
        if completes {
            st.done = true;
            if let Some(t) = st.timer.take() {
                t.cancel();
            }
        }
        let waker = st.waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Ends the path with an ERROR result (path timeout, or the sender's deinit).
    pub(crate) fn fail(&self, detail: &str) {
        let result = CmdResult::error_for(&self.cmd_name, detail);
        self.state.borrow_mut().remaining = 0;
        self.deliver(result);
    }

    fn poll_result(&self, cx: &Context<'_>) -> Poll<CmdResult> {
        let mut st = self.state.borrow_mut();
        match st.results.pop_front() {
            Some(r) => Poll::Ready(r),
            None => {
                st.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    fn abandon(&self) {
        let mut st = self.state.borrow_mut();
        if !st.done {
            st.abandoned = true;
            if let Some(t) = st.timer.take() {
                t.cancel();
            }
        }
    }
}

/// The one way to answer a command: given to `on_cmd`, consumed by the final result.
///
/// Dropped without a final result (the handler forgot, returned an error, or panicked), it
/// sends an ERROR result. Answering after the final result is
/// [`TenError::AlreadyAnswered`] (TEN silently drops it).
///
/// Rosetta: TEN `await ten_env.return_result(CmdResult.create(code, cmd))`.
pub struct Responder {
    /// Where results go; `None` when nobody waits (a command from outside the graph).
    path: Option<Rc<OutPath>>,
    /// The command answered (a result must be created for it).
    cmd_name: String,
    /// A final result was sent.
    answered: bool,
}

impl Responder {
    pub(crate) fn new(path: Option<Rc<OutPath>>, cmd_name: &str) -> Responder {
        Responder {
            path,
            cmd_name: cmd_name.to_string(),
            answered: false,
        }
    }

    /// Sends a result: a final one (the default) completes the answer; non-final ones
    /// (`set_final(false)`) stream partial results first.
    ///
    /// # Errors
    ///
    /// [`TenError::AlreadyAnswered`] after the final result; [`TenError::InvalidArgument`] for
    /// a result created for another command.
    pub fn send(&mut self, result: CmdResult) -> Result<(), TenError> {
        if self.answered {
            return Err(TenError::AlreadyAnswered);
        }
        if result.cmd_name() != self.cmd_name {
            return Err(TenError::InvalidArgument(format!(
                "a result for '{}' cannot answer '{}'",
                result.cmd_name(),
                self.cmd_name
            )));
        }
        self.answered = result.is_final();
        if let Some(path) = &self.path {
            path.deliver(result);
        }
        Ok(())
    }

    /// True once the final result was sent.
    pub fn answered(&self) -> bool {
        self.answered
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if !self.answered
            && let Some(path) = &self.path
        {
            path.deliver(CmdResult::error_for(
                &self.cmd_name,
                "The command was not answered (the handler ended without a final result).",
            ));
        }
    }
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<Responder for '{}' answered={}>",
            self.cmd_name, self.answered
        )
    }
}

/// Waits for the completed result of a path; dropping it abandons the command.
pub(crate) struct ResultWait {
    path: Rc<OutPath>,
}

impl ResultWait {
    pub(crate) fn new(path: Rc<OutPath>) -> ResultWait {
        ResultWait { path }
    }
}

impl Future for ResultWait {
    type Output = CmdResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CmdResult> {
        self.path.poll_result(cx)
    }
}

impl Drop for ResultWait {
    fn drop(&mut self) {
        self.path.abandon();
    }
}

/// The results of a command sent with [`TenEnv::send_cmd_ex`], as an [`AsyncIterator`]: each
/// one as it comes, ending after the completed one (or the first ERROR).
pub struct CmdResults {
    /// The command, until the first poll sends it.
    pending: Option<(TenEnv, Cmd)>,
    path: Option<Rc<OutPath>>,
    finished: bool,
}

impl CmdResults {
    pub(crate) fn new(env: TenEnv, cmd: Cmd) -> CmdResults {
        CmdResults {
            pending: Some((env, cmd)),
            path: None,
            finished: false,
        }
    }
}

impl AsyncIterator for CmdResults {
    type Item = Result<CmdResult, TenError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        if let Some((env, cmd)) = this.pending.take() {
            match env.rt.send_cmd(env.node, cmd, Policy::EachOkAndError) {
                Ok(path) => this.path = Some(path),
                Err(e) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
        let path = this.path.as_ref().expect("sent above");
        let result = std::task::ready!(path.poll_result(cx));
        this.finished = result.is_completed();
        Poll::Ready(Some(Ok(result)))
    }
}

impl Drop for CmdResults {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            path.abandon();
        }
    }
}
