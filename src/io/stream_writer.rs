//! The writing half of a stream connection: [`StreamWriter`] buffers what is written, and a
//! flusher task on the writer's loop sends it in the background (see [`streams`](super::streams)).

use std::cell::RefCell;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::panic::Location;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

use super::streams::byte_queue::ByteQueue;
use super::streams::{Channel, DEFAULT_LIMIT};
use crate::event_loop::context;
use crate::event_loop::core::Core;
use crate::task::{Task, TaskRef};

/// What the writer and its background flusher share.
#[derive(Default)]
struct WriteState {
    /// Written and not yet sent; sending n bytes a socket's worth at a time costs O(n)
    /// (see `byte_queue`).
    buf: ByteQueue,
    /// The flusher task, while one runs.
    flusher: Option<TaskRef>,
    /// Tasks in `drain` or `wait_closed`.
    waiters: Vec<Waker>,
    /// The first socket error; later writes and drains report it.
    error: Option<io::ErrorKind>,
    /// `close` was called: shut the socket down once the buffer is empty.
    closing: bool,
    /// The write side is shut down.
    closed: bool,
}

/// The writing half of a connection (asyncio `StreamWriter`).
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_connection, start_server};
///
/// evloop::run(async {
/// #   let echo = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move {
/// #       w.write(&r.readline().await.unwrap());
/// #   };
/// #   let port = start_server(echo, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
///     // A server on `port` echoes a line.
///     let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
///     writer.write(b"hello\n");
///     writer.drain().await.unwrap(); // flow control: waits while too much is buffered
///     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
/// })
/// .unwrap();
/// ```
pub struct StreamWriter {
    stream: Rc<dyn Channel>,
    state: Rc<RefCell<WriteState>>,
    high_water: usize,
    /// The loop the socket is registered with, which runs the flusher: a write from code
    /// that runs outside that loop (a destructor, another loop's turn, after a `run`) still
    /// sends on it.
    owner: Weak<Core>,
}

impl StreamWriter {
    /// A writer on `stream`, whose loop is the one running now.
    pub(crate) fn new(stream: Rc<dyn Channel>) -> StreamWriter {
        StreamWriter {
            stream,
            state: Rc::new(RefCell::new(WriteState::default())),
            high_water: DEFAULT_LIMIT,
            owner: context::with_current(Rc::downgrade).unwrap_or_default(),
        }
    }

    /// Starts the task that sends the buffer, on the writer's loop. With that loop closed
    /// nothing can be sent any more: the buffer is dropped and later drains report the
    /// connection lost.
    fn start_flusher(&self, st: &mut WriteState) {
        match self
            .owner
            .upgrade()
            .filter(|core| core.check_open().is_ok())
        {
            Some(core) => {
                let flusher = flush(self.stream.clone(), self.state.clone());
                let task: Task<()> = core.spawn(flusher, Location::caller());
                st.flusher = Some(task.task_ref());
            }
            None => {
                st.error = Some(io::ErrorKind::NotConnected);
                st.buf.clear();
            }
        }
    }

