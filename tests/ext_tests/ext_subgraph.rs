//! Subgraph and selector nodes, flattened as TEN's `Graph::flatten_subgraphs` and selector
//! resolution do (TEN-framework/ten-framework `core/src/ten_rust/src/graph/subgraph/` and
//! `graph/selector.rs`, and the test data `cmd_check_predefined_graph_with_subgraph`,
//! `graph_add_connection_to_nested_subgraph` and `graph_with_selector` of `tman`'s tests).
#![cfg(feature = "ext")]

use crate::util;

use std::path::PathBuf;
use std::rc::Rc;

use evloop::ext::{
    App, Cmd, CmdResult, Extension, Graph, GraphRule, HookFuture, Responder, TenEnv, TenError,
    predefined_graphs_in,
};
use util::{Trace, manual_loop};

/// A fresh directory holding `files` (relative path, text).
fn dir_with(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("evloop-subgraph-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn routes(g: &Graph) -> Vec<String> {
    g.routes()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} -> {}",
                r.from,
                r.kind.key(),
                r.name,
                r.to.join(",")
            )
        })
        .collect()
}

fn names(g: &Graph) -> Vec<&str> {
    g.nodes.iter().map(|n| n.name.as_str()).collect()
}

const SUB_BC: &str = r#"{
  "nodes": [{"type": "extension", "name": "addon_b", "addon": "addon_b"},
            {"type": "extension", "name": "addon_c", "addon": "addon_c"}],
  "connections": [{"extension": "addon_b", "cmd": [{"name": "C", "dest": [{"extension": "addon_c"}]}]},
                  {"extension": "addon_c", "data": [{"name": "done", "dest": [{"extension": "addon_b"}]}]}],
  "exposed_messages": [{"type": "cmd_in", "name": "C", "extension": "addon_b"},
                       {"type": "data_out", "name": "done", "extension": "addon_c"},
                       {"type": "data_in", "name": "tick", "extension": "addon_c"}],
  "exposed_properties": [{"name": "key", "extension": "addon_c"}]
}"#;

/// TEN's `cmd_check_predefined_graph_with_subgraph`: the subgraph's nodes come in as
/// `subgraph_1_<node>`, its connections with them, a destination `{"subgraph": ..}` goes to
/// the extension exposing the message as `cmd_in`, and the subgraph node's `property` lands
/// on the extension exposing it. A connection owned by the subgraph sends from the extension
/// exposing the message as `*_out`; a `source` subgraph likewise.
#[test]
fn a_subgraph_is_flattened_with_prefixed_names_through_its_exposed_messages() {
    let prop = r#"{"ten": {"predefined_graphs": [{"name": "default", "auto_start": false,
      "graph": {
        "nodes": [{"type": "extension", "name": "addon_a", "addon": "addon_a"},
                  {"type": "subgraph", "name": "subgraph_1", "graph": {"import_uri": "graphs/test_graph.json"},
                   "property": {"key": "value"}}],
        "connections": [
          {"extension": "addon_a", "cmd": [{"name": "C", "dest": [{"subgraph": "subgraph_1"}]}],
                                   "data": [{"name": "done", "source": [{"subgraph": "subgraph_1"}]}]},
          {"subgraph": "subgraph_1", "data": [{"name": "done", "dest": [{"extension": "addon_a"}]}]}]}}]}}"#;
    let dir = dir_with("flat", &[("graphs/test_graph.json", SUB_BC)]);
    let graphs = predefined_graphs_in(prop, &dir).unwrap();
    let g = &graphs[0].graph;
    assert_eq!(
        names(g),
        ["addon_a", "subgraph_1_addon_b", "subgraph_1_addon_c"]
    );
    assert_eq!(g.nodes[2].property.get_string("key").unwrap(), "value");
    assert!(!g.nodes[1].property.exists("key"));
    assert_eq!(
        routes(g),
        [
            "addon_a cmd C -> subgraph_1_addon_b",
            "subgraph_1_addon_b cmd C -> subgraph_1_addon_c",
            "subgraph_1_addon_c data done -> subgraph_1_addon_b,addon_a",
        ]
    );
    assert!(g.warnings().is_empty(), "{:?}", g.warnings());
}

