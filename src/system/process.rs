//! Subprocesses: asyncio's `create_subprocess_exec` and `Process`.
//!
//! A child's pipes are non-blocking descriptors registered with the loop's reactor, so its
//! `stdin` is a [`StreamWriter`] and its `stdout`/`stderr` are [`StreamReader`]s, exactly the
//! types a TCP connection gives.
//!
//! **Noticing that a child exited without blocking.** The kernel tells a parent with
//! `SIGCHLD`. Each loop that started children watches `SIGCHLD` through the
//! [signal machinery](crate::signals) (a self-pipe, so the check runs as a loop callback),
//! and on each one asks each of *its own* children whether it exited (`waitpid` with
//! `WNOHANG`, through [`std::process::Child::try_wait`]), so it never reaps a child it did
//! not start. This is asyncio's `SafeChildWatcher`; the watcher is installed before the first
//! child starts, so no exit can slip by unseen.
//!
//! # Examples
//!
//! ```
//! use evloop::process::create_subprocess_exec;
//!
//! evloop::run(async {
//!     let mut p = create_subprocess_exec("sort", ["-r"]).unwrap();
//!     let (out, _err) = p.communicate(Some(b"a\nc\nb\n")).await.unwrap();
//!     assert_eq!(out, b"c\nb\na\n");
//!     assert_eq!(p.returncode(), Some(0));
//! })
//! .unwrap();
//! ```

use std::cell::{Cell, RefCell};
use std::ffi::OsStr;
use std::future::poll_fn;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::task::{Poll, Waker};

use mio::unix::pipe;

use crate::error::StreamError;
use crate::event_loop::LoopHandle;
use crate::event_loop::core::Core;
use crate::io::pipe::pipe_end;
use crate::signals::{SIGCHLD, SignalWatch};
use crate::streams::{StreamReader, StreamWriter};

/// A child's exit, as its [`Process`] and the watcher share it.
#[derive(Default)]
struct ExitState {
    /// asyncio's `returncode`: the exit code, or `-signal` if a signal ended it.
    code: Cell<Option<i32>>,
    waiters: RefCell<Vec<Waker>>,
}

/// The children of one loop, checked on each `SIGCHLD`.
pub(crate) struct ChildWatcher {
    children: RefCell<Vec<(Child, Rc<ExitState>)>>,
    /// Kept for its `Drop`, which stops watching `SIGCHLD`.
    _watch: SignalWatch,
}

impl ChildWatcher {
    /// The loop's watcher, made (and `SIGCHLD` watched) on first use.
    fn of(handle: &LoopHandle) -> io::Result<Rc<ChildWatcher>> {
        let core: &Rc<Core> = &handle.core;
        core.components().get_or_try_insert_with(|| {
            let weak = Rc::downgrade(core);
            let watch = handle
                .watch_signal(SIGCHLD, move || {
                    let watcher = weak
                        .upgrade()
                        .and_then(|core| core.components().get::<ChildWatcher>());
                    if let Some(w) = watcher {
                        w.reap();
                    }
                })
                .map_err(io::Error::other)?;
            Ok(ChildWatcher {
                children: RefCell::new(Vec::new()),
                _watch: watch,
            })
        })
    }

    /// Asks each child whether it exited; records and wakes for those that did.
    fn reap(&self) {
        let mut exited = Vec::new();
        self.children.borrow_mut().retain_mut(|(child, state)| {
            match child.try_wait() {
                Ok(Some(status)) => {
                    let code = status
                        .code()
                        .or_else(|| status.signal().map(|s| -s))
                        .unwrap_or(-1);
                    exited.push((state.clone(), code));
                    false
                }
                Ok(None) => true,
                // Reaped by someone else (a `waitpid(-1)` elsewhere): the status is lost.
                Err(_) => {
                    exited.push((state.clone(), 255));
                    false
                }
            }
        });
        // Wake with no borrow held.
        for (state, code) in exited {
            state.code.set(Some(code));
            state.waiters.take().into_iter().for_each(Waker::wake);
        }
    }
}

