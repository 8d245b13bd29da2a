//! `BufferedProtocol` (issue 25): the driver reads straight into the protocol's buffer,
//! and a failing `get_buffer` is a fatal error of the connection, as in asyncio.
#![cfg(feature = "net")]

use crate::util;

use std::io;
use std::time::Duration;

use evloop::EventLoop;
use evloop::streams::start_server;
use evloop::transport::{BufferedProtocol, Transport, create_connection};
use util::Trace;

/// Nothing here may take long: a hang fails the test instead.
const DEADLINE: Duration = Duration::from_secs(10);

/// Python's spelling of a size hint: `-1` for "any size".
fn hint(h: Option<usize>) -> String {
    h.map_or("-1".to_string(), |n| n.to_string())
}

/// Reads into a 4-byte buffer and logs each call.
struct Small {
    trace: Trace,
    buf: [u8; 4],
    lost: evloop::Future<()>,
}

impl BufferedProtocol for Small {
    fn connection_made(&mut self, _: &Transport) {
        self.trace.log("made");
    }
    fn get_buffer(&mut self, sizehint: Option<usize>) -> &mut [u8] {
        self.trace.log(format!("get_buffer {}", hint(sizehint)));
        &mut self.buf
    }
    fn buffer_updated(&mut self, n: usize) {
        self.trace.log(format!(
            "buffer_updated {n} {}",
            String::from_utf8_lossy(&self.buf[..n])
        ));
    }
    fn eof_received(&mut self) -> bool {
        self.trace.log("eof");
        false
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace.log(format!("lost {:?}", exc.map(|e| e.kind())));
        self.lost.set_result(()).unwrap();
    }
}

/// A server that writes `abcdefgh` and closes.
fn abcdefgh_server() -> evloop::server::Server {
    start_server(
        |_r, w| async move {
            w.write(b"abcdefgh");
            w.drain().await.unwrap();
            w.close();
        },
        "127.0.0.1",
        0,
    )
    .unwrap()
}

/// Eight bytes through a four-byte buffer. Mirrors:
///
/// ```python
/// class Small(asyncio.BufferedProtocol):
///     def __init__(self): self.buf = bytearray(4)
///     def connection_made(self, t): print("made")
///     def get_buffer(self, sizehint): print("get_buffer", sizehint); return self.buf
///     def buffer_updated(self, n): print("buffer_updated", n, bytes(self.buf[:n]))
///     def eof_received(self): print("eof"); return False
///     def connection_lost(self, exc): print("lost", exc); lost.set_result(None)
/// async def handle(r, w):
///     w.write(b"abcdefgh"); await w.drain(); w.close()
/// server = await asyncio.start_server(handle, "127.0.0.1", 0)
/// t, p = await loop.create_connection(Small, "127.0.0.1", port)
/// await lost
/// ```
///
/// which prints `made`, `get_buffer -1`, `buffer_updated 4 b'abcd'`, `get_buffer -1`,
/// `buffer_updated 4 b'efgh'`, `get_buffer -1`, `eof`, `lost None`: the last `get_buffer`
/// is for the read that finds the end.
#[test]
fn reads_go_straight_into_the_protocols_buffer_as_asyncio() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let server = abcdefgh_server();
        let port = server.local_addr().unwrap().port();
        let lost = evloop::Future::new();
        let p = Small {
            trace: tr.clone(),
            buf: [0; 4],
            lost: lost.clone(),
        };
        create_connection(move || p, "127.0.0.1", port)
            .await
            .unwrap();
        evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
        server.close();
    })
    .unwrap();
    trace.assert(&[
        "made",
        "get_buffer -1",
        "buffer_updated 4 abcd",
        "get_buffer -1",
        "buffer_updated 4 efgh",
        "get_buffer -1",
        "eof",
        "lost None",
    ]);
}

/// Panics in `get_buffer`, or lends an empty buffer.
struct Bad {
    trace: Trace,
    empty: bool,
    lost: evloop::Future<()>,
}

impl BufferedProtocol for Bad {
    fn get_buffer(&mut self, _: Option<usize>) -> &mut [u8] {
        if self.empty {
            return &mut [];
        }
        panic!("injected")
    }
    fn buffer_updated(&mut self, _: usize) {
        self.trace.log("never");
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace.log(format!(
            "lost {}",
            exc.map(|e| e.to_string()).unwrap_or_default()
        ));
        self.lost.set_result(()).unwrap();
    }
}

/// A failing `get_buffer` is a fatal error of the connection. Mirrors:
///
/// ```python
/// def handler(loop, ctx):
///     print("handler:", ctx["message"], "transport" in ctx, "protocol" in ctx)
/// loop.set_exception_handler(handler)
/// class Bad(asyncio.BufferedProtocol):
///     def get_buffer(self, sizehint): raise RuntimeError("injected")
///     def buffer_updated(self, n): print("never")
///     def connection_lost(self, exc): print("lost", repr(exc)); lost2.set_result(None)
/// t, p = await loop.create_connection(Bad, "127.0.0.1", port)
/// await lost2
/// ```
///
/// which prints `handler: Fatal error: protocol.get_buffer() call failed. True True`, then
/// `lost RuntimeError('injected')`. An empty buffer is the same error, with asyncio's
/// `RuntimeError('get_buffer() returned an empty buffer')`.
#[test]
fn a_failing_get_buffer_is_a_fatal_error_as_asyncio() {
    for (empty, why) in [
        (false, "injected"),
        (true, "get_buffer() returned an empty buffer"),
    ] {
        let trace = Trace::new();
        let ev = EventLoop::new().unwrap();
        let t = trace.clone();
        ev.set_exception_handler(move |ctx| {
            t.log(format!(
                "handler: {} {} {}",
                ctx.message,
                ctx.transport.is_some(),
                ctx.protocol.is_some()
            ))
        });
        let tr = trace.clone();
        ev.run_until_complete(async move {
            let server = abcdefgh_server();
            let port = server.local_addr().unwrap().port();
            let lost = evloop::Future::new();
            let p = Bad {
                trace: tr.clone(),
                empty,
                lost: lost.clone(),
            };
            create_connection(move || p, "127.0.0.1", port)
                .await
                .unwrap();
            evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
            server.close();
        })
        .unwrap();
        trace.assert(&[
            "handler: Fatal error: protocol.get_buffer() call failed. true true",
            &format!("lost {why}"),
        ]);
    }
}
