//! An app's settings.

use std::time::Duration;

/// Settings for an app.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// How long a sent command may wait for its result before it is answered with an ERROR
    /// "Path timeout." (TEN's default: 3 minutes). An extension's `ten.path_timeout`
    /// property (microseconds) overrides it for the commands it sends. Never early; late
    /// by at most a sixteenth of the timeout or one second, whichever is less (TEN checks
    /// every 10 seconds).
    pub path_timeout: Duration,
    /// A lifecycle stage still running after this long is reported with the extension's
    /// name (TEN users could not tell which extension was stuck).
    pub stage_watchdog: Duration,
    /// No extension enters `on_deinit` before every extension finished `on_stop`.
    pub sync_stop_before_deinit: bool,
    /// A failing hook or handler closes the app (TEN exits the process) instead of only
    /// being logged.
    pub close_on_error: bool,
    /// How many hops a command may go from the command whose handler sent it (forwarded or
    /// new) before `send_cmd` fails with [`TenError::CmdCycle`](super::TenError::CmdCycle):
    /// a cycle of extensions forwarding a command to each other is stopped instead of
    /// growing memory without end. Default 64.
    pub max_cmd_hops: u32,
    /// How many commands one extension may have sent and still wait on (not answered,
    /// abandoned or timed out); past it `send_cmd` fails with
    /// [`TenError::TooManyPendingCmds`](super::TenError::TooManyPendingCmds). Each pending
    /// command costs the runtime under 400 bytes (docs/performance.md, "Extension runtime:
    /// pending command cost"), so the default 65,536 bounds an extension at about 25 MB.
    pub max_pending_cmds: usize,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            path_timeout: Duration::from_secs(180),
            stage_watchdog: Duration::from_secs(10),
            sync_stop_before_deinit: false,
            close_on_error: false,
            max_cmd_hops: 64,
            max_pending_cmds: 65_536,
        }
    }
}
