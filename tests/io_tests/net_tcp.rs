//! TCP and UDP over loopback: echo, many clients, half-close, back-pressure, faults.
#![cfg(feature = "net")]

use std::net::Shutdown;
use std::time::Duration;

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream, UdpSocket};

/// An echo server accepting forever; each connection is its own task.
fn echo_server(listener: TcpListener) -> evloop::Task<()> {
    evloop::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                continue;
            };
            evloop::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if conn.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    })
}

#[test]
fn echo_round_trips() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = echo_server(listener);
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.set_nodelay(true).unwrap();
        assert!(c.nodelay().unwrap());
        assert_eq!(c.peer_addr().unwrap(), addr);
        for i in 0..100u32 {
            let msg = format!("message {i}");
            c.write_all(msg.as_bytes()).await.unwrap();
            let mut back = vec![0u8; msg.len()];
            c.read_exact(&mut back).await.unwrap();
            assert_eq!(back, msg.as_bytes());
        }
        server.cancel();
    })
    .unwrap();
}

/// The soft limit on open files (Linux), if known.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn a_thousand_concurrent_clients_on_one_loop() {
    // Each client costs two descriptors (its end and the server's).
    let mut clients_wanted = 1000u32;
    if let Some(limit) = open_files_limit()
        && limit < 2100
    {
        clients_wanted = ((limit.saturating_sub(100)) / 2) as u32;
        eprintln!("open-file limit is {limit}: running {clients_wanted} clients instead of 1000");
    }
    evloop::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = echo_server(listener);
        let clients: Vec<_> = (0..clients_wanted)
            .map(|i| {
                evloop::spawn(async move {
                    let mut c = TcpStream::connect(addr).await?;
                    let msg = i.to_be_bytes();
                    for _ in 0..3 {
                        c.write_all(&msg).await?;
                        let mut back = [0u8; 4];
                        c.read_exact(&mut back).await?;
                        assert_eq!(back, msg);
                    }
                    Ok::<_, std::io::Error>(())
                })
            })
            .collect();
        let results = evloop::gather(clients).await.unwrap();
        let failed = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(
            failed,
            0,
            "first failure: {:?}",
            results.iter().find(|r| r.is_err())
        );
        server.cancel();
    })
    .unwrap();
}

#[test]
fn half_close_lets_the_peer_finish_sending() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            conn.read_to_end(&mut got).await.unwrap(); // ends at the client's half-close
            conn.write_all(format!("got {} bytes", got.len()).as_bytes())
                .await
                .unwrap();
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(&[7u8; 10_000]).await.unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let mut reply = Vec::new();
        c.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"got 10000 bytes");
        server.await.unwrap();
    })
    .unwrap();
}

#[test]
fn a_slow_reader_applies_back_pressure() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let total = 8 * 1024 * 1024; // far more than the socket buffers hold
        let writer = evloop::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let chunk = vec![1u8; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                conn.write_all(&chunk).await.unwrap();
                sent += chunk.len();
            }
            conn.close().await.unwrap();
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        // Read slowly at first: the writer must wait (not fail, not spin) meanwhile.
        evloop::sleep(Duration::from_millis(50)).await;
        assert!(
            !writer.done(),
            "the writer is held back by the full buffers"
        );
        let mut received = Vec::new();
        c.read_to_end(&mut received).await.unwrap();
        assert_eq!(received.len(), total);
        writer.await.unwrap();
    })
    .unwrap();
}

#[test]
fn faults_are_errors_and_the_loop_goes_on() {
    evloop::run(async {
        // A refused connection: bind a port, free it, then connect to it.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let refused = TcpStream::connect(port).await.unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        // Unparsable addresses are errors, not panics.
        assert!(TcpListener::bind("not an address").is_err());
        assert!(TcpStream::connect("256.0.0.1:80").await.is_err());
        assert!(UdpSocket::bind("127.0.0.1:99999").is_err());
        // A peer that closes mid-message: the reader sees end of stream early.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            conn.write_all(b"half").await.unwrap(); // then drops the connection
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        let mut buf = [0u8; 8];
        let err = c.read_exact(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        server.await.unwrap();
    })
    .unwrap();
}

#[test]
fn sockets_need_a_running_loop() {
    let err = TcpListener::bind("127.0.0.1:0").unwrap_err();
    assert!(err.to_string().contains("running event loop"), "{err}");
}

#[test]
fn udp_send_to_and_recv_from() {
    evloop::run(async {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        a.send_to(b"ping", b_addr).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], a_addr));
        b.connect(a_addr).unwrap();
        b.send(b"pong").await.unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pong");
    })
    .unwrap();
}
