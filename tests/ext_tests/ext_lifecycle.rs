//! Extension lifecycle: hook order, no cross-extension barrier, messages held until init is
//! done, close during init skipping ahead, and the stage watchdog.
#![cfg(feature = "ext")]

use crate::util;

use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{App, Cmd, CmdResult, Extension, HookFuture, Responder, TenEnv, TenError};
use util::{Trace, manual_loop};

/// Logs each hook as "<name> <hook>", sleeping `init_ms` in on_init.
struct Logged {
    t: Trace,
    init_ms: u64,
    send_in_configure: bool,
}

/// A hook that logs "<name> <hook>" and, if `explode`, panics.
fn hook_future(t: &Trace, env: &TenEnv, hook: &str, explode: bool) -> HookFuture {
    let (t, line) = (t.clone(), format!("{} {hook}", env.name()));
    Box::pin(async move {
        t.log(line);
        if explode {
            panic!("boom");
        }
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
                self.t.log(format!(
                    "{} got {}",
                    env.name(),
                    r.detail().unwrap_or_default()
                ));
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
        hook_future(&self.t, &env, "on_start", false)
    }
    fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
        hook_future(&self.t, &env, "on_stop", false)
    }
    fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
        hook_future(&self.t, &env, "on_deinit", false)
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

/// Panics in the hook named by its property "panic_in"; logs every hook it reaches.
struct Fragile(Trace);

impl Fragile {
    fn hook(&self, env: &TenEnv, name: &str) -> HookFuture {
        let explode = env.get_property_string("panic_in").ok().as_deref() == Some(name);
        hook_future(&self.0, env, name, explode)
    }
}

impl Extension for Fragile {
    fn on_configure(self: Rc<Self>, env: TenEnv) -> HookFuture {
        // The node's properties are merged only when configure ends, so configure goes by
        // the node's name instead.
        let explode = env.name() == "on_configure";
        hook_future(&self.0, &env, "on_configure", explode)
    }
    fn on_init(self: Rc<Self>, env: TenEnv) -> HookFuture {
        self.hook(&env, "on_init")
    }
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        self.hook(&env, "on_start")
    }
    fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
        self.hook(&env, "on_stop")
    }
    fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
        self.hook(&env, "on_deinit")
    }
}

#[test]
fn a_panic_in_any_hook_is_logged_and_the_lifecycle_goes_on() {
    for stage in [
        "on_configure",
        "on_init",
        "on_start",
        "on_stop",
        "on_deinit",
    ] {
        let (ev, _clock) = manual_loop();
        let (t, logs) = (Trace::new(), Trace::new());
        let mut app = App::new();
        let tf = t.clone();
        app.register("fragile", move || Rc::new(Fragile(tf.clone())));
        let l = logs.clone();
        app.on_log(move |r| l.log(r.to_string()));
        app.load_graph_json(&format!(
            r#"{{"nodes": [{{"type": "extension", "name": "{stage}", "addon": "fragile",
                             "property": {{"panic_in": "{stage}"}}}}]}}"#
        ))
        .unwrap();
        let h = app.handle();
        ev.call_later(Duration::from_secs(1), move || h.close())
            .unwrap();
        // Since issue 26 the app's outcome names the failed hook (it was Ok).
        let out = ev.run_until_complete(app.run()).unwrap();
        assert!(
            matches!(out, Err(TenError::HookFailed { ref hook, .. }) if hook == stage),
            "{out:?}"
        );
        let hooks: Vec<_> = t.events();
        assert_eq!(hooks.len(), 5, "{stage}: every hook still ran: {hooks:?}");
        let logs = logs.events().join("\n");
        assert!(
            logs.contains(&format!("{stage} failed: panic: boom")),
            "{stage}: {logs}"
        );
    }
}

#[test]
fn messages_can_arrive_while_on_start_runs() {
    // TEN's real gate is on_init_done: a handler may run during on_start.
    struct SlowStart(Trace);
    impl Extension for SlowStart {
        fn on_start(self: Rc<Self>, _env: TenEnv) -> HookFuture {
            let t = self.0.clone();
            Box::pin(async move {
                t.log("start begins");
                evloop::sleep(Duration::from_millis(100)).await;
                t.log("start ends");
                Ok(())
            })
        }
        fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
            self.0.log("on_cmd");
            Box::pin(async move { reply.send(CmdResult::ok(&cmd)) })
        }
    }
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
    app.register("b", move || Rc::new(SlowStart(tb.clone())));
    app.load_graph_json(TWO).unwrap();
    let h = app.handle();
    ev.call_later(Duration::from_secs(1), move || h.close())
        .unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    let events = t.events();
    let pos = |e: &str| events.iter().position(|x| x == e).unwrap();
    assert!(
        pos("start begins") < pos("on_cmd") && pos("on_cmd") < pos("start ends"),
        "{events:?}"
    );
}

