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
    io: Registered<mio::net::UnixListener>,
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
    io: Registered<mio::net::UnixStream>,
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
}

super::stream_io!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<UnixStream {:?}>", self.io.inner.peer_addr())
    }
}
