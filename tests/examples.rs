//! Every seed example's Rust twin prints what its Python original prints.
//!
//! `tests/expected/<name>.txt` holds the output of `examples/python/<name>.py` under CPython
//! 3.11. One test runs each Rust example and compares; another runs the Python (when a
//! `python3` is on the PATH) and checks the expected files still are its output. Both run the
//! programs in parallel threads, since several sleep for real seconds, as the originals do.
//! For the same reason every slow run of this file starts together (`head_start`): the test
//! harness runs only as many tests at once as the machine has cores.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread::{self, JoinHandle};

const EXAMPLES: &[&str] = &[
    "call_soon_then_stop",
    "create_task_until_complete",
    "countdown_interleaving",
    "generator_as_coroutine",
    "run_until_complete_hello",
    "call_soon_call_later",
    "ensure_future_then_await",
    "run_entry_point",
    "concurrent_tasks",
    "task_errors",
    "cancel_with_cleanup",
    "gather_in_order",
    "wait_for_timeout",
    "wait_first_completed",
    "async_iterator",
    "async_generator",
    "async_with_exit_paths",
    "asynccontextmanager_closure",
    "queue_puts_run_later",
    "queue_workers_take_turns",
];

/// Python-twinned examples behind a feature (`process`, on Unix).
const PROCESS_EXAMPLES: &[&str] = &["subprocess_sort"];

/// Python-twinned examples behind the `executor` feature.
const EXECUTOR_EXAMPLES: &[&str] = &["run_in_executor"];

/// The Python-twinned examples this build has: the seeds', plus those behind a feature.
fn examples() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut all = EXAMPLES.to_vec();
    #[cfg(all(unix, feature = "process"))]
    all.extend(PROCESS_EXAMPLES);
    #[cfg(feature = "executor")]
    all.extend(EXECUTOR_EXAMPLES);
    all
}

/// Twins of seed 000's TEN snippets: their Python needs the TEN runtime, so the expected
/// output is the behaviour the seed describes, checked here without a Python run.
const TEN_EXAMPLES: &[&str] = &["extension_forwards_cmd", "extension_queue_consumer"];

/// The I/O examples (feature `net`), with expected output but no Python twin.
const IO_EXAMPLES: &[&str] = &[
    "echo_streams",
    "port_scanner",
    "echo_protocol",
    "chat_server",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/expected").join(format!("{name}.txt")))
        .unwrap_or_else(|e| panic!("expected output for {name}: {e}"))
}

/// The example binary cargo built next to this test (`target/<profile>/examples/<name>`), or
/// `cargo run --example` if it is not there.
fn example_command(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join("examples").join(name);
    if bin.exists() {
        Command::new(bin)
    } else {
        // Not built by this `cargo test` (a filtered run): cargo builds it, with the feature
        // it requires beyond the defaults.
        let mut c = Command::new(env!("CARGO"));
        c.args(["run", "--quiet", "--example", name]);
        match name {
            "hyper_server" => c.args(["--features", "hyper"]),
            "tls_echo" => c.args(["--features", "tls"]),
            _ => &mut c,
        };
        c.arg("--");
        c.current_dir(root());
        c
    }
}

