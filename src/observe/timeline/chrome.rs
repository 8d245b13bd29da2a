//! Chrome Trace Event JSON, the format Perfetto and `chrome://tracing` open.
//!
//! Each track is a "thread" of process 1: track 0 is the loop itself (turns, polls,
//! callbacks), track *n* is the task with id *n*. Spans are complete events (`"ph":"X"`)
//! with microsecond timestamps; metadata events (`"ph":"M"`) name the tracks. The format is
//! documented in Google's "Trace Event Format" note.

use std::fmt::Write;
use std::time::Duration;

use super::{Step, Timeline};

/// The whole trace as one JSON object.
pub(super) fn render(t: &Timeline) -> String {
    let mut events: Vec<String> = Vec::new();
    events.push(meta("process_name", 0, "name", &json_str("evloop")));
    events.push(meta("thread_name", 0, "name", &json_str("loop")));
    events.push(meta("thread_sort_index", 0, "sort_index", "0"));
    for lane in &t.tasks {
        let label = format!("{} (id {}, {})", lane.name, lane.id, lane.location);
        events.push(meta("thread_name", lane.id, "name", &json_str(&label)));
        events.push(meta(
            "thread_sort_index",
            lane.id,
            "sort_index",
            &lane.id.to_string(),
        ));
    }
    for turn in &t.turns {
        events.push(span(
            &format!("turn {}", turn.index),
            "turn",
            0,
            turn.start,
            turn.end.saturating_sub(turn.start),
            &format!(
                "{{\"io_events\":{},\"timers_fired\":{},\"items\":{}}}",
                turn.io_events,
                turn.timers_fired,
                turn.steps.len()
            ),
        ));
        if turn.polled {
            events.push(span("poll", "poll", 0, turn.start, turn.poll_wait, "{}"));
        }
        for s in &turn.steps {
            let (name, cat, tid, args) = match s.what {
                Step::Task { id, finished } => (
                    "step".to_string(),
                    "task",
                    id,
                    format!("{{\"finished\":{finished}}}"),
                ),
                Step::Callback { location } => (
                    format!("callback at {location}"),
                    "callback",
                    0,
                    "{}".to_string(),
                ),
                Step::DoneCallbacks { task } => (
                    format!("done callbacks of task {task}"),
                    "callback",
                    0,
                    "{}".to_string(),
                ),
            };
            events.push(span(&name, cat, tid, s.start, s.duration, &args));
        }
    }
    let mut out = String::from("{\"traceEvents\":[\n");
    out.push_str(&events.join(",\n"));
    out.push_str("\n],\"displayTimeUnit\":\"ms\"}\n");
    out
}

/// A metadata event naming or ordering a track.
fn meta(name: &str, tid: u64, key: &str, value: &str) -> String {
    format!(
        "{{\"name\":\"{name}\",\"ph\":\"M\",\"pid\":1,\"tid\":{tid},\"args\":{{\"{key}\":{value}}}}}"
    )
}

/// A complete event: a span on track `tid`.
fn span(name: &str, cat: &str, tid: u64, start: Duration, dur: Duration, args: &str) -> String {
    format!(
        "{{\"name\":{},\"cat\":\"{cat}\",\"ph\":\"X\",\"pid\":1,\"tid\":{tid},\"ts\":{:.3},\"dur\":{:.3},\"args\":{args}}}",
        json_str(name),
        micros(start),
        micros(dur)
    )
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// `s` as a JSON string literal, quotes included.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(json_str("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn an_empty_timeline_is_still_a_trace() {
        let out = render(&Timeline::default());
        assert!(out.starts_with("{\"traceEvents\":[\n"));
        assert!(out.contains("\"thread_name\""));
        assert!(out.trim_end().ends_with("\"displayTimeUnit\":\"ms\"}"));
    }
}
