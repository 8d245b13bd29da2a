//! Issue 25, point 5 ("Shown"): every evloop item that stands for an asyncio name has a
//! runnable example of its own, so its docs show the asyncio idiom at work and `cargo test
//! --doc` checks that it behaves as asyncio's does.
//!
//! For each `same`, `renamed` or `differs` row of the "Names" table, each `evloop::…` path the
//! row's evloop cell names is found with [`Crate::declarations`] (a macro `evloop::name!` at
//! its `macro_rules! name`; a re-export at the item it re-exports; a member `Type::method` at
//! the method, field or variant itself), and the doc comment right above the declaration must
//! hold a fenced code block that rustdoc runs: a plain ```` ``` ```` or ```` ```rust ````
//! block, not `ignore`, `text`, `compile_fail` or another language. `no_run` is allowed only
//! for the items of [`EXCEPTIONS`], each with its reason. A "see the example on …" line does
//! not count: the block must be in the item's own doc comment.

use std::path::{Path, PathBuf};

use crate::scan::Crate;
use crate::{backticked, read, root, rows};

/// Items whose example may be `no_run`, and why it cannot run in a doctest.
const EXCEPTIONS: &[(&str, &str)] = &[];

/// How a fenced block's info string lets rustdoc treat it.
#[derive(Debug, PartialEq)]
pub enum Block {
    /// Compiled and run.
    Runs,
    /// Compiled, not run.
    NoRun,
    /// Not run: `ignore`, `compile_fail`, `text` or another language.
    Other,
}

/// What rustdoc does with a code block whose opening fence has info string `info`.
pub fn block_kind(info: &str) -> Block {
    let mut kind = Block::Runs;
    for token in info.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        match token {
            "rust" | "should_panic" | "standalone_crate" => {}
            t if t.starts_with("edition") => {}
            "no_run" => kind = Block::NoRun,
            _ => return Block::Other,
        }
    }
    kind
}

/// The doc comment lines (`///`, text after it) right above line index `at` of `text`: the
/// run of attributes, comments and doc comments that ends at the declaration.
pub fn doc_above(text: &str, at: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut docs = Vec::new();
    for l in lines[..at].iter().rev().map(|l| l.trim()) {
        let attr_part = l.starts_with('#')
            || l.starts_with("//")
            || l.starts_with('"')
            || l.starts_with(')')
            || l.ends_with('(');
        if !attr_part || l.ends_with("!(") {
            break;
        }
        if let Some(doc) = l.strip_prefix("///") {
            docs.push(doc.strip_prefix(' ').unwrap_or(doc).to_string());
        }
    }
    docs.reverse();
    docs
}

/// The kind of each fenced code block of a doc comment, in order.
pub fn blocks(doc: &[String]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in doc {
        let Some(info) = l.trim_start().strip_prefix("```") else {
            continue;
        };
        if !inside {
            out.push(block_kind(info.trim()));
        }
        inside = !inside;
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `src/**/*.rs` for which `hit` holds: file (relative to `src/`) and line
/// index.
fn find_lines(hit: impl Fn(&str) -> bool) -> Vec<(PathBuf, usize)> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, l) in text.lines().enumerate() {
            if hit(l.trim()) {
                out.push((path.strip_prefix(&src).unwrap().to_path_buf(), i));
            }
        }
    }
    out
}

/// Where an item is declared. Beyond [`Crate::declarations`]: a macro at its
/// `macro_rules!`, and a type a macro makes (`queue_kind!(/// docs… Queue, Fifo)`, which the
/// scanner does not expand) at the line naming it inside the macro call.
fn declarations(krate: &Crate, path: &str) -> Vec<(PathBuf, usize)> {
    if let Some(name) = path.strip_suffix('!') {
        let name = name.trim_start_matches("evloop::");
        return find_lines(|l| l.starts_with(&format!("macro_rules! {name} ")));
    }
    let found = krate.declarations(path);
    let name = path.rsplit("::").next().unwrap();
    if found.is_empty() && path.matches("::").count() == 1 {
        let named = find_lines(|l| l == format!("{name},"));
        return named.into_iter().filter(in_macro_call).collect();
    }
    found
}

/// Whether line `at` of `file` is in a macro call: the attributes and doc comments above it
/// start right after a `name!(` line.
fn in_macro_call((file, at): &(PathBuf, usize)) -> bool {
    let text = std::fs::read_to_string(root().join("src").join(file)).unwrap();
    let above = text.lines().take(*at).collect::<Vec<_>>();
    let first = above
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| !(l.starts_with('#') || l.starts_with("//")));
    first.is_some_and(|l| l.ends_with("!("))
}

