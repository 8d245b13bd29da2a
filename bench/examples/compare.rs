//! The comparison command: evloop against tokio, smol, CPython asyncio and uvloop, in one run.
//!
//! ```sh
//! cargo run --release -p evloop-bench --example compare             # all runtimes, writes docs/performance.md
//! cargo run --release -p evloop-bench --example compare -- --quick  # a tenth of the sizes, writes nothing
//! cargo run --release -p evloop-bench --example compare -- --no-python
//! cargo run --release -p evloop-bench --example compare -- --only yield_one --runtime evloop  # for a profiler
//! ```
//!
//! Each workload of `benches/common/workloads.rs` (the code the criterion groups run too)
//! runs on each runtime, one warm-up round then five measured ones, all on one runtime made
//! for them (as the criterion groups do, and as a program does); the median, in
//! nanoseconds per operation, goes in the table, with each runtime's time divided by
//! evloop's (above 1: evloop is faster). The Python side is `benches/python/run.sh`, which
//! installs uvloop into a virtual environment under `target/`; without `python3` the table
//! says so. A full run rewrites the table in
//! `docs/performance.md` (between its `compare` markers) and the chart
//! `docs/images/performance.svg`. Compare numbers within one run only.
//!
//! Each workload runs on each runtime in processes of its own (the command starts itself
//! again with `--child`; five processes per pair, the runtimes taking turns, and the
//! median goes in the table), so no runtime measures in the state another one left behind:
//! smol starts a reactor thread, and once a process has a second thread glibc's `malloc`
//! locks its arena on every call that misses the thread cache, which alone moved evloop's
//! spawn row from about 160 to 187 ns and tokio's from 334 to 376 ns. Heap layout left by
//! one workload moved the next one too. `--only` with `--runtime` measures one pair in this
//! process, for a profiler; `--processes N` changes the five.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

// The benches' shared helpers and workloads: the command runs exactly what they run.
#[path = "../benches/common/mod.rs"]
mod common;

use common::workloads::{self, WORKLOADS};

const RUNTIMES: [&str; 5] = ["evloop", "tokio", "smol", "asyncio", "uvloop"];

/// One round of a workload: runs `n` operations of workload `name` and returns the time.
type Round = Box<dyn FnMut(&'static str, usize) -> Duration>;

/// Builds a runtime and returns the rounds to run on it: every round of a measurement runs
/// on that one runtime, as in the criterion groups (`benches/common/mod.rs`) and as in a
/// program, which makes its runtime once. Building it is not timed.
type Runner = fn() -> Round;

/// The Rust runtimes, in the order they run.
const RUNNERS: [(&str, Runner); 3] = [
    ("evloop", on_evloop),
    ("tokio", on_tokio),
    ("smol", on_smol),
];

fn on_evloop() -> Round {
    let ev = common::evloop();
    Box::new(move |name, n| {
        let start = Instant::now();
        ev.run_until_complete(workloads::on_evloop::run(name, n))
            .unwrap();
        start.elapsed()
    })
}

fn on_tokio() -> Round {
    let tk = common::Tokio::new();
    Box::new(move |name, n| {
        let start = Instant::now();
        tk.block_on(workloads::on_tokio::run(name, n));
        start.elapsed()
    })
}

fn on_smol() -> Round {
    let sm = common::Smol::new();
    Box::new(move |name, n| {
        let start = Instant::now();
        sm.block_on(workloads::on_smol::run(sm.ex.clone(), name, n));
        start.elapsed()
    })
}

/// Median ns/op over `rounds` rounds on one runtime, after one warm-up round.
fn measure(runner: Runner, name: &'static str, n: usize, rounds: usize) -> f64 {
    let mut round = runner();
    round(name, n);
    median(
        (0..rounds)
            .map(|_| round(name, n).as_nanos() as f64 / n as f64)
            .collect(),
    )
}

/// The middle value (the upper one of an even count).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Measures workload `name` on runtime `rt` in a child process (see the module docs).
fn measure_apart(
    name: &str,
    rt: &str,
    n: usize,
    rounds: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    let out = Command::new(std::env::current_exe()?)
        .args(["--child", name, rt, &n.to_string(), &rounds.to_string()])
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "{name} on {rt} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

/// `--child NAME RUNTIME N ROUNDS`: measures one pair and prints its ns/op.
fn child(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [name, rt, n, rounds] = args else {
        return Err("usage: --child WORKLOAD RUNTIME N ROUNDS".into());
    };
    let name = WORKLOADS
        .iter()
        .find(|w| w.name == name)
        .ok_or("unknown workload")?
        .name;
    let run = RUNNERS
        .iter()
        .find(|(r, _)| r == rt)
        .ok_or("unknown runtime")?
        .1;
    println!("{}", measure(run, name, n.parse()?, rounds.parse()?));
    Ok(())
}

/// The value after flag `name` on the command line, if any.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
}

/// The Python side's numbers: workload → runtime → ns/op; or why there are none.
fn python(quick: bool) -> Result<BTreeMap<(String, String), f64>, String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/run.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script);
    if quick {
        cmd.arg("--quick");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {script}: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let mut found = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let field = |key: &str| -> Option<String> {
            let at = line.find(&format!("\"{key}\": "))? + key.len() + 4;
            let rest = &line[at..];
            let end = rest.find([',', '}'])?;
            Some(rest[..end].trim_matches('"').to_string())
        };
        if let (Some(w), Some(r), Some(ns)) =
            (field("workload"), field("runtime"), field("ns_per_op"))
            && let Ok(ns) = ns.parse()
        {
            found.insert((w, r), ns);
        }
    }
    Ok(found)
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