/// A running (or finished) child process (asyncio `asyncio.subprocess.Process`).
///
/// Dropping it does not kill the child; the loop still notices its exit.
/// ```
/// # evloop::run(async {
/// let mut child = evloop::process::create_subprocess_exec("echo", ["hi"]).unwrap();
/// let (out, _) = child.communicate(None).await.unwrap();
/// assert_eq!((out, child.returncode()), (b"hi\n".to_vec(), Some(0)));
/// # }).unwrap();
/// ```
#[doc(alias("SubprocessProtocol", "SubprocessTransport", "tokio::process::Child"))]
pub struct Process {
    pid: u32,
    /// The child's standard input, if piped.
    /// ```
    /// # evloop::run(async {
    /// let mut child = evloop::process::create_subprocess_exec("cat", [""; 0]).unwrap();
    /// let stdin = child.stdin.take().unwrap(); // asyncio: proc.stdin.write(b"x"); proc.stdin.close()
    /// stdin.write(b"x");
    /// stdin.close();
    /// assert_eq!(child.communicate(None).await.unwrap().0, b"x");
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_pipe_transport")]
    pub stdin: Option<StreamWriter>,
    /// The child's standard output, if piped.
    /// ```
    /// # evloop::run(async {
    /// let mut child = evloop::process::create_subprocess_exec("echo", ["line"]).unwrap();
    /// let stdout = child.stdout.as_mut().unwrap();
    /// assert_eq!(stdout.readline().await.unwrap(), b"line\n"); // asyncio: await proc.stdout.readline()
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_pipe_transport")]
    pub stdout: Option<StreamReader>,
    /// The child's standard error, if piped.
    /// ```
    /// # evloop::run(async {
    /// let mut child = evloop::process::create_subprocess_shell("echo oops >&2").unwrap();
    /// let stderr = child.stderr.as_mut().unwrap();
    /// assert_eq!(stderr.read(None).await.unwrap(), b"oops\n"); // asyncio: await proc.stderr.read()
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_pipe_transport")]
    pub stderr: Option<StreamReader>,
    exit: Rc<ExitState>,
    watcher: Rc<ChildWatcher>,
}

/// Starts `program` with `args`, its stdin, stdout and stderr piped (asyncio
/// `create_subprocess_exec(program, *args, stdin=PIPE, stdout=PIPE, stderr=PIPE)`).
///
/// # Errors
///
/// The program could not be started (not found, not executable), or no running loop.
/// ```
/// # evloop::run(async {
/// let mut child = evloop::process::create_subprocess_exec("printf", ["%s-%s", "a", "b"]).unwrap();
/// assert_eq!(child.communicate(None).await.unwrap().0, b"a-b");
/// # }).unwrap();
/// ```
pub fn create_subprocess_exec<I, A>(program: impl AsRef<OsStr>, args: I) -> io::Result<Process>
where
    I: IntoIterator<Item = A>,
    A: AsRef<OsStr>,
{
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    spawn(&mut cmd)
}

/// Starts `cmd` with the shell (`/bin/sh -c cmd`), its stdin, stdout and stderr piped
/// (asyncio `create_subprocess_shell(cmd, stdin=PIPE, stdout=PIPE, stderr=PIPE)`). As with
/// any shell, quote what comes from outside.
///
/// # Errors
///
/// As [`create_subprocess_exec`].
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let mut child = evloop::process::create_subprocess_shell("echo $((6 * 7))").unwrap();
///     let (out, _err) = child.communicate(None).await.unwrap();
///     assert_eq!(out, b"42\n");
///     assert_eq!(child.returncode(), Some(0));
/// })
/// .unwrap();
/// ```
#[doc(alias = "subprocess_shell")]
pub fn create_subprocess_shell(cmd: impl AsRef<OsStr>) -> io::Result<Process> {
    create_subprocess_exec("/bin/sh", [OsStr::new("-c"), cmd.as_ref()])
}

