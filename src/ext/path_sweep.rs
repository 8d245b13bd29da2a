//! Path timeouts: one timer per sending extension rather than one per command. Each path
//! carries its deadline; the extension's sweep timer is armed for the earliest deadline it
//! may have to meet, and when it fires it fails every open path that is due, then arms
//! itself again for the earliest open one. A command that completes costs no timer at all.

use std::rc::Rc;
use std::time::{Duration, Instant};

use super::error::TenError;
use super::runtime::Runtime;

/// A deadline for a timeout too large to add to the clock: the loop treats anything this
/// far off as never (it clamps deadlines to its own far future).
const NEVER: Duration = Duration::from_secs(1 << 40);

impl Runtime {
    /// The deadline of a command `node` sends now: its path timeout from the loop's time.
    pub(crate) fn path_deadline(&self, node: usize) -> Result<Instant, TenError> {
        let now = crate::get_running_loop()
            .map_err(|e| TenError::Generic(e.to_string()))?
            .time();
        let timeout = self.path_timeout(node);
        Ok(now.checked_add(timeout).unwrap_or_else(|| now + NEVER))
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

    /// `node`'s sweep fired: its due paths fail with "Path timeout.", in the order they
    /// were sent; the sweep is armed again for the earliest path still open.
    fn sweep_paths(self: &Rc<Self>, node: usize) {
        self.nodes[node].sweep.borrow_mut().take();
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
            if path.deadline() <= now {
                due.push(path.clone());
            } else {
                next = Some(next.map_or(path.deadline(), |n| n.min(path.deadline())));
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
