//! How many routes a graph's text may declare: the bound that keeps building the routing
//! table linear in the text's length.

use super::error::TenError;

/// The fewest routes a graph may declare, however short its text.
pub(crate) const MIN_ROUTES: usize = 4096;

/// How many routes a graph's text may still declare: one per byte of the text, and at
/// least [`MIN_ROUTES`]. A connection entry declares a route per message name per
/// destination (or source), so a few KiB could otherwise ask for millions of them and a
/// 1 MiB graph for about 10^10: the routing table would grow with the square of the text.
/// Counting them against the text's length keeps building the table linear in it.
pub(crate) struct RouteBudget {
    /// What is being read, for the error.
    what: &'static str,
    /// The routes the text may declare in all.
    limit: usize,
    /// The routes it may still declare.
    left: usize,
}

impl RouteBudget {
    pub(crate) fn for_text(what: &'static str, text: &str) -> RouteBudget {
        let limit = text.len().max(MIN_ROUTES);
        RouteBudget {
            what,
            limit,
            left: limit,
        }
    }

    /// Allows `n` more routes (for the text of an imported subgraph).
    pub(crate) fn grow(&mut self, n: usize) {
        self.limit = self.limit.saturating_add(n);
        self.left = self.left.saturating_add(n);
    }

    /// Takes `n` routes from the budget.
    pub(crate) fn spend(&mut self, n: usize) -> Result<(), TenError> {
        self.left = self.left.checked_sub(n).ok_or(TenError::InputTooLarge {
            what: self.what,
            limit_kind: "routes",
            limit: self.limit,
        })?;
        Ok(())
    }
}
