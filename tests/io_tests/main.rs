//! Sockets, streams, transports, pipes, TLS, name resolution and the ecosystem's I/O traits.
//!
//! One test binary for many files: each file is a module, so the suite links once.
//! Run one file's tests with `cargo test --test io_tests <file>::`.

#[path = "../util/mod.rs"]
mod util;

#[cfg(feature = "net")]
mod buffered_protocol;
#[cfg(all(feature = "net", feature = "executor"))]
mod dns;
mod fuzz_streams;
#[cfg(feature = "net")]
mod io_ecosystem;
mod io_raw;
#[cfg(feature = "net")]
mod net_options;
mod net_read_ahead;
mod net_streams;
mod net_tcp;
mod net_transport;
mod net_unix;
#[cfg(feature = "net")]
mod pipes;
#[cfg(feature = "net")]
mod protocol_failures;
#[cfg(feature = "net")]
mod server_clients;
#[cfg(feature = "net")]
mod unix_streams;
