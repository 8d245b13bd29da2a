//! What an env talks to: the running graph, as the operations an extension may ask of it.
//!
//! A trait, implemented only by the runtime, so that [`TenEnv`](super::TenEnv) and the
//! [`Extension`](super::Extension) trait that takes it sit below the runtime that holds the
//! extensions, instead of the three reaching each other.

use std::cell::RefMut;
use std::rc::Rc;

use super::error::TenError;
use super::inbound::Inbound;
use super::log::LogRecord;
use super::msg::Cmd;
use super::path::{OutPath, Policy};
use super::properties::Properties;
use super::stage::Stage;
use crate::sync::Event;

/// The running graph, as seen by the env of one of its nodes (`node` is the node's index).
pub(crate) trait Host {
    /// The node's name in the graph.
    fn node_name(&self, node: usize) -> String;

    /// Where the node is in its lifecycle.
    fn stage(&self, node: usize) -> Stage;

    /// Routes a command from `from` and returns the path its results come back on.
    fn send_cmd(
        self: Rc<Self>,
        from: usize,
        cmd: Cmd,
        policy: Policy,
    ) -> Result<Rc<OutPath>, TenError>;

    /// Routes a fire-and-forget message from `from`.
    fn send_data(self: Rc<Self>, from: usize, msg: Inbound) -> Result<(), TenError>;

    /// The node's properties, borrowed for a change; [`TenError::TenIsClosed`] after deinit.
    fn properties(&self, node: usize) -> Result<RefMut<'_, Properties>, TenError>;

    /// Replaces the node's properties (configure only).
    fn init_property_from_json(&self, node: usize, json: &str) -> Result<(), TenError>;

    /// Writes one log line to the app's sink.
    fn log(&self, record: LogRecord);

    /// Asks the app to close.
    fn request_close(&self);

    /// Set once the app is asked to close.
    fn closing(&self) -> &Event;
}
