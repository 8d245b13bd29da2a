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
        /// Which limit: "bytes", "nesting depth", "routes" or "items".
        limit_kind: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A `${env:VAR}` property placeholder without a default names a variable that is not
    /// set. TEN logs an error and exits the process; evloop refuses the graph at load.
    #[doc(alias = "placeholder")]
    EnvVarMissing {
        /// The environment variable.
        variable: String,
        /// Where the placeholder is: `node.property.path`.
        path: String,
    },
    /// A graph TEN's graph checker refuses, or that names what evloop cannot run, at a JSON
    /// path (`/connections/0/cmd/1`) (TEN `InvalidGraph`).
    GraphRule {
        /// Where, as a JSON pointer into the graph.
        path: String,
        /// Which rule.
        rule: GraphRule,
    },
    /// A lifecycle hook returned an error or panicked: `App::run`'s outcome.
    HookFailed {
        /// The extension's name.
        extension: String,
        /// The hook (`on_start`, ...).
        hook: String,
        /// The error or panic message.
        reason: String,
    },
    /// A command went further than
    /// [`AppOptions::max_cmd_hops`](crate::ext::AppOptions::max_cmd_hops) hops from the
    /// command that caused it: extensions forwarding it round a cycle (A → B → A ...). The
    /// send fails with this, and the original sender gets it as an ERROR result at once.
    CmdCycle {
        /// The command's name.
        cmd: String,
        /// The hop limit it reached.
        limit: u32,
        /// The extensions it went round, from the sender's previous appearance to the
        /// sender (`["b", "a", "b"]`); the whole trail if no extension repeats.
        extensions: Vec<String>,
    },
    /// An extension already waits on
    /// [`AppOptions::max_pending_cmds`](crate::ext::AppOptions::max_pending_cmds) commands it
    /// sent: `send_cmd` refuses one more until some are answered, abandoned or timed out.
    TooManyPendingCmds {
        /// The sending extension.
        extension: String,
        /// The limit.
        limit: usize,
    },
    /// An [`ExtensionTester`](crate::ext::ExtensionTester) body panicked (a failed
    /// assertion): the test ended at once, with the panic's message.
    TestPanicked(String),
    /// A predefined graph's `import_uri` that cannot be followed: not readable, not a local
    /// path, or relative with no directory to resolve it against (TEN `InvalidGraph`).
    GraphImport {
        /// The predefined graph's name.
        graph: String,
        /// The `import_uri` as written.
        uri: String,
        /// Why it could not be read.
        reason: String,
    },
}

/// The longest JSON text the runtime reads (graphs, `property.json`, property values).
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// The most nodes, connection entries and message names (counted together) one graph may
/// declare: past it, loading is [`TenError::InputTooLarge`] with `limit_kind` "items". TEN's
/// biggest published app (`demo`, 19 graphs) has under 100 per graph.
pub const MAX_GRAPH_ITEMS: usize = 50_000;

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

/// A rule of TEN's graph checker, or a node evloop cannot run, for [`TenError::GraphRule`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphRule {
    /// One connection lists a message name twice for one message type (TEN's checker
    /// refuses it; evloop merged them).
    DuplicateMessageName(String),
    /// Two connection entries for the same source extension (TEN's checker refuses it).
    DuplicateConnection(String),
    /// A node (or destination) on another app: evloop runs one app in one process.
    RemoteApp {
        /// The node or extension.
        node: String,
        /// Its `app` URI.
        app: String,
    },
    /// A destination's `msg_conversion` that TEN would refuse, or that evloop cannot apply.
    MsgConversion(ConversionProblem),
    /// A connection names a subgraph that is not a node of its graph.
    UnknownSubgraph(String),
    /// A connection names a selector that is not a node of its graph.
    UnknownSelector(String),
    /// A connection sends a message to (or from) a subgraph that does not expose it.
    NotExposed {
        /// The subgraph node.
        subgraph: String,
        /// The exposed message type it would need (`cmd_in`, `data_out`, ...).
        kind: String,
        /// The message name.
        name: String,
    },
    /// A subgraph node sets a property its graph does not expose.
    PropertyNotExposed {
        /// The subgraph node.
        subgraph: String,
        /// The property.
        property: String,
    },
    /// A selector's filter that is malformed, or a regex that does not compile.
    BadSelector(String),
    /// A node or use of a node evloop does not run (a selector owning a connection).
    UnsupportedNode {
        /// The node's name.
        node: String,
        /// Its `type`.
        kind: String,
    },
}

impl fmt::Display for GraphRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphRule::DuplicateMessageName(n) => {
                write!(f, "message name '{n}' is listed twice in this connection")
            }
            GraphRule::DuplicateConnection(e) => {
                write!(f, "a second connection entry for extension '{e}'")
            }
            GraphRule::RemoteApp { node, app } => write!(
                f,
                "'{node}' is on app '{app}': graphs across apps are not supported (one app, one process)"
            ),
            GraphRule::MsgConversion(p) => write!(f, "msg_conversion: {p}"),
            GraphRule::UnknownSubgraph(s) => write!(f, "no subgraph node named '{s}'"),
            GraphRule::UnknownSelector(s) => write!(f, "no selector node named '{s}'"),
            GraphRule::NotExposed {
                subgraph,
                kind,
                name,
            } => write!(
                f,
                "subgraph '{subgraph}' does not expose {kind} '{name}' (exposed_messages)"
            ),
            GraphRule::PropertyNotExposed { subgraph, property } => write!(
                f,
                "subgraph '{subgraph}' does not expose property '{property}' (exposed_properties)"
            ),
            GraphRule::BadSelector(why) => write!(f, "selector filter: {why}"),
            GraphRule::UnsupportedNode { node, kind } => {
                write!(f, "node '{node}': '{kind}' is not supported")
            }
        }
    }
}

