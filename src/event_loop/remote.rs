//! The thread-safe door into a loop: `call_soon_threadsafe` and wakes from other threads.
//!
//! Everything else in evloop is single-threaded and lock-free. Work that comes from another
//! thread is pushed onto one mutex-protected queue in [`Inbox`], and the loop is woken
//! through its [`mio::Waker`] (asyncio: `_write_to_self`, one byte on the self-pipe). The loop
//! drains the queue in the readiness phase of its next turn.
//!
//! To avoid a syscall per remote call, `notified` remembers that a wake-up is already on its
//! way: only the first push after a drain writes to the waker. The loop clears the flag
//! *before* taking the queue, so a push that races with a drain either lands in the batch
//! being taken or sees the flag clear and wakes the loop again; nothing is stranded. The
//! loom models in `loom_inbox` check this in every interleaving (`scripts/loom`).

use std::io;
use std::panic::Location;

use crate::task::cross_thread::{AtomicBool, Mutex, MutexGuard, Ordering};
use crate::task::waker::RemoteWake;
use crate::task::waker::WakeRef;

/// One piece of work sent from another thread.
pub(crate) enum Remote {
    /// A callback from `call_soon_threadsafe`, and where it was scheduled.
    Call(
        Box<dyn FnOnce() + Send + 'static>,
        &'static Location<'static>,
    ),
    /// A task woken from another thread (or on this thread while the loop was not running).
    Wake(WakeRef),
}

/// What interrupts the loop's poll: the reactor's [`mio::Waker`]. A parameter of [`Inbox`]
/// only so that the loom models can put a poller loom sees in its place; the loop always
/// uses `mio::Waker`, and the inbox compiles to the same code as with the field's type
/// written out.
pub(crate) trait PollWaker: Send + Sync {
    /// Makes the loop's current poll return, or its next one return at once.
    fn wake(&self) -> io::Result<()>;
}

impl PollWaker for mio::Waker {
    #[inline]
    fn wake(&self) -> io::Result<()> {
        mio::Waker::wake(self)
    }
}

/// The part of a loop that other threads may touch.
pub(crate) struct Inbox<W = mio::Waker> {
    /// Work waiting for the loop thread, in arrival order.
    queue: Mutex<Vec<Remote>>,
    /// Interrupts the loop's poll.
    waker: W,
    /// True from the first push after a drain until the next drain.
    notified: AtomicBool,
    /// Set by `close`; pushes are refused afterwards.
    closed: AtomicBool,
}

/// A task woken on another thread goes through the same queue as remote calls, so the two
/// keep their order.
impl<W: PollWaker> RemoteWake for Inbox<W> {
    fn wake(&self, task: WakeRef) {
        // A closed loop refuses the wake and hands it back, to be dropped: a wake for a
        // closed loop is a no-op.
        let _ = self.push(Remote::Wake(task));
    }
}

impl<W: PollWaker> Inbox<W> {
    pub(crate) fn new(waker: W) -> Inbox<W> {
        Inbox {
            queue: Mutex::new(Vec::new()),
            waker,
            notified: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        }
    }

    /// The queue, even if a thread panicked while holding the lock (the queue itself is
    /// always consistent: every critical section is a single push or take).
    fn lock(&self) -> MutexGuard<'_, Vec<Remote>> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues work for the loop thread and wakes it. Fails if the loop is closed, handing
    /// the work back untouched.
    pub(crate) fn push(&self, item: Remote) -> Result<(), Remote> {
        {
            let mut q = self.lock();
            if self.closed.load(Ordering::Acquire) {
                return Err(item);
            }
            q.push(item);
        }
        if !self.notified.swap(true, Ordering::AcqRel) {
            // A failed wake means the poller is gone, i.e. the loop is being torn down;
            // the item is then dropped with the queue.
            let _ = self.waker.wake();
        }
        Ok(())
    }

    /// True if work was queued since the last drain: one atomic load, no lock, no syscall,
    /// so the loop can look every turn even when it skips the poll.
    pub(crate) fn has_pending(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Takes everything queued so far (called by the loop thread).
    pub(crate) fn drain(&self) -> Vec<Remote> {
        // A push whose item misses this batch locks the queue after us, so its swap comes
        // after this write and reads false. A swap rather than a store, for loom's sake:
        // loom may let such a swap read a value from before a plain store it must follow
        // (tokio-rs/loom#254) and reports a lost wake-up that cannot happen. On x86 the
        // two compile to the same `xchg`.
        self.notified.swap(false, Ordering::SeqCst);
        std::mem::take(&mut *self.lock())
    }

    /// Refuses further pushes and returns what is still queued, for the caller to drop.
    pub(crate) fn close(&self) -> Vec<Remote> {
        let mut q = self.lock();
        self.closed.store(true, Ordering::Release);
        std::mem::take(&mut *q)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}
