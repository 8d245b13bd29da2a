//! [`TcpSocket`]: a TCP socket set up before it listens or connects (backlog,
//! `SO_REUSEADDR`, `SO_REUSEPORT`, keepalive, buffer sizes), and the same options on a
//! connected [`TcpStream`].
//!
//! asyncio takes these as keyword arguments of `create_server` (`backlog`,
//! `reuse_address`, `reuse_port`: evloop's [`ServerOptions`](crate::server::ServerOptions))
//! or through `transport.get_extra_info('socket').setsockopt(...)`; tokio has this very
//! type. The options are set with socket2, the crate mio and tokio use for them.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};

use super::{TcpListener, TcpStream};

/// A TCP socket not yet listening or connected (tokio `TcpSocket`; asyncio's
/// `socket.socket()` before `create_server(sock=...)`).
///
/// # Examples
///
/// ```
/// use evloop::net::TcpSocket;
///
/// evloop::run(async {
///     let socket = TcpSocket::new_v4().unwrap();
///     socket.set_reuseaddr(true).unwrap();
///     socket.set_recv_buffer_size(64 * 1024).unwrap();
///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let listener = socket.listen(16).unwrap();
///     let addr = listener.local_addr().unwrap();
///
///     let client = TcpSocket::new_v4().unwrap();
///     client.set_keepalive(true).unwrap();
///     let stream = client.connect(addr).await.unwrap();
///     assert!(stream.keepalive().unwrap());
///     let (_accepted, peer) = listener.accept().await.unwrap();
///     assert_eq!(peer, stream.local_addr().unwrap());
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// An IPv4 TCP socket.
    ///
    /// # Errors
    ///
    /// What the OS reports (out of file descriptors).
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// An IPv6 TCP socket.
    ///
    /// # Errors
    ///
    /// As [`new_v4`](Self::new_v4).
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    /// A TCP socket of `addr`'s family.
    ///
    /// # Errors
    ///
    /// As [`new_v4`](Self::new_v4).
    pub fn for_addr(addr: SocketAddr) -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::for_address(addr))
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// `SO_REUSEADDR` (asyncio `reuse_address`): bind a port whose old connections are
    /// still in `TIME_WAIT`.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_reuseaddr(&self, on: bool) -> io::Result<()> {
        self.inner.set_reuse_address(on)
    }

    /// `SO_REUSEPORT` (asyncio `reuse_port`): several sockets, in this process or others,
    /// listen on one port and the kernel spreads the connections.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    #[cfg(unix)]
    pub fn set_reuseport(&self, on: bool) -> io::Result<()> {
        self.inner.set_reuse_port(on)
    }

    /// `SO_KEEPALIVE` with the system's timings.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_keepalive(&self, on: bool) -> io::Result<()> {
        self.inner.set_keepalive(on)
    }

    /// `TCP_NODELAY`: send small writes at once instead of coalescing them (Nagle).
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(on)
    }

    /// `SO_SNDBUF`; the kernel may round or double it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(clamp(size))
    }

    /// `SO_RCVBUF`; the kernel may round or double it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(clamp(size))
    }

    /// Binds to `addr` (port 0: any free port).
    ///
    /// # Errors
    ///
    /// What the OS reports (the address in use, a family mismatch).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// The address it is bound to.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::ErrorKind::Unsupported.into())
    }

    /// Listens with a queue of `backlog` connections not yet accepted (asyncio `backlog`,
    /// 100 by default there; the kernel caps it at `somaxconn`), registered with the
    /// running loop.
    ///
    /// # Errors
    ///
    /// What the OS reports, or no running loop.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        TcpListener::from_std(self.inner.into())
    }

    /// Connects to `addr`, with the options set so far.
    ///
    /// # Errors
    ///
    /// A refused or failed connection, or no running loop.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.inner.connect(&addr.into()) {
            Ok(()) => {}
            // The handshake goes on; the socket turns writable when it is done.
            Err(e) if e.raw_os_error() == Some(EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let std: std::net::TcpStream = self.inner.into();
        TcpStream::finish_connect(mio::net::TcpStream::from_std(std)).await
    }
}

/// What a non-blocking connect answers while the handshake runs (`io::ErrorKind::InProgress`
/// is not stable yet).
#[cfg(any(target_os = "linux", target_os = "android"))]
const EINPROGRESS: i32 = 115;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const EINPROGRESS: i32 = 36;

/// The longest keepalive idle time Linux takes (`MAX_TCP_KEEPIDLE`); longer ones saturate.
pub const MAX_KEEPALIVE_IDLE: Duration = Duration::from_secs(32767);

/// A buffer size as the OS's `int` takes it.
fn clamp(size: u32) -> usize {
    usize::try_from(size.min(i32::MAX as u32)).unwrap_or(usize::MAX)
}

impl TcpStream {
    /// Whether `SO_KEEPALIVE` is on.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn keepalive(&self) -> io::Result<bool> {
        SockRef::from(&self.io.inner).keepalive()
    }

    /// Turns `SO_KEEPALIVE` on, probing an idle connection after `idle` (`TCP_KEEPIDLE`,
    /// saturated to between 1 s and [`MAX_KEEPALIVE_IDLE`], Linux's range), or off with
    /// `None`.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let stream = evloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     stream.set_keepalive(Some(Duration::from_secs(60))).unwrap();
    ///     assert!(stream.keepalive().unwrap());
    ///     stream.set_keepalive(None).unwrap();
    ///     assert!(!stream.keepalive().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        let sock = SockRef::from(&self.io.inner);
        match idle {
            Some(idle) => {
                let idle = idle.clamp(Duration::from_secs(1), MAX_KEEPALIVE_IDLE);
                sock.set_tcp_keepalive(&TcpKeepalive::new().with_time(idle))
            }
            None => sock.set_keepalive(false),
        }
    }

    /// `SO_SNDBUF`, as the kernel reports it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn send_buffer_size(&self) -> io::Result<usize> {
        SockRef::from(&self.io.inner).send_buffer_size()
    }

    /// Sets `SO_SNDBUF`; the kernel may round or double it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        SockRef::from(&self.io.inner).set_send_buffer_size(clamp(size))
    }

    /// `SO_RCVBUF`, as the kernel reports it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        SockRef::from(&self.io.inner).recv_buffer_size()
    }

    /// Sets `SO_RCVBUF`; the kernel may round or double it.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let stream = evloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     stream.set_recv_buffer_size(32 * 1024).unwrap();
    ///     assert!(stream.recv_buffer_size().unwrap() >= 32 * 1024);
    /// })
    /// .unwrap();
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        SockRef::from(&self.io.inner).set_recv_buffer_size(clamp(size))
    }
}
