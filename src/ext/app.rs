//! The app: an addon registry, one graph, and options; `run` drives the graph on the running
//! evloop loop (see `runtime` for the running graph and `lifecycle` for each extension's
//! life).
//!
//! Closing the app lets every extension run `on_stop` and `on_deinit`; then commands still
//! waiting get ERROR results, handler tasks still running are cancelled and awaited, and `run`
//! returns with nothing left behind.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::error::TenError;
use super::extension::{Addon, Extension};
use super::graph::Graph;
use super::log::{LogRecord, LogSink};
pub use super::options::AppOptions;
use super::predefined::{PredefinedGraph, predefined_graphs, predefined_graphs_in};
use super::running::{self, Running, Setup};
pub use super::stage::Stage;
use crate::sync::Event;

/// Closes a running app from outside it (a test, a signal handler's callback), and starts
/// and stops its predefined graphs by name.
#[derive(Clone)]
pub struct AppHandle {
    closing: Event,
    running: Rc<RefCell<Running>>,
}

impl AppHandle {
    /// Asks the app to close: every extension of every graph stops and deinits, then `run`
    /// returns.
    pub fn close(&self) {
        self.closing.set();
    }

    /// Starts the predefined graph `name` (TEN's `start_graph` with `predefined_graph`).
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidGraph`] if there is no such predefined graph;
    /// [`TenError::Generic`] if it is already running or the app is not running.
    pub fn start_graph(&self, name: &str) -> Result<(), TenError> {
        running::start_predefined(&self.running, name, &self.closing)
    }

    /// Stops the running graph `name` and waits until its extensions have deinited (TEN's
    /// `stop_graph`); the app goes on running.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] if no graph of that name is running.
    pub async fn stop_graph(&self, name: &str) -> Result<(), TenError> {
        running::stop(&self.running, name).await
    }

    /// The predefined graphs' names, in file order.
    pub fn predefined_graphs(&self) -> Vec<String> {
        let state = self.running.borrow();
        state.predefined.iter().map(|g| g.name.clone()).collect()
    }

    /// The running graphs' names, sorted (a graph loaded with `load_graph` is `"default"`).
    pub fn running_graphs(&self) -> Vec<String> {
        let mut names: Vec<String> = self.running.borrow().graphs.keys().cloned().collect();
        names.sort();
        names
    }
}

/// The name of the graph given by [`App::load_graph`].
const DEFAULT_GRAPH: &str = "default";

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
    /// The predefined and running graphs, shared with handles.
    running: Rc<RefCell<Running>>,
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
            running: Rc::default(),
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

    /// Uses `graph`, with its `${env:..}` placeholders resolved ([`Graph::resolve_env`]).
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidGraph`] if a node names an addon that is not registered;
    /// [`TenError::EnvVarMissing`] for a placeholder whose variable is not set and that has
    /// no default.
    pub fn load_graph(&mut self, mut graph: Graph) -> Result<&mut App, TenError> {
        graph.resolve_env()?;
        for node in &graph.nodes {
            self.check_addon(node)?;
        }
        self.graph = Some(graph);
        Ok(self)
    }

    fn check_addon(&self, node: &super::graph::Node) -> Result<(), TenError> {
        if self.addons.contains_key(&node.addon) {
            Ok(())
        } else {
            Err(TenError::InvalidGraph(format!(
                "node '{}' uses unknown addon '{}'",
                node.name, node.addon
            )))
        }
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

    /// Reads a TEN app `property.json` file and takes its predefined graphs (see
    /// [`load_property_json`](App::load_property_json)); an
    /// `import_uri` is read relative to the file's directory.
    ///
    /// # Errors
    ///
    /// [`TenError::Generic`] if the file cannot be read, [`TenError::GraphImport`] if a
    /// graph's `import_uri` cannot, else as [`load_property_json`](App::load_property_json).
    pub fn load_property_file(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<&mut App, TenError> {
        let path = path.as_ref();
        let json = read(path)?;
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        self.use_predefined(predefined_graphs_in(&json, dir)?)
    }

    /// Takes the predefined graphs of a TEN app `property.json` (`ten.predefined_graphs`):
    /// `run` starts every one marked `auto_start`, each with its own
    /// `sync_stop_before_deinit`; the others can be started by name
    /// ([`AppHandle::start_graph`]).
    ///
    /// # Errors
    ///
    /// As [`load_graph_json`](App::load_graph_json), for every predefined graph.
    pub fn load_property_json(&mut self, json: &str) -> Result<&mut App, TenError> {
        self.use_predefined(predefined_graphs(json)?)
    }

    fn use_predefined(&mut self, graphs: Vec<PredefinedGraph>) -> Result<&mut App, TenError> {
        for g in &graphs {
            for node in &g.graph.nodes {
                self.check_addon(node)?;
            }
        }
        for g in &graphs {
            g.graph.clone().resolve_env()?;
        }
        self.running.borrow_mut().predefined = graphs;
        Ok(self)
    }

    /// A handle that closes the app once it runs.
    pub fn handle(&self) -> AppHandle {
        AppHandle {
            closing: self.closing.clone(),
            running: self.running.clone(),
        }
    }

    /// Runs the app on the running loop until it is closed (by an extension's `close_app`,
    /// or an [`AppHandle`]), then shuts everything down. It starts the graph given by
    /// [`load_graph`](App::load_graph) (as `"default"`) and every predefined graph marked
    /// `auto_start`; with none, it waits for [`AppHandle::start_graph`], as a TEN app does.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidGraph`] if neither a graph nor predefined graphs were loaded;
    /// [`TenError::HookFailed`], naming the extension and the hook, for the first lifecycle
    /// hook that returned an error or panicked (before or after returning its future). The
    /// app still stopped and deinited everything.
    ///
    /// # Panics
    ///
    /// If polled outside a running loop.
    pub async fn run(self) -> Result<(), TenError> {
        let auto: Vec<String> = {
            let state = self.running.borrow();
            state
                .predefined
                .iter()
                .filter(|g| g.auto_start)
                .map(|g| g.name.clone())
                .collect()
        };
        if self.graph.is_none() && self.running.borrow().predefined.is_empty() {
            return Err(TenError::InvalidGraph("no graph loaded".into()));
        }
        self.running.borrow_mut().setup = Some(Rc::new(Setup {
            addons: self.addons,
            options: self.options,
            log_sink: self.log_sink,
            hook_failures: Rc::default(),
        }));
        if let Some(graph) = self.graph {
            let redirect = self
                .redirect
                .and_then(|(a, b)| Some((graph.node_index(&a)?, graph.node_index(&b)?)));
            running::spawn_graph(
                &self.running,
                DEFAULT_GRAPH,
                graph,
                false,
                &self.closing,
                redirect,
            )?;
        }
        for name in auto {
            running::start_predefined(&self.running, &name, &self.closing)?;
        }
        self.closing.wait().await;
        running::stop_all(&self.running).await;
        let setup = self.running.borrow_mut().setup.take();
        // The first failed hook is the app's outcome (TEN exits on it; evloop stops cleanly).
        match setup.and_then(|s| s.hook_failures.borrow_mut().drain(..).next()) {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
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
