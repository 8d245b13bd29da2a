//! Seed 004 ("Asyncio Basics"), "Asynchronous Context Managers", with the exit shown when
//! the body fails and when the task is cancelled.
//!
//! Mirrors `examples/python/async_with_exit_paths.py`:
//!
//! ```python
//! async with AsyncConnection() as conn:
//!     result = await conn.query("SELECT * FROM users")
//!     print(result)
//! ```
//!
//! `async with` becomes [`with_connection`]: enter (`connect`), run the body, exit (`close`)
//! — also when the body returns an error, like `__aexit__` before the `except`. When the
//! task is *cancelled* inside the body, the Python twin's `__aexit__` aborts the connection
//! without awaiting, and so does the connection's `Drop` here. An exit that must await on
//! cancel is written with `evloop::async_with::async_with` (see docs/cancellation.md).
//!
//! Run: `cargo run --example async_with_exit_paths` (takes about 5 seconds).

use std::time::Duration;

use evloop::TaskError;

/// Simulated async database connection.
struct AsyncConnection {
    open: bool,
}

impl AsyncConnection {
    /// `__aenter__`.
    async fn connect() -> AsyncConnection {
        println!("Connecting...");
        evloop::sleep(Duration::from_secs(1)).await;
        println!("Connected");
        AsyncConnection { open: true }
    }

    /// `__aexit__` on a normal or failed exit.
    async fn close(mut self) {
        println!("Disconnecting...");
        evloop::sleep(Duration::from_millis(500)).await;
        println!("Disconnected");
        self.open = false;
    }

    async fn query(&self, sql: &str) -> String {
        evloop::sleep(Duration::from_millis(100)).await;
        format!("Result of: {sql}")
    }
}

impl Drop for AsyncConnection {
    /// `__aexit__` on cancellation: abort without awaiting.
    fn drop(&mut self) {
        if self.open && evloop::is_cancelling() {
            println!("Aborting connection (cancelled)");
        }
    }
}

/// `async with AsyncConnection() as conn: body` — the exit runs whatever the body returns.
async fn with_connection<R>(body: impl AsyncFnOnce(&AsyncConnection) -> R) -> R {
    let conn = AsyncConnection::connect().await;
    let result = body(&conn).await;
    conn.close().await;
    result
}

async fn main_() {
    with_connection(async |conn| {
        let result = conn.query("SELECT * FROM users").await;
        println!("{result}");
    })
    .await;

    // The body fails: the exit still runs, then the error propagates.
    let failed: Result<(), &str> = with_connection(async |_conn| Err("query failed")).await;
    if let Err(e) = failed {
        println!("Caught: {e}");
    }

    // The task is cancelled inside the body.
    let task = evloop::spawn(with_connection(async |_conn| {
        evloop::sleep(Duration::from_secs(10)).await;
    }));
    evloop::sleep(Duration::from_millis(1500)).await;
    task.cancel();
    if let Err(TaskError::Cancelled) = task.await {
        println!("Task cancelled");
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