/// Keys evloop does not use on subgraph and selector nodes, at any depth, are warnings with
/// their path in the file, as they are on extension nodes (`tman check graph` reports them).
#[test]
fn unknown_keys_on_subgraph_and_selector_nodes_are_warnings() {
    let g = Graph::from_json(
        r#"{"nodes": [
          {"name": "a", "addon": "a"},
          {"type": "selector", "name": "sel", "weight": 3,
           "filter": {"field": "name", "operator": "exact", "value": "a"}},
          {"type": "subgraph", "name": "s", "colour": "red", "graph": {
            "nodes": [{"name": "b", "addon": "b"},
                      {"type": "subgraph", "name": "t", "shape": 1,
                       "graph": {"nodes": [{"name": "c", "addon": "c"}]}}]}}]}"#,
    )
    .unwrap();
    assert_eq!(names(&g), ["a", "s_b", "s_t_c"]);
    assert_eq!(
        g.warnings(),
        [
            "/nodes/1/weight: not used by evloop, ignored",
            "/nodes/2/colour: not used by evloop, ignored",
            "/nodes/2/graph/nodes/1/shape: not used by evloop, ignored",
        ]
    );
}

/// TEN's `graph_add_connection_to_nested_subgraph`: a subgraph inside a subgraph, its
/// message exposed by the middle graph with `"subgraph": ..`; names nest as
/// `outer_inner_<node>`, and each `import_uri` is relative to the file naming it.
#[test]
fn nested_subgraphs_resolve_through_each_level() {
    let top = r#"{
      "nodes": [{"name": "a", "addon": "x"},
                {"type": "subgraph", "name": "outer", "graph": {"import_uri": "g/mid.json"},
                 "property": {"key": 1}}],
      "connections": [{"extension": "a", "cmd": [{"names": ["C"], "dest": [{"subgraph": "outer"}]}],
                       "data": [{"name": "tick", "dest": [{"subgraph": "outer"}]}]}]}"#;
    let mid = r#"{
      "nodes": [{"type": "subgraph", "name": "inner", "graph": {"import_uri": "sub/bc.json"}}],
      "exposed_messages": [{"type": "cmd_in", "name": "C", "subgraph": "inner"},
                           {"type": "data_in", "name": "tick", "subgraph": "inner"}],
      "exposed_properties": [{"name": "key", "subgraph": "inner"}]}"#;
    let dir = dir_with("nested", &[("g/mid.json", mid), ("g/sub/bc.json", SUB_BC)]);
    let g = Graph::from_json_in(top, &dir).unwrap();
    assert_eq!(
        names(&g),
        ["a", "outer_inner_addon_b", "outer_inner_addon_c"]
    );
    assert_eq!(g.nodes[2].property.get_int("key").unwrap(), 1);
    assert_eq!(
        routes(&g),
        [
            "a cmd C -> outer_inner_addon_b",
            "a data tick -> outer_inner_addon_c",
            "outer_inner_addon_b cmd C -> outer_inner_addon_c",
            "outer_inner_addon_c data done -> outer_inner_addon_b",
        ]
    );
}

