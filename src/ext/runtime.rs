//! The running graph: its extensions, routing, delivery by lifecycle stage, and the task that
//! runs one handler for one delivered message.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use super::caught::Failure;
use super::env::TenEnv;
use super::error::TenError;
use super::extension::{Addon, Extension, HookFuture, MessageMode};
use super::graph::Graph;
use super::host::Host;
use super::inbound::{Inbound, refuse};
use super::live::{Live, Slot};
use super::log::{LogLevel, LogRecord, LogSink};
use super::msg::Header;
use super::msg_kind::MsgKind;
use super::options::AppOptions;
use super::path::OutPath;
use super::properties::Properties;
use super::pruned::Pruned;
use super::responder::HandlerScope;
use super::route_table::RouteTable;
use super::stage::Stage;
use super::trail;
use crate::Queue;
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
    /// Handler tasks running for it (each gives its slot back as it ends).
    pub(crate) handlers: RefCell<Live>,
    /// Commands it sent that may still wait for results.
    pub(crate) out_paths: RefCell<Pruned<Weak<OutPath>>>,
    /// How many of them are pending, against `AppOptions::max_pending_cmds`.
    pub(crate) pending: Rc<Cell<usize>>,
}

/// The running graph.
pub(crate) struct Runtime {
    pub(crate) nodes: Vec<NodeRt>,
    pub(crate) graph: Graph,
    /// The graph's routes, as messages are looked up in them.
    routes: RouteTable,
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
                    name: Rc::from(n.name.as_str()),
                    mode: ext.message_mode(),
                    ext: RefCell::new(Some(ext)),
                    graph_props: n.property.clone(),
                    props: RefCell::new(Properties::new()),
                    stage: Cell::new(Stage::Created),
                    held: RefCell::new(Vec::new()),
                    inbox: Queue::new(0),
                    handlers: RefCell::new(Live::default()),
                    out_paths: RefCell::new(Pruned::new()),
                    pending: Rc::new(Cell::new(0)),
                }
            })
            .collect::<Vec<_>>();
        let stop_barrier = options
            .sync_stop_before_deinit
            .then(|| Barrier::new(nodes.len()));
        Rc::new(Runtime {
            nodes,
            routes: RouteTable::new(&graph),
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
                name: header.name.clone(),
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
        if let Some(conv) = self.graph.conversion(from, kind, &msg.header().name, dest)
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

    pub(crate) fn dispatch(self: &Rc<Self>, dest: usize, msg: Inbound) {
        let node = &self.nodes[dest];
        if node.mode == MessageMode::Ordered {
            if let Err(e) = node.inbox.put_nowait(msg) {
                refuse(e.into_inner());
            }
            return;
        }
        let slot = node.handlers.borrow_mut().reserve();
        let task = crate::spawn(Handler::new(self.clone(), dest, msg, Some(slot)));
        node.handlers.borrow_mut().fill(slot, task.task_ref());
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

/// Runs one handler for one inbound message: a future written out by hand so that a
/// handler task holds only the message until it starts, then only what the running handler
/// needs (an `async fn` kept room for both, and every spawn copied it whole).
///
/// A command's responder is given to a [`HandlerScope`], so that a handler which fails
/// without answering answers with why. While a command's handler is polled, the command's
/// path is the current trail (the commands it sends are one hop further; cycles are cut).
pub(crate) struct Handler {
    rt: Rc<Runtime>,
    node: usize,
    /// For a handler task of its own: its slot in the extension's `handlers`, given back
    /// when the handler ends or is dropped.
    slot: Option<Slot>,
    state: HandlerState,
}

enum HandlerState {
    /// Not polled yet.
    Start(Inbound),
    /// The handler's future, polled until it ends.
    Running {
        fut: HookFuture,
        /// The command's path, for a command handler.
        trail: Option<Rc<OutPath>>,
        /// The command's scope, for a command handler.
        scope: Option<HandlerScope>,
        /// The hook's name, for the log.
        what: &'static str,
        /// Kept until the handler ends, as the handler's caller would.
        ext: Option<Rc<dyn Extension>>,
    },
    Done,
}

impl Handler {
    pub(crate) fn new(rt: Rc<Runtime>, node: usize, msg: Inbound, slot: Option<Slot>) -> Handler {
        Handler {
            rt,
            node,
            slot,
            state: HandlerState::Start(msg),
        }
    }

    /// Calls the extension's handler for `msg`; `Err` if it panicked before returning its
    /// future (caught, so that an ordered consumer survives it), `Ok(None)` if the
    /// extension is gone (the message is refused).
    fn start(
        &self,
        msg: Inbound,
    ) -> Result<Option<HandlerState>, (Option<HandlerScope>, &'static str, Failure)> {
        let Some(ext) = self.rt.extension(self.node) else {
            refuse(msg);
            return Ok(None);
        };
        let env = self.rt.env(self.node);
        let what = match &msg {
            Inbound::Cmd(..) => "on_cmd",
            Inbound::Data(_) => "on_data",
            Inbound::Audio(_) => "on_audio_frame",
            Inbound::Video(_) => "on_video_frame",
        };
        // Only a command has a responder to answer for (data handlers allocate nothing here).
        let scope = matches!(msg, Inbound::Cmd(..)).then(HandlerScope::new);
        let trail = match &msg {
            Inbound::Cmd(_, reply) => Some(reply.path().clone()),
            _ => None,
        };
        let handler = ext.clone();
        let call = || {
            catch_unwind(AssertUnwindSafe(|| match msg {
                Inbound::Cmd(cmd, mut reply) => {
                    if let Some(scope) = &scope {
                        reply.defer_to(scope);
                    }
                    handler.on_cmd(env, cmd, reply)
                }
                Inbound::Data(d) => handler.on_data(env, d),
                Inbound::Audio(a) => handler.on_audio_frame(env, a),
                Inbound::Video(v) => handler.on_video_frame(env, v),
            }))
        };
        // Only a command has a trail to make current (none is current when a handler task
        // is polled, so other handlers are called as they are).
        let made = if trail.is_some() {
            trail::within(&trail, call)
        } else {
            call()
        };
        match made {
            Ok(fut) => Ok(Some(HandlerState::Running {
                fut,
                trail,
                scope,
                what,
                ext: Some(ext),
            })),
            Err(p) => Err((scope, what, Failure::panic(&*p))),
        }
    }

    /// The handler ended: its scope answers an unanswered command, a failure is reported.
    fn end(&self, scope: Option<HandlerScope>, what: &str, outcome: Result<(), Failure>) {
        if let Some(scope) = scope {
            scope.finish(outcome.as_ref().err());
        }
        if let Err(why) = outcome {
            self.rt.failed(self.node, what, why.to_string());
        }
    }
}

impl Future for Handler {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if matches!(this.state, HandlerState::Start(_)) {
            let HandlerState::Start(msg) = mem::replace(&mut this.state, HandlerState::Done) else {
                unreachable!("just matched");
            };
            match this.start(msg) {
                Ok(Some(running)) => this.state = running,
                Ok(None) => return Poll::Ready(()),
                Err((scope, what, failure)) => {
                    this.end(scope, what, Err(failure));
                    return Poll::Ready(());
                }
            }
        }
        let HandlerState::Running { fut, trail, .. } = &mut this.state else {
            return Poll::Ready(());
        };
        let polled = if trail.is_some() {
            trail::within(trail, || {
                catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)))
            })
        } else {
            catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx)))
        };
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(()))) => Ok(()),
            Ok(Poll::Ready(Err(e))) => Err(Failure::Error(e)),
            Err(p) => Err(Failure::panic(&*p)),
        };
        // The handler's future goes (dropped in place, not moved out) before its scope
        // answers for it; the extension is kept until then.
        let HandlerState::Running {
            scope, what, ext, ..
        } = &mut this.state
        else {
            unreachable!("just matched");
        };
        let (scope, what, ext) = (scope.take(), *what, ext.take());
        this.state = HandlerState::Done;
        this.end(scope, what, outcome);
        drop(ext);
        Poll::Ready(())
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            let task = self.rt.nodes[self.node].handlers.borrow_mut().release(slot);
            // Dropped once the list is no longer borrowed.
            drop(task);
        }
    }
}
