//! Unit tests of `graph.rs`: routes, de-duplication, the route budget, errors.
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
                {"names": ["go"], "dest": [{"extension": "c"}, {"extension": "b"},
                                           {"extension": "b"}, {"extension": "a"}]}]},
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
        err(r#"{"nodes": [{"type": "widget", "name": "s", "addon": "x"}]}"#)
            .contains("not supported")
    );
    let json_err = Graph::from_json("{\n \"nodes\": [\n").unwrap_err();
    assert!(
        matches!(json_err, TenError::InvalidJson { line: 3, .. }),
        "{json_err:?}"
    );
}
