//! Seed 004 ("Asyncio Basics"), "Gathering Multiple Coroutines".
//!
//! Mirrors `examples/python/gather_in_order.py`:
//!
//! ```python
//! coros = [fetch(url, i * 0.5) for i, url in enumerate(urls)]
//! results = await asyncio.gather(*coros)   # same order as input
//! ```
//!
//! Run: `cargo run --example gather_in_order` (takes 1 second).

use std::time::Duration;

async fn fetch(url: &str, delay: Duration) -> String {
    evloop::sleep(delay).await;
    format!("Response from {url}")
}

async fn main_() -> Result<(), evloop::TaskError> {
    let urls = ["site1.com", "site2.com", "site3.com"];
    let coros = urls
        .iter()
        .enumerate()
        .map(|(i, url)| fetch(url, Duration::from_millis(500) * i as u32));

    // Run all concurrently, results in same order as input
    let results = evloop::gather(coros).await?;
    for r in results {
        println!("{r}");
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())??;
    Ok(())
}
