//! Hooks as `async fn`: TEN Python's `class MyExtension(AsyncExtension)` with `async def
//! on_cmd(self, ten_env, cmd)`, written in Rust as `async fn on_cmd(&self, env: &TenEnv, ...)`.
//!
//! Why two traits. The runtime holds extensions of many types side by side, so it needs a
//! trait object, and a trait with `async fn` methods is not one (each `async fn` returns its
//! own unnamed future type). [`Extension`] is the object-safe form: each hook takes
//! `self: Rc<Self>` and returns a boxed future ([`HookFuture`]). [`AsyncExtension`] is the
//! form people write; a blanket `impl<T: AsyncExtension> Extension for T` erases it, boxing
//! each hook's future once per call. A type implements one or the other, never both.
//!
//! The futures are not `Send`: everything runs on the loop's one thread, so state lives in
//! `Cell`/`RefCell` fields, as a Python extension keeps it on `self`. The hook borrows `self`
//! and the env for as long as it runs; clone the env (it is cheap) to hand it to a task the
//! hook spawns.
//!
//! # Examples
//!
//! TEN's Python on the left, evloop on the right, line for line:
//!
//! ```text
//! class Echo(AsyncExtension):                    impl AsyncExtension for Echo {
//!     async def on_cmd(self, ten_env, cmd):          async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
//!         ten_env.log_info("echo")                       env.log_info("echo");
//!         r = CmdResult.create(StatusCode.OK, cmd)       let mut r = CmdResult::ok(&cmd);
//!         r.set_property_string("detail", "hi")          r.set_detail("hi");
//!         await ten_env.return_result(r)                 reply.send(r)
//!                                                    } }
//! ```
//!
//! ```
//! use std::rc::Rc;
//! use evloop::ext::{AsyncExtension, Cmd, CmdResult, ExtensionTester, Responder, TenEnv, TenError};
//!
//! struct Echo;
//!
//! impl AsyncExtension for Echo {
//!     async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
//!         env.log_info(&format!("echoing {}", cmd.name()));
//!         evloop::sleep(std::time::Duration::from_millis(1)).await; // a hook may await
//!         let mut result = CmdResult::ok(&cmd);
//!         result.set_detail(cmd.name());
//!         reply.send(result)
//!     }
//! }
//!
//! let outcome = ExtensionTester::single("echo", || Rc::new(Echo)).run(async |ctx| {
//!     let result = ctx.send_cmd(Cmd::new("ping")?).await?;
//!     assert_eq!(result.detail().as_deref(), Some("ping"));
//!     Ok(())
//! });
//! assert!(outcome.is_ok());
//! ```

use std::rc::Rc;

use super::env::TenEnv;
use super::error::TenError;
use super::extension::{Extension, HookFuture, MessageMode};
use super::msg::{AudioFrame, Cmd, CmdResult, Data, VideoFrame};
use super::responder::Responder;

/// An extension written with `async fn` hooks (TEN Python's `AsyncExtension`); every hook has
/// a default. The runtime runs it through [`Extension`], which every `AsyncExtension` is.
///
/// A hook that returns an error or panics is logged with the extension's name and stage;
/// a command whose handler fails gets an ERROR result (see [`Extension`]).
///
/// Rosetta: TEN `AsyncExtension` (Python), `async def on_cmd(self, ten_env, cmd)`.
// The futures are single-threaded on purpose (see the module docs), so the lint's advice,
// to promise `Send` futures, does not apply.
#[allow(async_fn_in_trait)]
pub trait AsyncExtension: 'static {
    /// Configure: read or replace properties (`init_property_from_json` is allowed only here).
    async fn on_configure(&self, env: &TenEnv) -> Result<(), TenError> {
        let _ = env;
        Ok(())
    }

    /// Initialise: open resources. Inbound messages are delivered once this returns.
    async fn on_init(&self, env: &TenEnv) -> Result<(), TenError> {
        let _ = env;
        Ok(())
    }

    /// Start.
    async fn on_start(&self, env: &TenEnv) -> Result<(), TenError> {
        let _ = env;
        Ok(())
    }

    /// Stop: messages still flow; stop producing, finish work.
    async fn on_stop(&self, env: &TenEnv) -> Result<(), TenError> {
        let _ = env;
        Ok(())
    }

    /// Deinitialise: release resources.
    async fn on_deinit(&self, env: &TenEnv) -> Result<(), TenError> {
        let _ = env;
        Ok(())
    }

    /// Handles a command; answer through `reply` (dropping it unanswered sends an ERROR
    /// result). The default answers OK, as TEN's C core does.
    async fn on_cmd(&self, env: &TenEnv, cmd: Cmd, mut reply: Responder) -> Result<(), TenError> {
        let _ = env;
        reply.send(CmdResult::ok(&cmd))
    }

    /// Handles a data message. The default ignores it.
    async fn on_data(&self, env: &TenEnv, data: Data) -> Result<(), TenError> {
        let _ = (env, data);
        Ok(())
    }

    /// Handles an audio frame. The default ignores it.
    async fn on_audio_frame(&self, env: &TenEnv, frame: AudioFrame) -> Result<(), TenError> {
        let _ = (env, frame);
        Ok(())
    }

    /// Handles a video frame. The default ignores it.
    async fn on_video_frame(&self, env: &TenEnv, frame: VideoFrame) -> Result<(), TenError> {
        let _ = (env, frame);
        Ok(())
    }

    /// How this extension's handlers run; concurrent by default.
    fn message_mode(&self) -> MessageMode {
        MessageMode::Concurrent
    }
}

/// Each hook's future owns the extension and the env and borrows them while it runs: one
/// box per call, as a hand-written [`Extension`] pays.
impl<T: AsyncExtension> Extension for T {
    fn on_configure(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_configure(&*self, &env).await })
    }

    fn on_init(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_init(&*self, &env).await })
    }

    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_start(&*self, &env).await })
    }

    fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_stop(&*self, &env).await })
    }

    fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_deinit(&*self, &env).await })
    }

    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, reply: Responder) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_cmd(&*self, &env, cmd, reply).await })
    }

    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_data(&*self, &env, data).await })
    }

    fn on_audio_frame(self: Rc<Self>, env: TenEnv, frame: AudioFrame) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_audio_frame(&*self, &env, frame).await })
    }

    fn on_video_frame(self: Rc<Self>, env: TenEnv, frame: VideoFrame) -> HookFuture {
        Box::pin(async move { AsyncExtension::on_video_frame(&*self, &env, frame).await })
    }

    fn message_mode(&self) -> MessageMode {
        AsyncExtension::message_mode(self)
    }
}
