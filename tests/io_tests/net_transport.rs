//! Transports and protocols (asyncio-semantics.md §20.1-2): callback order, half-close,
//! write flow control, paused reading, abort, faults, and a panicking protocol.
#![cfg(feature = "net")]

use crate::util;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream};
use evloop::transport::{Protocol, Transport, create_connection, create_server};
use util::Trace;

/// A protocol that logs every callback and can be scripted.
struct Recorder {
    trace: Trace,
    transport: Rc<RefCell<Option<Transport>>>,
    /// What `eof_received` returns.
    keep_open: bool,
    /// Written back on EOF (with `keep_open`), then the transport closes.
    reply_at_eof: &'static [u8],
    /// Set when `connection_lost` runs.
    lost: evloop::Future<()>,
}

impl Recorder {
    fn new(trace: &Trace) -> Recorder {
        Recorder {
            trace: trace.clone(),
            transport: Rc::default(),
            keep_open: false,
            reply_at_eof: b"",
            lost: evloop::Future::new(),
        }
    }
}

impl Protocol for Recorder {
    fn connection_made(&mut self, t: &Transport) {
        self.trace.log("made");
        *self.transport.borrow_mut() = Some(t.clone());
    }
    fn data_received(&mut self, data: &[u8]) {
        self.trace
            .log(format!("data {}", String::from_utf8_lossy(data)));
    }
    fn eof_received(&mut self) -> bool {
        self.trace.log("eof");
        if self.keep_open {
            let t = self.transport.borrow().clone().unwrap();
            t.write(self.reply_at_eof);
            t.close();
        }
        self.keep_open
    }
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        self.trace.log(format!("lost {:?}", exc.map(|e| e.kind())));
        let _ = self.lost.set_result(());
    }
    fn pause_writing(&mut self) {
        self.trace.log("pause");
    }
    fn resume_writing(&mut self) {
        self.trace.log("resume");
    }
}

/// A server whose one connection is a `Recorder` built by `make`; gives its port and the
/// future `connection_lost` completes.
fn recorder_server(
    trace: &Trace,
    make: impl Fn(Recorder) -> Recorder + 'static,
) -> (evloop::server::Server, u16, evloop::Future<()>) {
    let lost = evloop::Future::new();
    let (t, l) = (trace.clone(), lost.clone());
    let server = create_server(
        move || {
            let mut r = make(Recorder::new(&t));
            r.lost = l.clone();
            r
        },
        "127.0.0.1",
        0,
    )
    .unwrap();
    let port = server.local_addr().unwrap().port();
    (server, port, lost)
}

/// A client `Recorder` connected to a raw peer socket; gives its transport, the peer and the
/// future `connection_lost` completes.
async fn client_and_raw_peer(trace: &Trace) -> (Transport, TcpStream, evloop::Future<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rec = Recorder::new(trace);
    let lost = rec.lost.clone();
    let t = create_connection(move || rec, "127.0.0.1", port)
        .await
        .unwrap();
    let (peer, _) = listener.accept().await.unwrap();
    (t, peer, lost)
}

#[test]
fn callbacks_come_in_order_and_connection_lost_once() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let (server, port, lost) = recorder_server(&tr, |r| r);
        let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        evloop::sleep(Duration::from_millis(20)).await;
        c.shutdown(std::net::Shutdown::Write).unwrap();
        lost.await.unwrap();
        // The server closed after the EOF: the client reads end of stream.
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        server.close();
    })
    .unwrap();
    trace.assert(&["made", "data hello", "eof", "lost None"]);
}

#[test]
fn eof_received_true_keeps_the_connection_half_open() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let (server, port, lost) = recorder_server(&tr, |mut r| {
            r.keep_open = true;
            r.reply_at_eof = b"bye";
            r
        });
        let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        c.write_all(b"hi").await.unwrap();
        evloop::sleep(Duration::from_millis(20)).await;
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let mut reply = Vec::new();
        c.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"bye", "the server wrote after the client's EOF");
        lost.await.unwrap();
        server.close();
    })
    .unwrap();
    trace.assert(&["made", "data hi", "eof", "lost None"]);
}

