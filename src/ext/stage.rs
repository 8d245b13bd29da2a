//! Where an extension is in its life: the one piece of lifecycle state that the env, the
//! runtime and the lifecycle driver all read.

/// Where an extension is in its life (see the diagram on [`Extension`](super::Extension)).
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
