//! A listening server: asyncio's `Server`, shared by every way of serving (streams or
//! protocols, TCP or Unix-domain sockets).
//!
//! [`start_server`](crate::streams::start_server) and
//! [`create_server`](crate::transport::create_server) (and their Unix-socket twins) all bind
//! a listener and run one *accept loop* task; they differ only in what they do with each
//! accepted connection. The accept loop lives here, once. The server keeps a weak reference
//! to each connection it made, so [`Server::close_clients`] and [`Server::abort_clients`]
//! can reach the ones still open without keeping any alive.
//!
//! **Faults do not stop it.** An accept error (a connection reset before it was accepted,
//! `EMFILE` when the process is out of file descriptors) is skipped; after one the loop waits
//! 10 ms before accepting again, so a listener whose queue stays readable while every accept
//! fails does not spin the loop at 100% CPU (asyncio waits 1 s; tokio's docs suggest the
//! same back-off).

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
#[cfg(unix)]
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::error::{ExceptionContext, panic_message};
use crate::event_loop::context;
use crate::event_loop::core::Core;
use crate::net::{TcpListener, TcpStream};
use crate::task::Task;

mod options;
pub use options::ServerOptions;

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

/// A listening socket the accept loop takes connections from.
pub(crate) trait Listener: 'static {
    /// An accepted connection.
    type Conn: 'static;
    /// Waits for the next connection.
    fn accept_one(&self) -> impl Future<Output = io::Result<Self::Conn>>;
}

impl Listener for TcpListener {
    type Conn = TcpStream;
    async fn accept_one(&self) -> io::Result<TcpStream> {
        Ok(self.accept().await?.0)
    }
}

#[cfg(unix)]
impl Listener for crate::net::UnixListener {
    type Conn = crate::net::UnixStream;
    async fn accept_one(&self) -> io::Result<crate::net::UnixStream> {
        self.accept().await
    }
}

/// A connection as its server sees it: something to close or abort.
pub(crate) trait Client {
    /// Closes once what is buffered is sent (asyncio `transport.close()`).
    fn close(&self);
    /// Closes now (asyncio `transport.abort()`).
    fn abort(&self);
}

/// Starts a server's accept loop (the listener and the connection handler inside).
type StartServing = Box<dyn FnOnce() -> Task<()>>;

/// The connections a server made, weakly.
type Clients = Rc<RefCell<Vec<Weak<dyn Client>>>>;

/// What the server's handle, its accept loop and `wait_closed` share.
#[derive(Default)]
struct Shared {
    /// The accept loop, once serving started.
    accept_loop: RefCell<Option<Task<()>>>,
    /// Starts the accept loop; taken by `start_serving` (or dropped, with the listener, by
    /// `close`).
    start: RefCell<Option<StartServing>>,
    /// `close` was called.
    closed: Cell<bool>,
    /// Tasks in `wait_closed` waiting for `close`.
    waiters: RefCell<Vec<Waker>>,
    /// The connections made, weakly; dead ones are pruned as new ones come.
    clients: Clients,
}

/// A listening server (asyncio `Server`).
///
/// Dropping the `Server` handle does not stop it; [`close`](Server::close) does.
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_connection, start_server};
///
/// evloop::run(async {
///     let hello = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"hi\n") };
///     let server = start_server(hello, "127.0.0.1", 0).unwrap();
///     assert!(server.is_serving());
///     let port = server.local_addr().unwrap().port();
///     let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"hi\n");
///     server.close();
///     server.wait_closed().await;
///     assert!(!server.is_serving());
/// })
/// .unwrap();
/// ```
#[doc(alias("AbstractServer", "asyncio.AbstractServer"))]
pub struct Server {
    shared: Rc<Shared>,
    /// The address of a TCP server.
    addr: Option<SocketAddr>,
    /// The path of a Unix-domain server.
    #[cfg(unix)]
    path: Option<PathBuf>,
    /// The loop it serves on (the one running when it was made).
    owner: Weak<Core>,
}

/// The accept loop: hands each connection to `on_conn`, and keeps the client it gives.
async fn accept_loop<L: Listener>(
    listener: L,
    mut on_conn: impl FnMut(L::Conn) -> Weak<dyn Client> + 'static,
    clients: Clients,
) {
    loop {
        match listener.accept_one().await {
            // A panicking protocol factory or connection handler costs this connection
            // (dropped while unwinding), not the server.
            Ok(conn) => match catch_unwind(AssertUnwindSafe(|| on_conn(conn))) {
                Ok(client) => {
                    let mut clients = clients.borrow_mut();
                    clients.retain(|c| c.strong_count() > 0);
                    clients.push(client);
                }
                Err(p) => report_connection_panic(&*p),
            },
            Err(_) => crate::sleep(ACCEPT_BACKOFF).await,
        }
    }
}

