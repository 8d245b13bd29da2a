//! Name resolution off the loop's thread, as asyncio's `open_connection` and
//! `create_connection` run `getaddrinfo` in the default executor.
//!
//! The asyncio program this mirrors: while `open_connection("slow.test", port)` waits for
//! a resolver that takes 300 ms, a ticker task keeps printing every 10 ms; then the
//! connection is made to the address the resolver gave.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use evloop::streams::{ConnectOptions, open_connection, open_connection_with, start_server};

/// An echo server on a free port.
fn echo_server() -> evloop::server::Server {
    start_server(
        |mut reader, writer| async move {
            let line = reader.readline().await.unwrap_or_default();
            writer.write(&line);
            writer.close();
        },
        "127.0.0.1",
        0,
    )
    .unwrap()
}

#[test]
fn a_slow_lookup_does_not_stall_the_loop() {
    evloop::run(async {
        let ev = evloop::get_running_loop().unwrap();
        ev.set_resolver(|host, port| {
            assert_eq!(host, "slow.test");
            std::thread::sleep(Duration::from_millis(300));
            Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
        });
        let server = echo_server();
        let port = server.local_addr().unwrap().port();

        let ticks = Rc::new(Cell::new(0));
        let ticker = evloop::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    evloop::sleep(Duration::from_millis(10)).await;
                    ticks.set(ticks.get() + 1);
                }
            }
        });
        let (mut reader, writer) = open_connection("slow.test", port).await.unwrap();
        let during = ticks.get();
        ticker.cancel();
        // 300 ms of lookup at one tick per 10 ms: about 30 if the loop ran on.
        assert!(
            during >= 5,
            "the loop stalled during the lookup: {during} ticks"
        );

        writer.write(b"resolved\n");
        assert_eq!(reader.readline().await.unwrap(), b"resolved\n");
        server.close();
    })
    .unwrap();
}

/// Every address the resolver gives is tried in order: a refused one, then the server.
/// The same through `create_connection` (the transports' entry point).
#[test]
fn each_resolved_address_is_tried_in_turn() {
    evloop::run(async {
        let server = echo_server();
        let open = server.local_addr().unwrap();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let ev = evloop::get_running_loop().unwrap();
        ev.set_resolver(move |_, _| Ok(vec![closed, open]));

        let (mut reader, writer) = open_connection("two.test", 1).await.unwrap();
        writer.write(b"second\n");
        assert_eq!(reader.readline().await.unwrap(), b"second\n");

        let options = ConnectOptions::new().happy_eyeballs_delay(Duration::from_millis(250));
        let (mut reader, writer) = open_connection_with("two.test", 1, &options).await.unwrap();
        writer.write(b"raced\n");
        assert_eq!(reader.readline().await.unwrap(), b"raced\n");

        struct Quiet;
        impl evloop::transport::Protocol for Quiet {
            fn data_received(&mut self, _: &[u8]) {}
        }
        let transport = evloop::transport::create_connection(|| Quiet, "two.test", 1)
            .await
            .unwrap();
        assert_eq!(transport.peer_addr().unwrap(), open);
        transport.close();
        server.close();
    })
    .unwrap();
}

/// asyncio: `OSError('getaddrinfo() returned empty list')`; a resolver's error as it is.
#[test]
fn lookup_failures_are_errors() {
    evloop::run(async {
        let ev = evloop::get_running_loop().unwrap();
        ev.set_resolver(|host, _| match host {
            "empty.test" => Ok(Vec::new()),
            _ => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "Name or service not known",
            )),
        });
        let empty = open_connection("empty.test", 80).await.err().unwrap();
        assert_eq!(empty.to_string(), "getaddrinfo() returned empty list");
        let unknown = open_connection("nowhere.test", 80).await.err().unwrap();
        assert_eq!(unknown.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(unknown.to_string(), "Name or service not known");
        // An IP literal never reaches the resolver.
        let refused = open_connection("127.0.0.1", 1).await.err().unwrap();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    })
    .unwrap();
}
