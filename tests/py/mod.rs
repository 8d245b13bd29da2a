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
    assert_eq!(lines, want, "evloop's twin of {name}.py printed other lines");
}

/// Re-runs each Python original (when `python3` is 3.11 or newer) and checks that it still
/// prints its expected file.
pub fn check_python_originals(names: &[&str]) {
    let Ok(v) = Command::new("python3")
        .args(["-c", "import sys; print(sys.version_info >= (3, 11))"])
        .output()
    else {
        eprintln!("skipped: no python3 on PATH");
        return;
    };
    if String::from_utf8_lossy(&v.stdout).trim() != "True" {
        eprintln!("skipped: python3 is older than 3.11");
        return;
    }
    for name in names {
        let out = Command::new("python3")
            .arg(dir().join(format!("{name}.py")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}.py failed: {out:?}");
        let want = std::fs::read_to_string(dir().join(format!("{name}.txt"))).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{name}.py");
    }
}
