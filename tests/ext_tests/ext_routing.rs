//! Routing: dest and source forms, names, several destinations, explicit destinations, and
//! messages with no route.
#![cfg(feature = "ext")]

use crate::util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{
    App, Cmd, CmdResult, Data, Extension, HookFuture, MsgKind, Responder, TenEnv, TenError,
};
use util::{Trace, manual_loop};

/// Answers every command with its own name as detail, or ERROR if its name is "fail";
/// logs data.
struct Peer(Trace);

impl Extension for Peer {
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            self.0.log(format!(
                "{} cmd {} from {}",
                env.name(),
                cmd.name(),
                cmd.source().unwrap()
            ));
            let mut r = if env.name() == "fail" {
                CmdResult::error(&cmd, "failed")
            } else {
                CmdResult::ok(&cmd)
            };
            if r.is_ok() {
                r.set_detail(&env.name());
            }
            reply.send(r)
        })
    }
    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        self.0.log(format!("{} data {}", env.name(), data.name()));
        Box::pin(async { Ok(()) })
    }
}

/// Runs `script` in on_start, stores what it returns, then closes the app.
type Script =
    Rc<dyn Fn(TenEnv) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<String>>>>>;

struct Driver {
    script: Script,
    out: Rc<RefCell<Vec<String>>>,
}

impl Extension for Driver {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let out = (self.script)(env.clone()).await;
            *self.out.borrow_mut() = out;
            env.close_app();
            Ok(())
        })
    }
}

fn run_graph(graph: &str, script: Script) -> (Vec<String>, Trace) {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut app = App::new();
    let tp = t.clone();
    app.register("peer", move || Rc::new(Peer(tp.clone())));
    let o = out.clone();
    app.register("driver", move || {
        Rc::new(Driver {
            script: script.clone(),
            out: o.clone(),
        })
    });
    app.load_graph_json(graph).unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    let out = out.borrow().clone();
    (out, t)
}

const GRAPH: &str = r#"{
  "nodes": [
    {"type": "extension", "name": "d", "addon": "driver"},
    {"type": "extension", "name": "p1", "addon": "peer"},
    {"type": "extension", "name": "p2", "addon": "peer"},
    {"type": "extension", "name": "fail", "addon": "peer"}
  ],
  "connections": [
    {"extension": "d",
     "cmd": [{"name": "one", "dest": [{"extension": "p1"}]},
             {"name": "both", "dest": [{"extension": "p1"}, {"extension": "p2"}]},
             {"name": "mixed", "dest": [{"extension": "p1"}, {"extension": "fail"}, {"extension": "p2"}]}],
     "data": [{"names": ["x", "y"], "dest": [{"extension": "p1"}, {"extension": "p2"}]}]},
    {"extension": "p2", "cmd": [{"name": "reverse", "source": [{"extension": "d"}]}]}
  ]
}"#;

fn detail(r: Result<CmdResult, TenError>) -> String {
    match r {
        Ok(r) => format!("{:?} {}", r.status(), r.detail().unwrap_or_default()),
        Err(e) => format!("error {e}"),
    }
}

#[test]
fn commands_follow_dest_source_and_fan_out() {
    let (out, _t) = run_graph(
        GRAPH,
        Rc::new(|env: TenEnv| {
            Box::pin(async move {
                let mut out = Vec::new();
                for name in ["one", "both", "mixed", "reverse"] {
                    out.push(format!(
                        "{name}: {}",
                        detail(env.send_cmd(Cmd::new(name).unwrap()).await)
                    ));
                }
                out
            })
        }),
    );
    assert_eq!(
        out,
        [
            "one: Ok p1",
            "both: Ok p2",         // the last OK
            "mixed: Error failed", // the first ERROR wins
            "reverse: Ok p2",      // the `source` form
        ]
    );
}

