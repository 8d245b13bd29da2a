//! Loading TEN's `property.json` as TEN reads it (issue 26, point 1): env placeholders,
//! predefined graphs, `import_uri`, the graph checker's rules and the bounded cost of a load.
#![cfg(feature = "ext")]

use evloop::ext::{App, Extension, Graph, TenError};

struct Idle;
impl Extension for Idle {}

fn graph_with(property: &str) -> String {
    format!(
        r#"{{"nodes": [{{"type": "extension", "name": "llm", "addon": "idle", "property": {property}}}]}}"#
    )
}

/// A variable every `cargo test` run has (cargo sets it), so no test sets the environment.
fn set_var() -> (&'static str, String) {
    ("CARGO_PKG_NAME", std::env::var("CARGO_PKG_NAME").unwrap())
}

/// TEN's `ten_placeholder_resolve`: a set variable gives its value; an unset one its default
/// after `|` (empty if nothing follows it); only a whole-string placeholder is expanded.
#[test]
fn env_placeholders_resolve_as_ten_resolves_them() {
    let (var, value) = set_var();
    let mut g = Graph::from_json(&graph_with(&format!(
        r#"{{"api_key": "${{env:{var}}}",
            "model": "${{env:EVLOOP_SURELY_UNSET_1|gpt-4o}}",
            "empty": "${{env:EVLOOP_SURELY_UNSET_2|}}",
            "set_wins": "${{env:{var}|fallback}}",
            "nested": {{"list": ["${{env:EVLOOP_SURELY_UNSET_3|x}}", 3]}},
            "around": "Bearer ${{env:{var}}}",
            "other_scope": "${{sys:{var}}}"}}"#
    )))
    .unwrap();
    let raw = g.nodes[0].property.get_string("api_key").unwrap();
    assert_eq!(
        raw,
        format!("${{env:{var}}}"),
        "a graph keeps its text until resolved"
    );
    g.resolve_env().unwrap();
    let p = &g.nodes[0].property;
    assert_eq!(p.get_string("api_key").unwrap(), value);
    assert_eq!(p.get_string("model").unwrap(), "gpt-4o");
    assert_eq!(p.get_string("empty").unwrap(), "");
    assert_eq!(p.get_string("set_wins").unwrap(), value);
    assert_eq!(p.get_string("nested.list[0]").unwrap(), "x");
    assert_eq!(
        p.get_string("around").unwrap(),
        format!("Bearer ${{env:{var}}}")
    );
    assert_eq!(
        p.get_string("other_scope").unwrap(),
        format!("${{sys:{var}}}")
    );
}

