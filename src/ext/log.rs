//! Log lines: their level, the record given to the app's log sink, and the sink.

use std::panic::Location;
use std::rc::Rc;

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

/// Receives every log line.
pub(crate) type LogSink = Rc<dyn Fn(&LogRecord)>;