    /// Buffers `data` to send; never waits (asyncio `write`). Call [`drain`](Self::drain)
    /// to respect flow control.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move { w.write(&r.read(None).await.unwrap()) };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer echoes what it read once it reads end of stream.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// writer.write(b"hello ");
    /// writer.write(b"world"); // buffered; sent in the background
    /// writer.write_eof().await.unwrap();
    /// assert_eq!(reader.read(None).await.unwrap(), b"hello world");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn write(&self, data: &[u8]) {
        let mut st = self.state.borrow_mut();
        if st.closing || st.error.is_some() {
            return;
        }
        st.buf.push(data);
        if st.flusher.is_none() {
            self.start_flusher(&mut st);
        }
    }

    /// Buffers each part of `data` in order, as one `write` each (asyncio `writelines`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::{open_connection, start_server};
    ///
    /// evloop::run(async {
    ///     let server = start_server(
    ///         |mut reader, writer| async move {
    ///             let line = reader.readline().await.unwrap();
    ///             writer.writelines([&b"echo: "[..], &line]);
    ///             assert!(writer.can_write_eof());
    ///             writer.close();
    ///             assert!(writer.is_closing());
    ///         },
    ///         "127.0.0.1",
    ///         0,
    ///     )
    ///     .unwrap();
    ///     let port = server.local_addr().unwrap().port();
    ///     let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    ///     writer.writelines([&b"hel"[..], b"lo\n"]);
    ///     assert_eq!(reader.readline().await.unwrap(), b"echo: hello\n");
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    pub fn writelines<'a>(&self, data: impl IntoIterator<Item = &'a [u8]>) {
        for part in data {
            self.write(part);
        }
    }

    /// True: a stream writer can always end its side, a socket's or a pipe's (asyncio
    /// `can_write_eof`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move { w.write(&r.read(None).await.unwrap()) };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer echoes what it read once it reads end of stream.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert!(writer.can_write_eof());
    /// writer.write(b"ping");
    /// writer.write_eof().await.unwrap();
    /// assert_eq!(reader.read(None).await.unwrap(), b"ping");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// True once [`close`](Self::close) or [`write_eof`](Self::write_eof) was called, or
    /// the connection failed: later writes are ignored (asyncio `is_closing`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move { w.write(&r.read(None).await.unwrap()) };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer echoes what it read once it reads end of stream.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert!(!writer.is_closing());
    /// writer.close();
    /// assert!(writer.is_closing());
    /// writer.write(b"ignored"); // a write after close is dropped
    /// assert_eq!(reader.read(None).await.unwrap(), b"");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn is_closing(&self) -> bool {
        let st = self.state.borrow();
        st.closing || st.error.is_some()
    }

    /// How many bytes wait to be sent.
    pub fn buffered(&self) -> usize {
        self.state.borrow().buf.len()
    }

    /// Waits while more than the high-water mark is buffered, until it falls to the low-water
    /// mark (a quarter of it).
    ///
    /// # Errors
    ///
    /// The connection failed (asyncio: `ConnectionResetError('Connection lost')`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, _w| async move { let _ = r.read(None).await; };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer reads everything and sends nothing.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// writer.write(&[b'x'; 200_000]); // over the 64 KiB high-water mark
    /// writer.drain().await.unwrap(); // waits until the buffer falls to the low-water mark
    /// assert!(writer.buffered() <= 16 * 1024);
    /// # drop(reader);
    /// # })
    /// # .unwrap();
    /// ```
    pub async fn drain(&self) -> io::Result<()> {
        let low = self.high_water / 4;
        let high = self.high_water;
        let mut paused = false;
        poll_fn(|cx| {
            let mut st = self.state.borrow_mut();
            if let Some(kind) = st.error {
                return Poll::Ready(Err(io::Error::new(kind, "Connection lost")));
            }
            let len = st.buf.len();
            if len > high {
                paused = true;
            }
            if !paused || len <= low {
                return Poll::Ready(Ok(()));
            }
            st.waiters.push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Half-closes: the peer reads end of stream once the buffer is sent.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move { w.write(&r.read(None).await.unwrap()) };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer echoes what it read once it reads end of stream.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// writer.write(b"ping");
    /// writer.write_eof().await.unwrap(); // the peer reads end of stream...
    /// assert_eq!(reader.read(None).await.unwrap(), b"ping"); // ...and can still answer
    /// # })
    /// # .unwrap();
    /// ```
    pub async fn write_eof(&self) -> io::Result<()> {
        self.close();
        self.wait_closed().await
    }

    /// Closes the writing side once the buffer is sent (asyncio `close`; the socket closes
    /// when the reader is gone too).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move { w.write(&r.read(None).await.unwrap()) };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer echoes what it read once it reads end of stream.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// writer.write(b"bye");
    /// writer.close(); // sends what is buffered, then ends this side
    /// writer.wait_closed().await.unwrap();
    /// assert_eq!(reader.read(None).await.unwrap(), b"bye"); // the reader still reads
    /// # })
    /// # .unwrap();
    /// ```
    pub fn close(&self) {
        let mut st = self.state.borrow_mut();
        st.closing = true;
        if st.flusher.is_none() {
            self.start_flusher(&mut st);
        }
    }

    /// Waits until `close` has finished sending and shut the side down.
    ///
    /// # Errors
    ///
    /// The connection failed first.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let peer = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move { w.write(&r.read(None).await.unwrap()) };
    /// # let port = start_server(peer, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer echoes what it read once it reads end of stream.
    /// let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// writer.write(b"last words");
    /// writer.close();
    /// writer.wait_closed().await.unwrap(); // all sent, and this side shut down
    /// assert_eq!(writer.buffered(), 0);
    /// assert_eq!(reader.read(None).await.unwrap(), b"last words");
    /// # })
    /// # .unwrap();
    /// ```
    pub async fn wait_closed(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// `Ready` once `close` has shut the side down, or the connection failed.
    fn poll_closed(&self, cx: &std::task::Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.state.borrow_mut();
        if st.closed {
            return Poll::Ready(Ok(()));
        }
        if let Some(kind) = st.error {
            return Poll::Ready(Err(io::Error::new(kind, "Connection lost")));
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }

    /// The peer's address (asyncio `get_extra_info('peername')`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    #[doc(alias("get_extra_info", "peername"))]
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::streams::{open_connection, start_server};
    ///
    /// evloop::run(async {
    ///     let server = start_server(|_r, _w| async {}, "127.0.0.1", 0).unwrap();
    ///     let addr = server.local_addr().unwrap();
    ///     let (_reader, writer) = open_connection("127.0.0.1", addr.port()).await.unwrap();
    ///     assert_eq!(writer.peer_addr().unwrap(), addr);
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

/// The background flusher: sends the buffer, wakes drain waiters, shuts down if closing.
async fn flush(stream: Rc<dyn Channel>, state: Rc<RefCell<WriteState>>) {
    while send_buffer(&stream, &state).await {
        // What the channel holds back (TLS records) goes out too; a write that came in
        // meanwhile sends another round.
        if let Err(e) = poll_fn(|cx| stream.poll_flush_shared(cx)).await {
            state.borrow_mut().error = Some(e.kind());
            break;
        }
        if state.borrow().buf.is_empty() {
            break;
        }
    }
    let closing = {
        let st = state.borrow();
        st.closing && st.error.is_none() && !st.closed
    };
    if closing {
        let _ = poll_fn(|cx| stream.poll_shutdown_write(cx)).await;
    }
    let waiters = {
        let mut st = state.borrow_mut();
        st.flusher = None;
        st.closed |= closing;
        std::mem::take(&mut st.waiters)
    };
    waiters.into_iter().for_each(Waker::wake);
}

/// Writes the buffer out, waking drain waiters as it shrinks. False on a write error (which
/// is recorded and drops what was buffered).
async fn send_buffer(stream: &Rc<dyn Channel>, state: &Rc<RefCell<WriteState>>) -> bool {
    while !state.borrow().buf.is_empty() {
        // Write straight from the buffer: the borrow covers only the non-blocking write
        // attempt (no user code runs inside it), never an await.
        let written = poll_fn(|cx| {
            let st = state.borrow();
            let unsent = st.buf.as_slice();
            stream.poll_write_shared(cx, &unsent[..unsent.len().min(64 * 1024)])
        })
        .await;
        match written {
            Ok(n) => {
                let waiters = {
                    let mut st = state.borrow_mut();
                    st.buf.consume(n);
                    std::mem::take(&mut st.waiters)
                };
                waiters.into_iter().for_each(Waker::wake);
            }
            Err(e) => {
                let mut st = state.borrow_mut();
                st.error = Some(e.kind());
                st.buf.clear();
                return false;
            }
        }
    }
    true
}

/// The writer as a `futures-io` `AsyncWrite`: a write is buffered as `write` does, once the
/// buffer is at or under the high-water mark (above it, the write waits, as `drain` would:
/// the buffer stays bounded); `flush` waits until everything is sent; `close` is
/// `write_eof`.
impl crate::io::AsyncWrite for StreamWriter {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        {
            let mut st = self.state.borrow_mut();
            if let Some(kind) = st.error {
                return Poll::Ready(Err(io::Error::new(kind, "Connection lost")));
            }
            if st.closing {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            if st.buf.len() > self.high_water {
                st.waiters.push(cx.waker().clone());
                return Poll::Pending;
            }
        }
        self.write(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut st = self.state.borrow_mut();
        if let Some(kind) = st.error {
            return Poll::Ready(Err(io::Error::new(kind, "Connection lost")));
        }
        if st.buf.is_empty() {
            return Poll::Ready(Ok(()));
        }
        st.waiters.push(cx.waker().clone());
        Poll::Pending
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.state.borrow().closing {
            self.close();
        }
        self.poll_closed(cx)
    }
}
