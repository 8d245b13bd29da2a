//! Unix-domain sockets in a temporary directory.
#![cfg(all(feature = "net", unix))]

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{UnixListener, UnixStream};

#[test]
fn unix_listener_and_stream_echo() {
    let dir = std::env::temp_dir().join(format!("evloop-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let p = path.clone();
    evloop::run(async move {
        let listener = UnixListener::bind(&p).unwrap();
        let server = evloop::spawn(async move {
            let mut conn = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            conn.read_exact(&mut buf).await.unwrap();
            conn.write_all(&buf).await.unwrap();
        });
        let mut c = UnixStream::connect(&p).await.unwrap();
        c.write_all(b"hello").await.unwrap();
        let mut back = [0u8; 5];
        c.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"hello");
        server.await.unwrap();
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_all(b"pair").await.unwrap();
        let mut got = [0u8; 4];
        b.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"pair");
    })
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