#[test]
fn sync_stop_before_deinit_holds_deinit_until_every_stop_is_done() {
    struct Stopper(Trace, u64);
    impl Extension for Stopper {
        fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
            let (t, ms) = (self.0.clone(), self.1);
            Box::pin(async move {
                evloop::sleep(Duration::from_millis(ms)).await;
                t.log(format!("{} stopped", env.name()));
                Ok(())
            })
        }
        fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
            self.0.log(format!("{} deinit", env.name()));
            Box::pin(async { Ok(()) })
        }
    }
    for sync in [false, true] {
        let (ev, _clock) = manual_loop();
        let t = Trace::new();
        let mut app = App::new();
        let (tf, ts) = (t.clone(), t.clone());
        app.register("fast", move || Rc::new(Stopper(tf.clone(), 10)));
        app.register("slow", move || Rc::new(Stopper(ts.clone(), 100)));
        app.options_mut().sync_stop_before_deinit = sync;
        app.load_graph_json(
            r#"{"nodes": [{"type": "extension", "name": "fast", "addon": "fast"},
                          {"type": "extension", "name": "slow", "addon": "slow"}]}"#,
        )
        .unwrap();
        let h = app.handle();
        ev.call_later(Duration::from_millis(5), move || h.close())
            .unwrap();
        ev.run_until_complete(app.run()).unwrap().unwrap();
        let events = t.events();
        if sync {
            // Both stops before either deinit (the barrier's last arrival goes on first).
            assert!(
                events[..2].iter().all(|e| e.ends_with("stopped")),
                "{events:?}"
            );
            assert!(
                events[2..].iter().all(|e| e.ends_with("deinit")),
                "{events:?}"
            );
        } else {
            t.assert(&["fast stopped", "fast deinit", "slow stopped", "slow deinit"]);
        }
    }
}

#[test]
fn close_on_error_closes_the_app_on_a_failure() {
    struct FailsOnStart;
    impl Extension for FailsOnStart {
        fn on_start(self: Rc<Self>, _env: TenEnv) -> HookFuture {
            Box::pin(async { Err(evloop::ext::TenError::Generic("cannot start".into())) })
        }
    }
    let (ev, _clock) = manual_loop();
    let start = ev.time();
    let mut app = App::new();
    app.register("f", || Rc::new(FailsOnStart));
    app.on_log(|_| ());
    app.options_mut().close_on_error = true;
    app.load_graph_json(r#"{"nodes": [{"type": "extension", "name": "f", "addon": "f"}]}"#)
        .unwrap();
    // Nothing else would ever close this app.
    let out = ev.run_until_complete(app.run()).unwrap();
    assert!(
        matches!(out, Err(TenError::HookFailed { .. })),
        "issue 26: {out:?}"
    );
    assert!(ev.time() - start < Duration::from_secs(1));
}

/// The log sink is user code too: a sink that panics on every line costs those lines, not
/// the app. Every hook still runs, after a hook's panic too, and the app closes.
#[test]
fn a_panicking_log_sink_costs_its_lines_not_the_app() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let mut app = App::new();
    let tf = t.clone();
    app.register("fragile", move || Rc::new(Fragile(tf.clone())));
    app.on_log(|_| panic!("sink bug"));
    let reports = Trace::new();
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| r.log(format!("{}: {:?}", ctx.message, ctx.error)));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "x", "addon": "fragile",
                       "property": {"panic_in": "on_start"}}]}"#,
    )
    .unwrap();
    let h = app.handle();
    ev.call_later(Duration::from_secs(1), move || h.close())
        .unwrap();
    let out = ev.run_until_complete(app.run()).unwrap();
    assert!(
        matches!(out, Err(TenError::HookFailed { .. })),
        "issue 26: {out:?}"
    );
    assert_eq!(
        t.events().len(),
        5,
        "every hook still ran: {:?}",
        t.events()
    );
    // One report per line the sink refused; the hook's panic was one of those lines.
    let reports = reports.events();
    assert!(!reports.is_empty());
    assert!(
        reports
            .iter()
            .all(|r| r == "Exception in the app's log sink: Some(\"sink bug\")"),
        "{reports:?}"
    );
}
