//! run_in_executor and to_thread (asyncio-semantics.md §14.2, §14.4).

use crate::util;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use evloop::{TaskError, ThreadPool};
use util::Trace;

#[test]
fn blocking_work_runs_off_the_loop_which_keeps_turning() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let job = evloop::to_thread(|| {
            std::thread::sleep(Duration::from_millis(100));
            "blocking done"
        });
        let t3 = t2.clone();
        let ticker = evloop::spawn(async move {
            for i in 0..3 {
                t3.log(format!("tick {i}"));
                evloop::sleep(Duration::from_millis(10)).await;
            }
        });
        let r = job.await.unwrap();
        t2.log(r);
        ticker.await.unwrap();
    })
    .unwrap();
    t.assert(&["tick 0", "tick 1", "tick 2", "blocking done"]);
}

#[test]
fn a_panic_in_the_job_comes_back_as_an_error() {
    let r =
        evloop::run(async { evloop::to_thread(|| -> u8 { panic!("job failed") }).await }).unwrap();
    assert_eq!(r, Err(TaskError::Panicked("job failed".into())));
}

#[test]
fn a_user_pool_limits_concurrency() {
    let pool = ThreadPool::new(2);
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let p = pool.clone();
    evloop::run(async move {
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (running, peak) = (running.clone(), peak.clone());
                let ev = evloop::get_running_loop().unwrap();
                ev.run_in_executor(Some(&p), move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for j in jobs {
            j.await.unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    })
    .unwrap();
    assert_eq!(pool.workers(), 2);
    pool.shutdown(true);
    assert_eq!(pool.workers(), 0, "shutdown(wait) joined the workers");
}

#[test]
fn a_job_cancelled_before_it_starts_never_runs() {
    let pool = ThreadPool::new(1);
    let ran = Arc::new(AtomicUsize::new(0));
    let p = pool.clone();
    let r = ran.clone();
    evloop::run(async move {
        let ev = evloop::get_running_loop().unwrap();
        let busy = ev.run_in_executor(Some(&p), || std::thread::sleep(Duration::from_millis(50)));
        let queued = ev.run_in_executor(Some(&p), move || {
            r.fetch_add(1, Ordering::SeqCst);
        });
        drop(queued); // cancelled while waiting behind the busy job
        busy.await.unwrap();
    })
    .unwrap();
    pool.shutdown(true);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn the_default_pool_is_sized_like_pythons() {
    let n = ThreadPool::default_size();
    assert!((5..=32).contains(&n), "{n}");
}

/// `getaddrinfo` off the loop's thread, `set_default_executor`, as asyncio:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     infos = await loop.getaddrinfo("127.0.0.1", 8080)
///     print(infos[0][4])
///     loop.set_default_executor(
///         concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="mine"))
///     print(await asyncio.to_thread(
///         lambda: threading.current_thread().name.startswith("mine")))
/// ```
///
/// prints `('127.0.0.1', 8080)` and `True`.
#[test]
fn getaddrinfo_and_set_default_executor_as_asyncio() {
    let (addr, mine) = evloop::run(async {
        let ev = evloop::get_running_loop().unwrap();
        let addrs = ev.getaddrinfo("127.0.0.1", 8080).await.unwrap();
        ev.set_default_executor(evloop::ThreadPool::named(1, "mine"));
        let mine = evloop::to_thread(|| {
            std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with("mine"))
        })
        .await
        .unwrap();
        (addrs[0].to_string(), mine)
    })
    .unwrap();
    assert_eq!(addr, "127.0.0.1:8080");
    assert!(mine);
}

/// `getnameinfo` off the loop's thread, as asyncio:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     numeric = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV
///     print(await loop.getnameinfo(("127.0.0.1", 80), numeric))
///     print(await loop.getnameinfo(("::1", 8080, 0, 0), numeric))
///     print(await loop.getnameinfo(("127.0.0.1", 80)))
/// ```
///
/// prints `('127.0.0.1', '80')`, `('::1', '8080')`, then the names this machine's
/// `/etc/hosts` and `/etc/services` give (`('localhost', 'http')` here), which the test
/// checks against the numeric form rather than a fixed spelling.
#[cfg(feature = "dns")]
#[test]
fn getnameinfo_as_asyncio() {
    use evloop::NameInfoFlags;
    let numeric = NameInfoFlags::NUMERIC_HOST | NameInfoFlags::NUMERIC_SERVICE;
    let (v4, v6, named) = evloop::run(async move {
        let ev = evloop::get_running_loop().unwrap();
        let v4 = ev.getnameinfo("127.0.0.1:80".parse().unwrap(), numeric);
        let v4 = v4.await.unwrap();
        let v6 = ev.getnameinfo("[::1]:8080".parse().unwrap(), numeric);
        let v6 = v6.await.unwrap();
        let named = ev.getnameinfo("127.0.0.1:80".parse().unwrap(), NameInfoFlags::default());
        (v4, v6, named.await.unwrap())
    })
    .unwrap();
    assert_eq!(v4, ("127.0.0.1".to_owned(), "80".to_owned()));
    assert_eq!(v6, ("::1".to_owned(), "8080".to_owned()));
    assert!(!named.0.is_empty() && !named.1.is_empty(), "{named:?}");
}
