//! The app: an addon registry, one graph, and options; `run` drives the graph on the running
//! evloop loop (see `runtime` for the running graph and `lifecycle` for each extension's
//! life).
//!
//! Closing the app lets every extension run `on_stop` and `on_deinit`; then commands still
//! waiting get ERROR results, handler tasks still running are cancelled and awaited, and `run`
//! returns with nothing left behind.

use std::collections::HashMap;
use std::rc::Rc;

use super::error::TenError;
use super::extension::{Addon, Extension};
use super::graph::{Graph, predefined_graphs};
use super::lifecycle::lifecycle;
use super::log::{LogRecord, LogSink};
pub use super::options::AppOptions;
use super::runtime::Runtime;
pub use super::stage::Stage;
use crate::sync::Event;

/// Closes a running app from outside it (a test, a signal handler's callback).
#[derive(Clone)]
pub struct AppHandle {
    closing: Event,
}

impl AppHandle {
    /// Asks the app to close: every extension stops and deinits, then `run` returns.
    pub fn close(&self) {
        self.closing.set();
    }
}

/// An app: registered addons, a graph, and options.
///
/// Rosetta: TEN's `App` with its `property.json`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use evloop::ext::{App, Cmd, Extension, HookFuture, TenEnv};
///
/// struct Asker;
/// impl Extension for Asker {
///     fn on_start(self: Rc<Self>, env: TenEnv) -> HookFuture {
///         Box::pin(async move {
///             let result = env.send_cmd(Cmd::new("hello")?).await?;
///             assert!(result.is_ok());
///             env.close_app();
///             Ok(())
///         })
///     }
/// }
/// struct Greeter; // answers every command OK (the default on_cmd)
/// impl Extension for Greeter {}
///
/// let mut app = App::new();
/// app.register("asker", || Rc::new(Asker));
/// app.register("greeter", || Rc::new(Greeter));
/// app.load_graph_json(r#"{
///     "nodes": [{"type": "extension", "name": "a", "addon": "asker"},
///               {"type": "extension", "name": "g", "addon": "greeter"}],
///     "connections": [{"extension": "a", "cmd": [{"name": "hello", "dest": [{"extension": "g"}]}]}]
/// }"#).unwrap();
/// evloop::run(app.run()).unwrap().unwrap();
/// ```
pub struct App {
    addons: HashMap<String, Addon>,
    graph: Option<Graph>,
    options: AppOptions,
    log_sink: Option<LogSink>,
    closing: Event,
    /// Tester single mode: (node under test, tester node).
    redirect: Option<(String, String)>,
}

impl App {
    /// An empty app.
    pub fn new() -> App {
        App {
            addons: HashMap::new(),
            graph: None,
            options: AppOptions::default(),
            log_sink: None,
            closing: Event::new(),
            redirect: None,
        }
    }

    /// Tester single mode: everything `tested` sends goes to `tester`, and everything else
    /// sends goes to `tested`, whatever the graph says.
    pub(crate) fn redirect_single(&mut self, tested: &str, tester: &str) {
        self.redirect = Some((tested.to_string(), tester.to_string()));
    }

    /// Registers an addon: a name the graph refers to, and how to make an instance.
    pub fn register<E: Extension>(
        &mut self,
        addon: &str,
        make: impl Fn() -> Rc<E> + 'static,
    ) -> &mut App {
        self.addons.insert(
            addon.to_string(),
            Rc::new(move || make() as Rc<dyn Extension>),
        );
        self
    }

    /// The app's options, to change before `run`.
    pub fn options_mut(&mut self) -> &mut AppOptions {
        &mut self.options
    }

    /// Sends every log line to `sink` instead of standard error.
    pub fn on_log(&mut self, sink: impl Fn(&LogRecord) + 'static) -> &mut App {
        self.log_sink = Some(Rc::new(sink));
        self
    }

    /// Uses `graph`.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidGraph`] if a node names an addon that is not registered.
    pub fn load_graph(&mut self, graph: Graph) -> Result<&mut App, TenError> {
        for node in &graph.nodes {
            if !self.addons.contains_key(&node.addon) {
                return Err(TenError::InvalidGraph(format!(
                    "node '{}' uses unknown addon '{}'",
                    node.name, node.addon
                )));
            }
        }
        self.graph = Some(graph);
        Ok(self)
    }

    /// Parses and uses a graph (see [`Graph::from_json`]).
    ///
    /// # Errors
    ///
    /// Bad JSON, a bad graph, or an unknown addon.
    pub fn load_graph_json(&mut self, json: &str) -> Result<&mut App, TenError> {
        self.load_graph(Graph::from_json(json)?)
    }

    /// Reads and uses a graph file.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] if the file cannot be read, else as
    /// [`load_graph_json`](App::load_graph_json).
    pub fn load_graph_file(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<&mut App, TenError> {
        let json = read(path.as_ref())?;
        self.load_graph_json(&json)
    }

    /// Reads a TEN app `property.json` file and uses its first `auto_start` graph.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] if the file cannot be read, else as
    /// [`load_property_json`](App::load_property_json).
    pub fn load_property_file(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<&mut App, TenError> {
        let json = read(path.as_ref())?;
        self.load_property_json(&json)
    }

    /// Uses the first `auto_start` graph of a TEN app `property.json`
    /// (`ten.predefined_graphs`), with its `sync_stop_before_deinit`.
    ///
    /// # Errors
    ///
    /// As [`load_graph_json`](App::load_graph_json), or [`TenError::InvalidGraph`] if no
    /// graph is marked `auto_start`.
    pub fn load_property_json(&mut self, json: &str) -> Result<&mut App, TenError> {
        let graph = predefined_graphs(json)?
            .into_iter()
            .find(|g| g.auto_start)
            .ok_or_else(|| TenError::InvalidGraph("no predefined graph has auto_start".into()))?;
        self.options.sync_stop_before_deinit |= graph.sync_stop_before_deinit;
        self.load_graph(graph.graph)
    }

    /// A handle that closes the app once it runs.
    pub fn handle(&self) -> AppHandle {
        AppHandle {
            closing: self.closing.clone(),
        }
    }

    /// Runs the graph on the running loop until the app is closed (by an extension's
    /// `close_app`, or an [`AppHandle`]), then shuts everything down.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidGraph`] if no graph was loaded.
    ///
    /// # Panics
    ///
    /// If polled outside a running loop.
    pub async fn run(self) -> Result<(), TenError> {
        let graph = self
            .graph
            .ok_or_else(|| TenError::InvalidGraph("no graph loaded".into()))?;
        let redirect = self
            .redirect
            .and_then(|(a, b)| Some((graph.node_index(&a)?, graph.node_index(&b)?)));
        let rt = Runtime::new(
            graph,
            &self.addons,
            self.options,
            self.log_sink,
            self.closing,
        );
        rt.redirect.set(redirect);
        let lifecycles: Vec<_> = (0..rt.nodes.len())
            .map(|i| crate::spawn(lifecycle(rt.clone(), i)))
            .collect();
        for task in lifecycles {
            let _ = task.await;
        }
        rt.release();
        Ok(())
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

fn read(path: &std::path::Path) -> Result<String, TenError> {
    std::fs::read_to_string(path)
        .map_err(|e| TenError::Generic(format!("cannot read {}: {e}", path.display())))
}