impl Server {
    /// Serves `listener`: its accept loop (spawned now, or at `start_serving`) hands each
    /// connection to `on_conn`, which gives the client for `close_clients`.
    pub(crate) fn serve<L: Listener>(
        listener: L,
        options: &ServerOptions,
        on_conn: impl FnMut(L::Conn) -> Weak<dyn Client> + 'static,
    ) -> Server {
        let shared = Rc::new(Shared::default());
        let clients = shared.clients.clone();
        *shared.start.borrow_mut() = Some(Box::new(move || {
            crate::spawn(accept_loop(listener, on_conn, clients))
        }));
        let server = Server {
            shared,
            addr: None,
            #[cfg(unix)]
            path: None,
            owner: context::with_current(Rc::downgrade).unwrap_or_default(),
        };
        if options.starts_serving() {
            server.start_serving();
        }
        server
    }

    /// A TCP server on `host:port` (port 0: any free port).
    pub(crate) fn serve_tcp(
        host: &str,
        port: u16,
        options: &ServerOptions,
        on_conn: impl FnMut(TcpStream) -> Weak<dyn Client> + 'static,
    ) -> io::Result<Server> {
        let listener = options.listen(host, port)?;
        let addr = listener.local_addr()?;
        let mut server = Server::serve(listener, options, on_conn);
        server.addr = Some(addr);
        Ok(server)
    }

    /// A Unix-domain server at `path`.
    #[cfg(unix)]
    pub(crate) fn serve_unix(
        path: &Path,
        options: &ServerOptions,
        on_conn: impl FnMut(crate::net::UnixStream) -> Weak<dyn Client> + 'static,
    ) -> io::Result<Server> {
        options.require_plain("a Unix-domain server")?;
        let listener = crate::net::UnixListener::bind(path)?;
        let mut server = Server::serve(listener, options, on_conn);
        server.path = Some(path.to_path_buf());
        Ok(server)
    }

