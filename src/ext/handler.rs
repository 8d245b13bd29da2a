//! Starting handlers, in delivery order: a delivered message is queued on the graph's
//! [`Starts`] and its handler started by a loop callback (a handler that ends in its first
//! poll needs no task, one that waits goes on as a task of its own, a [`Handler`]); a
//! command with nothing queued before it gets its task at once.
//!
//! [`Starts`]: super::starts::Starts

use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::caught::Failure;
use super::extension::{Extension, HookFuture, MessageMode};
use super::inbound::{Inbound, refuse};
use super::live::Slot;
use super::path::OutPath;
use super::responder::HandlerScope;
use super::runtime::Runtime;
use super::trail;

impl Runtime {
    /// Hands a message to a running extension: its inbox in ordered mode, a task of its own
    /// for a command when nothing is queued, else the queue of handlers to start (a callback
    /// is scheduled for the queue if none is). Either way handlers start in delivery order.
    pub(crate) fn dispatch(self: &Rc<Self>, dest: usize, msg: Inbound) {
        let node = &self.nodes[dest];
        if node.mode == MessageMode::Ordered {
            if let Err(e) = node.inbox.put_nowait(msg) {
                refuse(e.into_inner());
            }
            return;
        }
        if matches!(msg, Inbound::Cmd(..)) && self.starts.is_empty() {
            // A command handler usually waits (for the commands it sends): it gets a task at
            // once, which starts it in a coming turn. Behind queued messages, it queues.
            let slot = node.handlers.borrow_mut().reserve();
            let mut handler = Handler::new(self.clone(), dest, msg);
            handler.slot = Some(slot);
            let task = crate::spawn(handler);
            node.handlers.borrow_mut().fill(slot, task.task_ref());
            return;
        }
        if self.starts.push(dest, msg) {
            let ev = crate::get_running_loop()
                .expect("messages are delivered on the loop that runs the graph");
            let rt = self.clone();
            if ev.call_soon(move || rt.start_queued()).is_err() {
                // The loop is closed: nothing will run, the messages are dropped.
                drop(self.starts.take_all());
            }
        }
    }

    /// Starts the handlers of the messages queued when this callback began, in order.
    fn start_queued(self: &Rc<Self>) {
        for _ in 0..self.starts.begin() {
            let Some((dest, msg)) = self.starts.pop() else {
                break;
            };
            self.start_handler(dest, msg);
        }
    }

    /// Polls the handler of `msg` once, here; if it waits, it goes on as a task that takes
    /// a slot in its extension's `handlers` (the task polls it again, with its own waker).
    fn start_handler(self: &Rc<Self>, dest: usize, msg: Inbound) {
        let mut state = match Handler::start(self, dest, msg) {
            Ok(Some(running)) => running,
            Ok(None) => return,
            Err((scope, what, failure)) => {
                Handler::end(self, dest, scope, what, Err(failure));
                return;
            }
        };
        let mut cx = Context::from_waker(Waker::noop());
        if Handler::poll_running(self, dest, &mut state, &mut cx).is_ready() {
            return;
        }
        let mut handler = Handler {
            rt: self.clone(),
            node: dest,
            slot: None,
            state,
        };
        let node = &self.nodes[dest];
        let slot = node.handlers.borrow_mut().reserve();
        handler.slot = Some(slot);
        let task = crate::spawn(handler);
        node.handlers.borrow_mut().fill(slot, task.task_ref());
    }
}

/// Runs one handler for one inbound message: a future written out by hand that holds the
/// message until it starts (a command's task, an ordered extension's consumer), then only
/// what the running handler needs. A handler started from the queue by
/// [`Runtime::dispatch`]'s callback becomes a task only if its first poll is pending.
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
    /// Not polled yet (ordered mode).
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
    pub(crate) fn new(rt: Rc<Runtime>, node: usize, msg: Inbound) -> Handler {
        Handler {
            rt,
            node,
            slot: None,
            state: HandlerState::Start(msg),
        }
    }

    /// Calls the extension's handler for `msg`; `Err` if it panicked before returning its
    /// future (caught, so that an ordered consumer survives it), `Ok(None)` if the
    /// extension is gone (the message is refused).
    fn start(
        rt: &Rc<Runtime>,
        node: usize,
        msg: Inbound,
    ) -> Result<Option<HandlerState>, (Option<HandlerScope>, &'static str, Failure)> {
        let Some(ext) = rt.extension(node) else {
            refuse(msg);
            return Ok(None);
        };
        let env = rt.env(node);
        let what = match &msg {
            Inbound::Cmd(..) => "on_cmd",
            Inbound::Data(_) => "on_data",
            Inbound::Audio(_) => "on_audio_frame",
            Inbound::Video(_) => "on_video_frame",
        };
        // Only a command has a responder to answer for (data handlers allocate nothing here).
        let scope = matches!(msg, Inbound::Cmd(..)).then(|| rt.spare_scopes.take());
        let mut trail = match &msg {
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
                Inbound::Audio(a) => handler.on_audio_frame(env, *a),
                Inbound::Video(v) => handler.on_video_frame(env, *v),
            }))
        };
        // Only a command has a trail to make current (none is current when a handler task
        // is polled, so other handlers are called as they are).
        let made = if trail.is_some() {
            trail::within(&mut trail, call)
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
    fn end(
        rt: &Runtime,
        node: usize,
        scope: Option<HandlerScope>,
        what: &str,
        outcome: Result<(), Failure>,
    ) {
        if let Some(scope) = scope {
            scope.finish(outcome.as_ref().err());
            rt.spare_scopes.give_back(scope);
        }
        if let Err(why) = outcome {
            rt.failed(node, what, why.to_string());
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
            match Handler::start(&this.rt, this.node, msg) {
                Ok(Some(running)) => this.state = running,
                Ok(None) => return Poll::Ready(()),
                Err((scope, what, failure)) => {
                    Handler::end(&this.rt, this.node, scope, what, Err(failure));
                    return Poll::Ready(());
                }
            }
        }
        Handler::poll_running(&this.rt, this.node, &mut this.state, cx)
    }
}

impl Handler {
    /// Polls a started handler (a `Running` state) once; when it ends, its scope answers for
    /// it, a failure is reported and the state becomes `Done`.
    fn poll_running(
        rt: &Runtime,
        node: usize,
        state: &mut HandlerState,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let HandlerState::Running { fut, trail, .. } = state else {
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
        } = state
        else {
            unreachable!("just matched");
        };
        let (scope, what, ext) = (scope.take(), *what, ext.take());
        *state = HandlerState::Done;
        Handler::end(rt, node, scope, what, outcome);
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
