//! Sockets to and from the standard library: `from_std` adopts a socket made elsewhere (a
//! listener inherited from a supervisor, a socket set up with options evloop has no method
//! for), `into_std` hands one back, blocking, for code that runs off the loop.
//!
//! Adopting makes the socket non-blocking and registers it with the running loop, so it needs
//! one. Handing back duplicates the descriptor, drops the loop's copy (which leaves the
//! reactor and closes), and makes the duplicate blocking again; the connection itself is
//! untouched. Bytes a stream had read ahead of its caller (see `io::read_ahead`) go with
//! the loop's copy.
//!
//! Rosetta: tokio's `from_std`/`into_std`; asyncio's `sock=` arguments and `transport.get_extra_info("socket")`.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net as unix;

use socket2::{SockRef, Socket};

use super::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use crate::io::registration::Registered;

/// A blocking duplicate of `fd` as a standard-library socket; the caller then drops its own.
fn blocking_dup<T: From<Socket>>(fd: &impl AsFd) -> io::Result<T> {
    let dup = SockRef::from(fd).try_clone()?;
    dup.set_nonblocking(false)?;
    Ok(dup.into())
}

impl TcpStream {
    /// Hands the socket back to the standard library, blocking, out of the loop (tokio
    /// `TcpStream::into_std`). Bytes the stream had read ahead are lost.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let std_stream = evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let stream = evloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (mut peer, _) = listener.accept().await.unwrap();
    ///     evloop::io::AsyncWriteExt::write_all(&mut peer, b"still here").await.unwrap();
    ///     std::mem::forget(peer); // keep the peer's socket open past the loop
    ///     stream.into_std().unwrap()
    /// })
    /// .unwrap();
    /// let mut got = [0u8; 10];
    /// (&std_stream).read_exact(&mut got).unwrap();
    /// assert_eq!(&got, b"still here");
    /// (&std_stream).write_all(b"ok").unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        blocking_dup(&self.io.inner)
    }
}

impl TcpListener {
    /// Adopts a listening socket made with the standard library (tokio
    /// `TcpListener::from_std`; asyncio `create_server(sock=...)`).
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let listener = evloop::net::TcpListener::from_std(std_listener).unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let client = evloop::net::TcpStream::connect(addr).await.unwrap();
    ///     let (_, peer) = listener.accept().await.unwrap();
    ///     assert_eq!(peer, client.local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::from_mio(mio::net::TcpListener::from_std(listener))
    }

    /// Hands the listener back to the standard library, blocking (tokio
    /// `TcpListener::into_std`): connections not yet accepted stay queued on it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let (std_listener, client) = evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    ///     (listener.into_std().unwrap(), client)
    /// })
    /// .unwrap();
    /// let (_, from) = std_listener.accept().unwrap(); // queued while the loop had it
    /// assert_eq!(from, client.local_addr().unwrap());
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        blocking_dup(&self.io.inner)
    }
}

impl UdpSocket {
    /// Adopts a UDP socket made with the standard library (tokio `UdpSocket::from_std`;
    /// asyncio `create_datagram_endpoint(sock=...)`).
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let a = evloop::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
    ///     let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     b.send_to(b"hi", a.local_addr().unwrap()).unwrap();
    ///     let mut buf = [0; 8];
    ///     let (n, from) = a.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!((&buf[..n], from), (&b"hi"[..], b.local_addr().unwrap()));
    /// })
    /// .unwrap();
    /// ```
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: Registered::new(mio::net::UdpSocket::from_std(socket))?,
        })
    }

    /// Hands the socket back to the standard library, blocking (tokio `UdpSocket::into_std`).
    /// Datagrams not yet received stay queued on it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let (a, b) = evloop::run(async {
    ///     let a = evloop::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     b.send_to(b"queued", a.local_addr().unwrap()).unwrap();
    ///     (a.into_std().unwrap(), b)
    /// })
    /// .unwrap();
    /// let mut buf = [0; 8];
    /// let (n, from) = a.recv_from(&mut buf).unwrap();
    /// assert_eq!((&buf[..n], from), (&b"queued"[..], b.local_addr().unwrap()));
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        blocking_dup(&self.io.inner)
    }
}

impl UnixListener {
    /// Adopts a listening Unix-domain socket made with the standard library (tokio
    /// `UnixListener::from_std`; asyncio `create_unix_server(sock=...)`).
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("evloop-doc-ul-{}", std::process::id()));
    /// let _ = std::fs::remove_file(&dir);
    /// let path = dir.clone();
    /// evloop::run(async move {
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    ///     let listener = evloop::net::UnixListener::from_std(std_listener).unwrap();
    ///     let _client = evloop::net::UnixStream::connect(&path).await.unwrap();
    ///     listener.accept().await.unwrap();
    /// })
    /// .unwrap();
    /// std::fs::remove_file(&dir).unwrap();
    /// ```
    pub fn from_std(listener: unix::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: Registered::new(mio::net::UnixListener::from_std(listener))?,
        })
    }

    /// Hands the listener back to the standard library, blocking (tokio
    /// `UnixListener::into_std`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("evloop-doc-ul2-{}", std::process::id()));
    /// let _ = std::fs::remove_file(&dir);
    /// let path = dir.clone();
    /// let std_listener = evloop::run(async move {
    ///     evloop::net::UnixListener::bind(&path).unwrap().into_std().unwrap()
    /// })
    /// .unwrap();
    /// let _client = std::os::unix::net::UnixStream::connect(&dir).unwrap();
    /// std_listener.accept().unwrap();
    /// std::fs::remove_file(&dir).unwrap();
    /// ```
    pub fn into_std(self) -> io::Result<unix::UnixListener> {
        blocking_dup(&self.io.inner)
    }
}

impl UnixStream {
    /// Hands the stream back to the standard library, blocking (tokio
    /// `UnixStream::into_std`). Bytes the stream had read ahead are lost.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let (mut a, b) = evloop::run(async {
    ///     let (a, b) = evloop::net::UnixStream::pair().unwrap();
    ///     (a.into_std().unwrap(), b.into_std().unwrap())
    /// })
    /// .unwrap();
    /// a.write_all(b"ok").unwrap();
    /// let mut got = [0; 2];
    /// (&b).read_exact(&mut got).unwrap();
    /// assert_eq!(&got, b"ok");
    /// ```
    pub fn into_std(self) -> io::Result<unix::UnixStream> {
        blocking_dup(&self.io.inner)
    }
}
