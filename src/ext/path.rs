//! The result path of a sent command, as its sender sees it (TEN's OUT path): results from
//! every destination gathered by policy, the path's deadline (its sender's sweep fails it
//! then, see `path_sweep.rs`), and the future that waits for the completed result.
//! Dropping that future abandons the command: later results are discarded.
//!
//! A path is also the command's place in its trail (see `trail.rs`): the node that sent it,
//! how many hops it is from the original command, and the path of the command whose handler
//! sent it. Keeping that here, rather than in a record of its own, keeps a pending command
//! at one allocation for the runtime (docs/performance.md, "Extension
//! runtime: pending command cost").

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::msg::{CmdResult, StatusCode};
use super::msg_name::MsgName;

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

/// Results waiting for the sender, in arrival order. `send_cmd` keeps one result only (the
/// completed one), which is held in place; a queue is allocated for a second.
enum Results {
    None,
    One(CmdResult),
    Many(VecDeque<CmdResult>),
}

impl Results {
    fn push(&mut self, result: CmdResult) {
        match std::mem::replace(self, Results::None) {
            Results::None => *self = Results::One(result),
            Results::One(first) => *self = Results::Many(VecDeque::from([first, result])),
            Results::Many(mut queue) => {
                queue.push_back(result);
                *self = Results::Many(queue);
            }
        }
    }

    fn pop(&mut self) -> Option<CmdResult> {
        match self {
            Results::None => None,
            Results::One(_) => match std::mem::replace(self, Results::None) {
                Results::One(first) => Some(first),
                _ => unreachable!("just matched"),
            },
            Results::Many(queue) => queue.pop_front(),
        }
    }
}

struct PathState {
    /// Results for the sender, in arrival order.
    results: Results,
    /// Destinations that have not sent a final result yet.
    remaining: usize,
    /// The sender has its completed result; anything later is discarded.
    done: bool,
    /// The sender dropped its future; everything is discarded.
    abandoned: bool,
    /// The sender's waker.
    waker: Option<Waker>,
    /// The sender's count of pending commands, given back once when this one completes or
    /// is abandoned (`None` after).
    pending: Option<PendingSlot>,
}

/// One of an extension's pending commands: counted against its limit while held, given back
/// when dropped.
pub(crate) struct PendingSlot(Rc<Cell<usize>>);

impl PendingSlot {
    /// Takes a slot of `count`, unless `limit` are already taken.
    pub(crate) fn take(count: &Rc<Cell<usize>>, limit: usize) -> Option<PendingSlot> {
        (count.get() < limit).then(|| {
            count.set(count.get() + 1);
            PendingSlot(count.clone())
        })
    }
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// The sender's side of one sent command (TEN's OUT path).
pub(crate) struct OutPath {
    cmd_name: MsgName,
    policy: Policy,
    /// Hops from the original command, which is 1.
    depth: u32,
    /// The node that sent it.
    sender: usize,
    /// The path of the command whose handler sent this one (`None` for an original).
    parent: Option<Rc<OutPath>>,
    /// Its path timeout.
    timeout: Duration,
    /// When it times out, on the loop's clock: set when it is sent, or when its sender's
    /// sweep stamps it (see `path_sweep.rs`).
    deadline: Cell<Option<Instant>>,
    state: RefCell<PathState>,
}

impl OutPath {
    /// The path of a command `sender` sends to `dests` destinations, while it handles the
    /// command of `parent` (if any), timing out `timeout` after it is sent (at `deadline`
    /// if that is known now); written into `spare` if given (a closed path no one else
    /// holds, see `out_paths.rs`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        spare: Option<Rc<OutPath>>,
        cmd_name: &MsgName,
        policy: Policy,
        dests: usize,
        pending: PendingSlot,
        sender: usize,
        parent: Option<Rc<OutPath>>,
        timeout: Duration,
        deadline: Option<Instant>,
    ) -> Rc<OutPath> {
        let path = OutPath {
            cmd_name: cmd_name.clone(),
            policy,
            depth: parent.as_ref().map_or(1, |p| p.depth.saturating_add(1)),
            sender,
            parent,
            timeout,
            deadline: Cell::new(deadline),
            state: RefCell::new(PathState {
                results: Results::None,
                remaining: dests,
                done: false,
                abandoned: false,
                waker: None,
                pending: Some(pending),
            }),
        };
        match spare {
            Some(mut spare) => {
                *Rc::get_mut(&mut spare).expect("a spare path has no other holder") = path;
                spare
            }
            None => Rc::new(path),
        }
    }

    /// The command's name.
    pub(crate) fn cmd_name(&self) -> &str {
        self.cmd_name.as_str()
    }

    /// The command's name, as kept (compared without reading it as text).
    pub(crate) fn kept_cmd_name(&self) -> &MsgName {
        &self.cmd_name
    }

    /// Hops from the original command, which is 1.
    pub(crate) fn depth(&self) -> u32 {
        self.depth
    }

    /// The node that sent it.
    pub(crate) fn sender(&self) -> usize {
        self.sender
    }

    /// The path of the command whose handler sent this one.
    pub(crate) fn parent(&self) -> Option<&Rc<OutPath>> {
        self.parent.as_ref()
    }

    /// Its path timeout.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The path's deadline, set now to `deadline` if its send time was not read
    /// (`deadline` is then its timeout counted from a time no earlier than it was sent, see
    /// `path_sweep.rs`).
    pub(crate) fn stamp(&self, deadline: Instant) -> Instant {
        let deadline = self.deadline.get().unwrap_or(deadline);
        self.deadline.set(Some(deadline));
        deadline
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
            st.results.push(result);
        }
        if completes {
            st.done = true;
            st.pending = None;
        }
        let waker = st.waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Ends the path with an ERROR result (path timeout, or the sender's deinit).
    pub(crate) fn fail(&self, detail: &str) {
        let result = CmdResult::error_for(self.cmd_name.as_str(), detail);
        self.state.borrow_mut().remaining = 0;
        self.deliver(result);
    }

    pub(crate) fn poll_result(&self, cx: &Context<'_>) -> Poll<CmdResult> {
        let mut st = self.state.borrow_mut();
        match st.results.pop() {
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
            st.pending = None;
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
