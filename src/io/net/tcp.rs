//! TCP: `TcpListener` and `TcpStream`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::io::read_ahead::ReadAhead;
use crate::io::registration::{Direction, Registered};

/// A TCP socket listening for connections.
///
/// Rosetta: the listening socket of asyncio `loop.create_server`; tokio `net::TcpListener`.
pub struct TcpListener {
    pub(super) io: Registered<mio::net::TcpListener>,
}

/// Resolves `addr` and tries each address in turn with `f`.
fn each_addr<T>(
    addr: impl ToSocketAddrs,
    mut f: impl FnMut(SocketAddr) -> io::Result<T>,
) -> io::Result<T> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match f(a) {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to use")))
}

impl TcpListener {
    /// Binds to `addr` (e.g. `"127.0.0.1:0"` for any free port) and listens.
    ///
    /// # Errors
    ///
    /// An unparsable address, the OS refusing the bind, or no running loop.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::from_mio(each_addr(addr, mio::net::TcpListener::bind)?)
    }

    pub(super) fn from_mio(inner: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Registered::new(inner)?,
        })
    }

    /// Waits for the next connection.
    ///
    /// # Errors
    ///
    /// What the OS reports (for example `EMFILE` when out of file descriptors); the listener
    /// stays usable.
    #[doc(alias = "sock_accept")]
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (inner, peer) = poll_fn(|cx| {
            self.io
                .reg
                .poll_io(cx, Direction::Read, || self.io.inner.accept())
        })
        .await?;
        Ok((TcpStream::from_mio(inner)?, peer))
    }

    /// The address it listens on.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.inner.local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<TcpListener {:?}>", self.io.inner.local_addr())
    }
}

/// A TCP connection; read and write it with [`AsyncReadExt`](crate::io::AsyncReadExt) and
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt).
///
/// Rosetta: asyncio's socket transport; tokio `net::TcpStream`.
pub struct TcpStream {
    pub(super) io: Registered<mio::net::TcpStream>,
    /// Bytes read ahead of the caller (see `io::read_ahead`).
    ahead: ReadAhead,
}

impl TcpStream {
    fn from_mio(inner: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Registered::new(inner)?,
            ahead: ReadAhead::default(),
        })
    }

    /// Adopts a connected socket made with the standard library: makes it non-blocking and
    /// registers it with the running loop (tokio `TcpStream::from_std`).
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    /// use std::io::Write;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let (accepted, _) = listener.accept().unwrap();
    /// client.write_all(b"hi").unwrap();
    /// evloop::run(async move {
    ///     let mut s = evloop::net::TcpStream::from_std(accepted).unwrap();
    ///     let mut buf = [0u8; 2];
    ///     s.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"hi");
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    /// Connects to `addr`, trying each address it resolves to.
    ///
    /// A host name in `addr` (`"example.com:80"`) is resolved by the standard library on
    /// the loop's thread, which blocks every task for as long as DNS takes; for names,
    /// [`open_connection`](crate::streams::open_connection) and
    /// [`create_connection`](crate::transport::create_connection) resolve off the loop as
    /// asyncio does, or resolve first with [`getaddrinfo`](crate::LoopHandle::getaddrinfo).
    ///
    /// # Errors
    ///
    /// A refused or failed connection, an unparsable address, or no running loop.
    #[doc(alias = "sock_connect")]
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_one(a).await {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")
        }))
    }

    pub(crate) async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::finish_connect(mio::net::TcpStream::connect(addr)?).await
    }

    /// Waits for a connect under way on `inner` to complete.
    pub(super) async fn finish_connect(inner: mio::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(inner)?;
        // The connect completes when the socket becomes writable; then it either has an error
        // (refused, unreachable) or a peer.
        stream.io.reg.writable().await;
        if let Some(e) = stream.io.inner.take_error()? {
            return Err(e);
        }
        stream.io.inner.peer_addr()?;
        Ok(stream)
    }

    /// [`connect`](TcpStream::connect) with a time limit.
    ///
    /// # Errors
    ///
    /// As `connect`, or [`io::ErrorKind::TimedOut`].
    pub async fn connect_timeout(
        addr: impl ToSocketAddrs,
        timeout: Duration,
    ) -> io::Result<TcpStream> {
        crate::wait_for(TcpStream::connect(addr), timeout)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))?
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.inner.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.inner.local_addr()
    }

    /// Shuts down reading, writing or both (`Shutdown::Write` is a half-close: the peer
    /// reads end of stream, and can still send).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.inner.shutdown(how)
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.io.inner.set_nodelay(on)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.inner.nodelay()
    }
}

super::stream_io!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<TcpStream {:?} -> {:?}>",
            self.io.inner.local_addr(),
            self.io.inner.peer_addr()
        )
    }
}
