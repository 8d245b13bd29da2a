//! Subgraph and selector nodes, flattened into the plain graph evloop routes, as TEN's
//! `flatten_subgraphs` and selector resolution do before a graph starts.
//!
//! A subgraph node (`{"type": "subgraph", "name": "s", "graph": {"import_uri": "s.json"}}`)
//! brings in the nodes of another graph, each renamed `s_<node>`, with that graph's own
//! connections. A connection reaches into the subgraph through the messages the subgraph
//! exposes (`exposed_messages`: `{"type": "cmd_in", "name": "hello", "extension": "x"}`):
//! a destination `{"subgraph": "s"}` of cmd `hello` becomes `{"extension": "s_x"}`; a
//! connection owned by `{"subgraph": "s"}` sends from the extension exposing the message as
//! `*_out`. The subgraph node's `property` sets the subgraph's `exposed_properties` on the
//! extension each names. Subgraphs nest; an exposed message may name a nested `subgraph`.
//!
//! A selector node (`{"type": "selector", "name": "all", "filter": {"field": "name",
//! "operator": "exact" | "regex", "value": ".."}}`, or `{"and": [..]}` / `{"or": [..]}` of
//! filters) stands for the nodes of its graph its filter matches: a `{"selector": "all"}`
//! destination or source becomes one per matching node (see `src/ext/selector.rs`).
//!
//! Limits: subgraphs nest at most [`MAX_SUBGRAPH_DEPTH`] deep (an import cycle hits it), the
//! flattened graph has at most [`MAX_GRAPH_ITEMS`] nodes, connection entries and endpoints,
//! and the imported files total at most four times [`MAX_JSON_BYTES`]: the work is linear
//! in what is read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::{GraphRule, MAX_GRAPH_ITEMS, MAX_JSON_BYTES, TenError, parse_json};
use super::graph_json::{
    SELECTOR_NODE_KEYS, SUBGRAPH_NODE_KEYS, bad, list, str_field, unknown_keys,
};
use super::selector::Selector;

/// How deep subgraphs may nest (a subgraph importing itself stops here).
pub const MAX_SUBGRAPH_DEPTH: usize = 8;

/// The most bytes of imported subgraph files one graph may read.
const MAX_IMPORTED_BYTES: usize = 4 * MAX_JSON_BYTES;

const KINDS: [&str; 4] = ["cmd", "data", "audio_frame", "video_frame"];

/// What flattening has spent: items against [`MAX_GRAPH_ITEMS`], imported bytes.
#[derive(Default)]
struct Budget {
    items: usize,
    bytes: usize,
}

impl Budget {
    fn item(&mut self, n: usize) -> Result<(), TenError> {
        self.items = self.items.saturating_add(n);
        if self.items > MAX_GRAPH_ITEMS {
            return Err(TenError::InputTooLarge {
                what: "graph",
                limit_kind: "items",
                limit: MAX_GRAPH_ITEMS,
            });
        }
        Ok(())
    }
}

/// A flattened graph: only extension nodes, and what it exposes to a parent.
#[derive(Default)]
struct Flat {
    nodes: Vec<Map<String, Value>>,
    connections: Vec<Value>,
    /// `(type, message name)` → the extension (flattened name) that handles it.
    messages: HashMap<(String, String), String>,
    /// Property name → the extension (flattened name) it is set on.
    properties: HashMap<String, String>,
    /// Keys evloop does not use on the subgraph and selector nodes of this level and below.
    warnings: Vec<String>,
}

/// True if the graph has subgraph or selector nodes (then it must be flattened).
pub(crate) fn needed(root: &Map<String, Value>) -> bool {
    root.get("nodes")
        .and_then(Value::as_array)
        .is_some_and(|nodes| {
            nodes.iter().any(|n| {
                matches!(
                    n.get("type").and_then(Value::as_str),
                    Some("subgraph" | "selector")
                )
            })
        })
}

/// Flattens `root` (a graph whose relative `import_uri`s are relative to `dir`): the plain
/// graph, the bytes of the files it imported (their routes count too), and a warning for
/// each key evloop does not use on a subgraph or selector node.
pub(crate) fn flatten(
    root: &Map<String, Value>,
    dir: Option<&Path>,
) -> Result<(Value, usize, Vec<String>), TenError> {
    let mut budget = Budget::default();
    let flat = flatten_graph(root, "", dir, 0, &mut budget)?;
    let mut out = Map::new();
    out.insert(
        "nodes".into(),
        Value::Array(flat.nodes.into_iter().map(Value::Object).collect()),
    );
    out.insert("connections".into(), Value::Array(flat.connections));
    Ok((Value::Object(out), budget.bytes, flat.warnings))
}

