//! Command results: streaming, the reply handle's rules, path timeout, abandoning a command.
#![cfg(feature = "ext")]

use crate::util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::async_iter::AsyncIterator;
use evloop::ext::{
    Cmd, CmdResult, Extension, ExtensionTester, HookFuture, Responder, StatusCode, TenEnv, TenError,
};

/// Answers by command name: "stream" (three results), "forget" (drops the reply),
/// "twice" (answers twice), "silent" (keeps the reply forever), "slow" (after 10 s).
struct Server {
    double_reply: Rc<Cell<Option<bool>>>,
}

impl Extension for Server {
    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            match cmd.name() {
                "stream" => {
                    for i in 0..3 {
                        let mut r = CmdResult::ok(&cmd);
                        r.set_detail(&format!("part {i}"));
                        r.set_final(i == 2);
                        reply.send(r)?;
                        evloop::sleep(Duration::from_millis(1)).await;
                    }
                }
                "forget" => drop(reply),
                "twice" => {
                    reply.send(CmdResult::ok(&cmd))?;
                    let second = reply.send(CmdResult::ok(&cmd));
                    self.double_reply
                        .set(Some(second == Err(TenError::AlreadyAnswered)));
                }
                "silent" => {
                    evloop::sleep(Duration::from_secs(3600)).await;
                    drop(reply);
                }
                "slow" => {
                    evloop::sleep(Duration::from_secs(10)).await;
                    reply.send(CmdResult::ok(&cmd))?;
                }
                _ => reply.send(CmdResult::ok(&cmd))?,
            }
            Ok(())
        })
    }
}

fn tester(flag: Rc<Cell<Option<bool>>>) -> ExtensionTester {
    ExtensionTester::single("server", move || {
        Rc::new(Server {
            double_reply: flag.clone(),
        })
    })
}

fn run_virtual(
    t: ExtensionTester,
    body: impl AsyncFnOnce(evloop::ext::TestContext) -> Result<(), TenError> + 'static,
) -> Result<(), TenError> {
    let (ev, _clock) = util::manual_loop();
    ev.run_until_complete(t.run_async(body)).unwrap()
}

#[test]
fn send_cmd_ex_streams_every_result_until_the_completed_one() {
    let out = run_virtual(tester(Rc::default()), async |ctx| {
        let mut results = ctx.env().send_cmd_ex(Cmd::new("stream")?);
        let mut seen = Vec::new();
        while let Some(r) = results.next().await {
            let r = r?;
            seen.push((r.detail().unwrap(), r.is_final(), r.is_completed()));
        }
        assert_eq!(
            seen,
            [
                ("part 0".to_string(), false, false),
                ("part 1".to_string(), false, false),
                ("part 2".to_string(), true, true)
            ]
        );
        // send_cmd skips the partial results and gives the completed one.
        let last = ctx.send_cmd(Cmd::new("stream")?).await?;
        assert_eq!(last.detail().as_deref(), Some("part 2"));
        Ok(())
    });
    assert_eq!(out, Ok(()));
}

#[test]
fn a_dropped_reply_sends_an_error_and_a_second_reply_is_refused() {
    let flag = Rc::new(Cell::new(None));
    let out = run_virtual(tester(flag.clone()), async |ctx| {
        let r = ctx.send_cmd(Cmd::new("forget")?).await?;
        assert_eq!(r.status(), StatusCode::Error);
        assert!(r.detail().unwrap().contains("not answered"));
        let r = ctx.send_cmd(Cmd::new("twice")?).await?;
        assert!(r.is_ok());
        Ok(())
    });
    assert_eq!(out, Ok(()));
    assert_eq!(
        flag.get(),
        Some(true),
        "the second reply was AlreadyAnswered"
    );
}

