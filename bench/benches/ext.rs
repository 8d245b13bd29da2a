//! The extension runtime: command round trips and data messages through a chain of three
//! extensions, against the same topology hand-built on tokio (actor tasks chained by `mpsc`,
//! replies by `oneshot`) and on smol (`channel`s, a one-slot channel per reply), one spawned
//! task per message per hop, as `ext` and TEN run one handler per message.
//!
//! Run with `cargo bench --bench ext`. Each iteration builds and runs a whole app, so the
//! figures include start-up and shutdown, amortised over the messages.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use evloop::ext::{App, Cmd, CmdResult, Data, Extension, HookFuture, Responder, TenEnv};

const ROUND_TRIPS: u64 = 10_000;
const DATA: u64 = 100_000;

/// Forwards every command to the next extension and answers with its result; forwards data.
struct Hop {
    last: bool,
    seen: Rc<Cell<u64>>,
}

impl Extension for Hop {
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            if self.last {
                return reply.send(CmdResult::ok(&cmd));
            }
            let r = env.send_cmd(Cmd::new("ping")?).await?;
            reply.send(CmdResult::new(r.status(), &cmd))
        })
    }

    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        if self.last {
            self.seen.set(self.seen.get() + 1);
        } else {
            let _ = env.send_data(data);
        }
        Box::pin(async { Ok(()) })
    }
}

/// Sends `ROUND_TRIPS` commands one after another, or `DATA` data messages, then waits for
/// the last hop to see them all and closes the app.
struct Driver {
    data: bool,
    seen: Rc<Cell<u64>>,
}

impl Extension for Driver {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            if self.data {
                for _ in 0..DATA {
                    env.send_data(Data::new("d")?)?;
                }
                while self.seen.get() < DATA {
                    evloop::yield_now().await;
                }
            } else {
                for _ in 0..ROUND_TRIPS {
                    let r = env.send_cmd(Cmd::new("ping")?).await?;
                    assert!(r.is_ok());
                }
            }
            env.close_app();
            Ok(())
        })
    }
}

const CHAIN: &str = r#"{
  "nodes": [{"type": "extension", "name": "d", "addon": "driver"},
            {"type": "extension", "name": "a", "addon": "hop"},
            {"type": "extension", "name": "b", "addon": "hop"},
            {"type": "extension", "name": "c", "addon": "last"}],
  "connections": [
    {"extension": "d", "cmd": [{"name": "ping", "dest": [{"extension": "a"}]}], "data": [{"name": "d", "dest": [{"extension": "a"}]}]},
    {"extension": "a", "cmd": [{"name": "ping", "dest": [{"extension": "b"}]}], "data": [{"name": "d", "dest": [{"extension": "b"}]}]},
    {"extension": "b", "cmd": [{"name": "ping", "dest": [{"extension": "c"}]}], "data": [{"name": "d", "dest": [{"extension": "c"}]}]}
  ]
}"#;

fn run_chain(ev: &evloop::EventLoop, data: bool) {
    let seen = Rc::new(Cell::new(0));
    let mut app = App::new();
    let s = seen.clone();
    app.register("driver", move || {
        Rc::new(Driver {
            data,
            seen: s.clone(),
        })
    });
    app.register("hop", || {
        Rc::new(Hop {
            last: false,
            seen: Rc::default(),
        })
    });
    let s = seen.clone();
    app.register("last", move || {
        Rc::new(Hop {
            last: true,
            seen: s.clone(),
        })
    });
    app.load_graph_json(CHAIN).unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
}

type Request = (u64, tokio::sync::oneshot::Sender<u64>);

/// One tokio actor: forwards requests to `next` (or answers, if last), one task each.
fn tokio_actor(
    mut rx: tokio::sync::mpsc::Receiver<Request>,
    next: Option<tokio::sync::mpsc::Sender<Request>>,
) {
    tokio::task::spawn_local(async move {
        while let Some((v, reply)) = rx.recv().await {
            let next = next.clone();
            tokio::task::spawn_local(async move {
                let out = match next {
                    Some(next) => {
                        let (tx, rx) = tokio::sync::oneshot::channel();
                        next.send((v, tx)).await.unwrap();
                        rx.await.unwrap()
                    }
                    None => v,
                };
                let _ = reply.send(out);
            });
        }
    });
}

type SmolRequest = (u64, smol::channel::Sender<u64>);

