//! `msg_conversion` on a graph destination: TEN's per-property rules, read at load and
//! applied to each message routed to that destination (and to the results it sends back).
//!
//! ```json
//! {"extension": "b", "msg_conversion": {
//!    "type": "per_property", "keep_original": true,
//!    "rules": [
//!      {"path": "ten.name", "conversion_mode": "fixed_value", "value": "hello_b"},
//!      {"path": "text", "conversion_mode": "from_original", "original_path": "payload.text"}],
//!    "result": {"type": "per_property",
//!      "rules": [{"path": "code", "conversion_mode": "fixed_value", "value": 0}]}}}
//! ```
//!
//! As TEN does it: the converted message starts empty (or, with `keep_original: true`, as a
//! copy of the original's properties); each rule then sets its `path`, either to a fixed
//! `value` or to what the *original* message had at `original_path`. `ten.name` is the
//! message's name: setting it delivers the message under another name. A `result`
//! conversion is applied the same way to each result the destination sends back, and the
//! result goes back under the name of the command the sender sent.
//!
//! Differences, on purpose: TEN sets an "invalid" value when `original_path` is missing from
//! the message; evloop leaves `path` unset. A rule that fails at run time (an index past the
//! end of an array) is logged and the original message delivered, as TEN does.

use serde_json::{Map, Value};

use super::error::{ConversionProblem, GraphRule, TenError};
use super::msg::{CmdResult, Header, check_name};
use super::msg_name::MsgName;
use super::properties::{Properties, check_path};

/// Where a rule writes, or reads from.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// `ten.name`: the message's name.
    Name,
    /// A property path.
    Prop(String),
}

/// One rule: set `to` from a fixed value or from the original message.
#[derive(Debug, Clone, PartialEq)]
enum Rule {
    Fixed { to: Place, value: Value },
    FromOriginal { to: Place, from: Place },
}

/// A per-property conversion: the rules and whether the original properties are kept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conversion {
    keep_original: bool,
    rules: Vec<Rule>,
}

/// A destination's `msg_conversion`: for the message, and for the command's results.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MsgConversion {
    pub(crate) msg: Conversion,
    pub(crate) result: Option<Conversion>,
}

/// The most rules one conversion may hold.
pub(crate) const MAX_CONVERSION_RULES: usize = 1024;

fn problem(at: &str, p: ConversionProblem) -> TenError {
    TenError::GraphRule {
        path: at.to_string(),
        rule: GraphRule::MsgConversion(p),
    }
}

/// Reads a `path` or `original_path`: `ten.name`, or a property path.
fn place(obj: &Map<String, Value>, key: &'static str, at: &str) -> Result<Place, TenError> {
    let at = format!("{at}/{key}");
    let path = match obj.get(key) {
        Some(Value::String(p)) if !p.is_empty() => p,
        _ => return Err(problem(&at, ConversionProblem::Missing(key))),
    };
    if path == "ten.name" {
        return Ok(Place::Name);
    }
    if path == "ten" || path.starts_with("ten.") || path.starts_with("ten[") {
        return Err(problem(&at, ConversionProblem::BadPath(path.clone())));
    }
    check_path(path).map_err(|_| problem(&at, ConversionProblem::BadPath(path.clone())))?;
    Ok(Place::Prop(path.clone()))
}

