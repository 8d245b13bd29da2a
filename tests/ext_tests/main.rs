//! The TEN-style extension runtime: graphs, routing, hooks, results, limits, TEN's own files.
//!
//! One test binary for many files: each file is a module, so the suite links once.
//! Run one file's tests with `cargo test --test ext_tests <file>::`.

#[path = "../util/mod.rs"]
mod util;

mod ext_async_hooks;
mod ext_check;
mod ext_failures;
mod ext_graph_load;
mod ext_handling;
mod ext_lifecycle;
mod ext_msg_conversion;
mod ext_results;
mod ext_routing;
mod ext_subgraph;
mod ext_ten_corpus;
mod ext_tester;
mod ext_untrusted;
mod limits_ext;
