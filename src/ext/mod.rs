//! The extension runtime: TEN-style async extensions on one evloop loop.
//!
//! An [`App`] holds addons (named constructors of [`Extension`]s) and a [`Graph`] of
//! extension nodes connected by message routes. Running it drives every extension through
//! its lifecycle on the running loop and routes [`Cmd`]s (answered by [`CmdResult`]s through a
//! [`Responder`]), [`Data`], [`AudioFrame`]s and [`VideoFrame`]s between them. An extension
//! talks to the rest through its [`TenEnv`].
//!
//! ```text
//!   ┌──────────── App (one evloop loop) ─────────────────────────────────┐
//!   │  graph: nodes + connections                                         │
//!   │                                                                     │
//!   │  ext A ──send_cmd("hello")──► route ──► ext B: on_cmd(cmd, reply)   │
//!   │    ▲                                         │                      │
//!   │    └────────── CmdResult (reply.send) ◄──────┘                      │
//!   │  ext A ──send_data / audio / video──► route ──► on_data ...         │
//!   └─────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! It uses only evloop's public API (tasks, timers, queues, events, barriers), so it could
//! be its own crate. It mirrors TEN's Python `AsyncExtension`; where it differs on purpose
//! (errors are values, panics do not kill the app, an unanswered command is answered with an
//! ERROR, a command can be given a timeout and abandoned) `docs/extensions.md` says so.
//!
//! # What may import what
//!
//! A file imports only from files before it in this list (lowest first), and from evloop
//! only what the crate root and its public modules offer:
//! `msg_kind`, `stage`, `log`, `options`, `pruned` (depend on nothing in ext) → `error` →
//! `caught`, `properties` → `msg` → `graph`, `path` (the sender's result path) → `responder`
//! → `inbound` → `host` (what an env may ask of the running graph) → `results` → `env` →
//! `extension` → `runtime` (the running graph; implements `Host`, runs handlers) →
//! `lifecycle` → `app` → `tester`. A public item that moved down is re-exported where it
//! was (`app::Stage`, `env::LogLevel`, `msg::MsgKind`, `results::Responder`, ...).

pub mod app;
mod caught;
pub mod env;
pub mod error;
pub mod extension;
pub mod graph;
mod host;
mod inbound;
mod lifecycle;
mod log;
pub mod msg;
mod msg_kind;
mod options;
mod path;
pub mod properties;
mod pruned;
mod responder;
pub mod results;
mod runtime;
mod stage;
pub mod tester;

pub use app::{App, AppHandle, AppOptions, Stage};
pub use env::{LogLevel, LogRecord, TenEnv};
pub use error::{MAX_JSON_BYTES, MAX_JSON_DEPTH, TenError};
pub use extension::{Extension, HookFuture, MessageMode};
pub use graph::{Graph, Node, PredefinedGraph, predefined_graphs};
pub use msg::{
    AudioFormat, AudioFrame, Cmd, CmdResult, Data, MsgKind, PixelFormat, StatusCode, VideoFrame,
};
pub use properties::Properties;
pub use results::{CmdResults, Responder};
pub use tester::{ExtensionTester, TEST_EXTENSION, TestContext};