/// Runs every command in parallel; returns (name, stdout) pairs, failing on a bad exit.
fn run_all(cmds: Vec<(&'static str, Command)>) -> Vec<(&'static str, String)> {
    let handles: Vec<_> = cmds
        .into_iter()
        .map(|(name, mut cmd)| {
            thread::spawn(move || {
                let out = cmd.output().unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(
                    out.status.success(),
                    "{name} failed: {}\n{}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                );
                (name, String::from_utf8(out.stdout).unwrap())
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// What a batch of runs printed: (name, stdout) pairs.
type Outputs = Vec<(&'static str, String)>;

/// The slow batches of this file, by name: the commands of each.
fn slow_batches() -> Vec<(&'static str, Vec<(&'static str, Command)>)> {
    let named = |names: &[&'static str]| -> Vec<(&'static str, Command)> {
        names.iter().map(|&n| (n, example_command(n))).collect()
    };
    #[allow(unused_mut)]
    let mut batches = vec![("rust", named(&examples()))];
    if let Some(python) = python() {
        let runs = examples()
            .into_iter()
            .map(|name| {
                let mut c = Command::new(python);
                c.args(["-W", "ignore"])
                    .arg(root().join("examples/python").join(format!("{name}.py")));
                (name, c)
            })
            .collect();
        batches.push(("python", runs));
    }
    #[cfg(feature = "ext")]
    batches.extend([("ten", named(TEN_EXAMPLES)), ("demo", named(&["demo"]))]);
    #[cfg(feature = "trace")]
    {
        let _ = std::fs::remove_dir_all(timeline_dir());
        let mut cmd = example_command("timeline");
        cmd.arg(timeline_dir());
        batches.push(("timeline", vec![("timeline", cmd)]));
    }
    #[cfg(all(target_os = "linux", feature = "net"))]
    {
        let mut cmd = example_command("soak");
        cmd.args(["--seconds", "6", "--warmup", "2", "--interval", "2"]);
        batches.push(("soak", vec![("soak", cmd)]));
    }
    batches
}

/// The outputs of one slow batch. The first call starts every batch, each in its own thread,
/// so they all run at once whatever order the harness runs the tests in; `None` if this build
/// has no such batch (no `python3`).
fn head_start(batch: &str) -> Option<Outputs> {
    static RUNS: OnceLock<Mutex<HashMap<&'static str, JoinHandle<Outputs>>>> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        let batches = slow_batches();
        *lock(&RUNNING) = batches.len();
        let started = batches
            .into_iter()
            .map(|(name, cmds)| {
                let handle = thread::spawn(move || {
                    let _ended = Ended;
                    run_all(cmds)
                });
                (name, handle)
            })
            .collect();
        Mutex::new(started)
    });
    let handle = lock(runs).remove(batch)?;
    Some(
        handle
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e)),
    )
}

/// Slow batches still running, and the signal that one ended.
static RUNNING: Mutex<usize> = Mutex::new(0);
static ENDED: Condvar = Condvar::new();

/// Counts a batch's thread out when it ends, however it ends.
struct Ended;

impl Drop for Ended {
    fn drop(&mut self) {
        *lock(&RUNNING) -= 1;
        ENDED.notify_all();
    }
}

/// Returns once every slow batch has ended (starting them if no test has yet).
#[cfg(feature = "net")]
fn head_start_ended() {
    let _ = head_start("");
    let mut running = lock(&RUNNING);
    while *running > 0 {
        running = ENDED.wait(running).unwrap_or_else(|e| e.into_inner());
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The Python interpreter on the PATH, if there is one.
fn python() -> Option<&'static str> {
    ["python3", "python"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok())
}

#[test]
fn rust_examples_print_what_the_python_prints() {
    for (name, stdout) in head_start("rust").unwrap() {
        assert_eq!(
            stdout,
            expected(name),
            "{name}: output differs from Python's"
        );
    }
}

#[cfg(feature = "ext")]
#[test]
fn ten_examples_print_what_the_seed_describes() {
    for (name, stdout) in head_start("ten").unwrap() {
        assert_eq!(stdout, expected(name), "{name}: output differs");
    }
}

/// The I/O examples print deterministic lines (ports are picked by the OS, not printed).
#[cfg(feature = "net")]
#[test]
fn io_examples_print_their_expected_output() {
    // The port scanner connects to the ports around its own listeners, which may be a port
    // another example is serving on: it runs alone, after the others.
    #[allow(unused_mut)]
    let mut names = IO_EXAMPLES.to_vec();
    // The TLS twin of `echo_streams` (feature `tls`).
    #[cfg(feature = "tls")]
    names.push("tls_echo");
    let (scanner, others): (Vec<&str>, Vec<&str>) =
        names.into_iter().partition(|&name| name == "port_scanner");
    let batch = |names: Vec<&'static str>| {
        run_all(
            names
                .into_iter()
                .map(|name| (name, example_command(name)))
                .collect(),
        )
    };
    let others = batch(others);
    // The slow batches serve on ports too (the soak test's clients and server).
    head_start_ended();
    let outputs = others.into_iter().chain(batch(scanner));
    for (name, stdout) in outputs {
        // Server and client share the loop; only each one's own lines have a fixed order.
        assert_eq!(
            by_speaker(&stdout),
            by_speaker(&expected(name)),
            "{name}: output differs"
        );
    }
}

/// The lines of each speaker (`server: `, `client: ` or none), in order.
#[cfg(feature = "net")]
fn by_speaker(out: &str) -> Vec<(&str, Vec<&str>)> {
    let mut speakers: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in out.lines() {
        let who = line.split_once(": ").map_or("", |(w, _)| w);
        let who = if who == "server" || who == "client" {
            who
        } else {
            ""
        };
        match speakers.iter_mut().find(|(w, _)| *w == who) {
            Some((_, lines)) => lines.push(line),
            None => speakers.push((who, vec![line])),
        }
    }
    speakers.sort_by_key(|(w, _)| *w);
    speakers
}

/// The README's main demo: the loop's turns, then the voice pipeline with barge-in.
#[cfg(feature = "ext")]
#[test]
fn the_main_demo_shows_the_loop_and_the_extension_runtime() {
    let (_, out) = head_start("demo").unwrap().remove(0);
    for line in [
        "turn  1 | call_soon #1",
        "sleeper: cancelled, cleanup runs as its future is dropped",
        "exception handler: Exception in callback",
        "asr      heard \"what's the weather\"",
        "asr      user barges in -> flush",
        "llm      flush: answer cancelled mid-sentence",
        "tts      flush: pending speech dropped",
        "asr      heard \"stop tell a joke\"",
        "speaker  plays \"cancelled.\"",
        "app      closed: every extension stopped and deinitialised",
    ] {
        assert!(out.contains(line), "demo output lacks {line:?}:\n{out}");
    }
}

/// `examples/timeline.rs`: the seed programs print what they always print, and the pictures
/// they record are written, well-formed, with one lane per task.
#[cfg(feature = "trace")]
#[test]
fn the_timeline_example_records_the_seed_programs() {
    let dir = timeline_dir();
    let (_, out) = head_start("timeline").unwrap().remove(0);
    assert!(
        out.starts_with(&expected("countdown_interleaving")),
        "{out}"
    );
    assert!(out.contains(&expected("gather_in_order")), "{out}");
    // Countdowns: the main task and two countdowns; gather: the main task and three fetches.
    for (name, lanes) in [("countdown", 3), ("gather", 4)] {
        let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let found = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("lane"))
            .count();
        assert_eq!(found, lanes, "{name}.svg");
        let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        let trace: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(trace["traceEvents"].as_array().unwrap().len() > 10);
        assert!(dir.join(format!("{name}.html")).exists());
    }
}

/// Where the timeline example writes its pictures.
#[cfg(feature = "trace")]
fn timeline_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("timeline-example")
}

#[test]
fn expected_outputs_are_the_python_outputs() {
    let Some(outputs) = head_start("python") else {
        eprintln!("skipped: no python3 on PATH to re-run the Python originals");
        return;
    };
    for (name, stdout) in outputs {
        assert_eq!(stdout, expected(name), "{name}: expected file is stale");
    }
}

#[test]
fn every_example_has_a_python_twin_and_an_expected_output() {
    for name in examples() {
        assert!(root().join("examples").join(format!("{name}.rs")).exists());
        assert!(
            root()
                .join("examples/python")
                .join(format!("{name}.py"))
                .exists()
        );
        assert!(
            root()
                .join("tests/expected")
                .join(format!("{name}.txt"))
                .exists()
        );
    }
}

/// A row of the table in `docs/examples.md`: where the example comes from, and the files it
/// names, as paths from the repository root (`None` for "—").
struct Row {
    source: String,
    rust: String,
    python: Option<String>,
    expected: Option<String>,
}

/// The rows of the table in `docs/examples.md`, the header row left out.
fn examples_table() -> Vec<Row> {
    let text = std::fs::read_to_string(root().join("docs/examples.md")).unwrap();
    // A cell is "—" or a link `[name](../path)`, relative to docs/.
    let file = |cell: &str| -> Option<String> {
        if cell == "—" {
            return None;
        }
        let target = cell
            .split_once("](")
            .and_then(|(_, t)| t.strip_suffix(')'))
            .unwrap_or_else(|| panic!("docs/examples.md: {cell:?} is not a link or —"));
        Some(target.strip_prefix("../").unwrap_or(target).to_string())
    };
    text.lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let [source, _shows, rust, python, expected] = cells[..] else {
                panic!("docs/examples.md: a row needs five cells: {line}");
            };
            Row {
                source: source.to_string(),
                rust: file(rust).unwrap_or_else(|| panic!("no Rust example in: {line}")),
                python: file(python),
                expected: file(expected),
            }
        })
        .collect()
}