/// Starts `cmd` as configured: each stream set to [`Stdio::piped`] becomes a stream of the
/// [`Process`], the others are as `cmd` says (inherited by default).
///
/// # Errors
///
/// As [`create_subprocess_exec`].
/// ```
/// # use std::process::{Command, Stdio};
/// # evloop::run(async {
/// let mut cmd = Command::new("echo"); // stdout=PIPE only
/// cmd.arg("piped").stdout(Stdio::piped());
/// let mut child = evloop::process::spawn(&mut cmd).unwrap();
/// assert!(child.stdin.is_none());
/// assert_eq!(child.communicate(None).await.unwrap().0, b"piped\n");
/// # }).unwrap();
/// ```
#[doc(alias("subprocess_exec", "Command::spawn"))]
#[doc(alias = "create_subprocess_exec")]
pub fn spawn(cmd: &mut Command) -> io::Result<Process> {
    let handle = crate::get_running_loop()
        .map_err(|_| io::Error::other("evloop subprocesses need a running event loop"))?;
    // Watch SIGCHLD before the child exists, so its exit cannot be missed.
    let watcher = ChildWatcher::of(&handle)?;
    let mut child = cmd.spawn()?;
    // If a pipe cannot be registered, the ends are closed by their drop and the child,
    // already on the list, is still reaped when it exits.
    let stdin = child.stdin.take().map(|p| pipe_end(pipe::Sender::from(p)));
    let stdout = child
        .stdout
        .take()
        .map(|p| pipe_end(pipe::Receiver::from(p)));
    let stderr = child
        .stderr
        .take()
        .map(|p| pipe_end(pipe::Receiver::from(p)));
    let exit = Rc::new(ExitState::default());
    let pid = child.id();
    watcher.children.borrow_mut().push((child, exit.clone()));
    // A child that already exited sent its SIGCHLD before it was on the list: look once.
    watcher.reap();
    Ok(Process {
        pid,
        stdin: stdin.transpose()?.map(|p| StreamWriter::new(Rc::new(p))),
        stdout: stdout.transpose()?.map(|p| StreamReader::new(Rc::new(p))),
        stderr: stderr.transpose()?.map(|p| StreamReader::new(Rc::new(p))),
        exit,
        watcher,
    })
}

impl Process {
    /// The child's process id.
    /// ```
    /// # evloop::run(async {
    /// let mut child = evloop::process::create_subprocess_shell("echo $$").unwrap();
    /// let pid = child.pid(); // the shell prints its own pid
    /// assert_eq!(child.communicate(None).await.unwrap().0, format!("{pid}\n").as_bytes());
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_pid")]
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The exit code once it exited (`-N` if signal `N` ended it); `None` while it runs.
    /// ```
    /// # evloop::run(async {
    /// let child = evloop::process::create_subprocess_exec("sh", ["-c", "exit 3"]).unwrap();
    /// child.wait().await;
    /// assert_eq!(child.returncode(), Some(3)); // asyncio: proc.returncode
    /// # }).unwrap();
    /// ```
    #[doc(alias = "get_returncode")]
    pub fn returncode(&self) -> Option<i32> {
        self.exit.code.get()
    }

