//! The `futures` crate's combinators drive evloop's own futures and tasks (issue 27, point
//! 6): `select!` between a task, a sleep and an interval tick, `join!` of tasks, and
//! `FuturesUnordered` collecting tasks in completion order, as tokio programs write them.

use crate::util;

use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use futures::{FutureExt, join, select};

const MS: Duration = Duration::from_millis(1);

#[test]
fn select_between_a_task_a_sleep_and_an_interval() {
    let (ev, _clock) = util::manual_loop();
    let out = ev
        .run_until_complete(async {
            let mut every = evloop::interval(10 * MS);
            every.tick().await;
            let mut slow = evloop::spawn(async {
                evloop::sleep(35 * MS).await;
                "task"
            })
            .fuse();
            let mut seen = Vec::new();
            loop {
                let mut tick = Box::pin(every.tick().fuse());
                let mut nap = Box::pin(evloop::sleep(100 * MS).fuse());
                select! {
                    _ = tick => seen.push("tick"),
                    done = slow => { seen.push(done.unwrap()); break; }
                    _ = nap => seen.push("sleep"),
                }
            }
            seen
        })
        .unwrap();
    assert_eq!(out, ["tick", "tick", "tick", "task"]);
}

#[test]
fn join_of_tasks_and_futures_unordered_in_completion_order() {
    let (ev, _clock) = util::manual_loop();
    let (joined, order) = ev
        .run_until_complete(async {
            let a = evloop::spawn(async { 1 });
            let b = evloop::spawn(async {
                evloop::sleep(5 * MS).await;
                2
            });
            let (a, b, ()) = join!(a, b, evloop::sleep(MS));
            let mut set: FuturesUnordered<_> = [30, 10, 20]
                .into_iter()
                .map(|ms| {
                    evloop::spawn(async move {
                        evloop::sleep(ms * MS).await;
                        ms
                    })
                })
                .collect();
            let mut order = Vec::new();
            while let Some(done) = set.next().await {
                order.push(done.unwrap());
            }
            ((a.unwrap(), b.unwrap()), order)
        })
        .unwrap();
    assert_eq!(joined, (1, 2));
    assert_eq!(order, [10, 20, 30]);
}
