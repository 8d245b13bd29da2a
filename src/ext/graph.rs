//! Graphs: TEN's JSON graph format, validated at load and turned into a routing table.
//!
//! ```json
//! {
//!   "nodes": [
//!     {"type": "extension", "name": "a", "addon": "producer", "property": {"rate": 10}},
//!     {"type": "extension", "name": "b", "addon": "consumer"}
//!   ],
//!   "connections": [
//!     {"extension": "a",
//!      "cmd":  [{"name": "hello", "dest": [{"extension": "b"}]}],
//!      "data": [{"names": ["x", "y"], "dest": [{"extension": "b"}]}]},
//!     {"extension": "b",
//!      "audio_frame": [{"name": "pcm", "source": [{"extension": "a"}]}]}
//!   ]
//! }
//! ```
//!
//! A connection entry belongs to its `extension`. With `dest`, messages flow *from* that
//! extension to each destination; with `source` (TEN's reverse form), they flow *into* it from
//! each source. Routing pairs messages by type and name only; a destination's
//! `msg_conversion` rewrites what it gets (see `src/ext/conversion.rs`).
//!
//! Subgraph and selector nodes are flattened into extension nodes first
//! (`src/ext/subgraph.rs`). Validation happens at load, with clear errors: bad JSON (with
//! line and column), a node of an unknown type, a duplicate node, a connection naming an unknown extension, an
//! entry with neither or both of `name`/`names`. Unknown addons are checked by the app, which
//! knows the registry.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::conversion::MsgConversion;
use super::error::{ConversionProblem, GraphRule, MAX_GRAPH_ITEMS, TenError};
use super::graph_json::{
    CONNECTION_KEYS, DEST_KEYS, FLOW_KEYS, NODE_KEYS, check_local, unknown_keys,
};
use super::graph_json::{field, invalid, objects};
use super::msg_kind::MsgKind;
use super::properties::Properties;
#[cfg(test)]
use super::route_budget::MIN_ROUTES;
pub(crate) use super::route_budget::RouteBudget;

/// One extension node of a graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The instance name, unique in the graph.
    pub name: String,
    /// The addon that creates it.
    pub addon: String,
    /// The node's `property`, merged over the extension's own at configure time.
    pub property: Properties,
}

/// One route of a loaded graph: a message from one node goes to these nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<'a> {
    /// The sending node's name.
    pub from: &'a str,
    /// The message type.
    pub kind: MsgKind,
    /// The message name.
    pub name: &'a str,
    /// The destinations' names, in file order.
    pub to: Vec<&'a str>,
}

/// A validated graph: its nodes and where each message goes.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The nodes, in file order.
    pub nodes: Vec<Node>,
    /// `(source node, kind)` → name → destination nodes, in file order (looked up by
    /// `&str`, so routing a message allocates nothing).
    pub(crate) routes: HashMap<(usize, MsgKind), HashMap<String, Vec<usize>>>,
    /// `(source, kind, destination)` → message name → the destination's `msg_conversion`
    /// (looked up by `&str`, so routing a message allocates nothing).
    conversions: HashMap<(usize, MsgKind, usize), HashMap<String, Arc<MsgConversion>>>,
    /// Keys evloop read but does not use, with their JSON paths, in file order.
    warnings: Vec<String>,
}

impl Graph {
    /// Parses and validates a graph from JSON text.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidJson`] with line and column, or [`TenError::InvalidGraph`] saying
    /// what is wrong. [`TenError::InputTooLarge`] for text over the JSON limits, or that
    /// declares more routes (a message name to one destination, or from one source) than
    /// the larger of its length in bytes and 4,096: routes are the product of names and
    /// destinations, and the bound keeps the cost of a graph linear in its length.
    pub fn from_json(json: &str) -> Result<Graph, TenError> {
        let value = crate::ext::error::parse_json(json, "graph")?;
        Graph::from_value(&value, &mut RouteBudget::for_text("graph", json), None)
    }

