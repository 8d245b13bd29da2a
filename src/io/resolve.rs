//! Host names to addresses before a connect, without stalling the loop.
//!
//! The system resolver (`getaddrinfo(3)`) blocks for as long as the network takes. asyncio
//! runs it in the default executor for every `open_connection`, `create_connection` and
//! `getaddrinfo`; evloop does the same with feature `executor` (on by default): an IP
//! literal is used as it is, a name is looked up on the default pool while the loop runs
//! on. Without `executor` there is no thread to run it on, and a name is looked up on the
//! loop's thread.
//!
//! The lookup itself is the loop's *resolver*: the system's by default, or a function set
//! with [`LoopHandle::set_resolver`] (a fixed table in a test, a custom DNS client).
//!
//! The functions that are not `async` ([`TcpStream::connect`](crate::net::TcpStream::connect)
//! with a name in a `&str`, and the servers' `bind`) resolve with the standard library on
//! the loop's thread; give them an address, or resolve first with `getaddrinfo`.

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use crate::event_loop::LoopHandle;

/// A blocking lookup of a host and port, run off the loop's thread (see the module docs).
pub type Resolver = Arc<dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

/// The resolver set with `set_resolver` (a loop component).
struct Installed(RefCell<Resolver>);

/// The system resolver, through the standard library.
fn system(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    (host, port).to_socket_addrs().map(Vec::from_iter)
}

impl LoopHandle {
    /// Replaces the lookup this loop uses for `getaddrinfo` and for every connect by host
    /// name. The function blocks as long as it likes: it runs on the default executor.
    /// evloop's own (asyncio has no such hook: it always calls `socket.getaddrinfo`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::SocketAddr;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     ev.set_resolver(|host, port| match host {
    ///         "db.internal" => Ok(vec![SocketAddr::from(([10, 0, 0, 7], port))]),
    ///         _ => Err(std::io::ErrorKind::NotFound.into()),
    ///     });
    ///     let addrs = ev.getaddrinfo("db.internal", 5432).await.unwrap();
    ///     assert_eq!(addrs[0].to_string(), "10.0.0.7:5432");
    ///     assert!(ev.getaddrinfo("elsewhere", 1).await.is_err());
    /// })
    /// .unwrap();
    /// ```
    pub fn set_resolver(
        &self,
        resolver: impl Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) {
        let resolver: Resolver = Arc::new(resolver);
        let installed = self
            .core
            .components()
            .get_or_insert_with(|| Installed(RefCell::new(resolver.clone())));
        *installed.0.borrow_mut() = resolver;
    }

    /// Resolves `host` and `port` to socket addresses on the loop's default executor, so
    /// the loop runs on meanwhile (on the loop's thread without feature `executor`), with the loop's resolver (the system's unless
    /// [`set_resolver`](LoopHandle::set_resolver) changed it) (asyncio `loop.getaddrinfo(host, port)`, which gives
    /// tuples; here the addresses, in the resolver's order).
    ///
    /// # Errors
    ///
    /// What the resolver reports (an unknown host, no network), or `Interrupted` if the
    /// lookup was cancelled (its thread finishes it and the result is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let addrs = ev.getaddrinfo("127.0.0.1", 80).await.unwrap();
    ///     assert_eq!(addrs[0].to_string(), "127.0.0.1:80");
    /// })
    /// .unwrap();
    /// ```
    pub async fn getaddrinfo(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let resolver = self.resolver();
        #[cfg(feature = "executor")]
        {
            let host = host.to_owned();
            self.off_the_loop(move || resolver(&host, port)).await
        }
        #[cfg(not(feature = "executor"))]
        resolver(host, port)
    }

    /// The lookup this loop uses: the one set with `set_resolver`, or the system's.
    pub(crate) fn resolver(&self) -> Resolver {
        match self.core.components().get::<Installed>() {
            Some(installed) => installed.0.borrow().clone(),
            None => Arc::new(system),
        }
    }
}

/// The addresses of `host` and `port`: an IP literal as it is, a name through the running
/// loop's resolver, off the loop's thread where the crate has a pool (see the module docs).
#[cfg(feature = "net")]
pub(crate) async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let ev = crate::get_running_loop().map_err(io::Error::other)?;
    let found = ev.getaddrinfo(host, port).await?;
    if found.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "getaddrinfo() returned empty list",
        ));
    }
    Ok(found)
}
