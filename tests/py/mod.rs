//! Reading `tests/cancellation/`: the Python originals and the lines they print.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use evloop::Cancelled;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cancellation")
}

/// Python's `e.args` of a `CancelledError`: `('msg',)` or `()`.
pub fn args(c: &Cancelled) -> String {
    match c.message() {
        Some(m) => format!("('{m}',)"),
        None => "()".to_string(),
    }
}

/// Python's spelling of a bool.
pub fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Asserts that `lines` are what `tests/cancellation/<name>.py` prints.
pub fn expect(name: &str, lines: &[String]) {
    let text = std::fs::read_to_string(dir().join(format!("{name}.txt"))).unwrap();
    let want: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines, want,
        "evloop's twin of {name}.py printed other lines"
    );
}

/// A CPython of 3.12 or newer (asyncio's cancellation rules as the tests check them; 3.11
/// orders a TaskGroup's children differently): `python3.13`, `python3.12`, pyenv's, or
/// `python3` if it is new enough.
fn python() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = vec!["python3.13".into(), "python3.12".into()];
    if let Some(home) = std::env::var_os("HOME") {
        let versions = PathBuf::from(home).join(".pyenv/versions");
        if let Ok(dirs) = std::fs::read_dir(&versions) {
            let mut found: Vec<PathBuf> = dirs
                .flatten()
                .map(|d| d.path().join("bin/python"))
                .collect();
            found.sort();
            candidates.extend(found.into_iter().rev());
        }
    }
    candidates.push("python3".into());
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import sys; print(sys.version_info >= (3, 12))"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "True")
    })
}

/// Re-runs each Python original (when a CPython 3.12+ is found) and checks that it still
/// prints its expected file.
pub fn check_python_originals(names: &[&str]) {
    let Some(python) = python() else {
        eprintln!("skipped: no CPython 3.12 or newer found");
        return;
    };
    for name in names {
        let out = Command::new(&python)
            .arg(dir().join(format!("{name}.py")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}.py failed: {out:?}");
        let want = std::fs::read_to_string(dir().join(format!("{name}.txt"))).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{name}.py");
    }
}