/// The markdown table: ns/op per runtime, then each runtime's time over evloop's.
fn table(results: &BTreeMap<(String, String), f64>) -> String {
    let mut t = String::from(
        "| workload | evloop | tokio | smol | asyncio | uvloop | tokio ÷ evloop | smol ÷ evloop | asyncio ÷ evloop | uvloop ÷ evloop |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for &workloads::Workload { name, what, .. } in &WORKLOADS {
        let get = |rt: &str| results.get(&(name.to_string(), rt.to_string())).copied();
        if RUNTIMES.iter().all(|rt| get(rt).is_none()) {
            continue; // not run (--only)
        }
        let ev = get("evloop");
        let _ = write!(t, "| {what} |");
        for rt in RUNTIMES {
            let _ = write!(t, " {} |", get(rt).map(fmt_ns).unwrap_or("n/a".into()));
        }
        for rt in &RUNTIMES[1..] {
            // A ratio needs both runs (`--runtime` may have skipped evloop).
            let cell = get(rt).zip(ev).map(|(ns, ev)| format!("{:.2}x", ns / ev));
            let _ = write!(t, " {} |", cell.unwrap_or("n/a".into()));
        }
        t.push('\n');
    }
    t
}

/// A bar chart of ns/op on a log scale, one group of bars per workload.
fn chart(results: &BTreeMap<(String, String), f64>) -> String {
    let colours = ["#e45756", "#4c78a8", "#72b7b2", "#f58518", "#b279a2"];
    let (label_w, bar_h, group_gap, plot_w) = (260.0, 11.0, 14.0, 520.0);
    let group_h = bar_h * RUNTIMES.len() as f64 + group_gap;
    let height = 40.0 + group_h * WORKLOADS.len() as f64 + 20.0;
    let width = label_w + plot_w + 90.0;
    // log10(ns) from 1 ns to 100 µs across the plot.
    let x = |ns: f64| label_w + plot_w * (ns.max(1.0).log10() / 5.0).min(1.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\n"
    );
    for (i, rt) in RUNTIMES.iter().enumerate() {
        let lx = label_w + i as f64 * 100.0;
        let _ = writeln!(
            s,
            "<rect x=\"{lx}\" y=\"8\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"17\">{rt}</text>",
            colours[i],
            lx + 14.0
        );
    }
    for (g, &workloads::Workload { name, what, .. }) in WORKLOADS.iter().enumerate() {
        let y0 = 34.0 + g as f64 * group_h;
        let _ = writeln!(s, "<text x=\"4\" y=\"{}\">{what}</text>", y0 + bar_h * 2.5);
        for (i, rt) in RUNTIMES.iter().enumerate() {
            if let Some(ns) = results.get(&(name.to_string(), rt.to_string())) {
                let y = y0 + i as f64 * bar_h;
                let _ = writeln!(
                    s,
                    "<rect x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"><title>{rt}: {}</title></rect><text x=\"{:.1}\" y=\"{}\" font-size=\"9\">{}</text>",
                    x(*ns) - label_w,
                    bar_h - 1.0,
                    colours[i],
                    fmt_ns(*ns),
                    x(*ns) + 3.0,
                    y + bar_h - 2.0,
                    fmt_ns(*ns)
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "<text x=\"{label_w}\" y=\"{}\" fill=\"#666\">ns per operation, log scale (1 ns to 100 µs); shorter is faster</text>\n</svg>",
        height - 6.0
    );
    s
}

/// Replaces the text between the `compare` markers of docs/performance.md.
fn update_doc(table: &str, note: &str) -> std::io::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/performance.md");
    let doc = std::fs::read_to_string(path)?;
    let (begin, end) = ("<!-- compare:begin -->", "<!-- compare:end -->");
    let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
        return Err(std::io::Error::other(
            "docs/performance.md lacks the compare markers",
        ));
    };
    let new = format!("{}{begin}\n{note}\n\n{table}{}", &doc[..a], &doc[b..]);
    std::fs::write(path, new)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--child") {
        return child(&args[1..]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    // `--only NAME` and `--runtime NAME` pick one workload or runtime (for a profiler);
    // `--size N` and `--rounds R` override the operations per round and the measured rounds
    // (scripts/instructions runs each workload at two sizes under callgrind).
    let only = flag(&args, "--only");
    let runtime = flag(&args, "--runtime");
    let size: Option<usize> = flag(&args, "--size").map(|s| s.parse()).transpose()?;
    let rounds: usize = flag(&args, "--rounds").map_or(Ok(5), |s| s.parse())?;
    let mut results = BTreeMap::new();
    // Several processes per pair, the runtimes taking turns, so that a noisy stretch of a
    // shared machine hits every runtime alike; the table takes the median process. Five,
    // because about one process in ten on this VM runs 20-70% slow, and with three the
    // 15 ns rows were decided by two slow ones in one run out of a few.
    // One pair (`--only` with `--runtime`) is measured in this process, once.
    let in_process = only.is_some() && runtime.is_some();
    let processes: usize = flag(&args, "--processes")
        .map_or(Ok(if quick || in_process { 1 } else { 5 }), |s| s.parse())?;
    let picked: Vec<(&str, Runner)> = RUNNERS
        .into_iter()
        .filter(|(rt, _)| runtime.is_none_or(|r| r == rt))
        .collect();
    for &workloads::Workload { name, ops: n, .. } in &WORKLOADS {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let n = size.unwrap_or(if quick { n / 10 } else { n });
        let mut samples = vec![Vec::new(); picked.len()];
        for _ in 0..processes {
            for (&(rt, run), got) in picked.iter().zip(&mut samples) {
                got.push(if in_process {
                    measure(run, name, n, rounds)
                } else {
                    measure_apart(name, rt, n, rounds)?
                });
            }
        }
        for (&(rt, _), got) in picked.iter().zip(samples) {
            let ns = median(got);
            eprintln!("{name:<24} {rt:<8} {}", fmt_ns(ns));
            results.insert((name.to_string(), rt.to_string()), ns);
        }
    }
    let python_note = if args.iter().any(|a| a == "--no-python")
        || only.is_some()
        || runtime.is_some()
        || size.is_some()
    {
        "CPython asyncio and uvloop: not run (--no-python, --only or --runtime).".to_string()
    } else {
        match python(quick) {
            Ok(found) if !found.is_empty() => {
                let uv = found.keys().any(|(_, r)| r == "uvloop");
                results.extend(found);
                format!(
                    "CPython asyncio{}: `benches/python/bench.py`, the same workloads and sizes.",
                    if uv {
                        " and uvloop"
                    } else {
                        " (uvloop could not be installed)"
                    }
                )
            }
            Ok(_) => "CPython asyncio and uvloop: the Python run printed nothing.".to_string(),
            Err(why) => format!("CPython asyncio and uvloop: not measured ({why})."),
        }
    };
    let table = table(&results);
    println!("{table}\n{python_note}");
    if quick || only.is_some() || runtime.is_some() || size.is_some() {
        println!("(--quick, --only or --runtime: docs/performance.md left as it is)");
        return Ok(());
    }
    let note = format!(
        "ns per operation: for evloop, tokio and smol the median of {processes} processes per \
         runtime and workload, each the median of {rounds} rounds on one runtime after a warm-up round \
         (`cargo run --release -p evloop-bench --example compare`). {python_note} A ratio above 1 means \
         evloop is faster. tokio and smol have no callback queue: their `call_soon` row is a detached spawn of a ready \
         future, and their gather spawns every future and awaits them in order."
    );
    update_doc(&table, &note)?;
    let svg_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/images/performance.svg"
    );
    std::fs::write(svg_path, chart(&results))?;
    println!("wrote docs/performance.md and docs/images/performance.svg");
    Ok(())
}
