//! Handling: concurrent and ordered modes, faults in hooks and handlers, shutdown with
//! commands in flight, properties.
#![cfg(feature = "ext")]

use crate::util;

use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{
    App, Cmd, CmdResult, Extension, ExtensionTester, HookFuture, MessageMode, Responder,
    StatusCode, TenEnv, TenError,
};
use util::{Trace, manual_loop};

/// Logs "<name> start"/"<name> end" around a sleep of `ms` given in the command's property.
struct Worker {
    t: Trace,
    mode: MessageMode,
}

impl Extension for Worker {
    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            let ms = cmd.properties().get_int("ms")? as u64;
            self.t.log(format!("{} start", cmd.name()));
            evloop::sleep(Duration::from_millis(ms)).await;
            self.t.log(format!("{} end", cmd.name()));
            reply.send(CmdResult::ok(&cmd))
        })
    }
    fn message_mode(&self) -> MessageMode {
        self.mode
    }
}

fn interleaving(mode: MessageMode) -> Vec<String> {
    let t = Trace::new();
    let tw = t.clone();
    let (ev, _clock) = manual_loop();
    let out = ev
        .run_until_complete(
            ExtensionTester::single("worker", move || {
                Rc::new(Worker {
                    t: tw.clone(),
                    mode,
                })
            })
            .run_async(async |ctx| {
                let mut slow = Cmd::new("slow")?;
                slow.properties_mut().set_int("ms", 20)?;
                let mut fast = Cmd::new("fast")?;
                fast.properties_mut().set_int("ms", 5)?;
                let env = ctx.env();
                let (a, b) = evloop::gather!(env.send_cmd(slow), env.send_cmd(fast))
                    .await
                    .map_err(|e| TenError::Generic(e.to_string()))?;
                assert!(a?.is_ok() && b?.is_ok());
                Ok(())
            }),
        )
        .unwrap();
    assert_eq!(out, Ok(()));
    t.events()
}

#[test]
fn handlers_interleave_by_default_and_run_one_at_a_time_when_ordered() {
    assert_eq!(
        interleaving(MessageMode::Concurrent),
        ["slow start", "fast start", "fast end", "slow end"]
    );
    assert_eq!(
        interleaving(MessageMode::Ordered),
        ["slow start", "slow end", "fast start", "fast end"]
    );
}

/// Panics in on_init and in on_cmd("boom"); otherwise answers OK.
struct Faulty;

impl Extension for Faulty {
    fn on_init(self: Rc<Self>, _env: TenEnv) -> HookFuture {
        Box::pin(async { panic!("init exploded") })
    }
    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            if cmd.name() == "boom" {
                panic!("handler exploded");
            }
            if cmd.name() == "err" {
                return Err(TenError::Generic("handler failed".into()));
            }
            reply.send(CmdResult::ok(&cmd))
        })
    }
}

#[test]
fn panics_and_errors_are_logged_with_the_name_and_the_sender_gets_an_error() {
    let logs = Trace::new();
    let (ev, _clock) = manual_loop();
    let l = logs.clone();
    let tester =
        ExtensionTester::single("faulty", || Rc::new(Faulty)).on_log(move |r| l.log(r.to_string()));
    let out = ev
        .run_until_complete(tester.run_async(async |ctx| {
            let r = ctx.send_cmd(Cmd::new("boom")?).await?;
            assert_eq!(r.status(), StatusCode::Error);
            let r = ctx.send_cmd(Cmd::new("err")?).await?;
            assert_eq!(r.status(), StatusCode::Error);
            // The extension keeps working after both failures (and after on_init's panic).
            assert!(ctx.send_cmd(Cmd::new("fine")?).await?.is_ok());
            Ok(())
        }))
        .unwrap();
    // Since issue 26 the app's outcome names the failed hook (it was Ok after a failed init).
    assert_eq!(
        out,
        Err(TenError::HookFailed {
            extension: "faulty".into(),
            hook: "on_init".into(),
            reason: "panic: init exploded".into()
        })
    );
    let logs = logs.events().join("\n");
    for expected in [
        "faulty",
        "on_init failed: panic: init exploded",
        "on_cmd failed: panic: handler exploded",
        "on_cmd failed: error: handler failed",
    ] {
        assert!(logs.contains(expected), "{expected} not in:\n{logs}");
    }
}

/// Sends "hello" to a peer that never answers, then closes the app while waiting.
struct Impatient(Trace);

impl Extension for Impatient {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let t = self.0.clone();
        evloop::spawn(async move {
            let r = env.send_cmd(Cmd::new("hello").unwrap()).await.unwrap();
            t.log(format!(
                "waiting sender resumed: {:?} {}",
                r.status(),
                r.detail().unwrap()
            ));
        });
        Box::pin(async { Ok(()) })
    }
}

