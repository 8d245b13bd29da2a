//! What `tests/asyncio_mapping` knows of the crate: the public items, modules and macros of
//! `src/**/*.rs`, and the members of each type, read as text (nothing is parsed or
//! expanded; the limits are in the [crate docs](crate)).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::root;

/// Types the scanner cannot see the `impl` blocks of (made by a macro), and the type each
/// dereferences to.
const MACRO_DEREFS: &[(&str, &str)] = &[
    ("Queue", "BaseQueue"),
    ("LifoQueue", "BaseQueue"),
    ("PriorityQueue", "BaseQueue"),
];

/// What the scanner found in `src/`.
#[derive(Default)]
pub struct Crate {
    /// Each public item name (declared `pub`, or the last name of a `pub use`) and the
    /// files, relative to `src/`, that declare or re-export it.
    items: BTreeMap<String, Vec<PathBuf>>,
    /// Names declared `pub mod`.
    modules: BTreeSet<String>,
    /// Names declared by `macro_rules!`.
    macros: BTreeSet<String>,
    /// For each type or trait, the members found in its blocks.
    members: BTreeMap<String, BTreeSet<String>>,
    /// For each type, the types it dereferences to.
    derefs: BTreeMap<String, Vec<String>>,
    /// Where each item is declared `pub` at a file's top level: file (relative to `src/`)
    /// and line index, in scan order. Re-exports are not declarations.
    decls: BTreeMap<String, Vec<(PathBuf, usize)>>,
    /// Where each member of a type or trait is declared, as for `decls`.
    member_decls: BTreeMap<(String, String), Vec<(PathBuf, usize)>>,
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

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// `s` without a leading `<...>` (a `->` inside does not close it).
fn skip_generics(s: &str) -> &str {
    if !s.starts_with('<') {
        return s;
    }
    let (mut depth, mut prev) = (0, ' ');
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if prev != '-' => {
                depth -= 1;
                if depth == 0 {
                    return &s[i + 1..];
                }
            }
            _ => {}
        }
        prev = c;
    }
    ""
}

/// The type or trait a block header is about: `impl<T> Trait for a::Type<T>` gives `Type`.
fn block_owner(header: &str) -> (&'static str, String) {
    for (prefix, kind) in [
        ("pub trait ", "trait"),
        ("pub struct ", "struct"),
        ("pub enum ", "enum"),
    ] {
        if let Some(rest) = header.strip_prefix(prefix) {
            return (kind, ident(rest).to_string());
        }
    }
    let rest = skip_generics(header.trim_start_matches("impl")).trim();
    let rest = rest
        .split(" where")
        .next()
        .unwrap()
        .trim_end_matches('{')
        .trim();
    let (kind, ty) = match rest.split_once(" for ") {
        Some((_, ty)) => ("trait impl", ty),
        None => ("impl", rest),
    };
    let ty = ty
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim_start_matches("dyn ");
    let path = ty.split(['<', ' ', '{']).next().unwrap();
    (kind, path.rsplit("::").next().unwrap().to_string())
}

/// The member a line directly inside a block of `kind` declares, if any.
fn member(kind: &str, line: &str) -> Option<String> {
    let line = line
        .trim_start_matches("pub const ")
        .trim_start_matches("const ");
    let fn_name = |l: &str| {
        let l = l.trim_start_matches("async ").trim_start_matches("unsafe ");
        l.strip_prefix("fn ").map(|r| ident(r).to_string())
    };
    match kind {
        "impl" => line.strip_prefix("pub ").and_then(fn_name),
        "trait" | "trait impl" => fn_name(line),
        "struct" => {
            let rest = line.strip_prefix("pub ")?;
            let name = ident(rest);
            rest[name.len()..]
                .starts_with(':')
                .then(|| name.to_string())
        }
        _ => {
            let name = ident(line);
            let variant = name.starts_with(|c: char| c.is_ascii_uppercase())
                && matches!(
                    line[name.len()..].chars().next(),
                    Some(',' | ' ' | '(') | None
                );
            variant.then(|| name.to_string())
        }
    }
}

