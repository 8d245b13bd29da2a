//! [`BufferedProtocol`]: a protocol that lends the transport the buffer to read into
//! (asyncio `asyncio.BufferedProtocol`), so the bytes land where the protocol wants them,
//! with no copy out of a transport-owned chunk.

use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::calls::{Calls, Received, forward_to_protocol, guarded, sealed};
use super::{Connection, Transport};
use crate::io::channel::Channel;

/// What the loop calls on a connection whose protocol manages its own receive buffer
/// (asyncio `asyncio.BufferedProtocol`).
///
/// For each read the driver asks [`get_buffer`](Self::get_buffer) for a buffer, reads
/// straight into it from the socket or pipe, then tells
/// [`buffer_updated`](Self::buffer_updated) how many bytes it wrote there. The other
/// methods are [`Protocol`](super::Protocol)'s, with the same order and the same rules.
/// Pass one wherever a protocol factory goes: [`create_connection`](super::create_connection),
/// [`create_server`](super::create_server) and the others take either kind.
///
/// A panic in `get_buffer` or `buffer_updated` is a fatal error of the connection, as in
/// asyncio ("Fatal error: protocol.get_buffer() call failed."): reported with the transport
/// and protocol, the connection closes at once, and `connection_lost(Some(error))` follows.
/// So is an empty buffer (asyncio: "get_buffer() returned an empty buffer").
///
/// # Examples
///
/// A protocol that keeps everything it receives in one fixed buffer:
///
/// ```
/// use evloop::transport::{BufferedProtocol, Transport, create_connection, create_server};
///
/// struct Echo(Option<Transport>, [u8; 64]);
/// impl BufferedProtocol for Echo {
///     fn connection_made(&mut self, t: &Transport) {
///         self.0 = Some(t.clone());
///     }
///     fn get_buffer(&mut self, _sizehint: Option<usize>) -> &mut [u8] {
///         &mut self.1
///     }
///     fn buffer_updated(&mut self, nbytes: usize) {
///         let t = self.0.as_ref().unwrap();
///         t.write(&self.1[..nbytes]);
///         t.close();
///     }
/// }
///
/// struct Client(evloop::Future<Vec<u8>>, Vec<u8>, [u8; 16]);
/// impl BufferedProtocol for Client {
///     fn get_buffer(&mut self, _sizehint: Option<usize>) -> &mut [u8] {
///         &mut self.2
///     }
///     fn buffer_updated(&mut self, nbytes: usize) {
///         self.1.extend_from_slice(&self.2[..nbytes]);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.0.set_result(std::mem::take(&mut self.1)).unwrap();
///     }
/// }
///
/// evloop::run(async {
///     let server = create_server(|| Echo(None, [0; 64]), "127.0.0.1", 0).unwrap();
///     let port = server.local_addr().unwrap().port();
///     let got = evloop::Future::new();
///     let client = Client(got.clone(), Vec::new(), [0; 16]);
///     let t = create_connection(move || client, "127.0.0.1", port).await.unwrap();
///     t.write(b"hello");
///     assert_eq!(got.await.unwrap(), b"hello");
///     server.close();
/// })
/// .unwrap();
/// ```
pub trait BufferedProtocol: 'static {
    /// The connection is up; keep a clone of `transport` to write later. Always the first
    /// call.
    fn connection_made(&mut self, transport: &Transport) {
        let _ = transport;
    }

    /// The buffer the next read goes into; it must not be empty. `sizehint` is the size
    /// the transport would like, `None` for any size (asyncio's `-1`, which is what its
    /// socket transports pass, and so does evloop).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, Transport, create_connection, create_server};
    /// # struct Greet;
    /// # impl Protocol for Greet {
    /// #     fn connection_made(&mut self, t: &Transport) {
    /// #         t.write(b"hello");
    /// #         t.close();
    /// #     }
    /// #     fn data_received(&mut self, _data: &[u8]) {}
    /// # }
    /// use evloop::transport::BufferedProtocol;
    ///
    /// // Reads at most 2 bytes at a time: the buffer it lends is that small.
    /// struct Small(evloop::Future<Vec<usize>>, Vec<usize>, [u8; 2]);
    /// impl BufferedProtocol for Small {
    ///     fn get_buffer(&mut self, _sizehint: Option<usize>) -> &mut [u8] {
    ///         &mut self.2
    ///     }
    ///     fn buffer_updated(&mut self, nbytes: usize) {
    ///         self.1.push(nbytes);
    ///     }
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
    ///         self.0.set_result(std::mem::take(&mut self.1)).unwrap();
    ///     }
    /// }
    ///
    /// evloop::run(async {
    ///     // A server that sends "hello" to each client, then closes.
    ///     let server = create_server(|| Greet, "127.0.0.1", 0).unwrap();
    ///     let port = server.local_addr().unwrap().port();
    ///     let sizes = evloop::Future::new();
    ///     let s = sizes.clone();
    ///     create_connection(move || Small(s, Vec::new(), [0; 2]), "127.0.0.1", port)
    ///         .await
    ///         .unwrap();
    ///     let sizes = sizes.await.unwrap();
    ///     assert!(sizes.iter().all(|&n| n <= 2));
    ///     assert_eq!(sizes.iter().sum::<usize>(), b"hello".len());
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    fn get_buffer(&mut self, sizehint: Option<usize>) -> &mut [u8];

    /// The last read wrote `nbytes` bytes (more than zero) at the start of the buffer
    /// `get_buffer` gave.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, Transport, create_connection, create_server};
    /// # struct Greet;
    /// # impl Protocol for Greet {
    /// #     fn connection_made(&mut self, t: &Transport) {
    /// #         t.write(b"hello");
    /// #         t.close();
    /// #     }
    /// #     fn data_received(&mut self, _data: &[u8]) {}
    /// # }
    /// use evloop::transport::BufferedProtocol;
    ///
    /// struct Collect(evloop::Future<Vec<u8>>, Vec<u8>, [u8; 16]);
    /// impl BufferedProtocol for Collect {
    ///     fn get_buffer(&mut self, _sizehint: Option<usize>) -> &mut [u8] {
    ///         &mut self.2
    ///     }
    ///     fn buffer_updated(&mut self, nbytes: usize) {
    ///         // The read put `nbytes` bytes at the start of the lent buffer.
    ///         self.1.extend_from_slice(&self.2[..nbytes]);
    ///     }
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
    ///         self.0.set_result(std::mem::take(&mut self.1)).unwrap();
    ///     }
    /// }
    ///
    /// evloop::run(async {
    ///     // A server that sends "hello" to each client, then closes.
    ///     let server = create_server(|| Greet, "127.0.0.1", 0).unwrap();
    ///     let port = server.local_addr().unwrap().port();
    ///     let got = evloop::Future::new();
    ///     let g = got.clone();
    ///     create_connection(move || Collect(g, Vec::new(), [0; 16]), "127.0.0.1", port)
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(got.await.unwrap(), b"hello");
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    fn buffer_updated(&mut self, nbytes: usize);

    /// The peer will send nothing more. Return `false` (the default) to close the transport,
    /// `true` to keep it half-open and go on writing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, Transport, create_connection, create_server};
    /// # struct Greet;
    /// # impl Protocol for Greet {
    /// #     fn connection_made(&mut self, t: &Transport) {
    /// #         t.write(b"hello");
    /// #         t.close();
    /// #     }
    /// #     fn data_received(&mut self, _data: &[u8]) {}
    /// # }
    /// use evloop::transport::BufferedProtocol;
    ///
    /// struct Client(evloop::Future<Vec<u8>>, Vec<u8>, [u8; 16]);
    /// impl BufferedProtocol for Client {
    ///     fn get_buffer(&mut self, _sizehint: Option<usize>) -> &mut [u8] {
    ///         &mut self.2
    ///     }
    ///     fn buffer_updated(&mut self, nbytes: usize) {
    ///         self.1.extend_from_slice(&self.2[..nbytes]);
    ///     }
    ///     fn eof_received(&mut self) -> bool {
    ///         // Everything the server sent has arrived.
    ///         self.0.set_result(std::mem::take(&mut self.1)).unwrap();
    ///         false // close our side too
    ///     }
    /// }
    ///
    /// evloop::run(async {
    ///     // A server that sends "hello" to each client, then closes.
    ///     let server = create_server(|| Greet, "127.0.0.1", 0).unwrap();
    ///     let port = server.local_addr().unwrap().port();
    ///     let got = evloop::Future::new();
    ///     let g = got.clone();
    ///     let t = create_connection(move || Client(g, Vec::new(), [0; 16]), "127.0.0.1", port)
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(got.await.unwrap(), b"hello");
    ///     evloop::sleep(std::time::Duration::from_millis(10)).await;
    ///     assert!(t.is_closing());
    ///     server.close();
    /// })
    /// .unwrap();
    /// ```
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is gone, as [`Protocol::connection_lost`](super::Protocol::connection_lost).
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The transport's write buffer went over its high-water mark: stop writing for now.
    fn pause_writing(&mut self) {}

    /// The write buffer fell to its low-water mark: writing may go on.
    fn resume_writing(&mut self) {}
}