/// `docs/examples.md` stays true: (a) every example these tests compare has a row, (b) every
/// file a row names exists, and a seed row cites the section its example's `//!` header
/// cites, (c) every `examples/*.rs` with a Python twin or an expected output has a row that
/// names them.
#[test]
fn the_examples_table_matches_the_files() {
    let rows = examples_table();
    let row_of = |rust: &str| rows.iter().find(|r| r.rust == rust);

    let compared = [
        EXAMPLES,
        PROCESS_EXAMPLES,
        EXECUTOR_EXAMPLES,
        TEN_EXAMPLES,
        IO_EXAMPLES,
    ]
    .concat();
    for name in compared {
        let rust = format!("examples/{name}.rs");
        assert!(
            row_of(&rust).is_some(),
            "docs/examples.md has no row for {rust}"
        );
    }

    for row in &rows {
        let files = [Some(&row.rust), row.python.as_ref(), row.expected.as_ref()];
        for file in files.into_iter().flatten() {
            assert!(
                root().join(file).exists(),
                "docs/examples.md names {file}: missing"
            );
        }
        if row.source.starts_with("Seed ") {
            let source = std::fs::read_to_string(root().join(&row.rust)).unwrap();
            let header: Vec<&str> = source
                .lines()
                .filter_map(|l| l.strip_prefix("//!"))
                .map(str::trim)
                .collect();
            assert!(
                header.join(" ").contains(&row.source),
                "{}: its //! header does not cite {}",
                row.rust,
                row.source
            );
        }
    }

    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy();
        let existing = |file: String| root().join(&file).exists().then_some(file);
        let python = existing(format!("examples/python/{name}.py"));
        let expected = existing(format!("tests/expected/{name}.txt"));
        if python.is_none() && expected.is_none() {
            continue;
        }
        let row = row_of(&format!("examples/{name}.rs"))
            .unwrap_or_else(|| panic!("docs/examples.md has no row for examples/{name}.rs"));
        assert_eq!(row.python, python, "docs/examples.md: {name}'s Python twin");
        assert_eq!(
            row.expected, expected,
            "docs/examples.md: {name}'s expected output"
        );
    }
}