/// TEN logs "Environment variable X is not found, neither default value is provided." and
/// exits the process; evloop refuses the graph at load with a typed error naming both.
#[test]
fn a_missing_variable_without_default_refuses_the_graph() {
    let mut app = App::new();
    app.register("idle", || std::rc::Rc::new(Idle));
    let json = graph_with(r#"{"deep": {"key": "${env:EVLOOP_SURELY_UNSET_4}"}}"#);
    match app.load_graph_json(&json) {
        Err(e @ TenError::EnvVarMissing { .. }) => {
            assert_eq!(
                e,
                TenError::EnvVarMissing {
                    variable: "EVLOOP_SURELY_UNSET_4".into(),
                    path: "llm.property.deep.key".into()
                }
            );
            assert!(e.to_string().contains("EVLOOP_SURELY_UNSET_4"), "{e}");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("loaded"),
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("evloop-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("graphs")).unwrap();
    dir
}

/// TEN's `import_uri` (as in TEN's `graph_import` tests): a predefined graph's `graph` may
/// name a graph file, relative to the property.json's directory.
#[test]
fn import_uri_is_read_relative_to_the_property_file() {
    let dir = temp_dir("import");
    std::fs::write(
        dir.join("graphs/voice.json"),
        r#"{"nodes": [{"type": "extension", "name": "llm", "addon": "idle"}]}"#,
    )
    .unwrap();
    let prop = r#"{"ten": {"predefined_graphs": [{"name": "voice", "auto_start": true,
        "graph": {"import_uri": "./graphs/voice.json"}}]}}"#;
    std::fs::write(dir.join("property.json"), prop).unwrap();
    let graphs = evloop::ext::predefined_graphs_in(prop, &dir).unwrap();
    assert_eq!(graphs[0].graph.nodes[0].name, "llm");
    let mut app = App::new();
    app.register("idle", || std::rc::Rc::new(Idle));
    assert!(app.load_property_file(dir.join("property.json")).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An `import_uri` that cannot be read was an empty graph with `run()` returning `Ok`.
#[test]
fn an_unreadable_import_uri_is_an_error_never_an_empty_graph() {
    let dir = temp_dir("import-missing");
    let prop = r#"{"ten": {"predefined_graphs": [{"name": "voice", "auto_start": true,
        "graph": {"import_uri": "graphs/missing.json"}}]}}"#;
    std::fs::write(dir.join("property.json"), prop).unwrap();
    let mut app = App::new();
    match app.load_property_file(dir.join("property.json")) {
        Err(TenError::GraphImport { graph, uri, reason }) => {
            assert_eq!(
                (graph.as_str(), uri.as_str()),
                ("voice", "graphs/missing.json")
            );
            assert!(reason.contains("missing.json"), "{reason}");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("loaded"),
    }
    // From bare text there is no directory to resolve against.
    assert!(matches!(
        evloop::ext::predefined_graphs(prop),
        Err(TenError::GraphImport { .. })
    ));
    let remote = prop.replace("graphs/missing.json", "http://example.com/g.json");
    assert!(matches!(
        evloop::ext::predefined_graphs_in(&remote, &dir),
        Err(TenError::GraphImport { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// TEN's schema requires `graph` on every predefined graph; an entry without it was taken
/// as the graph itself.
#[test]
fn a_predefined_graph_without_graph_is_an_error() {
    let prop = r#"{"ten": {"predefined_graphs": [{"name": "flat", "auto_start": true,
        "nodes": [{"type": "extension", "name": "a", "addon": "idle"}]}]}}"#;
    let err = evloop::ext::predefined_graphs(prop).unwrap_err();
    assert!(matches!(err, TenError::InvalidGraph(_)), "{err:?}");
    assert!(
        err.to_string().contains("/ten/predefined_graphs/0"),
        "{err}"
    );
}

fn rule(json: &str) -> (String, evloop::ext::GraphRule) {
    match Graph::from_json(json) {
        Err(TenError::GraphRule { path, rule }) => (path, rule),
        other => panic!("{other:?}"),
    }
}

const TWO: &str = r#"{"type": "extension", "name": "a", "addon": "x"},
                     {"type": "extension", "name": "b", "addon": "x"}"#;

/// TEN's graph checker (`tman check graph`): a message name listed twice in one
/// connection is refused, where evloop merged them.
#[test]
fn a_message_name_twice_in_one_connection_is_refused_with_its_path() {
    use evloop::ext::GraphRule;
    let (path, r) = rule(&format!(
        r#"{{"nodes": [{TWO}], "connections": [{{"extension": "a", "cmd": [
            {{"name": "go", "dest": [{{"extension": "b"}}]}},
            {{"names": ["stop", "go"], "dest": [{{"extension": "b"}}]}}]}}]}}"#
    ));
    assert_eq!(
        (path.as_str(), r),
        (
            "/connections/0/cmd/1",
            GraphRule::DuplicateMessageName("go".into())
        )
    );
    // The same name under another message type is another message.
    assert!(
        Graph::from_json(&format!(
            r#"{{"nodes": [{TWO}], "connections": [{{"extension": "a",
            "cmd": [{{"name": "go", "dest": [{{"extension": "b"}}]}}],
            "data": [{{"name": "go", "dest": [{{"extension": "b"}}]}}]}}]}}"#
        ))
        .is_ok()
    );
}

/// TEN's graph checker: two connection entries for one source extension are refused.
#[test]
fn two_connections_for_one_extension_are_refused_with_their_path() {
    let (path, r) = rule(&format!(
        r#"{{"nodes": [{TWO}], "connections": [
            {{"extension": "a", "cmd": [{{"name": "go", "dest": [{{"extension": "b"}}]}}]}},
            {{"extension": "a", "data": [{{"name": "x", "dest": [{{"extension": "b"}}]}}]}}]}}"#
    ));
    assert_eq!(
        (path.as_str(), r),
        (
            "/connections/1",
            evloop::ext::GraphRule::DuplicateConnection("a".into())
        )
    );
}

