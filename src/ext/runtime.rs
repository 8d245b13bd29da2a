//! The running graph: its extensions, routing, and delivery by lifecycle stage (handlers are
//! started in `handler.rs`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::Location;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::caught::Failure;
use super::env::TenEnv;
use super::error::TenError;
use super::extension::{Addon, Extension, MessageMode};
use super::graph::Graph;
use super::host::Host;
use super::inbound::{Inbound, refuse};
use super::live::Live;
use super::log::{LogLevel, LogRecord, LogSink};
use super::msg::Header;
use super::msg_kind::MsgKind;
use super::options::AppOptions;
use super::out_paths::OutPaths;
use super::properties::Properties;
use super::responder::SpareScopes;
use super::route_table::RouteTable;
use super::stage::Stage;
use super::starts::Starts;
use crate::sync::{Barrier, Event};
use crate::{Queue, TimerHandle};

/// One extension, as the runtime sees it.
pub(crate) struct NodeRt {
    /// Shared with every message it sends (as their source), so sending copies no string.
    pub(crate) name: Rc<String>,
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
    /// Handler tasks running for it (each gives its slot back as it ends).
    pub(crate) handlers: RefCell<Live>,
    /// Commands it sent that may still wait for results.
    pub(crate) out_paths: RefCell<OutPaths>,
    /// How many of them are pending, against `AppOptions::max_pending_cmds`.
    pub(crate) pending: Rc<Cell<usize>>,
    /// The timer that fails its due paths, and when it fires (`path_sweep.rs`).
    pub(crate) sweep: RefCell<Option<(Instant, TimerHandle)>>,
    /// When its current epoch of sent commands began, if one is open (`path_sweep.rs`).
    pub(crate) epoch: Cell<Option<Instant>>,
}

/// The running graph.
pub(crate) struct Runtime {
    pub(crate) nodes: Vec<NodeRt>,
    pub(crate) graph: Graph,
    /// The graph's routes, as messages are looked up in them.
    routes: RouteTable,
    /// Delivered messages whose handlers start in a coming turn (`handler.rs`).
    pub(crate) starts: Starts,
    /// Finished handler scopes, for the next command handlers (`responder.rs`).
    pub(crate) spare_scopes: SpareScopes,
    pub(crate) options: AppOptions,
    pub(crate) log_sink: Option<LogSink>,
    /// Set to stop this graph (its extensions stop and deinit).
    pub(crate) closing: Event,
    /// Set by `close_app`: the app closes every graph.
    pub(crate) app_closing: Event,
    pub(crate) stop_barrier: Option<Barrier>,
    /// Failed lifecycle hooks, in the order they failed: what `App::run` returns. Shared by
    /// every graph of the app.
    pub(crate) hook_failures: Rc<RefCell<Vec<TenError>>>,
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
        app_closing: Event,
        hook_failures: Rc<RefCell<Vec<TenError>>>,
    ) -> Rc<Runtime> {
        let nodes = graph
            .nodes
            .iter()
            .map(|n| {
                let ext = addons[&n.addon]();
                NodeRt {
                    name: Rc::new(n.name.clone()),
                    mode: ext.message_mode(),
                    ext: RefCell::new(Some(ext)),
                    graph_props: n.property.clone(),
                    props: RefCell::new(Properties::new()),
                    stage: Cell::new(Stage::Created),
                    held: RefCell::new(Vec::new()),
                    inbox: Queue::new(0),
                    handlers: RefCell::new(Live::default()),
                    out_paths: RefCell::new(OutPaths::default()),
                    pending: Rc::new(Cell::new(0)),
                    sweep: RefCell::new(None),
                    epoch: Cell::new(None),
                }
            })
            .collect::<Vec<_>>();
        let stop_barrier = options
            .sync_stop_before_deinit
            .then(|| Barrier::new(nodes.len()));
        Rc::new(Runtime {
            nodes,
            routes: RouteTable::new(&graph),
            starts: Starts::default(),
            spare_scopes: SpareScopes::default(),
            graph,
            options,
            log_sink,
            closing,
            app_closing,
            stop_barrier,
            hook_failures,
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

    /// Where a message from `from` goes: its explicit destinations, else the graph (borrowed
    /// from the routing table, so a routed message allocates no list).
    pub(crate) fn resolve(
        &self,
        from: usize,
        kind: MsgKind,
        header: &Header,
    ) -> Result<Cow<'_, [usize]>, TenError> {
        if let Some((redirect_from, to)) = self.redirect.get() {
            // Tester, single mode: everything the extension under test sends goes to the
            // tester, and everything the tester sends goes to the extension.
            return Ok(Cow::Owned(vec![if from == redirect_from {
                to
            } else {
                redirect_from
            }]));
        }
        let dests = match &header.dests {
            Some(names) => names
                .0
                .iter()
                .map(|n| {
                    self.graph.node_index(n).ok_or_else(|| {
                        TenError::InvalidArgument(format!("unknown destination extension '{n}'"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
                .into(),
            None => Cow::Borrowed(self.routes.get(from, kind, &header.name)),
        };
        if dests.is_empty() {
            return Err(TenError::MsgNotConnected {
                kind,
                name: header.name.to_string(),
            });
        }
        Ok(dests)
    }

    /// The sender's path timeout: its `ten.path_timeout` property (microseconds, as in TEN;
    /// a number or `{"out_path": n}`), else the app's. Looked up per command, so an
    /// extension without a `ten` property costs no path parsing (nor its errors).
    pub(crate) fn path_timeout(&self, node: usize) -> Duration {
        let props = self.nodes[node].props.borrow();
        if !props.has_top_level("ten") {
            return self.options.path_timeout;
        }
        let micros = props
            .get_int("ten.path_timeout")
            .or_else(|_| props.get_int("ten.path_timeout.out_path"));
        match micros {
            Ok(us) if us > 0 => Duration::from_micros(us as u64),
            _ => self.options.path_timeout,
        }
    }

    /// Delivers `msg` from `from` to `dest`, converted by the `msg_conversion` of that
    /// destination if the graph gives one. A conversion that fails is logged and the
    /// original delivered, as TEN does.
    pub(crate) fn send_to(self: &Rc<Self>, from: usize, dest: usize, mut msg: Inbound) {
        let kind = msg.kind();
        if self.graph.has_conversions()
            && let Some(conv) = self.graph.conversion(from, kind, &msg.header().name, dest)
            && let Err(e) = msg.convert(conv)
        {
            self.log_runtime(
                LogLevel::Error,
                dest,
                format!("msg_conversion of '{}' failed: {e}", msg.header().name),
            );
        }
        self.deliver(dest, msg);
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

    /// A lifecycle hook failed (error or panic): logged as any failure, and kept for the
    /// app's outcome.
    pub(crate) fn hook_failed(&self, node: usize, what: &str, why: &Failure) {
        let why = why.to_string();
        self.hook_failures.borrow_mut().push(TenError::HookFailed {
            extension: self.nodes[node].name.to_string(),
            hook: what.to_string(),
            reason: why.clone(),
        });
        self.failed(node, what, why);
    }

    /// Breaks the reference cycles extensions may hold (an env kept in a field).
    pub(crate) fn release(&self) {
        for node in &self.nodes {
            let ext = node.ext.borrow_mut().take();
            drop(ext);
        }
    }
}
