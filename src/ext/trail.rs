//! The trail of a command: the extensions it came through, so that a command cycle
//! (A → B → A → ...) is stopped instead of growing memory without end.
//!
//! A handler that sends a command while it handles one (forwarding it, or a new one) makes
//! the new command one hop further from the original. The runtime tracks that without any
//! help from the extension: while a command handler is polled, the path of its command is
//! the *current* trail of the thread, and `send_cmd` called from inside it starts the next
//! hop from there (each [`OutPath`] knows its sender, its depth and its parent path). Past
//! [`AppOptions::max_cmd_hops`](super::AppOptions::max_cmd_hops) hops, `send_cmd` fails with
//! [`TenError::CmdCycle`](super::TenError::CmdCycle) naming the cycle, and the original
//! sender gets that error as an ERROR result at once.
//!
//! A command sent from a task the handler spawned starts a new trail: the runtime cannot see
//! that it was caused by the command.

use std::cell::Cell;
use std::rc::Rc;

use super::path::OutPath;

/// The cycle a command was stopped in, as node indexes: the trail ending at `parent`
/// continued by `sender`, from `sender`'s previous appearance to it (`[b, a, b]`), or the
/// whole trail if no node repeats.
pub(crate) fn cycle(parent: &OutPath, sender: usize) -> Vec<usize> {
    let mut trail = vec![sender];
    let mut hop = Some(parent);
    while let Some(p) = hop {
        trail.push(p.sender());
        hop = p.parent().map(|p| &**p);
    }
    trail.reverse();
    let last = trail.len() - 1;
    match trail[..last].iter().rposition(|&n| n == sender) {
        Some(start) => trail.split_off(start),
        None => trail,
    }
}

/// The original command of the trail ending at `path`.
pub(crate) fn root(path: &Rc<OutPath>) -> &Rc<OutPath> {
    let mut root = path;
    while let Some(p) = root.parent() {
        root = p;
    }
    root
}

thread_local! {
    /// The path of the command whose handler is being polled on this thread.
    static CURRENT: Cell<Option<Rc<OutPath>>> = const { Cell::new(None) };
}

/// The path of the command being handled right now, if any.
pub(crate) fn current() -> Option<Rc<OutPath>> {
    CURRENT.with(|c| {
        let path = c.take();
        let copy = path.clone();
        c.set(path);
        copy
    })
}

/// Puts the trail back where it came from, and the previous current trail back in place,
/// when dropped (also on unwinding).
struct Restore<'a> {
    home: &'a mut Option<Rc<OutPath>>,
    prev: Option<Rc<OutPath>>,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let prev = self.prev.take();
        *self.home = CURRENT.with(|c| c.replace(prev));
    }
}

/// Runs `f` with `trail` as the current trail. The trail is moved into place and back, so
/// no reference count changes.
pub(crate) fn within<R>(trail: &mut Option<Rc<OutPath>>, f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(|c| c.replace(trail.take()));
    let _restore = Restore { home: trail, prev };
    f()
}
