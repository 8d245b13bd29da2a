//! Subprocesses (asyncio-semantics.md §20.5): piped streams, communicate, wait, kill,
//! returncode, exits noticed without blocking the loop.
#![cfg(all(unix, feature = "process"))]

use std::cell::Cell;
use std::io;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use evloop::process::{create_subprocess_exec, spawn};

#[test]
fn communicate_pipes_data_through_sort() {
    evloop::run(async {
        let mut p = create_subprocess_exec("sort", Vec::<&str>::new()).unwrap();
        assert!(p.pid() > 0);
        let (out, err) = p.communicate(Some(b"pear\napple\nfig\n")).await.unwrap();
        assert_eq!(out, b"apple\nfig\npear\n");
        assert!(err.is_empty());
        assert_eq!(p.returncode(), Some(0));
    })
    .unwrap();
}

#[test]
fn returncode_is_none_while_running_then_the_exit_code() {
    evloop::run(async {
        let p = create_subprocess_exec("sh", ["-c", "sleep 0.1; exit 3"]).unwrap();
        assert_eq!(p.returncode(), None);
        assert_eq!(p.wait().await, 3);
        assert_eq!(p.returncode(), Some(3));
        assert_eq!(p.wait().await, 3, "wait again gives the same code");
    })
    .unwrap();
}

#[test]
fn kill_ends_the_child_with_minus_nine() {
    evloop::run(async {
        let p = create_subprocess_exec("sleep", ["30"]).unwrap();
        evloop::sleep(Duration::from_millis(20)).await;
        p.kill().unwrap();
        assert_eq!(p.wait().await, -9);
        // Already reaped: asyncio raises ProcessLookupError (ESRCH), and so does evloop.
        let gone = p.kill().unwrap_err();
        assert_eq!(gone.raw_os_error(), Some(libc::ESRCH), "{gone}");
    })
    .unwrap();
}

#[test]
fn stdout_and_stderr_are_separate_streams() {
    evloop::run(async {
        let mut p = create_subprocess_exec("sh", ["-c", "echo out; echo err >&2; exit 1"]).unwrap();
        let (out, err) = p.communicate(None).await.unwrap();
        assert_eq!(
            (out.as_slice(), err.as_slice()),
            (&b"out\n"[..], &b"err\n"[..])
        );
        assert_eq!(p.returncode(), Some(1));
    })
    .unwrap();
}

#[test]
fn output_streams_while_the_loop_keeps_running() {
    evloop::run(async {
        let ticks = Rc::new(Cell::new(0));
        let t = ticks.clone();
        let ticker = evloop::spawn(async move {
            loop {
                evloop::sleep(Duration::from_millis(5)).await;
                t.set(t.get() + 1);
            }
        });
        let mut p = create_subprocess_exec("sh", ["-c", "echo one; sleep 0.2; echo two"]).unwrap();
        let out = p.stdout.as_mut().unwrap();
        assert_eq!(out.readline().await.unwrap(), b"one\n");
        let before = ticks.get();
        assert_eq!(out.readline().await.unwrap(), b"two\n");
        assert!(
            ticks.get() > before + 5,
            "the loop ran other tasks while the child slept"
        );
        assert_eq!(out.readline().await.unwrap(), b"", "end of stream");
        assert_eq!(p.wait().await, 0);
        ticker.cancel();
    })
    .unwrap();
}

#[test]
fn a_child_that_ignores_its_input_is_not_an_error() {
    evloop::run(async {
        let mut p = create_subprocess_exec("true", Vec::<&str>::new()).unwrap();
        let big = vec![b'x'; 1 << 20];
        let (out, _) = p.communicate(Some(&big)).await.unwrap();
        assert!(out.is_empty());
        assert_eq!(p.returncode(), Some(0));
    })
    .unwrap();
}

#[test]
fn a_missing_program_is_an_error() {
    evloop::run(async {
        let err = create_subprocess_exec("no-such-program-evloop", ["x"])
            .err()
            .expect("cannot start");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    })
    .unwrap();
}

#[test]
fn only_the_piped_streams_are_streams() {
    evloop::run(async {
        let mut cmd = Command::new("echo");
        cmd.arg("hi").stdout(Stdio::piped());
        let mut p = spawn(&mut cmd).unwrap();
        assert!(p.stdin.is_none() && p.stderr.is_none());
        let (out, err) = p.communicate(None).await.unwrap();
        assert_eq!((out.as_slice(), err.len()), (&b"hi\n"[..], 0));
    })
    .unwrap();
}

#[test]
fn many_children_are_all_reaped() {
    evloop::run(async {
        let procs: Vec<_> = (0..50)
            .map(|i| create_subprocess_exec("sh", ["-c", &format!("exit {}", i % 7)]).unwrap())
            .collect();
        for (i, p) in procs.iter().enumerate() {
            assert_eq!(p.wait().await, (i % 7) as i32);
        }
    })
    .unwrap();
}

#[test]
fn outside_a_loop_is_an_error() {
    assert!(create_subprocess_exec("true", Vec::<&str>::new()).is_err());
}

/// `terminate`, `send_signal` and a signal to a child already gone, as asyncio:
///
/// ```python
/// async def main():
///     p = await asyncio.create_subprocess_exec("sleep", "10")
///     p.terminate()
///     print(await p.wait())
///     q = await asyncio.create_subprocess_exec("sleep", "10")
///     q.send_signal(signal.SIGINT)
///     print(await q.wait())
///     r = await asyncio.create_subprocess_exec("true")
///     await r.wait()
///     try:
///         r.terminate()
///         print("no error", r.returncode)
///     except ProcessLookupError:
///         print("ProcessLookupError", r.returncode)
/// ```
///
/// prints `-15`, `-2`, `ProcessLookupError 0` (3.11 and 3.13).
#[test]
fn terminate_and_send_signal_as_asyncio() {
    let lines = evloop::run(async {
        let mut lines = Vec::new();
        let p = create_subprocess_exec("sleep", ["10"]).unwrap();
        p.terminate().unwrap();
        lines.push(p.wait().await.to_string());
        let q = create_subprocess_exec("sleep", ["10"]).unwrap();
        q.send_signal(libc::SIGINT).unwrap();
        lines.push(q.wait().await.to_string());
        let r = create_subprocess_exec("true", Vec::<&str>::new()).unwrap();
        r.wait().await;
        match r.terminate() {
            Ok(()) => lines.push(format!("no error {:?}", r.returncode())),
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {
                lines.push(format!("ProcessLookupError {}", r.returncode().unwrap()))
            }
            Err(e) => lines.push(format!("other error {e}")),
        }
        assert_eq!(
            r.send_signal(12345).unwrap_err().kind(),
            std::io::ErrorKind::InvalidInput
        );
        lines
    })
    .unwrap();
    assert_eq!(lines, ["-15", "-2", "ProcessLookupError 0"]);
}

/// `create_subprocess_shell`, as asyncio:
///
/// ```python
/// p = await asyncio.create_subprocess_shell("echo $((6 * 7)); exit 3", stdout=PIPE)
/// out, _ = await p.communicate()
/// print(out, p.returncode)   # b'42\n' 3
/// ```
#[test]
fn create_subprocess_shell_as_asyncio() {
    let (out, code) = evloop::run(async {
        let mut p = evloop::process::create_subprocess_shell("echo $((6 * 7)); exit 3").unwrap();
        let (out, _err) = p.communicate(None).await.unwrap();
        (out, p.returncode())
    })
    .unwrap();
    assert_eq!((&out[..], code), (&b"42\n"[..], Some(3)));
}