impl Crate {
    pub fn scan() -> Crate {
        let src = root().join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut krate = Crate::default();
        for path in files {
            let rel = path.strip_prefix(&src).unwrap().to_path_buf();
            krate.scan_file(&rel, &std::fs::read_to_string(&path).unwrap());
        }
        krate
    }

    fn scan_file(&mut self, rel: &Path, text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        let mut use_stmt = String::new();
        for (i, raw) in lines.iter().enumerate() {
            let line = raw.trim();
            if line.starts_with("//") {
                continue;
            }
            // `pub use a::{b, c as d};`, possibly over several lines: b and d.
            if line.starts_with("pub use ") || !use_stmt.is_empty() {
                use_stmt.push_str(line);
                if line.ends_with(';') {
                    let body = use_stmt["pub use ".len()..].trim_end_matches(';');
                    for leaf in body.split([',', '{', '}']) {
                        let leaf = leaf.rsplit(" as ").next().unwrap().trim();
                        let name = leaf.rsplit("::").next().unwrap();
                        if !name.is_empty() && name != "self" {
                            self.add_item(name, rel);
                        }
                    }
                    use_stmt.clear();
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("macro_rules! ") {
                self.macros.insert(ident(rest).to_string());
            }
            if let Some(rest) = line.strip_prefix("pub ") {
                let mut rest = rest;
                for word in ["async ", "const ", "unsafe "] {
                    rest = rest.strip_prefix(word).unwrap_or(rest);
                }
                for kw in [
                    "fn ", "struct ", "enum ", "trait ", "type ", "const ", "static ", "mod ",
                ] {
                    if let Some(r) = rest.strip_prefix(kw) {
                        self.add_item(ident(r), rel);
                        if !raw.starts_with(' ') {
                            let at = (rel.to_path_buf(), i);
                            self.decls.entry(ident(r).to_string()).or_default().push(at);
                        }
                        if kw == "mod " {
                            self.modules.insert(ident(r).to_string());
                        }
                    }
                }
            }
            let opens = ["impl<", "impl ", "pub trait ", "pub struct ", "pub enum "];
            if opens.iter().any(|o| line.starts_with(o)) {
                self.scan_block(rel, &lines, i);
            }
        }
    }

    fn add_item(&mut self, name: &str, rel: &Path) {
        self.items
            .entry(name.to_string())
            .or_default()
            .push(rel.to_path_buf());
    }

    /// Records the members of the block whose header starts at line `start`.
    fn scan_block(&mut self, rel: &Path, lines: &[&str], start: usize) {
        let indent = &lines[start][..lines[start].len() - lines[start].trim_start().len()];
        let mut header = String::new();
        let mut body = start;
        for (j, l) in lines.iter().enumerate().skip(start) {
            header.push_str(l.trim());
            header.push(' ');
            if l.trim_end().ends_with(';') {
                return; // `pub struct A(B);`
            }
            if l.trim_end().ends_with('{') {
                body = j + 1;
                break;
            }
        }
        let (kind, owner) = block_owner(header.trim());
        if owner.is_empty() {
            return;
        }
        let close = format!("{indent}}}");
        let inner = format!("{indent}    ");
        for (j, l) in lines
            .iter()
            .enumerate()
            .skip(body)
            .take_while(|(_, l)| l.trim_end() != close)
        {
            let Some(code) = l
                .strip_prefix(&inner)
                .filter(|c| !c.starts_with([' ', '/', '#']))
            else {
                continue;
            };
            if let Some(target) = code.strip_prefix("type Target = ") {
                let target = ident(target).to_string();
                self.derefs.entry(owner.clone()).or_default().push(target);
            } else if let Some(m) = member(kind, code) {
                let key = (owner.clone(), m.clone());
                let at = (rel.to_path_buf(), j);
                self.member_decls.entry(key).or_default().push(at);
                self.members.entry(owner.clone()).or_default().insert(m);
            }
        }
    }

    /// `ty` and the types it dereferences to, directly or not.
    fn deref_chain(&self, ty: &str) -> Vec<String> {
        let mut todo = vec![ty.to_string()];
        let mut seen = Vec::new();
        while let Some(t) = todo.pop() {
            if seen.contains(&t) {
                continue;
            }
            todo.extend(self.derefs.get(&t).into_iter().flatten().cloned());
            todo.extend(
                MACRO_DEREFS
                    .iter()
                    .filter(|(a, _)| *a == t)
                    .map(|(_, b)| b.to_string()),
            );
            seen.push(t);
        }
        seen
    }

    /// Whether `ty`, or a type it dereferences to, has `name` as a member.
    fn has_member(&self, ty: &str, name: &str) -> bool {
        let chain = self.deref_chain(ty);
        let has = |t: &String| self.members.get(t).is_some_and(|m| m.contains(name));
        chain.iter().any(has)
    }

    /// Where the item `path` (`evloop::…`, not a macro) is declared: file (relative to
    /// `src/`) and line index. Declarations in a file of the path's module come first and,
    /// if there are any, alone; otherwise every declaration of that name (a root path such
    /// as `evloop::spawn` is re-exported from elsewhere, so its twins of the same name, like
    /// `process::spawn`, are candidates too).
    pub fn declarations(&self, path: &str) -> Vec<(PathBuf, usize)> {
        let segs: Vec<&str> = path.trim_start_matches("evloop::").split("::").collect();
        let upper = |s: &str| s.starts_with(|c: char| c.is_ascii_uppercase());
        let at = segs.iter().position(|s| upper(s)).unwrap_or(segs.len() - 1);
        let (modules, item) = (&segs[..at], segs[at]);
        let all: Vec<(PathBuf, usize)> = match segs.get(at + 1) {
            None => self.decls.get(item).cloned().unwrap_or_default(),
            Some(m) => self
                .deref_chain(item)
                .into_iter()
                .flat_map(|t| self.member_decls.get(&(t, m.to_string())).cloned())
                .flatten()
                .collect(),
        };
        let here: Vec<_> = match modules.last() {
            None => all.clone(),
            Some(m) => all
                .iter()
                .filter(|(f, _)| {
                    f.iter()
                        .any(|c| c == *m || c.to_str() == Some(&format!("{m}.rs")))
                })
                .cloned()
                .collect(),
        };
        if here.is_empty() { all } else { here }
    }

    /// Checks that `path` (`evloop::…`) names an item of the crate; see the module docs.
    pub fn check(&self, path: &str) -> Result<(), String> {
        let rest = path
            .strip_prefix("evloop::")
            .ok_or("does not start with evloop::")?;
        if let Some(name) = rest.strip_suffix('!') {
            return match self.macros.contains(name) {
                true => Ok(()),
                false => Err(format!("no `macro_rules! {name}`")),
            };
        }
        let segs: Vec<&str> = rest.split("::").collect();
        if segs.iter().any(|s| s.is_empty() || ident(s) != *s) {
            return Err("is not a bare path".into());
        }
        let upper = |s: &str| s.starts_with(|c: char| c.is_ascii_uppercase());
        let at = segs.iter().position(|s| upper(s)).unwrap_or(segs.len() - 1);
        let (modules, item, member) = (&segs[..at], segs[at], segs.get(at + 1));
        if segs.len() > at + 2 {
            return Err(format!("`{}` after a member", segs[at + 2]));
        }
        for m in modules {
            if !self.modules.contains(*m) && !self.items.contains_key(*m) {
                return Err(format!("no public module `{m}`"));
            }
        }
        let in_module = |f: &PathBuf| match modules.last() {
            None => f == Path::new("lib.rs"),
            Some(m) => f
                .iter()
                .any(|c| c == *m || c.to_str() == Some(&format!("{m}.rs"))),
        };
        let files = self.items.get(item).map(Vec::as_slice).unwrap_or_default();
        if !files.iter().any(in_module) {
            let module = modules.last().unwrap_or(&"the crate root");
            return Err(format!(
                "no public `{item}` declared or re-exported in `{module}`"
            ));
        }
        match member {
            Some(m) if !self.has_member(item, m) => Err(format!("`{item}` has no member `{m}`")),
            _ => Ok(()),
        }
    }
}
