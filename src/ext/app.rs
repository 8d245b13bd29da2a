//! The app: an addon registry, one graph, and the runtime that drives its extensions on the
//! running evloop loop.
//!
//! Each extension's whole life is one task (the lifecycle routine, see
//! [`Extension`]); each inbound message is one more task (or goes through
//! the extension's queue in ordered mode). Closing the app lets every extension run
//! `on_stop` and `on_deinit`; then commands still waiting get ERROR results, handler tasks
//! still running are cancelled and awaited, and `run` returns with nothing left behind.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::env::{LogLevel, LogRecord, OutPath, Policy, Responder, TenEnv};
use super::error::TenError;
use super::extension::{Extension, HookFuture, MessageMode};
use super::graph::{Graph, predefined_graphs};
use super::msg::{AudioFrame, Cmd, CmdResult, Data, Header, MsgKind, VideoFrame};
use super::properties::Properties;
use crate::error::panic_message;
use crate::queue::Queue;
use crate::sync::{Barrier, Event};
use crate::task::TaskRef;

/// A message on its way into an extension.
pub(crate) enum Inbound {
    Cmd(Cmd, Responder),
    Data(Data),
    Audio(AudioFrame),
    Video(VideoFrame),
}

impl Inbound {
    fn header(&self) -> &Header {
        match self {
            Inbound::Cmd(c, _) => &c.header,
            Inbound::Data(d) => &d.header,
            Inbound::Audio(a) => &a.header,
            Inbound::Video(v) => &v.header,
        }
    }

    fn header_mut(&mut self) -> &mut Header {
        match self {
            Inbound::Cmd(c, _) => &mut c.header,
            Inbound::Data(d) => &mut d.header,
            Inbound::Audio(a) => &mut a.header,
            Inbound::Video(v) => &mut v.header,
        }
    }

    fn kind(&self) -> MsgKind {
        match self {
            Inbound::Cmd(..) => MsgKind::Cmd,
            Inbound::Data(_) => MsgKind::Data,
            Inbound::Audio(_) => MsgKind::AudioFrame,
            Inbound::Video(_) => MsgKind::VideoFrame,
        }
    }

    /// A copy for one more destination (fire-and-forget messages only).
    fn copy(&self) -> Inbound {
        match self {
            Inbound::Data(d) => Inbound::Data(d.clone()),
            Inbound::Audio(a) => Inbound::Audio(a.clone()),
            Inbound::Video(v) => Inbound::Video(v.clone()),
            Inbound::Cmd(..) => unreachable!("commands are copied with their own responder"),
        }
    }
}

/// Where an extension is in its life (see the diagram on [`Extension`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Created, not configured yet.
    Created,
    /// In `on_configure`.
    Configuring,
    /// In `on_init`.
    Initing,
    /// `on_init` returned: inbound messages flow from here on.
    Initialized,
    /// In `on_start`.
    Starting,
    /// Started.
    Running,
    /// In `on_stop`.
    Stopping,
    /// In `on_deinit`.
    Deiniting,
    /// Done; its env is closed.
    Closed,
}

/// Settings for an app.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// How long a sent command may wait for its result before it is answered with an ERROR
    /// "Path timeout." (TEN's default: 3 minutes). An extension's `ten.path_timeout`
    /// property (microseconds) overrides it for the commands it sends.
    pub path_timeout: Duration,
    /// A lifecycle stage still running after this long is reported with the extension's
    /// name (TEN users could not tell which extension was stuck).
    pub stage_watchdog: Duration,
    /// No extension enters `on_deinit` before every extension finished `on_stop`.
    pub sync_stop_before_deinit: bool,
    /// A failing hook or handler closes the app (TEN exits the process) instead of only
    /// being logged.
    pub close_on_error: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            path_timeout: Duration::from_secs(180),
            stage_watchdog: Duration::from_secs(10),
            sync_stop_before_deinit: false,
            close_on_error: false,
        }
    }
}

