//! [`ServerOptions`]: the keyword arguments of asyncio's server functions that evloop has.

use std::io;
#[cfg(feature = "tls")]
use std::sync::Arc;

/// How a server starts: asyncio's keyword arguments of `start_server` and `create_server`.
/// Give it to the `*_with` functions ([`start_server_with`](crate::streams::start_server_with),
/// [`create_server_with`](crate::transport::create_server_with), and their Unix-socket
/// twins); the functions without `_with` use the defaults.
///
/// # Examples
///
/// ```
/// use evloop::server::ServerOptions;
///
/// let options = ServerOptions::new().start_serving(false);
/// assert!(!options.starts_serving());
/// assert!(ServerOptions::default().starts_serving());
/// ```
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Accept connections from the start (asyncio `start_serving=True`, the default).
    start_serving: bool,
    /// The listen queue's length (asyncio `backlog`, 100).
    backlog: u32,
    /// `SO_REUSEADDR` (asyncio `reuse_address`, on by default on Unix).
    reuse_address: bool,
    /// `SO_REUSEPORT` (asyncio `reuse_port`, off by default).
    reuse_port: bool,
    /// Speak TLS with each client (asyncio `ssl=`).
    #[cfg(feature = "tls")]
    ssl: Option<Arc<crate::tls::rustls::ServerConfig>>,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            start_serving: true,
            backlog: 100,
            reuse_address: cfg!(unix),
            reuse_port: false,
            #[cfg(feature = "tls")]
            ssl: None,
        }
    }
}

impl ServerOptions {
    /// asyncio's defaults.
    pub fn new() -> ServerOptions {
        ServerOptions::default()
    }

    /// Whether the server accepts connections from the start (asyncio `start_serving`,
    /// default `true`). With `false` it waits for [`Server::start_serving`] or
    /// [`Server::serve_forever`]. The socket listens from the start either way (asyncio
    /// calls `listen()` only when serving starts), so a client's connect succeeds and
    /// waits in the backlog until then.
    ///
    /// [`Server::start_serving`]: crate::server::Server::start_serving
    /// [`Server::serve_forever`]: crate::server::Server::serve_forever
    pub fn start_serving(mut self, on: bool) -> ServerOptions {
        self.start_serving = on;
        self
    }

    /// Whether it starts serving at once.
    pub fn starts_serving(&self) -> bool {
        self.start_serving
    }

    /// The length of the queue of connections not yet accepted (asyncio `backlog`,
    /// default 100; the kernel caps it at `somaxconn`).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::server::ServerOptions;
    ///
    /// evloop::run(async {
    ///     let options = ServerOptions::new().backlog(1000).reuse_port(true);
    ///     let handler = |_r, _w| async {};
    ///     let a = evloop::streams::start_server_with(handler, "127.0.0.1", 0, &options).unwrap();
    ///     let port = a.local_addr().unwrap().port();
    ///     // SO_REUSEPORT: a second server on the same port; the kernel shares the clients.
    ///     let b = evloop::streams::start_server_with(handler, "127.0.0.1", port, &options).unwrap();
    ///     assert_eq!(b.local_addr().unwrap().port(), port);
    /// })
    /// .unwrap();
    /// ```
    pub fn backlog(mut self, backlog: u32) -> ServerOptions {
        self.backlog = backlog;
        self
    }

    /// `SO_REUSEADDR` (asyncio `reuse_address`; default on, on Unix, as asyncio): bind a
    /// port whose old connections are still in `TIME_WAIT`.
    pub fn reuse_address(mut self, on: bool) -> ServerOptions {
        self.reuse_address = on;
        self
    }

    /// `SO_REUSEPORT` (asyncio `reuse_port`; default off): several servers listen on one
    /// port and the kernel spreads the connections among them.
    pub fn reuse_port(mut self, on: bool) -> ServerOptions {
        self.reuse_port = on;
        self
    }

    /// A listening socket on `host` and `port` with these options: each address the host
    /// resolves to is tried in turn, the first that binds is kept.
    pub(crate) fn listen(&self, host: &str, port: u16) -> io::Result<crate::net::TcpListener> {
        let mut last = None;
        for addr in std::net::ToSocketAddrs::to_socket_addrs(&(host, port))? {
            match self.listen_on(addr) {
                Ok(listener) => return Ok(listener),
                Err(e) => last = Some(e),
            }
        }
        Err(last
            .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to use")))
    }

    fn listen_on(&self, addr: std::net::SocketAddr) -> io::Result<crate::net::TcpListener> {
        let socket = crate::net::TcpSocket::for_addr(addr)?;
        socket.set_reuseaddr(self.reuse_address)?;
        #[cfg(unix)]
        socket.set_reuseport(self.reuse_port)?;
        socket.bind(addr)?;
        socket.listen(self.backlog)
    }

    /// Serve TLS with this configuration (asyncio `ssl=context`; feature `tls`): each
    /// client's handshake completes before its handler runs. Only the TCP streams server
    /// ([`start_server_with`](crate::streams::start_server_with)) speaks TLS; the others
    /// refuse the option with `Unsupported` rather than serve in the clear. See
    /// [`open_connection_with`](crate::streams::open_connection_with) for an example.
    #[cfg(feature = "tls")]
    pub fn ssl(mut self, config: Arc<crate::tls::rustls::ServerConfig>) -> ServerOptions {
        self.ssl = Some(config);
        self
    }

    /// The TLS configuration, if the server speaks TLS.
    #[cfg(feature = "tls")]
    pub(crate) fn tls(&self) -> Option<&Arc<crate::tls::rustls::ServerConfig>> {
        self.ssl.as_ref()
    }

    /// `Unsupported` if TLS was asked of a server that does not speak it (`what`).
    pub(crate) fn require_plain(&self, what: &str) -> io::Result<()> {
        #[cfg(feature = "tls")]
        if self.ssl.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{what} does not support ssl; use streams::start_server_with"),
            ));
        }
        let _ = what;
        Ok(())
    }
}
