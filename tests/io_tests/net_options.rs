//! Socket control (issue 27, point 5): asyncio's `backlog`, `reuse_address` and
//! `reuse_port` on a server, `TCP_NODELAY`, keepalive and buffer sizes on a connection,
//! adopting and handing back std sockets, owned halves, and the extremes of each value.

use std::time::Duration;

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpSocket, TcpStream};
use evloop::server::ServerOptions;
use evloop::streams::{open_connection, start_server_with};

/// asyncio: two `start_server(..., reuse_port=True)` on one port both serve.
#[test]
fn reuse_port_lets_two_servers_share_a_port() {
    evloop::run(async {
        let options = ServerOptions::new().reuse_port(true);
        let echo = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move {
            let line = r.readline().await.unwrap_or_default();
            w.write(&line);
            w.close();
        };
        let a = start_server_with(echo, "127.0.0.1", 0, &options).unwrap();
        let port = a.local_addr().unwrap().port();
        let b = start_server_with(echo, "127.0.0.1", port, &options).unwrap();
        for _ in 0..4 {
            let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
            w.write(b"x\n");
            assert_eq!(r.readline().await.unwrap(), b"x\n");
        }
        // Without the option the port is taken (asyncio: OSError EADDRINUSE).
        let taken = start_server_with(echo, "127.0.0.1", port, &ServerOptions::new());
        assert_eq!(taken.err().unwrap().kind(), std::io::ErrorKind::AddrInUse);
        a.close();
        b.close();
    })
    .unwrap();
}

/// Backlogs at the extremes listen (the kernel clamps to `somaxconn`); the listener works.
#[test]
fn backlog_extremes_listen() {
    evloop::run(async {
        for backlog in [0, 1, 100, u32::MAX] {
            let options = ServerOptions::new().backlog(backlog);
            let server = start_server_with(|_, _| async {}, "127.0.0.1", 0, &options).unwrap();
            let addr = server.local_addr().unwrap();
            TcpStream::connect(addr).await.unwrap();
            server.close();
        }
    })
    .unwrap();
}

/// Options before connecting, and on a connection: the values read back; buffer sizes at
/// 0 and `u32::MAX` are clamped by the kernel, not errors.
#[test]
fn socket_options_read_back() {
    evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let socket = TcpSocket::for_addr(addr).unwrap();
        socket.set_nodelay(true).unwrap();
        socket.set_keepalive(true).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        assert!(stream.nodelay().unwrap());
        assert!(stream.keepalive().unwrap());
        // Idle times saturate to the range the kernel takes.
        for idle in [Duration::ZERO, Duration::from_secs(60), Duration::MAX] {
            stream.set_keepalive(Some(idle)).unwrap();
            assert!(stream.keepalive().unwrap());
        }
        stream.set_keepalive(None).unwrap();
        assert!(!stream.keepalive().unwrap());
        for size in [0, 1, 64 * 1024, u32::MAX] {
            stream.set_send_buffer_size(size).unwrap();
            stream.set_recv_buffer_size(size).unwrap();
            assert!(stream.send_buffer_size().unwrap() > 0);
            assert!(stream.recv_buffer_size().unwrap() > 0);
        }
        // Connecting to a refused port with a prepared socket is an error, not a hang.
        drop(listener);
        let refused = TcpSocket::new_v4().unwrap().connect(addr).await;
        assert_eq!(
            refused.err().unwrap().kind(),
            std::io::ErrorKind::ConnectionRefused
        );
    })
    .unwrap();
}

/// std sockets in and out: a listener adopted, a connection handed back blocking.
#[test]
fn std_sockets_come_in_and_go_out() {
    let (std_stream, mut peer) = evloop::run(async {
        let listener =
            TcpListener::from_std(std::net::TcpListener::bind("127.0.0.1:0").unwrap()).unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        (stream.into_std().unwrap(), peer.into_std().unwrap())
    })
    .unwrap();
    use std::io::{Read, Write};
    (&std_stream).write_all(b"after the loop").unwrap();
    let mut got = [0u8; 14];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"after the loop");
}

/// Owned halves on a Unix pair, in two tasks; `shutdown` on every stream type.
#[cfg(unix)]
#[test]
fn unix_halves_and_shutdown() {
    evloop::run(async {
        let (a, mut b) = evloop::net::UnixStream::pair().unwrap();
        let (mut read, mut write) = a.into_split();
        let writer = evloop::spawn(async move {
            write.write_all(b"half").await.unwrap();
            write.close().await.unwrap();
        });
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"half");
        writer.await.unwrap();
        b.shutdown(std::net::Shutdown::Write).unwrap();
        let mut rest = Vec::new();
        read.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert!(read.get_ref().local_addr().unwrap().is_unnamed());
    })
    .unwrap();
}

/// `from_std` on every socket type needs a running loop: outside one it is an error (the
/// socket is dropped and closed), never a panic; `into_std` on every type gives a blocking
/// socket that still works after the loop has ended.
#[cfg(unix)]
#[test]
fn every_socket_type_goes_to_std_and_comes_back() {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    assert!(evloop::net::TcpListener::from_std(tcp).is_err());
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    assert!(evloop::net::UdpSocket::from_std(udp).is_err());
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    assert!(evloop::net::UnixStream::from_std(a).is_err());

    let (listener, udp, (ua, ub)) = evloop::run(async {
        let l =
            evloop::net::TcpListener::from_std(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
                .unwrap();
        let u = evloop::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap())
            .unwrap();
        let (a, b) = evloop::net::UnixStream::pair().unwrap();
        (
            l.into_std().unwrap(),
            u.into_std().unwrap(),
            (a.into_std().unwrap(), b.into_std().unwrap()),
        )
    })
    .unwrap();
    use std::io::{Read, Write};
    let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (served, _) = listener.accept().unwrap();
    assert_eq!(served.peer_addr().unwrap(), client.local_addr().unwrap());
    udp.send_to(b"self", udp.local_addr().unwrap()).unwrap();
    let mut buf = [0; 4];
    assert_eq!(udp.recv(&mut buf).unwrap(), 4); // blocking again
    (&ua).write_all(b"unix").unwrap();
    (&ub).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"unix");
}
