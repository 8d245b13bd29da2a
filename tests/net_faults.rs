//! Faults a server meets (issue "Real I/O", item 8): a reset connection, a full accept queue,
//! and running out of file descriptors. Each gives a clear error and the loop goes on
//! serving the other connections; `EMFILE` on accept must not spin the loop.
#![cfg(all(target_os = "linux", feature = "net"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream as StdTcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream};
use evloop::streams::{StreamReader, StreamWriter, open_connection, start_server};

/// Echoes lines until the client closes.
async fn echo_lines(mut reader: StreamReader, writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break;
        }
        writer.write(&line);
        if writer.drain().await.is_err() {
            break;
        }
    }
}

#[test]
fn a_reset_is_an_error_for_that_connection_only() {
    evloop::run(async {
        let server = start_server(echo_lines, "127.0.0.1", 0).unwrap();
        let port = server.local_addr().unwrap().port();
        // A raw peer that gets a reset: its peer closed with unread data.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut victim = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (resetter, _) = listener.accept().await.unwrap();
        victim.write_all(b"never read").await.unwrap();
        evloop::sleep(Duration::from_millis(20)).await;
        drop(resetter); // unread data: RST, not FIN
        let mut buf = [0u8; 4];
        let err = victim.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
        // The loop still serves the echo server's clients.
        let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
        w.write(b"still serving\n");
        assert_eq!(r.readline().await.unwrap(), b"still serving\n");
        server.close();
    })
    .unwrap();
}

#[test]
fn a_full_accept_queue_times_the_connect_out_and_the_loop_goes_on() {
    evloop::run(async {
        // A listener that never accepts, with the smallest queue std gives (128).
        let full = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = full.local_addr().unwrap();
        let mut queued = Vec::new();
        let timed_out = loop {
            match TcpStream::connect_timeout(addr, Duration::from_millis(200)).await {
                Ok(c) => queued.push(c),
                Err(e) => break e,
            }
            assert!(queued.len() < 10_000, "the queue never filled");
        };
        assert_eq!(timed_out.kind(), std::io::ErrorKind::TimedOut);
        assert!(queued.len() >= 100, "only {} queued", queued.len());
        // Other work on the loop is unaffected.
        let server = start_server(echo_lines, "127.0.0.1", 0).unwrap();
        let port = server.local_addr().unwrap().port();
        let (mut r, w) = open_connection("127.0.0.1", port).await.unwrap();
        w.write(b"fine\n");
        assert_eq!(r.readline().await.unwrap(), b"fine\n");
        server.close();
    })
    .unwrap();
}

/// The server half of `emfile_on_accept_does_not_spin`, run in a child process with a low
/// descriptor limit (set by the parent through `ulimit -n`). Without the variable it is the
/// ordinary test binary's run and does nothing.
#[test]
fn emfile_server_child() {
    if std::env::var_os("EVLOOP_EMFILE_CHILD").is_none() {
        return;
    }
    evloop::run(async {
        let server = start_server(echo_lines, "127.0.0.1", 0).unwrap();
        println!("port {}", server.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        // Serve until the parent kills us (or give up after a minute).
        evloop::sleep(Duration::from_secs(60)).await;
    })
    .unwrap();
}

/// CPU time (user + system) of process `pid`, in clock ticks (from `/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn ping(c: &mut StdTcpStream, msg: &str) -> String {
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(msg.as_bytes()).unwrap();
    let mut line = String::new();
    let mut byte = [0u8; 1];
    while !line.ends_with('\n') {
        assert_eq!(c.read(&mut byte).unwrap(), 1, "server closed");
        line.push(byte[0] as char);
    }
    line
}

#[test]
fn emfile_on_accept_does_not_spin_and_serving_goes_on() {
    // A server process allowed 40 descriptors; 100 clients connect to it.
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(
            r#"ulimit -n 40 && exec "$0" --exact emfile_server_child --nocapture --test-threads=1"#,
        )
        .arg(&exe)
        .env("EVLOOP_EMFILE_CHILD", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let port = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "child ended early");
        // The harness prints "test emfile_server_child ... " on the same line.
        if let Some((_, p)) = line.trim().split_once("port ") {
            break p.parse::<u16>().unwrap();
        }
    };
    let mut clients: Vec<StdTcpStream> = (0..100)
        .map(|_| StdTcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    // The first clients were accepted and are served.
    assert_eq!(ping(&mut clients[0], "first\n"), "first\n");
    // The server now fails every accept with EMFILE; it must back off, not spin.
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(child.id()) - before;
    // Clock ticks are 1/100 s: spinning would use about 100 in that second.
    assert!(
        used < 30,
        "the server used {used} ticks of CPU in 1 s while out of descriptors"
    );
    // Free descriptors: the server accepts the rest and serves the last client.
    let mut last = clients.pop().unwrap();
    drop(clients);
    assert_eq!(ping(&mut last, "last\n"), "last\n");
    child.kill().unwrap();
    child.wait().unwrap();
}
