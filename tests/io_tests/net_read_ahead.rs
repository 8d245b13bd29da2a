//! Stream reads that read ahead of the caller (`io::read_ahead`): the bytes read past a small
//! read come out in order before anything newer, the end of the stream comes after them, and
//! a read that drained the socket still wakes its reader for data that arrives later.
#![cfg(feature = "net")]

use std::net::Shutdown;
use std::time::Duration;

use evloop::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream};

/// A connected pair of TCP streams on loopback.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = evloop::spawn(async move { listener.accept().await.unwrap().0 });
    let a = TcpStream::connect(addr).await.unwrap();
    (a, accept.await.unwrap())
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Writes `data` in one burst and closes the writing side, while `reader` drains `from` in
/// reads of varied sizes; returns what it read up to the end of the stream.
async fn burst_then_end<S>(mut to: S, mut from: impl AsyncRead + Unpin, data: Vec<u8>) -> Vec<u8>
where
    S: AsyncWrite + Unpin + 'static,
{
    let writer = evloop::spawn(async move {
        to.write_all(&data).await.unwrap();
        to.close().await.unwrap();
        to // kept open for reading until the reader is done
    });
    // Let the whole burst arrive before the first read, so it is read ahead.
    evloop::sleep(Duration::from_millis(20)).await;
    let mut seen = Vec::new();
    // Small reads go through the loop's scratch buffer, the 4,000-byte one straight to the
    // caller's buffer once the spill is empty.
    let sizes = [7, 64, 1000, 1, 4000, 300];
    let mut buf = [0u8; 4000];
    for i in 0.. {
        let want = sizes[i % sizes.len()];
        let n = from.read(&mut buf[..want]).await.unwrap();
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    drop(writer.await.unwrap());
    seen
}

#[test]
fn bytes_read_ahead_come_out_in_order_then_the_end_tcp() {
    evloop::run(async {
        let (a, b) = tcp_pair().await;
        let data = pattern(100_000);
        let seen = burst_then_end(a, b, data.clone()).await;
        assert_eq!(seen.len(), data.len());
        assert!(seen == data, "bytes out of order");
    })
    .unwrap();
}

#[cfg(unix)]
#[test]
fn bytes_read_ahead_come_out_in_order_then_the_end_unix() {
    evloop::run(async {
        let (a, b) = evloop::net::UnixStream::pair().unwrap();
        let data = pattern(100_000);
        let seen = burst_then_end(a, b, data.clone()).await;
        assert!(seen == data, "bytes lost or out of order");
    })
    .unwrap();
}

#[test]
fn a_read_that_drained_the_socket_still_wakes_for_later_data() {
    evloop::run(async {
        let (mut a, mut b) = tcp_pair().await;
        a.set_nodelay(true).unwrap();
        let reader = evloop::spawn(async move {
            let mut got = Vec::new();
            let mut msg = [0u8; 64];
            for _ in 0..20 {
                // Each read takes exactly what was sent: the socket is drained and its
                // readiness cleared, so the next read waits for a new event.
                b.read_exact(&mut msg).await.unwrap();
                got.push(msg[0]);
            }
            got
        });
        for i in 0..20u8 {
            // The reader is already waiting when each message arrives.
            evloop::sleep(Duration::from_millis(2)).await;
            a.write_all(&[i; 64]).await.unwrap();
        }
        assert_eq!(reader.await.unwrap(), (0..20).collect::<Vec<u8>>());
        a.shutdown(Shutdown::Both).unwrap();
    })
    .unwrap();
}

#[test]
fn read_exact_across_the_spill_and_the_socket() {
    evloop::run(async {
        let (mut a, mut b) = tcp_pair().await;
        // 100 bytes arrive; a 10-byte read takes 10 and reads 90 ahead.
        a.write_all(&pattern(100)).await.unwrap();
        evloop::sleep(Duration::from_millis(10)).await;
        let mut first = [0u8; 10];
        b.read_exact(&mut first).await.unwrap();
        assert_eq!(first[..], pattern(10)[..]);
        // A 150-byte read_exact takes the 90 spilled, then waits for 60 more.
        let reader = evloop::spawn(async move {
            let mut rest = [0u8; 150];
            b.read_exact(&mut rest).await.unwrap();
            rest
        });
        evloop::sleep(Duration::from_millis(10)).await;
        a.write_all(&pattern(160)[100..]).await.unwrap();
        let rest = reader.await.unwrap();
        assert_eq!(rest[..], pattern(160)[10..]);
    })
    .unwrap();
}