/// What is wrong with a `msg_conversion`, for [`GraphRule::MsgConversion`] (the error's
/// path says which destination, rule and key).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConversionProblem {
    /// `msg_conversion` or one of its rules is not a JSON object, or `rules` not an array.
    NotAnObject,
    /// A `type` other than `per_property` (the only one TEN has).
    UnknownType(String),
    /// A `conversion_mode` other than `fixed_value` and `from_original`.
    UnknownMode(String),
    /// A key the rule or conversion needs is missing or empty (`path`, `value`,
    /// `original_path`, `rules`, `conversion_mode`).
    Missing(&'static str),
    /// A `path` or `original_path` that is not a property path, or a `ten.` path other than
    /// `ten.name` (the only message field TEN lets a rule set).
    BadPath(String),
    /// `ten.name` set to a value that is not a valid message name.
    BadName(String),
    /// `ten.name` in a result conversion (a result keeps its command's name).
    RenameResult,
    /// A `result` conversion on a data, audio or video flow (TEN's checker: results exist
    /// for commands only).
    ResultNotCmd,
    /// Two conversions for the same source, message and destination (TEN: "Duplicated
    /// message conversion").
    Duplicate,
}

impl fmt::Display for ConversionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConversionProblem::NotAnObject => {
                f.write_str("must be an object with an array of rule objects in 'rules'")
            }
            ConversionProblem::UnknownType(t) => {
                write!(f, "type '{t}' is not supported (only 'per_property')")
            }
            ConversionProblem::UnknownMode(m) => write!(
                f,
                "conversion_mode '{m}' is not supported (only 'fixed_value' and 'from_original')"
            ),
            ConversionProblem::Missing(k) => write!(f, "'{k}' is missing or empty"),
            ConversionProblem::BadPath(p) => write!(
                f,
                "'{p}' is not a property path (or a 'ten.' path other than 'ten.name')"
            ),
            ConversionProblem::BadName(n) => write!(f, "'{n}' is not a valid message name"),
            ConversionProblem::RenameResult => {
                f.write_str("a result conversion cannot set 'ten.name'")
            }
            ConversionProblem::ResultNotCmd => {
                f.write_str("a result conversion is only allowed on a cmd flow")
            }
            ConversionProblem::Duplicate => {
                f.write_str("a second conversion for the same source, message and destination")
            }
        }
    }
}

impl TenError {
    /// TEN's numeric error code (Generic=1, InvalidJSON=2, InvalidArgument=3, InvalidType=4,
    /// InvalidGraph=5, TenIsClosed=6, MsgNotConnected=7, Timeout=8); input over a limit is
    /// InvalidJSON.
    pub fn code(&self) -> u8 {
        match self {
            TenError::Generic(_)
            | TenError::AlreadyAnswered
            | TenError::EnvVarMissing { .. }
            | TenError::HookFailed { .. }
            | TenError::TestPanicked(_)
            | TenError::CmdCycle { .. }
            | TenError::TooManyPendingCmds { .. } => 1,
            TenError::InvalidJson { .. } | TenError::InputTooLarge { .. } => 2,
            TenError::InvalidArgument(_) | TenError::PropertyNotFound(_) => 3,
            TenError::InvalidType { .. } => 4,
            TenError::InvalidGraph(_)
            | TenError::GraphImport { .. }
            | TenError::GraphRule { .. } => 5,
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
            TenError::GraphRule { path, rule } => write!(f, "{path}: {rule}"),
            TenError::HookFailed {
                extension,
                hook,
                reason,
            } => write!(f, "extension '{extension}': {hook} failed: {reason}"),
            TenError::CmdCycle {
                cmd,
                limit,
                extensions,
            } => {
                let trail = extensions.join(" → ");
                if extensions.len() > 1 && extensions.first() == extensions.last() {
                    write!(
                        f,
                        "command '{cmd}' goes round a cycle of extensions {trail}: stopped at \
                         the limit of {limit} hops"
                    )
                } else {
                    write!(
                        f,
                        "command '{cmd}' passed more than {limit} hops ({trail}): stopped at \
                         the limit"
                    )
                }
            }
            TenError::TooManyPendingCmds { extension, limit } => write!(
                f,
                "extension '{extension}' already waits on {limit} commands it sent (the \
                 limit, AppOptions::max_pending_cmds): this one is refused"
            ),
            TenError::TestPanicked(m) => write!(f, "the test body panicked: {m}"),
            TenError::GraphImport { graph, uri, reason } => {
                write!(f, "graph '{graph}': import_uri '{uri}': {reason}")
            }
            TenError::EnvVarMissing { variable, path } => write!(
                f,
                "environment variable {variable} is not set and '{path}' gives no default \
                 (write ${{env:{variable}|default}})"
            ),
        }
    }
}

impl std::error::Error for TenError {}
