//! The extension trait the runtime holds: TEN's `AsyncExtension`, object-safe. Write
//! extensions with [`AsyncExtension`](super::AsyncExtension)'s `async fn` hooks; this trait is
//! what each of them is erased to (and what to implement to own `self: Rc<Self>` in a hook).
//!
//! Every hook is async and its stage completes when the hook returns (TEN's async binding
//! calls `on_xxx_done` itself). The life of one extension:
//!
//! ```text
//!  created ─► on_configure ─► on_init ─┬─► on_start ─► running ─┐
//!                 │             │      │   (inbound messages     │ close requested
//!                 │             │      │    delivered from here) │
//!                 └─────────────┴──────┴── close requested ──────┴─► on_stop ─► on_deinit ─► closed
//! ```
//!
//! - Inbound messages are held until `on_init` has returned, then delivered (TEN's real gate
//!   is `on_init_done`, so messages can arrive while `on_start` runs).
//! - A close requested during configure, init or start lets the current hook finish, then
//!   skips ahead to `on_stop` (TEN's `is_close_triggered`).
//! - During `on_deinit`, inbound commands get an ERROR result and data is dropped; after it,
//!   the env is closed and every command the extension still waits on gets an ERROR result.
//!
//! Handlers (`on_cmd`, `on_data`, `on_audio_frame`, `on_video_frame`) run as one task per
//! message, so they interleave at awaits, as in TEN; [`MessageMode::Ordered`] runs them one at
//! a time in arrival order instead.
//!
//! Hooks take `self: Rc<Self>` and return a boxed future so that the runtime can hold
//! extensions of different types and run each handler as a `'static` task; keep mutable state
//! in `Cell`/`RefCell` fields, as a Python extension keeps it on `self`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::env::TenEnv;
use super::error::TenError;
use super::msg::{AudioFrame, Cmd, CmdResult, Data, VideoFrame};
use super::responder::Responder;

/// What a hook returns: a boxed, single-threaded future.
pub type HookFuture = Pin<Box<dyn Future<Output = Result<(), TenError>>>>;

/// How an extension's handlers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageMode {
    /// One task per inbound message; handlers interleave at awaits (TEN's behaviour).
    #[default]
    Concurrent,
    /// One message at a time, in arrival order: no hand-written queue consumer needed.
    Ordered,
}

/// An extension: lifecycle hooks and message handlers, all with defaults.
///
/// A hook that returns an error or panics is logged with the extension's name and the app
/// goes on (TEN kills the process); a command whose handler fails without answering gets an
/// ERROR result carrying the error's text or the panic's message.
///
/// Rosetta: TEN `AsyncExtension` (Python); write it as [`AsyncExtension`](super::AsyncExtension).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::ext::{Cmd, CmdResult, Extension, HookFuture, Responder, TenEnv};
///
/// struct Echo;
///
/// impl Extension for Echo {
///     fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, mut reply: Responder) -> HookFuture {
///         Box::pin(async move {
///             env.log_info(&format!("echoing {}", cmd.name()));
///             let mut result = CmdResult::ok(&cmd);
///             result.set_detail(cmd.name());
///             reply.send(result)
///         })
///     }
/// }
/// ```
pub trait Extension: 'static {
    /// Configure: read or replace properties (`init_property_from_json` is allowed only here).
    fn on_configure(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let _ = env;
        Box::pin(async { Ok(()) })
    }

    /// Initialise: open resources. Inbound messages are delivered once this returns.
    fn on_init(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let _ = env;
        Box::pin(async { Ok(()) })
    }

    /// Start.
    fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let _ = env;
        Box::pin(async { Ok(()) })
    }

    /// Stop: messages still flow; stop producing, finish work.
    fn on_stop(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let _ = env;
        Box::pin(async { Ok(()) })
    }

    /// Deinitialise: release resources.
    fn on_deinit(self: Rc<Self>, env: TenEnv) -> HookFuture {
        let _ = env;
        Box::pin(async { Ok(()) })
    }

    /// Handles a command; answer through `reply` (dropping it unanswered sends an ERROR
    /// result). The default answers OK, as TEN's C core does.
    fn on_cmd(self: Rc<Self>, env: TenEnv, cmd: Cmd, reply: Responder) -> HookFuture {
        let _ = env;
        let mut reply = reply;
        Box::pin(async move { reply.send(CmdResult::ok(&cmd)) })
    }

    /// Handles a data message. The default ignores it.
    fn on_data(self: Rc<Self>, env: TenEnv, data: Data) -> HookFuture {
        let _ = (env, data);
        Box::pin(async { Ok(()) })
    }

    /// Handles an audio frame. The default ignores it.
    fn on_audio_frame(self: Rc<Self>, env: TenEnv, frame: AudioFrame) -> HookFuture {
        let _ = (env, frame);
        Box::pin(async { Ok(()) })
    }

    /// Handles a video frame. The default ignores it.
    fn on_video_frame(self: Rc<Self>, env: TenEnv, frame: VideoFrame) -> HookFuture {
        let _ = (env, frame);
        Box::pin(async { Ok(()) })
    }

    /// How this extension's handlers run; concurrent by default.
    fn message_mode(&self) -> MessageMode {
        MessageMode::Concurrent
    }
}

/// Makes an extension instance.
pub(crate) type Addon = Rc<dyn Fn() -> Rc<dyn Extension>>;
