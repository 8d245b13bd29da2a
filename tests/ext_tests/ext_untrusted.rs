//! Untrusted input to the extension runtime (issue "Prove it holds", item 6): graph and
//! property JSON over the size or depth limits, or malformed, is refused with a clear error;
//! random and mutated input never panics (a stable-toolchain fuzz target, run longer by
//! `scripts/fuzz`); and a message reaches exactly the extensions the graph connects. That
//! the cost of each target grows at most linearly with its input is checked in
//! `tests/fuzz_cost.rs` (it counts allocations with a global allocator of its own).
#![cfg(feature = "ext")]

use crate::util;

use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{
    App, Data, Extension, Graph, HookFuture, MAX_JSON_BYTES, MAX_JSON_DEPTH, Properties, TenEnv,
    TenError, predefined_graphs,
};
use proptest::prelude::*;
use util::{Trace, manual_loop};

const GRAPH: &str = r#"{
  "nodes": [
    {"type": "extension", "name": "a", "addon": "x"},
    {"type": "extension", "name": "b", "addon": "x"}
  ],
  "connections": [
    {"extension": "a", "cmd": [{"name": "go", "dest": [{"extension": "b"}]}]}
  ]
}"#;

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

fn assert_too_large(r: Result<impl std::fmt::Debug, TenError>, limit_kind: &str) {
    match r {
        Err(TenError::InputTooLarge {
            limit_kind: kind, ..
        }) => assert_eq!(kind, limit_kind),
        other => panic!("expected InputTooLarge({limit_kind}), got {other:?}"),
    }
}

#[test]
fn oversized_and_deeply_nested_json_is_refused() {
    // Over the byte limit: refused before parsing.
    let huge = format!(
        r#"{{"nodes": [], "connections": [], "pad": "{}"}}"#,
        "x".repeat(MAX_JSON_BYTES)
    );
    assert_too_large(Graph::from_json(&huge), "bytes");
    assert_too_large(predefined_graphs(&huge), "bytes");
    // One level over the depth limit, and far over it (no stack overflow either way).
    for depth in [MAX_JSON_DEPTH + 1, 10_000] {
        let deep = format!(
            r#"{{"nodes": [], "connections": [], "x": {}}}"#,
            nested(depth)
        );
        assert_too_large(Graph::from_json(&deep), "nesting depth");
        let mut props = Properties::new();
        assert_too_large(props.set_json("a", &nested(depth)), "nesting depth");
    }
    // Exactly at the limit is fine.
    let mut props = Properties::new();
    props.set_json("a", &nested(MAX_JSON_DEPTH - 1)).unwrap();
    let err = Graph::from_json(&format!(r#"{{"x": {}}}"#, nested(MAX_JSON_DEPTH + 5))).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("graph is over the limit of {MAX_JSON_DEPTH} nesting depth")
    );
}

#[test]
fn malformed_json_says_where() {
    match Graph::from_json("{\n  \"nodes\": [,]\n}") {
        Err(TenError::InvalidJson { line, column, .. }) => assert_eq!((line, column), (2, 13)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Graph::from_json(r#"{"nodes": "not a list", "connections": []}"#),
        Err(TenError::InvalidGraph(_))
    ));
}

/// Random edits of a valid graph: flip, drop or insert a byte, or splice in a token.
fn mutated_graph() -> impl Strategy<Value = String> {
    let edit = (
        0usize..GRAPH.len(),
        0u8..4,
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "null",
            "1e999",
            "-",
            "\\u0000",
            "\"nodes\"",
            "\"dest\"",
            "[[[[[[",
            "\u{fffd}",
        ]),
    );
    prop::collection::vec(edit, 1..6).prop_map(|edits| {
        let mut s = GRAPH.as_bytes().to_vec();
        for (at, kind, token) in edits {
            let at = at.min(s.len().saturating_sub(1));
            match kind {
                0 => s[at] ^= 0x20,
                1 => {
                    s.remove(at);
                }
                2 => s.insert(at, b'"'),
                _ => {
                    s.splice(at..at, token.bytes());
                }
            }
        }
        String::from_utf8_lossy(&s).into_owned()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(util::cases(500)))]

    /// The fuzz target for graphs: any text gives a graph or an error, never a panic.
    #[test]
    fn any_text_is_a_graph_or_an_error(text in ".{0,200}") {
        let _ = Graph::from_json(&text);
        let _ = predefined_graphs(&text);
    }

    #[test]
    fn mutated_graphs_are_a_graph_or_an_error(text in mutated_graph()) {
        match Graph::from_json(&text) {
            // GraphRule: TEN's checker rules and unsupported nodes (issue 26).
            Ok(_) | Err(TenError::InvalidJson { .. } | TenError::InvalidGraph(_)
                | TenError::GraphRule { .. } | TenError::InputTooLarge { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error kind {:?}", other),
        }
    }

    /// The fuzz target for properties: any text at any path, then reads of it.
    #[test]
    fn any_property_text_is_a_value_or_an_error(path in "[a-z.\\[\\]0-9]{0,12}", text in ".{0,100}") {
        let mut props = Properties::new();
        if props.set_json(&path, &text).is_ok() {
            let _ = props.get_json(&path);
        }
    }
}

// ---- Routing: exactly the connected extensions ----

/// Logs the data it gets.
struct Sink(Trace);

impl Extension for Sink {
    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        self.0.log(format!("{} {}", env.name(), data.name()));
        Box::pin(async { Ok(()) })
    }
}

/// Sends each of the data names once it starts, then closes the app.
struct Sender(Vec<String>, Trace);

impl Extension for Sender {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            for name in &self.0 {
                if let Err(e) = env.send_data(Data::new(name).unwrap()) {
                    assert!(matches!(e, TenError::MsgNotConnected { .. }), "{e:?}");
                    self.1.log(format!("unrouted {name}"));
                }
            }
            evloop::sleep(Duration::from_millis(5)).await;
            env.close_app();
            Ok(())
        })
    }
}

