//! The env: what an extension uses to talk to the rest of the graph (TEN's `AsyncTenEnv`).
//!
//! **Drop and cancel first.** Dropping a `send_cmd` future (its task cancelled, or a
//! timeout) abandons the command cleanly: a result that arrives later is discarded. A
//! [`Responder`] dropped without a final answer sends an ERROR result, so a sender never
//! waits for a path timeout because a handler forgot to answer or panicked.
//!
//! Where TEN returns `(value, error)` tuples, these methods return `Result`. Sending data and
//! frames is synchronous here: routing is a local table lookup, so a routing error comes back
//! at once without TEN's pending task per 10 ms audio frame.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::app::Runtime;
use super::error::TenError;
use super::msg::{AudioFrame, Cmd, CmdResult, Data, StatusCode, VideoFrame};
use super::properties::Properties;
use crate::event_loop::handle::TimerHandle;
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
struct ResultWait {
    path: Rc<OutPath>,
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

/// Log levels (TEN `LogLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warn.
    Warn,
    /// Error.
    Error,
}

/// One log line, as given to the app's log sink.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// The level.
    pub level: LogLevel,
    /// The extension that logged it (or the runtime, as "ten").
    pub extension: String,
    /// Where it was logged.
    pub location: &'static Location<'static>,
    /// The message.
    pub message: String,
}

impl std::fmt::Display for LogRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{:?}] {} ({}:{}): {}",
            self.level,
            self.extension,
            self.location.file(),
            self.location.line(),
            self.message
        )
    }
}

/// An extension's handle on the runtime (TEN's `AsyncTenEnv`). Cheap to clone; keep one to
/// use from tasks the extension spawns.
#[derive(Clone)]
pub struct TenEnv {
    pub(crate) rt: Rc<Runtime>,
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
            let path = env.rt.send_cmd(env.node, cmd, Policy::FirstErrorOrLastOk)?;
            Ok(ResultWait { path }.await)
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
        crate::combinators::wait_for(self.send_cmd(cmd), timeout)
            .await
            .map_err(|_| TenError::Timeout)?
    }

    /// Sends `cmd` and streams every result, ending after the completed one.
    pub fn send_cmd_ex(&self, cmd: Cmd) -> CmdResults {
        CmdResults {
            pending: Some((self.clone(), cmd)),
            path: None,
            finished: false,
        }
    }

    /// Sends a data message (fire-and-forget).
    ///
    /// # Errors
    ///
    /// [`TenError::MsgNotConnected`] if nothing routes it, [`TenError::TenIsClosed`].
    pub fn send_data(&self, data: Data) -> Result<(), TenError> {
        self.rt
            .send_data(self.node, super::app::Inbound::Data(data))
    }

    /// Sends an audio frame (fire-and-forget).
    ///
    /// # Errors
    ///
    /// As [`send_data`](TenEnv::send_data).
    pub fn send_audio_frame(&self, frame: AudioFrame) -> Result<(), TenError> {
        self.rt
            .send_data(self.node, super::app::Inbound::Audio(frame))
    }

    /// Sends a video frame (fire-and-forget).
    ///
    /// # Errors
    ///
    /// As [`send_data`](TenEnv::send_data).
    pub fn send_video_frame(&self, frame: VideoFrame) -> Result<(), TenError> {
        self.rt
            .send_data(self.node, super::app::Inbound::Video(frame))
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
        self.rt.with_properties(self.node, f)
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
        let closing = self.rt.closing.clone();
        closing.wait().await
    }

    /// True once the app was asked to close.
    pub fn is_closing(&self) -> bool {
        self.rt.closing.is_set()
    }

    /// Where the extension is in its lifecycle.
    pub fn stage(&self) -> super::app::Stage {
        self.rt.stage(self.node)
    }
}

impl std::fmt::Debug for TenEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<TenEnv of '{}'>", self.name())
    }
}
