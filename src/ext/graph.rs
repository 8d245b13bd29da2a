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
//! each source. Routing pairs messages by type and name only.
//!
//! Validation happens at load, with clear errors: bad JSON (with line and column), a node
//! that is not an extension, a duplicate node, a connection naming an unknown extension, an
//! entry with neither or both of `name`/`names`. Unknown addons are checked by the app, which
//! knows the registry.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::error::TenError;
use super::msg_kind::MsgKind;
use super::properties::Properties;

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

/// A validated graph: its nodes and where each message goes.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The nodes, in file order.
    pub nodes: Vec<Node>,
    /// `(source node, kind, name)` → destination nodes, in file order.
    routes: HashMap<(usize, MsgKind, String), Vec<usize>>,
}

/// The fewest routes a graph may declare, however short its text.
const MIN_ROUTES: usize = 4096;

/// How many routes a graph's text may still declare: one per byte of the text, and at
/// least [`MIN_ROUTES`]. A connection entry declares a route per message name per
/// destination (or source), so a few KiB could otherwise ask for millions of them and a
/// 1 MiB graph for about 10^10: the routing table would grow with the square of the text.
/// Counting them against the text's length keeps building the table linear in it.
struct RouteBudget {
    /// What is being read, for the error.
    what: &'static str,
    /// The routes the text may declare in all.
    limit: usize,
    /// The routes it may still declare.
    left: usize,
}

impl RouteBudget {
    fn for_text(what: &'static str, text: &str) -> RouteBudget {
        let limit = text.len().max(MIN_ROUTES);
        RouteBudget {
            what,
            limit,
            left: limit,
        }
    }

    /// Takes `n` routes from the budget.
    fn spend(&mut self, n: usize) -> Result<(), TenError> {
        self.left = self.left.checked_sub(n).ok_or(TenError::InputTooLarge {
            what: self.what,
            limit_kind: "routes",
            limit: self.limit,
        })?;
        Ok(())
    }
}

fn invalid(msg: impl Into<String>) -> TenError {
    TenError::InvalidGraph(msg.into())
}

fn field<'a>(obj: &'a Map<String, Value>, key: &str, what: &str) -> Result<&'a str, TenError> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{what} needs a string '{key}'")))
}

