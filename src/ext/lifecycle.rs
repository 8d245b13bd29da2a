//! One extension's life as one task (configure → init → start → stop → deinit), and the
//! consumer task of an ordered-mode extension (handlers themselves are started by
//! `runtime`, which delivers messages).

use std::rc::Rc;

use super::caught::{Caught, Failure};
use super::extension::MessageMode;
use super::handler::Handler;
use super::inbound::refuse;
use super::log::LogLevel;
use super::runtime::Runtime;
use super::stage::Stage;

/// Runs one lifecycle hook, with the stage watchdog.
async fn hook(rt: &Rc<Runtime>, node: usize, stage: Stage, what: &str) {
    rt.nodes[node].stage.set(stage);
    let Some(ext) = rt.extension(node) else {
        return;
    };
    let env = rt.env(node);
    // A hook may panic before it returns its future (its synchronous part): caught here like
    // a panic inside the future, so the stage fails and the app says so.
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match stage {
        Stage::Configuring => ext.on_configure(env),
        Stage::Initing => ext.on_init(env),
        Stage::Starting => ext.on_start(env),
        Stage::Stopping => ext.on_stop(env),
        _ => ext.on_deinit(env),
    }));
    let fut = match made {
        Ok(fut) => fut,
        Err(p) => {
            rt.hook_failed(node, what, &Failure::panic(&*p));
            return;
        }
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
        rt.hook_failed(node, what, &why);
    }
    if let Some(w) = watchdog {
        w.cancel();
    }
}

/// The whole life of one extension (TEN's configure → init → start → stop → deinit).
pub(crate) async fn lifecycle(rt: Rc<Runtime>, node: usize) {
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
    rt.cancel_path_sweep(node);
    let out_paths = n.out_paths.borrow_mut().take();
    for path in out_paths {
        if path.is_open() {
            path.fail("The extension was de-initialized.");
        }
    }
    // Leftover handlers are cancelled and awaited: nothing keeps running.
    n.inbox.shutdown(true);
    // Handlers not started yet never start: their messages are dropped, as the unpolled
    // task of a cancelled handler drops its message.
    drop(rt.starts.take_node(node));
    let mut leftover = n.handlers.borrow_mut().take();
    leftover.retain(|t| !t.done());
    for t in &leftover {
        t.cancel();
    }
    if !leftover.is_empty() {
        let _ = crate::wait(leftover, crate::ReturnWhen::AllCompleted, None).await;
    }
}

/// Ordered mode: one message at a time, in arrival order.
async fn ordered_consumer(rt: Rc<Runtime>, node: usize) {
    let inbox = rt.nodes[node].inbox.clone();
    while let Ok(msg) = inbox.get().await {
        Handler::new(rt.clone(), node, msg).await;
    }
}