    /// The address a TCP server listens on.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::Unsupported`] for a Unix-domain server (see [`path`](Self::path)).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::start_server;
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     let addr = server.local_addr().unwrap();
    ///     assert!(addr.ip().is_loopback());
    ///     assert_ne!(addr.port(), 0); // the port the OS picked
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "sockets")]
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.addr.ok_or_else(|| io::ErrorKind::Unsupported.into())
    }

    /// The path a Unix-domain server listens at (asyncio `sockets[0].getsockname()`).
    #[cfg(unix)]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Starts accepting connections, if it did not yet (asyncio `Server.start_serving`; a
    /// server made with [`ServerOptions::start_serving`]`(false)` waits for it). Does
    /// nothing once serving or closed.
    ///
    /// # Panics
    ///
    /// Outside a running loop, when it has to start the accept loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::server::ServerOptions;
    /// use evloop::streams::{open_connection, start_server_with};
    ///
    /// evloop::run(async {
    ///     let options = ServerOptions::new().start_serving(false);
    ///     let handler = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"hi\n") };
    ///     let server = start_server_with(handler, "127.0.0.1", 0, &options).unwrap();
    ///     assert!(!server.is_serving());
    ///     server.start_serving();
    ///     assert!(server.is_serving());
    ///     let port = server.local_addr().unwrap().port();
    ///     let (mut r, _w) = open_connection("127.0.0.1", port).await.unwrap();
    ///     assert_eq!(r.readline().await.unwrap(), b"hi\n");
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    pub fn start_serving(&self) {
        let start = self.shared.start.borrow_mut().take();
        if let Some(start) = start {
            *self.shared.accept_loop.borrow_mut() = Some(start());
        }
    }

    /// Stops accepting connections (the listening socket closes); connections already made
    /// go on.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::start_server;
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     let addr = server.local_addr().unwrap();
    ///     server.close();
    ///     server.wait_closed().await;
    ///     assert!(!server.is_serving());
    ///     assert!(std::net::TcpStream::connect(addr).is_err()); // nobody listens now
    /// })
    /// .unwrap();
    /// ```
    pub fn close(&self) {
        self.shared.closed.set(true);
        drop(self.shared.start.borrow_mut().take());
        if let Some(t) = self.shared.accept_loop.borrow().as_ref() {
            t.cancel();
        }
        let waiters = std::mem::take(&mut *self.shared.waiters.borrow_mut());
        waiters.into_iter().for_each(Waker::wake);
    }

    /// The connections it made that are still open.
    fn clients(&self) -> Vec<Rc<dyn Client>> {
        let clients = self.shared.clients.borrow();
        clients.iter().filter_map(Weak::upgrade).collect()
    }

    /// Closes every connection it made that is still open, each once its buffer is sent
    /// (asyncio 3.13 `Server.close_clients`: `close()` on each transport). The server
    /// itself goes on accepting; [`close`](Self::close) stops that.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::{open_connection, start_server};
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     let port = server.local_addr().unwrap().port();
    ///     let (mut r, _w) = open_connection("127.0.0.1", port).await.unwrap();
    ///     evloop::sleep(std::time::Duration::from_millis(10)).await;
    ///     server.close();
    ///     server.close_clients();
    ///     assert_eq!(r.read(None).await.unwrap(), b""); // the server's end closed
    /// })
    /// .unwrap();
    /// ```
    pub fn close_clients(&self) {
        self.clients().iter().for_each(|c| c.close());
    }

    /// Closes every connection it made that is still open, at once, dropping what they had
    /// not sent (asyncio 3.13 `Server.abort_clients`: `abort()` on each transport).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::{open_connection, start_server};
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     let port = server.local_addr().unwrap().port();
    ///     let (mut r, _w) = open_connection("127.0.0.1", port).await.unwrap();
    ///     evloop::sleep(std::time::Duration::from_millis(10)).await;
    ///     server.close();
    ///     server.abort_clients();
    ///     // The server's end is gone: EOF, or a reset.
    ///     assert!(r.read(None).await.map_or(true, |b| b.is_empty()));
    /// })
    /// .unwrap();
    /// ```
    pub fn abort_clients(&self) {
        self.clients().iter().for_each(|c| c.abort());
    }

    /// The loop it serves on (asyncio `Server.get_loop()`); `None` once that loop is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::start_server;
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     assert!(server.get_loop().is_some());
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    pub fn get_loop(&self) -> Option<crate::LoopHandle> {
        let core = self.owner.upgrade()?;
        (!core.is_closed()).then_some(crate::LoopHandle { core })
    }

    /// Whether the server accepts connections: serving started and it is not closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::start_server;
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     assert!(server.is_serving());
    ///     server.close();
    ///     assert!(!server.is_serving());
    /// })
    /// .unwrap();
    /// ```
    pub fn is_serving(&self) -> bool {
        self.shared
            .accept_loop
            .borrow()
            .as_ref()
            .is_some_and(|t| !t.done() && t.cancelling() == 0)
    }

    /// Waits until the server is closed and its listening socket with it (Python 3.11: does
    /// not wait for the connections).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::start_server;
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     server.close();
    ///     server.wait_closed().await; // returns once the listening socket is closed
    ///     assert!(!server.is_serving());
    /// })
    /// .unwrap();
    /// ```
    pub async fn wait_closed(&self) {
        let mut registered = false;
        poll_fn(|cx| {
            if !self.shared.closed.get() {
                self.shared.waiters.borrow_mut().push(cx.waker().clone());
                return Poll::Pending;
            }
            let accept_loop = self.shared.accept_loop.borrow();
            let Some(done) = accept_loop.as_ref().map(Task::task_ref) else {
                return Poll::Ready(());
            };
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

    /// Starts serving if it did not yet, then serves until the server is closed (asyncio
    /// `serve_forever`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// use evloop::streams::{open_connection, start_server};
    ///
    /// evloop::run(async {
    ///     let hello = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"hi\n") };
    ///     let server = Rc::new(start_server(hello, "127.0.0.1", 0).unwrap());
    ///     let port = server.local_addr().unwrap().port();
    ///     let s = server.clone();
    ///     let serving = evloop::spawn(async move { s.serve_forever().await });
    ///     let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
    ///     assert_eq!(reader.readline().await.unwrap(), b"hi\n");
    ///     server.close(); // serve_forever returns
    ///     serving.await.unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub async fn serve_forever(&self) {
        self.start_serving();
        self.wait_closed().await
    }
}
