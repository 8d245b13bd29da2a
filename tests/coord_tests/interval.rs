//! `interval` with tokio's missed-tick choices, on the virtual clock (no real time passes).
//! tokio's program, for each behaviour:
//!
//! ```rust,ignore
//! let mut every = interval(Duration::from_millis(10));
//! every.set_missed_tick_behavior(behaviour);
//! every.tick().await;                       // at 0
//! every.tick().await;                       // at 10
//! std::thread::sleep(Duration::from_millis(25)); // the body overruns: now is 35
//! for _ in 0..3 { every.tick().await; }
//! ```
//!
//! gives the due instants 0, 10, then Burst 20, 30, 40 (caught up at once), Delay 20, 45,
//! 55 (the schedule moves), Skip 20, 40, 50 (the missed 30 is dropped).

use crate::util;

use std::time::{Duration, Instant};

use evloop::MissedTickBehavior;

const MS: Duration = Duration::from_millis(1);

/// The offsets (ms from the first tick) of the ticks, and when each was taken.
fn ticks(behaviour: MissedTickBehavior) -> Vec<(u128, u128)> {
    let (ev, clock) = util::manual_loop();
    ev.run_until_complete(async move {
        let ev = evloop::get_running_loop().unwrap();
        let mut every = evloop::interval(10 * MS);
        every.set_missed_tick_behavior(behaviour);
        let start = every.tick().await;
        let ms = |t: Instant| (t - start).as_millis();
        let mut out = vec![(0, ms(ev.time()))];
        let due = every.tick().await;
        out.push((ms(due), ms(ev.time())));
        clock.advance(25 * MS); // a body that overran without yielding
        for _ in 0..3 {
            let due = every.tick().await;
            out.push((ms(due), ms(ev.time())));
        }
        out
    })
    .unwrap()
}

#[test]
fn burst_catches_up_at_once() {
    let t = ticks(MissedTickBehavior::Burst);
    assert_eq!(t, [(0, 0), (10, 10), (20, 35), (30, 35), (40, 40)]);
}

#[test]
fn delay_moves_the_schedule() {
    let t = ticks(MissedTickBehavior::Delay);
    assert_eq!(t, [(0, 0), (10, 10), (20, 35), (45, 45), (55, 55)]);
}

#[test]
fn skip_drops_the_missed_ticks() {
    let t = ticks(MissedTickBehavior::Skip);
    assert_eq!(t, [(0, 0), (10, 10), (20, 35), (40, 40), (50, 50)]);
}

/// The extremes: a zero period ticks once per turn (taken as 1 ns), and a period near
/// `Duration::MAX` saturates instead of overflowing.
#[test]
fn zero_and_huge_periods() {
    let (ev, _clock) = util::manual_loop();
    ev.run_until_complete(async {
        let mut fast = evloop::interval(Duration::ZERO);
        let a = fast.tick().await;
        let b = fast.tick().await;
        assert_eq!(b - a, Duration::from_nanos(1));
        let mut slow = evloop::interval(Duration::MAX);
        slow.tick().await; // the first tick is due at once
        let second = evloop::timeout(Duration::from_secs(1))
            .run(slow.tick())
            .await;
        assert!(second.is_err(), "the second tick is a century away");
    })
    .unwrap();
}

/// A tick wait that is dropped (say, the other branch of a select won) loses nothing: the
/// next `tick` waits for the same tick.
#[test]
fn a_dropped_tick_is_not_lost() {
    let (ev, _clock) = util::manual_loop();
    ev.run_until_complete(async {
        let mut every = evloop::interval(10 * MS);
        let start = every.tick().await;
        let early = evloop::timeout(3 * MS).run(every.tick()).await;
        assert!(early.is_err());
        assert_eq!(every.tick().await - start, 10 * MS);
    })
    .unwrap();
}
