//! Limits of the I/O and thread functions (issue 28, point 4; the time limits and the whole
//! inventory are in `tests/coord_tests/limits_matrix.rs`): every size, count, buffer and separator at 0
//! (or empty), 1 and its `MAX`; each saturates or returns a typed error, and none panics,
//! hangs or allocates the size it was given.
//!
//! | function | extremes | behaviour |
//! |---|---|---|
//! | `StreamReader::read` | `Some(0)`, `Some(1)`, `Some(usize::MAX)`, `None` | 0: `b""` at once; `MAX`: what is there |
//! | `StreamReader::readexactly` | 0, 1, `usize::MAX` | 0: `b""` at once; `MAX`: `IncompleteRead` at the end |
//! | `StreamReader::readuntil` | empty, one byte, longer than the data | `EmptySeparator`; found; `IncompleteRead` |
//! | `StreamReader::set_limit` | 0, 1, `usize::MAX` | 0 acts as 1; a line past the limit is `LimitOverrun` however it arrives |
//! | `StreamWriter::write` | empty | nothing buffered; `drain` returns |
//! | `Transport::set_write_buffer_limits` | 0, `MAX`, low only, low > high | as asyncio; `4 * low` saturates; `InvalidInput` |
//! | `Transport::write` | empty | nothing buffered |
//! | `TcpStream::connect_timeout` | 0, `MAX` | 0: connected or `TimedOut`; `MAX`: connected |
//! | `UdpSocket::send_to` / `recv_from` | empty datagram, empty buffer | sent and received as 0 bytes |
//! | `AsyncReadExt::read`, `read_exact`, `AsyncWriteExt::write_all` | empty buffer | 0 / `Ok` at once |
//! | `Process::communicate` | `Some(b"")`, 1 MiB, `None` | stdin closed; all echoed back; nothing sent |
//! | `add_signal_handler` | 0, -1, `i32::MAX`, `i32::MIN` | `SignalError::Invalid` |
//! | `signals::raise` | -1, `i32::MAX` | `InvalidInput` (`EINVAL`) |
//! | `ThreadPool::new` | 0, 1, `usize::MAX` | 0 acts as 1 (Python: `ValueError`); `MAX`: threads start on demand |
//! | `shutdown_default_executor` | 0, `MAX` | 0: reports the busy thread at once; `MAX`: waits for it |
#![cfg(feature = "net")]

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use evloop::StreamError;
use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream, UdpSocket};
use evloop::streams::{StreamReader, open_connection};
use evloop::transport::{Protocol, Transport, create_connection, create_server};

/// A reader whose peer sends `chunks` (one write each, a turn apart), then closes unless
/// `hold` (then it stays open and silent).
async fn reader_for(chunks: &'static [&'static [u8]], hold: bool) -> StreamReader {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    evloop::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        for chunk in chunks {
            conn.write_all(chunk).await.unwrap();
            evloop::sleep(Duration::from_millis(5)).await;
        }
        if hold {
            evloop::sleep(Duration::from_secs(3600)).await;
        }
    });
    open_connection("127.0.0.1", port).await.unwrap().0
}

/// Fails instead of hanging: what a silent peer must not make wait.
async fn at_once<F: Future>(fut: F) -> F::Output {
    evloop::wait_for(fut, Duration::from_secs(5))
        .await
        .expect("returned at once")
}

