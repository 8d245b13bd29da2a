//! Owned halves of a stream socket: [`ReadHalf`] and [`WriteHalf`], for a reader task and
//! a writer task that each own their side (tokio `into_split`; asyncio's `open_connection`
//! gives a separate reader and writer the same way).
//!
//! Both halves share the socket; each direction has its own waiter, so a read pending in
//! one task never blocks a write in another. Dropping the write half shuts the writing
//! direction (the peer reads end of stream), as tokio's does; the socket closes when both
//! halves are gone.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::TcpStream;
#[cfg(unix)]
use super::UnixStream;

/// The reading half of a stream socket, owned (tokio `OwnedReadHalf`). Read it with
/// [`AsyncReadExt`](crate::io::AsyncReadExt).
pub struct ReadHalf<S> {
    stream: Rc<S>,
}

/// The writing half of a stream socket, owned (tokio `OwnedWriteHalf`). Write it with
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt); `close` or dropping it ends the writing
/// direction.
pub struct WriteHalf<S> {
    stream: Rc<S>,
    /// Ends the writing direction, when the half is dropped.
    shut: fn(&S),
}

impl<S> Drop for WriteHalf<S> {
    fn drop(&mut self) {
        (self.shut)(&self.stream);
    }
}

impl<S> ReadHalf<S> {
    /// The socket both halves share, to ask its addresses or options.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }
}

impl<S> WriteHalf<S> {
    /// The socket both halves share, to ask its addresses or options.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }
}

impl<S> fmt::Debug for ReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<ReadHalf>")
    }
}

impl<S> fmt::Debug for WriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<WriteHalf>")
    }
}

/// `into_split` and the halves' I/O for a stream socket type of `net`.
macro_rules! halves {
    ($t:ty) => {
        impl $t {
            /// Splits the socket into a read half and a write half that can move to
            /// different tasks (tokio `into_split`).
            pub fn into_split(self) -> (ReadHalf<$t>, WriteHalf<$t>) {
                let stream = Rc::new(self);
                let read = ReadHalf {
                    stream: stream.clone(),
                };
                let shut = |s: &$t| {
                    let _ = s.shutdown(Shutdown::Write);
                };
                (read, WriteHalf { stream, shut })
            }
        }

        impl crate::io::AsyncRead for ReadHalf<$t> {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.stream.poll_read_shared(cx, buf)
            }
        }

        impl crate::io::AsyncWrite for WriteHalf<$t> {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.stream.poll_write_shared(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(self.stream.shutdown(Shutdown::Write))
            }
        }
    };
}

halves!(TcpStream);
#[cfg(unix)]
halves!(UnixStream);

#[cfg(test)]
mod tests {
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use crate::net::{TcpListener, TcpStream};

    /// A reader task and a writer task on one connection; dropping the write half is the
    /// peer's end of stream.
    #[test]
    fn halves_move_to_their_own_tasks() {
        crate::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let (mut read, mut write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let reader = crate::spawn(async move {
                let mut got = Vec::new();
                read.read_to_end(&mut got).await.unwrap();
                got
            });
            let writer = crate::spawn(async move {
                write.write_all(b"ping").await.unwrap();
                drop(write);
            });
            let mut got = Vec::new();
            server_read.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"ping");
            server_write.write_all(b"pong").await.unwrap();
            drop(server_write);
            writer.await.unwrap();
            assert_eq!(reader.await.unwrap(), b"pong");
        })
        .unwrap();
    }
}