    /// Parses and validates a graph from JSON text read from a file in `dir`: subgraph
    /// nodes' relative `import_uri`s are followed from there.
    ///
    /// # Errors
    ///
    /// As [`Graph::from_json`]; [`TenError::GraphImport`] for a subgraph file that cannot
    /// be read.
    pub fn from_json_in(json: &str, dir: &Path) -> Result<Graph, TenError> {
        let value = crate::ext::error::parse_json(json, "graph")?;
        Graph::from_value_in(
            &value,
            &mut RouteBudget::for_text("graph", json),
            None,
            Some(dir),
        )
    }

    /// Builds a graph of the app whose `ten.uri` is `local_app` (a node on that app is
    /// local).
    pub(crate) fn from_value(
        value: &Value,
        budget: &mut RouteBudget,
        local_app: Option<&str>,
    ) -> Result<Graph, TenError> {
        Graph::from_value_in(value, budget, local_app, None)
    }

    /// As [`Graph::from_value`], with subgraph and selector nodes flattened first
    /// (`src/ext/subgraph.rs`); relative subgraph `import_uri`s are relative to `dir`.
    pub(crate) fn from_value_in(
        value: &Value,
        budget: &mut RouteBudget,
        local_app: Option<&str>,
        dir: Option<&Path>,
    ) -> Result<Graph, TenError> {
        if let Some(root) = value.as_object()
            && super::subgraph::needed(root)
        {
            let (flat, imported, warnings) = super::subgraph::flatten(root, dir)?;
            budget.grow(imported);
            let mut graph = Graph::build(&flat, budget, local_app, true)?;
            graph.warnings.extend(warnings);
            // The flattened graph has no keys of its own: report the file's (a top-level
            // graph's `exposed_*` are a subgraph's interface, unused at the top).
            unknown_keys(&mut graph.warnings, root, &["nodes", "connections"], "");
            return Ok(graph);
        }
        Graph::build(value, budget, local_app, false)
    }