/// `read` and `readexactly` at 0, 1 and `usize::MAX`. Mirrors asyncio:
///
/// ```python
/// await r.read(0)              # b'' at once, even with nothing buffered
/// await r.readexactly(0)       # b'' at once
/// await r.read(2**62)          # what is there
/// await r.readexactly(2**62)   # IncompleteReadError(partial, expected=2**62) at EOF
/// await r.read(-1)             # everything to EOF
/// ```
///
/// Neither allocates what it was asked for.
#[test]
fn reads_of_zero_one_and_max_bytes() {
    evloop::run(async {
        let mut silent = reader_for(&[], true).await;
        assert_eq!(at_once(silent.read(Some(0))).await.unwrap(), b"");
        assert_eq!(at_once(silent.readexactly(0)).await.unwrap(), b"");
        let mut r = reader_for(&[b"abc"], true).await;
        assert_eq!(r.read(Some(1)).await.unwrap(), b"a");
        assert_eq!(r.readexactly(1).await.unwrap(), b"b");
        assert_eq!(r.read(Some(usize::MAX)).await.unwrap(), b"c");

        let mut r = reader_for(&[b"abc"], false).await;
        match r.readexactly(usize::MAX).await {
            Err(StreamError::IncompleteRead { partial, expected }) => {
                assert_eq!((&partial[..], expected), (&b"abc"[..], Some(usize::MAX)));
            }
            other => panic!("unexpected {other:?}"),
        }
        let mut r = reader_for(&[b"ab", b"c"], false).await;
        assert_eq!(r.read(None).await.unwrap(), b"abc");
        assert_eq!(r.read(Some(usize::MAX)).await.unwrap(), b"", "at EOF");
    })
    .unwrap();
}

/// `readuntil` with an empty, a one-byte and an over-long separator. Mirrors asyncio's
/// `ValueError('Separator should be at least one-byte string')` (nothing read), and an
/// `IncompleteReadError(partial, None)` for a separator longer than all the data.
#[test]
fn separators_empty_one_byte_and_longer_than_the_data() {
    evloop::run(async {
        let mut r = reader_for(&[b"a|b"], false).await;
        assert!(matches!(
            at_once(r.readuntil(b"")).await,
            Err(StreamError::EmptySeparator)
        ));
        assert_eq!(r.readuntil(b"|").await.unwrap(), b"a|");
        match r.readuntil(b"a separator longer than the data").await {
            Err(StreamError::IncompleteRead { partial, expected }) => {
                assert_eq!((&partial[..], expected), (&b"b"[..], None));
            }
            other => panic!("unexpected {other:?}"),
        }
    })
    .unwrap();
}

/// The reader's limit at 0, 1 and `usize::MAX`. asyncio refuses `limit=0` with
/// `ValueError`; evloop takes it as 1. With a limit of 1, asyncio reads `b"a\n"` but refuses
/// `b"ab\n"` whether it arrives in one piece or two:
///
/// ```python
/// r = asyncio.StreamReader(limit=1); r.feed_data(b"ab\n")
/// await r.readuntil(b"\n")  # LimitOverrunError('Separator is found, but chunk is longer
///                           # than limit', 2), the data left in the buffer
/// ```
///
/// and so does evloop, `readuntil` leaving the data buffered and `readline` dropping the
/// line (asyncio's `readline` deletes it before raising `ValueError`). A limit of
/// `usize::MAX` never overruns.
#[test]
fn limits_of_zero_one_and_max() {
    evloop::run(async {
        for limit in [0, 1] {
            let mut r = reader_for(&[b"a\n", b"ab\n"], false).await;
            r.set_limit(limit);
            evloop::sleep(Duration::from_millis(50)).await; // both pieces arrived
            assert_eq!(r.readline().await.unwrap(), b"a\n");
            assert!(matches!(
                r.readline().await,
                Err(StreamError::LimitOverrun { .. })
            ));
            // `readline` drops the overlong line, as asyncio's does (`readuntil` keeps it).
            assert_eq!(r.read(None).await.unwrap(), b"", "the line was dropped");
        }
        let mut r = reader_for(&[b"ab", b"\n"], false).await;
        r.set_limit(1);
        assert!(matches!(
            r.readuntil(b"\n").await,
            Err(StreamError::LimitOverrun { .. })
        ));

        static LONG: [u8; 256 * 1024] = [b'x'; 256 * 1024];
        static LONG_LINE: [&[u8]; 2] = [&LONG, b"\n"];
        let mut r = reader_for(&LONG_LINE, false).await;
        r.set_limit(usize::MAX);
        assert_eq!(r.readline().await.unwrap().len(), LONG.len() + 1);
    })
    .unwrap();
}

