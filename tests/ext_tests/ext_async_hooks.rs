//! Hooks as `async fn` (issue 26, point 4): an extension written as TEN's Python writes it,
//! `async def on_x(self, ten_env, ...)`, runs through the same lifecycle, routing and
//! failure handling as a hand-boxed [`Extension`](evloop::ext::Extension).
//!
//! The TEN Python program each test mirrors is quoted above it.
#![cfg(feature = "ext")]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{
    App, AsyncExtension, Cmd, CmdResult, Data, ExtensionTester, MessageMode, Responder, TenEnv,
    TenError,
};

type Lines = Rc<RefCell<Vec<String>>>;

/// Every hook awaits, then records its name.
struct Recorder(Lines);

impl Recorder {
    async fn record(&self, env: &TenEnv, what: &str) {
        evloop::sleep(Duration::from_millis(1)).await;
        self.0.borrow_mut().push(format!("{} {what}", env.name()));
    }
}

impl AsyncExtension for Recorder {
    async fn on_configure(&self, env: &TenEnv) -> Result<(), TenError> {
        self.record(env, "on_configure").await;
        Ok(())
    }
    async fn on_init(&self, env: &TenEnv) -> Result<(), TenError> {
        self.record(env, "on_init").await;
        Ok(())
    }
    async fn on_start(&self, env: &TenEnv) -> Result<(), TenError> {
        self.record(env, "on_start").await;
        Ok(())
    }
    async fn on_stop(&self, env: &TenEnv) -> Result<(), TenError> {
        self.record(env, "on_stop").await;
        Ok(())
    }
    async fn on_deinit(&self, env: &TenEnv) -> Result<(), TenError> {
        self.record(env, "on_deinit").await;
        Ok(())
    }
    async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
        self.record(env, &format!("on_cmd {}", cmd.name())).await;
        let mut r = CmdResult::ok(&cmd);
        r.set_detail("done");
        reply.send(r)
    }
    async fn on_data(&self, env: &TenEnv, data: Data) -> Result<(), TenError> {
        self.record(env, &format!("on_data {}", data.name())).await;
        Ok(())
    }
}

/// ```python
/// class Recorder(AsyncExtension):
///     async def on_configure(self, ten_env): await asyncio.sleep(0.001); log("on_configure")
///     ...                                    # on_init, on_start, on_stop, on_deinit alike
///     async def on_cmd(self, ten_env, cmd):
///         await asyncio.sleep(0.001); log(f"on_cmd {cmd.get_name()}")
///         r = CmdResult.create(StatusCode.OK, cmd); r.set_property_string("detail", "done")
///         await ten_env.return_result(r)
///     async def on_data(self, ten_env, data): await asyncio.sleep(0.001); log(...)
/// ```
/// driven by an `AsyncExtensionTester` that sends one command and one data message.
#[test]
fn async_fn_hooks_run_the_whole_lifecycle_in_ten_order() {
    let lines: Lines = Rc::default();
    let l = lines.clone();
    let outcome = ExtensionTester::single("rec", move || Rc::new(Recorder(l.clone())))
        .timeout(Duration::from_secs(30))
        .run(async |ctx| {
            let result = ctx.send_cmd(Cmd::new("hello")?).await?;
            assert_eq!(result.detail().as_deref(), Some("done"));
            ctx.send_data(Data::new("frame")?)?;
            evloop::sleep(Duration::from_millis(20)).await;
            Ok(())
        });
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        *lines.borrow(),
        [
            "rec on_configure",
            "rec on_init",
            "rec on_start",
            "rec on_cmd hello",
            "rec on_data frame",
            "rec on_stop",
            "rec on_deinit",
        ]
    );
}

/// Forwards every command to `next` and answers with `next`'s result (TEN's
/// `cmd_result = await ten_env.send_cmd(Cmd.create("hello"))`).
struct Forwarder;

impl AsyncExtension for Forwarder {
    async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
        let downstream = env.send_cmd(Cmd::new("hello")?).await?;
        let mut result = CmdResult::new(downstream.status(), &cmd);
        result.properties = downstream.properties;
        reply.send(result)
    }
}

