//! evloop's byte streams are the ecosystem's (issue 27, point 1): `futures::io`'s
//! `BufReader::lines`, `copy` and `split`, and a codec crate written against futures-io
//! (`asynchronous-codec`), all on evloop sockets and on the streams API, unchanged.

use evloop::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream, UnixStream};
use futures::{SinkExt, StreamExt, TryStreamExt};

#[test]
fn buf_reader_lines_over_a_tcp_stream() {
    let lines = evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        evloop::spawn(async move {
            let (mut peer, _) = listener.accept().await.unwrap();
            peer.write_all(b"one\ntwo\nthree").await.unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let lines = futures::io::BufReader::new(stream).lines();
        lines.try_collect::<Vec<String>>().await.unwrap()
    })
    .unwrap();
    assert_eq!(lines, ["one", "two", "three"]);
}

#[test]
fn copy_and_split_echo_a_unix_stream() {
    let echoed = evloop::run(async {
        let (client, server) = UnixStream::pair().unwrap();
        // The echo side: split into halves, copy one into the other.
        let echo = evloop::spawn(async move {
            let (reader, mut writer) = AsyncReadExt::split(server);
            futures::io::copy(reader, &mut writer).await.unwrap()
        });
        let (mut reader, mut writer) = AsyncReadExt::split(client);
        writer.write_all(b"hello, ").await.unwrap();
        writer.write_all(b"world").await.unwrap();
        writer.close().await.unwrap(); // half-close: the copy ends at end of stream
        let mut out = String::new();
        reader.read_to_string(&mut out).await.unwrap();
        (out, echo.await.unwrap())
    })
    .unwrap();
    assert_eq!(echoed, ("hello, world".to_string(), 12));
}

#[test]
fn a_futures_io_codec_frames_an_evloop_socket() {
    use asynchronous_codec::{Framed, LinesCodec};
    let replies = evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let server = evloop::spawn(async move {
            let mut framed = Framed::new(b, LinesCodec);
            while let Some(line) = framed.next().await {
                let line = line.unwrap();
                framed
                    .send(line.trim_end().to_uppercase() + "\n")
                    .await
                    .unwrap();
            }
        });
        let mut framed = Framed::new(a, LinesCodec);
        let mut replies = Vec::new();
        for word in ["ping\n", "pong\n"] {
            framed.send(word.to_string()).await.unwrap();
            replies.push(framed.next().await.unwrap().unwrap());
        }
        drop(framed);
        server.await.unwrap();
        replies
    })
    .unwrap();
    assert_eq!(replies, ["PING\n", "PONG\n"]);
}

/// The streams API is a futures-io stream too: `lines()` reads a `StreamReader`, and what
/// it leaves buffered asyncio's `readexactly` reads next; `copy` writes into a
/// `StreamWriter` with its flow control.
#[test]
fn stream_reader_and_writer_are_futures_io_streams() {
    let (first, rest) = evloop::run(async {
        let server = evloop::streams::start_server(
            |_reader, mut writer| async move {
                futures::io::copy(&b"head\nbody"[..], &mut writer)
                    .await
                    .unwrap();
                AsyncWriteExt::close(&mut writer).await.unwrap(); // the trait's close: write_eof
            },
            "127.0.0.1",
            0,
        )
        .unwrap();
        let port = server.local_addr().unwrap().port();
        let (mut reader, _w) = evloop::streams::open_connection("127.0.0.1", port)
            .await
            .unwrap();
        let mut first = String::new();
        reader.read_line(&mut first).await.unwrap();
        let rest = reader.readexactly(4).await.unwrap();
        (first, rest)
    })
    .unwrap();
    assert_eq!((first.as_str(), rest.as_slice()), ("head\n", &b"body"[..]));
}

/// With `tokio-io`, code written against tokio's traits takes evloop streams: here tokio's
/// own `BufReader::lines` over an evloop socket.
#[cfg(feature = "tokio-io")]
#[test]
fn tokio_traits_with_the_tokio_io_feature() {
    use tokio::io::AsyncBufReadExt as _;
    let lines = evloop::run(async {
        let (a, b) = UnixStream::pair().unwrap();
        evloop::spawn(async move {
            let mut a = a;
            tokio::io::AsyncWriteExt::write_all(&mut a, b"x\ny\n")
                .await
                .unwrap();
        });
        let mut lines = tokio::io::BufReader::new(b).lines();
        let mut out = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            out.push(line);
        }
        out
    })
    .unwrap();
    assert_eq!(lines, ["x", "y"]);
}
