//! A server's hold on its connections (issue 25): `start_serving` (and a server made not
//! serving), `close_clients`, `abort_clients`, and `connect_accepted_socket`, each against
//! the asyncio program it mirrors.
#![cfg(feature = "net")]

use crate::util;

use std::io;
use std::time::Duration;

use evloop::server::ServerOptions;
use evloop::streams::{open_connection, start_server};
use evloop::transport::{Protocol, Transport, connect_accepted_socket, create_server_with};
use util::Trace;

/// Nothing here may take long: a hang fails the test instead.
const DEADLINE: Duration = Duration::from_secs(10);

/// What the server's protocol writes back to the first chunk.
const REPLY: usize = 600_000;

/// Logs each call; answers the first chunk with `REPLY` bytes.
struct P {
    trace: Trace,
    transport: Option<Transport>,
}

impl Protocol for P {
    fn connection_made(&mut self, t: &Transport) {
        self.trace.log("server made");
        self.transport = Some(t.clone());
    }
    fn data_received(&mut self, data: &[u8]) {
        self.trace
            .log(format!("server data {}", String::from_utf8_lossy(data)));
        self.transport.as_ref().unwrap().write(&vec![b'x'; REPLY]);
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace
            .log(format!("server lost {:?}", exc.map(|e| e.kind())));
    }
}

/// Mirrors:
///
/// ```python
/// for how in ["close_clients", "abort_clients"]:
///     server = await loop.create_server(P, "127.0.0.1", 0, start_serving=False)
///     print("is_serving", server.is_serving())
///     await server.start_serving()
///     print("is_serving", server.is_serving())
///     r, w = await asyncio.open_connection("127.0.0.1", port)
///     w.write(b"hi"); await w.drain()
///     await asyncio.sleep(0.05)
///     server.close()
///     getattr(server, how)()
///     data = await r.read()
///     print(how, "client read", len(data))
/// ```
///
/// (Python 3.13) which prints, each time, `is_serving False`, `is_serving True`,
/// `server made`, `server data b'hi'`, `server lost None`, then `close_clients client read
/// 600000` (the buffer is sent before the close) or, for `abort_clients`, what the socket
/// took before the abort (all of it on a fast machine; the buffer is dropped).
#[test]
fn start_serving_close_clients_and_abort_clients_as_asyncio() {
    for how in ["close_clients", "abort_clients"] {
        let trace = Trace::new();
        let tr = trace.clone();
        let read = evloop::run(async move {
            let options = ServerOptions::new().start_serving(false);
            let t = tr.clone();
            let server = create_server_with(
                move || P {
                    trace: t.clone(),
                    transport: None,
                },
                "127.0.0.1",
                0,
                &options,
            )
            .unwrap();
            tr.log(format!("is_serving {}", server.is_serving()));
            server.start_serving();
            tr.log(format!("is_serving {}", server.is_serving()));
            let port = server.local_addr().unwrap().port();
            let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
            w.write(b"hi");
            w.drain().await.unwrap();
            evloop::sleep(Duration::from_millis(50)).await;
            server.close();
            match how {
                "close_clients" => server.close_clients(),
                _ => server.abort_clients(),
            }
            let data = evloop::wait_for(r.read(None), DEADLINE).await.unwrap();
            // The server's `connection_lost` has run by the time the client saw the end.
            evloop::sleep(Duration::from_millis(10)).await;
            data.map_or(0, |d| d.len())
        })
        .unwrap();
        trace.assert(&[
            "is_serving false",
            "is_serving true",
            "server made",
            "server data hi",
            "server lost None",
        ]);
        match how {
            "close_clients" => assert_eq!(read, REPLY),
            _ => assert!(read <= REPLY),
        }
    }
}