/// A node on another app (TEN's multi-app graphs) is refused by name, never run locally;
/// the app's own `ten.uri` and `localhost` are local.
#[test]
fn a_remote_app_is_not_supported_and_named() {
    use evloop::ext::GraphRule;
    let (path, r) = rule(
        r#"{"nodes": [{"type": "extension", "name": "far", "addon": "x",
                       "app": "msgpack://10.0.0.2:8001/"}]}"#,
    );
    assert_eq!(path, "/nodes/0/app");
    assert_eq!(
        r,
        GraphRule::RemoteApp {
            node: "far".into(),
            app: "msgpack://10.0.0.2:8001/".into()
        }
    );
    assert!(r.to_string().contains("not supported"));
    let own = r#"{"ten": {"uri": "msgpack://127.0.0.1:8001/", "predefined_graphs": [{"name": "g",
        "graph": {"nodes": [{"type": "extension", "name": "a", "addon": "x",
                             "app": "msgpack://127.0.0.1:8001/"},
                            {"type": "extension", "name": "b", "addon": "x", "app": "localhost"}]}}]}}"#;
    assert_eq!(
        evloop::ext::predefined_graphs(own).unwrap()[0]
            .graph
            .nodes
            .len(),
        2
    );
}

/// A node type TEN does not have is a typed error naming the node; subgraph and selector
/// nodes are flattened (`tests/ext_tests/ext_subgraph.rs`), and a subgraph whose relative
/// `import_uri` has no directory to resolve it against is a `GraphImport` error naming it.
#[test]
fn unknown_node_types_are_named_in_a_typed_error() {
    use evloop::ext::GraphRule;
    let (path, r) = rule(r#"{"nodes": [{"type": "widget", "name": "s"}]}"#);
    assert_eq!(path, "/nodes/0");
    assert_eq!(
        r,
        GraphRule::UnsupportedNode {
            node: "s".into(),
            kind: "widget".into()
        }
    );
    let err = Graph::from_json(
        r#"{"nodes": [{"type": "subgraph", "name": "s", "graph": {"import_uri": "x.json"}}]}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&err, TenError::GraphImport { graph, uri, .. } if graph == "s" && uri == "x.json"),
        "{err:?}"
    );
}

/// Keys evloop does not use are reported with their paths (they were dropped silently);
/// `extension_group` is read and has no effect on one thread.
#[test]
fn unknown_keys_are_warnings_with_their_paths() {
    let g = Graph::from_json(
        r#"{"nodes": [{"type": "extension", "name": "a", "addon": "x", "extension_group": "g1",
                         "colour": "red"},
                       {"type": "extension", "name": "b", "addon": "x"}],
            "connections": [{"extension": "a", "cmd": [{"name": "go",
                "dest": [{"extension": "b", "priority": 1}]}]}]}"#,
    )
    .unwrap();
    assert_eq!(
        g.warnings(),
        [
            "/nodes/0/colour: not used by evloop, ignored",
            "/connections/0/cmd/0/dest/0/priority: not used by evloop, ignored"
        ]
    );
}

mod running {
    use std::cell::RefCell;
    use std::rc::Rc;

    use evloop::ext::{App, Extension, HookFuture, TenEnv};

    type Log = Rc<RefCell<Vec<String>>>;

