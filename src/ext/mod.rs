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
//! `msg_kind`, `stage`, `log`, `options`, `pruned`, `live` (depend on nothing in ext) → `error` →
//! `caught`, `properties` → `placeholder`, `msg` → `conversion` (`msg_conversion` rules), `selector`, `route_budget`, `graph_json` (reading graph JSON) → `subgraph` (flattening) → `graph` → `route_table` (the routes a running graph looks up), `predefined`, `check`, `path` (the sender's result path, and the command's place in its
//! trail) → `trail` (the trail of the handler running now, to cut cycles) → `responder`
//! → `inbound` → `starts` (delivered messages whose handlers start soon) → `host` (what an env may ask of the running graph) → `results` → `env` →
//! `extension` → `async_extension` → `runtime` (the running graph; delivers messages) → `handler` (starts and runs handlers) → `path_sweep` (path timeouts) → `sending` (implements `Host`) →
//! `lifecycle` → `running` (the graphs an app runs) → `app` → `tester`. A public item that moved down is re-exported where it
//! was (`app::Stage`, `env::LogLevel`, `msg::MsgKind`, `results::Responder`, ...).

pub mod app;
mod async_extension;
mod caught;
mod check;
mod conversion;
pub mod env;
pub mod error;
pub mod extension;
pub mod graph;
mod graph_json;
mod handler;
mod host;
mod inbound;
mod lifecycle;
mod live;
mod log;
pub mod msg;
mod msg_kind;
mod msg_name;
mod options;
mod out_paths;
mod path;
mod path_sweep;
#[cfg(test)]
mod pending_cost;
mod placeholder;
mod predefined;
pub mod properties;
mod responder;
pub mod results;
mod route_budget;
mod route_table;
mod running;
mod runtime;
mod selector;
mod sending;
mod stage;
mod starts;
mod subgraph;
pub mod tester;
mod trail;

pub use app::{App, AppHandle, AppOptions, Stage};
pub use async_extension::AsyncExtension;
pub use check::{GraphProblem, Severity, check_property_file, check_property_json};
pub use env::{LogLevel, LogRecord, TenEnv};
pub use error::{
    ConversionProblem, GraphRule, MAX_GRAPH_ITEMS, MAX_JSON_BYTES, MAX_JSON_DEPTH, TenError,
};
pub use extension::{Extension, HookFuture, MessageMode};
pub use graph::{Graph, Node, Route};
pub use msg::{
    AudioFormat, AudioFrame, Cmd, CmdResult, Data, MsgKind, PixelFormat, StatusCode, VideoFrame,
};
pub use predefined::{PredefinedGraph, predefined_graphs, predefined_graphs_in};
pub use properties::Properties;
pub use results::{CmdResults, Responder};
pub use selector::MAX_SELECTOR_CHECKS;
pub use subgraph::MAX_SUBGRAPH_DEPTH;
pub use tester::{ExtensionTester, TEST_EXTENSION, TestContext};
