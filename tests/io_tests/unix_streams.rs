//! Streams and transports over Unix-domain sockets (issue 25): `start_unix_server`,
//! `open_unix_connection`, `create_unix_server`, `create_unix_connection`, each against the
//! asyncio program it mirrors.
#![cfg(all(feature = "net", unix))]

use crate::util;

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use evloop::streams::{open_unix_connection, start_unix_server};
use evloop::transport::{Protocol, Transport, create_unix_connection, create_unix_server};
use util::Trace;

/// Nothing here may take long: a hang fails the test instead.
const DEADLINE: Duration = Duration::from_secs(10);

/// A fresh socket path for test `name`.
fn sock_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("evloop-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.sock");
    let _ = std::fs::remove_file(&path);
    path
}

/// The streams API over a Unix socket. Mirrors:
///
/// ```python
/// async def main():
///     async def handle(r, w):
///         line = await r.readline()
///         print("server got", line)
///         w.write(line.upper()); await w.drain(); w.close()
///     server = await asyncio.start_unix_server(handle, path)
///     r, w = await asyncio.open_unix_connection(path)
///     w.write(b"hello\n")
///     print("client got", await r.read())
///     w.close(); server.close(); await server.wait_closed()
/// ```
///
/// which prints `server got b'hello\n'`, `client got b'HELLO\n'`.
#[test]
fn start_unix_server_and_open_unix_connection_as_asyncio() {
    let path = sock_path("unix-streams");
    let trace = Trace::new();
    let (tr, p) = (trace.clone(), path.clone());
    evloop::run(async move {
        let t = tr.clone();
        let server = start_unix_server(
            move |mut r, w| {
                let t = t.clone();
                async move {
                    let line = r.readline().await.unwrap();
                    t.log(format!(
                        "server got {:?}",
                        String::from_utf8(line.clone()).unwrap()
                    ));
                    w.write(&line.to_ascii_uppercase());
                    w.drain().await.unwrap();
                    w.close();
                }
            },
            &p,
        )
        .unwrap();
        assert_eq!(server.path(), Some(p.as_path()));
        let (mut r, w) = open_unix_connection(&p).await.unwrap();
        w.write(b"hello\n");
        let got = evloop::wait_for(r.read(None), DEADLINE)
            .await
            .unwrap()
            .unwrap();
        tr.log(format!("client got {:?}", String::from_utf8(got).unwrap()));
        w.close();
        server.close();
        evloop::wait_for(server.wait_closed(), DEADLINE)
            .await
            .unwrap();
    })
    .unwrap();
    trace.assert(&["server got \"hello\\n\"", "client got \"HELLO\\n\""]);
    std::fs::remove_file(&path).unwrap();
}

/// Logs each callback under `who`.
struct Logged {
    who: &'static str,
    trace: Trace,
    transport: Option<Transport>,
    /// Echo the first chunk, then close (the server's part).
    echo: bool,
    lost: Option<evloop::Future<()>>,
}

impl Protocol for Logged {
    fn connection_made(&mut self, t: &Transport) {
        self.trace.log(format!("{} made", self.who));
        self.transport = Some(t.clone());
    }
    fn data_received(&mut self, data: &[u8]) {
        self.trace.log(format!(
            "{} data {}",
            self.who,
            String::from_utf8_lossy(data)
        ));
        if self.echo {
            let t = self.transport.as_ref().unwrap();
            t.write(data);
            t.close();
        }
    }
    fn eof_received(&mut self) -> bool {
        self.trace.log(format!("{} eof", self.who));
        false
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace
            .log(format!("{} lost {:?}", self.who, exc.map(|e| e.kind())));
        if let Some(l) = &self.lost {
            l.set_result(()).unwrap();
        }
    }
}

/// Transports over a Unix socket. Mirrors:
///
/// ```python
/// class Echo(asyncio.Protocol):
///     def connection_made(self, t): print("server made"); self.t = t
///     def data_received(self, d): print("server data", d); self.t.write(d); self.t.close()
///     def connection_lost(self, exc): print("server lost", exc)
/// class Client(asyncio.Protocol):
///     def connection_made(self, t): print("client made")
///     def data_received(self, d): print("client data", d)
///     def eof_received(self): print("client eof")
///     def connection_lost(self, exc): print("client lost", exc); lost.set_result(None)
/// server = await loop.create_unix_server(Echo, path)
/// t, p = await loop.create_unix_connection(Client, path)
/// t.write(b"ping")
/// await lost
/// ```
///
/// which prints, for each side in its order, `server made`, `server data b'ping'`,
/// `server lost None` and `client made`, `client data b'ping'`, `client eof`,
/// `client lost None`. (Which side's `connection_made` comes first is a matter of task
/// order, in asyncio as here, so each side has its own trace.)
#[test]
fn create_unix_server_and_create_unix_connection_as_asyncio() {
    let path = sock_path("unix-transports");
    let (server_trace, client_trace) = (Trace::new(), Trace::new());
    let (st, ct, p) = (server_trace.clone(), client_trace.clone(), path.clone());
    evloop::run(async move {
        let server = create_unix_server(
            move || Logged {
                who: "server",
                trace: st.clone(),
                transport: None,
                echo: true,
                lost: None,
            },
            &p,
        )
        .unwrap();
        let lost = evloop::Future::new();
        let client = Logged {
            who: "client",
            trace: ct.clone(),
            transport: None,
            echo: false,
            lost: Some(lost.clone()),
        };
        let t = create_unix_connection(move || client, &p).await.unwrap();
        assert_eq!(t.peer_addr(), None, "a Unix socket has no IP address");
        assert!(t.can_write_eof());
        t.write(b"ping");
        evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
        server.close();
    })
    .unwrap();
    server_trace.assert(&["server made", "server data ping", "server lost None"]);
    client_trace.assert(&[
        "client made",
        "client data ping",
        "client eof",
        "client lost None",
    ]);
    std::fs::remove_file(&path).unwrap();
}