/// The same actor on smol: a channel per actor, a one-slot channel per reply.
fn smol_actor(
    ex: &common::workloads::on_smol::Ex,
    rx: smol::channel::Receiver<SmolRequest>,
    next: Option<smol::channel::Sender<SmolRequest>>,
) {
    let ex2 = ex.clone();
    ex.spawn(async move {
        while let Ok((v, reply)) = rx.recv().await {
            let next = next.clone();
            ex2.spawn(async move {
                let out = match next {
                    Some(next) => {
                        let (tx, rx) = smol::channel::bounded(1);
                        next.send((v, tx)).await.unwrap();
                        rx.recv().await.unwrap()
                    }
                    None => v,
                };
                let _ = reply.send(out).await;
            })
            .detach();
        }
    })
    .detach();
}

fn cmd_chain(c: &mut Criterion) {
    let mut g = c.benchmark_group("ext_cmd_chain_3");
    g.throughput(Throughput::Elements(ROUND_TRIPS));
    g.sample_size(10);
    let ev = common::evloop();
    g.bench_function("evloop", |b| b.iter(|| run_chain(&ev, false)));
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let (tx_c, rx_c) = tokio::sync::mpsc::channel(64);
                let (tx_b, rx_b) = tokio::sync::mpsc::channel(64);
                let (tx_a, rx_a) = tokio::sync::mpsc::channel(64);
                tokio_actor(rx_c, None);
                tokio_actor(rx_b, Some(tx_c));
                tokio_actor(rx_a, Some(tx_b));
                for i in 0..ROUND_TRIPS {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    tx_a.send((i, tx)).await.unwrap();
                    assert_eq!(rx.await.unwrap(), i);
                }
            })
        })
    });
    let sm = common::Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            sm.block_on(async {
                let (tx_c, rx_c) = smol::channel::bounded(64);
                let (tx_b, rx_b) = smol::channel::bounded(64);
                let (tx_a, rx_a) = smol::channel::bounded(64);
                smol_actor(&sm.ex, rx_c, None);
                smol_actor(&sm.ex, rx_b, Some(tx_c));
                smol_actor(&sm.ex, rx_a, Some(tx_b));
                for i in 0..ROUND_TRIPS {
                    let (tx, rx) = smol::channel::bounded(1);
                    tx_a.send((i, tx)).await.unwrap();
                    assert_eq!(rx.recv().await.unwrap(), i);
                }
            })
        })
    });
    g.finish();
}

fn data_chain(c: &mut Criterion) {
    let mut g = c.benchmark_group("ext_data_chain_3");
    g.throughput(Throughput::Elements(DATA));
    g.sample_size(10);
    let ev = common::evloop();
    g.bench_function("evloop", |b| b.iter(|| run_chain(&ev, true)));
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let (tx_a, mut rx_a) = tokio::sync::mpsc::unbounded_channel::<u64>();
                let (tx_b, mut rx_b) = tokio::sync::mpsc::unbounded_channel::<u64>();
                let (tx_c, mut rx_c) = tokio::sync::mpsc::unbounded_channel::<u64>();
                // One task per message per hop, as ext (and TEN) run one per message.
                tokio::task::spawn_local(async move {
                    while let Some(v) = rx_a.recv().await {
                        let tx = tx_b.clone();
                        tokio::task::spawn_local(async move { tx.send(v).unwrap() });
                    }
                });
                tokio::task::spawn_local(async move {
                    while let Some(v) = rx_b.recv().await {
                        let tx = tx_c.clone();
                        tokio::task::spawn_local(async move { tx.send(v).unwrap() });
                    }
                });
                for i in 0..DATA {
                    tx_a.send(i).unwrap();
                }
                for _ in 0..DATA {
                    rx_c.recv().await.unwrap();
                }
            })
        })
    });
    let sm = common::Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            sm.block_on(async {
                let (tx_a, rx_a) = smol::channel::unbounded::<u64>();
                let (tx_b, rx_b) = smol::channel::unbounded::<u64>();
                let (tx_c, rx_c) = smol::channel::unbounded::<u64>();
                for (rx, tx) in [(rx_a, tx_b), (rx_b, tx_c)] {
                    let ex = sm.ex.clone();
                    sm.ex
                        .spawn(async move {
                            while let Ok(v) = rx.recv().await {
                                let tx = tx.clone();
                                ex.spawn(async move { tx.send(v).await.unwrap() }).detach();
                            }
                        })
                        .detach();
                }
                for i in 0..DATA {
                    tx_a.send(i).await.unwrap();
                }
                for _ in 0..DATA {
                    rx_c.recv().await.unwrap();
                }
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = cmd_chain, data_chain
}
criterion_main!(benches);
