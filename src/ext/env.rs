//! The env: what an extension uses to talk to the rest of the graph (TEN's `AsyncTenEnv`).
//!
//! **Drop and cancel first.** Dropping a `send_cmd` future (its task cancelled, or a
//! timeout) abandons the command cleanly: a result that arrives later is discarded. A
//! [`Responder`](super::Responder) dropped without a final answer sends an ERROR result, so
//! a sender never waits for a path timeout because a handler forgot to answer or panicked.
//!
//! Where TEN returns `(value, error)` tuples, these methods return `Result`. Sending data and
//! frames is synchronous here: routing is a local table lookup, so a routing error comes back
//! at once without TEN's pending task per 10 ms audio frame.

use std::future::Future;
use std::panic::Location;
use std::rc::Rc;
use std::time::Duration;

use super::error::TenError;
use super::host::Host;
use super::inbound::Inbound;
pub use super::log::{LogLevel, LogRecord};
use super::msg::{AudioFrame, Cmd, CmdResult, Data, VideoFrame};
use super::path::{Policy, ResultWait};
use super::properties::Properties;
use super::results::CmdResults;
use super::stage::Stage;

/// An extension's handle on the runtime (TEN's `AsyncTenEnv`). Cheap to clone; keep one to
/// use from tasks the extension spawns.
#[derive(Clone)]
pub struct TenEnv {
    pub(crate) rt: Rc<dyn Host>,
    pub(crate) node: usize,
}

impl TenEnv {
    /// The extension's name in the graph.
    pub fn name(&self) -> String {
        self.rt.node_name(self.node)
    }

    /// Sends `cmd` and waits for its completed result: with several destinations, the first
    /// ERROR, or else the last OK.
    ///
    /// Lazy like every future: the command is sent when this is first polled. Dropping it
    /// abandons the command (a late result is discarded).
    ///
    /// # Errors
    ///
    /// [`TenError::MsgNotConnected`] if no connection routes it, [`TenError::TenIsClosed`]
    /// after deinit. A peer's failure, a path timeout or shutdown come back as an ERROR
    /// *result*, not an error.
    pub fn send_cmd(&self, cmd: Cmd) -> impl Future<Output = Result<CmdResult, TenError>> + use<> {
        let env = self.clone();
        async move {
            let path = Rc::clone(&env.rt).send_cmd(env.node, cmd, Policy::FirstErrorOrLastOk)?;
            Ok(ResultWait::new(path).await)
        }
    }

    /// [`send_cmd`](TenEnv::send_cmd) with a time limit; on expiry the command is abandoned
    /// and the result is [`TenError::Timeout`].
    ///
    /// # Errors
    ///
    /// As `send_cmd`, plus [`TenError::Timeout`].
    pub async fn send_cmd_timeout(
        &self,
        cmd: Cmd,
        timeout: Duration,
    ) -> Result<CmdResult, TenError> {
        crate::wait_for(self.send_cmd(cmd), timeout)
            .await
            .map_err(|_| TenError::Timeout)?
    }

    /// Sends `cmd` and streams every result, ending after the completed one.
    pub fn send_cmd_ex(&self, cmd: Cmd) -> CmdResults {
        CmdResults::new(self.rt.clone(), self.node, cmd)
    }

    /// Sends a data message (fire-and-forget).
    ///
    /// # Errors
    ///
    /// [`TenError::MsgNotConnected`] if nothing routes it, [`TenError::TenIsClosed`].
    pub fn send_data(&self, data: Data) -> Result<(), TenError> {
        Rc::clone(&self.rt).send_data(self.node, Inbound::Data(data))
    }

    /// Sends an audio frame (fire-and-forget).
    ///
    /// # Errors
    ///
    /// As [`send_data`](TenEnv::send_data).
    pub fn send_audio_frame(&self, frame: AudioFrame) -> Result<(), TenError> {
        Rc::clone(&self.rt).send_data(self.node, Inbound::Audio(Box::new(frame)))
    }

    /// Sends a video frame (fire-and-forget).
    ///
    /// # Errors
    ///
    /// As [`send_data`](TenEnv::send_data).
    pub fn send_video_frame(&self, frame: VideoFrame) -> Result<(), TenError> {
        Rc::clone(&self.rt).send_data(self.node, Inbound::Video(Box::new(frame)))
    }

