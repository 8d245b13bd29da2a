//! What one pending command costs the runtime, counted from struct sizes and the heap
//! blocks it holds: the number docs/performance.md ("Extension runtime: pending command
//! cost") states and `AppOptions::max_pending_cmds` is sized by. `tests/ext_limits.rs`
//! measures the same as resident memory.
//!
//! A command sent and not yet answered holds, for the runtime:
//! - its result path, one `Rc<OutPath>` block (with its deadline, the pending slot, the
//!   trail and a name of up to 22 bytes inside it; a longer name costs its own block);
//! - a reference in the sender's list of paths (`out_paths.rs`);
//! - the `Responder` the receiver holds.
//!
//! Its path timeout costs no timer of its own: the sender's one sweep timer serves all its
//! paths (`path_sweep.rs`).

use std::mem::size_of;
use std::rc::Rc;

use super::path::OutPath;
use super::responder::Responder;

/// An `Rc`'s block: two counts and the value.
const fn rc_block<T>() -> usize {
    2 * size_of::<usize>() + size_of::<T>()
}

/// The bytes of one pending command, part by part.
fn parts() -> Vec<(&'static str, usize)> {
    vec![
        ("result path (Rc<OutPath>)", rc_block::<OutPath>()),
        ("sender's list slot", size_of::<Rc<OutPath>>()),
        ("receiver's Responder", size_of::<Responder>()),
    ]
}

/// Issue 26: each pending command costs under 512 bytes (TEN users saw 1.45 KB).
#[test]
fn a_pending_command_is_under_512_bytes() {
    let parts = parts();
    let total: usize = parts.iter().map(|(_, n)| n).sum();
    for (what, n) in &parts {
        eprintln!("{what}: {n}");
    }
    eprintln!("total: {total}");
    assert!(total < 512, "{total} bytes: {parts:?}");
    assert!(rc_block::<OutPath>() <= 192, "{}", rc_block::<OutPath>());
    assert!(size_of::<Responder>() <= 32, "{}", size_of::<Responder>());
}
