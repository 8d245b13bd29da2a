//! Starting transports: serving and connecting over TCP and Unix-domain sockets, and
//! adopting a socket connected elsewhere.

use std::io;
#[cfg(unix)]
use std::path::Path;
use std::rc::{Rc, Weak};

use super::calls::AnyProtocol;
use super::{Connection, Transport};
use crate::io::channel::Channel;
use crate::net::TcpStream;
#[cfg(unix)]
use crate::net::UnixStream;
use crate::server::{Client, Server, ServerOptions};

impl Client for Connection {
    fn close(&self) {
        Connection::close(self)
    }
    fn abort(&self) {
        Connection::abort(self)
    }
}

/// Starts a transport on an accepted connection; gives its server's weak reference.
fn serve_one<K>(conn: Box<dyn Channel>, protocol: impl AnyProtocol<K>) -> Weak<dyn Client> {
    let t = Transport::start(conn, protocol);
    let weak: Weak<Connection> = Rc::downgrade(&t.shared);
    weak
}

/// Serves `host:port` (port 0: any free port), calling `protocol_factory` for a new protocol
/// per connection (asyncio `loop.create_server`). The factory may make a
/// [`Protocol`](super::Protocol) or a [`BufferedProtocol`](super::BufferedProtocol).
///
/// # Errors
///
/// As [`TcpListener::bind`](crate::net::TcpListener::bind).
///
/// # Examples
///
/// ```
/// use evloop::transport::{Protocol, Transport, create_server};
///
/// struct Hello;
/// impl Protocol for Hello {
///     fn connection_made(&mut self, t: &Transport) {
///         t.write(b"hello\n");
///         t.close();
///     }
///     fn data_received(&mut self, _data: &[u8]) {}
/// }
///
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
/// evloop::run(async {
///     let server = create_server(|| Hello, "127.0.0.1", 0).unwrap(); // a protocol each
///     let addr = server.local_addr().unwrap();
///     // `off_loop`: a blocking client on its own thread, awaited here
///     let got = off_loop(move || {
///         let mut s = std::net::TcpStream::connect(addr).unwrap();
///         std::io::read_to_string(&mut s).unwrap()
///     });
///     assert_eq!(got.await.unwrap(), "hello\n");
///     server.close();
/// })
/// .unwrap();
/// ```
pub fn create_server<K, P: AnyProtocol<K>>(
    protocol_factory: impl Fn() -> P + 'static,
    host: &str,
    port: u16,
) -> io::Result<Server> {
    create_server_with(protocol_factory, host, port, &ServerOptions::default())
}

/// [`create_server`] with asyncio's keyword arguments (`start_serving`).
///
/// # Errors
///
/// As [`create_server`].
///
/// # Examples
///
/// ```
/// use evloop::server::ServerOptions;
/// use evloop::transport::{Protocol, create_server_with};
///
/// struct Ignore;
/// impl Protocol for Ignore {
///     fn data_received(&mut self, _: &[u8]) {}
/// }
///
/// evloop::run(async {
///     let options = ServerOptions::new().start_serving(false);
///     let server = create_server_with(|| Ignore, "127.0.0.1", 0, &options).unwrap();
///     assert!(!server.is_serving());
///     server.start_serving();
///     assert!(server.is_serving());
///     server.close();
/// })
/// .unwrap();
/// ```
pub fn create_server_with<K, P: AnyProtocol<K>>(
    protocol_factory: impl Fn() -> P + 'static,
    host: &str,
    port: u16,
    options: &ServerOptions,
) -> io::Result<Server> {
    options.require_plain("create_server")?;
    Server::serve_tcp(host, port, options, move |conn| {
        serve_one(Box::new(conn), protocol_factory())
    })
}

/// Connects to `host:port` and runs a protocol from `protocol_factory` on the connection
/// (asyncio `loop.create_connection`).
///
/// # Errors
///
/// As [`TcpStream::connect`].
///
/// # Examples
///
/// ```
/// use evloop::transport::{Protocol, create_connection};
///
/// struct Collect(Vec<u8>, evloop::Future<Vec<u8>>);
/// impl Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.1.set_result(std::mem::take(&mut self.0)).unwrap();
///     }
/// }
///
/// evloop::run(async {
///     let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
///     let port = peer.local_addr().unwrap().port();
///     let got = evloop::Future::new();
///     let p = Collect(Vec::new(), got.clone());
///     let t = create_connection(move || p, "127.0.0.1", port).await.unwrap();
///     assert_eq!(t.peer_addr(), peer.local_addr().ok());
///     t.write(b"ping");
///     // The peer answers in upper case, and closes.
///     let (mut s, _) = peer.accept().unwrap();
///     let mut buf = [0; 4];
///     std::io::Read::read_exact(&mut s, &mut buf).unwrap();
///     std::io::Write::write_all(&mut s, &buf.to_ascii_uppercase()).unwrap();
///     drop(s);
///     assert_eq!(got.await.unwrap(), b"PING");
/// })
/// .unwrap();
/// ```
pub async fn create_connection<K, P: AnyProtocol<K>>(
    protocol_factory: impl FnOnce() -> P,
    host: &str,
    port: u16,
) -> io::Result<Transport> {
    let stream = crate::net::connect_host(host, port, None, None).await?;
    Ok(Transport::start(Box::new(stream), protocol_factory()))
}

