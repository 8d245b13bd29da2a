//! hyper 1.x serving a small JSON API on evloop, through hyper's runtime traits; the same
//! service also runs on tokio's current-thread runtime, for `scripts/wrk_bench.sh`.
//!
//! hyper is runtime-agnostic: it needs I/O that implements `hyper::rt::Read`/`Write`, a
//! `Timer` for its timeouts, and (for HTTP/2 only) an `Executor`. The adapters for evloop
//! are the three small items at the top of this file.
//!
//! ```text
//! GET /            {"service":"evloop","runtime":"evloop"}
//! GET /add?a=2&b=3 {"sum":5}
//! GET /count       {"requests":N}   (state in an Rc<Cell>: no Send needed on one thread)
//! ```
//!
//! Run: `cargo run --release --example hyper_server -- --port 8080 [--runtime tokio]`, then
//! `curl 127.0.0.1:8080/add?a=2&b=3`.

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};

// ---- The adapters: hyper's runtime traits on evloop ----

/// An evloop socket as hyper's I/O: `hyper::rt::Read` and `Write` over evloop's
/// `AsyncRead`/`AsyncWrite`.
struct EvloopIo<T> {
    io: T,
    /// Reads land here, then are copied into hyper's buffer: filling hyper's uninitialised
    /// buffer in place would need `unsafe`, and the copy is small next to the syscall.
    /// Allocated (and zeroed) once per connection.
    scratch: Vec<u8>,
}

impl<T> EvloopIo<T> {
    fn new(io: T) -> EvloopIo<T> {
        EvloopIo {
            io,
            scratch: vec![0; 8 * 1024],
        }
    }
}

impl<T: evloop::io::AsyncRead + Unpin> hyper::rt::Read for EvloopIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let len = buf.remaining().min(this.scratch.len());
        let n = std::task::ready!(Pin::new(&mut this.io).poll_read(cx, &mut this.scratch[..len]))?;
        buf.put_slice(&this.scratch[..n]);
        Poll::Ready(Ok(()))
    }
}

impl<T: evloop::io::AsyncWrite + Unpin> hyper::rt::Write for EvloopIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_close(cx)
    }
}

/// hyper's `Timer` on evloop. hyper wants its sleeps `Send + Sync`, and evloop's timer
/// handles are single-threaded (`Rc`), so a sleep keeps only its deadline and, once armed,
/// the key of its loop timer in a thread-local table; dropping the sleep cancels that timer
/// (hyper starts a header-read timeout per request and drops it once the head is read: left
/// armed, 30 s of them would pile up in the timer heap).
#[derive(Clone)]
struct EvloopTimer;

thread_local! {
    /// The loop timers of armed sleeps, by key.
    static ARMED: std::cell::RefCell<slab::Slab<evloop::TimerHandle>> =
        const { std::cell::RefCell::new(slab::Slab::new()) };
}

struct EvloopSleep {
    deadline: Instant,
    /// The armed timer's key, and (the address of) the table that holds it.
    armed: Option<(usize, usize)>,
}

impl Future for EvloopSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if self.armed.is_none() {
            let waker = cx.waker().clone();
            let ev = evloop::get_running_loop().expect("hyper polls on the loop");
            if let Ok(handle) = ev.call_at(self.deadline, move || waker.wake()) {
                self.armed = Some(ARMED.with(|t| (t.borrow_mut().insert(handle), table_id(t))));
            }
        }
        Poll::Pending
    }
}

impl Drop for EvloopSleep {
    fn drop(&mut self) {
        // Only this thread's table holds the key (a table's address tells the threads
        // apart without the atomic reference count of `thread::current()`).
        if let Some((key, table)) = self.armed
            && let Some(handle) = ARMED.with(|t| {
                (table_id(t) == table)
                    .then(|| t.borrow_mut().try_remove(key))
                    .flatten()
            })
        {
            handle.cancel();
        }
    }
}

impl hyper::rt::Sleep for EvloopSleep {}

/// Tells this thread's table of armed timers from another thread's.
fn table_id<T>(table: &T) -> usize {
    std::ptr::from_ref(table).addr()
}

impl hyper::rt::Timer for EvloopTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(EvloopSleep {
            deadline,
            armed: None,
        })
    }
}

/// hyper's `Executor` on evloop: a spawned task per future (HTTP/2 uses it; here the accept
/// loop hands each connection to it).
#[derive(Clone, Copy)]
struct EvloopExecutor;

impl<F: Future<Output = ()> + 'static> hyper::rt::Executor<F> for EvloopExecutor {
    fn execute(&self, fut: F) {
        evloop::spawn(fut);
    }
}

// ---- The service: the same code on both runtimes ----

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
fn service(
    runtime: &'static str,
    count: Rc<Cell<u64>>,
) -> impl hyper::service::Service<Request<Incoming>, Response = Response<Full<Bytes>>, Error = Infallible>
{
    service_fn(move |req| api(req, runtime, count.clone()))
}

/// How long to wait after a failed accept (`EMFILE` and friends) before the next.
const ACCEPT_RETRY: Duration = Duration::from_millis(10);

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
            .timer(EvloopTimer)
            .serve_connection(EvloopIo::new(stream), service("evloop", count.clone()));
        hyper::rt::Executor::execute(&EvloopExecutor, async move {
            let _ = conn.await;
        });
    }
}

/// The same server on tokio's current-thread runtime, with hyper-util's tokio adapters.
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

fn announce(addr: std::net::SocketAddr) {
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
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            tokio::task::LocalSet::new().block_on(&rt, serve_tokio(port))?;
        }
        Some(other) => return Err(format!("unknown runtime {other:?}").into()),
    }
    Ok(())
}
