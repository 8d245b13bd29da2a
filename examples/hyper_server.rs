//! hyper 1.x serving a small JSON API on evloop, through hyper's runtime traits; the same
//! service runs on tokio's current-thread runtime in `bench/examples/hyper_server_tokio.rs`
//! (which includes this file), for `bench/scripts/wrk_bench.sh`.
//!
//! hyper is runtime-agnostic: it needs I/O that implements `hyper::rt::Read`/`Write`, a
//! `Timer` for its timeouts, and (for HTTP/2 only) an `Executor`. evloop ships the three in
//! `evloop::compat::hyper` (feature `hyper`), as hyper-util ships tokio's.
//!
//! ```text
//! GET /            {"service":"evloop","runtime":"evloop"}
//! GET /add?a=2&b=3 {"sum":5}
//! GET /count       {"requests":N}   (state in an Rc<Cell>: no Send needed on one thread)
//! ```
//!
//! Run: `cargo run --release --features hyper --example hyper_server -- --port 8080`, then
//! `curl 127.0.0.1:8080/add?a=2&b=3`.

use std::cell::Cell;
use std::convert::Infallible;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use evloop::compat::hyper::{HyperExecutor, HyperIo, HyperTimer};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};

// ---- The service: the same code on both runtimes (the bench member's tokio server uses it) ----

async fn api(
    req: Request<Incoming>,
    runtime: &'static str,
    count: Rc<Cell<u64>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    count.set(count.get() + 1);
    let (status, body) = match (req.method().as_str(), req.uri().path()) {
        ("GET", "/") => (
            StatusCode::OK,
            format!(r#"{{"service":"evloop","runtime":"{runtime}"}}"#),
        ),
        ("GET", "/add") => match add(req.uri().query().unwrap_or("")) {
            Some(sum) => (StatusCode::OK, format!(r#"{{"sum":{sum}}}"#)),
            None => (
                StatusCode::BAD_REQUEST,
                r#"{"error":"want /add?a=<int>&b=<int>"}"#.to_string(),
            ),
        },
        ("GET", "/count") => (StatusCode::OK, format!(r#"{{"requests":{}}}"#, count.get())),
        _ => (
            StatusCode::NOT_FOUND,
            r#"{"error":"not found"}"#.to_string(),
        ),
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response"))
}

/// `a + b` from a query string `a=..&b=..`.
fn add(query: &str) -> Option<i64> {
    let arg = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse::<i64>().ok())
    };
    arg("a")?.checked_add(arg("b")?)
}

// ---- Serving ----

/// The API as a hyper service, counting into `count`.
pub fn service(
    runtime: &'static str,
    count: Rc<Cell<u64>>,
) -> impl hyper::service::Service<Request<Incoming>, Response = Response<Full<Bytes>>, Error = Infallible>
{
    service_fn(move |req| api(req, runtime, count.clone()))
}

/// How long to wait after a failed accept (`EMFILE` and friends) before the next.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(10);

async fn serve_evloop(port: u16) -> io::Result<()> {
    let listener = evloop::net::TcpListener::bind(("127.0.0.1", port))?;
    announce(listener.local_addr()?);
    let count = Rc::new(Cell::new(0));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            evloop::sleep(ACCEPT_RETRY).await;
            continue;
        };
        stream.set_nodelay(true)?;
        let conn = http1::Builder::new()
            .timer(HyperTimer)
            .serve_connection(HyperIo::new(stream), service("evloop", count.clone()));
        hyper::rt::Executor::execute(&HyperExecutor, async move {
            let _ = conn.await;
        });
    }
}

/// Prints the address the server listens on (tests and scripts wait for this line).
pub fn announce(addr: std::net::SocketAddr) {
    use std::io::Write;
    println!("listening on {addr}");
    std::io::stdout().flush().expect("stdout");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let port: u16 = value("--port").map_or(Ok(0), |p| p.parse())?;
    match value("--runtime").map(String::as_str) {
        None | Some("evloop") => evloop::run(serve_evloop(port))??,
        Some("tokio") => {
            return Err("the tokio server is in the bench member: \
                        cargo run -p evloop-bench --example hyper_server_tokio"
                .into());
        }
        Some(other) => return Err(format!("unknown runtime {other:?}").into()),
    }
    Ok(())
}
