//! The routing table a running graph looks its messages up in, built once when the graph
//! starts: per sender and message kind, the routes by name. A sender with few routes of a
//! kind (the usual case) has them in a short list searched by comparing names (kept as
//! messages keep theirs, so a short one compares as a fixed-size array), which costs
//! less than hashing the name; one with more has a hash map.

use std::collections::HashMap;

use super::graph::Graph;
use super::msg_kind::MsgKind;
use super::msg_name::MsgName;

/// Up to this many routes of a kind from one sender are searched in a list.
const FEW: usize = 8;

/// The routes of one kind from one sender: name → destination nodes, in file order.
enum Routes {
    Few(Vec<(MsgName, Box<[usize]>)>),
    Many(HashMap<Box<str>, Box<[usize]>>),
}

impl Routes {
    fn get(&self, name: &MsgName) -> &[usize] {
        match self {
            Routes::Few(list) => list
                .iter()
                .find(|(n, _)| n == name)
                .map_or(&[], |(_, to)| to),
            Routes::Many(map) => map.get(name.as_str()).map_or(&[], |to| to),
        }
    }
}

/// Every route of a graph, by sender node and message kind.
pub(crate) struct RouteTable {
    /// Indexed by sender node, then by [`slot`].
    by_sender: Vec<[Routes; 4]>,
}

/// A kind's place in a sender's entry.
fn slot(kind: MsgKind) -> usize {
    match kind {
        MsgKind::Cmd => 0,
        MsgKind::Data => 1,
        MsgKind::AudioFrame => 2,
        MsgKind::VideoFrame => 3,
    }
}

impl RouteTable {
    pub(crate) fn new(graph: &Graph) -> RouteTable {
        let kinds = [
            MsgKind::Cmd,
            MsgKind::Data,
            MsgKind::AudioFrame,
            MsgKind::VideoFrame,
        ];
        let by_sender = (0..graph.nodes.len())
            .map(|from| {
                kinds.map(|kind| {
                    let routes = graph.routes.get(&(from, kind));
                    let entries = routes.into_iter().flatten();
                    if routes.map_or(0, HashMap::len) <= FEW {
                        Routes::Few(
                            entries
                                .map(|(name, to)| (MsgName::new(name), Box::from(to.as_slice())))
                                .collect(),
                        )
                    } else {
                        Routes::Many(
                            entries
                                .map(|(name, to)| {
                                    (Box::from(name.as_str()), Box::from(to.as_slice()))
                                })
                                .collect(),
                        )
                    }
                })
            })
            .collect();
        RouteTable { by_sender }
    }

    /// Where a message of `kind` named `name` from node `from` goes (empty if nowhere).
    pub(crate) fn get(&self, from: usize, kind: MsgKind, name: &MsgName) -> &[usize] {
        self.by_sender
            .get(from)
            .map_or(&[], |kinds| kinds[slot(kind)].get(name))
    }
}
