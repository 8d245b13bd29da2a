//! TLS on the loop (feature `tls`): asyncio's `ssl=` and `server_hostname=`.
//!
//! The TLS work is rustls's, run by futures-rustls over any futures-io stream, and every
//! evloop socket is one. So there are two ways in:
//! - on a socket: [`TlsConnector`] / [`TlsAcceptor`] wrap a `TcpStream` (or `UnixStream`)
//!   into an encrypted stream that is itself `AsyncRead + AsyncWrite`;
//! - in the streams API, as asyncio's keyword arguments:
//!   [`open_connection_with`](crate::streams::open_connection_with) with
//!   [`ConnectOptions::ssl`](crate::streams::ConnectOptions::ssl) and `server_hostname`, and
//!   [`start_server_with`](crate::streams::start_server_with) with
//!   [`ServerOptions::ssl`](crate::server::ServerOptions::ssl). The handshake is done before
//!   the handler or the caller gets the reader and writer, as in asyncio.
//!
//! ```
//! use std::sync::Arc;
//! use evloop::io::{AsyncReadExt, AsyncWriteExt};
//! use evloop::tls::{TlsAcceptor, TlsConnector, rustls};
//!
//! # // A self-signed certificate for "localhost" (tests/data/), and configs that serve and
//! # // trust it.
//! # use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
//! # let der = CertificateDer::from_pem_slice(include_bytes!(concat!(
//! #     env!("CARGO_MANIFEST_DIR"), "/tests/data/localhost.crt.pem"))).unwrap();
//! # let key = PrivateKeyDer::from_pem_slice(include_bytes!(concat!(
//! #     env!("CARGO_MANIFEST_DIR"), "/tests/data/localhost.key.pem"))).unwrap();
//! # let server_config = Arc::new(rustls::ServerConfig::builder().with_no_client_auth()
//! #     .with_single_cert(vec![der.clone()], key).unwrap());
//! # let mut roots = rustls::RootCertStore::empty();
//! # roots.add(der).unwrap();
//! # let client_config = Arc::new(rustls::ClientConfig::builder()
//! #     .with_root_certificates(roots).with_no_client_auth());
//! evloop::run(async move {
//!     let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     evloop::spawn(async move {
//!         let (tcp, _) = listener.accept().await.unwrap();
//!         let mut tls = TlsAcceptor::from(server_config).accept(tcp).await.unwrap();
//!         tls.write_all(b"secret").await.unwrap();
//!         tls.close().await.unwrap();
//!     });
//!     let tcp = evloop::net::TcpStream::connect(addr).await.unwrap();
//!     let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
//!     let mut tls = TlsConnector::from(client_config).connect(name, tcp).await.unwrap();
//!     let mut got = String::new();
//!     tls.read_to_string(&mut got).await.unwrap();
//!     assert_eq!(got, "secret");
//! })
//! .unwrap();
//! ```

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub use futures_rustls::rustls;
pub use futures_rustls::{TlsAcceptor, TlsConnector, client, server};

use crate::io::channel::Channel;
use crate::io::{AsyncRead, AsyncWrite};
use crate::net::TcpStream;

/// A connection's TCP socket, shared: the TLS layer reads and writes it while the server
/// keeps it to close or abort (`close_clients`, `abort_clients`).
pub(crate) struct SharedTcp(pub(crate) Rc<TcpStream>);

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read_shared(cx, buf)
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_shared(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.shutdown(std::net::Shutdown::Write))
    }
}

/// An encrypted stream as the streams API's channel. The stream is borrowed only for the
/// length of one poll, in which no user code runs.
pub(crate) struct TlsChannel<S> {
    stream: RefCell<S>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
}

impl<S> TlsChannel<S> {
    pub(crate) fn new(stream: S, tcp: &TcpStream) -> TlsChannel<S> {
        TlsChannel {
            stream: RefCell::new(stream),
            peer: tcp.peer_addr().ok(),
            local: tcp.local_addr().ok(),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Channel for TlsChannel<S> {
    fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_read(cx, buf)
    }

    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_write(cx, buf)
    }

    /// rustls holds what it encrypted until flushed.
    fn poll_flush_shared(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_flush(cx)
    }

    /// Sends the TLS `close_notify` and half-closes the socket.
    fn poll_shutdown_write(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.stream.borrow_mut()).poll_close(cx)
    }

    /// [`poll_shutdown_write`](Channel::poll_shutdown_write) for callers that cannot wait
    /// (`write_eof`): what the socket does not take at once is dropped.
    fn shutdown_write(&self) -> io::Result<()> {
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_shutdown_write(&mut cx) {
            Poll::Ready(done) => done,
            Poll::Pending => Ok(()),
        }
    }

    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer.ok_or_else(|| io::ErrorKind::NotConnected.into())
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.local.ok_or_else(|| io::ErrorKind::NotConnected.into())
    }

    /// A TLS connection ends with `close_notify`.
    fn closes_with_notice(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "TLS"
    }
}
