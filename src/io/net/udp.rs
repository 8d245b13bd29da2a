//! UDP: `UdpSocket`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use crate::io::registration::{Direction, Registered};

/// A UDP socket.
///
/// Rosetta: asyncio `loop.create_datagram_endpoint`'s socket; tokio `net::UdpSocket`.
///
/// # Examples
///
/// ```
/// use evloop::net::UdpSocket;
///
/// evloop::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     assert_eq!(from, a.local_addr().unwrap());
/// })
/// .unwrap();
/// ```
#[doc(alias("DatagramProtocol", "DatagramTransport", "abort"))]
pub struct UdpSocket {
    pub(super) io: Registered<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (`"127.0.0.1:0"` for any free port).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    ///
    /// evloop::run(async {
    ///     let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let addr = s.local_addr().unwrap();
    ///     assert!(addr.ip().is_loopback());
    ///     assert_ne!(addr.port(), 0); // the OS picked a free port
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// An unparsable address, the OS refusing the bind, or no running loop.
    #[doc(alias = "create_datagram_endpoint")]
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let addr = addr
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"))?;
        Ok(UdpSocket {
            io: Registered::new(mio::net::UdpSocket::bind(addr)?)?,
        })
    }

    /// Sends a datagram to `target`.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    ///
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let sent = a.send_to(b"hello", b.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(sent, 5);
    ///     let mut buf = [0; 16];
    ///     assert_eq!(b.recv_from(&mut buf).await.unwrap().0, 5);
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// What the OS reports.
    #[doc(alias("sock_sendto", "sendto"))]
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .reg
                .poll_io(cx, Direction::Write, || self.io.inner.send_to(buf, target))
        })
        .await
    }

    /// Receives a datagram; returns its length and sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::net::UdpSocket;
    ///
    /// evloop::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = [0; 16];
    ///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"ping");
    ///     assert_eq!(from, a.local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// What the OS reports.
    #[doc(alias(
        "sock_recvfrom",
        "sock_recvfrom_into",
        "datagram_received",
        "error_received"
    ))]
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| {
            self.io
                .reg
                .poll_io(cx, Direction::Read, || self.io.inner.recv_from(buf))
        })
        .await
    }

    /// Fixes the peer: `send` and `recv` then talk to it only.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn connect(&self, peer: SocketAddr) -> io::Result<()> {
        self.io.inner.connect(peer)
    }

    /// Sends to the connected peer.
    ///
    /// # Errors
    ///
    /// What the OS reports (not connected, refused).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .reg
                .poll_io(cx, Direction::Write, || self.io.inner.send(buf))
        })
        .await
    }

    /// Receives from the connected peer.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            self.io
                .reg
                .poll_io(cx, Direction::Read, || self.io.inner.recv(buf))
        })
        .await
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// What the OS reports.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.inner.local_addr()
    }

    /// The peer fixed with [`connect`](UdpSocket::connect) (tokio `UdpSocket::peer_addr`).
    ///
    /// # Errors
    ///
    /// `NotConnected` before `connect`, or what the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let a = evloop::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     let b = evloop::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     assert!(a.peer_addr().is_err());
    ///     a.connect(b.local_addr().unwrap()).unwrap();
    ///     assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// })
    /// .unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.inner.peer_addr()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<UdpSocket {:?}>", self.io.inner.local_addr())
    }
}