/// `examples/ctrl_c`: a signal handler runs on the loop, the first Ctrl-C cancels the main
/// task (its clean-up runs) and `run` returns `Interrupted`; afterwards `SIGINT` has its
/// default action again and ends the process.
#[cfg(all(unix, feature = "signal"))]
#[test]
fn ctrl_c_cancels_the_main_task_of_run() {
    ctrl_c_example(None, &["main task cleaned up", "interrupted"]);
}

/// `examples/ctrl_c --handle-ctrl-c`: a main task awaiting `signals::ctrl_c()` is woken by
/// Ctrl-C instead of cancelled, finishes on its own terms, and `run` returns its value;
/// then `SIGINT` has its default action again.
#[cfg(all(unix, feature = "signal"))]
#[test]
fn a_ctrl_c_future_handles_ctrl_c_in_place_of_run() {
    let expected = [
        "got Ctrl-C: shutting down",
        "main task cleaned up",
        "finished: Ok(())",
    ];
    ctrl_c_example(Some("--handle-ctrl-c"), &expected);
}

/// Runs `examples/ctrl_c` (with `mode`), sends SIGUSR1 then SIGINT, checks the lines after
/// them and that the process ends by the re-raised SIGINT.
#[cfg(all(unix, feature = "signal"))]
fn ctrl_c_example(mode: Option<&str>, expected: &[&str]) {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let send = |sig: &str, pid: &str| {
        let ok = Command::new("sh")
            .args(["-c", &format!("kill -{sig} {pid}")])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {pid}");
    };
    let mut child = example_command("ctrl_c")
        .arg("--raise-after")
        .args(mode)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let pid = first
        .strip_prefix("waiting for Ctrl-C (pid ")
        .and_then(|p| p.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    send("USR1", &pid);
    assert_eq!(lines.next().unwrap().unwrap(), "got SIGUSR1 on the loop");
    send("INT", &pid);
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(rest, expected);
    let status = child.wait().unwrap();
    // Killed by the re-raised SIGINT (a `cargo run` fallback reports it as exit code 130).
    assert!(
        status.signal() == Some(2) || status.code() == Some(130),
        "{status:?}"
    );
}

/// The embedding examples: a host's own loop steps evloop (`host_loop`), and a `poll(2)`
/// host waits on evloop's descriptor (`poll_host`).
#[cfg(all(unix, feature = "executor"))]
#[test]
fn host_examples_drive_the_loop() {
    let cmds = ["host_loop", "poll_host"]
        .iter()
        .map(|&name| (name, example_command(name)))
        .collect();
    for (name, stdout) in run_all(cmds) {
        let lines: Vec<&str> = stdout.lines().collect();
        if name == "poll_host" {
            assert_eq!(
                lines,
                [
                    "evloop: timer fired",
                    "evloop: worker thread answered 42",
                    "host: done"
                ]
            );
        } else {
            // The countdown's lines in order; the download's line somewhere among them.
            let countdown: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| !l.contains("downloaded"))
                .collect();
            assert_eq!(
                countdown,
                [
                    "frame: countdown 3",
                    "frame: countdown 2",
                    "frame: countdown 1",
                    "frame: go!"
                ]
            );
            assert!(lines.contains(&"frame: downloaded 1024 bytes"), "{stdout}");
        }
    }
}

