//! A listening server: asyncio's `Server`, shared by the two ways of serving TCP.
//!
//! [`start_server`](crate::streams::start_server) (streams) and
//! [`create_server`](crate::transport::create_server) (protocols) both bind a listener and
//! run one *accept loop* task; they differ only in what they do with each accepted
//! connection. The accept loop lives here, once.
//!
//! **Faults do not stop it.** An accept error (a connection reset before it was accepted,
//! `EMFILE` when the process is out of file descriptors) is skipped; after one the loop waits
//! 10 ms before accepting again, so a listener whose queue stays readable while every accept
//! fails does not spin the loop at 100% CPU (asyncio waits 1 s; tokio's docs suggest the
//! same back-off).

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::{Rc, Weak};
use std::task::Poll;
use std::time::Duration;

use crate::error::{ExceptionContext, panic_message};
use crate::event_loop::context;
use crate::event_loop::core::Core;
use crate::net::{TcpListener, TcpStream};
use crate::task::Task;

/// How long the accept loop rests after a failed accept.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// Reports a panic of the code that set up an accepted connection, in asyncio's words
/// (`_accept_connection2`), through the running loop's exception handler.
fn report_connection_panic(payload: &(dyn std::any::Any + Send)) {
    if let Ok(h) = crate::get_running_loop() {
        h.call_exception_handler(&ExceptionContext {
            message: "Error on transport creation for incoming connection".to_string(),
            error: Some(panic_message(payload)),
            ..Default::default()
        });
    }
}

/// A listening server (asyncio `Server`).
///
/// Dropping the `Server` handle does not stop it; [`close`](Server::close) does.
#[doc(alias("AbstractServer", "asyncio.AbstractServer"))]
pub struct Server {
    accept_loop: Task<()>,
    addr: SocketAddr,
    /// The loop it serves on (the one running when it was made).
    owner: Weak<Core>,
}

impl Server {
    /// Binds `host:port` (port 0: any free port) and spawns the accept loop, which hands
    /// each connection to `on_conn`.
    pub(crate) fn serve(
        host: &str,
        port: u16,
        mut on_conn: impl FnMut(TcpStream) + 'static,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind((host, port))?;
        let addr = listener.local_addr()?;
        let accept_loop = crate::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((conn, _)) => {
                        // A panicking protocol factory or connection handler costs this
                        // connection (dropped while unwinding), not the server.
                        if let Err(p) = catch_unwind(AssertUnwindSafe(|| on_conn(conn))) {
                            report_connection_panic(&*p);
                        }
                    }
                    Err(_) => crate::sleep(ACCEPT_BACKOFF).await,
                }
            }
        });
        let owner = context::with_current(Rc::downgrade).unwrap_or_default();
        Ok(Server {
            accept_loop,
            addr,
            owner,
        })
    }

    /// The address it listens on.
    ///
    /// # Errors
    ///
    /// Never today; kept `Result` for parity with the sockets.
    #[doc(alias = "sockets")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }

    /// Stops accepting connections (the listening socket closes); connections already made
    /// go on.
    pub fn close(&self) {
        self.accept_loop.cancel();
    }

    /// The loop it serves on (asyncio `Server.get_loop()`); `None` once that loop is closed.
    pub fn get_loop(&self) -> Option<crate::LoopHandle> {
        let core = self.owner.upgrade()?;
        (!core.is_closed()).then_some(crate::LoopHandle { core })
    }

    /// Whether the server still accepts connections.
    pub fn is_serving(&self) -> bool {
        !self.accept_loop.done() && self.accept_loop.cancelling() == 0
    }

    /// Waits until the listening socket is closed (Python 3.11: does not wait for the
    /// connections).
    pub async fn wait_closed(&self) {
        let done = self.accept_loop.task_ref();
        let mut registered = false;
        poll_fn(|cx| {
            if done.done() {
                return Poll::Ready(());
            }
            if !registered {
                registered = true;
                let w = cx.waker().clone();
                done.add_done_callback(move |_| w.wake());
            }
            Poll::Pending
        })
        .await
    }

    /// Serves until the server is closed (asyncio `serve_forever`).
    pub async fn serve_forever(&self) {
        self.wait_closed().await
    }
}
