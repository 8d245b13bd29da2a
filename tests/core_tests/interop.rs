//! The async ecosystem's runtime-agnostic crates run unchanged on evloop (issue "Embed it
//! anywhere", item 5): `futures` (channels, streams, `select!`, `join!`), `async-channel`
//! (also fed from another thread), `futures-lite`.

use std::time::Duration;

#[test]
fn futures_channels_streams_and_select() {
    use futures::channel::{mpsc, oneshot};
    use futures::{FutureExt, SinkExt, StreamExt};

    let out = evloop::run(async {
        // A bounded mpsc channel between two evloop tasks, consumed as a Stream.
        let (mut tx, rx) = mpsc::channel::<u32>(4);
        let producer = evloop::spawn(async move {
            for i in 0..20 {
                tx.send(i).await.unwrap();
            }
        });
        let sum: u32 = rx.map(|x| x * 2).fold(0, |a, x| async move { a + x }).await;
        producer.await.unwrap();

        // select! between a oneshot that never fires and an evloop sleep.
        let (_keep, never) = oneshot::channel::<()>();
        let mut never = never.fuse();
        let mut timer = Box::pin(evloop::sleep(Duration::from_millis(10)).fuse());
        let winner = futures::select! {
            _ = never => "oneshot",
            _ = timer => "sleep",
        };

        // join! of two evloop sleeps, and a oneshot completed by a task.
        let (tx1, rx1) = oneshot::channel();
        evloop::spawn(async move { tx1.send("from a task").unwrap() });
        let ((), (), got) = futures::join!(
            evloop::sleep(Duration::from_millis(2)),
            evloop::sleep(Duration::from_millis(3)),
            rx1
        );
        (sum, winner, got.unwrap())
    })
    .unwrap();
    assert_eq!(out, (380, "sleep", "from a task"));
}

#[test]
fn async_channel_across_threads() {
    let (tx, rx) = async_channel::bounded::<u64>(8);
    // A plain thread feeds the channel; its wakes reach the loop through the remote path.
    let feeder = std::thread::spawn(move || {
        for i in 1..=1000 {
            tx.send_blocking(i).unwrap();
        }
    });
    let total = evloop::run(async move {
        let mut total = 0;
        while let Ok(v) = rx.recv().await {
            total += v;
        }
        total
    })
    .unwrap();
    feeder.join().unwrap();
    assert_eq!(total, 500_500);
}

#[test]
fn futures_lite_combinators_and_streams() {
    use futures_lite::{FutureExt as _, StreamExt as _, future, stream};
    let out = evloop::run(async {
        let raced = async {
            evloop::sleep(Duration::from_millis(50)).await;
            "slow"
        }
        .race(async {
            evloop::sleep(Duration::from_millis(1)).await;
            "fast"
        })
        .await;
        let zipped = future::zip(evloop::spawn(async { 1 }), future::ready(2)).await;
        let collected: Vec<i32> = stream::iter(1..=5)
            .then(|x| async move {
                evloop::yield_now().await;
                x * x
            })
            .collect()
            .await;
        (raced, zipped.0.unwrap() + zipped.1, collected)
    })
    .unwrap();
    assert_eq!(out, ("fast", 3, vec![1, 4, 9, 16, 25]));
}
