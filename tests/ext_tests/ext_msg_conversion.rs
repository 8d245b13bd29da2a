//! `msg_conversion` on a graph destination, as TEN's runtime applies it (its smoke tests in
//! `tests/ten_runtime/smoke/msg_conversion/` of TEN-framework/ten-framework): per-property
//! rules `fixed_value` and `from_original`, `keep_original`, renaming through `ten.name`, and
//! `result` conversion of what a converted command's destination answers; and the load errors
//! for rules TEN's graph checker refuses, each with its JSON path.
#![cfg(feature = "ext")]

use crate::util;

use std::cell::RefCell;
use std::rc::Rc;

use evloop::ext::{
    App, Cmd, CmdResult, ConversionProblem, Data, Extension, Graph, GraphRule, HookFuture,
    Responder, TenEnv, TenError,
};
use util::{Trace, manual_loop};

/// Logs every message it gets with its properties; answers a command OK with `answer: 42`.
struct Peer(Trace);

impl Extension for Peer {
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
        Box::pin(async move {
            let props = cmd.properties().get_json("").unwrap();
            self.0
                .log(format!("{} cmd {} {props}", env.name(), cmd.name()));
            let mut r = CmdResult::ok(&cmd);
            r.properties.set_int("answer", 42).unwrap();
            reply.send(r)
        })
    }
    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        let props = data.properties().get_json("").unwrap();
        self.0
            .log(format!("{} data {} {props}", env.name(), data.name()));
        Box::pin(async { Ok(()) })
    }
}

/// Sends `hello` (with `text`, `n`, `deep.list`) as a command and as data, then closes.
struct Driver(Rc<RefCell<Vec<String>>>);

fn hello_props(p: &mut evloop::ext::Properties) {
    p.set_json("", r#"{"text": "hi", "n": 7, "deep": {"list": [1, 2]}}"#)
        .unwrap();
}

impl Extension for Driver {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let mut cmd = Cmd::new("hello").unwrap();
            hello_props(cmd.properties_mut());
            let r = env.send_cmd(cmd).await.unwrap();
            self.0.borrow_mut().push(format!(
                "result for {}: {}",
                r.cmd_name(),
                r.properties.get_json("").unwrap()
            ));
            let mut data = Data::new("hello").unwrap();
            hello_props(data.properties_mut());
            env.send_data(data).unwrap();
            env.close_app();
            Ok(())
        })
    }
}

/// Runs a graph of a driver `d` and peers `p1`, `p2` where `d`'s `hello` (cmd and data) goes
/// to `p1` through `conv_cmd` / `conv_data` and to `p2` as it is.
fn run(conv_cmd: &str, conv_data: &str) -> (Vec<String>, Vec<String>) {
    let graph = format!(
        r#"{{"nodes": [{{"name": "d", "addon": "driver"}}, {{"name": "p1", "addon": "peer"}},
                      {{"name": "p2", "addon": "peer"}}],
            "connections": [{{"extension": "d",
              "cmd": [{{"name": "hello", "dest": [{{"extension": "p1", "msg_conversion": {conv_cmd}}},
                                                 {{"extension": "p2"}}]}}],
              "data": [{{"name": "hello", "dest": [{{"extension": "p1", "msg_conversion": {conv_data}}},
                                                  {{"extension": "p2"}}]}}]}}]}}"#
    );
    run_graph(&graph)
}

/// Runs `graph` (driver and peer addons): what the driver got back, and what the peers
/// got, sorted.
fn run_graph(graph: &str) -> (Vec<String>, Vec<String>) {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut app = App::new();
    let tp = t.clone();
    app.register("peer", move || Rc::new(Peer(tp.clone())));
    let o = out.clone();
    app.register("driver", move || Rc::new(Driver(o.clone())));
    let tl = t.clone();
    app.on_log(move |r| tl.log(format!("log {}: {}", r.extension, r.message)));
    app.load_graph_json(graph).unwrap();
    ev.run_until_complete(app.run()).unwrap().unwrap();
    let mut seen = t.events();
    seen.sort();
    let out = out.borrow().clone();
    (out, seen)
}

