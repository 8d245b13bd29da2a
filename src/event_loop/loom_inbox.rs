//! Loom models of the loop's inbox (`remote`): `call_soon_threadsafe` from other threads
//! racing with the loop's drains and with its close.
//!
//! Built only with `--cfg evloop_loom` (`scripts/loom`), where the inbox's mutex and flags
//! are loom's (`task::cross_thread`): loom runs the threads of each model in every order its
//! preemption bound allows, and checks the assertions in each. The poller is modelled too
//! ([`Poller`]): the loop thread blocks on it as it blocks in `epoll_wait`, so an item
//! queued without a wake-up leaves the loop asleep for ever, which loom reports as a
//! deadlock.

use std::panic::Location;

use loom::sync::{Arc, Condvar, Mutex};
use loom::thread::{self, ThreadId};

use super::remote::{Inbox, PollWaker, Remote};

/// Runs `f` under loom, in every interleaving with at most `preemptions` preemptions (a
/// thread switched out while it could have gone on); `LOOM_MAX_PREEMPTIONS` overrides it.
/// Each model's bound keeps it to a few seconds: one more multiplies the interleavings
/// tried by six to nine.
pub(super) fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = builder.preemption_bound.or(Some(preemptions));
    builder.check(f);
}

/// The loop's poll as loom sees it: [`wake`](PollWaker::wake) is a write to the self-pipe
/// (it adds a token), [`wait`](Poller::wait) a poll that blocks until there is one and
/// reads them all.
#[derive(Clone, Default)]
pub(super) struct Poller(
    /// Shared by the inbox (which wakes) and the loop thread (which waits).
    Arc<PollerState>,
);

#[derive(Default)]
struct PollerState {
    /// Tokens not yet read by the loop, and how many wake-ups were ever issued.
    tokens: Mutex<(usize, usize)>,
    /// Signalled by each wake-up.
    woken: Condvar,
}

impl PollWaker for Poller {
    fn wake(&self) -> std::io::Result<()> {
        let mut tokens = self.0.tokens.lock().unwrap();
        tokens.0 += 1;
        tokens.1 += 1;
        self.0.woken.notify_one();
        Ok(())
    }
}

impl Poller {
    /// Blocks until a wake-up was issued since the last `wait`, and consumes them all.
    pub(super) fn wait(&self) {
        let mut tokens = self.0.tokens.lock().unwrap();
        while tokens.0 == 0 {
            tokens = self.0.woken.wait(tokens).unwrap();
        }
        tokens.0 = 0;
    }

    /// How many wake-ups were issued in all.
    pub(super) fn issued(&self) -> usize {
        self.0.tokens.lock().unwrap().1
    }
}

/// A call that ran: the `seq`-th call sent by sender `sender`, and the thread it ran on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ran {
    /// Which sender thread sent it, from 0.
    sender: usize,
    /// Its place among that sender's calls, from 0.
    seq: usize,
    /// The thread that ran it: the loop's, or its sender's if the loop refused it.
    on: ThreadId,
}

/// The calls that ran, in the order they ran. A std mutex, invisible to loom: it is never
/// contended, as loom switches threads only at its own operations.
#[derive(Clone, Default)]
struct Log(
    /// Appended to by each call as it runs.
    std::sync::Arc<std::sync::Mutex<Vec<Ran>>>,
);

impl Log {
    /// The `seq`-th call of `sender`: when run, it records itself and where it ran.
    fn call(&self, sender: usize, seq: usize) -> Remote {
        let log = self.clone();
        let f = move || {
            let on = thread::current().id();
            log.0.lock().unwrap().push(Ran { sender, seq, on });
        };
        Remote::Call(Box::new(f), Location::caller())
    }

