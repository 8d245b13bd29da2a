//! Transports over pipes: asyncio's `loop.connect_read_pipe` and `loop.connect_write_pipe`.
//!
//! A pipe goes one way, so its transport does half of what a socket's does. A read pipe's
//! protocol gets `data_received`, then `eof_received` and `connection_lost(None)` when the
//! writer closes (the transport closes whatever `eof_received` returns, as asyncio's);
//! `pause_reading`, `resume_reading` and `close` work, a `write` fails the connection with
//! `Unsupported`. A write pipe's transport writes with flow control as a socket's; its
//! `write_eof` closes the pipe once the buffer is sent, and when the reader closes its end
//! the protocol gets `connection_lost` (with `BrokenPipe` if bytes were still unsent).

use std::io;
use std::os::fd::OwnedFd;

use mio::unix::pipe;

use super::Transport;
use super::calls::AnyProtocol;
use crate::io::pipe::pipe_end;

/// Runs a protocol from `protocol_factory` on the reading end of a pipe (asyncio
/// `loop.connect_read_pipe`): anything that converts into an [`OwnedFd`], such as a
/// [`std::io::PipeReader`] or a [`std::process::ChildStdout`]. The descriptor is made
/// non-blocking and the transport owns it from now on.
///
/// # Errors
///
/// What the OS reports (a descriptor the reactor cannot watch, such as a regular file), or
/// no running loop.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use evloop::transport::{Protocol, connect_read_pipe};
///
/// struct Collect(Vec<u8>, evloop::Future<Vec<u8>>);
/// impl Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.1.set_result(std::mem::take(&mut self.0)).unwrap();
///     }
/// }
///
/// let (reader, mut writer) = std::io::pipe().unwrap();
/// writer.write_all(b"through the pipe").unwrap();
/// drop(writer);
/// evloop::run(async move {
///     let got = evloop::Future::new();
///     let g = got.clone();
///     connect_read_pipe(move || Collect(Vec::new(), g), reader).unwrap();
///     assert_eq!(got.await.unwrap(), b"through the pipe");
/// })
/// .unwrap();
/// ```
pub fn connect_read_pipe<K, P: AnyProtocol<K>>(
    protocol_factory: impl FnOnce() -> P,
    pipe: impl Into<OwnedFd>,
) -> io::Result<Transport> {
    let end = pipe_end(pipe::Receiver::from(pipe.into()))?;
    Ok(Transport::start(Box::new(end), protocol_factory()))
}

/// Runs a protocol from `protocol_factory` on the writing end of a pipe (asyncio
/// `loop.connect_write_pipe`): anything that converts into an [`OwnedFd`], such as a
/// [`std::io::PipeWriter`] or a [`std::process::ChildStdin`]. The descriptor is made
/// non-blocking and the transport owns it from now on.
///
/// # Errors
///
/// As [`connect_read_pipe`].
///
/// # Examples
///
/// ```
/// use std::io::Read;
/// use evloop::transport::{Protocol, connect_write_pipe};
///
/// struct Done(evloop::Future<()>);
/// impl Protocol for Done {
///     fn data_received(&mut self, _: &[u8]) {}
///     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
///         self.0.set_result(()).unwrap();
///     }
/// }
///
/// let (mut reader, writer) = std::io::pipe().unwrap();
/// evloop::run(async move {
///     let done = evloop::Future::new();
///     let d = done.clone();
///     let t = connect_write_pipe(move || Done(d), writer).unwrap();
///     t.write(b"to the reader");
///     t.write_eof(); // closes the pipe once sent: `connection_lost(None)`
///     done.await.unwrap();
/// })
/// .unwrap();
/// let mut got = String::new();
/// reader.read_to_string(&mut got).unwrap();
/// assert_eq!(got, "to the reader");
/// ```
pub fn connect_write_pipe<K, P: AnyProtocol<K>>(
    protocol_factory: impl FnOnce() -> P,
    pipe: impl Into<OwnedFd>,
) -> io::Result<Transport> {
    let end = pipe_end(pipe::Sender::from(pipe.into()))?;
    Ok(Transport::start(Box::new(end), protocol_factory()))
}
