//! Bounded cost of the extension runtime (issue 26, point 6): command cycles are cut, and an
//! extension's pending commands are limited and cost under 512 bytes each.
#![cfg(feature = "ext")]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use evloop::async_iter::AsyncIterator;
use evloop::ext::{
    App, Cmd, CmdResult, CmdResults, Extension, HookFuture, Responder, StatusCode, TenEnv, TenError,
};

/// Forwards every "ping" it gets along the graph and answers with what came back; counts
/// the handlers it started and the ones that ended.
struct Forwarder {
    started: Rc<Cell<usize>>,
    ended: Rc<Cell<usize>>,
}

impl Extension for Forwarder {
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            self.started.set(self.started.get() + 1);
            let _ended = Ended(self.ended.clone());
            if self.started.get() > 1000 {
                // Without cycle detection the test stops here instead of eating memory.
                return reply.send(CmdResult::error(&cmd, "no cycle detection"));
            }
            let out = env.send_cmd(cmd).await;
            reply.send(out?)
        })
    }
}

/// Counts a handler as ended when its future is dropped (finished or cancelled).
struct Ended(Rc<Cell<usize>>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Sends one "ping" on start, keeps its result and closes the app.
struct Starter(Rc<RefCell<Option<CmdResult>>>);

impl Extension for Starter {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let r = env.send_cmd(Cmd::new("ping")?).await?;
            *self.0.borrow_mut() = Some(r);
            env.close_app();
            Ok(())
        })
    }
}

/// TEN has no cycle check: a command forwarded A → B → A ... grows memory without end (past
/// 1 GB in 5 s). Here the send past `max_cmd_hops` (64) fails with `TenError::CmdCycle`
/// naming the extensions it went round, the original sender gets that as an ERROR result,
/// and every handler of the cycle ends (nothing is left growing).
#[test]
fn a_command_cycle_is_cut_and_the_sender_told_which_extensions() {
    let (started, ended) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let r = ping_chain(&[("a", "b"), ("b", "a")], 64, &started, &ended);
    assert_eq!(r.status(), StatusCode::Error);
    let detail = r.detail().unwrap_or_default();
    assert!(
        detail.contains("cycle of extensions b → a → b") && detail.contains("64 hops"),
        "{detail}"
    );
    // Hop 1 is the starter's; a and b forward 63 times, and the 64th forward is refused.
    assert_eq!(started.get(), 64);
    assert_eq!(ended.get(), 64, "every handler of the cycle is gone");
}

/// Runs an app whose `starter` sends "ping" to `a`, each `(from, to)` of `edges` forwarding
/// it (every `from` is a [`Forwarder`] counting into `started` and `ended`), with a hop
/// limit of `max_hops`; returns the starter's result.
fn ping_chain(
    edges: &[(&str, &str)],
    max_hops: u32,
    started: &Rc<Cell<usize>>,
    ended: &Rc<Cell<usize>>,
) -> CmdResult {
    let result = Rc::new(RefCell::new(None));
    let mut app = App::new();
    let r = result.clone();
    app.register("starter", move || Rc::new(Starter(r.clone())));
    let (s, e) = (started.clone(), ended.clone());
    app.register("forwarder", move || {
        Rc::new(Forwarder {
            started: s.clone(),
            ended: e.clone(),
        })
    });
    app.options_mut().max_cmd_hops = max_hops;
    let mut names: Vec<&str> = edges.iter().flat_map(|&(f, t)| [f, t]).collect();
    names.sort_unstable();
    names.dedup();
    let node = |n: &str, addon: &str| format!(r#"{{"name": "{n}", "addon": "{addon}"}}"#);
    let nodes: Vec<String> = std::iter::once(node("starter", "starter"))
        .chain(names.iter().map(|n| node(n, "forwarder")))
        .collect();
    let conn = |f: &str, t: &str| {
        format!(
            r#"{{"extension": "{f}", "cmd": [{{"name": "ping", "dest": [{{"extension": "{t}"}}]}}]}}"#
        )
    };
    let conns: Vec<String> = std::iter::once(conn("starter", "a"))
        .chain(edges.iter().map(|&(f, t)| conn(f, t)))
        .collect();
    app.load_graph_json(&format!(
        r#"{{"nodes": [{}], "connections": [{}]}}"#,
        nodes.join(", "),
        conns.join(", ")
    ))
    .unwrap();
    assert_eq!(evloop::run(app.run()).unwrap(), Ok(()));
    result
        .borrow_mut()
        .take()
        .expect("the starter got a result")
}

/// The hop limit is `AppOptions::max_cmd_hops`; a chain of different extensions longer than
/// it is cut too, and the error then names the whole trail.
#[test]
fn a_chain_past_the_hop_limit_is_cut_and_named_whole() {
    let counter = Rc::new(Cell::new(0));
    let r = ping_chain(&[("a", "b"), ("b", "c")], 2, &counter, &counter);
    assert_eq!(r.status(), StatusCode::Error);
    assert_eq!(
        r.detail().as_deref(),
        Some("command 'ping' passed more than 2 hops (starter → a → b): stopped at the limit")
    );
}

/// What the keeper keeps: each command (if asked to) and its responder.
type Kept = Rc<RefCell<Vec<(Option<Cmd>, Responder)>>>;

/// Keeps every command it gets unanswered (its responders in `kept`).
struct Keeper(Kept, bool);

impl Extension for Keeper {
    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, reply: Responder) -> HookFuture {
        // `self.1`: keep the command too (to answer it later), else only the responder.
        let cmd = self.1.then_some(cmd);
        self.0.borrow_mut().push((cmd, reply));
        Box::pin(async { Ok(()) })
    }
}

