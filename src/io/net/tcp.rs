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
    io: Registered<mio::net::TcpListener>,
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
        Ok(TcpListener {
            io: Registered::new(each_addr(addr, mio::net::TcpListener::bind)?)?,
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
    io: Registered<mio::net::TcpStream>,
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

    /// Connects to `addr`, trying each address it resolves to.
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

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
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