/// The file an `import_uri` names: relative to `dir`, absolute, or a `file://` URI.
pub(crate) fn import_path(uri: &str, dir: Option<&Path>) -> Result<PathBuf, String> {
    let path = match uri.strip_prefix("file://") {
        Some(p) => PathBuf::from(p),
        None if uri.contains("://") => {
            return Err("only local paths and file:// URIs are supported".into());
        }
        None => PathBuf::from(uri),
    };
    if path.is_absolute() {
        return Ok(path);
    }
    Ok(dir
        .ok_or("a relative import_uri needs the directory of the file that names it")?
        .join(path))
}

/// The graph a subgraph node names, and the directory its own imports are relative to.
fn load(
    node: &Map<String, Value>,
    name: &str,
    at: &str,
    dir: Option<&Path>,
    budget: &mut Budget,
) -> Result<(Map<String, Value>, Option<PathBuf>), TenError> {
    let graph = node
        .get("graph")
        .and_then(Value::as_object)
        .ok_or_else(|| bad(at, "a subgraph node needs a 'graph' object"))?;
    let Some(uri) = graph.get("import_uri") else {
        // evloop also takes the subgraph inline.
        return Ok((graph.clone(), dir.map(Path::to_path_buf)));
    };
    let uri = uri
        .as_str()
        .ok_or_else(|| bad(&format!("{at}/graph/import_uri"), "must be a string"))?;
    let failed = |reason: String| TenError::GraphImport {
        graph: name.to_string(),
        uri: uri.to_string(),
        reason,
    };
    let path = import_path(uri, dir).map_err(failed)?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| failed(format!("cannot read {}: {e}", path.display())))?;
    budget.bytes = budget.bytes.saturating_add(text.len());
    if budget.bytes > MAX_IMPORTED_BYTES {
        return Err(TenError::InputTooLarge {
            what: "imported subgraphs",
            limit_kind: "bytes",
            limit: MAX_IMPORTED_BYTES,
        });
    }
    let value = parse_json(&text, "subgraph")?;
    let Value::Object(map) = value else {
        return Err(failed("not a JSON object".into()));
    };
    Ok((map, path.parent().map(Path::to_path_buf)))
}

/// The subgraphs of one graph level, by node name: what each exposes.
type Subs = HashMap<String, Flat>;

/// `s_<extension>` for the extension of subgraph `sub` that exposes message `name` as `ty`.
fn resolve(subs: &Subs, sub: &str, ty: &str, name: &str, at: &str) -> Result<String, TenError> {
    let flat = subs.get(sub).ok_or_else(|| TenError::GraphRule {
        path: at.to_string(),
        rule: GraphRule::UnknownSubgraph(sub.to_string()),
    })?;
    let ext = flat
        .messages
        .get(&(ty.to_string(), name.to_string()))
        .ok_or_else(|| TenError::GraphRule {
            path: at.to_string(),
            rule: GraphRule::NotExposed {
                subgraph: sub.to_string(),
                kind: ty.to_string(),
                name: name.to_string(),
            },
        })?;
    Ok(format!("{sub}_{ext}"))
}

