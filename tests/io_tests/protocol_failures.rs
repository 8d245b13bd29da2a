//! A protocol method that panics is reported in asyncio's words (issue 25): a fatal error of
//! the connection for the reads, an "Exception in callback" for the methods asyncio
//! schedules as callbacks.
#![cfg(feature = "net")]

use crate::util;

use std::io;
use std::time::Duration;

use evloop::EventLoop;
use evloop::streams::open_connection;
use evloop::transport::{Protocol, Transport, create_server};
use util::Trace;

/// Nothing here may take long: a hang fails the test instead.
const DEADLINE: Duration = Duration::from_secs(10);

/// Logs each call; panics in the one named `at`.
struct P {
    at: &'static str,
    trace: Trace,
    done: evloop::Future<()>,
}

impl P {
    fn maybe(&self, here: &str) {
        if self.at == here {
            panic!("injected")
        }
    }
}

impl Protocol for P {
    fn connection_made(&mut self, _: &Transport) {
        self.trace.log("made");
        self.maybe("connection_made");
    }
    fn data_received(&mut self, data: &[u8]) {
        self.trace
            .log(format!("data {}", String::from_utf8_lossy(data)));
        self.maybe("data_received");
    }
    fn eof_received(&mut self) -> bool {
        self.trace.log("eof");
        self.maybe("eof_received");
        false
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace.log(format!(
            "lost {}",
            exc.map_or("None".to_string(), |e| e.to_string())
        ));
        let _ = self.done.set_result(());
        self.maybe("connection_lost");
    }
}

/// The type's last path segment (asyncio shows the class's qualified name).
fn short(message: &str) -> String {
    match message.split_once("callback ") {
        Some((head, name)) => format!("{head}callback {}", name.rsplit("::").next().unwrap()),
        None => message.to_string(),
    }
}

/// Mirrors:
///
/// ```python
/// def handler(loop, ctx):
///     print("handler:", ctx["message"], "|", sorted(k for k in ctx if k != "message"))
/// loop.set_exception_handler(handler)
/// for at in ["connection_made", "data_received", "eof_received", "connection_lost"]:
///     class P(asyncio.Protocol): ...  # prints each call, raises in `at`
///     server = await loop.create_server(P, "127.0.0.1", 0)
///     r, w = await asyncio.open_connection("127.0.0.1", port)
///     w.write(b"ping"); await w.drain(); w.write_eof()
///     print("client read", await r.read())
///     await done  # P.connection_lost ran
/// ```
///
/// which prints, per method:
/// - `made`, `handler: Exception in callback P.connection_made() | ['exception', 'handle']`,
///   `data b'ping'`, `eof`, `lost None`;
/// - `made`, `data b'ping'`, `handler: Fatal error: protocol.data_received() call failed. |
///   ['exception', 'protocol', 'transport']`, `lost RuntimeError('injected')`;
/// - `made`, `data b'ping'`, `eof`, `handler: Fatal error: protocol.eof_received() call
///   failed. | [...]`, `lost RuntimeError('injected')`;
/// - `made`, `data b'ping'`, `eof`, `lost None`, `handler: Exception in callback
///   _SelectorSocketTransport._call_connection_lost() | ['exception', 'handle']`;
///
/// and `client read b''` each time.
#[test]
fn a_panicking_protocol_method_is_reported_as_asyncio() {
    let cases: [(&str, &[&str]); 4] = [
        (
            "connection_made",
            &[
                "made",
                "handler: Exception in callback P.connection_made() | handle",
                "data ping",
                "eof",
                "lost None",
            ],
        ),
        (
            "data_received",
            &[
                "made",
                "data ping",
                "handler: Fatal error: protocol.data_received() call failed. | protocol transport",
                "lost injected",
            ],
        ),
        (
            "eof_received",
            &[
                "made",
                "data ping",
                "eof",
                "handler: Fatal error: protocol.eof_received() call failed. | protocol transport",
                "lost injected",
            ],
        ),
        (
            "connection_lost",
            &[
                "made",
                "data ping",
                "eof",
                "lost None",
                "handler: Exception in callback P.connection_lost() | handle",
            ],
        ),
    ];
    for (at, want) in cases {
        let trace = Trace::new();
        let ev = EventLoop::new().unwrap();
        let t = trace.clone();
        ev.set_exception_handler(move |ctx| {
            let mut keys = Vec::new();
            if ctx.handle.is_some() {
                keys.push("handle");
            }
            if ctx.protocol.is_some() {
                keys.push("protocol");
            }
            if ctx.transport.is_some() {
                keys.push("transport");
            }
            assert_eq!(ctx.error.as_deref(), Some("injected"));
            t.log(format!(
                "handler: {} | {}",
                short(&ctx.message),
                keys.join(" ")
            ));
        });
        let tr = trace.clone();
        let client_read = ev
            .run_until_complete(async move {
                let done = evloop::Future::new();
                let d = done.clone();
                let server = create_server(
                    move || P {
                        at,
                        trace: tr.clone(),
                        done: d.clone(),
                    },
                    "127.0.0.1",
                    0,
                )
                .unwrap();
                let port = server.local_addr().unwrap().port();
                let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
                w.write(b"ping");
                w.drain().await.unwrap();
                w.write_eof().await.unwrap();
                let got = evloop::wait_for(r.read(None), DEADLINE)
                    .await
                    .unwrap()
                    .unwrap();
                evloop::wait_for(done, DEADLINE).await.unwrap().unwrap();
                server.close();
                got
            })
            .unwrap();
        assert_eq!(client_read, b"", "{at}");
        assert_eq!(trace.events(), want, "{at}");
    }
}