/// How an item's declarations fare: one shows a runnable example; or the best seen is
/// `no_run`; or none has one.
#[derive(Debug, PartialEq)]
enum Shown {
    Runs,
    NoRun,
    No,
}

/// Whether a declaration of `path` has a runnable example above it, and where they are.
fn shown(krate: &Crate, path: &str) -> (Shown, Vec<String>) {
    let decls = declarations(krate, path);
    let mut best = Shown::No;
    for (file, at) in &decls {
        let text = std::fs::read_to_string(root().join("src").join(file)).unwrap();
        for b in blocks(&doc_above(&text, *at)) {
            match b {
                Block::Runs => best = Shown::Runs,
                Block::NoRun if best == Shown::No => best = Shown::NoRun,
                _ => {}
            }
        }
    }
    let at = decls
        .iter()
        .map(|(f, l)| format!("src/{}:{}", f.display(), l + 1))
        .collect();
    (best, at)
}

/// The `evloop::…` paths of the rows that stand for an asyncio name, each once, in table
/// order.
fn paths() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows(&read("docs/asyncio-mapping.md")) {
        // `prevented` rows name the item that rules a misuse out; `n/a` and `missing` none.
        if !matches!(r.status.as_str(), "same" | "renamed" | "differs") {
            continue;
        }
        for path in backticked(&r.evloop) {
            if path.starts_with("evloop::") && !out.iter().any(|p| p == path) {
                out.push(path.to_string());
            }
        }
    }
    out
}

#[test]
fn every_item_that_stands_for_an_asyncio_name_has_a_runnable_example() {
    let krate = Crate::scan();
    let paths = paths();
    assert!(
        paths.len() > 150,
        "only {} paths: is the table read?",
        paths.len()
    );
    let mut wrong = Vec::new();
    for path in &paths {
        let (shown, at) = shown(&krate, path);
        let no_run_ok = EXCEPTIONS.iter().any(|(p, _)| p == path);
        let ok = match shown {
            Shown::Runs => true,
            Shown::NoRun => no_run_ok,
            Shown::No => false,
        };
        if ok {
            continue;
        }
        let line = match (at.is_empty(), &shown) {
            (true, _) => format!("`{path}`: no declaration found"),
            (false, Shown::NoRun) => format!(
                "`{path}` ({}): its example is `no_run`, and it is not an exception",
                at.join(", ")
            ),
            (false, _) => format!("`{path}` ({}): no runnable example", at.join(", ")),
        };
        wrong.push(line);
    }
    println!(
        "{} of {} items show a runnable example",
        paths.len() - wrong.len(),
        paths.len()
    );
    assert!(
        wrong.is_empty(),
        "items without a runnable example of their own ({}):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_exceptions_are_items_of_the_table() {
    let paths = paths();
    for (path, why) in EXCEPTIONS {
        assert!(!why.is_empty(), "{path}: say why it cannot run");
        assert!(paths.iter().any(|p| p == path), "{path}: not in the table");
    }
}

#[test]
fn the_block_reader_tells_runnable_examples_from_the_rest() {
    let text = "\
/// Does a thing.
///
/// ```text
/// a diagram
/// ```
///
/// ```
/// assert_eq!(1, 1);
/// ```
#[doc(alias = \"thing\")]
#[must_use]
pub fn thing() {}

/// ```ignore
/// x
/// ```
pub fn ignored() {}

/// See the example on [`thing`].
pub fn other() {}
";
    let at = |decl: &str| text.lines().position(|l| l == decl).unwrap();
    let doc = doc_above(text, at("pub fn thing() {}"));
    assert_eq!(doc.first().map(String::as_str), Some("Does a thing."));
    assert_eq!(blocks(&doc), [Block::Other, Block::Runs]);
    let doc = doc_above(text, at("pub fn ignored() {}"));
    assert_eq!(blocks(&doc), [Block::Other]);
    assert!(blocks(&doc_above(text, at("pub fn other() {}"))).is_empty());
    assert_eq!(block_kind(""), Block::Runs);
    assert_eq!(block_kind("rust"), Block::Runs);
    assert_eq!(block_kind("rust,no_run"), Block::NoRun);
    assert_eq!(block_kind("compile_fail"), Block::Other);
    assert_eq!(block_kind("toml"), Block::Other);
}