impl Conversion {
    /// Reads one conversion object at JSON path `at`; `result` for a result conversion.
    fn from_json(v: &Value, at: &str, result: bool) -> Result<Conversion, TenError> {
        let obj = v
            .as_object()
            .ok_or_else(|| problem(at, ConversionProblem::NotAnObject))?;
        match obj.get("type") {
            Some(Value::String(t)) if t == "per_property" => {}
            Some(Value::String(t)) => {
                return Err(problem(
                    &format!("{at}/type"),
                    ConversionProblem::UnknownType(t.clone()),
                ));
            }
            _ => {
                return Err(problem(
                    &format!("{at}/type"),
                    ConversionProblem::Missing("type"),
                ));
            }
        }
        let keep_original = obj.get("keep_original") == Some(&Value::Bool(true));
        let rules_at = format!("{at}/rules");
        let list = match obj.get("rules") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            Some(Value::Array(_)) | None => {
                return Err(problem(&rules_at, ConversionProblem::Missing("rules")));
            }
            Some(_) => return Err(problem(&rules_at, ConversionProblem::NotAnObject)),
        };
        if list.len() > MAX_CONVERSION_RULES {
            return Err(TenError::InputTooLarge {
                what: "msg_conversion",
                limit_kind: "rules",
                limit: MAX_CONVERSION_RULES,
            });
        }
        let mut rules = Vec::with_capacity(list.len());
        for (i, rule) in list.iter().enumerate() {
            let at = format!("{rules_at}/{i}");
            let r = rule
                .as_object()
                .ok_or_else(|| problem(&at, ConversionProblem::NotAnObject))?;
            let to = place(r, "path", &at)?;
            if result && to == Place::Name {
                return Err(problem(
                    &format!("{at}/path"),
                    ConversionProblem::RenameResult,
                ));
            }
            let rule = match r.get("conversion_mode") {
                Some(Value::String(m)) if m == "fixed_value" => {
                    let value = r.get("value").cloned().ok_or_else(|| {
                        problem(&format!("{at}/value"), ConversionProblem::Missing("value"))
                    })?;
                    if to == Place::Name {
                        match value.as_str() {
                            Some(n) if check_name(n).is_ok() => {}
                            _ => {
                                return Err(problem(
                                    &format!("{at}/value"),
                                    ConversionProblem::BadName(value.to_string()),
                                ));
                            }
                        }
                    }
                    Rule::Fixed { to, value }
                }
                Some(Value::String(m)) if m == "from_original" => Rule::FromOriginal {
                    to,
                    from: place(r, "original_path", &at)?,
                },
                Some(Value::String(m)) => {
                    return Err(problem(
                        &format!("{at}/conversion_mode"),
                        ConversionProblem::UnknownMode(m.clone()),
                    ));
                }
                _ => {
                    return Err(problem(
                        &format!("{at}/conversion_mode"),
                        ConversionProblem::Missing("conversion_mode"),
                    ));
                }
            };
            rules.push(rule);
        }
        Ok(Conversion {
            keep_original,
            rules,
        })
    }

    /// The converted name (if renamed) and properties of a message named `name` with
    /// `props`. Nothing is changed on error.
    fn convert(
        &self,
        name: &str,
        props: &Properties,
    ) -> Result<(Option<String>, Properties), TenError> {
        let mut out = if self.keep_original {
            props.clone()
        } else {
            Properties::new()
        };
        let mut new_name = None;
        for rule in &self.rules {
            let (to, value) = match rule {
                Rule::Fixed { to, value } => (to, value.clone()),
                Rule::FromOriginal { to, from } => {
                    let value = match from {
                        Place::Name => Value::String(name.to_string()),
                        Place::Prop(p) => match props.get(p) {
                            Ok(v) => v.clone(),
                            Err(_) => continue, // TEN sets an invalid value; evloop none
                        },
                    };
                    (to, value)
                }
            };
            match to {
                Place::Name => match value {
                    Value::String(n) if check_name(&n).is_ok() => new_name = Some(n),
                    other => {
                        return Err(TenError::InvalidArgument(format!(
                            "msg_conversion: {other} is not a valid message name"
                        )));
                    }
                },
                Place::Prop(p) => out.set(p, value)?,
            }
        }
        Ok((new_name, out))
    }
}

impl MsgConversion {
    /// Reads a destination's `msg_conversion` at JSON path `at`; `cmd` for a command flow
    /// (only those may have a `result` conversion).
    pub(crate) fn from_json(v: &Value, at: &str, cmd: bool) -> Result<MsgConversion, TenError> {
        let msg = Conversion::from_json(v, at, false)?;
        let result = match v.get("result") {
            None => None,
            Some(_) if !cmd => {
                return Err(problem(
                    &format!("{at}/result"),
                    ConversionProblem::ResultNotCmd,
                ));
            }
            Some(r) => Some(Conversion::from_json(r, &format!("{at}/result"), true)?),
        };
        Ok(MsgConversion { msg, result })
    }

    /// The rules of the message and result conversions (counted against the graph's items).
    pub(crate) fn rule_count(&self) -> usize {
        self.msg.rules.len() + self.result.as_ref().map_or(0, |r| r.rules.len())
    }

    /// Converts a routed message in place (its name and properties).
    ///
    /// # Errors
    ///
    /// A rule that cannot set its path; the message is then left as it was.
    pub(crate) fn convert_header(&self, header: &mut Header) -> Result<(), TenError> {
        let (name, props) = self.msg.convert(&header.name, &header.properties)?;
        if let Some(name) = name {
            header.name = MsgName::new(&name);
        }
        header.properties = props;
        Ok(())
    }
}

impl Conversion {
    /// Converts a result's properties in place.
    ///
    /// # Errors
    ///
    /// A rule that cannot set its path; the result is then left as it was.
    pub(crate) fn convert_result(&self, result: &mut CmdResult) -> Result<(), TenError> {
        let (_, props) = self.convert(result.cmd_name(), &result.properties)?;
        result.properties = props;
        Ok(())
    }
}

impl MsgConversion {
    /// Prepares a result of the converted command for its sender, who sent it as
    /// `sent_name`: the result conversion (if any; a rule that cannot apply leaves the
    /// properties as they were), then the sender's command name.
    pub(crate) fn result_back(&self, sent_name: &str, result: &mut CmdResult) {
        if let Some(conv) = &self.result {
            let _ = conv.convert_result(result);
        }
        result.set_cmd_name(sent_name);
    }
}
