//! The [`Responder`]: the one way to answer a command. Dropping it without a final answer
//! sends an ERROR result.

use std::rc::Rc;

use super::error::TenError;
use super::msg::CmdResult;
use super::path::OutPath;

/// The one way to answer a command: given to `on_cmd`, consumed by the final result.
///
/// Dropped without a final result (the handler forgot, returned an error, or panicked), it
/// sends an ERROR result. Answering after the final result is
/// [`TenError::AlreadyAnswered`] (TEN silently drops it).
///
/// Rosetta: TEN `await ten_env.return_result(CmdResult.create(code, cmd))`.
pub struct Responder {
    /// Where results go; `None` when nobody waits (a command from outside the graph).
    path: Option<Rc<OutPath>>,
    /// The command answered (a result must be created for it).
    cmd_name: String,
    /// A final result was sent.
    answered: bool,
}

impl Responder {
    pub(crate) fn new(path: Option<Rc<OutPath>>, cmd_name: &str) -> Responder {
        Responder {
            path,
            cmd_name: cmd_name.to_string(),
            answered: false,
        }
    }

    /// Sends a result: a final one (the default) completes the answer; non-final ones
    /// (`set_final(false)`) stream partial results first.
    ///
    /// # Errors
    ///
    /// [`TenError::AlreadyAnswered`] after the final result; [`TenError::InvalidArgument`] for
    /// a result created for another command.
    pub fn send(&mut self, result: CmdResult) -> Result<(), TenError> {
        if self.answered {
            return Err(TenError::AlreadyAnswered);
        }
        if result.cmd_name() != self.cmd_name {
            return Err(TenError::InvalidArgument(format!(
                "a result for '{}' cannot answer '{}'",
                result.cmd_name(),
                self.cmd_name
            )));
        }
        self.answered = result.is_final();
        if let Some(path) = &self.path {
            path.deliver(result);
        }
        Ok(())
    }

    /// True once the final result was sent.
    pub fn answered(&self) -> bool {
        self.answered
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if !self.answered
            && let Some(path) = &self.path
        {
            path.deliver(CmdResult::error_for(
                &self.cmd_name,
                "The command was not answered (the handler ended without a final result).",
            ));
        }
    }
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<Responder for '{}' answered={}>",
            self.cmd_name, self.answered
        )
    }
}