/// An app of a `sender` (made by `make`) whose "hold" commands go to a [`Keeper`].
fn sender_and_keeper<E: Extension>(
    make: impl Fn() -> Rc<E> + 'static,
    kept: &Kept,
    keep_cmds: bool,
) -> App {
    let mut app = App::new();
    app.register("sender", make);
    let k = kept.clone();
    app.register("keeper", move || Rc::new(Keeper(k.clone(), keep_cmds)));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "sender", "addon": "sender"},
                      {"type": "extension", "name": "keeper", "addon": "keeper"}],
            "connections": [{"extension": "sender",
                             "cmd": [{"name": "hold", "dest": [{"extension": "keeper"}]}]}]}"#,
    )
    .unwrap();
    app
}

type SendFuture = Pin<Box<dyn Future<Output = Result<CmdResult, TenError>>>>;

/// Sends every future's command (polls each once), without waiting for results.
async fn send_all(futs: &mut [SendFuture]) {
    std::future::poll_fn(|cx| {
        for f in futs.iter_mut() {
            let _ = f.as_mut().poll(cx);
        }
        Poll::Ready(())
    })
    .await
}

/// Sends three "hold" commands (the limit), then a fourth, then one more after the keeper
/// answered one; records each outcome.
struct Limited(Rc<RefCell<Vec<String>>>, Kept);

impl Extension for Limited {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let mut futs: Vec<SendFuture> = (0..3)
                .map(|_| Box::pin(env.send_cmd(Cmd::new("hold").unwrap())) as SendFuture)
                .collect();
            send_all(&mut futs).await;
            let over = env.send_cmd(Cmd::new("hold")?).await;
            self.0.borrow_mut().push(format!("{over:?}"));
            // The keeper answers one: a slot is free again.
            evloop::sleep(Duration::from_millis(1)).await;
            let (cmd, mut reply) = self.1.borrow_mut().remove(0);
            reply.send(CmdResult::ok(&cmd.unwrap()))?;
            let answered = futs.remove(0).await?;
            self.0.borrow_mut().push(format!("{:?}", answered.status()));
            let mut again = vec![Box::pin(env.send_cmd(Cmd::new("hold")?)) as SendFuture];
            send_all(&mut again).await;
            let over = env.send_cmd(Cmd::new("hold")?).await;
            self.0.borrow_mut().push(format!("{over:?}"));
            // Abandoning one (dropping its future) gives its slot back too.
            drop(again);
            let mut after_abandon = Box::pin(env.send_cmd(Cmd::new("hold")?)) as SendFuture;
            let sent = std::future::poll_fn(|cx| Poll::Ready(after_abandon.as_mut().poll(cx)));
            let sent = match sent.await {
                Poll::Pending => "sent".to_string(),
                Poll::Ready(out) => format!("{out:?}"),
            };
            self.0.borrow_mut().push(sent);
            let over = env.send_cmd(Cmd::new("hold")?).await;
            self.0.borrow_mut().push(format!("{over:?}"));
            drop(futs);
            drop(after_abandon);
            env.close_app();
            Ok(())
        })
    }
}

