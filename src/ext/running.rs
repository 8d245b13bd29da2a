//! The graphs an app is running, started and stopped by name (TEN's `start_graph` and
//! `stop_graph` commands on a predefined graph).
//!
//! Every graph runs on the app's one loop with its own stop event; closing the app stops
//! them all. A graph that is stopped runs `on_stop` and `on_deinit` in its extensions (with
//! its own `sync_stop_before_deinit`) and can be started again; the app goes on running,
//! with no graph at all if need be, until it is closed, as a TEN app waits for a graph to be
//! started.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::error::TenError;
use super::extension::Addon;
use super::graph::Graph;
use super::lifecycle::lifecycle;
use super::log::LogSink;
use super::options::AppOptions;
use super::predefined::PredefinedGraph;
use super::runtime::Runtime;
use crate::Task;
use crate::sync::Event;

/// What running graphs need, fixed when the app starts.
pub(crate) struct Setup {
    /// The registered addons.
    pub(crate) addons: HashMap<String, Addon>,
    /// The app's options (each graph may add `sync_stop_before_deinit`).
    pub(crate) options: AppOptions,
    /// Where log lines go.
    pub(crate) log_sink: Option<LogSink>,
    /// Failed lifecycle hooks of every graph, for the app's outcome.
    pub(crate) hook_failures: Rc<RefCell<Vec<TenError>>>,
}

/// The app's graphs: those it may start by name, and those running. Shared by the app and
/// its handles; changed only on the loop's thread.
#[derive(Default)]
pub(crate) struct Running {
    /// The predefined graphs, in file order.
    pub(crate) predefined: Vec<PredefinedGraph>,
    /// Set once the app runs.
    pub(crate) setup: Option<Rc<Setup>>,
    /// Running graphs by name: their stop event and the task that ends with them.
    pub(crate) graphs: HashMap<String, (Event, Task<()>)>,
}

/// Starts `graph` as `name` on the running loop; `app_closing` is what `close_app` sets.
pub(crate) fn spawn_graph(
    running: &Rc<RefCell<Running>>,
    name: &str,
    graph: Graph,
    sync_stop_before_deinit: bool,
    app_closing: &Event,
    redirect: Option<(usize, usize)>,
) -> Result<(), TenError> {
    let mut state = running.borrow_mut();
    if state.graphs.contains_key(name) {
        return Err(TenError::Generic(format!(
            "graph '{name}' is already running"
        )));
    }
    let setup = state
        .setup
        .clone()
        .ok_or_else(|| TenError::Generic("the app is not running".into()))?;
    let mut options = setup.options.clone();
    options.sync_stop_before_deinit |= sync_stop_before_deinit;
    let stop = Event::new();
    let rt = Runtime::new(
        graph,
        &setup.addons,
        options,
        setup.log_sink.clone(),
        stop.clone(),
        app_closing.clone(),
        setup.hook_failures.clone(),
    );
    rt.redirect.set(redirect);
    let task = crate::spawn(async move {
        let lifecycles: Vec<_> = (0..rt.nodes.len())
            .map(|i| crate::spawn(lifecycle(rt.clone(), i)))
            .collect();
        for task in lifecycles {
            let _ = task.await;
        }
        rt.release();
    });
    state.graphs.insert(name.to_string(), (stop, task));
    Ok(())
}

/// Starts the predefined graph `name`.
pub(crate) fn start_predefined(
    running: &Rc<RefCell<Running>>,
    name: &str,
    app_closing: &Event,
) -> Result<(), TenError> {
    let found = running
        .borrow()
        .predefined
        .iter()
        .find(|g| g.name == name)
        .cloned()
        .ok_or_else(|| TenError::InvalidGraph(format!("no predefined graph '{name}'")))?;
    spawn_graph(
        running,
        name,
        found.graph,
        found.sync_stop_before_deinit,
        app_closing,
        None,
    )
}

/// Stops the running graph `name` and waits until its extensions have deinited.
pub(crate) async fn stop(running: &Rc<RefCell<Running>>, name: &str) -> Result<(), TenError> {
    let (stop, task) = running
        .borrow_mut()
        .graphs
        .remove(name)
        .ok_or_else(|| TenError::Generic(format!("graph '{name}' is not running")))?;
    stop.set();
    let _ = task.await;
    Ok(())
}

/// Stops every running graph and waits for them.
pub(crate) async fn stop_all(running: &Rc<RefCell<Running>>) {
    let graphs: Vec<_> = running.borrow_mut().graphs.drain().collect();
    for (_, (stop, _)) in &graphs {
        stop.set();
    }
    for (_, (_, task)) in graphs {
        let _ = task.await;
    }
}