    /// Waits for the child to exit; gives its return code.
    /// ```
    /// # evloop::run(async {
    /// let child = evloop::process::create_subprocess_exec("true", [""; 0]).unwrap();
    /// assert_eq!(child.wait().await, 0); // asyncio: await proc.wait()
    /// # }).unwrap();
    /// ```
    #[doc(alias = "process_exited")]
    pub async fn wait(&self) -> i32 {
        poll_fn(|cx| match self.exit.code.get() {
            Some(code) => Poll::Ready(code),
            None => {
                self.exit.waiters.borrow_mut().push(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Kills the child (`SIGKILL`); `wait` then gives `-9` (asyncio `Process.kill`).
    ///
    /// # Errors
    ///
    /// As [`send_signal`](Self::send_signal).
    /// ```
    /// # evloop::run(async {
    /// let child = evloop::process::create_subprocess_exec("sleep", ["10"]).unwrap();
    /// child.kill().unwrap();
    /// assert_eq!(child.wait().await, -9);
    /// # }).unwrap();
    /// ```
    pub fn kill(&self) -> io::Result<()> {
        self.send_signal(rustix::process::Signal::KILL.as_raw())
    }

    /// Asks the child to stop (`SIGTERM`); `wait` then gives `-15` unless it handles the
    /// signal (asyncio `Process.terminate`).
    ///
    /// # Errors
    ///
    /// As [`send_signal`](Self::send_signal).
    /// ```
    /// # evloop::run(async {
    /// let child = evloop::process::create_subprocess_exec("sleep", ["10"]).unwrap();
    /// child.terminate().unwrap();
    /// assert_eq!(child.wait().await, -15);
    /// # }).unwrap();
    /// ```
    pub fn terminate(&self) -> io::Result<()> {
        self.send_signal(rustix::process::Signal::TERM.as_raw())
    }

    /// Sends signal `sig` to the child (asyncio `Process.send_signal`). Once the loop has
    /// reaped the child no signal is sent, since its pid may belong to another process by
    /// then; until then the exited child's pid stays its own.
    ///
    /// # Errors
    ///
    /// The child was reaped: `ESRCH`, "No such process" (asyncio raises
    /// `ProcessLookupError`); `InvalidInput` for a number that is no signal; otherwise what
    /// the OS reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::process::create_subprocess_exec;
    ///
    /// evloop::run(async {
    ///     let child = create_subprocess_exec("sleep", ["10"]).unwrap();
    ///     child.send_signal(15).unwrap(); // SIGTERM
    ///     assert_eq!(child.wait().await, -15);
    ///     assert_eq!(child.returncode(), Some(-15));
    ///     assert!(child.send_signal(15).is_err()); // gone: ProcessLookupError
    /// })
    /// .unwrap();
    /// ```
    pub fn send_signal(&self, sig: i32) -> io::Result<()> {
        use rustix::process::{Pid, Signal, kill_process};
        let signal = Signal::from_named_raw(sig)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a signal number"))?;
        let children = self.watcher.children.borrow();
        if !children.iter().any(|(c, _)| c.id() == self.pid) {
            return Err(io::Error::from(rustix::io::Errno::SRCH));
        }
        let pid = i32::try_from(self.pid)
            .ok()
            .and_then(Pid::from_raw)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a process id"))?;
        kill_process(pid, signal).map_err(io::Error::from)
    }

    /// Sends `input` to stdin (if given) and closes it, reads stdout and stderr to the end at
    /// the same time, then waits for the exit (asyncio `communicate`). A child that exits
    /// without reading all of its input is not an error (the broken pipe is ignored).
    /// Streams that are not piped give empty output.
    ///
    /// # Errors
    ///
    /// Reading the output failed.
    /// ```
    /// # evloop::run(async {
    /// let mut child = evloop::process::create_subprocess_exec("tr", ["a-z", "A-Z"]).unwrap();
    /// let (out, err) = child.communicate(Some(b"shout")).await.unwrap();
    /// assert_eq!((&out[..], &err[..]), (&b"SHOUT"[..], &b""[..]));
    /// # }).unwrap();
    /// ```
    pub async fn communicate(
        &mut self,
        input: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Vec<u8>), StreamError> {
        let read_all = |r: Option<StreamReader>| {
            crate::spawn(async move {
                match r {
                    Some(mut r) => r.read(None).await,
                    None => Ok(Vec::new()),
                }
            })
        };
        let out = read_all(self.stdout.take());
        let err = read_all(self.stderr.take());
        if let Some(w) = self.stdin.take() {
            if let Some(data) = input {
                w.write(data);
                let _ = w.drain().await;
            }
            w.close();
            let _ = w.wait_closed().await;
        }
        let cancelled = |e| StreamError::Io(io::Error::other(e));
        let out = out.await.map_err(cancelled)??;
        let err = err.await.map_err(cancelled)??;
        self.wait().await;
        Ok((out, err))
    }
}