/// Makes an extension instance.
type Addon = Rc<dyn Fn() -> Rc<dyn Extension>>;

/// Receives every log line.
type LogSink = Rc<dyn Fn(&LogRecord)>;

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

/// One extension, as the runtime sees it.
struct NodeRt {
    name: String,
    /// The instance; taken at the end to break `Rc` cycles (extensions often keep an env).
    ext: RefCell<Option<Rc<dyn Extension>>>,
    mode: MessageMode,
    /// The graph node's `property`, merged over the extension's own at configure's end.
    graph_props: Properties,
    props: RefCell<Properties>,
    stage: Cell<Stage>,
    /// Inbound messages held until `on_init` returned.
    held: RefCell<Vec<Inbound>>,
    /// Ordered mode: the extension's inbox.
    inbox: Queue<Inbound>,
    /// Handler tasks started for it (pruned as they finish).
    handlers: RefCell<Pruned<TaskRef>>,
    /// Commands it sent that may still wait for results.
    out_paths: RefCell<Pruned<Weak<OutPath>>>,
}

/// A list that drops its finished entries now and then: whenever it has doubled since the
/// last pruning, so each push costs amortised O(1) however many entries stay live.
struct Pruned<T> {
    items: Vec<T>,
    /// Prune when `items` reaches this length.
    prune_at: usize,
}

impl<T> Pruned<T> {
    fn new() -> Pruned<T> {
        Pruned {
            items: Vec::new(),
            prune_at: 64,
        }
    }

    fn push(&mut self, item: T, keep: impl FnMut(&T) -> bool) {
        if self.items.len() >= self.prune_at {
            self.items.retain(keep);
            self.prune_at = (self.items.len() * 2).max(64);
        }
        self.items.push(item);
    }

    fn take(&mut self) -> Vec<T> {
        self.prune_at = 64;
        std::mem::take(&mut self.items)
    }
}

/// The running graph.
pub(crate) struct Runtime {
    nodes: Vec<NodeRt>,
    graph: Graph,
    options: AppOptions,
    log_sink: Option<LogSink>,
    pub(crate) closing: Event,
    stop_barrier: Option<Barrier>,
    /// Test hook: every message sent to a node index, whatever the graph says.
    pub(crate) redirect: Cell<Option<(usize, usize)>>,
}

impl Runtime {
    fn new(
        graph: Graph,
        addons: &HashMap<String, Addon>,
        options: AppOptions,
        log_sink: Option<LogSink>,
        closing: Event,
    ) -> Rc<Runtime> {
        let nodes = graph
            .nodes
            .iter()
            .map(|n| {
                let ext = addons[&n.addon]();
                NodeRt {
                    name: n.name.clone(),
                    mode: ext.message_mode(),
                    ext: RefCell::new(Some(ext)),
                    graph_props: n.property.clone(),
                    props: RefCell::new(Properties::new()),
                    stage: Cell::new(Stage::Created),
                    held: RefCell::new(Vec::new()),
                    inbox: Queue::new(0),
                    handlers: RefCell::new(Pruned::new()),
                    out_paths: RefCell::new(Pruned::new()),
                }
            })
            .collect::<Vec<_>>();
        let stop_barrier = options
            .sync_stop_before_deinit
            .then(|| Barrier::new(nodes.len().max(1)));
        Rc::new(Runtime {
            nodes,
            graph,
            options,
            log_sink,
            closing,
            stop_barrier,
            redirect: Cell::new(None),
        })
    }

    pub(crate) fn node_name(&self, node: usize) -> String {
        self.nodes[node].name.clone()
    }

    pub(crate) fn stage(&self, node: usize) -> Stage {
        self.nodes[node].stage.get()
    }

    pub(crate) fn request_close(&self) {
        self.closing.set();
    }

    #[track_caller]
    fn log_runtime(&self, level: LogLevel, node: usize, message: String) {
        self.log(LogRecord {
            level,
            extension: self.node_name(node),
            location: Location::caller(),
            message,
        });
    }

