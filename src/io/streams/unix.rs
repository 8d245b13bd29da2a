//! The streams API over Unix-domain sockets: asyncio's `open_unix_connection` and
//! `start_unix_server`, the twins of [`open_connection`](super::open_connection) and
//! [`start_server`](super::start_server).

use std::future::Future;
use std::io;
use std::net::Shutdown;
use std::path::Path;
use std::rc::Rc;

use super::{Channel, StreamReader, StreamWriter, stream_client_close, stream_handler};
use crate::net::UnixStream;
use crate::server::{Client, Server, ServerOptions};

impl Client for UnixStream {
    fn close(&self) {
        stream_client_close(self)
    }
    fn abort(&self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

/// Connects to the Unix-domain socket at `path` and gives the connection's reader and
/// writer (asyncio `asyncio.open_unix_connection`).
///
/// # Errors
///
/// As [`UnixStream::connect`].
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_unix_connection, start_unix_server};
///
/// let path = std::env::temp_dir().join(format!("evloop-streams-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// let p = path.clone();
/// evloop::run(async move {
///     let path = p;
///     let server = start_unix_server(
///         |mut r, w| async move {
///             let line = r.readline().await.unwrap();
///             w.write(&line.to_ascii_uppercase());
///             w.close();
///         },
///         &path,
///     )
///     .unwrap();
///     let (mut r, w) = open_unix_connection(&path).await.unwrap();
///     w.write(b"hello\n");
///     assert_eq!(r.readline().await.unwrap(), b"HELLO\n");
///     server.close();
/// })
/// .unwrap();
/// std::fs::remove_file(&path).unwrap();
/// ```
pub async fn open_unix_connection(
    path: impl AsRef<Path>,
) -> io::Result<(StreamReader, StreamWriter)> {
    let stream: Rc<dyn Channel> = Rc::new(UnixStream::connect(path).await?);
    Ok((StreamReader::new(stream.clone()), StreamWriter::new(stream)))
}

/// Starts a server on the Unix-domain socket at `path` (which must not exist yet) that runs
/// `handler` as a new task for each connection (asyncio `asyncio.start_unix_server`).
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_unix_connection, start_unix_server};
///
/// let path = std::env::temp_dir().join(format!("evloop-sus-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let p = path.clone();
/// evloop::run(async move {
///     let server = start_unix_server(
///         |_r, w| async move {
///             w.write(b"welcome\n");
///             w.close();
///         },
///         &p,
///     )
///     .unwrap();
///     let (mut r, _w) = open_unix_connection(&p).await.unwrap();
///     assert_eq!(r.readline().await.unwrap(), b"welcome\n");
///     server.close();
/// })
/// .unwrap();
/// std::fs::remove_file(&path).unwrap();
/// ```
///
/// # Errors
///
/// As [`UnixListener::bind`](crate::net::UnixListener::bind).
///
/// # Panics
///
/// Outside a running loop.
pub fn start_unix_server<F, Fut>(handler: F, path: impl AsRef<Path>) -> io::Result<Server>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    start_unix_server_with(handler, path, &ServerOptions::default())
}

/// [`start_unix_server`] with asyncio's keyword arguments (`start_serving`).
///
/// # Errors
///
/// As [`start_unix_server`].
///
/// # Panics
///
/// Outside a running loop.
pub fn start_unix_server_with<F, Fut>(
    handler: F,
    path: impl AsRef<Path>,
    options: &ServerOptions,
) -> io::Result<Server>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    Server::serve_unix(path.as_ref(), options, stream_handler(handler))
}