fn objects<'a>(v: Option<&'a Value>, what: &str) -> Result<Vec<&'a Map<String, Value>>, TenError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_object()
                    .ok_or_else(|| invalid(format!("{what} must hold objects")))
            })
            .collect(),
        Some(_) => Err(invalid(format!("{what} must be an array"))),
    }
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
        Graph::from_value(&value, &mut RouteBudget::for_text("graph", json))
    }

    fn from_value(value: &Value, budget: &mut RouteBudget) -> Result<Graph, TenError> {
        let root = value
            .as_object()
            .ok_or_else(|| invalid("a graph is a JSON object with 'nodes' and 'connections'"))?;
        let mut graph = Graph::default();
        let mut index = HashMap::new();
        for node in objects(root.get("nodes"), "'nodes'")? {
            let kind = node
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("extension");
            if kind != "extension" {
                return Err(invalid(format!(
                    "node type '{kind}' is not supported (only 'extension')"
                )));
            }
            let name = field(node, "name", "a node")?.to_string();
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
        for conn in objects(root.get("connections"), "'connections'")? {
            let owner_name = field(conn, "extension", "a connection")?;
            let owner = lookup(owner_name, "a connection")?;
            for kind in [
                MsgKind::Cmd,
                MsgKind::Data,
                MsgKind::AudioFrame,
                MsgKind::VideoFrame,
            ] {
                let what = format!("connection '{owner_name}' {}", kind.key());
                for entry in objects(conn.get(kind.key()), &what)? {
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
                    let dests = objects(entry.get("dest"), &what)?;
                    let sources = objects(entry.get("source"), &what)?;
                    if dests.is_empty() == sources.is_empty() {
                        return Err(invalid(format!(
                            "{what}: give exactly one of 'dest' or 'source'"
                        )));
                    }
                    let node =
                        |o: &&Map<String, Value>| lookup(field(o, "extension", &what)?, &what);
                    let dests: Vec<usize> = dests.iter().map(node).collect::<Result<_, _>>()?;
                    let sources: Vec<usize> = sources.iter().map(node).collect::<Result<_, _>>()?;
                    budget.spend(names.len().saturating_mul(dests.len() + sources.len()))?;
                    for n in names {
                        for &from in &sources {
                            graph
                                .routes
                                .entry((from, kind, n.clone()))
                                .or_default()
                                .push(owner);
                        }
                        if !dests.is_empty() {
                            graph
                                .routes
                                .entry((owner, kind, n))
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
        for (list, dests) in graph.routes.values_mut().enumerate() {
            dests.retain(|&to| std::mem::replace(&mut seen[to], list) != list);
        }
        Ok(graph)
    }

    /// The node index of extension `name`.
    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Where a message of `kind` named `name` from node `from` goes (empty if nowhere).
    pub fn route(&self, from: usize, kind: MsgKind, name: &str) -> &[usize] {
        self.routes
            .get(&(from, kind, name.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Adds a node (the tester's hidden extension) and returns its index.
    pub(crate) fn add_node(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }
}

/// One graph of TEN's app `property.json`: `ten.predefined_graphs[]`.
#[derive(Debug, Clone)]
pub struct PredefinedGraph {
    /// The graph's name.
    pub name: String,
    /// Start it with the app.
    pub auto_start: bool,
    /// No extension enters deinit before every extension finished stop.
    pub sync_stop_before_deinit: bool,
    /// The graph.
    pub graph: Graph,
}

/// Reads `ten.predefined_graphs` from an app `property.json` (the graph may be under
/// `graph` or, in older files, directly on the entry).
///
/// # Errors
///
/// As [`Graph::from_json`].
pub fn predefined_graphs(property_json: &str) -> Result<Vec<PredefinedGraph>, TenError> {
    let value = crate::ext::error::parse_json(property_json, "property.json")?;
    // One budget for all the graphs: the routes they declare together.
    let mut budget = RouteBudget::for_text("property.json", property_json);
    let entries = value
        .pointer("/ten/predefined_graphs")
        .ok_or_else(|| invalid("property.json has no 'ten.predefined_graphs'"))?;
    objects(Some(entries), "'ten.predefined_graphs'")?
        .into_iter()
        .map(|e| {
            let name = field(e, "name", "a predefined graph")?.to_string();
            let flag = |k: &str| e.get(k).and_then(Value::as_bool).unwrap_or(false);
            let graph_value = e.get("graph").unwrap_or(&Value::Null);
            let graph = if graph_value.is_null() {
                Graph::from_value(&Value::Object(e.clone()), &mut budget)?
            } else {
                Graph::from_value(graph_value, &mut budget)?
            };
            Ok(PredefinedGraph {
                auto_start: flag("auto_start"),
                sync_stop_before_deinit: flag("sync_stop_before_deinit"),
                name,
                graph,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAPH: &str = r#"{
      "nodes": [
        {"type": "extension", "name": "a", "addon": "p", "property": {"rate": 10}},
        {"type": "extension", "name": "b", "addon": "c"},
        {"type": "extension", "name": "c", "addon": "c"}
      ],
      "connections": [
        {"extension": "a",
         "cmd": [{"name": "hello", "dest": [{"extension": "b"}, {"extension": "c"}]}],
         "data": [{"names": ["x", "y"], "dest": [{"extension": "b"}]}]},
        {"extension": "c", "audio_frame": [{"name": "pcm", "source": [{"extension": "a"}]}]}
      ]
    }"#;

    #[test]
    fn routes_follow_dest_source_and_names() {
        let g = Graph::from_json(GRAPH).unwrap();
        assert_eq!(g.route(0, MsgKind::Cmd, "hello"), [1, 2]);
        assert_eq!(g.route(0, MsgKind::Data, "x"), [1]);
        assert_eq!(g.route(0, MsgKind::Data, "y"), [1]);
        assert_eq!(g.route(0, MsgKind::AudioFrame, "pcm"), [2]);
        assert!(
            g.route(0, MsgKind::Cmd, "x").is_empty(),
            "type and name both match"
        );
        assert_eq!(g.nodes[0].property.get_int("rate").unwrap(), 10);
    }

    #[test]
    fn a_destination_named_twice_is_routed_once_in_first_order() {
        let g = Graph::from_json(
            r#"{"nodes": [{"name": "a", "addon": "x"}, {"name": "b", "addon": "x"},
                          {"name": "c", "addon": "x"}],
                "connections": [
                  {"extension": "a", "cmd": [
                    {"names": ["go", "go"], "dest": [{"extension": "c"}, {"extension": "b"}]},
                    {"name": "go", "dest": [{"extension": "b"}, {"extension": "a"}]}]},
                  {"extension": "b", "cmd": [{"name": "go", "source": [{"extension": "a"}]}]}]}"#,
        )
        .unwrap();
        assert_eq!(g.route(0, MsgKind::Cmd, "go"), [2, 1, 0]);
    }

    #[test]
    fn more_routes_than_bytes_are_refused() {
        // 100 names to 100 destinations: 10,000 routes in about 3 KB of text.
        let nodes: Vec<String> = (0..100)
            .map(|i| format!(r#"{{"name": "n{i}", "addon": "x"}}"#))
            .collect();
        let names: Vec<String> = (0..100).map(|i| format!(r#""m{i}""#)).collect();
        let dests: Vec<String> = (0..100)
            .map(|i| format!(r#"{{"extension": "n{i}"}}"#))
            .collect();
        let graph = |names: &[String]| {
            format!(
                r#"{{"nodes": [{}], "connections": [{{"extension": "n0",
                    "data": [{{"names": [{}], "dest": [{}]}}]}}]}}"#,
                nodes.join(","),
                names.join(","),
                dests.join(",")
            )
        };
        let text = graph(&names);
        match Graph::from_json(&text) {
            Err(TenError::InputTooLarge {
                limit_kind, limit, ..
            }) => assert_eq!((limit_kind, limit), ("routes", text.len().max(MIN_ROUTES))),
            other => panic!("{other:?}"),
        }
        // 40 names to 100 destinations: 4,000 routes, within the least budget.
        assert_eq!(
            Graph::from_json(&graph(&names[..40]))
                .unwrap()
                .route(0, MsgKind::Data, "m39")
                .len(),
            100
        );
    }

    #[test]
    fn bad_graphs_are_errors_that_say_why() {
        let err = |j: &str| Graph::from_json(j).unwrap_err().to_string();
        assert!(
            err(r#"{"nodes": [{"name": "a", "addon": "x"}, {"name": "a", "addon": "y"}]}"#)
                .contains("duplicate node 'a'")
        );
        assert!(
            err(r#"{"nodes": [], "connections": [{"extension": "ghost"}]}"#)
                .contains("unknown extension 'ghost'")
        );
        assert!(
            err(r#"{"nodes": [{"name": "a", "addon": "x"}], "connections": [
            {"extension": "a", "cmd": [{"name": "n"}]}]}"#)
            .contains("exactly one of 'dest' or 'source'")
        );
        assert!(
            err(r#"{"nodes": [{"type": "selector", "name": "s", "addon": "x"}]}"#)
                .contains("not supported")
        );
        let json_err = Graph::from_json("{\n \"nodes\": [\n").unwrap_err();
        assert!(
            matches!(json_err, TenError::InvalidJson { line: 3, .. }),
            "{json_err:?}"
        );
    }

    #[test]
    fn predefined_graphs_from_property_json() {
        let prop = format!(
            r#"{{"ten": {{"predefined_graphs": [{{"name": "default", "auto_start": true, "graph": {GRAPH}}}]}}}}"#
        );
        let graphs = predefined_graphs(&prop).unwrap();
        assert_eq!(graphs.len(), 1);
        assert!(graphs[0].auto_start);
        assert_eq!(graphs[0].graph.nodes.len(), 3);
    }
}