/// [`create_connection`] with asyncio's keyword arguments (`happy_eyeballs_delay`,
/// `interleave`, and with feature `tls`, `ssl` and `server_hostname`), as
/// [`open_connection_with`](crate::streams::open_connection_with) takes them. With `ssl`,
/// the handshake is done before the protocol's `connection_made`, as asyncio's; `write`
/// sends encrypted records and `close` ends with TLS's `close_notify`.
///
/// # Errors
///
/// As [`open_connection_with`](crate::streams::open_connection_with).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::streams::ConnectOptions;
/// use evloop::transport::{Protocol, create_connection_with};
///
/// struct Quiet;
/// impl Protocol for Quiet {
///     fn data_received(&mut self, _data: &[u8]) {}
/// }
///
/// evloop::run(async {
///     let peer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
///     let port = peer.local_addr().unwrap().port();
///     let options = ConnectOptions::new().happy_eyeballs_delay(Duration::from_millis(250));
///     let t = create_connection_with(|| Quiet, "localhost", port, &options).await;
///     // `localhost` may resolve to ::1 first, where nothing listens: the IPv4 attempt wins.
///     assert_eq!(t.unwrap().peer_addr(), peer.local_addr().ok());
/// })
/// .unwrap();
/// ```
#[doc(alias = "create_connection")]
pub async fn create_connection_with<K, P: AnyProtocol<K>>(
    protocol_factory: impl FnOnce() -> P,
    host: &str,
    port: u16,
    options: &crate::streams::ConnectOptions,
) -> io::Result<Transport> {
    let stream: Box<dyn Channel> = match crate::streams::connect_with(host, port, options).await? {
        crate::streams::Connected::Plain(tcp) => Box::new(tcp),
        #[cfg(feature = "tls")]
        crate::streams::Connected::Tls(tls) => tls,
    };
    Ok(Transport::start(stream, protocol_factory()))
}

/// Serves the Unix-domain socket at `path` (which must not exist yet), calling
/// `protocol_factory` for a new protocol per connection (asyncio
/// `loop.create_unix_server`).
///
/// # Errors
///
/// As [`UnixListener::bind`](crate::net::UnixListener::bind).
///
/// # Examples
///
/// ```
/// use evloop::transport::{Protocol, Transport, create_unix_connection, create_unix_server};
///
/// struct Upper(Option<Transport>);
/// impl Protocol for Upper {
///     fn connection_made(&mut self, t: &Transport) {
///         self.0 = Some(t.clone());
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.as_ref().unwrap().write(&data.to_ascii_uppercase());
///     }
/// }
///
/// struct Client(evloop::Future<Vec<u8>>);
/// impl Protocol for Client {
///     fn data_received(&mut self, data: &[u8]) {
///         let _ = self.0.set_result(data.to_vec());
///     }
/// }
///
/// let path = std::env::temp_dir().join(format!("evloop-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let p = path.clone();
/// evloop::run(async move {
///     let path = p;
///     let server = create_unix_server(|| Upper(None), &path).unwrap();
///     let got = evloop::Future::new();
///     let g = got.clone();
///     let t = create_unix_connection(move || Client(g), &path).await.unwrap();
///     t.write(b"hi");
///     assert_eq!(got.await.unwrap(), b"HI");
///     server.close();
/// })
/// .unwrap();
/// std::fs::remove_file(&path).unwrap();
/// ```
#[cfg(unix)]
pub fn create_unix_server<K, P: AnyProtocol<K>>(
    protocol_factory: impl Fn() -> P + 'static,
    path: impl AsRef<Path>,
) -> io::Result<Server> {
    create_unix_server_with(protocol_factory, path, &ServerOptions::default())
}

/// [`create_unix_server`] with asyncio's keyword arguments (`start_serving`).
///
/// # Errors
///
/// As [`create_unix_server`].
#[cfg(unix)]
pub fn create_unix_server_with<K, P: AnyProtocol<K>>(
    protocol_factory: impl Fn() -> P + 'static,
    path: impl AsRef<Path>,
    options: &ServerOptions,
) -> io::Result<Server> {
    Server::serve_unix(path.as_ref(), options, move |conn| {
        serve_one(Box::new(conn), protocol_factory())
    })
}

