//! The timeline as a picture evloop draws itself: SVG, one column per turn, one lane per task.
//!
//! ```text
//!                      turn 1   turn 2   turn 3   ...
//!  poll wait              ·      0.1s      ·
//!  loop callbacks        [1]               [2]
//!  Task-1 main         [step]            [step]
//!  Task-2 countdown    [step]   [step]
//! ```
//!
//! Columns are turns, not time: a turn that slept a second is as wide as one that took a
//! microsecond, and the "poll wait" row says how long it slept. That is the view that shows
//! how asyncio-style scheduling interleaves tasks; the Chrome trace has the real time axis.
//! Every box has a `<title>`, so hovering over it in a browser shows the detail.

use std::fmt::Write;
use std::time::Duration;

use super::{Step, Timeline};

const LABEL_W: usize = 250;
const COL_W: usize = 48;
const ROW_H: usize = 24;
const HEADER_H: usize = 40;
const LEGEND_H: usize = 30;
const TASK: &str = "#4c78a8";
const TASK_DONE: &str = "#54a24b";
const CALLBACK: &str = "#f58518";
const POLL: &str = "#bab0ac";

/// The picture as a standalone SVG document.
pub(super) fn render(t: &Timeline) -> String {
    let cols = t.turns.len();
    let rows = 2 + t.tasks.len();
    let width = LABEL_W + cols.max(1) * COL_W + 10;
    let height = HEADER_H + rows * ROW_H + LEGEND_H;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\">"
    );
    let _ = writeln!(
        s,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    header(&mut s, t);
    loop_rows(&mut s, t);
    for (i, lane) in t.tasks.iter().enumerate() {
        let y = HEADER_H + (2 + i) * ROW_H;
        let _ = writeln!(s, "<g class=\"lane\" data-task=\"{}\">", lane.id);
        label(&mut s, y, &format!("{} (id {})", lane.name, lane.id));
        for (c, turn) in t.turns.iter().enumerate() {
            for step in &turn.steps {
                if let Step::Task { id, finished } = step.what
                    && id == lane.id
                {
                    let fill = if finished { TASK_DONE } else { TASK };
                    let tip = format!(
                        "{} step in turn {}: {}{}",
                        lane.name,
                        turn.index,
                        short(step.duration),
                        if finished { " (finished)" } else { "" }
                    );
                    cell(&mut s, c, y, fill, &short(step.duration), &tip);
                }
            }
        }
        s.push_str("</g>\n");
    }
    legend(&mut s, height - LEGEND_H + 18);
    s.push_str("</svg>\n");
    s
}

/// The SVG inside a minimal HTML page.
pub(super) fn page(t: &Timeline, title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title></head>\n\
         <body style=\"font-family:sans-serif\">\n<h1>{0}</h1>\n\
         <p>One column per turn of the loop, one lane per task. Hover over a box for details.</p>\n\
         {1}</body></html>\n",
        escape(title),
        render(t)
    )
}

/// Turn numbers and start times along the top.
fn header(s: &mut String, t: &Timeline) {
    for (c, turn) in t.turns.iter().enumerate() {
        let x = LABEL_W + c * COL_W + COL_W / 2;
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"16\" text-anchor=\"middle\">{}</text>\
             <text x=\"{x}\" y=\"32\" text-anchor=\"middle\" fill=\"#666\">{}</text>",
            turn.index,
            short(turn.start)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"6\" y=\"16\">turn</text><text x=\"6\" y=\"32\" fill=\"#666\">began at</text>"
    );
}

/// The loop's own rows: how long each poll blocked, and the callbacks each turn ran.
fn loop_rows(s: &mut String, t: &Timeline) {
    s.push_str("<g class=\"loop\">\n");
    let poll_y = HEADER_H;
    let cb_y = HEADER_H + ROW_H;
    label(s, poll_y, "poll wait");
    label(s, cb_y, "loop callbacks");
    for (c, turn) in t.turns.iter().enumerate() {
        if turn.polled {
            let tip = format!(
                "turn {}: poll blocked {}, {} I/O events, {} timers due",
                turn.index,
                short(turn.poll_wait),
                turn.io_events,
                turn.timers_fired
            );
            cell(s, c, poll_y, POLL, &short(turn.poll_wait), &tip);
        }
        let callbacks: Vec<String> = turn
            .steps
            .iter()
            .filter_map(|st| match st.what {
                Step::Callback { location } => Some(format!("callback at {location}")),
                Step::DoneCallbacks { task } => Some(format!("done callbacks of task {task}")),
                Step::Task { .. } => None,
            })
            .collect();
        if !callbacks.is_empty() {
            let tip = format!("turn {}: {}", turn.index, callbacks.join("; "));
            cell(s, c, cb_y, CALLBACK, &callbacks.len().to_string(), &tip);
        }
    }
    s.push_str("</g>\n");
}

fn legend(s: &mut String, y: usize) {
    let items = [
        (TASK, "task step"),
        (TASK_DONE, "last step"),
        (CALLBACK, "callbacks (count)"),
        (POLL, "poll (time blocked)"),
    ];
    for (i, (fill, text)) in items.iter().enumerate() {
        let x = 6 + i * 170;
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{fill}\"/>\
             <text x=\"{}\" y=\"{y}\">{text}</text>",
            y - 10,
            x + 16
        );
    }
}

/// A row's label at the left.
fn label(s: &mut String, y: usize, text: &str) {
    let _ = writeln!(
        s,
        "<text x=\"6\" y=\"{}\">{}</text>",
        y + ROW_H / 2 + 4,
        escape(text)
    );
}

/// One box in column `c` of the row at `y`, with its text and tooltip.
fn cell(s: &mut String, c: usize, y: usize, fill: &str, text: &str, tip: &str) {
    let x = LABEL_W + c * COL_W;
    let _ = writeln!(
        s,
        "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{fill}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"10\">{}</text></g>",
        escape(tip),
        x + 2,
        y + 3,
        COL_W - 4,
        ROW_H - 6,
        x + COL_W / 2,
        y + ROW_H / 2 + 4,
        escape(text)
    );
}

/// A duration in three or four characters: `1.0s`, `12ms`, `8µs`, `350ns`.
fn short(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns >= 1_000_000_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else if ns >= 1_000_000 {
        format!("{}ms", ns / 1_000_000)
    } else if ns >= 1_000 {
        format!("{}µs", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_short() {
        assert_eq!(short(Duration::from_millis(1500)), "1.5s");
        assert_eq!(short(Duration::from_millis(12)), "12ms");
        assert_eq!(short(Duration::from_micros(8)), "8µs");
        assert_eq!(short(Duration::from_nanos(350)), "350ns");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
    }
}
