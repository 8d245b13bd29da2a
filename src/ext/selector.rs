//! Selector nodes: a name standing for the nodes of its graph that a filter matches, as
//! TEN's `selector` node does (`{"field": "name" | "type" | "addon" | "app", "operator":
//! "exact" | "regex", "value": ".."}`, or `{"and": [..]}` / `{"or": [..]}` of filters).
//!
//! A `{"selector": "s"}` destination or source becomes one destination or source per
//! matching node, in node order (a destination keeps its `msg_conversion`); a selector that
//! matches nothing leaves the flow without that end, as TEN does. A regex is TEN's (Rust
//! `regex` syntax, as `regex-lite` reads it), searched anywhere in the field (`^..$` to match all of it); matching is
//! linear in the field's length.

use std::collections::HashMap;

use regex_lite::Regex;
use serde_json::{Map, Value};

use super::error::{GraphRule, TenError};

/// A node filter.
enum Filter {
    Exact { field: String, value: String },
    Regex { field: String, re: Regex },
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

/// The largest compiled size of one selector regex.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn bad_filter(at: &str, why: String) -> TenError {
    TenError::GraphRule {
        path: at.to_string(),
        rule: GraphRule::BadSelector(why),
    }
}

impl Filter {
    fn parse(v: &Value, at: &str) -> Result<Filter, TenError> {
        let obj = v
            .as_object()
            .ok_or_else(|| bad_filter(at, "a filter is an object".into()))?;
        for (key, make) in [("and", Filter::And as fn(_) -> _), ("or", Filter::Or)] {
            if let Some(list) = obj.get(key) {
                let list = list
                    .as_array()
                    .ok_or_else(|| bad_filter(at, format!("'{key}' must be an array")))?;
                let parts = list
                    .iter()
                    .enumerate()
                    .map(|(i, f)| Filter::parse(f, &format!("{at}/{key}/{i}")))
                    .collect::<Result<_, _>>()?;
                return Ok(make(parts));
            }
        }
        let get = |k: &str| {
            obj.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| bad_filter(&format!("{at}/{k}"), format!("needs a string '{k}'")))
        };
        let field = get("field")?.to_string();
        let value = get("value")?;
        match get("operator")? {
            "exact" => Ok(Filter::Exact {
                field,
                value: value.to_string(),
            }),
            "regex" => {
                let re = regex_lite::RegexBuilder::new(value)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| bad_filter(&format!("{at}/value"), e.to_string()))?;
                Ok(Filter::Regex { field, re })
            }
            other => Err(bad_filter(
                &format!("{at}/operator"),
                format!("operator '{other}' is not 'exact' or 'regex'"),
            )),
        }
    }

    fn matches(&self, node: &Map<String, Value>) -> bool {
        let field = |f: &str| match f {
            "type" => Some(
                node.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("extension"),
            ),
            "name" | "addon" | "app" => node.get(f).and_then(Value::as_str),
            _ => None,
        };
        match self {
            Filter::Exact { field: f, value } => field(f) == Some(value.as_str()),
            Filter::Regex { field: f, re } => field(f).is_some_and(|v| re.is_match(v)),
            Filter::And(parts) => parts.iter().all(|p| p.matches(node)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches(node)),
        }
    }
}

/// The most node-against-filter checks one graph level may ask for (each selector is
/// checked against each node once, then its matches reused).
pub const MAX_SELECTOR_CHECKS: usize = 1 << 20;

/// The selector nodes of one graph level, by name.
pub(crate) struct Selector {
    filters: HashMap<String, Filter>,
    /// Each used selector's matching ends (`{"extension": n}` or `{"subgraph": n}`).
    matched: HashMap<String, Vec<Map<String, Value>>>,
    checks: usize,
}

impl Selector {
    pub(crate) fn table() -> Selector {
        Selector {
            filters: HashMap::new(),
            matched: HashMap::new(),
            checks: 0,
        }
    }

