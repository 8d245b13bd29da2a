//! Transports over pipes (issue 25): `connect_read_pipe` and `connect_write_pipe`, against
//! the asyncio program they mirror.
#![cfg(all(feature = "net", unix))]

use crate::util;

use std::io;
use std::time::Duration;

use evloop::transport::{Protocol, Transport, connect_read_pipe, connect_write_pipe};
use util::Trace;

/// Nothing here may take long: a hang fails the test instead.
const DEADLINE: Duration = Duration::from_secs(10);

/// Logs each callback under `who`; `connection_lost` completes `lost`.
struct Logged {
    who: &'static str,
    trace: Trace,
    lost: evloop::Future<()>,
}

impl Logged {
    fn new(who: &'static str, trace: &Trace) -> Logged {
        Logged {
            who,
            trace: trace.clone(),
            lost: evloop::Future::new(),
        }
    }
}

impl Protocol for Logged {
    fn connection_made(&mut self, _: &Transport) {
        self.trace.log(format!("{} made", self.who));
    }
    fn data_received(&mut self, data: &[u8]) {
        self.trace.log(format!(
            "{} data {}",
            self.who,
            String::from_utf8_lossy(data)
        ));
    }
    fn eof_received(&mut self) -> bool {
        self.trace.log(format!("{} eof", self.who));
        // asyncio's read pipe closes whatever this returns.
        true
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace
            .log(format!("{} lost {:?}", self.who, exc.map(|e| e.kind())));
        self.lost.set_result(()).unwrap();
    }
}

/// A read pipe and a write pipe over one `pipe()`. Mirrors:
///
/// ```python
/// rfd, wfd = os.pipe()
/// rt, _ = await loop.connect_read_pipe(R, os.fdopen(rfd, "rb"))
/// wt, _ = await loop.connect_write_pipe(W, os.fdopen(wfd, "wb"))
/// print("can_write_eof", wt.can_write_eof())
/// wt.write(b"abc")
/// print("buffer", wt.get_write_buffer_size())
/// wt.write_eof()
/// await done  # R.connection_lost
/// ```
///
/// with protocols that print each call; it prints `read made`, `write made`,
/// `can_write_eof True`, `buffer 0`, `write lost None`, `read data b'abc'`, `read eof`,
/// `read lost None`.
#[test]
fn a_read_pipe_and_a_write_pipe_as_asyncio() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let (reader, writer) = std::io::pipe().unwrap();
        let r = Logged::new("read", &tr);
        let done = r.lost.clone();
        let rt = connect_read_pipe(move || r, reader).unwrap();
        // asyncio's `await connect_read_pipe` returns once `connection_made` ran; evloop's
        // driver makes that call in its first step.
        evloop::yield_now().await;
        let w = Logged::new("write", &tr);
        let wt = connect_write_pipe(move || w, writer).unwrap();
        evloop::yield_now().await;
        tr.log(format!("can_write_eof {}", wt.can_write_eof()));
        assert!(!rt.can_write_eof(), "a read pipe cannot be written");
        wt.write(b"abc");
        tr.log(format!("buffer {}", wt.get_write_buffer_size()));
        wt.write_eof();
        evloop::wait_for(done, DEADLINE).await.unwrap().unwrap();
    })
    .unwrap();
    trace.assert(&[
        "read made",
        "write made",
        "can_write_eof true",
        "buffer 0",
        "write lost None",
        "read data abc",
        "read eof",
        "read lost None",
    ]);
}

/// The reader closes its end: the write pipe's protocol is told, with nothing written.
/// Mirrors:
///
/// ```python
/// rfd, wfd = os.pipe()
/// wt, _ = await loop.connect_write_pipe(W2, os.fdopen(wfd, "wb"))
/// os.close(rfd)
/// await lost
/// ```
///
/// which prints `write2 lost None`.
#[test]
fn a_write_pipe_notices_its_reader_closing() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let (reader, writer) = std::io::pipe().unwrap();
        let w = Logged::new("write2", &tr);
        let lost = w.lost.clone();
        let _wt = connect_write_pipe(move || w, writer).unwrap();
        evloop::yield_now().await;
        drop(reader);
        evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
    })
    .unwrap();
    trace.assert(&["write2 made", "write2 lost None"]);
}

/// A child's stdout is a read pipe like any other (asyncio: `connect_read_pipe(P,
/// proc.stdout)`).
#[test]
fn a_childs_stdout_is_a_read_pipe() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let mut child = std::process::Command::new("echo")
            .arg("hi")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let r = Logged::new("out", &tr);
        let lost = r.lost.clone();
        connect_read_pipe(move || r, child.stdout.take().unwrap()).unwrap();
        evloop::wait_for(lost, DEADLINE).await.unwrap().unwrap();
        child.wait().unwrap();
    })
    .unwrap();
    trace.assert(&["out made", "out data hi\n", "out eof", "out lost None"]);
}
