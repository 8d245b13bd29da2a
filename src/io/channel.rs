//! What a stream or a transport sits on: a [`Channel`] is a TCP or Unix-domain socket, or one
//! end of a pipe. The streams API ([`StreamReader`](crate::streams::StreamReader),
//! [`StreamWriter`](crate::streams::StreamWriter)) and the transports
//! ([`Transport`](crate::transport::Transport)) are written once against it.
//!
//! Each direction is polled through a shared reference (a connection's reader and writer
//! share one socket); a pipe supports one direction only. A direction or an address the
//! channel lacks is `Unsupported`, the defaults below.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};

use crate::net::TcpStream;
#[cfg(unix)]
use crate::net::UnixStream;

/// A byte channel polled through `&self` (see the module docs).
pub(crate) trait Channel {
    /// Reads what is there, or registers the waker.
    fn poll_read_shared(&self, _cx: &mut Context<'_>, _buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::ErrorKind::Unsupported.into()))
    }
    /// Ready once a read would find something, as far as the reactor knows (a protocol
    /// lends its buffer only then, as asyncio calls `get_buffer` when the selector reports
    /// the socket readable); else registers the waker.
    fn poll_read_ready(&self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
    /// Writes what the channel takes, or registers the waker.
    fn poll_write_shared(&self, _cx: &mut Context<'_>, _buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::ErrorKind::Unsupported.into()))
    }
    /// Writes what the channel takes now, without waiting (a transport's `write` tries the
    /// channel before it buffers, as asyncio's). `WouldBlock` by default: buffer it all.
    fn try_write_now(&self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
    /// Sends what the channel itself holds back (a TLS layer's records); the plain
    /// channels hold nothing.
    fn poll_flush_shared(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    /// Ends the writing direction (the peer reads end of stream).
    fn shutdown_write(&self) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// [`shutdown_write`](Self::shutdown_write) for a channel that has to send something
    /// first (TLS's `close_notify`); the plain channels end at once.
    fn poll_shutdown_write(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.shutdown_write())
    }
    /// Whether closing sends something of the channel's own (TLS's `close_notify`), so a
    /// transport's `close` ends with [`poll_shutdown_write`](Self::poll_shutdown_write)
    /// before it lets the socket go. The plain channels send nothing: closing the socket is
    /// their end.
    fn closes_with_notice(&self) -> bool {
        false
    }
    /// Ends the reading direction now: pending reads see end of stream.
    fn shutdown_read(&self) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// Whether the channel reads (false for the write end of a pipe).
    fn can_read(&self) -> bool {
        true
    }
    /// Whether the channel writes (false for the read end of a pipe).
    fn can_write(&self) -> bool {
        true
    }
    /// The peer's address, for TCP sockets.
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// The local address, for TCP sockets.
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// Sets `TCP_NODELAY`, for TCP sockets.
    fn set_nodelay(&self, _on: bool) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// What it is, for reports (`tcp`, `unix`, `read pipe`, `write pipe`).
    fn kind(&self) -> &'static str;
}

/// `Channel` for a socket type made by `net::stream_io!` (both directions, a half-close).
macro_rules! socket_channel {
    ($t:ty, $kind:literal, $($extra:item)*) => {
        impl Channel for $t {
            fn poll_read_shared(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                <$t>::poll_read_shared(self, cx, buf)
            }
            fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
                <$t>::poll_read_ready(self, cx)
            }
            fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                <$t>::poll_write_shared(self, cx, buf)
            }
            fn try_write_now(&self, buf: &[u8]) -> io::Result<usize> {
                <$t>::try_write_now(self, buf)
            }
            fn shutdown_write(&self) -> io::Result<()> {
                self.shutdown(Shutdown::Write)
            }
            fn shutdown_read(&self) -> io::Result<()> {
                self.shutdown(Shutdown::Read)
            }
            fn kind(&self) -> &'static str {
                $kind
            }
            $($extra)*
        }
    };
}

socket_channel! {
    TcpStream,
    "tcp",
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::peer_addr(self)
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::local_addr(self)
    }
    fn set_nodelay(&self, on: bool) -> io::Result<()> {
        TcpStream::set_nodelay(self, on)
    }
}
#[cfg(unix)]
socket_channel! { UnixStream, "unix", }
