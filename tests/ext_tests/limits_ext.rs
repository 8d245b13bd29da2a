//! Limits of the extension runtime (issue 28, point 4; the time limits and the whole
//! inventory are in `tests/coord_tests/limits_matrix.rs`): its durations at 0 and `MAX`, its
//! microsecond property at the ends of `i64`, its JSON limit to the byte and its property
//! indexes at the ends of `usize`. Time runs on the manual clock.
//!
//! | function | extremes | behaviour |
//! |---|---|---|
//! | `AppOptions::path_timeout` | 0, `MAX` | 0: "Path timeout." at the next turn; `MAX`: never |
//! | property `ten.path_timeout` (µs) | 1, 0, -1, `i64::MAX` | 1: times out; 0 and below: the app's; `MAX`: never |
//! | `AppOptions::stage_watchdog` | 0, `MAX` | 0: a stage that waits at all is reported; `MAX`: never |
//! | `ExtensionTester::timeout` | 0, `MAX` | 0: `Timeout` for a test that waits; `MAX`: never |
//! | `TenEnv::send_cmd_timeout` | 0, `MAX` | 0: `Timeout`, the late result dropped; `MAX`: the result |
//! | `TestContext::expect_data` | 0 | `Timeout` when nothing is queued |
//! | `Properties::set_json` | `MAX_JSON_BYTES` and one more; empty | accepted; `InputTooLarge`; `InvalidJson` |
//! | property paths `a[i]` | `usize::MAX`, `usize::MAX + 1` | out of range; invalid path |
//! | `Graph::route`, `node_index` | node `usize::MAX`, empty name | no routes; `None` |
#![cfg(feature = "ext")]

use crate::util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{
    App, Cmd, Extension, ExtensionTester, HookFuture, MAX_JSON_BYTES, MsgKind, Properties,
    Responder, TenEnv, TenError,
};
use util::limits::THOUSAND_DAYS;
use util::manual_loop;

/// Keeps every command's reply without answering.
struct Holder(RefCell<Vec<Responder>>);

impl Extension for Holder {
    fn on_cmd(self: Rc<Self>, _env: TenEnv, _cmd: Cmd, reply: Responder) -> HookFuture {
        self.0.borrow_mut().push(reply);
        Box::pin(async { Ok(()) })
    }
}

/// Sends "hold" at start, waits for the result for at most a thousand days, records what
/// came and after how long, and closes the app.
struct Caller(Rc<RefCell<Option<(String, Duration)>>>);

impl Extension for Caller {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let ev = evloop::get_running_loop().unwrap();
            let start = ev.time();
            let r = evloop::wait_for(env.send_cmd(Cmd::new("hold")?), THOUSAND_DAYS).await;
            let what = match r {
                Err(evloop::TimeoutError) => "no result".to_string(),
                Ok(Ok(result)) => result.detail().unwrap_or_default(),
                Ok(Err(e)) => e.to_string(),
            };
            *self.0.borrow_mut() = Some((what, ev.time() - start));
            env.close_app();
            Ok(())
        })
    }
}

/// Runs a caller (with `ten` properties `ten_json`) against a holder, the app's path timeout
/// set to `path_timeout`; gives what the caller got and after how long.
fn call_a_holder(path_timeout: Duration, ten_json: &str) -> (String, Duration) {
    let (ev, _clock) = manual_loop();
    let out = Rc::new(RefCell::new(None));
    let mut app = App::new();
    let o = out.clone();
    app.register("caller", move || Rc::new(Caller(o.clone())));
    app.register("holder", || Rc::new(Holder(RefCell::default())));
    app.load_graph_json(&format!(
        r#"{{"nodes": [{{"type": "extension", "name": "c", "addon": "caller",
                         "property": {{"ten": {ten_json}}}}},
                       {{"type": "extension", "name": "h", "addon": "holder"}}],
            "connections": [{{"extension": "c",
                              "cmd": [{{"name": "hold", "dest": [{{"extension": "h"}}]}}]}}]}}"#
    ))
    .unwrap();
    app.options_mut().path_timeout = path_timeout;
    ev.run_until_complete(app.run()).unwrap().unwrap();
    out.take().expect("the caller ran")
}

/// The app's path timeout at 0 and `MAX`, and an extension's `ten.path_timeout` (TEN's
/// microseconds) at 1, 0, -1 and `i64::MAX`: 0 answers "Path timeout." at once, `MAX` and
/// `i64::MAX` µs (292,000 years) saturate to "never" instead of overflowing, and a value of
/// 0 or below falls back to the app's.
#[test]
fn path_timeouts_at_zero_one_and_max() {
    let timed_out = "Path timeout.".to_string();
    let five = Duration::from_secs(5);
    assert_eq!(
        call_a_holder(Duration::ZERO, "{}"),
        (timed_out.clone(), Duration::ZERO)
    );
    let never = ("no result".to_string(), THOUSAND_DAYS);
    assert_eq!(call_a_holder(Duration::MAX, "{}"), never);
    let micro = r#"{"path_timeout": 1}"#;
    assert_eq!(
        call_a_holder(five, micro),
        (timed_out.clone(), Duration::from_micros(1))
    );
    for fallback in [r#"{"path_timeout": 0}"#, r#"{"path_timeout": -1}"#] {
        assert_eq!(call_a_holder(five, fallback), (timed_out.clone(), five));
    }
    let max = format!(r#"{{"path_timeout": {}}}"#, i64::MAX);
    assert_eq!(call_a_holder(five, &max), never);
}

/// Spends a minute in `on_init`, then closes the app.
struct Slow;

impl Extension for Slow {
    fn on_init(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            evloop::sleep(Duration::from_secs(60)).await;
            env.close_app();
            Ok(())
        })
    }
}