/// TEN bounds nothing: a million unanswered commands kept 1.45 KB each, with no limit. Here
/// `AppOptions::max_pending_cmds` bounds the commands one extension waits on: past it,
/// `send_cmd` fails with `TenError::TooManyPendingCmds` naming the extension, and a slot is
/// given back when a command is answered or abandoned (or times out).
#[test]
fn pending_commands_past_the_limit_are_refused_until_one_is_answered() {
    let (outcomes, kept) = (
        Rc::new(RefCell::new(Vec::new())),
        Rc::new(RefCell::new(Vec::new())),
    );
    let (o, k) = (outcomes.clone(), kept.clone());
    let mut app = sender_and_keeper(move || Rc::new(Limited(o.clone(), k.clone())), &kept, true);
    app.options_mut().max_pending_cmds = 3;
    assert_eq!(evloop::run(app.run()).unwrap(), Ok(()));
    let refused = format!(
        "{:?}",
        Err::<CmdResult, _>(TenError::TooManyPendingCmds {
            extension: "sender".into(),
            limit: 3
        })
    );
    assert_eq!(
        *outcomes.borrow(),
        [
            refused.clone(),
            "Ok".into(),
            refused.clone(),
            "sent".into(),
            refused
        ]
    );
}

/// How many commands [`Measure`] keeps pending.
const N: usize = 100_000;

/// How many are sent at once.
const BATCH: usize = 250;

/// Resident set size in bytes (Linux), or None elsewhere.
fn rss() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Sends `N` "hold" commands at once through `send_cmd_ex` (whose streams sit in a vector
/// reserved beforehand, their size left out) and measures the resident memory before and
/// after the keeper has every responder (its vector reserved beforehand too, so the
/// responders' pages count): stores the bytes per pending command.
struct Measure(Rc<Cell<Option<usize>>>, Kept);

impl Extension for Measure {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let mut streams: Vec<CmdResults> = Vec::with_capacity(N);
            self.1.borrow_mut().reserve(N);
            let Some(before) = rss() else {
                env.close_app();
                return Ok(());
            };
            // In batches, so that the handler tasks delivering them (freed once the keeper
            // has the responder) are not all alive at once: resident memory keeps its peak.
            for batch in 0..N / BATCH {
                for _ in 0..BATCH {
                    streams.push(env.send_cmd_ex(Cmd::new("hold")?));
                }
                let sent = &mut streams[batch * BATCH..];
                std::future::poll_fn(|cx| {
                    for s in sent.iter_mut() {
                        let _ = Pin::new(s).poll_next(cx);
                    }
                    Poll::Ready(())
                })
                .await;
                while self.1.borrow().len() < (batch + 1) * BATCH {
                    evloop::sleep(Duration::ZERO).await;
                }
            }
            let after = rss().unwrap_or(before);
            // The test's own storage: the streams, and the keeper's room for commands it
            // does not keep here (its responders are the runtime's and stay counted).
            let kept_cmd =
                std::mem::size_of::<(Option<Cmd>, Responder)>() - std::mem::size_of::<Responder>();
            let tests_own = N * (std::mem::size_of::<CmdResults>() + kept_cmd);
            self.0
                .set(Some(after.saturating_sub(before + tests_own) / N));
            drop(streams);
            env.close_app();
            Ok(())
        })
    }
}

/// Issue 26 asks each pending command to cost under 512 bytes (TEN users saw 1.45 KB each
/// for a million). `N` commands pending at once cost the runtime (result paths with their
/// timers and trails, the sender's list, the receiver's responders, and the allocator's own
/// overhead) under that in resident memory; `src/ext/pending_cost.rs` counts the parts and
/// docs/performance.md states both numbers.
#[test]
fn a_pending_command_costs_under_512_bytes_of_resident_memory() {
    let (per, kept) = (Rc::new(Cell::new(None)), Rc::new(RefCell::new(Vec::new())));
    let (p, k) = (per.clone(), kept.clone());
    let mut app = sender_and_keeper(move || Rc::new(Measure(p.clone(), k.clone())), &kept, false);
    app.options_mut().max_pending_cmds = N;
    assert_eq!(evloop::run(app.run()).unwrap(), Ok(()));
    if let Some(per) = per.get() {
        eprintln!("resident bytes per pending command: {per}");
        assert!(per < 512, "{per} bytes");
    }
}