/// Connects to the Unix-domain socket at `path` and runs a protocol from
/// `protocol_factory` on the connection (asyncio `loop.create_unix_connection`).
///
/// # Examples
///
/// ```
/// use evloop::transport::{Protocol, Transport, create_unix_connection, create_unix_server};
///
/// struct Greet;
/// impl Protocol for Greet {
///     fn connection_made(&mut self, t: &Transport) {
///         t.write(b"hello");
///         t.close();
///     }
///     fn data_received(&mut self, _data: &[u8]) {}
/// }
///
/// struct Client(evloop::Future<Vec<u8>>);
/// impl Protocol for Client {
///     fn data_received(&mut self, data: &[u8]) {
///         let _ = self.0.set_result(data.to_vec());
///     }
/// }
///
/// let path = std::env::temp_dir().join(format!("evloop-cuc-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let p = path.clone();
/// evloop::run(async move {
///     let server = create_unix_server(|| Greet, &p).unwrap();
///     let got = evloop::Future::new();
///     let g = got.clone();
///     let _t = create_unix_connection(move || Client(g), &p).await.unwrap();
///     assert_eq!(got.await.unwrap(), b"hello");
///     server.close();
/// })
/// .unwrap();
/// std::fs::remove_file(&path).unwrap();
/// ```
///
/// # Errors
///
/// As [`UnixStream::connect`].
#[cfg(unix)]
pub async fn create_unix_connection<K, P: AnyProtocol<K>>(
    protocol_factory: impl FnOnce() -> P,
    path: impl AsRef<Path>,
) -> io::Result<Transport> {
    let stream = UnixStream::connect(path).await?;
    Ok(Transport::start(Box::new(stream), protocol_factory()))
}

/// A connected stream socket made elsewhere, which [`connect_accepted_socket`] adopts:
/// a [`std::net::TcpStream`] or a [`std::os::unix::net::UnixStream`] (blocking or not), or
/// evloop's own.
pub trait AcceptedSocket: sealed::Adopt {}

impl<T: sealed::Adopt> AcceptedSocket for T {}

mod sealed {
    use super::*;

    /// Registers the socket with the running loop as a transport's channel.
    pub trait Adopt {
        #[allow(private_interfaces)]
        fn adopt(self) -> io::Result<Box<dyn Channel>>;
    }

    impl Adopt for std::net::TcpStream {
        #[allow(private_interfaces)]
        fn adopt(self) -> io::Result<Box<dyn Channel>> {
            Ok(Box::new(TcpStream::from_std(self)?))
        }
    }

    impl Adopt for TcpStream {
        #[allow(private_interfaces)]
        fn adopt(self) -> io::Result<Box<dyn Channel>> {
            Ok(Box::new(self))
        }
    }

    #[cfg(unix)]
    impl Adopt for std::os::unix::net::UnixStream {
        #[allow(private_interfaces)]
        fn adopt(self) -> io::Result<Box<dyn Channel>> {
            Ok(Box::new(UnixStream::from_std(self)?))
        }
    }

    #[cfg(unix)]
    impl Adopt for UnixStream {
        #[allow(private_interfaces)]
        fn adopt(self) -> io::Result<Box<dyn Channel>> {
            Ok(Box::new(self))
        }
    }
}

/// Runs a protocol from `protocol_factory` on `sock`, a connection accepted (or made)
/// outside the loop (asyncio `loop.connect_accepted_socket`). The socket is made
/// non-blocking and registered with the running loop; the transport owns it from now on.
///
/// # Errors
///
/// What the OS reports when the socket is made non-blocking or registered, or no running
/// loop.
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// use evloop::transport::{Protocol, Transport, connect_accepted_socket};
///
/// struct Greet(evloop::Future<()>);
/// impl Protocol for Greet {
///     fn connection_made(&mut self, t: &Transport) {
///         t.write(b"hello");
///         t.close();
///     }
///     fn data_received(&mut self, _: &[u8]) {}
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.0.set_result(()).unwrap();
///     }
/// }
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
/// let (accepted, _) = listener.accept().unwrap();
/// evloop::run(async move {
///     let lost = evloop::Future::new();
///     let l = lost.clone();
///     connect_accepted_socket(move || Greet(l), accepted).unwrap();
///     lost.await.unwrap();
/// })
/// .unwrap();
/// let mut got = String::new();
/// client.read_to_string(&mut got).unwrap();
/// assert_eq!(got, "hello");
/// ```
pub fn connect_accepted_socket<K, P: AnyProtocol<K>>(
    protocol_factory: impl FnOnce() -> P,
    sock: impl AcceptedSocket,
) -> io::Result<Transport> {
    let channel = sealed::Adopt::adopt(sock)?;
    Ok(Transport::start(channel, protocol_factory()))
}
