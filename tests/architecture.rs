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

/// The layers of `src/`, lowest first: a file may import its own folder and those below it.
const LAYERS: &[&str] = &[
    "error",
    "driver",
    "task",
    "observe",
    "event_loop",
    "coordination",
    "io",
    "system",
    "ext",
];

/// The layer of a name at the crate root: a folder, a module re-exported from one, or an
/// item re-exported from such a module (as the `use` statements of `src/lib.rs` say).
fn root_names() -> Vec<(String, usize)> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    // Each `pub use a::b::{c, d};` (possibly over several lines) as (first segment, items).
    let mut statements: Vec<(String, Vec<String>)> = Vec::new();
    let mut statement = String::new();
    for line in lib.lines().map(str::trim) {
        let starts = line.starts_with("pub use") || line.starts_with("pub(crate) use");
        if statement.is_empty() && !starts {
            continue;
        }
        statement.push_str(line);
        statement.push(' ');
        if !line.ends_with(';') {
            continue;
        }
        let path = statement
            .split_once("use ")
            .unwrap()
            .1
            .trim()
            .trim_end_matches(';');
        let (first, rest) = path.split_once("::").unwrap_or((path, ""));
        let items = rest.rsplit("::").next().unwrap_or(rest);
        let items = items
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|i| !i.is_empty() && *i != "self")
            .map(str::to_string)
            .collect();
        statements.push((first.trim().to_string(), items));
        statement.clear();
    }
    let mut names: Vec<(String, usize)> = LAYERS
        .iter()
        .enumerate()
        .map(|(i, l)| (l.to_string(), i))
        .collect();
    // Twice: a module re-exported from a folder, then the items re-exported from it.
    for _ in 0..2 {
        for (first, items) in &statements {
            let Some(layer) = names.iter().find(|(n, _)| n == first).map(|(_, l)| *l) else {
                continue;
            };
            for item in items {
                if !names.iter().any(|(n, _)| n == item) {
                    names.push((item.clone(), layer));
                }
            }
        }
    }
    names
}

/// Every `crate::name` in the code of `text` (comments and `#[cfg(test)]` modules left out).
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((i + 1, name));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::` paths of `text` (a file of layer `own`) that name a higher layer.
fn upward_paths(
    own: usize,
    text: &str,
    layer_of: &dyn Fn(&str) -> Option<usize>,
) -> Vec<(usize, String, usize)> {
    crate_paths(text)
        .into_iter()
        .filter_map(|(line, name)| {
            let target = layer_of(&name)?;
            (target > own).then_some((line, name, target))
        })
        .collect()
}

#[test]
fn imports_flow_down_the_layers() {
    let names = root_names();
    let layer_of = |name: &str| names.iter().find(|(n, _)| n == name).map(|(_, l)| *l);
    let layer_of: &dyn Fn(&str) -> Option<usize> = &layer_of;
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut upward = Vec::new();
    for file in files {
        let rel = file.strip_prefix(root().join("src")).unwrap();
        let folder = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let Some(own) = LAYERS.iter().position(|l| *l == folder) else {
            continue; // src/lib.rs: the public API, above every layer
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, name, target) in upward_paths(own, &text, layer_of) {
            upward.push(format!(
                "src/{}:{line}: {} imports crate::{name} ({})",
                rel.display(),
                LAYERS[own],
                LAYERS[target]
            ));
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_layer_check_sees_what_lib_rs_re_exports() {
    let names = root_names();
    let layer = |n: &str| names.iter().find(|(m, _)| m == n).map(|(_, l)| LAYERS[*l]);
    assert_eq!(layer("sync"), Some("coordination"));
    assert_eq!(layer("spawn"), Some("event_loop"));
    assert_eq!(layer("run"), Some("system"));
    assert_eq!(layer("TaskError"), Some("error"));
    assert_eq!(layer("timers"), Some("driver"));
    assert_eq!(layer("sleep"), Some("coordination"));
}

#[test]
fn the_layer_check_catches_an_upward_import() {
    let names = root_names();
    let layer_of = |name: &str| names.iter().find(|(n, _)| n == name).map(|(_, l)| *l);
    let driver = LAYERS.iter().position(|l| *l == "driver").unwrap();
    let file = "use crate::error::LoopError;\nfn f() { crate::sleep(d); }\n// crate::net in a comment\nuse crate::net::TcpStream;\n#[cfg(test)]\nmod tests { use crate::run; }\n";
    let found: Vec<(usize, String)> = upward_paths(driver, file, &layer_of)
        .into_iter()
        .map(|(line, name, _)| (line, name))
        .collect();
    assert_eq!(found, [(2, "sleep".to_string()), (4, "net".to_string())]);
}

/// A module and the sibling modules it imports.
type Edges = (String, Vec<String>);

/// The files of each folder of `src/` (as module names) and, for each, the sibling modules
/// it names through `super::` (outside comments and `#[cfg(test)]` modules).
fn sibling_imports() -> Vec<(std::path::PathBuf, Vec<Edges>)> {
    let mut folders = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        let mut modules = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
                modules.push((
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    path.join("mod.rs"),
                ));
            } else if path.extension().is_some_and(|e| e == "rs")
                && !["mod.rs", "lib.rs"].contains(&&*path.file_name().unwrap().to_string_lossy())
            {
                modules.push((
                    path.file_stem().unwrap().to_string_lossy().into_owned(),
                    path,
                ));
            }
        }
        let names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
        let mut edges = Vec::new();
        for (name, file) in &modules {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let mut targets = Vec::new();
            for line in text.lines() {
                if line.trim_start().starts_with("#[cfg(test)]") {
                    break;
                }
                let code = line.split("//").next().unwrap_or("");
                for part in code.split("super::").skip(1) {
                    // `super::name`, or each name of `super::{a, b::C}`.
                    let group = part
                        .strip_prefix('{')
                        .map_or(part, |g| g.split('}').next().unwrap());
                    for item in group.split(',') {
                        let first: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if first != *name && names.contains(&first) && !targets.contains(&first) {
                            targets.push(first);
                        }
                    }
                }
            }
            edges.push((name.clone(), targets));
        }
        folders.push((dir, edges));
    }
    folders
}

