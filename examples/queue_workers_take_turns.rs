//! Seed 002 ("Introduction to Python Async"), Example #1: work shared through a queue —
//! first as in the seed (plain functions run one after another), then with real async
//! workers that take turns.
//!
//! Mirrors `examples/python/queue_workers_take_turns.py`. The seed's "async" tasks are plain function
//! calls, so `Async1` drains the whole queue before the others start. With async workers on
//! an `evloop::Queue`, each `yield_now().await` (asyncio's `await asyncio.sleep(0)`) lets the
//! next worker run, and the output interleaves.
//!
//! Run: `cargo run --example queue_workers_take_turns`

use std::collections::VecDeque;

use evloop::Queue;

fn task(name: &str, sample_queue: &mut VecDeque<u32>) {
    if sample_queue.is_empty() {
        println!("Task {name} has nothing to do");
    } else {
        while let Some(cnt) = sample_queue.pop_front() {
            let mut total = 0;
            for _ in 0..cnt {
                println!("Task {name} is running now");
                total += 1;
            }
            println!("Task {name} is running with a total of: {total}");
        }
    }
}

fn sample_async() {
    let mut sample_queue: VecDeque<u32> = [2, 5, 10, 15, 20].into();
    for name in ["Async1", "Async2", "Async3"] {
        task(name, &mut sample_queue);
    }
}

async fn async_task(name: &str, work_queue: Queue<u32>) {
    if work_queue.empty() {
        println!("Task {name} has nothing to do");
    } else {
        while !work_queue.empty() {
            let cnt = work_queue.get().await.unwrap();
            let mut total = 0;
            for _ in 0..cnt {
                println!("Task {name} is running now");
                total += 1;
                evloop::yield_now().await; // a real await: the other workers get a turn
            }
            println!("Task {name} is running with a total of: {total}");
        }
    }
}

async fn really_async() -> Result<(), evloop::TaskError> {
    let work_queue = Queue::new(0);
    for work in [2, 5, 10] {
        work_queue.put(work).await.unwrap();
    }
    evloop::gather!(
        async_task("Async1", work_queue.clone()),
        async_task("Async2", work_queue.clone()),
        async_task("Async3", work_queue.clone()),
    )
    .await?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    sample_async();
    println!("--- the same work with async workers ---");
    evloop::run(really_async())??;
    Ok(())
}
