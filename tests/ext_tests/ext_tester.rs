//! The tester: single mode, expectations, timeout, graph mode.
#![cfg(feature = "ext")]

use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{
    Cmd, CmdResult, Data, Extension, ExtensionTester, HookFuture, Responder, TenEnv, TenError,
};

/// On "greet", sends a "hello" cmd and a "log" data message out, then answers OK.
struct Greeter;

impl Extension for Greeter {
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            env.send_data(Data::new("log")?)?;
            let hello = env.send_cmd(Cmd::new("hello")?).await?;
            let mut r = CmdResult::ok(&cmd);
            r.set_detail(&hello.detail().unwrap_or_default());
            reply.send(r)
        })
    }
}

#[test]
fn single_mode_sees_everything_the_extension_sends() {
    let out = ExtensionTester::single("greeter", || Rc::new(Greeter))
        .timeout(Duration::from_secs(10))
        .run(async |ctx| {
            let greeting = evloop::spawn({
                let env = ctx.env().clone();
                async move { env.send_cmd(Cmd::new("greet").unwrap()).await }
            });
            let data = ctx.expect_data("log", Duration::from_secs(1)).await?;
            assert_eq!(data.name(), "log");
            let (cmd, mut reply) = ctx.expect_cmd("hello", Duration::from_secs(1)).await?;
            let mut r = CmdResult::ok(&cmd);
            r.set_detail("hi there");
            reply.send(r)?;
            let result = greeting.await.unwrap()?;
            assert_eq!(result.detail().as_deref(), Some("hi there"));
            ctx.assert_no_cmd()?;
            ctx.assert_no_data()
        });
    assert_eq!(out, Ok(()));
}

#[test]
fn a_wrong_expectation_and_a_timeout_fail_the_test() {
    let wrong = ExtensionTester::single("greeter", || Rc::new(Greeter))
        .mock_cmd("hello", CmdResult::ok)
        .run(async |ctx| {
            ctx.send_cmd(Cmd::new("greet")?).await?;
            ctx.expect_data("other", Duration::from_secs(1))
                .await
                .map(|_| ())
        });
    assert_eq!(
        wrong,
        Err(TenError::Generic("expected data 'other', got 'log'".into()))
    );
    let timed_out = ExtensionTester::single("greeter", || Rc::new(Greeter))
        .timeout(Duration::from_millis(50))
        .run(async |_ctx| {
            evloop::sleep(Duration::from_secs(60)).await;
            Ok(())
        });
    assert_eq!(timed_out, Err(TenError::Timeout));
}

#[test]
fn graph_mode_uses_the_users_connections() {
    let out = ExtensionTester::graph(
        r#"{"nodes": [{"type": "extension", "name": "g", "addon": "greeter"},
                      {"type": "extension", "name": "ten:test_extension", "addon": "t"}],
            "connections": [
              {"extension": "ten:test_extension", "cmd": [{"name": "greet", "dest": [{"extension": "g"}]}]},
              {"extension": "g", "cmd": [{"name": "hello", "dest": [{"extension": "ten:test_extension"}]}],
                                 "data": [{"name": "log", "dest": [{"extension": "ten:test_extension"}]}]}]}"#,
    )
    .unwrap()
    .register("greeter", || Rc::new(Greeter))
    .mock_cmd("hello", |cmd| {
        let mut r = CmdResult::ok(cmd);
        r.set_detail("mocked");
        r
    })
    .run(async |ctx| {
        let r = ctx.send_cmd(Cmd::new("greet")?).await?;
        assert_eq!(r.detail().as_deref(), Some("mocked"));
        Ok(())
    });
    assert_eq!(out, Ok(()));
    assert!(
        ExtensionTester::graph(r#"{"nodes": []}"#).is_err(),
        "needs the test node"
    );
}

/// `pytest_ten`: a failed assertion in the test body fails the test at once with its message.
/// Here a panicking body ends `run` with [`TenError::TestPanicked`] carrying the message,
/// long before the (default, 3 minute) timeout: it used to hang until the timeout.
#[test]
fn a_panicking_assertion_ends_the_test_at_once_with_its_message() {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let out = ExtensionTester::single("greeter", || Rc::new(Greeter)).run(async |ctx| {
            ctx.send_data(Data::new("ignored")?)?;
            evloop::sleep(Duration::from_millis(1)).await;
            assert_eq!(1 + 1, 3, "arithmetic is broken");
            Ok(())
        });
        let _ = tx.send(out);
    });
    // Generous: the point is that it does not wait for the 180 s timeout.
    let out = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the test body panicked and the tester kept running");
    match out {
        Err(TenError::TestPanicked(message)) => {
            assert!(message.contains("arithmetic is broken"), "{message}")
        }
        other => panic!("expected TestPanicked, got {other:?}"),
    }
}