const PEERS: usize = 4;
const NAMES: usize = 3;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(util::cases(100)))]

    /// `dests[m]` is the set of peers data `m` is connected to (empty: not connected).
    #[test]
    fn data_reaches_exactly_the_connected_extensions(
        dests in prop::collection::vec(prop::collection::btree_set(0..PEERS, 0..=PEERS), NAMES),
    ) {
        let mut nodes = vec![r#"{"type": "extension", "name": "src", "addon": "sender"}"#.to_string()];
        nodes.extend((0..PEERS).map(|p| format!(r#"{{"type": "extension", "name": "p{p}", "addon": "sink"}}"#)));
        let data: Vec<String> = dests
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.is_empty())
            .map(|(m, d)| {
                let to: Vec<String> = d.iter().map(|p| format!(r#"{{"extension": "p{p}"}}"#)).collect();
                format!(r#"{{"name": "m{m}", "dest": [{}]}}"#, to.join(", "))
            })
            .collect();
        let connections = if data.is_empty() {
            String::new()
        } else {
            format!(r#"{{"extension": "src", "data": [{}]}}"#, data.join(", "))
        };
        let graph = format!(r#"{{"nodes": [{}], "connections": [{connections}]}}"#, nodes.join(", "));

        let (ev, _clock) = manual_loop();
        let trace = Trace::new();
        let mut app = App::new();
        let (t1, t2) = (trace.clone(), trace.clone());
        let names: Vec<String> = (0..NAMES).map(|m| format!("m{m}")).collect();
        app.register("sink", move || Rc::new(Sink(t1.clone())));
        app.register("sender", move || Rc::new(Sender(names.clone(), t2.clone())));
        app.load_graph_json(&graph).unwrap();
        ev.run_until_complete(app.run()).unwrap().unwrap();

        let mut got = trace.events();
        got.sort();
        let mut want: Vec<String> = Vec::new();
        for (m, d) in dests.iter().enumerate() {
            if d.is_empty() {
                want.push(format!("unrouted m{m}"));
            }
            want.extend(d.iter().map(|p| format!("p{p} m{m}")));
        }
        want.sort();
        prop_assert_eq!(got, want);
    }
}