/// The strongly connected groups of a small graph (Tarjan's algorithm).
fn circles(edges: &[Edges]) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a [Edges],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(w: &mut Walk<'_>, v: usize) {
        w.index[v] = Some(w.next);
        w.low[v] = w.next;
        w.next += 1;
        w.stack.push(v);
        w.on_stack[v] = true;
        for target in &w.edges[v].1 {
            let Some(u) = w.edges.iter().position(|(n, _)| n == target) else {
                continue;
            };
            match w.index[u] {
                None => {
                    visit(w, u);
                    w.low[v] = w.low[v].min(w.low[u]);
                }
                Some(i) if w.on_stack[u] => w.low[v] = w.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(w.low[v]) == w.index[v] {
            let mut group = Vec::new();
            while let Some(u) = w.stack.pop() {
                w.on_stack[u] = false;
                group.push(w.edges[u].0.clone());
                if u == v {
                    break;
                }
            }
            w.out.push(group);
        }
    }
    let n = edges.len();
    let mut w = Walk {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if w.index[v].is_none() {
            visit(&mut w, v);
        }
    }
    w.out
}

#[test]
fn no_circle_of_more_than_two_files_inside_a_folder() {
    let mut found = Vec::new();
    for (dir, edges) in sibling_imports() {
        for group in circles(&edges) {
            if group.len() > 2 {
                found.push(format!(
                    "{}: {}",
                    dir.strip_prefix(root()).unwrap_or(&dir).display(),
                    group.join(", ")
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "import circles of three or more files:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_circle_check_finds_a_circle() {
    let edge = |n: &str, t: &[&str]| (n.to_string(), t.iter().map(|s| s.to_string()).collect());
    let three = [
        edge("a", &["b"]),
        edge("b", &["c"]),
        edge("c", &["a"]),
        edge("d", &["a"]),
    ];
    let big: Vec<_> = circles(&three)
        .into_iter()
        .filter(|g| g.len() > 1)
        .collect();
    assert_eq!(big.len(), 1);
    assert_eq!(big[0].len(), 3);
    let pair = [edge("a", &["b"]), edge("b", &["a"])];
    assert!(circles(&pair).iter().all(|g| g.len() <= 2));
}

/// The modules no code outside the crate could name (`pub(crate) mod x;` anywhere in src/).
fn crate_private_modules() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut names = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix("pub(crate) mod ") {
                names.push(rest.trim_end_matches(';').trim().to_string());
            }
        }
    }
    names
}

/// The `crate::` paths of `text` that go through a module of `private` (paths into `ext`
/// itself are its own business).
fn private_paths(text: &str, private: &[String]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for path in code.split("crate::").skip(1) {
            let segments: Vec<&str> = path
                .split("::")
                .map(|s| {
                    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap()
                })
                .take_while(|s| !s.is_empty())
                .collect();
            if segments.first() == Some(&"ext") {
                continue;
            }
            if segments.iter().any(|s| private.iter().any(|m| m == s)) {
                found.push((i + 1, segments.join("::")));
            }
        }
    }
    found
}

#[test]
fn ext_uses_only_the_public_api() {
    let private = crate_private_modules();
    let mut files = Vec::new();
    rust_files(&root().join("src/ext"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, path) in private_paths(&text, &private) {
            let file = file.strip_prefix(root()).unwrap().display().to_string();
            found.push(format!("{file}:{line}: crate::{path}"));
        }
    }
    assert!(
        found.is_empty(),
        "ext reaches crate-private code:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_private_path_check_sees_a_private_module() {
    let private = crate_private_modules();
    assert!(
        private.iter().any(|m| m == "core"),
        "the scan found no private module"
    );
    let text = "use crate::Queue;\nuse crate::event_loop::core::Core;\nuse crate::ext::msg::Cmd;\n";
    assert_eq!(
        private_paths(text, &private),
        [(2, "event_loop::core::Core".to_string())]
    );
}
