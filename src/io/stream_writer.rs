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
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// True once [`close`](Self::close) or [`write_eof`](Self::write_eof) was called, or
    /// the connection failed: later writes are ignored (asyncio `is_closing`).
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
    pub async fn write_eof(&self) -> io::Result<()> {
        self.close();
        self.wait_closed().await
    }

    /// Closes the writing side once the buffer is sent (asyncio `close`; the socket closes
    /// when the reader is gone too).
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
    pub async fn wait_closed(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut st = self.state.borrow_mut();
            if st.closed {
                return Poll::Ready(Ok(()));
            }
            if let Some(kind) = st.error {
                return Poll::Ready(Err(io::Error::new(kind, "Connection lost")));
            }
            st.waiters.push(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// The peer's address (asyncio `get_extra_info('peername')`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    #[doc(alias("get_extra_info", "peername"))]
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

/// The background flusher: sends the buffer, wakes drain waiters, shuts down if closing.
async fn flush(stream: Rc<dyn Channel>, state: Rc<RefCell<WriteState>>) {
    loop {
        if state.borrow().buf.is_empty() {
            break;
        }
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
                break;
            }
        }
    }
    let waiters = {
        let mut st = state.borrow_mut();
        st.flusher = None;
        if st.closing && st.error.is_none() && !st.closed {
            let _ = stream.shutdown_write();
            st.closed = true;
        }
        std::mem::take(&mut st.waiters)
    };
    waiters.into_iter().for_each(Waker::wake);
}
