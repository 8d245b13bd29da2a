//! Name resolution off the loop's thread: asyncio's `loop.getaddrinfo`.
//!
//! The system resolver (`getaddrinfo(3)`, through the standard library's `ToSocketAddrs`)
//! blocks, for as long as the network takes; on the loop's thread it would stall every task.
//! asyncio runs it in the default executor, and so does evloop.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use crate::error::TaskError;
use crate::event_loop::LoopHandle;

impl LoopHandle {
    /// Resolves `host` and `port` to socket addresses on the loop's default executor, so
    /// the loop runs on meanwhile (asyncio `loop.getaddrinfo(host, port)`, which gives
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
        let host = host.to_owned();
        let lookup = move || (host.as_str(), port).to_socket_addrs().map(Vec::from_iter);
        match self.run_in_executor(None, lookup).await {
            Ok(found) => found,
            Err(TaskError::Panicked(msg)) => Err(io::Error::other(msg)),
            Err(TaskError::Cancelled) => Err(io::Error::from(io::ErrorKind::Interrupted)),
        }
    }
}