/// The stage watchdog at 0 and `MAX`: at 0 a stage that waits at all is reported, at `MAX`
/// none is (and nothing overflows).
#[test]
fn stage_watchdogs_of_zero_and_max() {
    for (watchdog, reported) in [(Duration::ZERO, true), (Duration::MAX, false)] {
        let (ev, _clock) = manual_loop();
        let logs = Rc::new(RefCell::new(Vec::new()));
        let mut app = App::new();
        app.register("slow", || Rc::new(Slow));
        app.load_graph_json(r#"{"nodes": [{"type": "extension", "name": "s", "addon": "slow"}]}"#)
            .unwrap();
        app.options_mut().stage_watchdog = watchdog;
        let l = logs.clone();
        app.on_log(move |r| l.borrow_mut().push(r.to_string()));
        ev.run_until_complete(app.run()).unwrap().unwrap();
        let logs = logs.borrow();
        let stuck = logs.iter().any(|l| l.contains("still in on_init"));
        assert_eq!(stuck, reported, "{watchdog:?}: {logs:?}");
    }
}

/// Answers every command after a second.
struct Echo;

impl Extension for Echo {
    fn on_cmd(self: Rc<Self>, _env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            evloop::sleep(Duration::from_secs(1)).await;
            reply.send(evloop::ext::CmdResult::ok(&cmd))
        })
    }
}

fn run_virtual(
    t: ExtensionTester,
    body: impl AsyncFnOnce(evloop::ext::TestContext) -> Result<(), TenError> + 'static,
) -> Result<(), TenError> {
    let (ev, _clock) = manual_loop();
    ev.run_until_complete(t.run_async(body)).unwrap()
}

/// The tester's own timeout at 0 and `MAX`: 0 ends a test that waits at all with `Timeout`;
/// `MAX` lets a thousand-day test finish.
#[test]
fn tester_timeouts_of_zero_and_max() {
    let echo = || ExtensionTester::single("echo", || Rc::new(Echo));
    let slow = |d| {
        async move |_ctx| {
            evloop::sleep(d).await;
            Ok(())
        }
    };
    let r = run_virtual(echo().timeout(Duration::ZERO), slow(Duration::from_secs(1)));
    assert_eq!(r, Err(TenError::Timeout));
    assert_eq!(
        run_virtual(echo().timeout(Duration::MAX), slow(THOUSAND_DAYS)),
        Ok(())
    );
}

/// `send_cmd_timeout` at 0 and `MAX`, and `expect_data` at 0. A command given no time times
/// out (its late result is dropped, and the next command is unaffected); `MAX` waits for the
/// result. `expect_data(name, 0)` times out when nothing is queued.
#[test]
fn command_and_expectation_timeouts_of_zero_and_max() {
    let tester = ExtensionTester::single("echo", || Rc::new(Echo));
    let out = run_virtual(tester, async |ctx| {
        let env = ctx.env();
        let r = env
            .send_cmd_timeout(Cmd::new("ping")?, Duration::ZERO)
            .await;
        assert_eq!(r, Err(TenError::Timeout));
        evloop::sleep(Duration::from_secs(2)).await;
        let r = env
            .send_cmd_timeout(Cmd::new("ping")?, Duration::MAX)
            .await?;
        assert!(r.is_ok());

        let r = ctx.expect_data("nothing", Duration::ZERO).await;
        assert_eq!(r.unwrap_err(), TenError::Timeout);
        Ok(())
    });
    assert_eq!(out, Ok(()));
}

/// JSON to the byte: exactly `MAX_JSON_BYTES` is read, one byte more is refused before it is
/// parsed, and empty text is malformed (with where).
#[test]
fn json_at_the_byte_limit_and_empty() {
    let string_of = |len: usize| format!("\"{}\"", "x".repeat(len - 2));
    let mut props = Properties::new();
    props.set_json("a", &string_of(MAX_JSON_BYTES)).unwrap();
    assert_eq!(props.get_string("a").unwrap().len(), MAX_JSON_BYTES - 2);
    let err = props
        .set_json("b", &string_of(MAX_JSON_BYTES + 1))
        .unwrap_err();
    assert!(matches!(err, TenError::InputTooLarge { limit, .. } if limit == MAX_JSON_BYTES));
    let err = props.set_json("c", "").unwrap_err();
    assert!(
        matches!(err, TenError::InvalidJson { line: 1, .. }),
        "{err:?}"
    );
    assert!(!props.exists("b") && !props.exists("c"));
}

/// Property path indexes at `usize::MAX` (out of range, for reading and writing) and one past
/// it (not a number: a malformed path), and a graph's routes from node `usize::MAX`; none
/// panics or allocates.
#[test]
fn property_indexes_at_usize_max_and_past_it() {
    let mut props = Properties::new();
    props.set_json("a", "[1, 2]").unwrap();
    let max = format!("a[{}]", usize::MAX);
    assert!(props.get(&max).is_err());
    let err = props.set_int(&max, 3).unwrap_err();
    assert!(matches!(err, TenError::InvalidArgument(_)), "{err:?}");
    let past = format!("a[{}]", usize::MAX as u128 + 1);
    assert!(matches!(
        props.get(&past),
        Err(TenError::InvalidArgument(_))
    ));
    assert!(matches!(
        props.set_int(&past, 3),
        Err(TenError::InvalidArgument(_))
    ));
    assert_eq!(props.get_json("a").unwrap(), "[1,2]");

    // A graph asked about node `usize::MAX` routes nothing.
    let graph = evloop::ext::Graph::default();
    assert!(graph.route(usize::MAX, MsgKind::Cmd, "x").is_empty());
    assert_eq!(graph.node_index(""), None);
}
