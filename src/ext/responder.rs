//! The [`Responder`]: the one way to answer a command. Dropping it without a final answer
//! sends an ERROR result.
//!
//! A handler that returns `Err` or panics drops its responder *before* the runtime learns
//! why (the future's locals go first). So while the handler runs, a responder dropped
//! unanswered does not answer at once: it leaves its path with the handler's
//! [`HandlerScope`], which answers once the handler's outcome is known, with the error's text
//! or the panic's message (TEN users otherwise saw only "not answered" and had to dig the
//! reason out of the log). A responder that outlives its handler answers on its own.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use super::caught::Failure;
use super::conversion::MsgConversion;
use super::error::TenError;
use super::msg::CmdResult;
use super::path::OutPath;

/// The detail of the ERROR result for a command whose handler ended without answering.
const NOT_ANSWERED: &str =
    "The command was not answered (the handler ended without a final result).";

/// The one way to answer a command: given to `on_cmd`, consumed by the final result.
///
/// Dropped without a final result, it sends an ERROR result: if the handler returned an
/// error or panicked, the result's detail is that error's text or the panic's message;
/// otherwise it says the command was not answered. Answering after the final result is
/// [`TenError::AlreadyAnswered`] (TEN silently drops it).
///
/// Rosetta: TEN `await ten_env.return_result(CmdResult.create(code, cmd))`.
pub struct Responder {
    /// Where results go: the sender's path, which also knows the command's name.
    path: Rc<OutPath>,
    /// A final result was sent.
    answered: bool,
    /// The running handler it was given to, which answers for it if it is dropped unanswered
    /// before the handler ends.
    scope: Option<HandlerScope>,
    /// For a command converted on its way (`msg_conversion`): the name the handler sees and
    /// the conversion, applied to each result on its way back to the sender. Boxed: rare,
    /// and a pending command's cost includes the responder.
    back: Option<Box<(String, Arc<MsgConversion>)>>,
}

impl Responder {
    pub(crate) fn new(path: Rc<OutPath>) -> Responder {
        Responder {
            path,
            answered: false,
            scope: None,
            back: None,
        }
    }

    /// The command was converted to `cmd_name` by `conv` on its way; its sender sent it
    /// under the path's name, which its results get back.
    pub(crate) fn converted(&mut self, cmd_name: &str, conv: Arc<MsgConversion>) {
        self.back = Some(Box::new((cmd_name.to_string(), conv)));
    }

    /// The name of the command as the handler got it (a result must be created for it).
    fn cmd_name(&self) -> &str {
        self.back
            .as_ref()
            .map_or_else(|| self.path.cmd_name(), |back| &back.0)
    }

    /// The sender's path: the command's trail, for the handler that runs it.
    pub(crate) fn path(&self) -> &Rc<OutPath> {
        &self.path
    }

    /// Gives the responder to a running handler: dropped unanswered before `scope` is
    /// finished, it is answered by the scope with the handler's outcome.
    pub(crate) fn defer_to(&mut self, scope: &HandlerScope) {
        self.scope = Some(scope.clone());
    }

    /// Sends a result: a final one (the default) completes the answer; non-final ones
    /// (`set_final(false)`) stream partial results first.
    ///
    /// # Errors
    ///
    /// [`TenError::AlreadyAnswered`] after the final result; [`TenError::InvalidArgument`] for
    /// a result created for another command.
    pub fn send(&mut self, mut result: CmdResult) -> Result<(), TenError> {
        if self.answered {
            return Err(TenError::AlreadyAnswered);
        }
        let for_this = match &self.back {
            None => result.kept_cmd_name() == self.path.kept_cmd_name(),
            Some(back) => result.cmd_name() == back.0,
        };
        if !for_this {
            return Err(TenError::InvalidArgument(format!(
                "a result for '{}' cannot answer '{}'",
                result.cmd_name(),
                self.cmd_name()
            )));
        }
        self.answered = result.is_final();
        if let Some(back) = &self.back {
            back.1.result_back(self.path.cmd_name(), &mut result);
        }
        self.path.deliver(result);
        Ok(())
    }

    /// True once the final result was sent.
    pub fn answered(&self) -> bool {
        self.answered
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let orphan = match &self.scope {
            Some(scope) => scope.adopt(&self.path),
            None => true,
        };
        if orphan {
            not_answered(&self.path, NOT_ANSWERED);
        }
    }
}

/// Answers `path`'s command with an ERROR result saying `detail`.
fn not_answered(path: &OutPath, detail: &str) {
    path.deliver(CmdResult::error_for(path.cmd_name(), detail));
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<Responder for '{}' answered={}>",
            self.cmd_name(),
            self.answered
        )
    }
}

#[derive(Default)]
struct ScopeState {
    /// The handler ended: a responder dropped now answers on its own.
    finished: bool,
    /// The path of a responder dropped unanswered while the handler ran.
    orphan: Option<Rc<OutPath>>,
}

/// One running command handler, as its responder sees it: answers for a responder dropped
/// unanswered during the handler once the handler's outcome is known. Dropped unfinished
/// (the handler was cancelled), it answers "not answered".
#[derive(Clone, Default)]
pub(crate) struct HandlerScope(Rc<RefCell<ScopeState>>);

impl HandlerScope {
    /// Keeps a dropped responder's path until the handler ends; false (the responder
    /// answers itself) if the handler already ended.
    fn adopt(&self, path: &Rc<OutPath>) -> bool {
        let mut st = self.0.borrow_mut();
        if !st.finished {
            st.orphan = Some(path.clone());
        }
        st.finished
    }

    /// The handler ended (`failure` says how, `None` for `Ok`): a responder it dropped
    /// unanswered is answered with an ERROR saying why.
    pub(crate) fn finish(&self, failure: Option<&Failure>) {
        let orphan = {
            let mut st = self.0.borrow_mut();
            st.finished = true;
            st.orphan.take()
        };
        if let Some(path) = orphan {
            let detail = failure.map_or_else(|| NOT_ANSWERED.to_string(), Failure::detail);
            not_answered(&path, &detail);
        }
    }
}

/// How many finished scopes a graph keeps for its next command handlers.
const SPARE_SCOPES: usize = 32;

/// Finished scopes kept for the next command handlers, so that starting one allocates no
/// scope (with one command in flight per extension, a handful are reused over and over).
#[derive(Default)]
pub(crate) struct SpareScopes(RefCell<Vec<HandlerScope>>);

impl SpareScopes {
    /// A fresh scope: a kept one, or a new one.
    pub(crate) fn take(&self) -> HandlerScope {
        self.0.borrow_mut().pop().unwrap_or_default()
    }

    /// Keeps a finished scope that no responder holds any more, as new.
    pub(crate) fn give_back(&self, scope: HandlerScope) {
        if Rc::strong_count(&scope.0) != 1 {
            return;
        }
        let mut spare = self.0.borrow_mut();
        if spare.len() < SPARE_SCOPES {
            let mut st = scope.0.borrow_mut();
            debug_assert!(st.finished && st.orphan.is_none(), "only a finished scope");
            st.finished = false;
            drop(st);
            spare.push(scope);
        }
    }
}

impl Drop for ScopeState {
    fn drop(&mut self) {
        if let Some(path) = self.orphan.take() {
            not_answered(&path, NOT_ANSWERED);
        }
    }
}
