//! TLS on the loop (feature `tls`), as asyncio's `ssl=` / `server_hostname=` behave.
//!
//! Each test makes a self-signed certificate for `localhost` at run time (rcgen). The
//! asyncio programs they mirror use `ssl.create_default_context` with that certificate.

use std::cell::Cell;
use std::io::ErrorKind;
use std::rc::Rc;
use std::sync::Arc;

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::server::ServerOptions;
use evloop::streams::{ConnectOptions, StreamReader, StreamWriter};
use evloop::streams::{open_connection_with, start_server_with};
use evloop::tls::{TlsConnector, rustls};

/// A server config for `localhost`, and a client config trusting only that certificate.
fn configs() -> (Arc<rustls::ServerConfig>, Arc<rustls::ClientConfig>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = made.cert.der().clone();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(made.signing_key.serialize_der());
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key.into())
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

/// An echo handler that counts the clients it served.
fn echo(
    served: Rc<Cell<usize>>,
) -> impl Fn(StreamReader, StreamWriter) -> std::pin::Pin<Box<dyn Future<Output = ()>>> {
    move |mut reader, writer| {
        served.set(served.get() + 1);
        Box::pin(async move {
            loop {
                let chunk = reader.read(Some(64 * 1024)).await.unwrap_or_default();
                if chunk.is_empty() {
                    break;
                }
                writer.write(&chunk);
                if writer.drain().await.is_err() {
                    break;
                }
            }
            writer.close();
        })
    }
}

/// A TLS echo server on a free port, and its count of clients served.
fn serve(config: Arc<rustls::ServerConfig>) -> (evloop::server::Server, Rc<Cell<usize>>) {
    let served = Rc::new(Cell::new(0));
    let options = ServerOptions::new().ssl(config);
    let server = start_server_with(echo(served.clone()), "127.0.0.1", 0, &options).unwrap();
    (server, served)
}

/// ```python
/// server = await asyncio.start_server(echo, '127.0.0.1', 0, ssl=server_ctx)
/// r, w = await asyncio.open_connection('127.0.0.1', port, ssl=client_ctx,
///                                      server_hostname='localhost')
/// w.write(payload); w.write_eof() ...  # 1 MiB comes back byte for byte
/// ```
#[test]
fn a_megabyte_echoes_back_over_tls() {
    let (server_config, client_config) = configs();
    evloop::run(async move {
        let (server, served) = serve(server_config);
        let port = server.local_addr().unwrap().port();
        let options = ConnectOptions::new()
            .ssl(client_config)
            .server_hostname("localhost");
        let (mut reader, writer) = open_connection_with("127.0.0.1", port, &options)
            .await
            .unwrap();
        let payload: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        writer.write(&payload);
        writer.drain().await.unwrap();
        let back = reader.readexactly(payload.len()).await.unwrap();
        assert!(back == payload, "the echo differs");
        writer.close();
        writer.wait_closed().await.unwrap();
        server.close();
        server.wait_closed().await;
        assert_eq!(served.get(), 1);
    })
    .unwrap();
}

/// An untrusted certificate fails `open_connection` (asyncio raises
/// `ssl.SSLCertVerificationError`), the handler never runs, and the server goes on serving.
#[test]
fn an_untrusted_certificate_fails_the_connection_and_the_server_goes_on() {
    let (server_config, client_config) = configs();
    evloop::run(async move {
        let (server, served) = serve(server_config);
        let port = server.local_addr().unwrap().port();

        let trusting_nothing = rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        let options = ConnectOptions::new().ssl(Arc::new(trusting_nothing));
        let err = open_connection_with("127.0.0.1", port, &options)
            .await
            .err()
            .expect("an untrusted certificate must fail");
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");

        // A name the certificate does not carry fails the same way.
        let options = ConnectOptions::new()
            .ssl(client_config.clone())
            .server_hostname("example.com");
        let err = open_connection_with("127.0.0.1", port, &options)
            .await
            .err()
            .expect("a wrong server_hostname must fail");
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");

        let options = ConnectOptions::new()
            .ssl(client_config)
            .server_hostname("localhost");
        let (mut reader, writer) = open_connection_with("127.0.0.1", port, &options)
            .await
            .unwrap();
        writer.write(b"still serving\n");
        assert_eq!(reader.readline().await.unwrap(), b"still serving\n");
        assert_eq!(
            served.get(),
            1,
            "only the good handshake reaches the handler"
        );
        server.close();
    })
    .unwrap();
}

/// A client speaking plain text never reaches the handler; its connection is closed.
#[test]
fn a_plain_text_client_is_dropped_before_the_handler() {
    let (server_config, _) = configs();
    evloop::run(async move {
        let (server, served) = serve(server_config);
        let addr = server.local_addr().unwrap();
        let mut plain = evloop::net::TcpStream::connect(addr).await.unwrap();
        plain.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut got = Vec::new();
        let _ = plain.read_to_end(&mut got).await;
        // Whatever the server answered (a TLS alert at most), it is not an echo.
        assert!(!got.starts_with(b"GET"), "{got:?}");
        assert_eq!(served.get(), 0);
        server.close();
    })
    .unwrap();
}

