//! TEN's own `property.json` files (`tests/ten_corpus/`, source commit in its README) load
//! and check as TEN would build them: each predefined graph's node and route counts are
//! pinned, so a regression in reading TEN's format fails here (issue 26, point 3).
#![cfg(feature = "ext")]

use evloop::ext::{MsgKind, Route, Severity, check_property_json, predefined_graphs};

/// `(file, [(graph, auto_start, nodes, routes, destinations)])`: routes are (sender, type,
/// name) triples, destinations the deliveries they make.
type Expect = (
    &'static str,
    &'static [(&'static str, bool, usize, usize, usize)],
);

fn summary(file: &str) -> Vec<(String, bool, usize, usize, usize)> {
    let path = format!("{}/tests/ten_corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let errors: Vec<_> = check_property_json(&text)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{file}: {errors:?}");
    predefined_graphs(&text)
        .unwrap()
        .into_iter()
        .map(|g| {
            let routes = g.graph.routes();
            let dests = routes.iter().map(|r| r.to.len()).sum();
            (
                g.name,
                g.auto_start,
                g.graph.nodes.len(),
                routes.len(),
                dests,
            )
        })
        .collect()
}

/// What TEN would build from each file: every predefined graph, in file order.
const CORPUS: &[Expect] = &[
    (
        "demo.json",
        &[
            ("grok4", true, 8, 8, 8),
            ("va_llama4", true, 8, 8, 8),
            ("qwen3", true, 8, 8, 8),
            ("minimax", true, 8, 8, 8),
            ("deepseek_v3_1", true, 8, 8, 8),
            ("va_gemini_v2v", true, 6, 12, 12),
            ("va_gemini_v2v_native", true, 6, 12, 12),
            ("va_azure_v2v", true, 6, 12, 12),
            ("va_openai_v2v", true, 6, 12, 12),
            ("va_openai_v2v_mini", true, 5, 11, 11),
            ("va_openai_azure", true, 8, 8, 8),
            ("va_coze_azure", true, 8, 8, 8),
            ("va_dify_azure", true, 8, 8, 8),
            ("va_oceanbase_rag", true, 8, 8, 8),
            ("voice_assistant_live2d", true, 8, 8, 8),
            ("voice_assistant_live2d_kei", true, 8, 8, 8),
            ("voice_assistant_live2d_chubbie", true, 8, 8, 8),
            ("voice_assistant_live2d_kei_zh", true, 8, 8, 8),
            ("voice_assistant_live2d_chubbie_zh", true, 8, 8, 8),
        ],
    ),
    ("transcriber_demo.json", &[("default", true, 4, 6, 9)]),
    ("transcription.json", &[("transcription", true, 6, 6, 6)]),
    (
        "voice-assistant-realtime.json",
        &[("voice_assistant_realtime", true, 6, 12, 12)],
    ),
    (
        "voice-assistant.json",
        &[
            ("voice_assistant", true, 8, 10, 10),
            ("voice_assistant_xai_asr", false, 8, 10, 10),
            ("voice_assistant_xai_tts", false, 8, 10, 10),
            ("voice_assistant_xai_full", false, 8, 10, 10),
            ("voice_assistant_deepgram_tts", false, 8, 8, 8),
            ("voice_assistant_gradium", false, 8, 8, 8),
            ("voice_assistant_oracle", false, 8, 8, 8),
            ("voice_assistant_smallest", false, 8, 10, 10),
            ("voice_assistant_anthropic", false, 8, 10, 10),
        ],
    ),
    (
        "websocket-example.json",
        &[("voice_assistant", true, 6, 6, 6)],
    ),
    ("ffmpeg_bypass.json", &[("default", true, 3, 9, 9)]),
];

/// TEN's published apps (`ai_agents/agents/examples/*/tenapp`, `packages/example_apps`)
/// check without errors and build the graphs pinned in `CORPUS` (and `docs/extensions.md`).
#[test]
fn ten_apps_build_the_graphs_ten_builds() {
    for (file, graphs) in CORPUS {
        let got = summary(file);
        let want: Vec<_> = graphs
            .iter()
            .map(|&(n, a, nodes, routes, dests)| (n.to_string(), a, nodes, routes, dests))
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

/// TEN's `tman` test app with a subgraph (`with_subgraph/`, its graph imported from
/// `graphs/test_graph.json`): the subgraph's nodes come in as `subgraph_1_<node>`, `C` to
/// the subgraph reaches the extension exposing it, and the subgraph node's `key` property
/// lands on the extension exposing it, as TEN's `flatten_subgraphs` builds it.
#[test]
fn a_ten_app_with_a_subgraph_builds_the_flattened_graph() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ten_corpus/with_subgraph");
    let text = std::fs::read_to_string(dir.join("property.json")).unwrap();
    let graphs = evloop::ext::predefined_graphs_in(&text, &dir).unwrap();
    let g = &graphs[0].graph;
    let nodes: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        nodes,
        ["addon_a", "subgraph_1_addon_b", "subgraph_1_addon_c"]
    );
    let route = |from, name, to| Route {
        from,
        kind: MsgKind::Cmd,
        name,
        to: vec![to],
    };
    assert_eq!(
        g.routes(),
        [
            route("addon_a", "C", "subgraph_1_addon_b"),
            route("subgraph_1_addon_b", "C", "subgraph_1_addon_c"),
        ]
    );
    assert_eq!(g.nodes[2].property.get_string("key").unwrap(), "value");
}
