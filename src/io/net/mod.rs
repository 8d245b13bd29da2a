//! Sockets on the loop: TCP, UDP and Unix-domain, all through the loop's own reactor.
//!
//! **Drop and cancel first.** Dropping a socket closes it and removes it from the reactor.
//! Every operation is a future; dropping one (its task cancelled) abandons the operation
//! with nothing half-done: a read or write either happened entirely before the drop or not
//! at all, an accept that did not complete accepted nothing.
//!
//! Sockets are made inside a running loop (as tokio's); outside one, making a socket is an
//! error, not a panic.
//!
//! Rosetta: asyncio's transports' sockets and `loop.sock_*`; tokio `net`.
//!
//! # Examples
//!
//! ```
//! use evloop::io::{AsyncReadExt, AsyncWriteExt};
//! use evloop::net::{TcpListener, TcpStream};
//!
//! evloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = evloop::spawn(async move {
//!         let (mut conn, _) = listener.accept().await.unwrap();
//!         let mut buf = [0u8; 5];
//!         conn.read_exact(&mut buf).await.unwrap();
//!         conn.write_all(&buf).await.unwrap(); // echo
//!     });
//!     let mut client = TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"hello").await.unwrap();
//!     let mut back = [0u8; 5];
//!     client.read_exact(&mut back).await.unwrap();
//!     assert_eq!(&back, b"hello");
//!     server.await.unwrap();
//! })
//! .unwrap();
//! ```

mod happy;
mod socket;
mod split;
#[cfg(unix)]
mod std_conv;
mod tcp;
mod udp;
#[cfg(unix)]
mod unix;

pub(crate) use happy::connect_host;
pub use socket::{MAX_KEEPALIVE_IDLE, TcpSocket};
pub use split::{ReadHalf, WriteHalf};
pub use tcp::{TcpListener, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixListener, UnixStream};

/// For a stream socket whose field `io` is a `Registered` mio stream (readable and writable
/// through `&`) and whose field `ahead` is its `ReadAhead`: reading and writing through a
/// shared reference (the streams API shares one socket between its reader and writer; each
/// direction has its own waiter), and `AsyncRead`/`AsyncWrite` on top; `poll_close` closes
/// the writing side.
macro_rules! stream_io {
    ($t:ty) => {
        impl $t {
            pub(crate) fn poll_read_shared(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.ahead.poll_read(&self.io.reg, &self.io.inner, cx, buf)
            }

            /// Ready once a read would find something (bytes or the end), as far as the
            /// reactor knows; else registers the waker.
            pub(crate) fn poll_read_ready(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<()> {
                if self.ahead.holds_bytes() {
                    return std::task::Poll::Ready(());
                }
                self.io
                    .reg
                    .poll_ready(cx, $crate::io::registration::Direction::Read)
            }

            pub(crate) fn poll_write_shared(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                let io = &self.io;
                io.reg
                    .poll_io(cx, $crate::io::registration::Direction::Write, || {
                        (&io.inner).write(buf)
                    })
            }

            /// Writes what the socket takes now, without waiting.
            #[allow(dead_code)] // only TCP has transports
            pub(crate) fn try_write_now(&self, buf: &[u8]) -> std::io::Result<usize> {
                use std::io::Write;
                let io = &self.io;
                io.reg
                    .try_io($crate::io::registration::Direction::Write, || {
                        (&io.inner).write(buf)
                    })
            }
        }

        impl $crate::io::AsyncRead for $t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_shared(cx, buf)
            }
        }

        impl $crate::io::AsyncWrite for $t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_write_shared(cx, buf)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(self.io.inner.shutdown(std::net::Shutdown::Write))
            }
        }
    };
}
pub(crate) use stream_io;