/// Never answers; logs if a command arrives during deinit.
struct Mute;

impl Extension for Mute {
    fn on_cmd(self: Rc<Self>, _env: TenEnv, _cmd: Cmd, reply: Responder) -> HookFuture {
        Box::pin(async move {
            evloop::sleep(Duration::from_secs(3600)).await;
            drop(reply);
            Ok(())
        })
    }
}

#[test]
fn shutdown_answers_commands_in_flight_and_leaves_nothing_running() {
    let t = Trace::new();
    let (ev, _clock) = manual_loop();
    let mut app = App::new();
    let ti = t.clone();
    app.register("impatient", move || Rc::new(Impatient(ti.clone())));
    app.register("mute", || Rc::new(Mute));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "i", "addon": "impatient"},
                      {"type": "extension", "name": "m", "addon": "mute"}],
            "connections": [{"extension": "i", "cmd": [{"name": "hello", "dest": [{"extension": "m"}]}]}]}"#,
    )
    .unwrap();
    let h = app.handle();
    ev.call_later(Duration::from_secs(1), move || h.close())
        .unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    // The mute handler was cancelled at m's shutdown; its dropped reply answered ERROR.
    let events = t.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].starts_with("waiting sender resumed: Error"),
        "{events:?}"
    );
    assert!(ev.all_tasks().is_empty(), "nothing left running");
}

/// Reads properties in on_start; tries init_property_from_json too late.
struct Configured(Trace);

impl Extension for Configured {
    fn on_configure(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            env.init_property_from_json(r#"{"own": 1, "shared": {"a": 1, "b": 1}}"#)?;
            Ok(())
        })
    }
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let late = env.init_property_from_json("{}").unwrap_err();
            self.0.log(format!("late init: {late}"));
            self.0.log(format!(
                "own={} a={} b={} list1={}",
                env.get_property_int("own")?,
                env.get_property_int("shared.a")?,
                env.get_property_int("shared.b")?,
                env.get_property_string("list[1]")?
            ));
            env.close_app();
            Ok(())
        })
    }
}

#[test]
fn node_properties_merge_over_the_extensions_own() {
    let t = Trace::new();
    let (ev, _clock) = manual_loop();
    let mut app = App::new();
    let tc = t.clone();
    app.register("configured", move || Rc::new(Configured(tc.clone())));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "c", "addon": "configured",
                       "property": {"shared": {"b": 2}, "list": ["x", "y"]}}]}"#,
    )
    .unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    t.assert(&[
        "late init: Invalid timing to init property.",
        "own=1 a=1 b=2 list1=y",
    ]);
}

#[test]
fn an_unknown_addon_is_an_error_not_a_panic() {
    let mut app = App::new();
    let err = app
        .load_graph_json(r#"{"nodes": [{"type": "extension", "name": "x", "addon": "ghost"}]}"#)
        .err()
        .unwrap();
    assert!(err.to_string().contains("unknown addon 'ghost'"));
    let bad = App::new().load_graph_json("{ nodes: }").err().unwrap();
    assert!(matches!(bad, TenError::InvalidJson { line: 1, .. }));
}

#[test]
fn graphs_and_property_files_load_from_disk() {
    let dir = std::env::temp_dir().join(format!("evloop-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let graph = dir.join("graph.json");
    std::fs::write(
        &graph,
        r#"{"nodes": [{"type": "extension", "name": "w", "addon": "worker"}]}"#,
    )
    .unwrap();
    let property = dir.join("property.json");
    std::fs::write(
        &property,
        r#"{"ten": {"predefined_graphs": [
            {"name": "off", "auto_start": false, "graph": {"nodes": []}},
            {"name": "main", "auto_start": true, "sync_stop_before_deinit": true,
             "graph": {"nodes": [{"type": "extension", "name": "w", "addon": "worker"}]}}]}}"#,
    )
    .unwrap();
    let mut app = App::new();
    app.register("worker", || {
        Rc::new(Worker {
            t: Trace::new(),
            mode: MessageMode::Concurrent,
        })
    });
    assert!(app.load_graph_file(&graph).is_ok());
    assert!(app.load_property_file(&property).is_ok());
    // Since issue 26 the predefined graphs are kept by name, each with its own
    // sync_stop_before_deinit, rather than the first auto_start one copied into the options.
    assert_eq!(app.handle().predefined_graphs(), ["off", "main"]);
    let missing = app.load_graph_file(dir.join("nope.json")).err().unwrap();
    assert!(missing.to_string().contains("cannot read"));
    std::fs::remove_dir_all(&dir).unwrap();
}