#[test]
fn explicit_destinations_override_the_graph_and_no_route_is_an_error() {
    let (out, _t) = run_graph(
        GRAPH,
        Rc::new(|env: TenEnv| {
            Box::pin(async move {
                let mut to_p2 = Cmd::new("one").unwrap();
                to_p2.set_dests(["p2"]);
                let mut to_ghost = Cmd::new("one").unwrap();
                to_ghost.set_dests(["ghost"]);
                vec![
                    detail(env.send_cmd(to_p2).await),
                    detail(env.send_cmd(Cmd::new("nowhere").unwrap()).await),
                    detail(env.send_cmd(to_ghost).await),
                ]
            })
        }),
    );
    assert_eq!(out[0], "Ok p2");
    assert_eq!(
        out[1],
        "error Failed to find destination of a 'cmd' message 'nowhere' from graph."
    );
    assert!(out[2].contains("unknown destination extension 'ghost'"));
}

#[test]
fn data_goes_to_every_destination_by_name_and_unrouted_data_is_an_error() {
    let (out, t) = run_graph(
        GRAPH,
        Rc::new(|env: TenEnv| {
            Box::pin(async move {
                env.send_data(Data::new("x").unwrap()).unwrap();
                env.send_data(Data::new("y").unwrap()).unwrap();
                let err = env.send_data(Data::new("z").unwrap()).unwrap_err();
                assert_eq!(
                    err,
                    TenError::MsgNotConnected {
                        kind: MsgKind::Data,
                        name: "z".into()
                    }
                );
                evloop::sleep(Duration::from_millis(1)).await;
                vec![err.code().to_string()]
            })
        }),
    );
    assert_eq!(out, ["7"]);
    let mut data: Vec<_> = t
        .events()
        .into_iter()
        .filter(|e| e.contains("data"))
        .collect();
    data.sort();
    assert_eq!(data, ["p1 data x", "p1 data y", "p2 data x", "p2 data y"]);
}

#[test]
fn send_cmd_ex_gets_each_destinations_result() {
    use evloop::async_iter::AsyncIterator;
    let (out, _t) = run_graph(
        GRAPH,
        Rc::new(|env: TenEnv| {
            Box::pin(async move {
                let mut results = env.send_cmd_ex(Cmd::new("both").unwrap());
                let mut out = Vec::new();
                while let Some(r) = results.next().await {
                    let r = r.unwrap();
                    out.push(format!(
                        "{} completed={}",
                        r.detail().unwrap(),
                        r.is_completed()
                    ));
                }
                out
            })
        }),
    );
    assert_eq!(out, ["p1 completed=false", "p2 completed=true"]);
}

/// Slow to stop, so it is still running when the others deinit; then sends to `d`.
struct SlowStopper(Trace);

impl Extension for SlowStopper {
    fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            evloop::sleep(Duration::from_millis(50)).await;
            let mut cmd = Cmd::new("late")?;
            cmd.set_dests(["d"]);
            let r = env.send_cmd(cmd).await?;
            self.0.log(format!(
                "cmd to a deinitialising extension: {:?} {}",
                r.status(),
                r.detail().unwrap()
            ));
            Ok(())
        })
    }
    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move { reply.send(CmdResult::ok(&cmd)) })
    }
}

#[test]
fn deinit_refuses_commands_but_an_extension_still_gets_its_own_results() {
    struct SlowDeinit(Trace);
    impl Extension for SlowDeinit {
        fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
            let t = self.0.clone();
            Box::pin(async move {
                let r = env.send_cmd(Cmd::new("one")?).await?;
                t.log(format!("result during deinit: {:?}", r.status()));
                evloop::sleep(Duration::from_millis(200)).await;
                Ok(())
            })
        }
    }
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let mut app = App::new();
    let (t1, t2) = (t.clone(), t.clone());
    app.register("slow_deinit", move || Rc::new(SlowDeinit(t1.clone())));
    app.register("slow_stop", move || Rc::new(SlowStopper(t2.clone())));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "d", "addon": "slow_deinit"},
                      {"type": "extension", "name": "s", "addon": "slow_stop"}],
            "connections": [{"extension": "d", "cmd": [{"name": "one", "dest": [{"extension": "s"}]}]}]}"#,
    )
    .unwrap();
    let h = app.handle();
    ev.call_later(Duration::from_millis(1), move || h.close())
        .unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    t.assert(&[
        "result during deinit: Ok",
        "cmd to a deinitialising extension: Error The destination extension is in its de-initialization phase.",
    ]);
}
