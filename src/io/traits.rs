//! The byte-stream traits: the ecosystem's own, `futures-io`'s [`AsyncRead`], [`AsyncWrite`]
//! and [`AsyncBufRead`], with `futures-util`'s helpers ([`AsyncReadExt`]: `read`,
//! `read_exact`, `read_to_end`, ...; [`AsyncWriteExt`]: `write_all`, `flush`, `close`, ...;
//! [`AsyncBufReadExt`]: `read_line`, `lines`, ...).
//!
//! Every evloop byte stream implements them: `TcpStream`, `UnixStream`, and the streams API
//! (`StreamReader` reads and buffers, `StreamWriter` writes with flow control). So
//! `futures::io::copy`, `BufReader`, `split`, codec crates and TLS crates written against
//! futures-io take evloop sockets as they are. (With the `tokio-io` feature the sockets
//! implement tokio's traits too.)
//!
//! ```
//! use evloop::io::{AsyncReadExt, AsyncWriteExt};
//!
//! evloop::run(async {
//!     let (mut a, mut b) = evloop::net::UnixStream::pair().unwrap();
//!     a.write_all(b"ping").await.unwrap();
//!     let mut got = [0u8; 4];
//!     b.read_exact(&mut got).await.unwrap();
//!     assert_eq!(&got, b"ping");
//! })
//! .unwrap();
//! ```

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
pub use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