#[test]
fn an_unanswered_command_gets_a_path_timeout_error() {
    let (ev, _clock) = util::manual_loop();
    let start = ev.time();
    let out = ev
        .run_until_complete(
            tester(Rc::default())
                .timeout(Duration::from_secs(600))
                .run_async(async |ctx| {
                    let r = ctx.send_cmd(Cmd::new("silent")?).await?;
                    assert_eq!(r.status(), StatusCode::Error);
                    assert_eq!(r.detail().as_deref(), Some("Path timeout."));
                    Ok(())
                }),
        )
        .unwrap();
    assert_eq!(out, Ok(()));
    let waited = ev.time() - start;
    assert!(
        waited >= Duration::from_secs(180),
        "TEN's default 3 minutes: {waited:?}"
    );
}

#[test]
fn a_command_with_a_timeout_is_abandoned_and_its_late_result_discarded() {
    let out = run_virtual(tester(Rc::default()), async |ctx| {
        let r = ctx
            .env()
            .send_cmd_timeout(Cmd::new("slow")?, Duration::from_secs(1))
            .await;
        assert_eq!(r, Err(TenError::Timeout));
        // The late result arrives at 10 s and is discarded; the next command is unaffected.
        evloop::sleep(Duration::from_secs(20)).await;
        assert!(ctx.send_cmd(Cmd::new("plain")?).await?.is_ok());
        Ok(())
    });
    assert_eq!(out, Ok(()));
}

#[test]
fn a_per_extension_path_timeout_comes_from_its_ten_property() {
    let (ev, _clock) = util::manual_loop();
    let start = ev.time();
    let out = ev
        .run_until_complete(tester(Rc::default()).run_async(async |ctx| {
            // The tester's own property: 2 s, in microseconds as TEN has it.
            ctx.env()
                .set_property_json("ten", r#"{"path_timeout": 2000000}"#)?;
            let r = ctx.send_cmd(Cmd::new("silent")?).await?;
            assert_eq!(r.detail().as_deref(), Some("Path timeout."));
            Ok(())
        }))
        .unwrap();
    assert_eq!(out, Ok(()));
    let waited = ev.time() - start;
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(60),
        "{waited:?}"
    );
}

#[test]
fn stop_test_ends_the_test_with_its_outcome() {
    let out = run_virtual(tester(Rc::default()), async |ctx| {
        ctx.stop_test(Err(TenError::Generic("stopped early".into())));
        evloop::sleep(Duration::from_secs(3600)).await;
        Ok(())
    });
    assert_eq!(out, Err(TenError::Generic("stopped early".into())));
}

/// Path timeouts are checked per epoch (`src/ext/path_sweep.rs`): a command sent while
/// another of the same extension waits gets its deadline when the sweep next fires, at most
/// an epoch (a sixteenth of the timeout here, 125 ms) after it was sent. It never times out
/// early, and the first command of an epoch times out exactly on time.
#[test]
fn a_command_sent_while_another_waits_times_out_on_time_or_at_most_an_epoch_late() {
    let timeout = Duration::from_secs(2);
    let epoch = timeout / 16;
    for gap in [Duration::from_millis(50), Duration::from_secs(1)] {
        let (ev, _clock) = util::manual_loop();
        let out = ev
            .run_until_complete(tester(Rc::default()).run_async(async move |ctx| {
                ctx.env()
                    .set_property_json("ten", r#"{"path_timeout": 2000000}"#)?;
                let now = || evloop::get_running_loop().unwrap().time();
                let env = ctx.env().clone();
                let first = evloop::spawn(async move {
                    let sent = now();
                    let r = env.send_cmd(Cmd::new("silent")?).await?;
                    assert_eq!(r.detail().as_deref(), Some("Path timeout."));
                    Ok::<_, TenError>(now() - sent)
                });
                evloop::sleep(gap).await;
                let sent = now();
                let r = ctx.send_cmd(Cmd::new("silent")?).await?;
                assert_eq!(r.detail().as_deref(), Some("Path timeout."));
                let waited = now() - sent;
                assert!(
                    waited >= timeout && waited <= timeout + epoch,
                    "sent {gap:?} after the first: waited {waited:?}"
                );
                assert_eq!(first.await.unwrap()?, timeout, "the first is on time");
                Ok(())
            }))
            .unwrap();
        assert_eq!(out, Ok(()), "gap {gap:?}");
    }
}