#[test]
fn write_flow_control_pauses_and_resumes_the_protocol() {
    evloop::run(async {
        // The peer reads nothing at first, so the transport's buffer fills.
        let trace = Trace::new();
        let (t, mut peer, _lost) = client_and_raw_peer(&trace).await;
        let chunk = vec![7u8; 64 * 1024];
        for _ in 0..64 {
            t.write(&chunk);
        }
        let (low, high) = t.get_write_buffer_limits();
        assert_eq!((low, high), (16 * 1024, 64 * 1024));
        assert!(t.get_write_buffer_size() > high);
        evloop::sleep(Duration::from_millis(20)).await;
        trace.assert(&["made", "pause"]);
        // The peer now reads everything; the buffer drains and the protocol resumes.
        let mut got = vec![0u8; 64 * 64 * 1024];
        peer.read_exact(&mut got).await.unwrap();
        assert!(got.iter().all(|&b| b == 7));
        evloop::sleep(Duration::from_millis(20)).await;
        assert_eq!(t.get_write_buffer_size(), 0);
        trace.assert(&["made", "pause", "resume"]);
        t.close();
        let mut rest = Vec::new();
        assert_eq!(peer.read_to_end(&mut rest).await.unwrap(), 0);
    })
    .unwrap();
}

#[test]
fn paused_reading_delivers_nothing_until_resumed() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let (t, mut peer, _lost) = client_and_raw_peer(&tr).await;
        t.pause_reading();
        assert!(!t.is_reading());
        peer.write_all(b"queued").await.unwrap();
        evloop::sleep(Duration::from_millis(30)).await;
        assert_eq!(tr.events(), ["made"], "nothing delivered while paused");
        t.resume_reading();
        evloop::sleep(Duration::from_millis(30)).await;
        assert_eq!(tr.events(), ["made", "data queued"]);
        t.close();
    })
    .unwrap();
}

#[test]
fn abort_drops_the_buffer_and_close_sends_it() {
    evloop::run(async {
        for abort in [false, true] {
            let trace = Trace::new();
            let (t, mut peer, lost) = client_and_raw_peer(&trace).await;
            let big = vec![1u8; 8 * 1024 * 1024];
            t.write(&big); // more than the kernel takes at once
            assert!(t.get_write_buffer_size() > 0);
            if abort {
                t.abort();
            } else {
                t.close();
            }
            assert!(t.is_closing());
            t.write(b"ignored after close");
            let mut got = Vec::new();
            let _ = peer.read_to_end(&mut got).await;
            lost.await.unwrap();
            if abort {
                assert!(got.len() < big.len(), "abort dropped the buffer");
            } else {
                assert_eq!(got.len(), big.len(), "close sent everything first");
            }
            assert_eq!(trace.events().last().unwrap(), "lost None");
        }
    })
    .unwrap();
}

#[test]
fn a_reset_reaches_connection_lost_as_an_error() {
    let trace = Trace::new();
    let tr = trace.clone();
    evloop::run(async move {
        let (t, peer, lost) = client_and_raw_peer(&tr).await;
        t.write(b"unread");
        evloop::sleep(Duration::from_millis(20)).await;
        // Closing a socket with unread data sends RST instead of FIN.
        drop(peer);
        lost.await.unwrap();
    })
    .unwrap();
    assert_eq!(
        trace.events(),
        ["made", "lost Some(ConnectionReset)"],
        "the reset is reported, not taken for an EOF"
    );
}

#[test]
fn a_refused_connection_is_an_error() {
    evloop::run(async {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let trace = Trace::new();
        let rec = Recorder::new(&trace);
        let err = create_connection(move || rec, "127.0.0.1", port)
            .await
            .err()
            .expect("nothing listens");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(trace.events().is_empty(), "no protocol callback ran");
    })
    .unwrap();
}

/// Panics on data "boom", echoes anything else.
struct Fragile(Option<Transport>);

