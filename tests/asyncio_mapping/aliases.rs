//! Issue 25, point 4 ("Findable"): an evloop item that stands for an asyncio name under
//! another name carries that name as a `#[doc(alias = "…")]`, so rustdoc's search box finds
//! it from asyncio's spelling.
//!
//! For each `same`, `renamed` or `differs` row of the "Names" table, each `evloop::…` path that
//! ends in another name than the asyncio name's last segment (`asyncio.create_task` →
//! `evloop::spawn`), the item's declaration is found with [`Crate::declarations`] and the
//! attributes right above it must hold `doc(alias = "create_task")` or a
//! `doc(alias("create_task", …))` list naming it. Rows where no alias can be added are in
//! [`EXCEPTIONS`], each with its reason.

use crate::scan::Crate;
use crate::{backticked, read, root, rows};

/// Rows (by asyncio name) that need no alias check, and why. Empty for now: every row the
/// test covers has an item of evloop's own that can carry the alias. A row belongs here only
/// when no alias can be added (the item is a re-export of a foreign type, say); rows whose
/// item has the asyncio name already are skipped without being listed, since rustdoc refuses
/// an alias equal to the item's own name.
const EXCEPTIONS: &[(&str, &str)] = &[];

/// The aliases named by the attribute lines right above line index `at` of `text`
/// (attributes, doc comments and the inside of a multi-line attribute).
pub fn aliases_above(text: &str, at: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut attrs = Vec::new();
    for l in lines[..at].iter().rev().map(|l| l.trim()) {
        let attr_part = l.starts_with('#')
            || l.starts_with("//")
            || l.starts_with('"')
            || l.starts_with(')')
            || l.ends_with('(');
        if !attr_part {
            break;
        }
        attrs.push(l);
    }
    attrs.reverse();
    let attrs = attrs.join(" ");
    let mut out = Vec::new();
    for part in attrs.split("doc(alias").skip(1) {
        let args = part.split(')').next().unwrap_or_default();
        out.extend(backquoted(args));
    }
    out
}

/// The text of each `"…"` string of `s`.
fn backquoted(s: &str) -> Vec<String> {
    s.split('"').skip(1).step_by(2).map(String::from).collect()
}

/// The segment of an asyncio name an asyncio user types: `Semaphore.locked` gives `locked`.
fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap()
}

/// Whether a declaration of `path` has `want` among the aliases above it.
fn has_alias(krate: &Crate, path: &str, want: &str) -> Result<(), String> {
    let decls = krate.declarations(path);
    if decls.is_empty() {
        return Err(format!("`{path}`: no declaration found"));
    }
    let found = decls.iter().any(|(file, at)| {
        let text = std::fs::read_to_string(root().join("src").join(file)).unwrap();
        aliases_above(&text, *at).iter().any(|a| a == want)
    });
    let at: Vec<_> = decls
        .iter()
        .map(|(f, l)| format!("src/{}:{}", f.display(), l + 1))
        .collect();
    match found {
        true => Ok(()),
        false => Err(format!(
            "`{path}` ({}) has no #[doc(alias = \"{want}\")]",
            at.join(", ")
        )),
    }
}

#[test]
fn every_item_named_otherwise_carries_its_asyncio_spelling_as_a_doc_alias() {
    let krate = Crate::scan();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for r in rows(&read("docs/asyncio-mapping.md")) {
        // `prevented` rows name the item that makes the call impossible, not one that
        // stands for it; `n/a` and `missing` rows name none.
        let stands_for = matches!(r.status.as_str(), "same" | "renamed" | "differs");
        if !stands_for || EXCEPTIONS.iter().any(|(n, _)| *n == r.name) {
            continue;
        }
        let want = last_segment(&r.name);
        for path in backticked(&r.evloop) {
            // Skip what is not a path, a macro, and an item named as asyncio names it
            // (rustdoc refuses an alias equal to the item's own name).
            let named = path.rsplit("::").next() == Some(want);
            if !path.starts_with("evloop::") || path.ends_with('!') || named {
                continue;
            }
            checked += 1;
            if let Err(why) = has_alias(&krate, path, want) {
                wrong.push(format!("line {} (`{}`): {why}", r.line, r.name));
            }
        }
    }
    assert!(
        checked > 40,
        "only {checked} paths checked: is the table read?"
    );
    assert!(
        wrong.is_empty(),
        "items missing their asyncio alias:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_exceptions_name_rows_of_the_table() {
    let rows = rows(&read("docs/asyncio-mapping.md"));
    for (name, why) in EXCEPTIONS {
        assert!(!why.is_empty(), "{name}: say why");
        assert!(rows.iter().any(|r| r.name == *name), "{name}: no such row");
    }
}

#[test]
fn the_alias_reader_sees_both_forms_and_only_the_attributes_above() {
    let text = "\
pub struct Other;
#[doc(alias = \"not_mine\")]
pub fn other() {}

/// Docs.
#[doc(alias = \"create_task\")]
#[doc(alias(\"spawn_local\", \"asyncio.create_task\"))]
#[doc(alias(
    \"JoinHandle\",
))]
#[must_use]
pub fn spawn() {}
";
    let at = text.lines().position(|l| l == "pub fn spawn() {}").unwrap();
    let got = aliases_above(text, at);
    let want = [
        "create_task",
        "spawn_local",
        "asyncio.create_task",
        "JoinHandle",
    ];
    assert_eq!(got, want);
    let other = text.lines().position(|l| l == "pub fn other() {}").unwrap();
    assert_eq!(aliases_above(text, other), ["not_mine"]);
    assert!(
        aliases_above(text, 1).is_empty(),
        "nothing above `#[doc` line"
    );
}
