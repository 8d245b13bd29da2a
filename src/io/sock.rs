//! asyncio's `loop.sock_*` methods: one operation on a socket, awaited through the loop.
//!
//! asyncio has them for code that holds plain socket objects. In evloop every socket is
//! registered with its loop when it is made, so these are thin: each is the socket's own
//! operation, kept under asyncio's name so that a ported program reads the same.

use std::io;
use std::net::SocketAddr;

use crate::event_loop::LoopHandle;
use crate::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use crate::net::{TcpListener, TcpStream};

/// The most one `sock_recv` allocates for, whatever it is asked: a larger `nbytes` reads
/// at most this much, as a short read may anyway.
pub const SOCK_RECV_MAX: usize = 256 * 1024;

impl LoopHandle {
    /// Receives up to `nbytes` bytes (at most [`SOCK_RECV_MAX`]); empty at end of stream
    /// (asyncio `loop.sock_recv`).
    ///
    /// # Errors
    ///
    /// What the socket reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncWriteExt;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let (mut a, mut b) = evloop::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"data").await.unwrap();
    ///     assert_eq!(ev.sock_recv(&mut b, 1024).await.unwrap(), b"data");
    /// })
    /// .unwrap();
    /// ```
    pub async fn sock_recv<S: AsyncRead + Unpin>(
        &self,
        sock: &mut S,
        nbytes: usize,
    ) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; nbytes.min(SOCK_RECV_MAX)];
        let n = sock.read(&mut buf).await?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Receives into `buf`; gives how many bytes, 0 at end of stream (asyncio
    /// `loop.sock_recv_into`).
    ///
    /// # Errors
    ///
    /// What the socket reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncWriteExt;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let (mut a, mut b) = evloop::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"abc").await.unwrap();
    ///     let mut buf = [0u8; 8];
    ///     let n = ev.sock_recv_into(&mut b, &mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"abc");
    /// })
    /// .unwrap();
    /// ```
    pub async fn sock_recv_into<S: AsyncRead + Unpin>(
        &self,
        sock: &mut S,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        sock.read(buf).await
    }

    /// Sends all of `data` (asyncio `loop.sock_sendall`).
    ///
    /// # Errors
    ///
    /// What the socket reports; `WriteZero` if it stops taking data.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::io::AsyncReadExt;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let (mut a, mut b) = evloop::net::UnixStream::pair().unwrap();
    ///     ev.sock_sendall(&mut a, b"all of it").await.unwrap();
    ///     let mut got = [0u8; 9];
    ///     b.read_exact(&mut got).await.unwrap();
    ///     assert_eq!(&got, b"all of it");
    /// })
    /// .unwrap();
    /// ```
    pub async fn sock_sendall<S: AsyncWrite + Unpin>(
        &self,
        sock: &mut S,
        data: &[u8],
    ) -> io::Result<()> {
        sock.write_all(data).await
    }

    /// Accepts a connection on `listener`: the new socket and the peer's address (asyncio
    /// `loop.sock_accept`).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let client = evloop::spawn(evloop::net::TcpStream::connect(addr));
    ///     let (_conn, peer) = ev.sock_accept(&listener).await.unwrap();
    ///     let client = client.await.unwrap().unwrap();
    ///     assert_eq!(peer, client.local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub async fn sock_accept(&self, listener: &TcpListener) -> io::Result<(TcpStream, SocketAddr)> {
        listener.accept().await
    }

    /// Connects to `addr` and gives the connected socket (asyncio `loop.sock_connect`,
    /// which connects a socket made beforehand; here the socket is made by the connect).
    ///
    /// # Errors
    ///
    /// What the OS reports (refused, unreachable).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let conn = ev.sock_connect(addr).await.unwrap();
    ///     assert_eq!(conn.peer_addr().unwrap(), addr);
    /// })
    /// .unwrap();
    /// ```
    pub async fn sock_connect(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect(addr).await
    }
}
