//! hyper 1.x on evloop (feature `hyper`): the three things hyper asks of a runtime.
//!
//! hyper is runtime-agnostic. It drives a connection over I/O that implements
//! `hyper::rt::Read`/`Write` ([`HyperIo`]), arms its timeouts through a `hyper::rt::Timer`
//! ([`HyperTimer`]), and (HTTP/2, and the client's connection task) spawns futures through a
//! `hyper::rt::Executor` ([`HyperExecutor`]). With these, hyper's own `server::conn` and
//! `client::conn` builders run on the loop, HTTP/1 and HTTP/2, server and client; the
//! connections are single-threaded, so a service may hold `Rc` state.
//!
//! ```
//! use evloop::compat::hyper::{HyperExecutor, HyperIo, HyperTimer};
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::body::Bytes;
//!
//! evloop::run(async {
//!     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     evloop::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let hello = hyper::service::service_fn(|_req| async {
//!             Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hi"))))
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .timer(HyperTimer)
//!             .serve_connection(HyperIo::new(stream), hello)
//!             .await
//!             .unwrap();
//!     });
//!     let stream = evloop::net::TcpStream::connect(addr).await.unwrap();
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
//!         .await
//!         .unwrap();
//!     hyper::rt::Executor::execute(&HyperExecutor, async move { conn.await.unwrap() });
//!     let response = sender.send_request(hyper::Request::new(Empty::<Bytes>::new())).await.unwrap();
//!     let body = response.into_body().collect().await.unwrap().to_bytes();
//!     assert_eq!(body, "hi");
//! })
//! .unwrap();
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::TimerHandle;
use crate::io::{AsyncRead, AsyncWrite};

/// How much one read hands hyper at most: the size of the per-connection scratch buffer.
const SCRATCH: usize = 8 * 1024;

/// An evloop byte stream (a `TcpStream`, `UnixStream`, ...) as hyper's I/O.
///
/// Reads land in a per-connection buffer, then are copied into hyper's: filling hyper's
/// uninitialised buffer in place would need `unsafe`, and the copy is small next to the
/// system call.
///
/// # Examples
///
/// ```
/// use evloop::compat::hyper::HyperIo;
///
/// evloop::run(async {
///     let (a, _b) = evloop::net::UnixStream::pair().unwrap();
///     let io = HyperIo::new(a);
///     let _stream: &evloop::net::UnixStream = io.get_ref();
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct HyperIo<T> {
    io: T,
    scratch: Vec<u8>,
}

impl<T> HyperIo<T> {
    /// Wraps `io` for hyper.
    pub fn new(io: T) -> HyperIo<T> {
        HyperIo {
            io,
            scratch: Vec::new(),
        }
    }

    /// The stream inside.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// The stream inside, to use it directly.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.io
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.scratch.is_empty() {
            this.scratch = vec![0; SCRATCH]; // on the first read: idle connections cost nothing
        }
        let len = buf.remaining().min(SCRATCH);
        let n = ready!(Pin::new(&mut this.io).poll_read(cx, &mut this.scratch[..len]))?;
        buf.put_slice(&this.scratch[..n]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for HyperIo<T> {
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

/// hyper's `Executor` on evloop: each future hyper hands over becomes a task of the running
/// loop (tokio: hyper-util's `TokioExecutor`).
///
/// # Examples
///
/// ```
/// use evloop::compat::hyper::HyperExecutor;
///
/// evloop::run(async {
///     hyper::rt::Executor::execute(&HyperExecutor, async {});
///     evloop::yield_now().await;
/// })
/// .unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperExecutor;

impl<F: Future<Output = ()> + 'static> hyper::rt::Executor<F> for HyperExecutor {
    fn execute(&self, fut: F) {
        crate::spawn(fut);
    }
}

/// hyper's `Timer` on evloop's timers (tokio: hyper-util's `TokioTimer`).
///
/// hyper wants its sleeps `Send + Sync`, and evloop's timers are single-threaded, so a
/// sleep keeps only its deadline and, once armed, the key of its loop timer in a table of
/// its thread; dropping the sleep cancels that timer. (hyper starts a header-read timeout
/// per request and drops it once the head is read: left armed, they would pile up.)
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::compat::hyper::HyperTimer;
///
/// evloop::run(async {
///     hyper::rt::Timer::sleep(&HyperTimer, Duration::from_millis(1)).await;
/// })
/// .unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperTimer;

impl hyper::rt::Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let now = crate::running_loop().map_or_else(Instant::now, |ev| ev.time());
        self.sleep_until(crate::clock::deadline_after(now, duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep {
            deadline,
            armed: None,
        })
    }
}

thread_local! {
    /// The loop timers of this thread's armed sleeps, by key.
    static ARMED: RefCell<Slab<TimerHandle>> = const { RefCell::new(Slab::new()) };
}

/// One of hyper's sleeps (see [`HyperTimer`]).
struct HyperSleep {
    deadline: Instant,
    /// The armed timer's key, and the table (by address) that holds it.
    armed: Option<(usize, usize)>,
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Ok(ev) = crate::get_running_loop() else {
            return Poll::Pending; // hyper only polls on the loop; off it, never due
        };
        if ev.time() >= self.deadline {
            return Poll::Ready(());
        }
        if self.armed.is_none() {
            let waker = cx.waker().clone();
            if let Ok(handle) = ev.call_at(self.deadline, move || waker.wake()) {
                self.armed = Some(ARMED.with(|t| (t.borrow_mut().insert(handle), table_id(t))));
            }
        }
        Poll::Pending
    }
}

impl Drop for HyperSleep {
    fn drop(&mut self) {
        // Only this thread's table holds the key; a sleep dropped on another thread
        // leaves its timer to fire once, harmlessly.
        let Some((key, table)) = self.armed else {
            return;
        };
        let handle = ARMED
            .try_with(|t| {
                (table_id(t) == table)
                    .then(|| t.borrow_mut().try_remove(key))
                    .flatten()
            })
            .ok()
            .flatten();
        if let Some(handle) = handle {
            handle.cancel();
        }
    }
}

impl hyper::rt::Sleep for HyperSleep {}

/// Tells this thread's table of armed timers from another thread's.
fn table_id<T>(table: &T) -> usize {
    std::ptr::from_ref(table).addr()
}
