//! Contained failures (issue 26, point 5): a hook that panics before it returns its future
//! (the synchronous part of TEN Python's `on_start`, before its first `await`) no longer
//! makes `app.run()` return `Ok` at once with nothing logged.
#![cfg(feature = "ext")]

use std::cell::RefCell;
use std::rc::Rc;

use evloop::ext::{App, Extension, HookFuture, TenEnv, TenError};

struct PanicsEarly;
impl Extension for PanicsEarly {
    fn on_start(self: Rc<Self>, _env: TenEnv) -> HookFuture {
        panic!("no future for you");
    }
}

struct Closer(Rc<RefCell<Vec<String>>>);
impl Extension for Closer {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            env.close_app();
            Ok(())
        })
    }
    fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            self.0.borrow_mut().push(format!("deinit {}", env.name()));
            Ok(())
        })
    }
}

#[test]
fn a_hook_panicking_before_its_future_fails_the_app_by_name_and_stage() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let logs = Rc::new(RefCell::new(Vec::new()));
    let mut app = App::new();
    app.register("early", || Rc::new(PanicsEarly));
    let l = log.clone();
    app.register("closer", move || Rc::new(Closer(l.clone())));
    let sink = logs.clone();
    app.on_log(move |r| sink.borrow_mut().push(r.to_string()));
    app.load_graph_json(
        r#"{"nodes": [{"type": "extension", "name": "e", "addon": "early"},
                      {"type": "extension", "name": "c", "addon": "closer"}]}"#,
    )
    .unwrap();
    let out = evloop::run(app.run()).unwrap();
    assert_eq!(
        out,
        Err(TenError::HookFailed {
            extension: "e".into(),
            hook: "on_start".into(),
            reason: "panic: no future for you".into()
        })
    );
    assert_eq!(
        *log.borrow(),
        ["deinit c"],
        "the rest of the app still shut down"
    );
    let logs = logs.borrow().join("\n");
    assert!(
        logs.contains("on_start failed: panic: no future for you"),
        "{logs}"
    );
}

mod ordered {
    use std::rc::Rc;

    use evloop::ext::{
        Cmd, CmdResult, Extension, ExtensionTester, HookFuture, MessageMode, Responder, StatusCode,
        TenEnv,
    };

    /// An ordered-mode extension whose `on_cmd` panics synchronously on "boom".
    struct Ordered;
    impl Extension for Ordered {
        fn message_mode(&self) -> MessageMode {
            MessageMode::Ordered
        }
        fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
            if cmd.name() == "boom" {
                panic!("sync handler panic");
            }
            Box::pin(async move { reply.send(CmdResult::ok(&cmd)) })
        }
    }

    /// TEN's ordered (one-at-a-time) handling: a command whose handler panicked before its
    /// future is answered with an ERROR, and the commands after it are still answered (the
    /// consumer died and every later command timed out).
    #[test]
    fn ordered_mode_survives_a_synchronous_panic_in_on_cmd() {
        let tester = ExtensionTester::single("ordered", || Rc::new(Ordered));
        let out = evloop::run(tester.run_async(async |ctx| {
            let r = ctx.send_cmd(Cmd::new("boom")?).await?;
            assert_eq!(r.status(), StatusCode::Error);
            for _ in 0..3 {
                assert!(ctx.send_cmd(Cmd::new("fine")?).await?.is_ok());
            }
            Ok(())
        }))
        .unwrap();
        assert_eq!(out, Ok(()));
    }
}

mod handler_errors {
    use std::rc::Rc;

    use evloop::ext::{
        Cmd, Extension, ExtensionTester, HookFuture, Responder, StatusCode, TenEnv, TenError,
    };

    /// `on_cmd` fails in the ways a real handler does, by command name.
    struct Failing;
    impl Extension for Failing {
        fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, reply: Responder) -> HookFuture {
            if cmd.name() == "sync_panic" {
                panic!("sync boom");
            }
            Box::pin(async move {
                let _reply = reply;
                evloop::sleep(std::time::Duration::from_millis(1)).await;
                match cmd.name() {
                    "err" => Err(TenError::Generic("the database is down".into())),
                    "panic" => panic!("async boom"),
                    _ => Ok(()), // forgot to answer
                }
            })
        }
    }

    /// TEN's Python binding reports an exception raised by `on_cmd` with its message: here a
    /// handler's `Err` reaches the sender as an ERROR result whose detail is the error's text,
    /// a panic as one with the panic's message (both were "The command was not answered",
    /// the responder being dropped before the error was known); only a handler that returned
    /// `Ok` without answering is "not answered".
    #[test]
    fn a_handler_error_or_panic_reaches_the_sender_as_that_error() {
        let tester = ExtensionTester::single("failing", || Rc::new(Failing));
        let out = evloop::run(tester.run_async(async |ctx| {
            let detail = async |name: &str| {
                let r = ctx.send_cmd(Cmd::new(name).unwrap()).await.unwrap();
                assert_eq!(r.status(), StatusCode::Error, "{name}");
                r.detail().unwrap_or_default()
            };
            assert_eq!(detail("err").await, "the database is down");
            assert_eq!(detail("panic").await, "panic: async boom");
            assert_eq!(detail("sync_panic").await, "panic: sync boom");
            assert!(
                detail("forgot").await.contains("not answered"),
                "Ok without an answer is still 'not answered'"
            );
            Ok(())
        }))
        .unwrap();
        assert_eq!(out, Ok(()));
    }
}
