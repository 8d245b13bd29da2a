//! Unix-domain sockets: `UnixListener` and `UnixStream`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::path::Path;

use crate::io::read_ahead::ReadAhead;
use crate::io::registration::{Direction, Registered};

/// A Unix-domain socket listening for connections at a path.
///
/// Rosetta: asyncio `loop.create_unix_server`'s socket; tokio `net::UnixListener`.
pub struct UnixListener {
    pub(super) io: Registered<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens.
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Registered::new(mio::net::UnixListener::bind(path)?)?,
        })
    }

    /// Waits for the next connection.
    ///
    /// # Errors
    ///
    /// What the OS reports; the listener stays usable.
    pub async fn accept(&self) -> io::Result<UnixStream> {
        let (inner, _) = poll_fn(|cx| {
            self.io
                .reg
                .poll_io(cx, Direction::Read, || self.io.inner.accept())
        })
        .await?;
        UnixStream::from_mio(inner)
    }

    /// The path this listener is bound to (tokio `UnixListener::local_addr`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("evloop-doc-la-{}", std::process::id()));
    /// let _ = std::fs::remove_file(&path);
    /// let p = path.clone();
    /// evloop::run(async move {
    ///     let listener = evloop::net::UnixListener::bind(&p).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(p.as_path()));
    /// })
    /// .unwrap();
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        self.io.inner.local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<UnixListener {:?}>", self.io.inner.local_addr())
    }
}

/// A Unix-domain stream connection.
///
/// Rosetta: asyncio's Unix socket transport; tokio `net::UnixStream`.
pub struct UnixStream {
    pub(super) io: Registered<mio::net::UnixStream>,
    /// Bytes read ahead of the caller (see `io::read_ahead`).
    ahead: ReadAhead,
}

impl UnixStream {
    fn from_mio(inner: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Registered::new(inner)?,
            ahead: ReadAhead::default(),
        })
    }

    /// Adopts a connected socket made with the standard library: makes it non-blocking and
    /// registers it with the running loop (tokio `UnixStream::from_std`).
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
    /// let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    /// a.write_all(b"hi").unwrap();
    /// evloop::run(async move {
    ///     let mut s = evloop::net::UnixStream::from_std(b).unwrap();
    ///     let mut buf = [0u8; 2];
    ///     s.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"hi");
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::from_mio(mio::net::UnixStream::from_std(stream))
    }

    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// What the OS reports (no such socket, refused), or no running loop.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = UnixStream::from_mio(mio::net::UnixStream::connect(path)?)?;
        stream.io.reg.writable().await;
        if let Some(e) = stream.io.inner.take_error()? {
            return Err(e);
        }
        Ok(stream)
    }

    /// A connected pair of sockets.
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((UnixStream::from_mio(a)?, UnixStream::from_mio(b)?))
    }

    /// Shuts down reading, writing or both.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.inner.shutdown(how)
    }

    /// The socket's own address (unnamed for a client or one of a pair).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn local_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        self.io.inner.local_addr()
    }

    /// The peer's address (its path, for a server's socket).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let path = std::env::temp_dir().join(format!("evloop-peer-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = evloop::net::UnixListener::bind(&path).unwrap();
    ///     let client = evloop::net::UnixStream::connect(&path).await.unwrap();
    ///     assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///     assert!(client.local_addr().unwrap().is_unnamed());
    ///     drop(listener);
    ///     std::fs::remove_file(&path).unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<std::os::unix::net::SocketAddr> {
        self.io.inner.peer_addr()
    }
}

super::stream_io!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<UnixStream {:?}>", self.io.inner.peer_addr())
    }
}
