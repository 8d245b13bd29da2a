//! Reading a graph's JSON: the keys evloop knows on each object, and the small readers of
//! fields and lists that loading a graph (`graph.rs`) and flattening subgraphs
//! (`subgraph.rs`) share, each error saying what is missing and where.

use serde_json::{Map, Value};

use super::error::{GraphRule, TenError};

/// The keys evloop reads on a node, a connection, a message flow and a destination; others
/// are reported by [`Graph::warnings`].
pub(super) const NODE_KEYS: &[&str] = &[
    "type",
    "name",
    "addon",
    "property",
    "app",
    "extension_group",
];
/// The keys evloop reads on a subgraph node and on a selector node.
pub(super) const SUBGRAPH_NODE_KEYS: &[&str] = &["type", "name", "graph", "property"];
pub(super) const SELECTOR_NODE_KEYS: &[&str] = &["type", "name", "filter"];
pub(super) const CONNECTION_KEYS: &[&str] = &[
    "extension",
    "app",
    "cmd",
    "data",
    "audio_frame",
    "video_frame",
];
pub(super) const FLOW_KEYS: &[&str] = &["name", "names", "dest", "source"];
pub(super) const DEST_KEYS: &[&str] = &["extension", "app", "msg_conversion"];

/// Warns about each key of `obj` not in `known`.
pub(super) fn unknown_keys(
    warnings: &mut Vec<String>,
    obj: &Map<String, Value>,
    known: &[&str],
    at: &str,
) {
    for key in obj.keys().filter(|k| !known.contains(&k.as_str())) {
        warnings.push(format!("{at}/{key}: not used by evloop, ignored"));
    }
}

/// A node's or destination's `app` must be this app: absent, `localhost`, or `local_app`.
pub(super) fn check_local(
    obj: &Map<String, Value>,
    who: &str,
    at: &str,
    local_app: Option<&str>,
) -> Result<(), TenError> {
    match obj.get("app").and_then(Value::as_str) {
        None | Some("localhost") => Ok(()),
        Some(app) if Some(app) == local_app => Ok(()),
        Some(app) => Err(TenError::GraphRule {
            path: format!("{at}/app"),
            rule: GraphRule::RemoteApp {
                node: who.to_string(),
                app: app.to_string(),
            },
        }),
    }
}

/// A graph error without a path.
pub(crate) fn invalid(msg: impl Into<String>) -> TenError {
    TenError::InvalidGraph(msg.into())
}

/// The string `key` of `obj`, which `what` needs.
pub(crate) fn field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<&'a str, TenError> {
    string(obj, key, |e| invalid(format!("{what} {e}")))
}

/// The objects of the list `v` (absent: none).
pub(crate) fn objects<'a>(
    v: Option<&'a Value>,
    what: &str,
) -> Result<Vec<&'a Map<String, Value>>, TenError> {
    object_list(v, |e| invalid(format!("{what} {e}")))
}

/// A graph error at the JSON path `at`.
pub(super) fn bad(at: &str, what: &str) -> TenError {
    TenError::InvalidGraph(format!("{at}: {what}"))
}

/// The string `key` of the object at `at`.
pub(super) fn str_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<&'a str, TenError> {
    string(obj, key, |e| bad(at, e))
}

/// The objects of the list at `at` (absent: none).
pub(super) fn list<'a>(
    v: Option<&'a Value>,
    at: &str,
) -> Result<Vec<&'a Map<String, Value>>, TenError> {
    object_list(v, |e| bad(at, e))
}

/// The string `key` of `obj`, or `error` saying what is wrong.
fn string<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    error: impl FnOnce(&str) -> TenError,
) -> Result<&'a str, TenError> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| error(&format!("needs a string '{key}'")))
}

/// The objects of the list `v` (absent: none), or `error` saying what is wrong.
fn object_list(
    v: Option<&Value>,
    error: impl Fn(&str) -> TenError,
) -> Result<Vec<&Map<String, Value>>, TenError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_object().ok_or_else(|| error("must hold objects")))
            .collect(),
        Some(_) => Err(error("must be an array")),
    }
}
