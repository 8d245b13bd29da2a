//! Path timeouts: one timer per sending extension rather than one per command. Each path
//! carries its deadline; the extension's sweep timer is armed for the earliest deadline it
//! may have to meet, and when it fires it fails every open path that is due, then arms
//! itself again for the earliest open one. A command that completes costs no timer at all.
//!
//! Nor, most of the time, a read of the clock. An extension that sends a stream of
//! commands reads the clock for the first one of an *epoch*, and its sweep is armed for the
//! epoch's end, at most [`EPOCH`] (or a sixteenth of the path timeout, if shorter) later.
//! The commands it sends meanwhile get no deadline yet; when the sweep fires, it reads the
//! clock once and stamps every path still open with its timeout counted from then. So a
//! path never times out early (it was sent before the stamp), and at most an epoch late
//! (TEN checks its paths every 10 seconds, `ten.path_check_interval`). After a sweep the
//! next command starts a new epoch.

use std::rc::Rc;
use std::time::{Duration, Instant};

use super::error::TenError;
use super::runtime::Runtime;

/// A deadline for a timeout too large to add to the clock: the loop treats anything this
/// far off as never (it clamps deadlines to its own far future).
const NEVER: Duration = Duration::from_secs(1 << 40);

/// The longest epoch: how late a path timeout may fire, at most.
pub(crate) const EPOCH: Duration = Duration::from_secs(1);

/// `at + timeout`, saturating at [`NEVER`].
fn after(at: Instant, timeout: Duration) -> Instant {
    at.checked_add(timeout).unwrap_or_else(|| at + NEVER)
}

impl Runtime {
    /// The deadline of a command `node` sends now with `timeout`: its timeout from the
    /// loop's time if this command starts an epoch, else `None` (the sweep, armed for the
    /// epoch's end, stamps it then).
    pub(crate) fn path_deadline(
        self: &Rc<Self>,
        node: usize,
        timeout: Duration,
    ) -> Result<Option<Instant>, TenError> {
        let n = &self.nodes[node];
        if let Some(start) = n.epoch.get() {
            let end = after(start, (timeout / 16).min(EPOCH));
            self.arm_path_sweep(node, end)?;
            return Ok(None);
        }
        let now = crate::get_running_loop()
            .map_err(|e| TenError::Generic(e.to_string()))?
            .time();
        n.epoch.set(Some(now));
        let deadline = after(now, timeout);
        self.arm_path_sweep(node, deadline)?;
        Ok(Some(deadline))
    }

    /// Makes sure `node`'s sweep fires by `deadline` (a path due then was just added).
    pub(crate) fn arm_path_sweep(
        self: &Rc<Self>,
        node: usize,
        deadline: Instant,
    ) -> Result<(), TenError> {
        let mut sweep = self.nodes[node].sweep.borrow_mut();
        if sweep.as_ref().is_some_and(|(at, _)| *at <= deadline) {
            return Ok(());
        }
        let weak = Rc::downgrade(self);
        let timer = crate::get_running_loop()
            .and_then(|ev| {
                ev.call_at(deadline, move || {
                    if let Some(rt) = weak.upgrade() {
                        rt.sweep_paths(node);
                    }
                })
            })
            .map_err(|e| TenError::Generic(e.to_string()))?;
        if let Some((_, earlier)) = sweep.replace((deadline, timer)) {
            earlier.cancel();
        }
        Ok(())
    }

    /// `node`'s sweep fired: the epoch ends (paths without a deadline get theirs, counted
    /// from now), its due paths fail with "Path timeout.", in the order they were sent, and
    /// the sweep is armed again for the earliest path still open.
    fn sweep_paths(self: &Rc<Self>, node: usize) {
        self.nodes[node].sweep.borrow_mut().take();
        self.nodes[node].epoch.set(None);
        let Ok(ev) = crate::get_running_loop() else {
            return;
        };
        let now = ev.time();
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        for path in self.nodes[node].out_paths.borrow().iter() {
            if !path.is_open() {
                continue;
            }
            let deadline = path.stamp(after(now, path.timeout()));
            if deadline <= now {
                due.push(path.clone());
            } else {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
            }
        }
        for path in due {
            path.fail("Path timeout.");
        }
        if let Some(next) = next {
            // Only a closed loop refuses; its paths are failed at deinit.
            let _ = self.arm_path_sweep(node, next);
        }
    }

    /// `node` is closed: its sweep is no longer needed.
    pub(crate) fn cancel_path_sweep(&self, node: usize) {
        if let Some((_, timer)) = self.nodes[node].sweep.borrow_mut().take() {
            timer.cancel();
        }
    }
}
