//! The result path of a sent command, as its sender sees it (TEN's OUT path): results from
//! every destination gathered by policy, the path timeout, and the future that waits for the
//! completed result. Dropping that future abandons the command: later results are discarded.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::msg::{CmdResult, StatusCode};
use crate::TimerHandle;

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
    pub(crate) fn deliver(&self, mut result: CmdResult) {
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

    pub(crate) fn poll_result(&self, cx: &Context<'_>) -> Poll<CmdResult> {
        let mut st = self.state.borrow_mut();
        match st.results.pop_front() {
            Some(r) => Poll::Ready(r),
            None => {
                st.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    pub(crate) fn abandon(&self) {
        let mut st = self.state.borrow_mut();
        if !st.done {
            st.abandoned = true;
            if let Some(t) = st.timer.take() {
                t.cancel();
            }
        }
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
