//! The methods of [`Transport`], asyncio's `BaseTransport`, `ReadTransport` and
//! `WriteTransport` calls. Each example connects to a plain `std` listener, `peer`.

use std::io;
use std::net::SocketAddr;

use super::Transport;
use crate::streams::DEFAULT_LIMIT;

impl Transport {
    /// Sends `data`, or buffers what the socket does not take now; never waits. Ignored
    /// once the transport is closing or after [`write_eof`](Self::write_eof).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// t.write(b"hello"); // sent at once if the socket takes it, else buffered
    /// let (mut s, _) = peer.accept().unwrap();
    /// let mut got = [0; 5];
    /// std::io::Read::read_exact(&mut s, &mut got).unwrap();
    /// assert_eq!(&got, b"hello");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn write(&self, data: &[u8]) {
        let mut st = self.shared.st.borrow_mut();
        if st.closing || st.eof_wanted || data.is_empty() {
            return;
        }
        let mut rest = data;
        if st.out.is_empty() {
            let stream = self.shared.stream.borrow();
            let Some(s) = stream.as_ref() else { return };
            match s.try_write_now(data) {
                Ok(n) => rest = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return st.fail(e),
            }
            if rest.is_empty() {
                return;
            }
        }
        st.out.extend_from_slice(rest);
        st.check_high_water();
    }

    /// Writes each buffer in turn (asyncio `writelines`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
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
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `read_all` reads a socket to EOF off the loop.
    /// # let read_all = |mut s: std::net::TcpStream| off_loop(move || {
    /// #     let mut v = Vec::new();
    /// #     std::io::Read::read_to_end(&mut s, &mut v).unwrap();
    /// #     v
    /// # });
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// t.writelines([&b"hel"[..], b"lo"]);
    /// t.close();
    /// let (s, _) = peer.accept().unwrap();
    /// assert_eq!(read_all(s).await.unwrap(), b"hello");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn writelines<'a>(&self, data: impl IntoIterator<Item = &'a [u8]>) {
        data.into_iter().for_each(|d| self.write(d));
    }

    /// Half-closes: sends end of stream once the buffer is sent; the peer can still write.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
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
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `read_all` reads a socket to EOF off the loop.
    /// # let read_all = |mut s: std::net::TcpStream| off_loop(move || {
    /// #     let mut v = Vec::new();
    /// #     std::io::Read::read_to_end(&mut s, &mut v).unwrap();
    /// #     v
    /// # });
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// t.write(b"done");
    /// t.write_eof(); // the peer reads end of stream; it can still send
    /// assert!(!t.is_closing()); // half-closed only
    /// let (s, _) = peer.accept().unwrap();
    /// assert_eq!(read_all(s).await.unwrap(), b"done");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn write_eof(&self) {
        let mut st = self.shared.st.borrow_mut();
        if !st.closing && !st.eof_wanted {
            st.eof_wanted = true;
            st.wake_driver();
        }
    }

    /// Whether [`write_eof`](Self::write_eof) is supported: for sockets and write pipes
    /// (where it closes the pipe), not for read pipes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// assert!(t.can_write_eof()); // a socket can half-close
    /// # })
    /// # .unwrap();
    /// ```
    pub fn can_write_eof(&self) -> bool {
        self.shared.can_write
    }

    /// Closes once the buffer is sent; reading stops now. `connection_lost(None)` follows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
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
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `read_all` reads a socket to EOF off the loop.
    /// # let read_all = |mut s: std::net::TcpStream| off_loop(move || {
    /// #     let mut v = Vec::new();
    /// #     std::io::Read::read_to_end(&mut s, &mut v).unwrap();
    /// #     v
    /// # });
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// t.write(b"bye");
    /// t.close(); // what is buffered is still sent
    /// assert!(t.is_closing());
    /// let (s, _) = peer.accept().unwrap();
    /// assert_eq!(read_all(s).await.unwrap(), b"bye");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn close(&self) {
        self.shared.close();
    }

    /// Closes now, dropping whatever is still buffered. `connection_lost(None)` follows.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// t.abort();
    /// assert!(t.is_closing());
    /// t.write(b"ignored"); // nothing is accepted any more
    /// assert_eq!(t.get_write_buffer_size(), 0);
    /// # })
    /// # .unwrap();
    /// ```
    pub fn abort(&self) {
        self.shared.abort();
    }

    /// Whether it is closing or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// assert!(!t.is_closing());
    /// t.close();
    /// assert!(t.is_closing());
    /// # })
    /// # .unwrap();
    /// ```
    pub fn is_closing(&self) -> bool {
        self.shared.st.borrow().closing
    }

    /// Stops calling `data_received` until [`resume_reading`](Self::resume_reading) (the
    /// kernel's buffer then fills and the peer's writes slow down).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::time::Duration;
    ///
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P(evloop::Future<Vec<u8>>);
    /// # impl Protocol for P {
    /// #     fn data_received(&mut self, d: &[u8]) { let _ = self.0.set_result(d.to_vec()); }
    /// # }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; the protocol's `data_received` sets `got`.
    /// let got = evloop::Future::new();
    /// let p = P(got.clone());
    /// let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
    /// t.pause_reading();
    /// assert!(!t.is_reading());
    /// peer.accept().unwrap().0.write_all(b"later").unwrap();
    /// evloop::sleep(Duration::from_millis(20)).await;
    /// assert!(!got.done()); // not delivered while paused
    /// t.resume_reading();
    /// assert_eq!(got.await.unwrap(), b"later");
    /// # })
    /// # .unwrap();
    /// ```
    pub fn pause_reading(&self) {
        self.shared.st.borrow_mut().reading = false;
    }

    /// Calls `data_received` again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P(evloop::Future<Vec<u8>>);
    /// # impl Protocol for P {
    /// #     fn data_received(&mut self, d: &[u8]) { let _ = self.0.set_result(d.to_vec()); }
    /// # }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; the protocol's `data_received` sets `got`.
    /// let got = evloop::Future::new();
    /// let p = P(got.clone());
    /// let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
    /// t.pause_reading();
    /// t.resume_reading();
    /// assert!(t.is_reading());
    /// peer.accept().unwrap().0.write_all(b"now").unwrap();
    /// assert_eq!(got.await.unwrap(), b"now"); // delivered
    /// # })
    /// # .unwrap();
    /// ```
    pub fn resume_reading(&self) {
        let mut st = self.shared.st.borrow_mut();
        if !st.reading {
            st.reading = true;
            st.wake_driver();
        }
    }

    /// Whether reading is on.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// assert!(t.is_reading());
    /// t.pause_reading();
    /// assert!(!t.is_reading());
    /// t.resume_reading();
    /// assert!(t.is_reading());
    /// t.close();
    /// assert!(!t.is_reading()); // a closing transport reads no more
    /// # })
    /// # .unwrap();
    /// ```
    pub fn is_reading(&self) -> bool {
        let st = self.shared.st.borrow();
        st.reading && !st.closing
    }

    /// Bytes buffered and not yet sent.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// assert_eq!(t.get_write_buffer_size(), 0);
    /// t.write(&vec![0; 32 << 20]); // far more than the socket takes at once
    /// assert!(t.get_write_buffer_size() > 0); // the rest waits in the buffer
    /// # })
    /// # .unwrap();
    /// ```
    pub fn get_write_buffer_size(&self) -> usize {
        self.shared.st.borrow().out.len()
    }

    /// The flow-control marks `(low, high)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// assert_eq!(t.get_write_buffer_limits(), (16 * 1024, 64 * 1024)); // asyncio's defaults
    /// # })
    /// # .unwrap();
    /// ```
    pub fn get_write_buffer_limits(&self) -> (usize, usize) {
        let st = self.shared.st.borrow();
        (st.low, st.high)
    }

    /// Sets the flow-control marks: `high` defaults to 64 KiB, or to four times `low` when
    /// only `low` is given (saturating at `usize::MAX`), and `low` to a quarter of `high`,
    /// as asyncio's defaults.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `low > high` (asyncio: `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// t.set_write_buffer_limits(Some(1024), None).unwrap();
    /// assert_eq!(t.get_write_buffer_limits(), (256, 1024)); // low: a quarter of high
    /// assert!(t.set_write_buffer_limits(Some(1), Some(2)).is_err()); // low > high
    /// # })
    /// # .unwrap();
    /// ```
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        let high = high.unwrap_or_else(|| low.map_or(DEFAULT_LIMIT, |low| low.saturating_mul(4)));
        let low = low.unwrap_or(high / 4);
        if low > high {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("high ({high}) must be >= low ({low})"),
            ));
        }
        let mut st = self.shared.st.borrow_mut();
        (st.high, st.low) = (high, low);
        st.check_high_water();
        Ok(())
    }

    /// The peer's address (asyncio `get_extra_info('peername')`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// assert_eq!(t.peer_addr(), peer.local_addr().ok());
    /// # })
    /// # .unwrap();
    /// ```
    #[doc(alias("get_extra_info", "peername"))]
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.shared.peer
    }

    /// The local address (asyncio `get_extra_info('sockname')`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::transport::{Protocol, create_connection};
    /// # struct P;
    /// # impl Protocol for P { fn data_received(&mut self, _: &[u8]) {} }
    /// # evloop::run(async {
    /// # let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// # let port = peer.local_addr().unwrap().port();
    /// // `peer`: a std `TcpListener` on `port`; `P`: a protocol that ignores what it gets.
    /// let t = create_connection(|| P, "127.0.0.1", port).await.unwrap();
    /// let (_s, from) = peer.accept().unwrap();
    /// assert_eq!(t.local_addr(), Some(from)); // the peer sees it connect from there
    /// # })
    /// # .unwrap();
    /// ```
    #[doc(alias("get_extra_info", "sockname"))]
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local
    }

    /// Sets `TCP_NODELAY` on the socket.
    ///
    /// # Errors
    ///
    /// What the OS reports, or `NotConnected` once the connection is lost.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        match self.shared.stream.borrow().as_ref() {
            Some(s) => s.set_nodelay(on),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}