/// TEN `cmd_conversion_path_keep_original`'s rules without `keep_original` (TEN
/// `cmd_conversion_path`): the converted command is renamed by `ten.name`, has only the
/// properties the rules set, and its result goes back to the sender under the name it sent,
/// through the `result` rules (TEN `cmd_conversion_path_*`'s result part).
#[test]
fn rules_rename_and_rebuild_a_command_and_convert_its_result() {
    let conv = r#"{"type": "per_property", "rules": [
        {"path": "ten.name", "conversion_mode": "fixed_value", "value": "hello_mapping"},
        {"path": "message", "conversion_mode": "from_original", "original_path": "text"},
        {"path": "meta.first", "conversion_mode": "from_original", "original_path": "deep.list[0]"},
        {"path": "meta.absent", "conversion_mode": "from_original", "original_path": "nope"},
        {"path": "fixed", "conversion_mode": "fixed_value", "value": {"a": [true]}}],
      "result": {"type": "per_property", "rules": [
        {"path": "resp", "conversion_mode": "from_original", "original_path": "answer"}]}}"#;
    let same = r#"{"type": "per_property", "rules": [
        {"path": "x", "conversion_mode": "fixed_value", "value": 1}]}"#;
    let (out, seen) = run(conv, same);
    assert_eq!(
        seen[0],
        r#"p1 cmd hello_mapping {"fixed":{"a":[true]},"message":"hi","meta":{"first":1}}"#
    );
    // The other destination of the same message is not converted.
    assert!(
        seen.contains(&r#"p2 cmd hello {"deep":{"list":[1,2]},"n":7,"text":"hi"}"#.to_string())
    );
    // Two destinations answered: the last OK is p2's (not converted) or p1's (converted);
    // either way under the sender's name.
    assert!(out[0].starts_with("result for hello: "), "{out:?}");
}

/// With one destination, the result the sender gets is the converted one (TEN applies the
/// `result` rules on the IN path of the converted command).
#[test]
fn the_result_of_a_converted_command_is_converted_back() {
    let graph = r#"{"nodes": [{"name": "d", "addon": "driver"}, {"name": "p1", "addon": "peer"}],
        "connections": [{"extension": "d",
          "cmd": [{"name": "hello", "dest": [{"extension": "p1", "msg_conversion":
            {"type": "per_property",
             "rules": [{"path": "ten.name", "conversion_mode": "fixed_value", "value": "renamed"}],
             "result": {"type": "per_property", "keep_original": true, "rules": [
               {"path": "resp", "conversion_mode": "from_original", "original_path": "answer"},
               {"path": "code", "conversion_mode": "fixed_value", "value": "done"}]}}}]}],
          "data": [{"name": "hello", "dest": [{"extension": "p1"}]}]}]}"#;
    let (out, seen) = run_graph(graph);
    assert_eq!(
        out[0],
        r#"result for hello: {"answer":42,"code":"done","resp":42}"#
    );
    assert!(seen[0].starts_with("p1 cmd renamed {}"), "{seen:?}");
}

/// TEN `cmd_conversion_path_keep_original` and `cmd_conversion_data`: with `keep_original`
/// the original properties stay and the rules apply on top; data is converted the same way,
/// into nested paths and array elements (TEN `cmd_conversion_path_nested_*`, `_array_*`;
/// evloop sets an element of an existing array or the one just past its end).
#[test]
fn keep_original_keeps_the_properties_and_data_is_converted_too() {
    let conv = r#"{"type": "per_property", "keep_original": true, "rules": [
        {"path": "ten.name", "conversion_mode": "fixed_value", "value": "hello_mapping"},
        {"path": "test_property_name", "conversion_mode": "from_original", "original_path": "text"}]}"#;
    let data = r#"{"type": "per_property", "rules": [
        {"path": "ten.name", "conversion_mode": "fixed_value", "value": "frame"},
        {"path": "a.b", "conversion_mode": "fixed_value", "value": [0]},
        {"path": "a.b[0]", "conversion_mode": "from_original", "original_path": "n"},
        {"path": "a.b[1]", "conversion_mode": "from_original", "original_path": "deep.list"},
        {"path": "orig_name", "conversion_mode": "from_original", "original_path": "ten.name"}]}"#;
    let (_out, seen) = run(conv, data);
    assert_eq!(
        seen,
        [
            r#"p1 cmd hello_mapping {"deep":{"list":[1,2]},"n":7,"test_property_name":"hi","text":"hi"}"#,
            r#"p1 data frame {"a":{"b":[7,[1,2]]},"orig_name":"hello"}"#,
            r#"p2 cmd hello {"deep":{"list":[1,2]},"n":7,"text":"hi"}"#,
            r#"p2 data hello {"deep":{"list":[1,2]},"n":7,"text":"hi"}"#,
        ]
    );
}

/// A rule that cannot apply at run time (an array index past the end) is logged and the
/// original message delivered, as TEN's `ten_extension_handle_in_msg` does (the log names
/// the destination and the message).
#[test]
fn a_rule_that_fails_at_run_time_delivers_the_original() {
    let same = r#"{"type": "per_property", "rules": [
        {"path": "x", "conversion_mode": "fixed_value", "value": 1}]}"#;
    let bad = r#"{"type": "per_property", "rules": [
        {"path": "ten.name", "conversion_mode": "fixed_value", "value": "other"},
        {"path": "list[5]", "conversion_mode": "fixed_value", "value": 1}]}"#;
    let (_out, seen) = run(same, bad);
    assert!(
        seen.iter()
            .any(|l| l.starts_with("log p1: msg_conversion of 'hello' failed")),
        "{seen:?}"
    );
    assert!(
        seen.contains(&r#"p1 data hello {"deep":{"list":[1,2]},"n":7,"text":"hi"}"#.to_string()),
        "{seen:?}"
    );
}