/// Writing nothing: `StreamWriter::write(b"")` buffers nothing and `drain` returns
/// (asyncio the same), and the empty buffers of the byte-level traits are done at once,
/// even with a silent peer.
#[test]
fn empty_writes_and_reads() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (_r, w) = open_connection("127.0.0.1", port).await.unwrap();
        let (mut peer, _) = listener.accept().await.unwrap();
        w.write(b"");
        assert_eq!(w.buffered(), 0);
        at_once(w.drain()).await.unwrap();

        assert_eq!(at_once(peer.read(&mut [])).await.unwrap(), 0);
        at_once(peer.read_exact(&mut [])).await.unwrap();
        assert_eq!(at_once(peer.write(b"")).await.unwrap(), 0);
        at_once(peer.write_all(b"")).await.unwrap();
    })
    .unwrap();
}

/// A protocol that keeps its transport.
struct Keep(Rc<RefCell<Option<Transport>>>);

impl Protocol for Keep {
    fn connection_made(&mut self, t: &Transport) {
        *self.0.borrow_mut() = Some(t.clone());
    }
    fn data_received(&mut self, _: &[u8]) {}
}

/// `set_write_buffer_limits` at its extremes. Mirrors asyncio:
///
/// ```python
/// t.set_write_buffer_limits(high=0, low=0)     # (0, 0)
/// t.set_write_buffer_limits(low=100)           # (100, 400): high defaults to 4 * low
/// t.set_write_buffer_limits(high=2**64)        # (2**62, 2**64)
/// t.set_write_buffer_limits(high=1, low=2)     # ValueError: high (1) must be >= low (2)
/// ```
///
/// `4 * low` saturates at `usize::MAX` where Python's int would grow; `low > high` is
/// `InvalidInput`. `write(b"")` buffers nothing.
#[test]
fn write_buffer_limits_at_zero_and_max() {
    evloop::run(async {
        let server = create_server(|| Keep(Rc::default()), "127.0.0.1", 0).unwrap();
        let port = server.local_addr().unwrap().port();
        let t = create_connection(|| Keep(Rc::default()), "127.0.0.1", port)
            .await
            .unwrap();
        let limits = |high, low| {
            t.set_write_buffer_limits(high, low)
                .map(|()| t.get_write_buffer_limits())
        };
        assert_eq!(limits(Some(0), Some(0)).unwrap(), (0, 0));
        assert_eq!(limits(None, Some(100)).unwrap(), (100, 400));
        assert_eq!(
            limits(None, Some(usize::MAX)).unwrap(),
            (usize::MAX, usize::MAX)
        );
        let max = usize::MAX;
        assert_eq!(limits(Some(max), None).unwrap(), (max / 4, max));
        assert_eq!(limits(None, None).unwrap(), (16 * 1024, 64 * 1024));
        let err = limits(Some(1), Some(2)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            t.get_write_buffer_limits(),
            (16 * 1024, 64 * 1024),
            "unchanged"
        );
        t.write(b"");
        assert_eq!(t.get_write_buffer_size(), 0);
        t.close();
        server.close();
    })
    .unwrap();
}

/// `connect_timeout` with 0 and `MAX`: 0 either connects at once or times out (a loopback
/// connect may finish inside the first poll), `MAX` connects; neither panics.
#[test]
fn connect_timeouts_of_zero_and_max() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        match TcpStream::connect_timeout(addr, Duration::ZERO).await {
            Ok(_) => {}
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::TimedOut),
        }
        TcpStream::connect_timeout(addr, Duration::MAX)
            .await
            .unwrap();
    })
    .unwrap();
}

/// An empty datagram is sent and received as 0 bytes, and a datagram received into an empty
/// buffer is truncated to 0 bytes (the OS's rule; Python's `recvfrom(0)` the same).
#[test]
fn empty_datagrams_and_empty_buffers() {
    evloop::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_eq!(a.send_to(b"", b_addr).await.unwrap(), 0);
        let mut buf = [0u8; 16];
        assert_eq!(b.recv_from(&mut buf).await.unwrap(), (0, a_addr));
        assert_eq!(a.send_to(b"dropped", b_addr).await.unwrap(), 7);
        assert_eq!(b.recv_from(&mut []).await.unwrap(), (0, a_addr));
    })
    .unwrap();
}