impl Protocol for Fragile {
    fn connection_made(&mut self, t: &Transport) {
        self.0 = Some(t.clone());
    }
    fn data_received(&mut self, data: &[u8]) {
        assert!(data != b"boom", "protocol bug");
        self.0.as_ref().unwrap().write(data);
    }
}

#[test]
fn a_panicking_protocol_closes_its_connection_only() {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let ev = evloop::EventLoop::new().unwrap();
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| r.borrow_mut().push(ctx.error.clone().unwrap_or_default()));
    ev.run_until_complete(async {
        let server = create_server(|| Fragile(None), "127.0.0.1", 0).unwrap();
        let port = server.local_addr().unwrap().port();
        let mut bad = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut good = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        bad.write_all(b"boom").await.unwrap();
        let mut rest = Vec::new();
        let _ = bad.read_to_end(&mut rest).await; // closed by the failure
        good.write_all(b"still here").await.unwrap();
        let mut back = [0u8; 10];
        good.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"still here");
        server.close();
    })
    .unwrap();
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("protocol bug"), "{reports:?}");
}

/// A protocol factory that panics costs that one connection: the panic is reported once
/// through the exception handler and the server goes on accepting. asyncio's
/// `_accept_connection2` does the same for a factory that raises ("Error on transport
/// creation for incoming connection"), and keeps serving.
#[test]
fn a_panicking_protocol_factory_costs_one_connection_not_the_server() {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let ev = evloop::EventLoop::new().unwrap();
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| {
        r.borrow_mut()
            .push((ctx.message.clone(), ctx.error.clone().unwrap_or_default()))
    });
    ev.run_until_complete(async {
        let made = Rc::new(std::cell::Cell::new(0));
        let m = made.clone();
        let server = create_server(
            move || {
                m.set(m.get() + 1);
                if m.get() == 1 {
                    panic!("factory bug");
                }
                Fragile(None)
            },
            "127.0.0.1",
            0,
        )
        .unwrap();
        let port = server.local_addr().unwrap().port();
        let mut first = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let mut rest = Vec::new();
        let _ = first.read_to_end(&mut rest).await; // closed: its protocol was never made
        let mut second = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        second.write_all(b"still here").await.unwrap();
        let mut back = [0u8; 10];
        second.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"still here");
        assert!(server.is_serving());
        server.close();
    })
    .unwrap();
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(
        reports[0].0,
        "Error on transport creation for incoming connection"
    );
    assert!(reports[0].1.contains("factory bug"), "{reports:?}");
}

#[test]
fn many_clients_on_one_server() {
    /// Echoes and counts connections lost.
    struct Echo(Option<Transport>, Rc<RefCell<usize>>);
    impl Protocol for Echo {
        fn connection_made(&mut self, t: &Transport) {
            self.0 = Some(t.clone());
        }
        fn data_received(&mut self, data: &[u8]) {
            self.0.as_ref().unwrap().write(data);
        }
        fn connection_lost(&mut self, exc: Option<io::Error>) {
            assert!(exc.is_none());
            *self.1.borrow_mut() += 1;
        }
    }
    let lost = Rc::new(RefCell::new(0));
    let l = lost.clone();
    evloop::run(async move {
        let server = create_server(move || Echo(None, l.clone()), "127.0.0.1", 0).unwrap();
        let port = server.local_addr().unwrap().port();
        let clients: Vec<_> = (0..300u32)
            .map(|i| {
                evloop::spawn(async move {
                    let mut c = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                    let msg = i.to_be_bytes();
                    c.write_all(&msg).await.unwrap();
                    let mut back = [0u8; 4];
                    c.read_exact(&mut back).await.unwrap();
                    assert_eq!(back, msg);
                })
            })
            .collect();
        evloop::gather(clients).await.unwrap();
        evloop::sleep(Duration::from_millis(50)).await;
        server.close();
    })
    .unwrap();
    assert_eq!(*lost.borrow(), 300, "every connection_lost ran once");
}