    /// Builds a graph of extension nodes; `flattened` when subgraphs were flattened into it
    /// (their connection entries may share a source extension, each checked in its file).
    fn build(
        value: &Value,
        budget: &mut RouteBudget,
        local_app: Option<&str>,
        flattened: bool,
    ) -> Result<Graph, TenError> {
        let root = value
            .as_object()
            .ok_or_else(|| invalid("a graph is a JSON object with 'nodes' and 'connections'"))?;
        let mut graph = Graph::default();
        if !flattened {
            unknown_keys(&mut graph.warnings, root, &["nodes", "connections"], "");
        }
        let mut index = HashMap::new();
        // Nodes, connection entries and message names, against MAX_GRAPH_ITEMS.
        let mut items = 0usize;
        let mut count = |n: usize| {
            items = items.saturating_add(n);
            if items > MAX_GRAPH_ITEMS {
                Err(TenError::InputTooLarge {
                    what: "graph",
                    limit_kind: "items",
                    limit: MAX_GRAPH_ITEMS,
                })
            } else {
                Ok(())
            }
        };
        for (i, node) in objects(root.get("nodes"), "'nodes'")?
            .into_iter()
            .enumerate()
        {
            count(1)?;
            let at = format!("/nodes/{i}");
            let name = field(node, "name", "a node")?.to_string();
            let kind = node
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("extension");
            if kind != "extension" {
                return Err(TenError::GraphRule {
                    path: at,
                    rule: GraphRule::UnsupportedNode {
                        node: name,
                        kind: kind.to_string(),
                    },
                });
            }
            check_local(node, &name, &at, local_app)?;
            unknown_keys(&mut graph.warnings, node, NODE_KEYS, &at);
            let addon = field(node, "addon", &format!("node '{name}'"))?.to_string();
            let property = match node.get("property") {
                None => Properties::new(),
                Some(Value::Object(m)) => Properties::from_object(m.clone()),
                Some(_) => {
                    return Err(invalid(format!(
                        "node '{name}': 'property' must be an object"
                    )));
                }
            };
            if index.insert(name.clone(), graph.nodes.len()).is_some() {
                return Err(invalid(format!("duplicate node '{name}'")));
            }
            graph.nodes.push(Node {
                name,
                addon,
                property,
            });
        }
        let lookup = |name: &str, ctx: &str| {
            index
                .get(name)
                .copied()
                .ok_or_else(|| invalid(format!("{ctx} names unknown extension '{name}'")))
        };
        let mut owners = std::collections::HashSet::new();
        for (ci, conn) in objects(root.get("connections"), "'connections'")?
            .into_iter()
            .enumerate()
        {
            count(1)?;
            let at = format!("/connections/{ci}");
            let owner_name = field(conn, "extension", "a connection")?;
            check_local(conn, owner_name, &at, local_app)?;
            let owner = lookup(owner_name, "a connection")?;
            if !owners.insert(owner) && !flattened {
                return Err(TenError::GraphRule {
                    path: at,
                    rule: GraphRule::DuplicateConnection(owner_name.to_string()),
                });
            }
            unknown_keys(&mut graph.warnings, conn, CONNECTION_KEYS, &at);
            for kind in [
                MsgKind::Cmd,
                MsgKind::Data,
                MsgKind::AudioFrame,
                MsgKind::VideoFrame,
            ] {
                let what = format!("connection '{owner_name}' {}", kind.key());
                // Each name once per message type and direction in a connection (TEN's
                // checker): `pcm_frame` out to one node and in from another is two flows, as
                // in TEN's own demo app.
                let mut seen_names = std::collections::HashSet::new();
                for (fi, entry) in objects(conn.get(kind.key()), &what)?
                    .into_iter()
                    .enumerate()
                {
                    let at = format!("{at}/{}/{fi}", kind.key());
                    unknown_keys(&mut graph.warnings, entry, FLOW_KEYS, &at);
                    let names: Vec<String> = match (entry.get("name"), entry.get("names")) {
                        (Some(Value::String(n)), None) => vec![n.clone()],
                        (None, Some(Value::Array(ns))) => ns
                            .iter()
                            .map(|n| n.as_str().map(str::to_string))
                            .collect::<Option<_>>()
                            .ok_or_else(|| invalid(format!("{what}: 'names' must be strings")))?,
                        _ => {
                            return Err(invalid(format!(
                                "{what}: give exactly one of 'name' or 'names'"
                            )));
                        }
                    };
                    count(names.len())?;
                    let outgoing = entry.get("dest").is_some();
                    for n in &names {
                        if !seen_names.insert((outgoing, n.clone())) {
                            return Err(TenError::GraphRule {
                                path: at,
                                rule: GraphRule::DuplicateMessageName(n.clone()),
                            });
                        }
                    }
                    let dests = objects(entry.get("dest"), &what)?;
                    let sources = objects(entry.get("source"), &what)?;
                    for (side, list) in [("dest", &dests), ("source", &sources)] {
                        for (di, d) in list.iter().enumerate() {
                            let at = format!("{at}/{side}/{di}");
                            let who = d.get("extension").and_then(Value::as_str).unwrap_or("?");
                            check_local(d, who, &at, local_app)?;
                            unknown_keys(&mut graph.warnings, d, DEST_KEYS, &at);
                        }
                    }
                    if dests.is_empty() == sources.is_empty() {
                        return Err(invalid(format!(
                            "{what}: give exactly one of 'dest' or 'source'"
                        )));
                    }
                    let node =
                        |o: &&Map<String, Value>| lookup(field(o, "extension", &what)?, &what);
                    let mut converted = Vec::new();
                    for (di, d) in dests.iter().enumerate() {
                        if let Some(conv) = d.get("msg_conversion") {
                            let at = format!("{at}/dest/{di}/msg_conversion");
                            let conv = MsgConversion::from_json(conv, &at, kind == MsgKind::Cmd)?;
                            count(conv.rule_count())?;
                            converted.push((node(d)?, Arc::new(conv), at));
                        }
                    }
                    let dests: Vec<usize> = dests.iter().map(node).collect::<Result<_, _>>()?;
                    let sources: Vec<usize> = sources.iter().map(node).collect::<Result<_, _>>()?;
                    budget.spend(names.len().saturating_mul(dests.len() + sources.len()))?;
                    budget.spend(names.len().saturating_mul(converted.len()))?;
                    for n in &names {
                        for (to, conv, at) in &converted {
                            let by_name = graph.conversions.entry((owner, kind, *to)).or_default();
                            if by_name.insert(n.clone(), conv.clone()).is_some() {
                                return Err(TenError::GraphRule {
                                    path: at.clone(),
                                    rule: GraphRule::MsgConversion(ConversionProblem::Duplicate),
                                });
                            }
                        }
                    }
                    for n in names {
                        for &from in &sources {
                            graph
                                .routes
                                .entry((from, kind))
                                .or_default()
                                .entry(n.clone())
                                .or_default()
                                .push(owner);
                        }
                        if !dests.is_empty() {
                            graph
                                .routes
                                .entry((owner, kind))
                                .or_default()
                                .entry(n)
                                .or_default()
                                .extend(&dests);
                        }
                    }
                }
            }
        }
        // A destination named twice for one message goes there once, where it came first.
        // `seen[to]` is the last list `to` was met in: one pass over all routes, where
        // searching each list before adding to it cost the square of its length.
        let mut seen = vec![usize::MAX; graph.nodes.len()];
        let lists = graph.routes.values_mut().flat_map(HashMap::values_mut);
        for (list, dests) in lists.enumerate() {
            dests.retain(|&to| std::mem::replace(&mut seen[to], list) != list);
        }
        Ok(graph)
    }

