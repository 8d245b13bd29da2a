//! Validate-only loading (TEN's `tman check graph` is the model): a `property.json` is
//! checked without any addon registered and without its env variables set, and every
//! problem found comes back with its JSON path.
//!
//! Every error of every graph is reported, not only the first (as TEN's checker does, so a
//! user fixes a file in one pass). Loading a graph stops at its first error, and the rules
//! live in one place, `Graph::from_value`; so a graph that fails to load is checked again
//! piece by piece with those same rules: each node on its own, each connection with
//! stand-ins for the nodes it names, each repeated node name or connection owner as a pair.
//! A piece's error keeps the piece's JSON path. Every piece is read once, so checking stays
//! linear in the file's length.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::error::TenError;
use super::graph::{Graph, RouteBudget};

/// How bad a [`GraphProblem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Loading the file would fail.
    Error,
    /// Loading works; the key is not used by evloop.
    Warning,
}

/// One problem of a checked `property.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(alias = "tman check graph")]
pub struct GraphProblem {
    /// Error or warning.
    pub severity: Severity,
    /// Where, as a JSON pointer into the file (`/ten/predefined_graphs/0/graph/nodes/1`), or
    /// `""` for the whole file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Checks a TEN app `property.json` without loading it: no addon needs to be registered and
/// no env variable set. An empty list means it loads.
///
/// An `import_uri` cannot be followed from text and is reported as a warning; a subgraph
/// node's relative `import_uri` is an error here. [`check_property_file`] follows both.
pub fn check_property_json(text: &str) -> Vec<GraphProblem> {
    check_in(text, None)
}

/// [`check_property_json`] on a file: a graph's `import_uri` and a subgraph's are read
/// relative to the file's directory, as loading it does, and the graphs they give are
/// checked with the rest (an imported graph's problems have the path of the `graph` that
/// imports it). A file that cannot be read is one problem at `""`.
///
/// # Examples
///
/// ```
/// use evloop::ext::check_property_file;
///
/// let dir = std::env::temp_dir().join(format!("evloop-doc-check-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("main.json"), r#"{"nodes": [{"type": "extension", "name": "a", "addon": "x"}]}"#).unwrap();
/// std::fs::write(dir.join("property.json"), r#"{"ten": {"predefined_graphs": [
///     {"name": "main", "graph": {"import_uri": "main.json"}}]}}"#).unwrap();
/// assert!(check_property_file(dir.join("property.json")).is_empty());
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[doc(alias = "tman check graph")]
pub fn check_property_file(path: impl AsRef<Path>) -> Vec<GraphProblem> {
    let path = path.as_ref();
    match std::fs::read_to_string(path) {
        Ok(text) => check_in(&text, Some(path.parent().unwrap_or(Path::new(".")))),
        Err(e) => vec![GraphProblem {
            severity: Severity::Error,
            path: String::new(),
            message: format!("cannot read {}: {e}", path.display()),
        }],
    }
}

/// Checks `text`, reading what it imports relative to `dir` when there is one.
fn check_in(text: &str, dir: Option<&Path>) -> Vec<GraphProblem> {
    let error = |path: String, e: &TenError| GraphProblem {
        severity: Severity::Error,
        path,
        message: e.to_string(),
    };
    let value = match crate::ext::error::parse_json(text, "property.json") {
        Ok(v) => v,
        Err(e) => return vec![error(String::new(), &e)],
    };
    let Some(entries) = value.pointer("/ten/predefined_graphs") else {
        return vec![GraphProblem {
            severity: Severity::Error,
            path: "/ten".into(),
            message: "property.json has no 'ten.predefined_graphs'".into(),
        }];
    };
    let Some(entries) = entries.as_array() else {
        return vec![GraphProblem {
            severity: Severity::Error,
            path: "/ten/predefined_graphs".into(),
            message: "'ten.predefined_graphs' must be an array".into(),
        }];
    };
    let local_app = value.pointer("/ten/uri").and_then(Value::as_str);
    let mut checker = Checker {
        whole: RouteBudget::for_text("property.json", text),
        pieces: RouteBudget::for_text("property.json", text),
        local_app,
        dir: dir.map(Path::to_path_buf),
        problems: Vec::new(),
    };
    for (i, entry) in entries.iter().enumerate() {
        let at = format!("/ten/predefined_graphs/{i}");
        if entry.get("name").and_then(Value::as_str).is_none() {
            checker.problems.push(GraphProblem {
                severity: Severity::Error,
                path: at.clone(),
                message: "a predefined graph needs a string 'name'".into(),
            });
        }
        let Some(graph) = entry.get("graph") else {
            checker.problems.push(GraphProblem {
                severity: Severity::Error,
                path: at,
                message: "no 'graph' (TEN's schema requires it)".into(),
            });
            continue;
        };
        if let Some(uri) = graph.get("import_uri") {
            let at = format!("{at}/graph/import_uri");
            match (dir, uri.as_str()) {
                (Some(dir), Some(uri)) => checker.imported(&dir.join(uri), &at),
                _ => checker.problems.push(GraphProblem {
                    severity: Severity::Warning,
                    path: at,
                    message: "an imported graph is checked when the file is loaded".into(),
                }),
            }
            continue;
        }
        checker.graph(graph, &format!("{at}/graph"));
    }
    checker.problems
}

/// Checks the graphs of one file.
struct Checker<'a> {
    /// Routes the whole graphs may declare.
    whole: RouteBudget,
    /// Routes the pieces of failed graphs may declare (each piece is read once).
    pieces: RouteBudget,
    local_app: Option<&'a str>,
    /// Where relative `import_uri`s are read from (the file's directory), if known.
    dir: Option<PathBuf>,
    problems: Vec<GraphProblem>,
}

