//! The streams API over TLS (feature `tls`): asyncio's `ssl=` and `server_hostname=` on
//! `open_connection` ([`ConnectOptions`](super::ConnectOptions)) and `start_server`.
//!
//! The handshake happens before the caller (or the handler) gets the reader and writer, as
//! in asyncio: [`open_connection_with`](super::open_connection_with) fails with the handshake's error, and a server
//! drops a client whose handshake fails without calling the handler (asyncio logs such a
//! failure at debug level only, since it is an `OSError`). From then on the reader and
//! writer work as over plain TCP; the writer's `close` sends TLS's `close_notify` first.

use std::future::Future;
use std::io;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use super::{StreamReader, StreamWriter};
use crate::io::channel::Channel;
use crate::net::TcpStream;
use crate::server::Client;
use crate::tls::{SharedTcp, TlsAcceptor, TlsChannel, TlsConnector, client, rustls};

/// The client's handshake over a connected socket: the channel the streams API (or a
/// transport) reads and writes once it is done. `name` is the server name the certificate
/// must carry.
pub(crate) async fn handshake(
    tcp: TcpStream,
    config: Arc<rustls::ClientConfig>,
    name: &str,
) -> io::Result<TlsChannel<client::TlsStream<SharedTcp>>> {
    let name = rustls::pki_types::ServerName::try_from(name.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let tcp = Rc::new(tcp);
    let tls = TlsConnector::from(config)
        .connect(name, SharedTcp(tcp.clone()))
        .await?;
    Ok(TlsChannel::new(tls, &tcp))
}

/// The accept-loop callback of a TLS stream server: each connection's handshake runs in a
/// task of its own, then `handler` runs in that task with the reader and writer. The server
/// keeps the TCP socket, weakly, to close or abort it.
pub(crate) fn tls_stream_handler<F, Fut>(
    handler: F,
    config: Arc<rustls::ServerConfig>,
) -> impl FnMut(TcpStream) -> Weak<dyn Client>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let handler = Rc::new(handler);
    let acceptor = TlsAcceptor::from(config);
    move |tcp| {
        let tcp = Rc::new(tcp);
        let client: Weak<TcpStream> = Rc::downgrade(&tcp);
        let (handler, acceptor) = (handler.clone(), acceptor.clone());
        crate::spawn(async move {
            let Ok(tls) = acceptor.accept(SharedTcp(tcp.clone())).await else {
                return;
            };
            let stream: Rc<dyn Channel> = Rc::new(TlsChannel::new(tls, &tcp));
            drop(tcp);
            handler(StreamReader::new(stream.clone()), StreamWriter::new(stream)).await;
        });
        client
    }
}