    struct Noted(Log);
    impl Extension for Noted {
        fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
            Box::pin(async move {
                self.0.borrow_mut().push(format!("start {}", env.name()));
                Ok(())
            })
        }
        fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
            Box::pin(async move {
                self.0.borrow_mut().push(format!("deinit {}", env.name()));
                Ok(())
            })
        }
    }

    const PROP: &str = r#"{"ten": {"predefined_graphs": [
        {"name": "one", "auto_start": true,
         "graph": {"nodes": [{"type": "extension", "name": "a1", "addon": "noted"}]}},
        {"name": "two", "auto_start": true, "sync_stop_before_deinit": true,
         "graph": {"nodes": [{"type": "extension", "name": "b1", "addon": "noted"},
                             {"type": "extension", "name": "b2", "addon": "noted"}]}},
        {"name": "later", "auto_start": false,
         "graph": {"nodes": [{"type": "extension", "name": "c1", "addon": "noted"}]}}]}}"#;

    fn app(log: &Log) -> App {
        let mut app = App::new();
        let log = log.clone();
        app.register("noted", move || Rc::new(Noted(log.clone())));
        app
    }

    /// TEN's app starts every `auto_start` predefined graph (TEN's `demo` app has 19), and
    /// `start_graph`/`stop_graph` start and stop one by name while the app runs.
    #[test]
    fn every_auto_start_graph_starts_and_graphs_start_and_stop_by_name() {
        let log: Log = Rc::default();
        let mut app = app(&log);
        app.load_property_json(PROP).unwrap();
        let handle = app.handle();
        assert_eq!(handle.predefined_graphs(), ["one", "two", "later"]);
        let l = log.clone();
        evloop::run(async move {
            let run = evloop::spawn(app.run());
            evloop::sleep(std::time::Duration::from_millis(5)).await;
            assert_eq!(handle.running_graphs(), ["one", "two"]);
            let mut started: Vec<String> = l.borrow().clone();
            started.sort();
            assert_eq!(started, ["start a1", "start b1", "start b2"]);
            handle.start_graph("later").unwrap();
            assert!(handle.start_graph("later").is_err(), "already running");
            assert!(handle.start_graph("nope").is_err());
            evloop::sleep(std::time::Duration::from_millis(5)).await;
            handle.stop_graph("later").await.unwrap();
            assert!(l.borrow().contains(&"deinit c1".to_string()));
            assert_eq!(handle.running_graphs(), ["one", "two"]);
            handle.close();
            run.await.unwrap().unwrap();
        })
        .unwrap();
        assert_eq!(
            log.borrow()
                .iter()
                .filter(|e| e.starts_with("deinit"))
                .count(),
            4
        );
    }

    /// A TEN app with no `auto_start` graph starts and waits for `start_graph` (10 of 56 of
    /// TEN's files); evloop refused it.
    #[test]
    fn an_app_without_auto_start_graphs_runs_and_waits() {
        let log: Log = Rc::default();
        let mut app = app(&log);
        app.load_property_json(&PROP.replace("\"auto_start\": true", "\"auto_start\": false"))
            .unwrap();
        let handle = app.handle();
        evloop::run(async move {
            let run = evloop::spawn(app.run());
            evloop::sleep(std::time::Duration::from_millis(5)).await;
            assert!(handle.running_graphs().is_empty());
            handle.start_graph("two").unwrap();
            evloop::sleep(std::time::Duration::from_millis(5)).await;
            assert_eq!(handle.running_graphs(), ["two"]);
            handle.close();
            run.await.unwrap().unwrap();
        })
        .unwrap();
        assert_eq!(log.borrow().len(), 4, "{:?}", log.borrow());
    }
}

/// TEN's `tman check graph`: every problem with its JSON path, no addon registered, no env
/// variable set.
#[test]
fn check_property_json_reports_every_graph_problem_with_its_path() {
    use evloop::ext::{GraphProblem, Severity, check_property_json};
    let text = r#"{"ten": {"predefined_graphs": [
        {"name": "ok", "graph": {"nodes": [{"type": "extension", "name": "a", "addon": "nowhere",
            "property": {"key": "${env:EVLOOP_SURELY_UNSET_5}"}}]}},
        {"name": "flat", "nodes": []},
        {"name": "dup", "graph": {"nodes": [{"name": "a", "addon": "x"}, {"name": "b", "addon": "x"}],
            "connections": [{"extension": "a", "cmd": [{"names": ["go", "go"], "dest": [{"extension": "b"}]}]}]}},
        {"name": "warn", "graph": {"nodes": [{"name": "a", "addon": "x", "colour": 1}]}}]}}"#;
    let problems = check_property_json(text);
    let got: Vec<(Severity, &str)> = problems
        .iter()
        .map(|GraphProblem { severity, path, .. }| (*severity, path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Severity::Error, "/ten/predefined_graphs/1"),
            (
                Severity::Error,
                "/ten/predefined_graphs/2/graph/connections/0/cmd/0"
            ),
            (
                Severity::Warning,
                "/ten/predefined_graphs/3/graph/nodes/0/colour"
            ),
        ]
    );
    assert!(problems[1].message.contains("'go'"), "{:?}", problems[1]);
    assert_eq!(check_property_json("{").len(), 1);
}

