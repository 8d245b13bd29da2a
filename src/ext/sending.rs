//! Sending: the runtime as the [`Host`] an env talks to. A message is routed, given its
//! source, copied for every destination but the last (which gets it moved), converted for
//! each destination and delivered.

use std::cell::RefMut;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use super::error::TenError;
use super::host::Host;
use super::inbound::Inbound;
use super::log::LogRecord;
use super::msg::Cmd;
use super::msg_kind::MsgKind;
use super::path::{OutPath, PendingSlot, Policy};
use super::properties::Properties;
use super::responder::Responder;
use super::runtime::Runtime;
use super::stage::Stage;
use super::trail;
use crate::sync::Event;

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
        let parent = trail::current();
        if let Some(parent) = &parent
            && parent.depth() >= self.options.max_cmd_hops
        {
            let err = TenError::CmdCycle {
                cmd: cmd.name().to_string(),
                limit: self.options.max_cmd_hops,
                extensions: trail::cycle(parent, from)
                    .into_iter()
                    .map(|n| self.node_name(n))
                    .collect(),
            };
            trail::root(parent).fail(&err.to_string());
            return Err(err);
        }
        let limit = self.options.max_pending_cmds;
        let slot = PendingSlot::take(&self.nodes[from].pending, limit).ok_or_else(|| {
            TenError::TooManyPendingCmds {
                extension: self.node_name(from),
                limit,
            }
        })?;
        let timeout = self.path_timeout(from);
        let deadline = self.path_deadline(from, timeout)?;
        let path = {
            let mut paths = self.nodes[from].out_paths.borrow_mut();
            let path = OutPath::new(
                paths.reuse(),
                &cmd.header.name,
                policy,
                dests.len(),
                slot,
                from,
                parent,
                timeout,
                deadline,
            );
            paths.push(path.clone());
            path
        };
        // Every destination but the last gets a copy; the last gets the command itself.
        let (&last, others) = dests.split_last().expect("resolve gives a destination");
        for &dest in others {
            let reply = Responder::new(path.clone());
            self.send_to(from, dest, Inbound::Cmd(cmd.clone(), reply));
        }
        let reply = Responder::new(path.clone());
        self.send_to(from, last, Inbound::Cmd(cmd, reply));
        Ok(path)
    }

    fn send_data(self: Rc<Self>, from: usize, mut msg: Inbound) -> Result<(), TenError> {
        self.check_open(from)?;
        let dests = self.resolve(from, msg.kind(), msg.header())?;
        msg.header_mut().source = Some(self.nodes[from].name.clone());
        // Every destination but the last gets a copy; the last gets the message itself.
        let (&last, others) = dests.split_last().expect("resolve gives a destination");
        for &dest in others {
            self.send_to(from, dest, msg.copy());
        }
        self.send_to(from, last, msg);
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
        self.app_closing.set();
    }

    fn closing(&self) -> &Event {
        &self.closing
    }
}