/// TEN's `graph_with_selector`: a selector stands for the nodes its filter matches (regex,
/// exact, `and`, `or` over `name`/`addon`/`type`/`app`); each destination keeps the
/// selector end's `msg_conversion`. A selector is not a node of the flattened graph.
#[test]
fn selectors_resolve_to_the_nodes_they_match() {
    let g = Graph::from_json(
        r#"{"nodes": [
          {"name": "test_extension_1", "addon": "e1"}, {"name": "test_extension_2", "addon": "e2"},
          {"name": "test_extension_3", "addon": "e3"}, {"name": "test_extension_4", "addon": "e4"},
          {"type": "selector", "name": "ext_1_and_2", "filter": {"and": [
            {"field": "name", "operator": "regex", "value": "test_extension_[1-2]"},
            {"field": "type", "operator": "exact", "value": "extension"}]}},
          {"type": "selector", "name": "ext_1_or_3", "filter": {"or": [
            {"field": "name", "operator": "regex", "value": "^test_extension_1$"},
            {"field": "addon", "operator": "exact", "value": "e3"}]}},
          {"type": "selector", "name": "none", "filter": {"field": "name", "operator": "exact", "value": "zz"}}],
         "connections": [
          {"extension": "test_extension_4",
           "cmd": [{"name": "hello", "dest": [{"selector": "ext_1_and_2", "msg_conversion": {
              "type": "per_property", "rules": [{"path": "x", "conversion_mode": "fixed_value", "value": 1}]}}]},
                   {"name": "nobody", "dest": [{"selector": "none"}]}],
           "data": [{"name": "d", "source": [{"selector": "ext_1_or_3"}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(
        names(&g),
        [
            "test_extension_1",
            "test_extension_2",
            "test_extension_3",
            "test_extension_4"
        ]
    );
    assert_eq!(
        routes(&g),
        [
            "test_extension_1 data d -> test_extension_4",
            "test_extension_3 data d -> test_extension_4",
            "test_extension_4 cmd hello -> test_extension_1,test_extension_2",
        ]
    );
}

fn rule_of(r: Result<Graph, TenError>) -> (String, GraphRule) {
    match r {
        Err(TenError::GraphRule { path, rule }) => (path, rule),
        other => panic!("{other:?}"),
    }
}

/// TEN's flattening errors, as typed errors with the JSON path: a message the subgraph does
/// not expose, a property it does not expose, a connection to a subgraph or selector that
/// is not a node, a selector regex that does not compile; an unreadable file names the
/// subgraph; an import cycle stops at the nesting limit.
#[test]
fn flattening_errors_are_typed_with_their_path() {
    let dir = dir_with(
        "errors",
        &[
            ("bc.json", SUB_BC),
            (
                "self.json",
                r#"{"nodes": [{"type": "subgraph", "name": "again", "graph": {"import_uri": "self.json"}}]}"#,
            ),
        ],
    );
    let load = |json: &str| Graph::from_json_in(json, &dir);
    let (path, rule) = rule_of(load(
        r#"{"nodes": [{"name": "a", "addon": "x"},
                      {"type": "subgraph", "name": "s", "graph": {"import_uri": "bc.json"}}],
            "connections": [{"extension": "a", "cmd": [{"name": "D", "dest": [{"subgraph": "s"}]}]}]}"#,
    ));
    assert_eq!(path, "/connections/0/cmd/0");
    assert_eq!(
        rule,
        GraphRule::NotExposed {
            subgraph: "s".into(),
            kind: "cmd_in".into(),
            name: "D".into()
        }
    );
    let (path, rule) = rule_of(load(
        r#"{"nodes": [{"type": "subgraph", "name": "s", "graph": {"import_uri": "bc.json"},
                       "property": {"secret": 1}}]}"#,
    ));
    assert_eq!(path, "/nodes/0/property/secret");
    assert_eq!(
        rule,
        GraphRule::PropertyNotExposed {
            subgraph: "s".into(),
            property: "secret".into()
        }
    );
    for (key, at, want) in [
        (
            "subgraph",
            "/connections/0/cmd/0",
            GraphRule::UnknownSubgraph("nope".into()),
        ),
        (
            "selector",
            "/connections/0/cmd/0/dest/0/selector",
            GraphRule::UnknownSelector("nope".into()),
        ),
    ] {
        let (path, rule) = rule_of(load(&format!(
            r#"{{"nodes": [{{"name": "a", "addon": "x"}}, {{"type": "selector", "name": "sel",
                  "filter": {{"field": "name", "operator": "exact", "value": "a"}}}}],
                "connections": [{{"extension": "a", "cmd": [{{"name": "D", "dest": [{{"{key}": "nope"}}]}}]}}]}}"#
        )));
        assert_eq!((path.as_str(), rule), (at, want));
    }
    let (path, rule) = rule_of(load(
        r#"{"nodes": [{"type": "selector", "name": "sel",
              "filter": {"field": "name", "operator": "regex", "value": "(["}}]}"#,
    ));
    assert_eq!(path, "/nodes/0/filter/value");
    assert!(matches!(rule, GraphRule::BadSelector(_)), "{rule:?}");
    let err = load(
        r#"{"nodes": [{"type": "subgraph", "name": "gone", "graph": {"import_uri": "missing.json"}}]}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&err, TenError::GraphImport { graph, .. } if graph == "gone"),
        "{err:?}"
    );
    let err = load(
        r#"{"nodes": [{"type": "subgraph", "name": "loop", "graph": {"import_uri": "self.json"}}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TenError::InputTooLarge {
            what: "subgraph",
            limit_kind: "nesting depth",
            limit: 8
        }
    );
}

