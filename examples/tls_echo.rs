//! The echo server and client of `echo_streams`, over TLS (feature `tls`): asyncio's
//! `ssl=` on `start_server` and `ssl=`/`server_hostname=` on `open_connection`.
//!
//! ```python
//! server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
//! server_ctx.load_cert_chain("cert.pem", "key.pem")
//! server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888, ssl=server_ctx)
//!
//! client_ctx = ssl.create_default_context(cafile="cert.pem")
//! reader, writer = await asyncio.open_connection(
//!     '127.0.0.1', 8888, ssl=client_ctx, server_hostname='localhost')
//! ```
//!
//! As in the Python, the certificate and key are files: `tests/data/localhost.crt.pem` and
//! `localhost.key.pem`, self-signed for `localhost` (made once with rcgen, valid until 4096;
//! for tests and examples only), and the client trusts exactly that certificate.
//!
//! Run: `cargo run --example tls_echo --features tls`

use std::sync::Arc;

use evloop::server::ServerOptions;
use evloop::streams::{ConnectOptions, StreamReader, StreamWriter};
use evloop::streams::{open_connection_with, start_server_with};
use evloop::tls::rustls;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

async fn handle_echo(mut reader: StreamReader, writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break; // the client closed its side (after TLS's close_notify)
        }
        println!(
            "server: echoing {:?}",
            String::from_utf8_lossy(&line).trim_end()
        );
        writer.write(&line);
        if writer.drain().await.is_err() {
            break;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

/// A server configuration with the certificate for `localhost`, and a client configuration
/// that trusts that certificate only (`load_cert_chain` and `cafile=` in the Python).
fn configs() -> Result<(rustls::ServerConfig, rustls::ClientConfig), Box<dyn std::error::Error>> {
    let cert = CertificateDer::from_pem_slice(include_bytes!("../tests/data/localhost.crt.pem"))?;
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../tests/data/localhost.key.pem"))?;
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert)?;
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((server, client))
}

async fn main_(
    server_config: rustls::ServerConfig,
    client_config: rustls::ClientConfig,
) -> std::io::Result<()> {
    let options = ServerOptions::new().ssl(Arc::new(server_config));
    let server = start_server_with(handle_echo, "127.0.0.1", 0, &options)?;
    let port = server.local_addr()?.port();

    let options = ConnectOptions::new()
        .ssl(Arc::new(client_config))
        .server_hostname("localhost");
    let (mut reader, writer) = open_connection_with("127.0.0.1", port, &options).await?;
    for message in ["hello", "world", "bye"] {
        writer.write(format!("{message}\n").as_bytes());
        writer.drain().await?;
        let reply = reader.readline().await.map_err(std::io::Error::other)?;
        println!(
            "client: got {:?}",
            String::from_utf8_lossy(&reply).trim_end()
        );
    }
    writer.close();
    writer.wait_closed().await?;

    server.close();
    server.wait_closed().await;
    println!("server closed");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (server, client) = configs()?;
    evloop::run(main_(server, client))??;
    Ok(())
}
