//! Validate-only checking of a `property.json` (issue 26, point 2): every problem of every
//! graph, each with its JSON path.
#![cfg(feature = "ext")]

use evloop::ext::{GraphProblem, Severity, check_property_json};

/// TEN's `tman check graph` reports every problem it finds in a graph, so a user fixes the
/// file in one pass. Here a graph with six problems (a node on another app, a node without
/// an addon, a duplicate node, a connection naming an unknown extension, a message name
/// listed twice, a second connection entry for one extension) and a second graph with one
/// more report each with its path, and the warning of a piece that loads is still given.
/// Before, each graph reported only the first error it met.
#[test]
fn every_error_of_every_graph_is_reported_with_its_path() {
    let text = r#"{"ten": {"uri": "http://me", "predefined_graphs": [
        {"name": "many", "graph": {
            "nodes": [
                {"type": "extension", "name": "a", "addon": "x", "app": "http://elsewhere"},
                {"type": "extension", "name": "b"},
                {"type": "extension", "name": "c", "addon": "x", "colour": "red"},
                {"type": "extension", "name": "c", "addon": "x"}],
            "connections": [
                {"extension": "c", "cmd": [{"name": "go", "dest": [{"extension": "ghost"}]}]},
                {"extension": "a", "data": [{"names": ["x", "x"], "dest": [{"extension": "c"}]}]},
                {"extension": "c", "cmd": [{"name": "stop", "dest": [{"extension": "a"}]}]}]}},
        {"name": "second", "graph": {
            "nodes": [{"type": "extension", "name": "s", "addon": "x"}],
            "connections": [{"extension": "s", "cmd": [{"name": "go", "dest": [{"extension": "s"}],
                                                         "source": [{"extension": "s"}]}]}]}}]}}"#;
    let problems = check_property_json(text);
    let got: Vec<(Severity, &str)> = problems
        .iter()
        .map(|GraphProblem { severity, path, .. }| (*severity, path.as_str()))
        .collect();
    let g = "/ten/predefined_graphs/0/graph";
    let h = "/ten/predefined_graphs/1/graph";
    assert_eq!(
        got,
        [
            (Severity::Error, format!("{g}/nodes/0/app").as_str()),
            (Severity::Error, &format!("{g}/nodes/1")),
            (Severity::Warning, &format!("{g}/nodes/2/colour")),
            (Severity::Error, &format!("{g}/nodes/3")),
            (Severity::Error, &format!("{g}/connections/0")),
            (Severity::Error, &format!("{g}/connections/1/data/0")),
            (Severity::Error, &format!("{g}/connections/2")),
            (Severity::Error, &format!("{h}/connections/0")),
        ],
        "{problems:#?}"
    );
    let says = |i: usize, what: &str| {
        assert!(
            problems[i].message.contains(what),
            "problem {i} should say {what:?}: {:?}",
            problems[i]
        )
    };
    says(0, "http://elsewhere");
    says(1, "addon");
    says(3, "duplicate node 'c'");
    says(4, "ghost");
    says(5, "'x'");
    says(6, "'c'");
    says(7, "exactly one of 'dest' or 'source'");
}

/// `tman check graph` reads an app's files: `check_property_file` follows a graph's
/// `import_uri` and a subgraph's, relative to the file, as loading does. TEN's own test app
/// with a subgraph (`tests/ten_corpus/with_subgraph/`) checks clean, where
/// `check_property_json` on its text cannot resolve the subgraph's relative import.
#[test]
fn check_property_file_follows_imports_relative_to_the_file() {
    use evloop::ext::check_property_file;

    let app = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ten_corpus/with_subgraph/property.json");
    assert_eq!(check_property_file(&app), []);
    let text = std::fs::read_to_string(&app).unwrap();
    assert!(
        check_property_json(&text)
            .iter()
            .any(|p| p.severity == Severity::Error),
        "from text alone, the relative import cannot be read"
    );

    // Imported graphs: one fine, one with an unknown destination, one missing.
    let dir = std::env::temp_dir().join(format!("evloop-check-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("good.json"),
        r#"{"nodes": [{"type": "extension", "name": "a", "addon": "x"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("bad.json"),
        r#"{"nodes": [{"type": "extension", "name": "a", "addon": "x"}],
            "connections": [{"extension": "a", "cmd": [{"name": "go", "dest": [{"extension": "ghost"}]}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("property.json"),
        r#"{"ten": {"predefined_graphs": [
            {"name": "good", "graph": {"import_uri": "good.json"}},
            {"name": "bad", "graph": {"import_uri": "bad.json"}},
            {"name": "gone", "graph": {"import_uri": "gone.json"}}]}}"#,
    )
    .unwrap();
    let problems = check_property_file(dir.join("property.json"));
    let got: Vec<(Severity, &str)> = problems
        .iter()
        .map(|p| (p.severity, p.path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Severity::Error,
                "/ten/predefined_graphs/1/graph/import_uri/connections/0"
            ),
            (Severity::Error, "/ten/predefined_graphs/2/graph/import_uri"),
        ],
        "{problems:#?}"
    );
    assert!(problems[1].message.contains("cannot read"), "{problems:#?}");
    assert_eq!(
        check_property_file(dir.join("nothing.json"))[0].path,
        "",
        "an unreadable file is one problem"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
