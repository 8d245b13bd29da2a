//! The extension runtime's errors, as one enum with TEN's codes.
//!
//! TEN's Python API returns `(value, TenError | None)` tuples, which users forget to unpack
//! (TEN's own gotchas list). evloop returns `Result<T, TenError>`.

use std::fmt;

use super::msg_kind::MsgKind;

/// What went wrong in the extension runtime.
///
/// Rosetta: TEN's `TenError` with `TenErrorCode` (see [`TenError::code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TenError {
    /// Anything else, with a message (TEN `Generic`).
    Generic(String),
    /// JSON that does not parse, with where (TEN `InvalidJSON`).
    InvalidJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A bad argument: a malformed property path, a bad message name (TEN `InvalidArgument`).
    InvalidArgument(String),
    /// A property exists but has another type (TEN `InvalidType`).
    InvalidType {
        /// The property path.
        path: String,
        /// The type that was asked for.
        expected: &'static str,
    },
    /// A property path that leads nowhere.
    PropertyNotFound(String),
    /// A graph that cannot run: unknown extension or addon, duplicate node (TEN `InvalidGraph`).
    InvalidGraph(String),
    /// The extension's env is closed (after deinit) (TEN `TenIsClosed`).
    TenIsClosed,
    /// No connection routes this message (TEN `MsgNotConnected`).
    MsgNotConnected {
        /// The message type.
        kind: MsgKind,
        /// The message name.
        name: String,
    },
    /// A command got no result in time (TEN `Timeout`).
    Timeout,
    /// A result was returned after the command's final result (TEN silently drops it).
    AlreadyAnswered,
    /// Input over a limit: JSON [`MAX_JSON_BYTES`] long or [`MAX_JSON_DEPTH`] deep, a graph
    /// declaring more routes than its length allows ([`Graph::from_json`]), or a property
    /// path of more than [`MAX_JSON_DEPTH`] steps. Refused before it can cost memory or
    /// stack beyond a constant times its length.
    ///
    /// [`Graph::from_json`]: crate::ext::Graph::from_json
    InputTooLarge {
        /// What was being read ("graph", "property.json", "property value", "property
        /// path").
        what: &'static str,
        /// Which limit: "bytes", "nesting depth" or "routes".
        limit_kind: &'static str,
        /// The limit.
        limit: usize,
    },
}

/// The longest JSON text the runtime reads (graphs, `property.json`, property values).
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// The deepest nesting of arrays and objects the runtime accepts in JSON input.
pub const MAX_JSON_DEPTH: usize = 64;

/// Parses untrusted JSON within the limits: too long or too deep is
/// [`TenError::InputTooLarge`], malformed is [`TenError::InvalidJson`] with line and column.
/// (serde_json alone stops at 128 levels, so the depth walk below is bounded too.)
pub(crate) fn parse_json(json: &str, what: &'static str) -> Result<serde_json::Value, TenError> {
    let too_large = |limit_kind, limit| TenError::InputTooLarge {
        what,
        limit_kind,
        limit,
    };
    if json.len() > MAX_JSON_BYTES {
        return Err(too_large("bytes", MAX_JSON_BYTES));
    }
    let value = serde_json::from_str(json).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            too_large("nesting depth", MAX_JSON_DEPTH)
        } else {
            TenError::from_json(&e)
        }
    })?;
    if depth(&value) > MAX_JSON_DEPTH {
        return Err(too_large("nesting depth", MAX_JSON_DEPTH));
    }
    Ok(value)
}

/// Nesting depth of a JSON value (a scalar is 0, `[]` is 1).
fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

impl TenError {
    /// TEN's numeric error code (Generic=1, InvalidJSON=2, InvalidArgument=3, InvalidType=4,
    /// InvalidGraph=5, TenIsClosed=6, MsgNotConnected=7, Timeout=8); input over a limit is
    /// InvalidJSON.
    pub fn code(&self) -> u8 {
        match self {
            TenError::Generic(_) | TenError::AlreadyAnswered => 1,
            TenError::InvalidJson { .. } | TenError::InputTooLarge { .. } => 2,
            TenError::InvalidArgument(_) | TenError::PropertyNotFound(_) => 3,
            TenError::InvalidType { .. } => 4,
            TenError::InvalidGraph(_) => 5,
            TenError::TenIsClosed => 6,
            TenError::MsgNotConnected { .. } => 7,
            TenError::Timeout => 8,
        }
    }

    pub(crate) fn from_json(e: &serde_json::Error) -> TenError {
        TenError::InvalidJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

impl fmt::Display for TenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenError::Generic(m) | TenError::InvalidArgument(m) | TenError::InvalidGraph(m) => {
                f.write_str(m)
            }
            TenError::InvalidJson {
                line,
                column,
                message,
            } => write!(f, "invalid JSON at line {line}, column {column}: {message}"),
            TenError::InvalidType { path, expected } => {
                write!(f, "property '{path}' is not of type {expected}")
            }
            TenError::PropertyNotFound(p) => write!(f, "property '{p}' does not exist"),
            TenError::TenIsClosed => f.write_str("ten_env is closed"),
            TenError::MsgNotConnected { kind, name } => write!(
                f,
                "Failed to find destination of a '{kind}' message '{name}' from graph."
            ),
            TenError::Timeout => f.write_str("Timeout"),
            TenError::AlreadyAnswered => {
                f.write_str("the command already received its final result")
            }
            TenError::InputTooLarge {
                what,
                limit_kind,
                limit,
            } => write!(f, "{what} is over the limit of {limit} {limit_kind}"),
        }
    }
}

impl std::error::Error for TenError {}
