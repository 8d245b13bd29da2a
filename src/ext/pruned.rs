//! A list of handles that forgets finished ones now and then, at amortised O(1) a push.

/// A list that drops its finished entries now and then: whenever it has doubled since the
/// last pruning, so each push costs amortised O(1) however many entries stay live.
pub(crate) struct Pruned<T> {
    pub(crate) items: Vec<T>,
    /// Prune when `items` reaches this length.
    pub(crate) prune_at: usize,
}

impl<T> Pruned<T> {
    pub(crate) fn new() -> Pruned<T> {
        Pruned {
            items: Vec::new(),
            prune_at: 64,
        }
    }

    pub(crate) fn push(&mut self, item: T, keep: impl FnMut(&T) -> bool) {
        if self.items.len() >= self.prune_at {
            self.items.retain(keep);
            self.prune_at = (self.items.len() * 2).max(64);
        }
        self.items.push(item);
    }

    pub(crate) fn take(&mut self) -> Vec<T> {
        self.prune_at = 64;
        std::mem::take(&mut self.items)
    }
}
