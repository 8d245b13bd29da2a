//! How results come back: the [`Responder`] that answers a command (in `responder.rs`, over
//! the sender's result path in `path.rs`), and [`CmdResults`], the stream `send_cmd_ex`
//! returns.
//!
//! **Drop and cancel first.** Dropping the sender's future (a `send_cmd`, or a
//! [`CmdResults`]) abandons the command: later results are discarded. Dropping a
//! [`Responder`] without a final answer sends an ERROR result.

use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::error::TenError;
use super::host::Host;
use super::msg::{Cmd, CmdResult};
use super::path::{OutPath, Policy};
pub use super::responder::Responder;
use crate::async_iter::AsyncIterator;

/// The results of a command sent with [`TenEnv::send_cmd_ex`](super::TenEnv::send_cmd_ex),
/// as an [`AsyncIterator`]: each one as it comes, ending after the completed one (or the
/// first ERROR).
pub struct CmdResults {
    /// The command, until the first poll sends it.
    pending: Option<(Rc<dyn Host>, usize, Cmd)>,
    path: Option<Rc<OutPath>>,
    finished: bool,
}

impl CmdResults {
    pub(crate) fn new(host: Rc<dyn Host>, node: usize, cmd: Cmd) -> CmdResults {
        CmdResults {
            pending: Some((host, node, cmd)),
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
        if let Some((host, node, cmd)) = this.pending.take() {
            match host.send_cmd(node, cmd, Policy::EachOkAndError) {
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