/// `communicate` with empty input, a mebibyte, and none: `cat` echoes exactly what it got,
/// and a mebibyte in and out at the same time does not deadlock on the pipes.
#[cfg(all(unix, feature = "process"))]
#[test]
fn communicate_with_empty_large_and_no_input() {
    use evloop::process::create_subprocess_exec;

    evloop::run(async {
        let big: Vec<u8> = (0..1 << 20).map(|i: u32| i as u8).collect();
        for input in [Some(&b""[..]), Some(&big[..]), None] {
            let mut p = create_subprocess_exec("cat", Vec::<&str>::new()).unwrap();
            let (out, err) = p.communicate(input).await.unwrap();
            assert_eq!(out, input.unwrap_or_default());
            assert!(err.is_empty());
            assert_eq!(p.returncode(), Some(0));
        }
    })
    .unwrap();
}

/// Signal numbers at the ends of `i32` and just outside the valid ones are refused with a
/// typed error, not passed to the OS (asyncio: `ValueError: invalid signal number`); `raise`
/// passes them on and gets `EINVAL` back (Python's `raise_signal` the same).
#[cfg(all(unix, feature = "signal"))]
#[test]
fn signal_numbers_at_the_ends_of_i32_are_invalid() {
    let ev = evloop::EventLoop::new().unwrap();
    for sig in [0, -1, i32::MAX, i32::MIN] {
        let err = ev.add_signal_handler(sig, || ()).unwrap_err();
        assert!(
            matches!(err, evloop::SignalError::Invalid(s) if s == sig),
            "{err:?}"
        );
        assert!(!ev.remove_signal_handler(sig));
    }
    for sig in [-1, i32::MAX] {
        let err = evloop::signals::raise(sig).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err:?}");
    }
}

/// Thread pools of 0, 1 and `usize::MAX` workers. Python's `ThreadPoolExecutor(0)` raises
/// `ValueError`; evloop's pool of 0 has one worker. A pool of `usize::MAX` starts threads on
/// demand, never more than the work needs.
#[cfg(feature = "executor")]
#[test]
fn thread_pools_of_zero_one_and_max_workers() {
    use evloop::ThreadPool;

    evloop::run(async {
        for (asked, max) in [(0, 1), (1, 1), (usize::MAX, usize::MAX)] {
            let pool = ThreadPool::new(asked);
            assert_eq!(pool.max_workers(), max);
            let jobs: Vec<_> = (0..4u64).map(|i| pool.spawn(move || i * 2)).collect();
            let mut sum = 0;
            for job in jobs {
                sum += job.await.unwrap();
            }
            assert_eq!(sum, 12);
            assert!((1..=4).contains(&pool.workers()), "{}", pool.workers());
            pool.shutdown(true);
        }
    })
    .unwrap();
}

/// `shutdown_default_executor` with 0 and `MAX`: 0 stops waiting at once and reports the
/// thread still busy (asyncio warns after its join timeout); `MAX` waits for it.
#[cfg(feature = "executor")]
#[test]
fn shutting_the_default_executor_down_within_zero_and_max() {
    for (timeout, reported) in [(Duration::ZERO, 1), (Duration::MAX, 0)] {
        let ev = evloop::EventLoop::new().unwrap();
        let reports = Rc::new(std::cell::Cell::new(0));
        let r = reports.clone();
        ev.set_exception_handler(move |ctx| {
            assert!(ctx.message.contains("did not finish"), "{}", ctx.message);
            r.set(r.get() + 1);
        });
        let took = ev
            .run_until_complete(async move {
                let ev = evloop::get_running_loop().unwrap();
                let job =
                    ev.run_in_executor(None, || std::thread::sleep(Duration::from_millis(100)));
                let start = std::time::Instant::now();
                ev.shutdown_default_executor(timeout).await;
                drop(job);
                start.elapsed()
            })
            .unwrap();
        assert_eq!(reports.get(), reported, "{timeout:?}");
        if reported == 1 {
            assert!(took < Duration::from_millis(90), "{took:?}");
        } else {
            assert!(took >= Duration::from_millis(50), "{took:?}");
        }
    }
}