/// asyncio: `ValueError('server_hostname is only meaningful with ssl')`.
#[test]
fn server_hostname_without_ssl_is_an_input_error() {
    evloop::run(async {
        let options = ConnectOptions::new().server_hostname("localhost");
        let err = open_connection_with("127.0.0.1", 1, &options)
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            err.to_string(),
            "server_hostname is only meaningful with ssl"
        );
    })
    .unwrap();
}

/// The servers that do not speak TLS refuse `ssl` instead of serving in the clear.
#[test]
fn servers_without_tls_refuse_the_option() {
    struct Nothing;
    impl evloop::transport::Protocol for Nothing {
        fn data_received(&mut self, _: &[u8]) {}
    }
    let (server_config, _) = configs();
    evloop::run(async move {
        let options = ServerOptions::new().ssl(server_config);
        let err = evloop::transport::create_server_with(|| Nothing, "127.0.0.1", 0, &options)
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        #[cfg(unix)]
        {
            let path = std::env::temp_dir().join(format!("evloop-tls-{}", std::process::id()));
            let err = evloop::streams::start_unix_server_with(|_, _| async {}, &path, &options)
                .err()
                .unwrap();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
            assert!(!path.exists(), "nothing was bound");
        }
    })
    .unwrap();
}

/// The socket-level path: `TlsConnector` over an evloop `TcpStream`, which is a futures-io
/// stream, against the streams server.
#[test]
fn a_tls_connector_wraps_an_evloop_socket() {
    let (server_config, client_config) = configs();
    evloop::run(async move {
        let (server, _) = serve(server_config);
        let tcp = evloop::net::TcpStream::connect(server.local_addr().unwrap())
            .await
            .unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = TlsConnector::from(client_config)
            .connect(name, tcp)
            .await
            .unwrap();
        tls.write_all(b"ping").await.unwrap();
        let mut back = [0; 4];
        tls.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"ping");
        tls.close().await.unwrap();
        server.close();
    })
    .unwrap();
}

/// The transport API over TLS, as asyncio's
/// ```python
/// class Client(asyncio.Protocol):
///     def connection_made(self, t): self.t = t; t.write(payload)
///     def data_received(self, d):
///         self.got += d
///         if len(self.got) == len(payload): self.t.close()
///     def connection_lost(self, exc): done.set_result((self.got, exc))
/// await loop.create_connection(Client, '127.0.0.1', port, ssl=ctx, server_hostname='localhost')
/// ```
/// The echo comes back whole, `connection_lost(None)` follows the close, and the server's
/// reader sees a clean end of stream: the close sent TLS's `close_notify`.
#[test]
fn create_connection_with_ssl_echoes_and_closes_with_close_notify() {
    use evloop::transport::{Protocol, Transport, create_connection_with};

    struct Client {
        payload: Vec<u8>,
        got: Vec<u8>,
        t: Option<Transport>,
        done: evloop::Future<(Vec<u8>, bool)>,
    }
    impl Protocol for Client {
        fn connection_made(&mut self, t: &Transport) {
            t.write(&self.payload);
            self.t = Some(t.clone());
        }
        fn data_received(&mut self, data: &[u8]) {
            self.got.extend_from_slice(data);
            if self.got.len() == self.payload.len() {
                self.t.as_ref().unwrap().close();
            }
        }
        fn connection_lost(&mut self, exc: Option<std::io::Error>) {
            let _ = self
                .done
                .set_result((std::mem::take(&mut self.got), exc.is_none()));
        }
    }

    let (server_config, client_config) = configs();
    evloop::run(async move {
        // An echo whose reader records how the stream ended.
        let ended: Rc<std::cell::RefCell<Option<String>>> = Rc::default();
        let e = ended.clone();
        let handler = move |mut reader: StreamReader, writer: StreamWriter| {
            let e = e.clone();
            async move {
                let end = loop {
                    match reader.read(Some(64 * 1024)).await {
                        Ok(chunk) if chunk.is_empty() => break "clean end".to_string(),
                        Ok(chunk) => writer.write(&chunk),
                        Err(err) => break format!("error: {err}"),
                    }
                };
                *e.borrow_mut() = Some(end);
                writer.close();
            }
        };
        let options = ServerOptions::new().ssl(server_config);
        let server = start_server_with(handler, "127.0.0.1", 0, &options).unwrap();
        let port = server.local_addr().unwrap().port();

        let payload: Vec<u8> = (0..256 << 10).map(|i: u32| (i % 251) as u8).collect();
        let done = evloop::Future::new();
        let client = Client {
            payload: payload.clone(),
            got: Vec::new(),
            t: None,
            done: done.clone(),
        };
        let options = ConnectOptions::new()
            .ssl(client_config)
            .server_hostname("localhost");
        create_connection_with(move || client, "127.0.0.1", port, &options)
            .await
            .unwrap();
        let (got, clean) = done.await.unwrap();
        assert!(got == payload, "the echo differs");
        assert!(clean, "connection_lost got an error");
        for _ in 0..500 {
            if ended.borrow().is_some() {
                break;
            }
            evloop::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(ended.borrow().as_deref(), Some("clean end"));
        server.close();
        server.wait_closed().await;
    })
    .unwrap();
}