/// An `async fn on_cmd` that awaits another extension's answer, in a graph, as the seed's
/// `DefaultAsyncExtension` does (`examples/extension_forwards_cmd.rs` prints it).
#[test]
fn an_async_fn_handler_awaits_another_extension() {
    let lines: Lines = Rc::default();
    let l = lines.clone();
    let mut tester = ExtensionTester::graph(
        r#"{"nodes": [
              {"type": "extension", "name": "ten:test_extension", "addon": "t"},
              {"type": "extension", "name": "fwd", "addon": "fwd"},
              {"type": "extension", "name": "rec", "addon": "rec"}],
            "connections": [
              {"extension": "ten:test_extension", "cmd": [{"name": "test", "dest": [{"extension": "fwd"}]}]},
              {"extension": "fwd", "cmd": [{"name": "hello", "dest": [{"extension": "rec"}]}]}]}"#,
    )
    .unwrap();
    tester = tester
        .register("fwd", || Rc::new(Forwarder))
        .register("rec", move || Rc::new(Recorder(l.clone())));
    let outcome = tester.run(async |ctx| {
        let result = ctx.send_cmd(Cmd::new("test")?).await?;
        assert_eq!(result.detail().as_deref(), Some("done"));
        Ok(())
    });
    assert_eq!(outcome, Ok(()));
    assert!(lines.borrow().contains(&"rec on_cmd hello".to_string()));
}

/// Ordered mode from an `AsyncExtension`: the slower first command still finishes first.
struct Ordered(Lines);

impl AsyncExtension for Ordered {
    async fn on_cmd(&self, _env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
        let wait = if cmd.name() == "slow" { 20 } else { 1 };
        evloop::sleep(Duration::from_millis(wait)).await;
        self.0.borrow_mut().push(cmd.name().to_string());
        reply.send(CmdResult::ok(&cmd))
    }
    fn message_mode(&self) -> MessageMode {
        MessageMode::Ordered
    }
}

#[test]
fn message_mode_of_an_async_extension_is_honoured() {
    let lines: Lines = Rc::default();
    let l = lines.clone();
    let outcome =
        ExtensionTester::single("ord", move || Rc::new(Ordered(l.clone()))).run(async |ctx| {
            let slow = ctx.send_cmd(Cmd::new("slow")?);
            let fast = ctx.send_cmd(Cmd::new("fast")?);
            let (a, b) = futures::future::join(slow, fast).await; // both in flight
            a?;
            b?;
            Ok(())
        });
    assert_eq!(outcome, Ok(()));
    assert_eq!(*lines.borrow(), ["slow", "fast"]);
}

/// An `async fn` hook that panics (before its first await: in Python, an exception raised
/// at the top of `async def on_start`) fails the app by name and stage; the rest shuts down.
struct PanicsAtStart;

impl AsyncExtension for PanicsAtStart {
    async fn on_start(&self, _env: &TenEnv) -> Result<(), TenError> {
        panic!("no start for you");
    }
}

/// Closes the app once started, and records its deinit.
struct Closer(Lines);

impl AsyncExtension for Closer {
    async fn on_start(&self, env: &TenEnv) -> Result<(), TenError> {
        env.close_app();
        Ok(())
    }
    async fn on_deinit(&self, env: &TenEnv) -> Result<(), TenError> {
        self.0.borrow_mut().push(format!("deinit {}", env.name()));
        Ok(())
    }
}

#[test]
fn a_panicking_async_fn_hook_fails_the_app_by_name_and_stage() {
    let lines: Lines = Rc::default();
    let l = lines.clone();
    let mut app = App::new();
    app.register("panics", || Rc::new(PanicsAtStart));
    app.register("closer", move || Rc::new(Closer(l.clone())));
    app.on_log(|_| ());
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "p", "addon": "panics"},
                      {"type": "extension", "name": "c", "addon": "closer"}]}"#,
    )
    .unwrap();
    let out = evloop::run(app.run()).unwrap();
    assert_eq!(
        out,
        Err(TenError::HookFailed {
            extension: "p".into(),
            hook: "on_start".into(),
            reason: "panic: no start for you".into()
        })
    );
    assert_eq!(*lines.borrow(), ["deinit c"]);
}
