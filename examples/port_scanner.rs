//! A port scanner with a connection limit and timeouts: at most 50 connects in flight
//! (a `Semaphore`), each given 200 ms (`connect_timeout`).
//!
//! To be self-contained it first opens three listeners on loopback, then scans a range of
//! ports around them and reports which are open.
//!
//! Run: `cargo run --example port_scanner`

use std::rc::Rc;
use std::time::Duration;

use evloop::net::{TcpListener, TcpStream};
use evloop::sync::Semaphore;

async fn main_() -> std::io::Result<()> {
    // Three services to find.
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()?;
    let mut open: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()?;
    open.sort();
    // Ours, and the 20 ports on each side of each.
    let mut ports: Vec<u16> = open
        .iter()
        .flat_map(|&p| p.saturating_sub(20)..=p.saturating_add(20))
        .collect();
    ports.sort();
    ports.dedup();
    println!("scanning the 41 ports around each of our 3 listeners, at most 50 at a time");

    let limit = Rc::new(Semaphore::new(50));
    let scans: Vec<_> = ports
        .iter()
        .map(|&port| {
            let limit = limit.clone();
            async move {
                let _permit = limit.acquire().await;
                let addr = ("127.0.0.1", port);
                TcpStream::connect_timeout(addr, Duration::from_millis(200))
                    .await
                    .is_ok()
                    .then_some(port)
            }
        })
        .collect();
    // gather runs each scan as a task; results come back in port order.
    let found: Vec<u16> = evloop::gather(scans)
        .await
        .map_err(std::io::Error::other)?
        .into_iter()
        .flatten()
        .collect();
    // Other programs may listen nearby; report what is certain.
    println!(
        "all of ours found: {}",
        open.iter().all(|p| found.contains(p))
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())??;
    Ok(())
}
