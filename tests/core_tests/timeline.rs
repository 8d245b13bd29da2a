//! Timeline recording: the turns recorded match the program, the Chrome trace parses and
//! has its events in order, and the SVG is well-formed XML with one lane per task.
#![cfg(feature = "trace")]

use crate::util;

use std::time::Duration;

use evloop::EventLoop;
use evloop::timeline::{Step, Timeline};
use util::manual_loop;

async fn countdown(mut n: u32) {
    while n > 0 {
        evloop::sleep(Duration::from_secs(1)).await;
        n -= 1;
    }
}

/// Seed 002's two countdowns (2 and 4), on virtual time.
fn record_countdowns() -> Timeline {
    let (ev, _clock) = manual_loop();
    ev.start_recording();
    let first = ev.create_task(countdown(2)).unwrap();
    first.set_name("First Count");
    let second = ev.create_task(countdown(4)).unwrap();
    second.set_name("Second <Count> & \"more\""); // markup in a name must be escaped
    ev.run_until_complete(async move {
        let _ = first.await;
        let _ = second.await;
    })
    .unwrap();
    ev.stop_recording().unwrap()
}

#[test]
fn the_turns_tell_the_countdowns_story() {
    let t = record_countdowns();
    // Turn 1 steps all three tasks; each sleep's timer fires in one turn and wakes its task
    // for the next; the main task (3) resumes one turn after each countdown finishes.
    let expected: Vec<Vec<u64>> = vec![
        vec![1, 2, 3],
        vec![],
        vec![1, 2],
        vec![],
        vec![1, 2],
        vec![3],
        vec![],
        vec![2],
        vec![],
        vec![2],
        vec![3],
        vec![],
    ];
    assert_eq!(t.task_steps(), expected);
    let lanes: Vec<(u64, &str)> = t.tasks.iter().map(|l| (l.id, l.name.as_str())).collect();
    assert_eq!(
        lanes,
        [
            (1, "First Count"),
            (2, "Second <Count> & \"more\""),
            (3, "Task-3")
        ]
    );
    // Timers: two fire in turn 2 (one per countdown), and so on; 6 sleeps in all.
    let fired: u64 = t.turns.iter().map(|turn| turn.timers_fired).sum();
    assert_eq!(fired, 6);
    assert_eq!(t.turns[1].timers_fired, 2);
    // A task's last step is marked finished, and only that one.
    let finished: Vec<u64> = t
        .turns
        .iter()
        .flat_map(|turn| &turn.steps)
        .filter_map(|s| match s.what {
            Step::Task { id, finished: true } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(finished, [1, 2, 3]);
    // Turns are numbered consecutively and do not overlap.
    for w in t.turns.windows(2) {
        assert_eq!(w[1].index, w[0].index + 1);
        assert!(w[1].start >= w[0].end);
    }
}

#[test]
fn the_chrome_trace_parses_and_has_the_events_in_order() {
    let t = record_countdowns();
    let json: serde_json::Value = serde_json::from_str(&t.to_chrome_trace()).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    // Every track is named: the loop (0) and the three tasks.
    let mut named: Vec<(u64, String)> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| {
            let name = e["args"]["name"].as_str().unwrap().to_string();
            (e["tid"].as_u64().unwrap(), name)
        })
        .collect();
    named.sort();
    assert_eq!(named[0], (0, "loop".to_string()));
    assert!(
        named[2]
            .1
            .starts_with("Second <Count> & \"more\" (id 2, tests/core_tests/timeline.rs:")
    );
    assert_eq!(named.len(), 4);

    let spans: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    let turns = spans.iter().filter(|e| e["cat"] == "turn").count();
    assert_eq!(turns, t.turns.len());
    // The task steps, in file order, are the recorded order: tids 1 2 3 1 2 1 2 3 2 2 3.
    let steps: Vec<u64> = spans
        .iter()
        .filter(|e| e["cat"] == "task")
        .map(|e| e["tid"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, [1, 2, 3, 1, 2, 1, 2, 3, 2, 2, 3]);
    // Items run one after another: their timestamps never go backwards.
    let ts: Vec<f64> = spans
        .iter()
        .filter(|e| e["cat"] == "task" || e["cat"] == "callback")
        .map(|e| e["ts"].as_f64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    // Each turn that polled has a poll span; every span has a duration.
    assert!(spans.iter().all(|e| e["dur"].as_f64().unwrap() >= 0.0));
    let polls = spans.iter().filter(|e| e["cat"] == "poll").count();
    assert_eq!(polls, t.turns.iter().filter(|turn| turn.polled).count());
}

#[test]
fn the_svg_is_well_formed_with_one_lane_per_task() {
    let t = record_countdowns();
    let svg = t.to_svg();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let lanes: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("lane"))
        .collect();
    let ids: Vec<&str> = lanes
        .iter()
        .map(|n| n.attribute("data-task").unwrap())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
    // One box per step in each lane, and the escaped name reads back as written.
    for (lane, steps) in lanes.iter().zip([3, 5, 3]) {
        let boxes = lane
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .count();
        assert_eq!(boxes, steps);
    }
    let label = lanes[1]
        .descendants()
        .find(|n| n.has_tag_name("text"))
        .unwrap();
    assert_eq!(label.text(), Some("Second <Count> & \"more\" (id 2)"));
    // The HTML page embeds the same picture.
    let html = t.to_html("countdowns & more");
    assert!(html.contains("<title>countdowns &amp; more</title>"));
    assert!(html.contains(&svg));
}

#[test]
fn recording_stops_and_leaves_the_loop_unobserved() {
    let ev = EventLoop::new().unwrap();
    assert!(ev.stop_recording().is_none());
    ev.start_recording();
    ev.run_until_complete(evloop::yield_now()).unwrap();
    let t = ev.stop_recording().unwrap();
    assert!(!t.turns.is_empty());
    assert!(ev.stop_recording().is_none());
    // Not observed any more: steps are no longer timed.
    let task = ev
        .create_task(async { std::thread::sleep(Duration::from_millis(2)) })
        .unwrap();
    let r = task.task_ref();
    ev.run_until_complete(task).unwrap().unwrap();
    assert_eq!(r.poll_time(), Duration::ZERO);
}

#[test]
fn callbacks_show_up_in_their_turns() {
    let (ev, _clock) = manual_loop();
    ev.start_recording();
    let soon_line = line!() + 1;
    ev.call_soon(|| ()).unwrap();
    let later_line = line!() + 1;
    ev.call_later(Duration::from_secs(1), || ()).unwrap();
    let cancelled = ev.call_soon(|| ()).unwrap();
    cancelled.cancel(); // a cancelled handle runs nothing and is not recorded
    ev.run_until_complete(evloop::sleep(Duration::from_secs(2)))
        .unwrap();
    let t = ev.stop_recording().unwrap();
    let callbacks: Vec<(usize, u32)> = t
        .turns
        .iter()
        .enumerate()
        .flat_map(|(i, turn)| {
            turn.steps.iter().filter_map(move |s| match s.what {
                Step::Callback { location } => Some((i, location.line())),
                _ => None,
            })
        })
        .collect();
    // The call_soon in turn 1; the call_later when its second came; then the sleep's timer
    // and run_until_complete's done callback (both from evloop's own files).
    assert_eq!(callbacks[0], (0, soon_line));
    let later = callbacks.iter().find(|c| c.1 == later_line).unwrap();
    assert!(later.0 > 0, "{callbacks:?}");
    assert!(t.turns[later.0].timers_fired >= 1);
    assert!(callbacks.len() >= 3, "{callbacks:?}");
    assert_eq!(t.turns.iter().map(|turn| turn.timers_fired).sum::<u64>(), 2);
}
