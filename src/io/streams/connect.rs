//! `open_connection` with asyncio's keyword arguments: [`ConnectOptions`].

use std::io;
use std::rc::Rc;
#[cfg(feature = "tls")]
use std::sync::Arc;
use std::time::Duration;

use super::{Channel, StreamReader, StreamWriter};
#[cfg(feature = "tls")]
use crate::tls::rustls;

/// asyncio's keyword arguments of `open_connection` that evloop has:
/// `happy_eyeballs_delay` and `interleave`, and with feature `tls`, `ssl` and
/// `server_hostname`. Give it to [`open_connection_with`]; [`open_connection`] uses the
/// defaults (addresses tried one after the other, plain TCP).
///
/// [`open_connection`]: super::open_connection
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::streams::ConnectOptions;
///
/// let options = ConnectOptions::new().happy_eyeballs_delay(Duration::from_millis(250));
/// assert_eq!(options.delay(), Some(Duration::from_millis(250)));
/// assert_eq!(ConnectOptions::default().delay(), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    happy_eyeballs_delay: Option<Duration>,
    interleave: Option<usize>,
    #[cfg(feature = "tls")]
    ssl: Option<Arc<rustls::ClientConfig>>,
    #[cfg(feature = "tls")]
    server_hostname: Option<String>,
}

impl ConnectOptions {
    /// asyncio's defaults: each address in turn, plain TCP.
    pub fn new() -> ConnectOptions {
        ConnectOptions::default()
    }

    /// Happy eyeballs (asyncio `happy_eyeballs_delay`, RFC 8305's 250 ms recommended): when
    /// a host has several addresses, the next attempt starts if the one before has not
    /// connected within `delay`, and the first to connect wins. Without it, the next
    /// attempt starts only when the one before failed.
    pub fn happy_eyeballs_delay(mut self, delay: Duration) -> ConnectOptions {
        self.happy_eyeballs_delay = Some(delay);
        self
    }

    /// Reorders the addresses so that families alternate, `count` of the first family
    /// leading (asyncio `interleave`; 0 keeps the resolver's order). Default: 1 with a
    /// happy-eyeballs delay, else 0, as asyncio.
    pub fn interleave(mut self, count: usize) -> ConnectOptions {
        self.interleave = Some(count);
        self
    }

    /// The happy-eyeballs delay, if any.
    pub fn delay(&self) -> Option<Duration> {
        self.happy_eyeballs_delay
    }

    /// Speak TLS with this client configuration (asyncio `ssl=context`; feature `tls`).
    #[cfg(feature = "tls")]
    pub fn ssl(mut self, config: Arc<rustls::ClientConfig>) -> ConnectOptions {
        self.ssl = Some(config);
        self
    }

    /// The name the server's certificate must carry (asyncio `server_hostname`; feature
    /// `tls`); by default the host connected to.
    #[cfg(feature = "tls")]
    pub fn server_hostname(mut self, name: &str) -> ConnectOptions {
        self.server_hostname = Some(name.to_string());
        self
    }

    /// The name given to [`server_hostname`](Self::server_hostname), if any.
    #[cfg(feature = "tls")]
    pub fn hostname(&self) -> Option<&str> {
        self.server_hostname.as_deref()
    }
}

/// [`open_connection`](super::open_connection) with asyncio's keyword arguments: resolves
/// `host` off the loop's thread, connects (racing the addresses with a happy-eyeballs
/// delay), completes the TLS handshake when asked to, then gives the reader and writer.
///
/// # Errors
///
/// The resolver's error; the connection's (with several addresses, asyncio's combined
/// "Multiple exceptions: ..." unless all failed alike); with `tls`, `InvalidInput` for a
/// `server_hostname` that is not a DNS name or an IP address or is given without `ssl`
/// (asyncio's `ValueError`), and the handshake's error (an untrusted certificate:
/// `InvalidData`).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tls")] {
/// use std::sync::Arc;
/// use evloop::server::ServerOptions;
/// use evloop::streams::{ConnectOptions, open_connection_with, start_server_with};
/// # use evloop::tls::rustls;
/// # use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
/// # let der = CertificateDer::from_pem_slice(include_bytes!(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/tests/data/localhost.crt.pem"))).unwrap();
/// # let key = PrivateKeyDer::from_pem_slice(include_bytes!(concat!(
/// #     env!("CARGO_MANIFEST_DIR"), "/tests/data/localhost.key.pem"))).unwrap();
/// # let server_config = Arc::new(rustls::ServerConfig::builder().with_no_client_auth()
/// #     .with_single_cert(vec![der.clone()], key).unwrap());
/// # let mut roots = rustls::RootCertStore::empty();
/// # roots.add(der).unwrap();
/// # let client_config = Arc::new(rustls::ClientConfig::builder()
/// #     .with_root_certificates(roots).with_no_client_auth());
///
/// evloop::run(async move {
///     let echo = |mut reader: evloop::streams::StreamReader, writer: evloop::streams::StreamWriter| async move {
///         let line = reader.readline().await.unwrap();
///         writer.write(&line);
///         writer.close();
///     };
///     let options = ServerOptions::new().ssl(server_config);
///     let server = start_server_with(echo, "127.0.0.1", 0, &options).unwrap();
///     let port = server.local_addr().unwrap().port();
///
///     let options = ConnectOptions::new().ssl(client_config).server_hostname("localhost");
///     let (mut reader, writer) = open_connection_with("127.0.0.1", port, &options).await.unwrap();
///     writer.write(b"over TLS\n");
///     assert_eq!(reader.readline().await.unwrap(), b"over TLS\n");
///     writer.close();
///     server.close();
/// })
/// .unwrap();
/// # }
/// ```
pub async fn open_connection_with(
    host: &str,
    port: u16,
    options: &ConnectOptions,
) -> io::Result<(StreamReader, StreamWriter)> {
    let stream: Rc<dyn Channel> = match connect_with(host, port, options).await? {
        Connected::Plain(tcp) => Rc::new(tcp),
        #[cfg(feature = "tls")]
        Connected::Tls(tls) => Rc::new(*tls),
    };
    Ok((StreamReader::new(stream.clone()), StreamWriter::new(stream)))
}

/// A connection made with [`ConnectOptions`], before an API wraps it.
pub(crate) enum Connected {
    Plain(crate::net::TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<crate::tls::TlsChannel<crate::tls::client::TlsStream<crate::tls::SharedTcp>>>),
}

/// Connects to `host` and `port` as `options` say (the streams API and the transports share
/// it): an address in turn or with happy eyeballs, then the TLS handshake with `ssl`.
pub(crate) async fn connect_with(
    host: &str,
    port: u16,
    options: &ConnectOptions,
) -> io::Result<Connected> {
    #[cfg(feature = "tls")]
    if options.ssl.is_none() && options.server_hostname.is_some() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "server_hostname is only meaningful with ssl",
        ));
    }
    let tcp =
        crate::net::connect_host(host, port, options.happy_eyeballs_delay, options.interleave)
            .await?;
    #[cfg(feature = "tls")]
    if let Some(config) = options.ssl.clone() {
        let name = options.server_hostname.as_deref().unwrap_or(host);
        let tls = super::tls::handshake(tcp, config, name).await?;
        return Ok(Connected::Tls(Box::new(tls)));
    }
    Ok(Connected::Plain(tcp))
}
