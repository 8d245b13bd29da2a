//! The running graph: its extensions, routing, delivery by lifecycle stage, and the task that
//! runs one handler for one delivered message.

use std::cell::{Cell, RefCell, RefMut};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::caught::Caught;
use super::env::TenEnv;
use super::error::TenError;
use super::extension::{Addon, Extension, HookFuture, MessageMode};
use super::graph::Graph;
use super::host::Host;
use super::inbound::{Inbound, refuse};
use super::log::{LogLevel, LogRecord, LogSink};
use super::msg::{Cmd, Header};
use super::msg_kind::MsgKind;
use super::options::AppOptions;
use super::path::{OutPath, Policy};
use super::properties::Properties;
use super::pruned::Pruned;
use super::responder::Responder;
use super::stage::Stage;
use crate::Queue;
use crate::TaskRef;
use crate::sync::{Barrier, Event};

/// One extension, as the runtime sees it.
pub(crate) struct NodeRt {
    /// Shared with every message it sends (as their source), so sending copies no string.
    pub(crate) name: Rc<str>,
    /// The instance; taken at the end to break `Rc` cycles (extensions often keep an env).
    pub(crate) ext: RefCell<Option<Rc<dyn Extension>>>,
    pub(crate) mode: MessageMode,
    /// The graph node's `property`, merged over the extension's own at configure's end.
    pub(crate) graph_props: Properties,
    pub(crate) props: RefCell<Properties>,
    pub(crate) stage: Cell<Stage>,
    /// Inbound messages held until `on_init` returned.
    pub(crate) held: RefCell<Vec<Inbound>>,
    /// Ordered mode: the extension's inbox.
    pub(crate) inbox: Queue<Inbound>,
    /// Handler tasks started for it (pruned as they finish).
    pub(crate) handlers: RefCell<Pruned<TaskRef>>,
    /// Commands it sent that may still wait for results.
    pub(crate) out_paths: RefCell<Pruned<Weak<OutPath>>>,
}

/// The running graph.
pub(crate) struct Runtime {
    pub(crate) nodes: Vec<NodeRt>,
    pub(crate) graph: Graph,
    pub(crate) options: AppOptions,
    pub(crate) log_sink: Option<LogSink>,
    pub(crate) closing: Event,
    pub(crate) stop_barrier: Option<Barrier>,
    /// Test hook: every message sent to a node index, whatever the graph says.
    pub(crate) redirect: Cell<Option<(usize, usize)>>,
}

impl Runtime {
    pub(crate) fn new(
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
                    name: Rc::from(n.name.as_str()),
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
            .then(|| Barrier::new(nodes.len()));
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

    #[track_caller]
    pub(crate) fn log_runtime(&self, level: LogLevel, node: usize, message: String) {
        self.log(LogRecord {
            level,
            extension: self.node_name(node),
            location: Location::caller(),
            message,
        });
    }

    pub(crate) fn check_open(&self, node: usize) -> Result<(), TenError> {
        if self.stage(node) == Stage::Closed {
            Err(TenError::TenIsClosed)
        } else {
            Ok(())
        }
    }

    /// Where a message from `from` goes: its explicit destinations, else the graph.
    pub(crate) fn resolve(
        &self,
        from: usize,
        kind: MsgKind,
        header: &Header,
    ) -> Result<Vec<usize>, TenError> {
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

    /// The sender's path timeout: its `ten.path_timeout` property (microseconds, as in TEN;
    /// a number or `{"out_path": n}`), else the app's.
    pub(crate) fn path_timeout(&self, node: usize) -> Duration {
        let props = self.nodes[node].props.borrow();
        let micros = props
            .get_int("ten.path_timeout")
            .or_else(|_| props.get_int("ten.path_timeout.out_path"));
        match micros {
            Ok(us) if us > 0 => Duration::from_micros(us as u64),
            _ => self.options.path_timeout,
        }
    }

    /// Hands a message to an extension according to its stage.
    pub(crate) fn deliver(self: &Rc<Self>, dest: usize, msg: Inbound) {
        let node = &self.nodes[dest];
        match node.stage.get() {
            Stage::Created | Stage::Configuring | Stage::Initing => {
                node.held.borrow_mut().push(msg)
            }
            Stage::Deiniting | Stage::Closed => refuse(msg),
            _ => self.dispatch(dest, msg),
        }
    }

    pub(crate) fn dispatch(self: &Rc<Self>, dest: usize, msg: Inbound) {
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

    pub(crate) fn env(self: &Rc<Self>, node: usize) -> TenEnv {
        TenEnv {
            rt: self.clone(),
            node,
        }
    }

    pub(crate) fn extension(&self, node: usize) -> Option<Rc<dyn Extension>> {
        self.nodes[node].ext.borrow().clone()
    }

    /// Reports a failed hook or handler, and closes the app if asked to.
    pub(crate) fn failed(&self, node: usize, what: &str, why: String) {
        self.log_runtime(LogLevel::Error, node, format!("{what} failed: {why}"));
        if self.options.close_on_error {
            self.request_close();
        }
    }

    /// Breaks the reference cycles extensions may hold (an env kept in a field).
    pub(crate) fn release(&self) {
        for node in &self.nodes {
            let ext = node.ext.borrow_mut().take();
            drop(ext);
        }
    }
}

impl Host for Runtime {
    fn node_name(&self, node: usize) -> String {
        self.nodes[node].name.to_string()
    }

    fn stage(&self, node: usize) -> Stage {
        self.nodes[node].stage.get()
    }

    fn send_cmd(
        self: Rc<Self>,
        from: usize,
        mut cmd: Cmd,
        policy: Policy,
    ) -> Result<Rc<OutPath>, TenError> {
        self.check_open(from)?;
        let dests = self.resolve(from, MsgKind::Cmd, &cmd.header)?;
        cmd.header.source = Some(self.nodes[from].name.clone());
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

    fn send_data(self: Rc<Self>, from: usize, mut msg: Inbound) -> Result<(), TenError> {
        self.check_open(from)?;
        let dests = self.resolve(from, msg.kind(), msg.header())?;
        msg.header_mut().source = Some(self.nodes[from].name.clone());
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

    fn properties(&self, node: usize) -> Result<RefMut<'_, Properties>, TenError> {
        self.check_open(node)?;
        Ok(self.nodes[node].props.borrow_mut())
    }

    fn init_property_from_json(&self, node: usize, json: &str) -> Result<(), TenError> {
        if self.stage(node) != Stage::Configuring {
            return Err(TenError::Generic("Invalid timing to init property.".into()));
        }
        self.properties(node)?.set_json("", json)
    }

    /// Sends `record` to the app's sink. A sink that panics is user code failing like any
    /// other: the panic is reported through the loop's exception handler and the line goes
    /// to standard error instead, so neither the line nor the hook that logged it is lost.
    fn log(&self, record: LogRecord) {
        let Some(sink) = &self.log_sink else {
            eprintln!("{record}");
            return;
        };
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| sink(&record))) {
            eprintln!("{record}");
            if let Some(h) = crate::running_loop() {
                h.call_exception_handler(&crate::ExceptionContext {
                    message: "Exception in the app's log sink".into(),
                    error: Some(crate::panic_message(&*p)),
                    ..Default::default()
                });
            }
        }
    }

    fn request_close(&self) {
        self.closing.set();
    }

    fn closing(&self) -> &Event {
        &self.closing
    }
}

/// Runs one handler for one inbound message.
pub(crate) async fn handle(rt: Rc<Runtime>, node: usize, msg: Inbound) {
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