/// A stream server's `close_clients` ends its handlers' reads, and the server goes on
/// serving. Mirrors:
///
/// ```python
/// async def handle(r, w):
///     print("handler read", await r.read())
///     got.set_result(None)
/// server = await asyncio.start_server(handle, "127.0.0.1", 0)
/// r, w = await asyncio.open_connection("127.0.0.1", port)
/// await asyncio.sleep(0.05)
/// server.close_clients()
/// await got
/// print("client read", await r.read())
/// print("is_serving", server.is_serving())
/// ```
///
/// which prints `handler read b''`, `client read b''`, `is_serving True`.
#[test]
fn close_clients_ends_a_stream_handlers_read_as_asyncio() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let got = evloop::Future::new();
        let (t, g) = (tr.clone(), got.clone());
        let server = start_server(
            move |mut r, _w| {
                let (t, g) = (t.clone(), g.clone());
                async move {
                    let data = r.read(None).await.unwrap();
                    t.log(format!(
                        "handler read {:?}",
                        String::from_utf8(data).unwrap()
                    ));
                    g.set_result(()).unwrap();
                }
            },
            "127.0.0.1",
            0,
        )
        .unwrap();
        let port = server.local_addr().unwrap().port();
        let (mut r, _w) = open_connection("127.0.0.1", port).await.unwrap();
        evloop::sleep(Duration::from_millis(50)).await;
        server.close_clients();
        evloop::wait_for(got, DEADLINE).await.unwrap().unwrap();
        let data = evloop::wait_for(r.read(None), DEADLINE)
            .await
            .unwrap()
            .unwrap();
        tr.log(format!(
            "client read {:?}",
            String::from_utf8(data).unwrap()
        ));
        tr.log(format!("is_serving {}", server.is_serving()));
        server.close();
    })
    .unwrap();
    trace.assert(&["handler read \"\"", "client read \"\"", "is_serving true"]);
}

/// Echoes one chunk and closes; logs each call.
struct Echo {
    trace: Trace,
    transport: Option<Transport>,
    lost: evloop::Future<()>,
}

impl Protocol for Echo {
    fn connection_made(&mut self, t: &Transport) {
        self.trace.log("made");
        self.transport = Some(t.clone());
    }
    fn data_received(&mut self, data: &[u8]) {
        self.trace
            .log(format!("data {}", String::from_utf8_lossy(data)));
        let t = self.transport.as_ref().unwrap();
        t.write(data);
        t.close();
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace.log(format!("lost {:?}", exc.map(|e| e.kind())));
        self.lost.set_result(()).unwrap();
    }
}

/// A socket accepted outside the loop, adopted as a transport. Mirrors:
///
/// ```python
/// listener = socket.create_server(("127.0.0.1", 0))
/// client = socket.create_connection(listener.getsockname())
/// accepted, _ = listener.accept()
/// async def main():
///     t, p = await loop.connect_accepted_socket(Echo, accepted)
///     await loop.sock_sendall(client, b"ping")  # client made non-blocking
///     await lost
/// print(client.recv(100))
/// ```
///
/// which prints `made`, `data b'ping'`, `lost None`, `b'ping'`; the same over a Unix socket
/// pair.
#[test]
fn connect_accepted_socket_adopts_a_socket_made_elsewhere_as_asyncio() {
    use std::io::{Read, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    #[cfg(unix)]
    let (mut unix_client, unix_accepted) = std::os::unix::net::UnixStream::pair().unwrap();
    let trace = Trace::new();
    let tr = trace.clone();
    client.write_all(b"ping").unwrap();
    #[cfg(unix)]
    unix_client.write_all(b"ping").unwrap();
    evloop::run(async move {
        let lost = evloop::Future::new();
        let p = Echo {
            trace: tr.clone(),
            transport: None,
            lost: lost.clone(),
        };
        let t = connect_accepted_socket(move || p, accepted).unwrap();
        assert!(t.peer_addr().is_some());
        evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
        #[cfg(unix)]
        {
            let lost = evloop::Future::new();
            let p = Echo {
                trace: tr.clone(),
                transport: None,
                lost: lost.clone(),
            };
            connect_accepted_socket(move || p, unix_accepted).unwrap();
            evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
        }
    })
    .unwrap();
    let mut back = Vec::new();
    client.read_to_end(&mut back).unwrap();
    assert_eq!(back, b"ping");
    let mut want = vec!["made", "data ping", "lost None"];
    #[cfg(unix)]
    {
        let mut back = Vec::new();
        unix_client.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"ping");
        want.extend(["made", "data ping", "lost None"]);
    }
    trace.assert(&want);
}
