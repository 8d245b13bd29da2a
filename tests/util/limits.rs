//! Instruments for the limits tests: the two ends of `Instant`'s range, and a watchdog that
//! turns a hang into a failure.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A century, the horizon past which a deadline means "never" (`clock::FAR_FUTURE`).
pub const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// A thousand days: far, but well within the horizon.
pub const THOUSAND_DAYS: Duration = Duration::from_secs(1000 * 24 * 60 * 60);

/// The latest `Instant` this platform represents (to the second): `from` plus the largest
/// number of seconds `checked_add` accepts.
pub fn end_of_time(from: Instant) -> Instant {
    let (mut lo, mut hi) = (0u64, u64::MAX);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if from.checked_add(Duration::from_secs(mid)).is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    from + Duration::from_secs(lo)
}

/// The earliest `Instant` this platform represents (to the second).
pub fn start_of_time(from: Instant) -> Instant {
    let (mut lo, mut hi) = (0u64, u64::MAX);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if from.checked_sub(Duration::from_secs(mid)).is_some() {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    from - Duration::from_secs(lo)
}

/// Runs `f` on a thread of its own and fails if it has not finished within `limit`: a
/// "never" that the loop mistakes for "block forever" shows up as a failure, not a hung test.
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).expect("hung, or panicked")
}