/// A stand-in node named `name`, for checking a piece that names it.
fn stand_in(name: &str) -> Value {
    json!({"type": "extension", "name": name, "addon": "-"})
}

/// The array under `key` (empty if absent or not an array: loading says so).
fn list<'v>(root: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    root.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The extension names a connection entry mentions: its owner and every destination and
/// source.
fn named_in(conn: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = conn
        .get("extension")
        .and_then(Value::as_str)
        .into_iter()
        .collect();
    for kind in ["cmd", "data", "audio_frame", "video_frame"] {
        for flow in conn
            .get(kind)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for side in ["dest", "source"] {
                for d in flow
                    .get(side)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    names.extend(d.get("extension").and_then(Value::as_str));
                }
            }
        }
    }
    names
}

impl Checker<'_> {
    /// Checks the graph file `path` that the entry at `at` imports.
    fn imported(&mut self, path: &Path, at: &str) {
        let loaded = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| {
                crate::ext::error::parse_json(&text, "graph")
                    .map(|graph| (graph, text.len()))
                    .map_err(|e| error_message(&e))
            });
        match loaded {
            Ok((graph, len)) => {
                // The imported file's routes count as the file's own; its imports are
                // relative to it.
                self.whole.grow(len);
                self.pieces.grow(len);
                let inner = path.parent().unwrap_or(Path::new(".")).to_path_buf();
                let outer = self.dir.replace(inner);
                self.graph(&graph, at);
                self.dir = outer;
            }
            Err(message) => self.problems.push(GraphProblem {
                severity: Severity::Error,
                path: at.to_string(),
                message,
            }),
        }
    }

    /// Checks the graph at `at`: its warnings if it loads, else every error of its pieces.
    fn graph(&mut self, graph: &Value, at: &str) {
        let first =
            match Graph::from_value_in(graph, &mut self.whole, self.local_app, self.dir.as_deref())
            {
                Ok(g) => {
                    self.warnings(&g, at, "", "");
                    return;
                }
                Err(e) => e,
            };
        let found = self.problems.len();
        if let Some(root) = graph.as_object() {
            self.pieces(root, at);
        }
        // What no piece shows (a limit of the whole graph, a malformed list): as loading says.
        let message = error_message(&first);
        let shown = self.problems[found..]
            .iter()
            .any(|p| p.severity == Severity::Error && p.message == message);
        if !shown {
            let path = match &first {
                TenError::GraphRule { path, .. } => format!("{at}{path}"),
                _ => at.to_string(),
            };
            self.problems.push(GraphProblem {
                severity: Severity::Error,
                path,
                message,
            });
        }
    }

    /// Checks a failed graph piece by piece.
    fn pieces(&mut self, root: &Map<String, Value>, at: &str) {
        // The graph's own keys, without its nodes and connections.
        let rest: Map<String, Value> = root
            .iter()
            .filter(|(k, _)| *k != "nodes" && *k != "connections")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.piece(&Value::Object(rest), at, "", "");
        let mut names = HashSet::new();
        for (i, node) in list(root, "nodes").iter().enumerate() {
            let here = format!("/nodes/{i}");
            self.piece(&json!({ "nodes": [node] }), at, "/nodes/0", &here);
            if let Some(name) = node.get("name").and_then(Value::as_str)
                && !names.insert(name)
            {
                let pair = json!({ "nodes": [stand_in(name), stand_in(name)] });
                self.piece(&pair, at, "/nodes/1", &here);
            }
        }
        let mut owners = HashSet::new();
        for (c, conn) in list(root, "connections").iter().enumerate() {
            let here = format!("/connections/{c}");
            let mut known: Vec<&str> = named_in(conn)
                .into_iter()
                .filter(|n| names.contains(n))
                .collect();
            known.sort_unstable();
            known.dedup();
            let stand_ins: Vec<Value> = known.iter().map(|n| stand_in(n)).collect();
            let piece = json!({ "nodes": stand_ins, "connections": [conn] });
            self.piece(&piece, at, "/connections/0", &here);
            if let Some(owner) = conn.get("extension").and_then(Value::as_str)
                && !owners.insert(owner)
            {
                let pair = json!({ "nodes": [stand_in(owner)],
                    "connections": [{ "extension": owner }, { "extension": owner }] });
                self.piece(&pair, at, "/connections/1", &here);
            }
        }
    }

    /// Checks one piece: its paths start with `from`, which is `to` in the graph at `at`.
    fn piece(&mut self, piece: &Value, at: &str, from: &str, to: &str) {
        match Graph::from_value_in(piece, &mut self.pieces, self.local_app, self.dir.as_deref()) {
            Ok(g) => self.warnings(&g, at, from, to),
            Err(e) => {
                let path = match &e {
                    TenError::GraphRule { path, .. } => {
                        format!("{at}{to}{}", path.strip_prefix(from).unwrap_or(""))
                    }
                    _ => format!("{at}{to}"),
                };
                self.problems.push(GraphProblem {
                    severity: Severity::Error,
                    path,
                    message: error_message(&e),
                });
            }
        }
    }

    /// `g`'s warnings, their paths moved from `from` to `to` in the graph at `at`.
    fn warnings(&mut self, g: &Graph, at: &str, from: &str, to: &str) {
        self.problems.extend(g.warnings().iter().map(|w| {
            let (path, message) = w.split_once(": ").unwrap_or(("", w));
            let path = path
                .strip_prefix(from)
                .map_or_else(|| format!("{at}{path}"), |rest| format!("{at}{to}{rest}"));
            GraphProblem {
                severity: Severity::Warning,
                path,
                message: message.to_string(),
            }
        }));
    }
}

/// A graph error as a problem's message: a rule's own words (its path is the problem's).
fn error_message(e: &TenError) -> String {
    match e {
        TenError::GraphRule { rule, .. } => rule.to_string(),
        e => e.to_string(),
    }
}
