//! `docs/architecture.md` stays true to the tree: every repository path it names exists, and
//! the layer rule it states for the task layer holds in the code.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every word of `text` that looks like a path of this repository (`src/...`, `docs/...`,
/// `tests/...`, `examples/...`), without trailing punctuation.
fn named_paths(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| c.is_whitespace() || "`()|,;[]".contains(c))
        .map(|w| w.trim_end_matches(['.', ':']))
        .filter(|w| {
            ["src/", "docs/", "tests/", "examples/"]
                .iter()
                .any(|p| w.starts_with(p))
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_path_the_architecture_page_names_exists() {
    let page = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let paths = named_paths(&page);
    assert!(
        paths.len() > 20,
        "the page names only {} paths",
        paths.len()
    );
    let missing: Vec<&String> = paths.iter().filter(|p| !root().join(p).exists()).collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn the_task_layer_imports_no_layer_above_it() {
    let mut offending = Vec::new();
    for entry in std::fs::read_dir(root().join("src/task")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("crate::") && !code.contains("crate::error") {
                offending.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "src/task reaches above itself:\n{}",
        offending.join("\n")
    );
}