    /// The node index of extension `name`.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Does any connection of the graph convert messages?
    pub(crate) fn has_conversions(&self) -> bool {
        !self.conversions.is_empty()
    }

    /// The `msg_conversion` of destination `to` for a message of `kind` named `name` from
    /// node `from`, if it has one.
    pub(crate) fn conversion(
        &self,
        from: usize,
        kind: MsgKind,
        name: &str,
        to: usize,
    ) -> Option<&Arc<MsgConversion>> {
        if self.conversions.is_empty() {
            return None;
        }
        self.conversions.get(&(from, kind, to))?.get(name)
    }

    /// Keys in the graph's JSON that evloop does not use (a misspelt key, `singleton`
    /// on a node, ...), each with its JSON path, in file order.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every route, sorted by sender, type and name (for tests, debug output and the
    /// timeline). A route is one sender and message to all its destinations.
    pub fn routes(&self) -> Vec<Route<'_>> {
        let mut routes: Vec<Route<'_>> = self
            .routes
            .iter()
            .flat_map(|(&(from, kind), by_name)| {
                by_name.iter().map(move |(n, to)| (from, kind, n, to))
            })
            .filter(|(.., to)| !to.is_empty())
            .map(|(from, kind, name, to)| Route {
                from: &self.nodes[from].name,
                kind,
                name,
                to: to.iter().map(|&t| self.nodes[t].name.as_str()).collect(),
            })
            .collect();
        routes.sort_by(|a, b| (a.from, a.kind.key(), a.name).cmp(&(b.from, b.kind.key(), b.name)));
        routes
    }

    /// Where a message of `kind` named `name` from node `from` goes (empty if nowhere).
    pub fn route(&self, from: usize, kind: MsgKind, name: &str) -> &[usize] {
        self.routes
            .get(&(from, kind))
            .and_then(|by_name| by_name.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// Replaces every `${env:VAR}` / `${env:VAR|default}` placeholder in the nodes'
    /// properties by its value, as TEN does when it configures an extension (see
    /// `docs/extensions.md`). [`App::load_graph`](crate::ext::App::load_graph) calls it.
    ///
    /// # Errors
    ///
    /// [`TenError::EnvVarMissing`] naming the variable and the property path, for a
    /// variable that is not set and has no default (TEN exits the process there).
    #[doc(alias = "ten_placeholder_resolve")]
    pub fn resolve_env(&mut self) -> Result<(), TenError> {
        for node in &mut self.nodes {
            super::placeholder::resolve_env(&mut node.property, &node.name)?;
        }
        Ok(())
    }

    /// Adds a node (the tester's hidden extension) and returns its index.
    pub(crate) fn add_node(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