/// `examples/hyper_server`: hyper 1.x on evloop answers real HTTP/1.1 requests, keep-alive
/// included, from many connections at once (feature `hyper`: its adapters are `compat::hyper`).
#[cfg(feature = "hyper")]
#[test]
fn hyper_serves_http_on_evloop() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::Stdio;

    let mut child = example_command("hyper_server")
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected {first:?}"))
        .to_string();

    /// Sends one request on `conn`; gives the status line and the body.
    fn get(conn: &mut TcpStream, path: &str, close: bool) -> (String, String) {
        let connection = if close { "close" } else { "keep-alive" };
        write!(
            conn,
            "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: {connection}\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(conn);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        let mut length = 0;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        (status.trim().to_string(), String::from_utf8(body).unwrap())
    }

    let connect = || {
        let c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        c
    };
    // Two requests on one kept-alive connection.
    let mut c = connect();
    assert_eq!(
        get(&mut c, "/", false),
        (
            "HTTP/1.1 200 OK".into(),
            r#"{"service":"evloop","runtime":"evloop"}"#.into()
        )
    );
    assert_eq!(get(&mut c, "/add?a=40&b=2", false).1, r#"{"sum":42}"#);
    assert_eq!(get(&mut c, "/add?a=x", false).0, "HTTP/1.1 400 Bad Request");
    assert_eq!(get(&mut c, "/nope", true).0, "HTTP/1.1 404 Not Found");
    // 50 connections at once, each with 10 requests.
    let clients: Vec<_> = (0..50)
        .map(|i| {
            let addr = addr.clone();
            thread::spawn(move || {
                let mut c = TcpStream::connect(&addr).unwrap();
                for j in 0..10 {
                    let (status, body) = get(&mut c, &format!("/add?a={i}&b={j}"), j == 9);
                    assert_eq!(status, "HTTP/1.1 200 OK");
                    assert_eq!(body, format!(r#"{{"sum":{}}}"#, i + j));
                }
            })
        })
        .collect();
    clients.into_iter().for_each(|t| t.join().unwrap());
    // The state lives on the loop's one thread: every request was counted.
    assert_eq!(get(&mut connect(), "/count", true).1, r#"{"requests":505}"#);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `examples/soak`, short: after warm-up, resident memory and open descriptors stay flat
/// while tasks, timers, queue items and connections churn.
#[cfg(all(target_os = "linux", feature = "net"))]
#[test]
fn soak_keeps_memory_and_descriptors_flat() {
    let (_, stdout) = head_start("soak").unwrap().remove(0);
    let summary: Vec<u64> = stdout
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("summary "))
        .unwrap_or_else(|| panic!("no summary in {stdout}"))
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [warm_rss, end_rss, warm_fds, end_fds, rounds] = summary[..] else {
        panic!("bad summary in {stdout}");
    };
    assert!(rounds > 20, "only {rounds} rounds:\n{stdout}");
    assert_eq!(warm_fds, end_fds, "descriptors leaked:\n{stdout}");
    assert!(
        end_rss <= warm_rss + 512,
        "memory grew {warm_rss} -> {end_rss} KiB:\n{stdout}"
    );
}