    pub(crate) fn log(&self, record: LogRecord) {
        match &self.log_sink {
            Some(sink) => sink(&record),
            None => eprintln!("{record}"),
        }
    }

    fn check_open(&self, node: usize) -> Result<(), TenError> {
        if self.stage(node) == Stage::Closed {
            Err(TenError::TenIsClosed)
        } else {
            Ok(())
        }
    }

    /// Where a message from `from` goes: its explicit destinations, else the graph.
    fn resolve(&self, from: usize, kind: MsgKind, header: &Header) -> Result<Vec<usize>, TenError> {
        if let Some((redirect_from, to)) = self.redirect.get() {
            // Tester, single mode: everything the extension under test sends goes to the
            // tester, and everything the tester sends goes to the extension.
            return Ok(vec![if from == redirect_from {
                to
            } else {
                redirect_from
            }]);
        }
        let dests = match &header.dests {
            Some(names) => names
                .iter()
                .map(|n| {
                    self.graph.node_index(n).ok_or_else(|| {
                        TenError::InvalidArgument(format!("unknown destination extension '{n}'"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => self.graph.route(from, kind, &header.name).to_vec(),
        };
        if dests.is_empty() {
            return Err(TenError::MsgNotConnected {
                kind,
                name: header.name.clone(),
            });
        }
        Ok(dests)
    }

    pub(crate) fn send_cmd(
        self: &Rc<Self>,
        from: usize,
        mut cmd: Cmd,
        policy: Policy,
    ) -> Result<Rc<OutPath>, TenError> {
        self.check_open(from)?;
        let dests = self.resolve(from, MsgKind::Cmd, &cmd.header)?;
        cmd.header.source = Some(self.node_name(from));
        let path = OutPath::new(cmd.name(), policy, dests.len());
        let weak = Rc::downgrade(&path);
        let timeout = self.path_timeout(from);
        let timer = crate::get_running_loop()
            .and_then(|ev| {
                ev.call_later(timeout, move || {
                    if let Some(p) = weak.upgrade() {
                        p.fail("Path timeout.");
                    }
                })
            })
            .map_err(|e| TenError::Generic(e.to_string()))?;
        path.set_timer(timer);
        {
            let mut paths = self.nodes[from].out_paths.borrow_mut();
            paths.push(Rc::downgrade(&path), |p| {
                p.upgrade().is_some_and(|p| p.is_open())
            });
        }
        let last = dests.len() - 1;
        let mut cmd = Some(cmd);
        for (i, dest) in dests.into_iter().enumerate() {
            let copy = if i == last {
                cmd.take().expect("moved only at the last destination")
            } else {
                cmd.clone().expect("present until the last destination")
            };
            let reply = Responder::new(Some(path.clone()), copy.name());
            self.deliver(dest, Inbound::Cmd(copy, reply));
        }
        Ok(path)
    }

    /// The sender's path timeout: its `ten.path_timeout` property (microseconds, as in TEN;
    /// a number or `{"out_path": n}`), else the app's.
    fn path_timeout(&self, node: usize) -> Duration {
        let props = self.nodes[node].props.borrow();
        let micros = props
            .get_int("ten.path_timeout")
            .or_else(|_| props.get_int("ten.path_timeout.out_path"));
        match micros {
            Ok(us) if us > 0 => Duration::from_micros(us as u64),
            _ => self.options.path_timeout,
        }
    }

    pub(crate) fn send_data(
        self: &Rc<Self>,
        from: usize,
        mut msg: Inbound,
    ) -> Result<(), TenError> {
        self.check_open(from)?;
        let dests = self.resolve(from, msg.kind(), msg.header())?;
        msg.header_mut().source = Some(self.node_name(from));
        let last = dests.len() - 1;
        let mut msg = Some(msg);
        for (i, dest) in dests.into_iter().enumerate() {
            let copy = if i == last {
                msg.take().expect("moved only at the last destination")
            } else {
                msg.as_ref()
                    .expect("present until the last destination")
                    .copy()
            };
            self.deliver(dest, copy);
        }
        Ok(())
    }

    /// Hands a message to an extension according to its stage.
    fn deliver(self: &Rc<Self>, dest: usize, msg: Inbound) {
        let node = &self.nodes[dest];
        match node.stage.get() {
            Stage::Created | Stage::Configuring | Stage::Initing => {
                node.held.borrow_mut().push(msg)
            }
            Stage::Deiniting | Stage::Closed => refuse(msg),
            _ => self.dispatch(dest, msg),
        }
    }

    fn dispatch(self: &Rc<Self>, dest: usize, msg: Inbound) {
        let node = &self.nodes[dest];
        if node.mode == MessageMode::Ordered {
            if let Err(e) = node.inbox.put_nowait(msg) {
                refuse(e.into_inner());
            }
            return;
        }
        let task = crate::spawn(handle(self.clone(), dest, msg));
        let mut handlers = node.handlers.borrow_mut();
        handlers.push(task.task_ref(), |t| !t.done());
    }

    pub(crate) fn with_properties<R>(
        &self,
        node: usize,
        f: impl FnOnce(&mut Properties) -> Result<R, TenError>,
    ) -> Result<R, TenError> {
        self.check_open(node)?;
        f(&mut self.nodes[node].props.borrow_mut())
    }

    pub(crate) fn init_property_from_json(&self, node: usize, json: &str) -> Result<(), TenError> {
        if self.stage(node) != Stage::Configuring {
            return Err(TenError::Generic("Invalid timing to init property.".into()));
        }
        self.with_properties(node, |p| p.set_json("", json))
    }

    fn env(self: &Rc<Self>, node: usize) -> TenEnv {
        TenEnv {
            rt: self.clone(),
            node,
        }
    }

    fn extension(&self, node: usize) -> Option<Rc<dyn Extension>> {
        self.nodes[node].ext.borrow().clone()
    }

    /// Reports a failed hook or handler, and closes the app if asked to.
    fn failed(&self, node: usize, what: &str, why: String) {
        self.log_runtime(LogLevel::Error, node, format!("{what} failed: {why}"));
        if self.options.close_on_error {
            self.request_close();
        }
    }

    /// Breaks the reference cycles extensions may hold (an env kept in a field).
    fn release(&self) {
        for node in &self.nodes {
            let ext = node.ext.borrow_mut().take();
            drop(ext);
        }
    }
}

fn read(path: &std::path::Path) -> Result<String, TenError> {
    std::fs::read_to_string(path)
        .map_err(|e| TenError::Generic(format!("cannot read {}: {e}", path.display())))
}

/// Refuses a message to an extension that is de-initialising: a command gets an ERROR.
fn refuse(msg: Inbound) {
    if let Inbound::Cmd(cmd, mut reply) = msg {
        let _ = reply.send(CmdResult::error(
            &cmd,
            "The destination extension is in its de-initialization phase.",
        ));
    }
}

pin_project! {
    /// A hook or handler future whose panic is caught and returned as a message.
    struct Caught<F> {
        #[pin]
        fut: F,
    }
}

impl<F: Future<Output = Result<(), TenError>>> Future for Caught<F> {
    type Output = Result<(), String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.project().fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(()))) => Poll::Ready(Ok(())),
            Ok(Poll::Ready(Err(e))) => Poll::Ready(Err(format!("error: {e}"))),
            Err(p) => Poll::Ready(Err(format!("panic: {}", panic_message(&*p)))),
        }
    }
}

/// Runs one handler for one inbound message.
async fn handle(rt: Rc<Runtime>, node: usize, msg: Inbound) {
    let Some(ext) = rt.extension(node) else {
        refuse(msg);
        return;
    };
    let env = rt.env(node);
    let (what, fut): (&str, HookFuture) = match msg {
        Inbound::Cmd(cmd, reply) => ("on_cmd", ext.on_cmd(env, cmd, reply)),
        Inbound::Data(d) => ("on_data", ext.on_data(env, d)),
        Inbound::Audio(a) => ("on_audio_frame", ext.on_audio_frame(env, a)),
        Inbound::Video(v) => ("on_video_frame", ext.on_video_frame(env, v)),
    };
    if let Err(why) = (Caught { fut }).await {
        rt.failed(node, what, why);
    }
}

/// Runs one lifecycle hook, with the stage watchdog.
async fn hook(rt: &Rc<Runtime>, node: usize, stage: Stage, what: &str) {
    rt.nodes[node].stage.set(stage);
    let Some(ext) = rt.extension(node) else {
        return;
    };
    let env = rt.env(node);
    let fut = match stage {
        Stage::Configuring => ext.on_configure(env),
        Stage::Initing => ext.on_init(env),
        Stage::Starting => ext.on_start(env),
        Stage::Stopping => ext.on_stop(env),
        _ => ext.on_deinit(env),
    };
    let watchdog = {
        let (weak, what) = (Rc::downgrade(rt), what.to_string());
        let limit = rt.options.stage_watchdog;
        crate::get_running_loop().ok().and_then(|ev| {
            ev.call_later(limit, move || {
                if let Some(rt) = weak.upgrade() {
                    let msg = format!("still in {what} after {limit:?}: this extension is stuck");
                    rt.log_runtime(LogLevel::Warn, node, msg);
                }
            })
            .ok()
        })
    };
    if let Err(why) = (Caught { fut }).await {
        rt.failed(node, what, why);
    }
    if let Some(w) = watchdog {
        w.cancel();
    }
}

/// The whole life of one extension (TEN's configure → init → start → stop → deinit).
async fn lifecycle(rt: Rc<Runtime>, node: usize) {
    let n = &rt.nodes[node];
    let closing = || rt.closing.is_set();
    hook(&rt, node, Stage::Configuring, "on_configure").await;
    n.props.borrow_mut().merge(&n.graph_props);
    if !closing() {
        hook(&rt, node, Stage::Initing, "on_init").await;
        n.stage.set(Stage::Initialized);
        if n.mode == MessageMode::Ordered {
            crate::spawn(ordered_consumer(rt.clone(), node));
        }
        let held = std::mem::take(&mut *n.held.borrow_mut());
        for msg in held {
            rt.dispatch(node, msg);
        }
        if !closing() {
            hook(&rt, node, Stage::Starting, "on_start").await;
        }
        n.stage.set(Stage::Running);
        rt.closing.wait().await;
    }
    hook(&rt, node, Stage::Stopping, "on_stop").await;
    if let Some(barrier) = &rt.stop_barrier {
        let _ = barrier.wait().await;
    }
    n.stage.set(Stage::Deiniting);
    // Closed before init finished: held commands are answered with ERROR (TEN #884).
    for msg in std::mem::take(&mut *n.held.borrow_mut()) {
        refuse(msg);
    }
    hook(&rt, node, Stage::Deiniting, "on_deinit").await;
    n.stage.set(Stage::Closed);
    // Every command this extension still waits on resumes with an ERROR result.
    let out_paths = n.out_paths.borrow_mut().take();
    for path in out_paths {
        if let Some(p) = path.upgrade() {
            p.fail("The extension was de-initialized.");
        }
    }
    // Leftover handlers are cancelled and awaited: nothing keeps running.
    n.inbox.shutdown(true);
    let mut leftover = n.handlers.borrow_mut().take();
    leftover.retain(|t| !t.done());
    for t in &leftover {
        t.cancel();
    }
    crate::wait(leftover, crate::ReturnWhen::AllCompleted, None).await;
}

/// Ordered mode: one message at a time, in arrival order.
async fn ordered_consumer(rt: Rc<Runtime>, node: usize) {
    let inbox = rt.nodes[node].inbox.clone();
    while let Ok(msg) = inbox.get().await {
        handle(rt.clone(), node, msg).await;
    }
}