/// A [`BufferedProtocol`], as the driver calls it.
struct Lent<B>(B);

/// Why a read into a lent buffer did not happen.
enum Lend {
    /// The buffer was empty.
    Empty,
    /// The read's result.
    Read(Poll<io::Result<usize>>),
}

impl<B: BufferedProtocol> Calls for Lent<B> {
    forward_to_protocol!(B);
    fn receive(&mut self, ch: &dyn Channel, cx: &mut Context<'_>, _: &mut Vec<u8>) -> Received {
        // Lend the buffer only when there is something to read (asyncio asks for it when
        // the selector reports the socket readable).
        if ch.poll_read_ready(cx).is_pending() {
            return Received::Pending;
        }
        // The read itself runs no user code; a panic here is `get_buffer`'s.
        let lent = guarded(|| {
            let buf = self.0.get_buffer(None);
            if buf.is_empty() {
                return Lend::Empty;
            }
            Lend::Read(ch.poll_read_shared(cx, buf))
        });
        match lent {
            Err(e) => Received::Fatal("get_buffer", e),
            Ok(Lend::Empty) => Received::Fatal(
                "get_buffer",
                "get_buffer() returned an empty buffer".to_string(),
            ),
            Ok(Lend::Read(Poll::Pending)) => Received::Pending,
            Ok(Lend::Read(Poll::Ready(Err(e)))) => Received::Failed(e),
            Ok(Lend::Read(Poll::Ready(Ok(0)))) => Received::Eof,
            Ok(Lend::Read(Poll::Ready(Ok(n)))) => match guarded(|| self.0.buffer_updated(n)) {
                Ok(()) => Received::Data,
                Err(e) => Received::Fatal("buffer_updated", e),
            },
        }
    }
}

impl<B: BufferedProtocol> sealed::Start<sealed::BufferKind> for B {
    #[allow(private_interfaces)]
    fn spawn_driver(self, conn: Rc<Connection>) {
        crate::spawn(super::driver::drive(conn, Lent(self)));
    }
}