fn flatten_graph(
    g: &Map<String, Value>,
    at: &str,
    dir: Option<&Path>,
    depth: usize,
    budget: &mut Budget,
) -> Result<Flat, TenError> {
    if depth > MAX_SUBGRAPH_DEPTH {
        return Err(TenError::InputTooLarge {
            what: "subgraph",
            limit_kind: "nesting depth",
            limit: MAX_SUBGRAPH_DEPTH,
        });
    }
    let mut flat = Flat::default();
    let mut subs = Subs::new();
    let mut selectors = Selector::table();
    let level_nodes = list(g.get("nodes"), &format!("{at}/nodes"))?;
    for (i, node) in level_nodes.iter().enumerate() {
        budget.item(1)?;
        let at = format!("{at}/nodes/{i}");
        let name = str_field(node, "name", &at)?;
        match node
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("extension")
        {
            "extension" => flat.nodes.push((*node).clone()),
            "selector" => {
                unknown_keys(&mut flat.warnings, node, SELECTOR_NODE_KEYS, &at);
                selectors.add(name, node, &at)?;
            }
            "subgraph" => {
                unknown_keys(&mut flat.warnings, node, SUBGRAPH_NODE_KEYS, &at);
                let (sub_graph, sub_dir) = load(node, name, &at, dir, budget)?;
                let sub_at = format!("{at}/graph");
                let mut sub =
                    flatten_graph(&sub_graph, &sub_at, sub_dir.as_deref(), depth + 1, budget)?;
                flat.warnings.append(&mut sub.warnings);
                add_subgraph(&mut flat, name, node, &sub, &at)?;
                subs.insert(name.to_string(), sub);
            }
            other => {
                return Err(TenError::GraphRule {
                    path: at,
                    rule: GraphRule::UnsupportedNode {
                        node: name.to_string(),
                        kind: other.to_string(),
                    },
                });
            }
        }
    }
    let mut owners = HashSet::new();
    for (ci, conn) in list(g.get("connections"), &format!("{at}/connections"))?
        .into_iter()
        .enumerate()
    {
        budget.item(1)?;
        let at = format!("{at}/connections/{ci}");
        let mut conn = conn.clone();
        selectors.expand(&mut conn, &level_nodes, &at, |n| budget.item(n))?;
        let owner = match (conn.get("extension"), conn.get("subgraph")) {
            (Some(Value::String(e)), None) => (false, e.clone()),
            (None, Some(Value::String(s))) => (true, s.clone()),
            _ => return Err(bad(&at, "give exactly one of 'extension' or 'subgraph'")),
        };
        if !owners.insert(owner.clone()) {
            return Err(TenError::GraphRule {
                path: at,
                rule: GraphRule::DuplicateConnection(owner.1),
            });
        }
        for c in resolve_connection(conn, &owner, &subs, &at, budget)? {
            flat.connections.push(Value::Object(c));
        }
    }
    exposed(g, at, &subs, &mut flat)?;
    Ok(flat)
}

/// Adds the flattened subgraph `sub` of node `name`: its nodes renamed `name_<node>` with
/// the node's `property` set through the exposed properties, its connections renamed.
fn add_subgraph(
    flat: &mut Flat,
    name: &str,
    node: &Map<String, Value>,
    sub: &Flat,
    at: &str,
) -> Result<(), TenError> {
    let mut props: HashMap<&str, Map<String, Value>> = HashMap::new();
    match node.get("property") {
        None => {}
        Some(Value::Object(p)) => {
            for (key, value) in p {
                let ext = sub.properties.get(key).ok_or_else(|| TenError::GraphRule {
                    path: format!("{at}/property/{key}"),
                    rule: GraphRule::PropertyNotExposed {
                        subgraph: name.to_string(),
                        property: key.clone(),
                    },
                })?;
                props
                    .entry(ext.as_str())
                    .or_default()
                    .insert(key.clone(), value.clone());
            }
        }
        Some(_) => return Err(bad(&format!("{at}/property"), "must be an object")),
    }
    for n in &sub.nodes {
        let mut n = n.clone();
        let inner = n.get("name").and_then(Value::as_str).unwrap_or_default();
        let set = props.remove(inner);
        n.insert("name".into(), Value::String(format!("{name}_{inner}")));
        if let Some(set) = set {
            let p = n
                .entry("property")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(p) = p {
                p.extend(set);
            }
        }
        flat.nodes.push(n);
    }
    for c in &sub.connections {
        let mut c = c.clone();
        rename(&mut c, name);
        flat.connections.push(c);
    }
    Ok(())
}

/// Prefixes every extension a (flattened) connection names with `sub_`.
fn rename(conn: &mut Value, sub: &str) {
    let fix = |v: &mut Value| {
        if let Some(Value::String(e)) = v.get_mut("extension") {
            *e = format!("{sub}_{e}");
        }
    };
    fix(conn);
    for kind in KINDS {
        let Some(Value::Array(flows)) = conn.get_mut(kind) else {
            continue;
        };
        for flow in flows {
            for side in ["dest", "source"] {
                if let Some(Value::Array(ends)) = flow.get_mut(side) {
                    ends.iter_mut().for_each(fix);
                }
            }
        }
    }
}

