//! Records two seed programs turn by turn and writes their pictures.
//!
//! 1. Seed 002's two interleaving countdowns (`countdown_interleaving.rs`), exactly as written.
//! 2. Seed 004's `gather` of three fetches (`gather_in_order.rs`).
//!
//! For each, the example writes `<name>.json` (Chrome Trace Event JSON: open it in
//! <https://ui.perfetto.dev>), `<name>.svg` and `<name>.html` (the picture evloop draws
//! itself: one column per turn, one lane per task) into the directory given as the first
//! argument, `target/timeline` by default. The README's picture is
//! `cargo run --example timeline -- docs/images`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use evloop::EventLoop;
use evloop::timeline::Timeline;

// --- seed 002, example #4 -------------------------------------------------------------

async fn countdown(number: &str, mut n: u32) {
    while n > 0 {
        println!("Counter of  {n} ({number})");
        evloop::sleep(Duration::from_secs(1)).await;
        n -= 1;
    }
}

fn countdowns() -> Result<Timeline, Box<dyn std::error::Error>> {
    let ev = EventLoop::new()?;
    ev.start_recording();
    let first = ev.create_task(countdown("First Count", 2))?;
    first.set_name("First Count");
    let second = ev.create_task(countdown("Second Count", 4))?;
    second.set_name("Second Count");
    let tasks = [first, second];
    ev.run_until_complete(async move {
        for t in tasks {
            let _ = t.await;
        }
    })?;
    let timeline = ev.stop_recording().expect("recording was on");
    ev.close()?;
    Ok(timeline)
}

// --- seed 004, gather ------------------------------------------------------------------

async fn fetch(url: &str, delay: Duration) -> String {
    evloop::sleep(delay).await;
    format!("Response from {url}")
}

fn gather() -> Result<Timeline, Box<dyn std::error::Error>> {
    let ev = EventLoop::new()?;
    ev.start_recording();
    ev.run_until_complete(async {
        let urls = ["site1.com", "site2.com", "site3.com"];
        let coros = urls
            .iter()
            .enumerate()
            .map(|(i, url)| fetch(url, Duration::from_millis(500) * i as u32));
        let results = evloop::gather(coros).await?;
        for r in results {
            println!("{r}");
        }
        Ok::<_, evloop::TaskError>(())
    })??;
    let timeline = ev.stop_recording().expect("recording was on");
    ev.close()?;
    Ok(timeline)
}

fn write_all(dir: &Path, name: &str, t: &Timeline, title: &str) -> std::io::Result<()> {
    std::fs::write(dir.join(format!("{name}.json")), t.to_chrome_trace())?;
    std::fs::write(dir.join(format!("{name}.svg")), t.to_svg())?;
    std::fs::write(dir.join(format!("{name}.html")), t.to_html(title))?;
    println!(
        "wrote {name}.json, {name}.svg, {name}.html: {} turns, {} tasks",
        t.turns.len(),
        t.tasks.len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/timeline"));
    std::fs::create_dir_all(&dir)?;

    let t = countdowns()?;
    write_all(
        &dir,
        "countdown",
        &t,
        "Seed 002: two interleaving countdowns",
    )?;
    let t = gather()?;
    write_all(&dir, "gather", &t, "Seed 004: gather of three fetches")?;
    println!("open {}/countdown.html in a browser", dir.display());
    Ok(())
}
