#![cfg(feature = "ext")]
//! Extension lifecycle: hook order, no cross-extension barrier, messages held until init is
//! done, close during init skipping ahead, and the stage watchdog.

mod util;

use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{App, Cmd, CmdResult, Extension, HookFuture, Responder, TenEnv};
use util::{Trace, manual_loop};

/// Logs each hook as "<name> <hook>", sleeping `init_ms` in on_init.
struct Logged {
    t: Trace,
    init_ms: u64,
    send_in_configure: bool,
}

fn hook_future(t: &Trace, env: &TenEnv, hook: &str) -> HookFuture {
    let (t, line) = (t.clone(), format!("{} {hook}", env.name()));
    Box::pin(async move {
        t.log(line);
        Ok(())
    })
}

impl Extension for Logged {
    fn on_configure(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            self.t.log(format!("{} on_configure", env.name()));
            if self.send_in_configure {
                // Sent before the receiver finished init: held until it did.
                let r = env.send_cmd(Cmd::new("ping")?).await?;
                self.t
                    .log(format!("{} got {}", env.name(), r.detail().unwrap()));
            }
            Ok(())
        })
    }
    fn on_init(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            self.t.log(format!("{} on_init", env.name()));
            evloop::sleep(Duration::from_millis(self.init_ms)).await;
            self.t.log(format!("{} init done", env.name()));
            Ok(())
        })
    }
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        hook_future(&self.t, &env, "on_start")
    }
    fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
        hook_future(&self.t, &env, "on_stop")
    }
    fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
        hook_future(&self.t, &env, "on_deinit")
    }
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            self.t.log(format!("{} on_cmd {}", env.name(), cmd.name()));
            let mut r = CmdResult::ok(&cmd);
            r.set_detail("pong");
            reply.send(r)
        })
    }
}

const TWO: &str = r#"{
  "nodes": [{"type": "extension", "name": "a", "addon": "a"},
            {"type": "extension", "name": "b", "addon": "b"}],
  "connections": [{"extension": "a", "cmd": [{"name": "ping", "dest": [{"extension": "b"}]}]}]
}"#;

#[test]
fn hooks_run_in_order_and_messages_wait_for_init() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let mut app = App::new();
    let (ta, tb) = (t.clone(), t.clone());
    app.register("a", move || {
        Rc::new(Logged {
            t: ta.clone(),
            init_ms: 0,
            send_in_configure: true,
        })
    });
    app.register("b", move || {
        Rc::new(Logged {
            t: tb.clone(),
            init_ms: 100,
            send_in_configure: false,
        })
    });
    app.load_graph_json(TWO).unwrap();
    let handle = app.handle();
    ev.call_later(Duration::from_secs(1), move || handle.close())
        .unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    let events = t.events();
    let pos = |e: &str| {
        events
            .iter()
            .position(|x| x == e)
            .unwrap_or_else(|| panic!("{e} missing: {events:?}"))
    };
    // Within one extension: configure, init, start, stop, deinit.
    for ext in ["a", "b"] {
        let order: Vec<_> = [
            "on_configure",
            "on_init",
            "on_start",
            "on_stop",
            "on_deinit",
        ]
        .iter()
        .map(|h| pos(&format!("{ext} {h}")))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{ext}: {events:?}");
    }
    // a's command reached b only after b's init was done.
    assert!(pos("b init done") < pos("b on_cmd ping"));
    assert!(pos("b on_cmd ping") < pos("a got pong"));
    // No barrier: a is still configuring (waiting on b) while b already initialises.
    assert!(pos("b on_init") < pos("a got pong"));
}

#[test]
fn a_close_during_init_skips_start() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let mut app = App::new();
    let tb = t.clone();
    app.register("b", move || {
        Rc::new(Logged {
            t: tb.clone(),
            init_ms: 500,
            send_in_configure: false,
        })
    });
    app.load_graph_json(r#"{"nodes": [{"type": "extension", "name": "b", "addon": "b"}]}"#)
        .unwrap();
    let handle = app.handle();
    ev.call_later(Duration::from_millis(100), move || handle.close())
        .unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    t.assert(&[
        "b on_configure",
        "b on_init",
        "b init done",
        "b on_stop",
        "b on_deinit",
    ]);
}

struct Stuck;

impl Extension for Stuck {
    fn on_init(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            evloop::sleep(Duration::from_secs(60)).await;
            env.close_app();
            Ok(())
        })
    }
}

#[test]
fn a_stuck_stage_is_reported_with_the_extensions_name() {
    let (ev, _clock) = manual_loop();
    let logs = Trace::new();
    let mut app = App::new();
    app.register("stuck", || Rc::new(Stuck));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "slowpoke", "addon": "stuck"}]}"#,
    )
    .unwrap();
    app.options_mut().stage_watchdog = Duration::from_secs(5);
    let l = logs.clone();
    app.on_log(move |r| l.log(r.to_string()));
    ev.run_until_complete(app.run()).unwrap().unwrap();
    let events = logs.events();
    assert!(
        events
            .iter()
            .any(|e| e.contains("slowpoke") && e.contains("still in on_init")),
        "{events:?}"
    );
}
