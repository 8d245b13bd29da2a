//! TEN's app `property.json`: the graphs under `ten.predefined_graphs`, each given inline
//! (`"graph": {"nodes": .., "connections": ..}`) or by `"graph": {"import_uri": ".."}`.
//!
//! An `import_uri` is a path relative to the directory of the `property.json` that names it
//! (or absolute, or a `file://` URI), as TEN resolves it. It can only be followed when that
//! directory is known ([`predefined_graphs_in`], [`App::load_property_file`]); from bare
//! text ([`predefined_graphs`]) it is [`TenError::GraphImport`], never an empty graph.
//!
//! [`App::load_property_file`]: crate::ext::App::load_property_file

use std::path::Path;

use serde_json::Value;

use super::error::TenError;
use super::graph::{Graph, RouteBudget};
use super::graph_json::{field, invalid, objects};

/// One graph of TEN's app `property.json`: `ten.predefined_graphs[]`.
#[derive(Debug, Clone)]
#[doc(alias = "predefined_graph")]
pub struct PredefinedGraph {
    /// The graph's name, unique in the file: what `start_graph` names.
    pub name: String,
    /// Start it with the app.
    pub auto_start: bool,
    /// No extension enters deinit before every extension finished stop.
    pub sync_stop_before_deinit: bool,
    /// The graph (an imported one already read and checked).
    pub graph: Graph,
}

/// Reads `ten.predefined_graphs` from an app `property.json` given as text.
///
/// # Errors
///
/// As [`Graph::from_json`]; [`TenError::InvalidGraph`] for an entry without `graph` (TEN's
/// schema requires it); [`TenError::GraphImport`] for a graph given by `import_uri`, which
/// needs the file's directory: use [`predefined_graphs_in`].
pub fn predefined_graphs(property_json: &str) -> Result<Vec<PredefinedGraph>, TenError> {
    read(property_json, None)
}

/// Reads `ten.predefined_graphs` from the `property.json` text of a file in `dir`,
/// following each `import_uri` relative to `dir`.
///
/// # Errors
///
/// As [`predefined_graphs`]; [`TenError::GraphImport`] naming the graph and the URI when an
/// imported file cannot be read, or is not a local path.
pub fn predefined_graphs_in(
    property_json: &str,
    dir: &Path,
) -> Result<Vec<PredefinedGraph>, TenError> {
    read(property_json, Some(dir))
}

fn read(property_json: &str, dir: Option<&Path>) -> Result<Vec<PredefinedGraph>, TenError> {
    let value = crate::ext::error::parse_json(property_json, "property.json")?;
    // One budget for all the graphs: the routes they declare together.
    let mut budget = RouteBudget::for_text("property.json", property_json);
    let entries = value
        .pointer("/ten/predefined_graphs")
        .ok_or_else(|| invalid("property.json has no 'ten.predefined_graphs'"))?;
    // A node whose `app` is this app's own `ten.uri` is local.
    let local_app = value.pointer("/ten/uri").and_then(Value::as_str);
    let mut graphs = Vec::new();
    for (i, e) in objects(Some(entries), "'ten.predefined_graphs'")?
        .into_iter()
        .enumerate()
    {
        let name = field(e, "name", "a predefined graph")?.to_string();
        let flag = |k: &str| e.get(k).and_then(Value::as_bool).unwrap_or(false);
        let graph = match e.get("graph") {
            Some(Value::Object(g)) => match g.get("import_uri") {
                Some(uri) => {
                    let uri = uri.as_str().ok_or_else(|| {
                        invalid(format!(
                            "/ten/predefined_graphs/{i}/graph/import_uri: must be a string"
                        ))
                    })?;
                    import(&name, uri, dir)?
                }
                None => {
                    Graph::from_value_in(&Value::Object(g.clone()), &mut budget, local_app, dir)?
                }
            },
            Some(_) => {
                return Err(invalid(format!(
                    "/ten/predefined_graphs/{i}/graph: graph '{name}' must be an object"
                )));
            }
            None => {
                return Err(invalid(format!(
                    "/ten/predefined_graphs/{i}: graph '{name}' has no 'graph' \
                     (TEN's schema requires it)"
                )));
            }
        };
        graphs.push(PredefinedGraph {
            auto_start: flag("auto_start"),
            sync_stop_before_deinit: flag("sync_stop_before_deinit"),
            name,
            graph,
        });
    }
    Ok(graphs)
}

/// Reads the graph file an `import_uri` names.
fn import(name: &str, uri: &str, dir: Option<&Path>) -> Result<Graph, TenError> {
    let failed = |reason: String| TenError::GraphImport {
        graph: name.to_string(),
        uri: uri.to_string(),
        reason,
    };
    let path = super::subgraph::import_path(uri, dir).map_err(|e| {
        failed(if dir.is_none() && !e.contains("file://") {
            "a relative import_uri needs the property.json's directory \
             (App::load_property_file or predefined_graphs_in)"
                .into()
        } else {
            e
        })
    })?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| failed(format!("cannot read {}: {e}", path.display())))?;
    match path.parent() {
        Some(parent) => Graph::from_json_in(&text, parent),
        None => Graph::from_json(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_graphs_from_property_json() {
        let prop = r#"{"ten": {"predefined_graphs": [{"name": "default", "auto_start": true,
            "graph": {"nodes": [{"name": "a", "addon": "x"}]}}]}}"#;
        let graphs = predefined_graphs(prop).unwrap();
        assert_eq!(graphs.len(), 1);
        assert!(graphs[0].auto_start);
        assert_eq!(graphs[0].graph.nodes.len(), 1);
    }
}