    fn take(&self) -> Vec<Ran> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// Runs the calls of a batch, as the loop does after a drain; returns how many there were.
fn run_all(batch: Vec<Remote>) -> usize {
    let n = batch.len();
    for item in batch {
        match item {
            Remote::Call(f, _) => f(),
            Remote::Wake(_) => unreachable!("only calls are sent here"),
        }
    }
    n
}

/// Every call of `senders` senders with `calls` calls each is in `log` exactly once.
fn assert_each_once(log: &[Ran], senders: usize, calls: usize) {
    assert_eq!(log.len(), senders * calls, "{log:?}");
    for sender in 0..senders {
        for seq in 0..calls {
            let n = log
                .iter()
                .filter(|r| (r.sender, r.seq) == (sender, seq))
                .count();
            assert_eq!(n, 1, "call {seq} of sender {sender} ran {n} times: {log:?}");
        }
    }
}

/// `senders` threads send `calls` calls each while the loop thread sleeps in its poll and
/// drains what woke it. Every call runs exactly once, on the loop's thread, each thread's
/// calls in the order it sent them; the loop never sleeps while a call waits (an item
/// queued after a drain without a wake-up would leave it blocked: a deadlock to loom); and
/// only the first push after a drain issues a wake-up.
fn calls_run_once_in_order_and_always_wake_the_loop(senders: usize, calls: usize) {
    // Four preemptions for two senders (54,544 interleavings), three for three (66,591).
    let preemptions = if senders > 2 { 3 } else { 4 };
    model(preemptions, move || {
        let poller = Poller::default();
        let inbox = Arc::new(Inbox::new(poller.clone()));
        let log = Log::default();
        let threads: Vec<_> = (0..senders)
            .map(|sender| {
                let (inbox, log) = (inbox.clone(), log.clone());
                thread::spawn(move || {
                    for seq in 0..calls {
                        assert!(inbox.push(log.call(sender, seq)).is_ok());
                    }
                })
            })
            .collect();
        let (mut ran, mut drains) = (0, 0);
        while ran < senders * calls {
            poller.wait();
            drains += 1;
            ran += run_all(inbox.drain());
        }
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(inbox.drain().is_empty(), "a call arrived twice");
        let log = log.take();
        assert_each_once(&log, senders, calls);
        let me = thread::current().id();
        assert!(
            log.iter().all(|r| r.on == me),
            "a call ran off the loop: {log:?}"
        );
        for sender in 0..senders {
            let seqs: Vec<_> = log
                .iter()
                .filter(|r| r.sender == sender)
                .map(|r| r.seq)
                .collect();
            assert_eq!(
                seqs,
                (0..calls).collect::<Vec<_>>(),
                "sender {sender}: {log:?}"
            );
        }
        // A wake-up flips `notified` from false, and only a drain sets it back.
        let issued = poller.issued();
        assert!(
            issued <= drains + 1,
            "{issued} wake-ups for {drains} drains"
        );
        assert!(!inbox.has_pending());
    });
}

/// Two threads send two calls each (see [`calls_run_once_in_order_and_always_wake_the_loop`]).
#[test]
fn calls_from_two_threads_run_once_in_order_and_always_wake_the_loop() {
    calls_run_once_in_order_and_always_wake_the_loop(2, 2);
}

/// Three threads send one call each (see [`calls_run_once_in_order_and_always_wake_the_loop`]).
#[test]
fn calls_from_three_threads_run_once_and_always_wake_the_loop() {
    calls_run_once_in_order_and_always_wake_the_loop(3, 1);
}

/// Two threads send two calls each while the loop drains once and then closes. A push
/// after the close is refused and the call handed back to its sender (which runs it here,
/// to record it); a push before it is not lost: the drain or the close returns it. So each
/// call shows up exactly once, each sender's calls that reached the loop come first and
/// in order, and once a sender is refused it is refused for good.
#[test]
fn close_racing_with_calls_loses_none_and_refuses_all_after_it() {
    model(4, || {
        let inbox = Arc::new(Inbox::new(Poller::default()));
        let log = Log::default();
        let senders: Vec<_> = (0..2)
            .map(|sender| {
                let (inbox, log) = (inbox.clone(), log.clone());
                thread::spawn(move || {
                    for seq in 0..2 {
                        if let Err(refused) = inbox.push(log.call(sender, seq)) {
                            run_all(vec![refused]);
                        }
                    }
                })
            })
            .collect();
        run_all(inbox.drain());
        run_all(inbox.close());
        assert!(inbox.is_closed());
        for sender in senders {
            sender.join().unwrap();
        }
        assert!(inbox.drain().is_empty(), "a push landed after the close");
        let log = log.take();
        assert_each_once(&log, 2, 2);
        let me = thread::current().id();
        for sender in 0..2 {
            // The calls that reached the loop are a first part of the sender's, in order
            // (the others ran on the sender, refused).
            let reached: Vec<_> = log
                .iter()
                .filter(|r| r.sender == sender && r.on == me)
                .map(|r| r.seq)
                .collect();
            assert_eq!(reached, (0..reached.len()).collect::<Vec<_>>(), "{log:?}");
        }
    });
}
