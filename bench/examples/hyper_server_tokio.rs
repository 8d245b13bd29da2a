//! The service of `examples/hyper_server.rs` on tokio's current-thread runtime, with
//! hyper-util's tokio adapters: the peer of `bench/scripts/wrk_bench.sh`. It lives in the
//! bench member so that tokio's runtime and hyper-util are not dev-dependencies of evloop.
//!
//! Run: `cargo run --release -p evloop-bench --example hyper_server_tokio -- --port 8080`.

use std::cell::Cell;
use std::io;
use std::rc::Rc;

use hyper::server::conn::http1;

/// The evloop example, for its service, `announce` and `ACCEPT_RETRY` (its `main` unused).
#[path = "../../examples/hyper_server.rs"]
#[allow(dead_code)]
mod evloop_server;

use evloop_server::{ACCEPT_RETRY, announce, service};

async fn serve_tokio(port: u16) -> io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    announce(listener.local_addr()?);
    let count = Rc::new(Cell::new(0));
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                stream.set_nodelay(true)?;
                let io = hyper_util::rt::TokioIo::new(stream);
                let conn = http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .serve_connection(io, service("tokio", count.clone()));
                tokio::task::spawn_local(conn);
            }
            Err(_) => tokio::time::sleep(ACCEPT_RETRY).await,
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args
        .iter()
        .position(|a| a == "--port")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(0), |p| p.parse())?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    tokio::task::LocalSet::new().block_on(&rt, serve_tokio(port))?;
    Ok(())
}
