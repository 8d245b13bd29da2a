//! `docs/asyncio-mapping.md` covers asyncio 3.13's public surface (issue 25): every name that
//! `scripts/asyncio_surface.py` printed into `docs/asyncio-surface-3.13.txt` has exactly one
//! row in the page's "Names" section, each row has one of the six statuses, every
//! `evloop::…` path the section names exists in the crate, and the summary line counts the
//! table. The surface file is checked in, so this needs no Python.
//!
//! **What "exists" means here, and its limits.** The check reads `src/**/*.rs` as text; it
//! does not parse or expand Rust. For a path `evloop::m::Item` or `evloop::m::Type::member`:
//!
//! - each module segment (`m`) must be declared `pub mod m` or re-exported by a `pub use`;
//! - `Item`/`Type` must be declared `pub` (`fn`, `struct`, `enum`, `trait`, `type`, `const`,
//!   `static`, `mod`) or re-exported by a `pub use`, in a file of module `m` (a file whose
//!   path has `m` as a folder or file name; `src/lib.rs` for `evloop::Item`);
//! - `member` must be a `pub fn` of an inherent `impl Type` block, a `fn` of a trait
//!   `Type` or of an `impl Trait for Type` block, a `pub` field of `struct Type`, or a
//!   variant of `enum Type`, found at the block's own indentation (rustfmt's layout), or
//!   one of the type `Type` dereferences to (`impl Deref for Type { type Target = … }`);
//! - `evloop::name!` must be a `macro_rules! name`.
//!
//! It does not check features or `cfg`s, visibility of the module path as a whole (a
//! `pub use` of a private module's item counts), signatures, or that a method is reachable
//! through a blanket trait impl. The queue types are made by the `queue_kind!` macro, which
//! the scanner does not expand: `scan::MACRO_DEREFS` says what they dereference to.

mod aliases;
mod examples;
mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use scan::Crate;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The statuses a row may have, in the order the summary line counts them.
const STATUSES: [&str; 6] = ["same", "renamed", "differs", "prevented", "n/a", "missing"];

/// One row of the "Names" tables.
struct Row {
    line: usize,
    name: String,
    status: String,
    evloop: String,
    note: String,
}

/// The cells of a table row, split at `|` but not at an escaped `\|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push(chars.next().unwrap())
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_string()).collect()
}

/// The text of each backticked span of `text`.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The rows of the tables in the page's "## Names" section (up to the next `## ` heading).
fn rows(page: &str) -> Vec<Row> {
    let mut out = Vec::new();
    let mut inside = false;
    for (i, line) in page.lines().enumerate() {
        if line.starts_with("## ") {
            inside = line == "## Names";
            continue;
        }
        if !inside || !line.starts_with('|') || line.starts_with("|---") {
            continue;
        }
        let c = cells(line);
        if c[0] == "asyncio" {
            continue; // a header row
        }
        assert_eq!(c.len(), 4, "line {}: a row has four cells: {line}", i + 1);
        let name = match backticked(&c[0])[..] {
            [name] if c[0] == format!("`{name}`") => name.to_string(),
            _ => panic!(
                "line {}: the first cell is one backticked name: {line}",
                i + 1
            ),
        };
        let [_, status, evloop, note] = <[String; 4]>::try_from(c).unwrap();
        out.push(Row {
            line: i + 1,
            name,
            status,
            evloop,
            note,
        });
    }
    out
}

