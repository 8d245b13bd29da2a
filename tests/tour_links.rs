//! The guided tour (`docs/tour/`) stays true to the code: every file it links to exists, every
//! item it names in a link (`` [`Core::run_once`](../../src/event_loop/run_once.rs) ``) is
//! still defined in that file, and every chapter ends with a runnable example (which
//! `cargo test --doc` runs, through `evloop::guide::tour`).

use std::path::{Path, PathBuf};

fn tour_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tour")
}

/// The chapters and the contents page, in name order.
fn pages() -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(tour_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    pages.sort();
    pages
}

/// Every inline link `[text](target)` outside code blocks.
fn links(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(mid) = rest.find("](") {
            let open = rest[..mid].rfind('[').expect("a link text opens with [");
            let close = rest[mid + 2..]
                .find(')')
                .expect("a link target closes with )");
            let text = rest[open + 1..mid].to_string();
            let target = rest[mid + 2..mid + 2 + close].to_string();
            out.push((text, target));
            rest = &rest[mid + 2 + close..];
        }
    }
    out
}

/// True if `source` defines `name` as a function, type, trait, constant or module.
fn defines(source: &str, name: &str) -> bool {
    let kinds = [
        "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
    ];
    kinds.iter().any(|kind| {
        let needle = format!("{kind} {name}");
        source.match_indices(&needle).any(|(at, _)| {
            let after = source[at + needle.len()..].chars().next();
            let before = source[..at].chars().next_back();
            !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    })
}

#[test]
fn every_linked_file_and_item_exists() {
    let mut checked = 0;
    let mut broken = Vec::new();
    for (page, text) in pages() {
        for (label, target) in links(&text) {
            if target.starts_with("http://") || target.starts_with("https://") {
                continue;
            }
            let path = tour_dir().join(target.split('#').next().unwrap());
            let Ok(source) = std::fs::read_to_string(&path) else {
                broken.push(format!("{page}: {target} does not exist"));
                continue;
            };
            checked += 1;
            // A link whose text is `code` names an item of a Rust file: check it is defined.
            if let (Some(item), true) = (
                label.strip_prefix('`').and_then(|l| l.strip_suffix('`')),
                target.ends_with(".rs"),
            ) {
                let name = item.rsplit("::").next().unwrap();
                if !defines(&source, name) {
                    broken.push(format!("{page}: `{item}` is not defined in {target}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links in docs/tour:\n{}",
        broken.join("\n")
    );
    assert!(
        checked >= 60,
        "only {checked} links checked: is the parser still right?"
    );
}

#[test]
fn the_checker_catches_a_renamed_item() {
    let src = "pub(crate) fn run_once(&self) {}\nstruct Core;";
    assert!(defines(src, "run_once"));
    assert!(defines(src, "Core"));
    assert!(!defines(src, "run"));
    assert!(!defines(src, "run_twice"));
    let found = links("see [`Core::run_once`](../../src/x.rs) and [docs](https://x.y)");
    assert_eq!(
        found[0],
        ("`Core::run_once`".into(), "../../src/x.rs".into())
    );
    assert_eq!(found[1].1, "https://x.y");
}

#[test]
fn every_chapter_ends_with_a_runnable_example_and_is_listed() {
    let pages = pages();
    let contents = &pages.iter().find(|(n, _)| n == "README.md").unwrap().1;
    let chapters: Vec<&(String, String)> = pages.iter().filter(|(n, _)| n != "README.md").collect();
    assert_eq!(chapters.len(), 9);
    for (name, text) in chapters {
        assert!(
            contents.contains(&format!("]({name})")),
            "{name} is not in the contents"
        );
        let try_it = text
            .rfind("## Try it")
            .unwrap_or_else(|| panic!("{name} has no 'Try it' section"));
        let example = &text[try_it..];
        assert!(
            example.contains("```rust\n"),
            "{name}: no Rust example at the end"
        );
        assert!(
            !example.contains("```rust,ignore"),
            "{name}: the example must run"
        );
        assert!(
            example.contains("assert"),
            "{name}: the example checks nothing"
        );
    }
}
