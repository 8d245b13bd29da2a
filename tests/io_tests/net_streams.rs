//! The streams API (asyncio-semantics.md §20.3): reader methods and their errors, writer flow
//! control, close, and a server with several clients.
#![cfg(feature = "net")]

use std::time::Duration;

use evloop::StreamError;
use evloop::io::AsyncWriteExt;
use evloop::net::TcpListener;
use evloop::streams::{StreamReader, open_connection, start_server};

/// Connects a reader to a raw peer that sends `data` then closes.
async fn reader_for(data: &'static [u8]) -> StreamReader {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    evloop::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        conn.write_all(data).await.unwrap();
    });
    open_connection("127.0.0.1", port).await.unwrap().0
}

#[test]
fn reader_methods_and_their_errors() {
    evloop::run(async {
        let mut r = reader_for(b"line one\nline two\nabc-def|rest").await;
        assert_eq!(r.readline().await.unwrap(), b"line one\n");
        assert_eq!(r.readuntil(b"\n").await.unwrap(), b"line two\n");
        assert_eq!(r.readexactly(3).await.unwrap(), b"abc");
        assert_eq!(r.readuntil(b"|").await.unwrap(), b"-def|");
        match r.readexactly(10).await {
            Err(StreamError::IncompleteRead { partial, expected }) => {
                assert_eq!((partial.as_slice(), expected), (&b"rest"[..], Some(10)));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(r.at_eof());
        assert_eq!(r.readline().await.unwrap(), b"", "empty at EOF");

        let mut r = reader_for(b"no newline at the end").await;
        assert_eq!(r.readline().await.unwrap(), b"no newline at the end");
        let mut r = reader_for(b"0123456789").await;
        assert_eq!(r.read(Some(4)).await.unwrap(), b"0123");
        assert_eq!(r.read(None).await.unwrap(), b"456789");
    })
    .unwrap();
}

#[test]
fn readuntil_stops_at_the_limit_and_keeps_the_data() {
    evloop::run(async {
        static LONG: [u8; 200] = [b'x'; 200];
        let mut r = reader_for(&LONG).await;
        r.set_limit(50);
        match r.readuntil(b"\n").await {
            Err(StreamError::LimitOverrun { consumed }) => assert!(consumed > 50),
            other => panic!("unexpected {other:?}"),
        }
        // The data stayed in the buffer.
        assert_eq!(r.read(None).await.unwrap().len(), 200);
    })
    .unwrap();
}

/// An empty separator is an error and reads nothing. Mirrors:
///
/// ```python
/// try:
///     await reader.readuntil(b"")
/// except ValueError as e:
///     print(e)                          # Separator should be at least one-byte string
/// print(await reader.readuntil(b"|"))   # b'abc|'
/// ```
#[test]
fn readuntil_an_empty_separator_is_an_error_and_reads_nothing() {
    evloop::run(async {
        let mut r = reader_for(b"abc|def").await;
        let err = r.readuntil(b"").await.unwrap_err();
        assert!(matches!(err, StreamError::EmptySeparator));
        assert_eq!(
            err.to_string(),
            "Separator should be at least one-byte string"
        );
        assert_eq!(r.readuntil(b"|").await.unwrap(), b"abc|");
    })
    .unwrap();
}

#[test]
fn drain_waits_while_the_peer_reads_slowly() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let reader = evloop::spawn(async move {
            let (conn, _) = listener.accept().await.unwrap();
            evloop::sleep(Duration::from_millis(100)).await; // slow start
            let mut total = 0;
            let mut conn = conn;
            let mut buf = vec![0u8; 65536];
            loop {
                let n = evloop::io::AsyncReadExt::read(&mut conn, &mut buf)
                    .await
                    .unwrap();
                if n == 0 {
                    return total;
                }
                total += n;
            }
        });
        let (_r, w) = open_connection("127.0.0.1", port).await.unwrap();
        let chunk = vec![9u8; 256 * 1024];
        let start = evloop::get_running_loop().unwrap().time();
        let mut waited = false;
        for _ in 0..32 {
            w.write(&chunk);
            assert!(w.buffered() > 0);
            let before = evloop::get_running_loop().unwrap().time();
            w.drain().await.unwrap();
            waited |=
                evloop::get_running_loop().unwrap().time() - before > Duration::from_millis(20);
            assert!(
                w.buffered() <= 4 * 64 * 1024,
                "drain returned with {} buffered",
                w.buffered()
            );
        }
        assert!(waited, "drain applied back-pressure");
        w.close();
        w.wait_closed().await.unwrap();
        assert_eq!(reader.await.unwrap(), 32 * 256 * 1024);
        assert!(evloop::get_running_loop().unwrap().time() - start >= Duration::from_millis(100));
    })
    .unwrap();
}