/// The names the surface file lists, one a line.
fn surface() -> Vec<String> {
    let text = read("docs/asyncio-surface-3.13.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The summary line the table's counts call for.
fn summary(rows: &[Row]) -> String {
    let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
    let counts: Vec<String> = STATUSES
        .iter()
        .map(|s| format!("{} {s}", count(s)))
        .collect();
    let apply = rows.len() - count("n/a");
    let present = apply - count("missing");
    format!(
        "**Summary**: {} names: {}. Present: {present} of the {apply} names that apply ({:.1}%).",
        rows.len(),
        counts.join(", "),
        100.0 * present as f64 / apply as f64
    )
}

#[test]
fn every_name_of_the_surface_has_exactly_one_row() {
    let surface = surface();
    assert!(
        surface.len() > 250,
        "the surface file looks truncated: {} names",
        surface.len()
    );
    let rows = rows(&read("docs/asyncio-mapping.md"));
    let mut seen = BTreeMap::new();
    for r in &rows {
        if let Some(first) = seen.insert(r.name.as_str(), r.line) {
            panic!("`{}` has two rows: lines {first} and {}", r.name, r.line);
        }
    }
    let missing: Vec<_> = surface
        .iter()
        .filter(|n| !seen.contains_key(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "names of the surface with no row: {missing:?}"
    );
    let known: BTreeSet<_> = surface.iter().map(String::as_str).collect();
    let extra: Vec<_> = rows
        .iter()
        .filter(|r| !known.contains(r.name.as_str()))
        .collect();
    let extra: Vec<_> = extra.iter().map(|r| (r.line, &r.name)).collect();
    assert!(
        extra.is_empty(),
        "rows for names the surface does not have: {extra:?}"
    );
}

#[test]
fn every_row_has_a_status_and_what_the_status_needs() {
    for r in rows(&read("docs/asyncio-mapping.md")) {
        let at = format!("line {} (`{}`)", r.line, r.name);
        assert!(
            STATUSES.contains(&r.status.as_str()),
            "{at}: unknown status {:?}",
            r.status
        );
        let paths = backticked(&r.evloop)
            .iter()
            .filter(|s| s.starts_with("evloop::"))
            .count();
        match r.status.as_str() {
            "n/a" | "missing" => assert!(!r.note.is_empty(), "{at}: say why in the note"),
            _ => assert!(
                paths > 0,
                "{at}: name the evloop item(s), as `evloop::…` paths"
            ),
        }
    }
}

#[test]
fn every_evloop_path_the_table_names_exists() {
    let krate = Crate::scan();
    let mut wrong = Vec::new();
    for r in rows(&read("docs/asyncio-mapping.md")) {
        for cell in [&r.evloop, &r.note] {
            for path in backticked(cell)
                .into_iter()
                .filter(|s| s.starts_with("evloop::"))
            {
                if let Err(why) = krate.check(path) {
                    wrong.push(format!("line {}: `{path}`: {why}", r.line));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "paths that name nothing:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_summary_line_counts_the_table() {
    let page = read("docs/asyncio-mapping.md");
    let expected = summary(&rows(&page));
    assert!(
        page.lines().any(|l| l == expected),
        "the page's summary line should read:\n{expected}"
    );
}

#[test]
fn the_path_check_tells_real_items_from_made_up_ones() {
    let krate = Crate::scan();
    for good in [
        "evloop::LoopHandle::call_soon",
        "evloop::EventLoop::run_forever", // through Deref to LoopHandle
        "evloop::Queue::put_nowait",      // made by a macro, derefs to BaseQueue
        "evloop::Task::cancel",
        "evloop::sync::Lock",
        "evloop::streams::Server",
        "evloop::LoopHandle::sock_recv",
        "evloop::transport::Protocol::data_received",
        "evloop::process::Process::stdin",
        "evloop::ReturnWhen::FirstCompleted",
        "evloop::gather!",
        "evloop::sleep",
    ] {
        assert_eq!(krate.check(good), Ok(()), "{good}");
    }
    for bad in [
        "evloop::sync::Lock::release",
        "evloop::sync::Queue",
        "evloop::Lock",
        "evloop::nowhere::sleep",
        "evloop::ReturnWhen::Sometimes",
        "evloop::Task::take_result::more",
        "evloop::spawn(f)",
        "evloop::select!",
    ] {
        assert!(krate.check(bad).is_err(), "{bad} should be refused");
    }
}
