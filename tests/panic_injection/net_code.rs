//! Protocols, their factories, and `start_server` handlers.

use std::cell::Cell;
use std::time::Duration;

use evloop::streams::{open_connection, start_server};
use evloop::transport::{Protocol, Transport, create_server};

use super::{Sentinel, case, reported_once};

/// The protocol method that panics.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Method {
    Factory,
    ConnectionMade,
    DataReceived,
    EofReceived,
    ConnectionLost,
}

struct Bomb {
    at: Method,
    _s: Sentinel,
}

impl Bomb {
    fn maybe(&self, here: Method) {
        if self.at == here {
            panic!("injected")
        }
    }
}

impl Protocol for Bomb {
    fn connection_made(&mut self, _: &Transport) {
        self.maybe(Method::ConnectionMade);
    }
    fn data_received(&mut self, _: &[u8]) {
        self.maybe(Method::DataReceived);
    }
    fn eof_received(&mut self) -> bool {
        self.maybe(Method::EofReceived);
        false
    }
    fn connection_lost(&mut self, _: Option<std::io::Error>) {
        self.maybe(Method::ConnectionLost);
    }
}

/// A protocol (or its factory) that panics in any of its methods costs its connection
/// only: reported once, and the server accepts the next client.
#[test]
fn a_protocol_and_its_factory() {
    for at in [
        Method::Factory,
        Method::ConnectionMade,
        Method::DataReceived,
        Method::EofReceived,
        Method::ConnectionLost,
    ] {
        let reports = case(|_, s| {
            Box::pin(async move {
                let made = Cell::new(0);
                let server = create_server(
                    move || {
                        made.set(made.get() + 1);
                        if made.get() == 1 && at == Method::Factory {
                            panic!("injected")
                        }
                        Bomb {
                            at: if made.get() == 1 { at } else { Method::Factory },
                            _s: s.clone(),
                        }
                    },
                    "127.0.0.1",
                    0,
                )
                .unwrap();
                let port = server.local_addr().unwrap().port();
                // The first client sends, then ends its side: every method gets its call.
                let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
                writer.write(b"ping");
                writer.write_eof().await.unwrap();
                let _ = reader.read(None).await;
                drop((reader, writer));
                evloop::sleep(Duration::from_millis(20)).await;
                let (_r, _w) = open_connection("127.0.0.1", port).await.unwrap();
                assert!(server.is_serving(), "{at:?}");
                server.close();
                server.wait_closed().await;
            })
        });
        // In asyncio's words (`_fatal_error` for the reads, `Handle._run` for the two
        // methods it schedules as callbacks); the transport and protocol are named.
        let message = match at {
            Method::Factory => "Error on transport creation for incoming connection",
            Method::ConnectionMade => "Exception in callback ",
            Method::DataReceived => "Fatal error: protocol.data_received() call failed.",
            Method::EofReceived => "Fatal error: protocol.eof_received() call failed.",
            Method::ConnectionLost => "Exception in callback ",
        };
        reported_once(&reports, message);
    }
}

/// A `start_server` handler that panics when called, or whose future panics at its first
/// poll, costs one client.
#[test]
fn a_server_handler_at_once_and_at_its_first_poll() {
    for at_poll in [false, true] {
        let reports = case(|_, s| {
            Box::pin(async move {
                let calls = Cell::new(0);
                let server = start_server(
                    move |_r, w| {
                        calls.set(calls.get() + 1);
                        let first = calls.get() == 1;
                        if first && !at_poll {
                            panic!("injected")
                        }
                        let s = s.clone();
                        async move {
                            let _s = s;
                            if first {
                                panic!("injected")
                            }
                            w.write(b"hi\n");
                            w.close();
                        }
                    },
                    "127.0.0.1",
                    0,
                )
                .unwrap();
                let port = server.local_addr().unwrap().port();
                let (mut first, _w1) = open_connection("127.0.0.1", port).await.unwrap();
                assert_eq!(first.read(None).await.unwrap(), b"");
                let (mut second, _w2) = open_connection("127.0.0.1", port).await.unwrap();
                assert_eq!(second.readline().await.unwrap(), b"hi\n");
                server.close();
                server.wait_closed().await;
            })
        });
        let message = if at_poll {
            "Task exception was never retrieved"
        } else {
            "Error on transport creation for incoming connection"
        };
        reported_once(&reports, message);
    }
}