/// The routes a loaded graph built, listed by name (TEN's reverse `source` form included).
#[test]
fn a_graph_lists_its_routes() {
    use evloop::ext::MsgKind;
    let g = Graph::from_json(&format!(
        r#"{{"nodes": [{TWO}], "connections": [
            {{"extension": "a", "cmd": [{{"names": ["go", "stop"], "dest": [{{"extension": "b"}}]}}]}},
            {{"extension": "b", "data": [{{"name": "x", "source": [{{"extension": "a"}}]}}]}}]}}"#
    ))
    .unwrap();
    let routes: Vec<(&str, MsgKind, &str, Vec<&str>)> = g
        .routes()
        .into_iter()
        .map(|r| (r.from, r.kind, r.name, r.to))
        .collect();
    assert_eq!(
        routes,
        [
            ("a", MsgKind::Cmd, "go", vec!["b"]),
            ("a", MsgKind::Cmd, "stop", vec!["b"]),
            ("a", MsgKind::Data, "x", vec!["b"]),
        ]
    );
}

/// Bounded cost (issue 26, point 6): a graph of exactly MAX_GRAPH_ITEMS items (nodes,
/// connection entries and message names) loads; one more is refused with a clear error.
#[test]
fn graph_items_are_limited_at_the_extreme() {
    use evloop::ext::MAX_GRAPH_ITEMS;
    // Two nodes and one connection entry, then message names up to `items` in all.
    let graph = |items: usize| {
        let names: Vec<String> = (0..items - 3).map(|i| format!(r#""m{i}""#)).collect();
        format!(
            r#"{{"nodes":[{{"name":"a","addon":"x"}},{{"name":"b","addon":"x"}}],
                "connections":[{{"extension":"a","data":[{{"names":[{}],"dest":[{{"extension":"b"}}]}}]}}]}}"#,
            names.join(",")
        )
    };
    let g = Graph::from_json(&graph(MAX_GRAPH_ITEMS)).unwrap();
    assert_eq!(g.routes().len(), MAX_GRAPH_ITEMS - 3);
    match Graph::from_json(&graph(MAX_GRAPH_ITEMS + 1)) {
        Err(
            e @ TenError::InputTooLarge {
                limit_kind: "items",
                ..
            },
        ) => {
            assert!(e.to_string().contains(&MAX_GRAPH_ITEMS.to_string()), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// The deepest property document a path and a value can build together (each at most
/// MAX_JSON_DEPTH) is printed by `get_json("")` without running out of stack (issue 26:
/// a deeply nested document aborted the process).
#[test]
fn the_deepest_property_document_prints() {
    use evloop::ext::{MAX_JSON_DEPTH, Properties};
    let mut p = Properties::new();
    let path = vec!["a"; MAX_JSON_DEPTH].join(".");
    let value = format!(
        "{}1{}",
        "[".repeat(MAX_JSON_DEPTH),
        "]".repeat(MAX_JSON_DEPTH)
    );
    p.set_json(&path, &value).unwrap();
    let printed = p.get_json("").unwrap();
    assert_eq!(printed.matches('[').count(), MAX_JSON_DEPTH);
    let deeper = format!("{path}.a");
    assert!(matches!(
        p.set_json(&deeper, "1"),
        Err(TenError::InputTooLarge {
            limit_kind: "nesting depth",
            ..
        })
    ));
}

/// A subgraph's interface (`exposed_messages`) at a graph's top level is reported, not
/// dropped.
#[test]
fn top_level_keys_evloop_does_not_use_are_warnings() {
    let g = Graph::from_json(r#"{"nodes": [], "exposed_messages": []}"#).unwrap();
    assert_eq!(
        g.warnings(),
        ["/exposed_messages: not used by evloop, ignored"]
    );
}