fn load_error(conv: &str, flow: &str) -> TenError {
    let graph = format!(
        r#"{{"nodes": [{{"name": "a", "addon": "x"}}, {{"name": "b", "addon": "x"}}],
            "connections": [{{"extension": "a", "{flow}": [{{"name": "m",
              "dest": [{{"extension": "b", "msg_conversion": {conv}}}]}}]}}]}}"#
    );
    Graph::from_json(&graph).unwrap_err()
}

fn rule_error(path: &str, problem: ConversionProblem) -> TenError {
    TenError::GraphRule {
        path: path.to_string(),
        rule: GraphRule::MsgConversion(problem),
    }
}

/// The rules TEN's `MsgConversion::validate` and graph checker apply are load errors with
/// the JSON path of the offending key (they were ignored, with only a warning).
#[test]
fn bad_rules_are_load_errors_with_their_path() {
    let at = "/connections/0/cmd/0/dest/0/msg_conversion";
    let cases: [(&str, &str, TenError); 9] = [
        (
            r#"{"type": "per_property", "rules": [{"path": "x", "conversion_mode": "copy"}]}"#,
            "cmd",
            rule_error(
                &format!("{at}/rules/0/conversion_mode"),
                ConversionProblem::UnknownMode("copy".into()),
            ),
        ),
        (
            r#"{"type": "per_property", "rules": [{"conversion_mode": "fixed_value", "value": 1}]}"#,
            "cmd",
            rule_error(
                &format!("{at}/rules/0/path"),
                ConversionProblem::Missing("path"),
            ),
        ),
        (
            r#"{"type": "per_property", "rules": [{"path": "x", "conversion_mode": "fixed_value"}]}"#,
            "cmd",
            rule_error(
                &format!("{at}/rules/0/value"),
                ConversionProblem::Missing("value"),
            ),
        ),
        (
            r#"{"type": "per_property", "rules": [{"path": "x", "conversion_mode": "from_original"}]}"#,
            "cmd",
            rule_error(
                &format!("{at}/rules/0/original_path"),
                ConversionProblem::Missing("original_path"),
            ),
        ),
        (
            r#"{"type": "whole", "rules": []}"#,
            "cmd",
            rule_error(
                &format!("{at}/type"),
                ConversionProblem::UnknownType("whole".into()),
            ),
        ),
        (
            r#"{"type": "per_property", "rules": []}"#,
            "cmd",
            rule_error(&format!("{at}/rules"), ConversionProblem::Missing("rules")),
        ),
        (
            r#"{"type": "per_property", "rules": [{"path": "ten.name", "conversion_mode": "fixed_value", "value": "9 bad"}]}"#,
            "cmd",
            rule_error(
                &format!("{at}/rules/0/value"),
                ConversionProblem::BadName("\"9 bad\"".into()),
            ),
        ),
        (
            r#"{"type": "per_property", "rules": [{"path": "x", "conversion_mode": "fixed_value", "value": 1}],
                "result": {"type": "per_property", "rules": [{"path": "x", "conversion_mode": "fixed_value", "value": 1}]}}"#,
            "data",
            rule_error(
                "/connections/0/data/0/dest/0/msg_conversion/result",
                ConversionProblem::ResultNotCmd,
            ),
        ),
        (
            r#"{"type": "per_property", "rules": [{"path": "ten.dest", "conversion_mode": "fixed_value", "value": 1}]}"#,
            "cmd",
            rule_error(
                &format!("{at}/rules/0/path"),
                ConversionProblem::BadPath("ten.dest".into()),
            ),
        ),
    ];
    for (conv, flow, want) in cases {
        assert_eq!(load_error(conv, flow), want, "{conv}");
    }
    // The message says where and what.
    assert_eq!(
        load_error(
            r#"{"type": "per_property", "rules": [{"path": "x", "conversion_mode": "copy"}]}"#,
            "cmd"
        )
        .to_string(),
        format!(
            "{at}/rules/0/conversion_mode: msg_conversion: conversion_mode 'copy' is not \
             supported (only 'fixed_value' and 'from_original')"
        )
    );
}

/// A valid conversion is no longer reported as an unused key.
#[test]
fn msg_conversion_is_no_longer_a_warning() {
    let g = Graph::from_json(
        r#"{"nodes": [{"name": "a", "addon": "x"}, {"name": "b", "addon": "x"}],
            "connections": [{"extension": "a", "cmd": [{"name": "m", "dest": [{"extension": "b",
              "msg_conversion": {"type": "per_property", "rules": [
                {"path": "x", "conversion_mode": "fixed_value", "value": 1}]}}]}]}]}"#,
    )
    .unwrap();
    assert!(g.warnings().is_empty(), "{:?}", g.warnings());
}
