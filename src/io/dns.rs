//! Name resolution off the loop's thread: the executor side of `getaddrinfo`, and `getnameinfo`.
//!
//! The system resolver (`getaddrinfo(3)`, through the standard library's `ToSocketAddrs`)
//! blocks, for as long as the network takes; on the loop's thread it would stall every task.
//! asyncio runs it in the default executor, and so does evloop, for `getaddrinfo` and the
//! reverse lookup `getnameinfo` (feature `dns`) alike.

use std::io;

use crate::error::TaskError;
use crate::event_loop::LoopHandle;

impl LoopHandle {
    /// Runs a blocking lookup on the default executor; its panic or cancel as an I/O error.
    pub(crate) async fn off_the_loop<T: Send + 'static>(
        &self,
        lookup: impl FnOnce() -> io::Result<T> + Send + 'static,
    ) -> io::Result<T> {
        match self.run_in_executor(None, lookup).await {
            Ok(found) => found,
            Err(TaskError::Panicked(msg)) => Err(io::Error::other(msg)),
            Err(TaskError::Cancelled) => Err(io::Error::from(io::ErrorKind::Interrupted)),
        }
    }
}

/// How [`LoopHandle::getnameinfo`] answers: the `NI_*` flags of `getnameinfo(3)` (asyncio
/// passes Python's `socket.NI_*` values). Combine them with `|`.
///
/// # Examples
///
/// ```
/// use evloop::NameInfoFlags;
///
/// let both = NameInfoFlags::NUMERIC_HOST | NameInfoFlags::NUMERIC_SERVICE;
/// assert!(both.contains(NameInfoFlags::NUMERIC_HOST));
/// assert!(!NameInfoFlags::default().contains(NameInfoFlags::NAME_REQUIRED));
/// ```
#[cfg(feature = "dns")]
#[doc(alias(
    "NI_NUMERICHOST",
    "NI_NUMERICSERV",
    "NI_NAMEREQD",
    "NI_NOFQDN",
    "NI_DGRAM"
))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NameInfoFlags(u8);

#[cfg(feature = "dns")]
impl NameInfoFlags {
    /// The host as a numeric address, not a name (`NI_NUMERICHOST`).
    pub const NUMERIC_HOST: NameInfoFlags = NameInfoFlags(1);
    /// The service as a port number, not a name (`NI_NUMERICSERV`).
    pub const NUMERIC_SERVICE: NameInfoFlags = NameInfoFlags(2);
    /// An error, rather than the numeric address, when the host has no name (`NI_NAMEREQD`).
    pub const NAME_REQUIRED: NameInfoFlags = NameInfoFlags(4);
    /// Only the host part of a local host's name (`NI_NOFQDN`).
    pub const NO_FQDN: NameInfoFlags = NameInfoFlags(8);
    /// The service of a datagram socket, where UDP and TCP names differ (`NI_DGRAM`).
    pub const DATAGRAM: NameInfoFlags = NameInfoFlags(16);

    /// True if every flag of `other` is set here.
    pub fn contains(self, other: NameInfoFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The C library's value of these flags.
    fn to_c(self) -> i32 {
        let table = [
            (Self::NUMERIC_HOST, libc::NI_NUMERICHOST),
            (Self::NUMERIC_SERVICE, libc::NI_NUMERICSERV),
            (Self::NAME_REQUIRED, libc::NI_NAMEREQD),
            (Self::NO_FQDN, libc::NI_NOFQDN),
            (Self::DATAGRAM, libc::NI_DGRAM),
        ];
        table
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .fold(0, |c, (_, value)| c | value)
    }
}

#[cfg(feature = "dns")]
impl std::ops::BitOr for NameInfoFlags {
    type Output = NameInfoFlags;

    fn bitor(self, other: NameInfoFlags) -> NameInfoFlags {
        NameInfoFlags(self.0 | other.0)
    }
}

#[cfg(feature = "dns")]
impl LoopHandle {
    /// Finds the host and service names of `addr` on the loop's default executor, so the
    /// loop runs on meanwhile (asyncio `loop.getnameinfo(sockaddr, flags)`, which gives the
    /// `(host, service)` pair this gives).
    ///
    /// # Errors
    ///
    /// What the resolver reports (no name for the address with
    /// [`NAME_REQUIRED`](NameInfoFlags::NAME_REQUIRED), no network), or `Interrupted` if the
    /// lookup was cancelled (its thread finishes it and the result is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::NameInfoFlags;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let numeric = NameInfoFlags::NUMERIC_HOST | NameInfoFlags::NUMERIC_SERVICE;
    ///     let addr = "127.0.0.1:80".parse().unwrap();
    ///     let (host, service) = ev.getnameinfo(addr, numeric).await.unwrap();
    ///     assert_eq!((host.as_str(), service.as_str()), ("127.0.0.1", "80"));
    /// })
    /// .unwrap();
    /// ```
    pub async fn getnameinfo(
        &self,
        addr: std::net::SocketAddr,
        flags: NameInfoFlags,
    ) -> io::Result<(String, String)> {
        let lookup = move || dns_lookup::getnameinfo(&addr, flags.to_c()).map_err(io::Error::from);
        self.off_the_loop(lookup).await
    }
}
