//! [`Protocol`], the callbacks the loop calls on a connection (see the
//! [module docs](super)).

use std::io;

use super::Transport;

/// What the loop calls on a connection (asyncio `asyncio.Protocol`).
///
/// Every method runs on the loop thread as part of the connection's driver task; none may
/// block. A panic in one is reported through the loop's exception handler in asyncio's
/// words: in `data_received` or `eof_received` it is a fatal error of the connection
/// ("Fatal error: protocol.data_received() call failed.", with the transport and the
/// protocol), which closes at once and is told `connection_lost(Some(error))`; in
/// `connection_made` or `connection_lost` it is an "Exception in callback", and in
/// `pause_writing` or `resume_writing` a "protocol.pause_writing() failed", and the
/// connection goes on.
///
/// # Examples
///
/// A server that answers each chunk in upper case, and counts its connections:
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// use evloop::transport::{Protocol, Transport, create_server};
///
/// struct Upper(Option<Transport>, Rc<Cell<u32>>);
/// impl Protocol for Upper {
///     fn connection_made(&mut self, t: &Transport) {
///         self.0 = Some(t.clone());
///         self.1.set(self.1.get() + 1);
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.as_ref().unwrap().write(&data.to_ascii_uppercase());
///     }
/// }
///
/// # // A blocking peer on its own thread, awaited from the loop (`to_thread` needs feature `executor`).
/// # fn off_loop<T: Send + 'static>(
/// #     f: impl FnOnce() -> T + Send + 'static,
/// # ) -> impl std::future::Future<Output = std::thread::Result<T>> {
/// #     let t = std::thread::spawn(f);
/// #     async move {
/// #         while !t.is_finished() {
/// #             evloop::sleep(std::time::Duration::from_millis(1)).await;
/// #         }
/// #         t.join()
/// #     }
/// # }
/// evloop::run(async {
///     let count = Rc::new(Cell::new(0));
///     let c = count.clone();
///     let server = create_server(move || Upper(None, c.clone()), "127.0.0.1", 0).unwrap();
///     let addr = server.local_addr().unwrap();
///     // `off_loop`: a blocking client on its own thread, awaited here
///     let reply = off_loop(move || {
///         use std::io::{Read, Write};
///         let mut s = std::net::TcpStream::connect(addr).unwrap();
///         s.write_all(b"hi").unwrap();
///         let mut buf = [0; 2];
///         s.read_exact(&mut buf).unwrap();
///         buf
///     });
///     assert_eq!(&reply.await.unwrap(), b"HI");
///     assert_eq!(count.get(), 1);
///     server.close();
/// })
/// .unwrap();
/// ```
#[doc(alias("BaseProtocol", "asyncio.BaseProtocol"))]
pub trait Protocol: 'static {
    /// The connection is up; keep a clone of `transport` to write later. Always the first
    /// call.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::transport::{Protocol, Transport, create_connection};
    ///
    /// struct Greet;
    /// impl Protocol for Greet {
    ///     fn connection_made(&mut self, t: &Transport) {
    ///         t.write(b"hello");
    ///         t.close();
    ///     }
    ///     fn data_received(&mut self, _data: &[u8]) {}
    /// }
    ///
    /// # // A blocking peer on its own thread, awaited from the loop (`to_thread` needs feature `executor`).
    /// # fn off_loop<T: Send + 'static>(
    /// #     f: impl FnOnce() -> T + Send + 'static,
    /// # ) -> impl std::future::Future<Output = std::thread::Result<T>> {
    /// #     let t = std::thread::spawn(f);
    /// #     async move {
    /// #         while !t.is_finished() {
    /// #             evloop::sleep(std::time::Duration::from_millis(1)).await;
    /// #         }
    /// #         t.join()
    /// #     }
    /// # }
    /// evloop::run(async {
    /// #   let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #   let port = peer.local_addr().unwrap().port();
    /// #   let read_all = |mut s: std::net::TcpStream| off_loop(move || {
    /// #       let mut v = Vec::new();
    /// #       std::io::Read::read_to_end(&mut s, &mut v).unwrap();
    /// #       v
    /// #   });
    ///     // `peer`: a std `TcpListener` on `port`; `read_all` reads a socket to EOF off the loop.
    ///     create_connection(|| Greet, "127.0.0.1", port).await.unwrap();
    ///     let (s, _) = peer.accept().unwrap();
    ///     assert_eq!(read_all(s).await.unwrap(), b"hello");
    /// })
    /// .unwrap();
    /// ```
    fn connection_made(&mut self, transport: &Transport) {
        let _ = transport;
    }

    /// Some bytes arrived (at most 32 KiB per call; message boundaries are not kept).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// use evloop::transport::{Protocol, create_connection};
    ///
    /// struct Collect(Vec<u8>, evloop::Future<Vec<u8>>);
    /// impl Protocol for Collect {
    ///     fn data_received(&mut self, data: &[u8]) {
    ///         self.0.extend_from_slice(data); // a chunk: boundaries are not kept
    ///     }
    ///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
    ///         self.1.set_result(std::mem::take(&mut self.0)).unwrap();
    ///     }
    /// }
    ///
    /// evloop::run(async {
    /// #   let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #   let port = peer.local_addr().unwrap().port();
    ///     let got = evloop::Future::new();
    ///     let p = Collect(Vec::new(), got.clone());
    ///     create_connection(move || p, "127.0.0.1", port).await.unwrap();
    ///     let (mut s, _) = peer.accept().unwrap(); // `peer`: a std `TcpListener` on `port`
    ///     s.write_all(b"some ").unwrap();
    ///     s.write_all(b"data").unwrap();
    ///     drop(s); // EOF: the transport closes
    ///     assert_eq!(got.await.unwrap(), b"some data");
    /// })
    /// .unwrap();
    /// ```
    fn data_received(&mut self, data: &[u8]);

    /// The peer will send nothing more. Return `false` (the default) to close the transport,
    /// `true` to keep it half-open and go on writing.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::transport::{Protocol, create_connection};
    ///
    /// struct HalfOpen(evloop::Future<()>);
    /// impl Protocol for HalfOpen {
    ///     fn data_received(&mut self, _data: &[u8]) {}
    ///     fn eof_received(&mut self) -> bool {
    ///         self.0.set_result(()).unwrap();
    ///         true // keep the transport open for writing
    ///     }
    /// }
    ///
    /// # // A blocking peer on its own thread, awaited from the loop (`to_thread` needs feature `executor`).
    /// # fn off_loop<T: Send + 'static>(
    /// #     f: impl FnOnce() -> T + Send + 'static,
    /// # ) -> impl std::future::Future<Output = std::thread::Result<T>> {
    /// #     let t = std::thread::spawn(f);
    /// #     async move {
    /// #         while !t.is_finished() {
    /// #             evloop::sleep(std::time::Duration::from_millis(1)).await;
    /// #         }
    /// #         t.join()
    /// #     }
    /// # }
    /// evloop::run(async {
    /// #   let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #   let port = peer.local_addr().unwrap().port();
    /// #   let read_all = |mut s: std::net::TcpStream| off_loop(move || {
    /// #       let mut v = Vec::new();
    /// #       std::io::Read::read_to_end(&mut s, &mut v).unwrap();
    /// #       v
    /// #   });
    ///     // `peer`: a std `TcpListener` on `port`; `read_all` reads a socket to EOF off the loop.
    ///     let eof = evloop::Future::new();
    ///     let p = HalfOpen(eof.clone());
    ///     let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
    ///     let (s, _) = peer.accept().unwrap();
    ///     s.shutdown(std::net::Shutdown::Write).unwrap(); // the peer sends EOF
    ///     eof.await.unwrap();
    ///     assert!(!t.is_closing());
    ///     t.write(b"still open");
    ///     t.close();
    ///     assert_eq!(read_all(s).await.unwrap(), b"still open");
    /// })
    /// .unwrap();
    /// ```
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is gone: `None` after [`Transport::close`] or
    /// [`Transport::abort`] or an EOF, `Some(error)` after a fault (a reset, say). Always
    /// the last call, exactly once.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::transport::{Protocol, create_connection};
    ///
    /// struct Watch(evloop::Future<Option<String>>);
    /// impl Protocol for Watch {
    ///     fn data_received(&mut self, _data: &[u8]) {}
    ///     fn connection_lost(&mut self, exc: Option<std::io::Error>) {
    ///         self.0.set_result(exc.map(|e| e.to_string())).unwrap();
    ///     }
    /// }
    ///
    /// evloop::run(async {
    /// #   let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #   let port = peer.local_addr().unwrap().port();
    ///     let lost = evloop::Future::new();
    ///     let p = Watch(lost.clone());
    ///     let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
    ///     t.close();
    ///     assert_eq!(lost.await.unwrap(), None); // closed, not failed
    /// })
    /// .unwrap();
    /// ```
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The transport's write buffer went over its high-water mark: stop writing for now.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::transport::{Protocol, create_connection};
    ///
    /// struct Flow(evloop::Future<()>, evloop::Future<()>);
    /// impl Protocol for Flow {
    ///     fn data_received(&mut self, _data: &[u8]) {}
    ///     fn pause_writing(&mut self) {
    ///         self.0.set_result(()).unwrap();
    ///     }
    ///     fn resume_writing(&mut self) {
    ///         self.1.set_result(()).unwrap();
    ///     }
    /// }
    ///
    /// # // A blocking peer on its own thread, awaited from the loop (`to_thread` needs feature `executor`).
    /// # fn off_loop<T: Send + 'static>(
    /// #     f: impl FnOnce() -> T + Send + 'static,
    /// # ) -> impl std::future::Future<Output = std::thread::Result<T>> {
    /// #     let t = std::thread::spawn(f);
    /// #     async move {
    /// #         while !t.is_finished() {
    /// #             evloop::sleep(std::time::Duration::from_millis(1)).await;
    /// #         }
    /// #         t.join()
    /// #     }
    /// # }
    /// evloop::run(async {
    /// #   let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #   let port = peer.local_addr().unwrap().port();
    ///     let (paused, resumed) = (evloop::Future::new(), evloop::Future::new());
    ///     let p = Flow(paused.clone(), resumed.clone());
    ///     let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
    ///     t.write(&vec![0; 32 << 20]); // far more than the socket takes
    ///     paused.await.unwrap(); // the buffer went over the high-water mark
    ///     let (mut s, _) = peer.accept().unwrap(); // the peer starts reading
    ///     // `off_loop`: a blocking client on its own thread, awaited here
    ///     let sink = off_loop(move || std::io::copy(&mut s, &mut std::io::sink()));
    ///     resumed.await.unwrap(); // the buffer fell to the low-water mark
    ///     t.close();
    ///     assert_eq!(sink.await.unwrap().unwrap(), 32 << 20);
    /// })
    /// .unwrap();
    /// ```
    fn pause_writing(&mut self) {}

    /// The write buffer fell to its low-water mark: writing may go on.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::transport::{Protocol, create_connection};
    ///
    /// struct Flow(evloop::Future<()>, evloop::Future<()>);
    /// impl Protocol for Flow {
    ///     fn data_received(&mut self, _data: &[u8]) {}
    ///     fn pause_writing(&mut self) {
    ///         self.0.set_result(()).unwrap();
    ///     }
    ///     fn resume_writing(&mut self) {
    ///         self.1.set_result(()).unwrap();
    ///     }
    /// }
    ///
    /// # // A blocking peer on its own thread, awaited from the loop (`to_thread` needs feature `executor`).
    /// # fn off_loop<T: Send + 'static>(
    /// #     f: impl FnOnce() -> T + Send + 'static,
    /// # ) -> impl std::future::Future<Output = std::thread::Result<T>> {
    /// #     let t = std::thread::spawn(f);
    /// #     async move {
    /// #         while !t.is_finished() {
    /// #             evloop::sleep(std::time::Duration::from_millis(1)).await;
    /// #         }
    /// #         t.join()
    /// #     }
    /// # }
    /// evloop::run(async {
    /// #   let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #   let port = peer.local_addr().unwrap().port();
    ///     let (paused, resumed) = (evloop::Future::new(), evloop::Future::new());
    ///     let p = Flow(paused.clone(), resumed.clone());
    ///     let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
    ///     t.write(&vec![0; 32 << 20]); // far more than the socket takes
    ///     paused.await.unwrap(); // the buffer went over the high-water mark
    ///     let (mut s, _) = peer.accept().unwrap(); // the peer starts reading
    ///     // `off_loop`: a blocking client on its own thread, awaited here
    ///     let sink = off_loop(move || std::io::copy(&mut s, &mut std::io::sink()));
    ///     resumed.await.unwrap(); // the buffer fell to the low-water mark
    ///     t.close();
    ///     assert_eq!(sink.await.unwrap().unwrap(), 32 << 20);
    /// })
    /// .unwrap();
    /// ```
    fn resume_writing(&mut self) {}
}
