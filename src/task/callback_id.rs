//! Which done callback was registered, so that it can be taken back.
//!
//! asyncio removes a done callback by the function itself (`remove_done_callback(fn)` drops
//! every registration of `fn`). A Rust closure has no identity to compare, so registering
//! gives an id instead, and removing takes that id: one registration each.

/// Which done callback [`TaskRef::add_done_callback`](crate::TaskRef::add_done_callback) or
/// [`Future::add_done_callback`](crate::Future::add_done_callback) registered, to take it
/// back with `remove_done_callback` on the same task or future.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DoneCallbackId(u64);

impl DoneCallbackId {
    pub(crate) fn new(id: u64) -> DoneCallbackId {
        DoneCallbackId(id)
    }

    pub(crate) fn get(self) -> u64 {
        self.0
    }
}
