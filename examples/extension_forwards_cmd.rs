//! Seed 000 (TEN "Python Async Extension"), "Example: The Default Python Async Extension".
//!
//! Mirrors the seed's `DefaultAsyncExtension`:
//!
//! ```python
//! class DefaultAsyncExtension(AsyncExtension):
//!     async def on_configure(self, ten_env):
//!         await asyncio.sleep(0.5)          # mock async operation
//!         ten_env.on_configure_done()
//!     ...                                   # on_init, on_start, on_deinit alike
//!     async def on_cmd(self, ten_env, cmd):
//!         ten_env.log_debug(f"DefaultAsyncExtension on_cmd: {cmd.to_json()}")
//!         await asyncio.sleep(0.5)
//!         new_cmd = Cmd.create("hello")
//!         cmd_result = await ten_env.send_cmd(new_cmd)
//!         ten_env.return_result(cmd_result, cmd)
//! ```
//!
//! What the twin fixes, following today's TEN (see ../shared/reference/ten-runtime.md §0):
//! the hooks are `async fn` (`AsyncExtension`), and a stage completes when its hook
//! returns (no `on_xxx_done` calls); `to_json()` is
//! `get_property_json("")`; `send_cmd` gives a `Result`; and the downstream result cannot
//! answer the original command — a new result is created for `cmd` and the properties
//! copied over, then sent through the reply handle.
//!
//! The graph is the one of TEN's `async_extension_basic_python` test app: a client sends
//! `test` to the async extension, which sends `hello` to an echo extension.
//!
//! Run: `cargo run --example extension_forwards_cmd` (about 2.5 seconds).

use std::rc::Rc;
use std::time::Duration;

use evloop::ext::{App, AsyncExtension, Cmd, CmdResult, Responder, TenEnv, TenError};

/// Mock async operation, e.g. network, file I/O.
async fn mock_io() {
    evloop::sleep(Duration::from_millis(500)).await;
}

struct DefaultAsyncExtension;

impl AsyncExtension for DefaultAsyncExtension {
    async fn on_configure(&self, _env: &TenEnv) -> Result<(), TenError> {
        mock_io().await;
        Ok(())
    }

    async fn on_init(&self, _env: &TenEnv) -> Result<(), TenError> {
        mock_io().await;
        Ok(())
    }

    async fn on_start(&self, _env: &TenEnv) -> Result<(), TenError> {
        mock_io().await;
        Ok(())
    }

    async fn on_deinit(&self, _env: &TenEnv) -> Result<(), TenError> {
        mock_io().await;
        Ok(())
    }

    async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
        let cmd_json = cmd.properties().get_json("")?;
        env.log_debug(&format!("DefaultAsyncExtension on_cmd: {cmd_json}"));
        println!("{}: on_cmd '{}' {cmd_json}", env.name(), cmd.name());

        mock_io().await;

        // Send a new command to other extensions and wait for the result. The result
        // is returned to the original sender.
        let cmd_result = env.send_cmd(Cmd::new("hello")?).await?;
        let mut result = CmdResult::new(cmd_result.status(), &cmd);
        result.properties = cmd_result.properties;
        reply.send(result)
    }
}

/// Answers `hello`.
struct Echo;

impl AsyncExtension for Echo {
    async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
        println!("{}: on_cmd '{}'", env.name(), cmd.name());
        let mut r = CmdResult::ok(&cmd);
        r.set_detail("hello from echo");
        reply.send(r)
    }
}

/// Stands in for the test app's HTTP server: sends `test` once, prints the result, closes.
struct Client;

impl AsyncExtension for Client {
    async fn on_start(&self, env: &TenEnv) -> Result<(), TenError> {
        let mut cmd = Cmd::new("test")?;
        cmd.properties_mut().set_string("greeting", "hi")?;
        println!("client: sending 'test'");
        let result = env.send_cmd(cmd).await?;
        println!(
            "client: got {:?}, detail = {:?}",
            result.status(),
            result.detail().unwrap_or_default()
        );
        env.close_app();
        Ok(())
    }
}

const GRAPH: &str = r#"{
  "nodes": [
    {"type": "extension", "name": "client", "addon": "client"},
    {"type": "extension", "name": "default_async_extension", "addon": "default_async_extension_python"},
    {"type": "extension", "name": "echo", "addon": "simple_echo"}
  ],
  "connections": [
    {"extension": "client", "cmd": [{"name": "test", "dest": [{"extension": "default_async_extension"}]}]},
    {"extension": "default_async_extension", "cmd": [{"name": "hello", "dest": [{"extension": "echo"}]}]}
  ]
}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut app = App::new();
    app.register("client", || Rc::new(Client));
    app.register("default_async_extension_python", || {
        Rc::new(DefaultAsyncExtension)
    });
    app.register("simple_echo", || Rc::new(Echo));
    app.on_log(|_| ()); // keep the debug log out of the example's output
    app.load_graph_json(GRAPH)?;
    evloop::run(app.run())??;
    println!("app closed");
    Ok(())
}
