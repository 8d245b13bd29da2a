//! I/O on the loop: registering sources with the reactor, the async read/write traits, and
//! what is built on them (sockets, asyncio's streams, transports and protocols, servers),
//! with the thread pool that runs blocking work (`executor`) and name resolution off the
//! loop's thread (`dns`, `resolve`): a host name is looked up there before a connect.
//!
//! **May import:** `coordination`, `event_loop` (its context and public handle), `task`,
//! `driver`, `error`. Not `system` or `ext`.
//!
//! Everything goes through the loop's own `mio` reactor. A socket registers once (for both
//! directions) when it is made; the turn's readiness phase records each event on the
//! socket's readiness bits and wakes the task waiting for it; the task retries its
//! operation. mio is edge-triggered, so an operation follows one rule: try it; on
//! `WouldBlock`, clear the readiness bit, then wait for the next event. Events are applied
//! only between task steps, so none can slip in between the failed attempt and the clear.
//! A stream read that comes back short has drained the socket and clears the bit the same
//! way, without the extra failed attempt; small reads read ahead so that they come back
//! short (`read_ahead`).

#[cfg(unix)]
pub(crate) mod raw;
#[cfg(feature = "net")]
pub(crate) mod read_ahead;
pub(crate) mod registration;
#[cfg(feature = "net")]
mod traits;

#[cfg(feature = "net")]
pub(crate) mod channel;
#[cfg(feature = "executor")]
pub(crate) mod dns;
#[cfg(feature = "executor")]
pub mod executor;
#[cfg(feature = "net")]
pub mod net;
#[cfg(all(feature = "net", unix))]
pub(crate) mod pipe;
#[cfg(any(feature = "net", feature = "executor"))]
pub(crate) mod resolve;
#[cfg(feature = "net")]
pub mod server;
#[cfg(feature = "net")]
pub mod sock;
#[cfg(feature = "net")]
mod stream_writer;
#[cfg(feature = "net")]
pub mod streams;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(feature = "net")]
pub mod transport;

#[cfg(feature = "net")]
pub use traits::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};