/// Logs the commands it gets (name, `who` property, its own `role` property) and answers
/// OK.
struct Worker(Trace);

impl Extension for Worker {
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            let role = env.get_property_string("role").unwrap_or_default();
            let who = cmd.properties().get_string("who").unwrap_or_default();
            self.0.log(format!(
                "{} got {} who={who} role={role}",
                env.name(),
                cmd.name()
            ));
            reply.send(CmdResult::ok(&cmd))
        })
    }
}

/// Sends `work` once, then closes the app.
struct Boss;

impl Extension for Boss {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let r = env.send_cmd(Cmd::new("work").unwrap()).await.unwrap();
            assert!(r.is_ok());
            env.close_app();
            Ok(())
        })
    }
}

/// A flattened graph runs: a command to a selector reaches every matching node, into a
/// subgraph (given inline) through its exposed message (by the name sent: conversion
/// happens at the destination, after routing), with the selector end's
/// `msg_conversion` applied on the way and the subgraph node's `property` set through its
/// exposed property.
#[test]
fn a_flattened_graph_runs_with_conversions_through_selectors_and_subgraphs() {
    let graph = r#"{
      "nodes": [
        {"name": "boss", "addon": "boss"},
        {"name": "w1", "addon": "worker"},
        {"type": "subgraph", "name": "team", "property": {"role": "lead"},
         "graph": {"nodes": [{"name": "w2", "addon": "worker"}],
                   "exposed_messages": [{"type": "cmd_in", "name": "work", "extension": "w2"}],
                   "exposed_properties": [{"name": "role", "extension": "w2"}]}},
        {"type": "selector", "name": "everyone", "filter": {"or": [
          {"field": "addon", "operator": "exact", "value": "worker"},
          {"field": "type", "operator": "exact", "value": "subgraph"}]}}],
      "connections": [{"extension": "boss", "cmd": [{"name": "work", "dest": [
        {"selector": "everyone", "msg_conversion": {"type": "per_property", "rules": [
          {"path": "ten.name", "conversion_mode": "fixed_value", "value": "task"},
          {"path": "who", "conversion_mode": "fixed_value", "value": "boss"}]}}]}]}]}"#;
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let mut app = App::new();
    let tw = t.clone();
    app.register("worker", move || Rc::new(Worker(tw.clone())));
    app.register("boss", || Rc::new(Boss));
    app.load_graph_json(graph).unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    let mut seen = t.events();
    seen.sort();
    assert_eq!(
        seen,
        [
            "team_w2 got task who=boss role=lead",
            "w1 got task who=boss role=",
        ]
    );
}

/// Subgraphs that fan out (each level importing the next ten times: 10^8 nodes once
/// flattened) are refused by the bounds on imported bytes and items, quickly, instead of
/// flattening for ever.
#[test]
fn fanned_out_subgraphs_hit_a_limit_quickly() {
    let mut files = Vec::new();
    for level in 0..8 {
        let subs: Vec<String> = (0..10)
            .map(|i| {
                format!(
                    r#"{{"type": "subgraph", "name": "s{i}", "graph": {{"import_uri": "l{}.json"}}}}"#,
                    level + 1
                )
            })
            .collect();
        files.push((
            format!("l{level}.json"),
            format!(r#"{{"nodes": [{}]}}"#, subs.join(",")),
        ));
    }
    files.push((
        "l8.json".into(),
        r#"{"nodes": [{"name": "x", "addon": "x"}]}"#.into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = dir_with("fanout", &refs);
    let started = std::time::Instant::now();
    let err = Graph::from_json_in(&files[0].1, &dir).unwrap_err();
    assert!(matches!(err, TenError::InputTooLarge { .. }), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