    /// The ends selector `s` stands for, among `nodes`.
    fn ends(
        &mut self,
        s: &str,
        nodes: &[&Map<String, Value>],
        at: &str,
    ) -> Result<&[Map<String, Value>], TenError> {
        if !self.matched.contains_key(s) {
            let filter = self.filters.get(s).ok_or_else(|| TenError::GraphRule {
                path: at.to_string(),
                rule: GraphRule::UnknownSelector(s.to_string()),
            })?;
            self.checks = self.checks.saturating_add(nodes.len());
            if self.checks > MAX_SELECTOR_CHECKS {
                return Err(TenError::InputTooLarge {
                    what: "selectors",
                    limit_kind: "node checks",
                    limit: MAX_SELECTOR_CHECKS,
                });
            }
            let mut ends = Vec::new();
            for node in nodes.iter().filter(|n| filter.matches(n)) {
                let key = match node.get("type").and_then(Value::as_str) {
                    None | Some("extension") => "extension",
                    Some("subgraph") => "subgraph",
                    Some(_) => continue,
                };
                if let Some(name) = node.get("name") {
                    let mut e = Map::new();
                    e.insert(key.into(), name.clone());
                    ends.push(e);
                }
            }
            self.matched.insert(s.to_string(), ends);
        }
        Ok(&self.matched[s])
    }

    /// Reads selector node `name` at JSON path `at`.
    pub(crate) fn add(
        &mut self,
        name: &str,
        node: &Map<String, Value>,
        at: &str,
    ) -> Result<(), TenError> {
        let filter = node
            .get("filter")
            .ok_or_else(|| bad_filter(at, "a selector needs a 'filter'".into()))?;
        let filter = Filter::parse(filter, &format!("{at}/filter"))?;
        self.filters.insert(name.to_string(), filter);
        Ok(())
    }

    /// Replaces each `{"selector": s}` end of `conn`'s flows by the matching `nodes` of
    /// this level (a flow left with no end is dropped); `spend` counts the ends made.
    pub(crate) fn expand(
        &mut self,
        conn: &mut Map<String, Value>,
        nodes: &[&Map<String, Value>],
        at: &str,
        mut spend: impl FnMut(usize) -> Result<(), TenError>,
    ) -> Result<(), TenError> {
        if let Some(Value::String(s)) = conn.get("selector") {
            return Err(TenError::GraphRule {
                path: format!("{at}/selector"),
                rule: GraphRule::UnsupportedNode {
                    node: s.clone(),
                    kind: "selector as a connection's owner".into(),
                },
            });
        }
        if self.filters.is_empty() {
            return Ok(());
        }
        for kind in ["cmd", "data", "audio_frame", "video_frame"] {
            let Some(Value::Array(flows)) = conn.get_mut(kind) else {
                continue;
            };
            for (fi, flow) in flows.iter_mut().enumerate() {
                let mut emptied = false;
                for side in ["dest", "source"] {
                    let Some(Value::Array(ends)) = flow.get_mut(side) else {
                        continue;
                    };
                    let mut out = Vec::with_capacity(ends.len());
                    for (ei, end) in ends.drain(..).enumerate() {
                        let Some(Value::String(s)) = end.get("selector") else {
                            out.push(end);
                            continue;
                        };
                        let at = format!("{at}/{kind}/{fi}/{side}/{ei}/selector");
                        let matched = self.ends(s, nodes, &at)?;
                        spend(matched.len())?;
                        for m in matched {
                            let mut e = m.clone();
                            if let Some(c) = end.get("msg_conversion") {
                                e.insert("msg_conversion".into(), c.clone());
                            }
                            out.push(Value::Object(e));
                        }
                    }
                    emptied |= out.is_empty();
                    *ends = out;
                }
                if emptied {
                    *flow = Value::Null;
                }
            }
            flows.retain(|f| !f.is_null());
        }
        Ok(())
    }
}