/// A `start_server` handler that panics before returning its future costs that one
/// client; the server is still serving the next (asyncio: a `client_connected_cb` that
/// raises is reported and the server keeps accepting).
#[test]
fn a_handler_panicking_at_once_costs_one_client_not_the_server() {
    let ev = evloop::EventLoop::new().unwrap();
    let reports = std::rc::Rc::new(std::cell::Cell::new(0));
    let r = reports.clone();
    ev.set_exception_handler(move |_| r.set(r.get() + 1));
    ev.run_until_complete(async {
        let calls = std::rc::Rc::new(std::cell::Cell::new(0));
        let c = calls.clone();
        let server = start_server(
            move |_reader, writer| {
                c.set(c.get() + 1);
                assert!(c.get() > 1, "handler bug");
                async move {
                    writer.write(b"hi\n");
                    writer.close();
                }
            },
            "127.0.0.1",
            0,
        )
        .unwrap();
        let port = server.local_addr().unwrap().port();
        let (mut first, _w1) = open_connection("127.0.0.1", port).await.unwrap();
        assert_eq!(first.read(None).await.unwrap(), b"", "closed at once");
        let (mut second, _w2) = open_connection("127.0.0.1", port).await.unwrap();
        assert_eq!(second.readline().await.unwrap(), b"hi\n");
        server.close();
    })
    .unwrap();
    assert_eq!(reports.get(), 1);
}

#[test]
fn a_server_serves_several_clients_until_closed() {
    evloop::run(async {
        let server = start_server(
            |mut reader, writer| async move {
                let name = reader.readline().await.unwrap();
                writer.write(b"hello, ");
                writer.write(&name);
                writer.close();
                let _ = writer.wait_closed().await;
            },
            "127.0.0.1",
            0,
        )
        .unwrap();
        let port = server.local_addr().unwrap().port();
        let clients: Vec<_> = (0..20)
            .map(|i| {
                evloop::spawn(async move {
                    let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
                    w.write(format!("client {i}\n").as_bytes());
                    w.drain().await.unwrap();
                    let reply = r.read(None).await.unwrap();
                    assert_eq!(reply, format!("hello, client {i}\n").as_bytes());
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
        server.close();
        server.wait_closed().await;
        // The listening socket is gone: new connections are refused.
        let refused = open_connection("127.0.0.1", port).await;
        assert!(refused.is_err());
    })
    .unwrap();
}

/// `writelines`, `can_write_eof` and `is_closing` on a stream writer, as asyncio:
///
/// ```python
/// async def main():
///     async def handle(r, w):
///         line = await r.readline()
///         w.writelines([b"echo: ", line])
///         print("can_write_eof", w.can_write_eof())
///         w.close()
///         print("is_closing", w.is_closing())
///     server = await asyncio.start_server(handle, "127.0.0.1", 0)
///     port = server.sockets[0].getsockname()[1]
///     r, w = await asyncio.open_connection("127.0.0.1", port)
///     w.writelines([b"hel", b"lo\n"])
///     print(await r.readline())
///     server.close()
/// ```
///
/// prints `can_write_eof True`, `is_closing True`, `b'echo: hello\n'`.
#[test]
fn writelines_can_write_eof_and_is_closing_as_asyncio() {
    let lines = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let l = lines.clone();
    evloop::run(async move {
        let l2 = l.clone();
        let server = start_server(
            move |mut r, w| {
                let l = l2.clone();
                async move {
                    let line = r.readline().await.unwrap();
                    w.writelines([&b"echo: "[..], &line]);
                    l.borrow_mut()
                        .push(format!("can_write_eof {}", w.can_write_eof()));
                    w.close();
                    l.borrow_mut()
                        .push(format!("is_closing {}", w.is_closing()));
                }
            },
            "127.0.0.1",
            0,
        )
        .unwrap();
        let port = server.local_addr().unwrap().port();
        let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
        w.writelines([&b"hel"[..], b"lo\n"]);
        let echoed = r.readline().await.unwrap();
        l.borrow_mut().push(String::from_utf8(echoed).unwrap());
        server.close();
    })
    .unwrap();
    assert_eq!(
        *lines.borrow(),
        ["can_write_eof true", "is_closing true", "echo: hello\n"]
    );
}

/// `Server::get_loop`: the loop it serves on. Mirrors:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
///     print(server.get_loop() is loop)
///     server.close()
/// ```
///
/// which prints `True`.
#[test]
fn a_server_gives_the_loop_it_serves_on() {
    let ev = evloop::EventLoop::new().unwrap();
    let h = ev.handle();
    let server_loop = ev
        .run_until_complete(async {
            let server = start_server(|_, _| async {}, "127.0.0.1", 0).unwrap();
            let l = server.get_loop();
            server.close();
            l
        })
        .unwrap();
    assert_eq!(server_loop, Some(h));
}
