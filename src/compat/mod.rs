//! Adapters to other crates' runtime traits, each behind the feature of the crate it serves:
//! [`hyper`] (feature `hyper`), and tokio's I/O traits on evloop's streams (feature
//! `tokio-io`, no module: the impls are on the stream types).
//!
//! The top layer: it uses the public API (sockets, timers, `spawn`) and nothing below it, and
//! nothing in evloop uses it.

#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "tokio-io")]
mod tokio_io;
