//! Seed 000 (TEN "Python Async Extension"), FAQ "Async loop for event handling", written
//! correctly — then the same without a hand-written consumer, using the ordered mode.
//!
//! The seed's FAQ code:
//!
//! ```python
//! class DefaultAsyncExtension(AsyncExtension):
//!     queue = asyncio.Queue()                       # shared by every instance!
//!     async def on_start(self, ten_env):
//!         self.loop = asyncio.get_event_loop()
//!         self.loop.create_task(self._consume())    # task handle not kept
//!     async def on_stop(self, ten_env):
//!         self.queue.put(None)                      # coroutine never awaited: nothing is put
//!     async def _consume(self):
//!         while True
//!             value = await self.queue.get()
//!             if value is None:
//!                 self.ten_env.log_info("async loop exit")   # self.ten_env never set
//!                 break
//! ```
//!
//! Fixed here (../shared/reference/ten-runtime.md §0): the queue belongs to the instance,
//! the consumer task is kept, the sentinel is put with `put_nowait` (an un-awaited `put`
//! does nothing, in Python as in Rust), and `on_stop` waits for the consumer to finish.
//!
//! Then `OrderedWorker` does the same work with `MessageMode::Ordered`: the runtime hands it
//! one message at a time, in arrival order, so there is no queue to write.
//!
//! Run: `cargo run --example extension_queue_consumer`

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{App, Data, Extension, HookFuture, MessageMode, TenEnv};
use evloop::{Queue, Task};

/// Processing one value takes a little time, so arrivals overlap.
async fn process(who: &str, value: i64) {
    evloop::sleep(Duration::from_millis(5)).await;
    println!("{who}: processed {value}");
}

/// The FAQ's extension, written correctly.
struct QueueConsumer {
    queue: Queue<Option<i64>>,
    consumer: RefCell<Option<Task<()>>>,
}

impl Extension for QueueConsumer {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let queue = self.queue.clone();
        let task = evloop::spawn(async move {
            while let Ok(Some(value)) = queue.get().await {
                process("queue consumer", value).await;
            }
            env.log_info("async loop exit");
            println!("queue consumer: async loop exit");
        });
        *self.consumer.borrow_mut() = Some(task);
        Box::pin(async { Ok(()) })
    }

    fn on_data(self: Rc<Self>, _env: TenEnv, data: Data) -> HookFuture {
        let value = data.properties().get_int("value");
        Box::pin(async move {
            self.queue.put(Some(value?)).await.ok();
            Ok(())
        })
    }

    fn on_stop(self: Rc<Self>, _env: TenEnv) -> HookFuture {
        Box::pin(async move {
            let _ = self.queue.put_nowait(None); // the sentinel
            let consumer = self.consumer.borrow_mut().take();
            if let Some(task) = consumer {
                let _ = task.await;
            }
            Ok(())
        })
    }
}

/// The same work with the ordered mode: no queue, no consumer task.
struct OrderedWorker;

impl Extension for OrderedWorker {
    fn on_data(self: Rc<Self>, _env: TenEnv, data: Data) -> HookFuture {
        Box::pin(async move {
            process("ordered worker", data.properties().get_int("value")?).await;
            Ok(())
        })
    }

    fn message_mode(&self) -> MessageMode {
        MessageMode::Ordered
    }
}

/// Sends five values to both, as fast as it can, then closes the app.
struct Producer;

impl Extension for Producer {
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move {
            for value in 1..=5 {
                let mut d = Data::new("value")?;
                d.properties_mut().set_int("value", value)?;
                env.send_data(d)?;
            }
            evloop::sleep(Duration::from_millis(100)).await;
            env.close_app();
            Ok(())
        })
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for (name, graph_dest) in [("queue_consumer", "c"), ("ordered_worker", "o")] {
        println!("-- {name} --");
        let mut app = App::new();
        app.register("producer", || Rc::new(Producer));
        app.register("queue_consumer", || {
            Rc::new(QueueConsumer {
                queue: Queue::new(0),
                consumer: RefCell::new(None),
            })
        });
        app.register("ordered_worker", || Rc::new(OrderedWorker));
        app.on_log(|_| ());
        app.load_graph_json(&format!(
            r#"{{"nodes": [{{"type": "extension", "name": "p", "addon": "producer"}},
                           {{"type": "extension", "name": "{graph_dest}", "addon": "{name}"}}],
                "connections": [{{"extension": "p", "data": [{{"name": "value", "dest": [{{"extension": "{graph_dest}"}}]}}]}}]}}"#
        ))?;
        evloop::run(app.run())??;
    }
    Ok(())
}