/// The names of a flow (`name` or `names`).
fn names(flow: &Map<String, Value>) -> Vec<String> {
    match (flow.get("name"), flow.get("names")) {
        (Some(Value::String(n)), _) => vec![n.clone()],
        (None, Some(Value::Array(ns))) => ns
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// A connection of this level with its subgraph references resolved: one connection per
/// sending extension when a subgraph owns it, and `{"subgraph": s}` ends replaced by the
/// extension exposing each message (a flow naming several messages is split per message).
fn resolve_connection(
    conn: Map<String, Value>,
    (by_sub, owner): &(bool, String),
    subs: &Subs,
    at: &str,
    budget: &mut Budget,
) -> Result<Vec<Map<String, Value>>, TenError> {
    let touches_sub = |flow: &Map<String, Value>| {
        ["dest", "source"].iter().any(|side| {
            flow.get(*side)
                .and_then(Value::as_array)
                .is_some_and(|ends| ends.iter().any(|e| e.get("subgraph").is_some()))
        })
    };
    // (owning extension) → its connection, in first-seen order.
    let mut out: Vec<Map<String, Value>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut base = conn.clone();
    for kind in KINDS {
        base.remove(kind);
    }
    for kind in KINDS {
        for (fi, flow) in list(conn.get(kind), &format!("{at}/{kind}"))?
            .into_iter()
            .enumerate()
        {
            let at = format!("{at}/{kind}/{fi}");
            let incoming = flow.get("source").is_some();
            let split = *by_sub || touches_sub(flow);
            let per_name: Vec<Option<String>> = if split {
                let names = names(flow);
                if names.is_empty() {
                    return Err(bad(&at, "give exactly one of 'name' or 'names'"));
                }
                names.into_iter().map(Some).collect()
            } else {
                vec![None]
            };
            for name in per_name {
                let mut flow = flow.clone();
                let from = match &name {
                    Some(n) => {
                        flow.remove("names");
                        flow.insert("name".into(), Value::String(n.clone()));
                        for side in ["dest", "source"] {
                            let ty = match (side, kind) {
                                ("dest", _) => format!("{kind}_in"),
                                _ => format!("{kind}_out"),
                            };
                            if let Some(Value::Array(ends)) = flow.get_mut(side) {
                                budget.item(ends.len())?;
                                for end in ends.iter_mut().filter_map(Value::as_object_mut) {
                                    if let Some(Value::String(s)) = end.remove("subgraph") {
                                        let ext = resolve(subs, &s, &ty, n, &at)?;
                                        end.insert("extension".into(), Value::String(ext));
                                    }
                                }
                            }
                        }
                        if *by_sub {
                            let dir = if incoming { "in" } else { "out" };
                            resolve(subs, owner, &format!("{kind}_{dir}"), n, &at)?
                        } else {
                            owner.clone()
                        }
                    }
                    None => owner.clone(),
                };
                let i = *index.entry(from.clone()).or_insert_with(|| {
                    let mut c = base.clone();
                    c.remove("subgraph");
                    c.insert("extension".into(), Value::String(from));
                    out.push(c);
                    out.len() - 1
                });
                if let Value::Array(flows) = out[i]
                    .entry(kind)
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    flows.push(Value::Object(flow));
                }
            }
        }
    }
    if out.is_empty() && !*by_sub {
        out.push(base);
    }
    Ok(out)
}

/// Reads this level's `exposed_messages` and `exposed_properties` into `flat` (a nested
/// `subgraph` target resolved to its flattened extension).
fn exposed(g: &Map<String, Value>, at: &str, subs: &Subs, flat: &mut Flat) -> Result<(), TenError> {
    let target = |e: &Map<String, Value>, at: &str, key: Option<(&str, &str)>| match (
        e.get("extension"),
        e.get("subgraph"),
    ) {
        (Some(Value::String(x)), None) => Ok(Some(x.clone())),
        (None, Some(Value::String(s))) => Ok(match key {
            Some((ty, name)) => subs
                .get(s)
                .and_then(|f| f.messages.get(&(ty.to_string(), name.to_string())))
                .map(|x| format!("{s}_{x}")),
            None => subs
                .get(s)
                .and_then(|f| {
                    let prop = e.get("name").and_then(Value::as_str).unwrap_or_default();
                    f.properties.get(prop)
                })
                .map(|x| format!("{s}_{x}")),
        }),
        _ => Err(bad(at, "give exactly one of 'extension' or 'subgraph'")),
    };
    for (i, e) in list(g.get("exposed_messages"), &format!("{at}/exposed_messages"))?
        .into_iter()
        .enumerate()
    {
        let at = format!("{at}/exposed_messages/{i}");
        let ty = str_field(e, "type", &at)?;
        let name = str_field(e, "name", &at)?;
        if let Some(ext) = target(e, &at, Some((ty, name)))? {
            flat.messages
                .entry((ty.to_string(), name.to_string()))
                .or_insert(ext);
        }
    }
    for (i, e) in list(
        g.get("exposed_properties"),
        &format!("{at}/exposed_properties"),
    )?
    .into_iter()
    .enumerate()
    {
        let at = format!("{at}/exposed_properties/{i}");
        let name = str_field(e, "name", &at)?;
        if let Some(ext) = target(e, &at, None)? {
            flat.properties.entry(name.to_string()).or_insert(ext);
        }
    }
    Ok(())
}