    /// Runs `f` on the extension's properties.
    ///
    /// # Errors
    ///
    /// [`TenError::TenIsClosed`] after deinit, or what `f` returns.
    pub fn with_properties<R>(
        &self,
        f: impl FnOnce(&mut Properties) -> Result<R, TenError>,
    ) -> Result<R, TenError> {
        let mut props = self.rt.properties(self.node)?;
        f(&mut props)
    }

    /// The property at `path` as an int.
    ///
    /// # Errors
    ///
    /// As [`Properties::get_int`], or [`TenError::TenIsClosed`].
    pub fn get_property_int(&self, path: &str) -> Result<i64, TenError> {
        self.with_properties(|p| p.get_int(path))
    }

    /// The property at `path` as a float.
    ///
    /// # Errors
    ///
    /// As [`Properties::get_float`], or [`TenError::TenIsClosed`].
    pub fn get_property_float(&self, path: &str) -> Result<f64, TenError> {
        self.with_properties(|p| p.get_float(path))
    }

    /// The property at `path` as a string.
    ///
    /// # Errors
    ///
    /// As [`Properties::get_string`], or [`TenError::TenIsClosed`].
    pub fn get_property_string(&self, path: &str) -> Result<String, TenError> {
        self.with_properties(|p| p.get_string(path))
    }

    /// The property at `path` as a bool.
    ///
    /// # Errors
    ///
    /// As [`Properties::get_bool`], or [`TenError::TenIsClosed`].
    pub fn get_property_bool(&self, path: &str) -> Result<bool, TenError> {
        self.with_properties(|p| p.get_bool(path))
    }

    /// The property at `path` as JSON (`""`: all of them).
    ///
    /// # Errors
    ///
    /// As [`Properties::get_json`], or [`TenError::TenIsClosed`].
    pub fn get_property_json(&self, path: &str) -> Result<String, TenError> {
        self.with_properties(|p| p.get_json(path))
    }

    /// Sets the property at `path` from JSON.
    ///
    /// # Errors
    ///
    /// As [`Properties::set_json`], or [`TenError::TenIsClosed`].
    pub fn set_property_json(&self, path: &str, json: &str) -> Result<(), TenError> {
        self.with_properties(|p| p.set_json(path, json))
    }

    /// True if a property exists at `path`.
    ///
    /// # Errors
    ///
    /// [`TenError::TenIsClosed`].
    pub fn is_property_exist(&self, path: &str) -> Result<bool, TenError> {
        self.with_properties(|p| Ok(p.exists(path)))
    }

    /// Replaces the extension's own properties (the graph node's `property` is still merged
    /// on top when configure ends). Only allowed during `on_configure`.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] ("Invalid timing to init property.") outside configure,
    /// [`TenError::InvalidJson`].
    pub fn init_property_from_json(&self, json: &str) -> Result<(), TenError> {
        self.rt.init_property_from_json(self.node, json)
    }

    /// Logs at `level` with the caller's location and the extension's name.
    #[track_caller]
    pub fn log(&self, level: LogLevel, message: &str) {
        self.rt.log(LogRecord {
            level,
            extension: self.name(),
            location: Location::caller(),
            message: message.to_string(),
        });
    }

    /// Logs at debug level.
    #[track_caller]
    pub fn log_debug(&self, message: &str) {
        self.log(LogLevel::Debug, message);
    }

    /// Logs at info level.
    #[track_caller]
    pub fn log_info(&self, message: &str) {
        self.log(LogLevel::Info, message);
    }

    /// Logs at warn level.
    #[track_caller]
    pub fn log_warn(&self, message: &str) {
        self.log(LogLevel::Warn, message);
    }

    /// Logs at error level.
    #[track_caller]
    pub fn log_error(&self, message: &str) {
        self.log(LogLevel::Error, message);
    }

    /// Asks the app to close (every extension stops and deinits).
    pub fn close_app(&self) {
        self.rt.request_close();
    }

    /// Waits until the app is asked to close (useful for producer loops in `on_start`).
    pub async fn closing(&self) {
        let closing = self.rt.closing().clone();
        closing.wait().await
    }

    /// True once the app was asked to close.
    pub fn is_closing(&self) -> bool {
        self.rt.closing().is_set()
    }

    /// Where the extension is in its lifecycle.
    pub fn stage(&self) -> Stage {
        self.rt.stage(self.node)
    }
}

impl std::fmt::Debug for TenEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<TenEnv of '{}'>", self.name())
    }
}
