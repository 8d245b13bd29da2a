//! `${env:VAR}` and `${env:VAR|default}` placeholders in property values, with TEN's rules.
//!
//! TEN (`ten_utils/lib/placeholder`) treats a string property value as a placeholder only
//! when the *whole* string is one: it starts with `${`, ends with `}`, and names the `env`
//! scope before a `:`. Text around a placeholder (`"Bearer ${env:KEY}"`) is not expanded.
//! The value becomes a string: the variable's value if it is set (even if empty), else the
//! default after the first `|` (an empty default is the empty string). A backslash keeps the
//! next character as it is. Only `env` is a scope; any other `${...}` stays literal.
//!
//! A variable that is not set, with no default, makes TEN log an error and `exit(-1)` the
//! whole process when the extension is configured. evloop refuses the graph instead, when it
//! is loaded into an [`App`](crate::ext::App): [`TenError::EnvVarMissing`] names the
//! variable and the property path, and nothing has started yet.

use serde_json::Value;

use super::error::TenError;
use super::properties::Properties;

/// What a string property value asks for, if it is an env placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvPlaceholder {
    /// The variable's name.
    pub(crate) variable: String,
    /// The text after the first `|`, if there was one.
    pub(crate) default: Option<String>,
}

impl EnvPlaceholder {
    /// Parses `text` as TEN does; `None` if it is not an `env` placeholder.
    pub(crate) fn parse(text: &str) -> Option<EnvPlaceholder> {
        let inner = text.strip_prefix("${env:")?.strip_suffix('}')?;
        // TEN drops each unescaped backslash, then splits at the first '|'.
        let mut unescaped = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(next) = chars.next() {
                    unescaped.push(next);
                }
            } else {
                unescaped.push(c);
            }
        }
        Some(match unescaped.split_once('|') {
            Some((variable, default)) => EnvPlaceholder {
                variable: variable.to_string(),
                default: Some(default.to_string()),
            },
            None => EnvPlaceholder {
                variable: unescaped,
                default: None,
            },
        })
    }

    /// The value it stands for, reading variables through `lookup`.
    fn resolve(
        &self,
        path: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, TenError> {
        lookup(&self.variable)
            .or_else(|| self.default.clone())
            .ok_or_else(|| TenError::EnvVarMissing {
                variable: self.variable.clone(),
                path: path.to_string(),
            })
    }
}

/// Replaces every env placeholder in `props` by its value, reading the process environment.
///
/// # Errors
///
/// [`TenError::EnvVarMissing`] for the first placeholder (in document order) whose variable
/// is not set and that has no default.
pub(crate) fn resolve_env(props: &mut Properties, node: &str) -> Result<(), TenError> {
    resolve_with(props, node, &|name| std::env::var(name).ok())
}

/// [`resolve_env`] with the variables read through `lookup` (tests give their own).
pub(crate) fn resolve_with(
    props: &mut Properties,
    node: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), TenError> {
    // The walk is iterative: a property document is at most MAX_JSON_DEPTH deep, but no
    // recursion here depends on that.
    let mut stack: Vec<(String, &mut Value)> = props
        .root_mut()
        .iter_mut()
        .map(|(k, v)| (format!("{node}.property.{k}"), v))
        .collect();
    stack.reverse();
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::String(s) => {
                if let Some(p) = EnvPlaceholder::parse(s) {
                    *s = p.resolve(&path, lookup)?;
                }
            }
            Value::Array(items) => {
                let mut children: Vec<_> = items
                    .iter_mut()
                    .enumerate()
                    .map(|(i, v)| (format!("{path}[{i}]"), v))
                    .collect();
                children.reverse();
                stack.extend(children);
            }
            Value::Object(map) => {
                let mut children: Vec<_> = map
                    .iter_mut()
                    .map(|(k, v)| (format!("{path}.{k}"), v))
                    .collect();
                children.reverse();
                stack.extend(children);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Option<(String, Option<String>)> {
        EnvPlaceholder::parse(text).map(|p| (p.variable, p.default))
    }

    #[test]
    fn parses_as_ten_does() {
        assert_eq!(p("${env:KEY}"), Some(("KEY".into(), None)));
        assert_eq!(p("${env:KEY|x}"), Some(("KEY".into(), Some("x".into()))));
        assert_eq!(p("${env:KEY|}"), Some(("KEY".into(), Some(String::new()))));
        assert_eq!(p("${env:K|a|b}"), Some(("K".into(), Some("a|b".into()))));
        assert_eq!(p("Bearer ${env:KEY}"), None, "only a whole value");
        assert_eq!(p("${other:KEY}"), None, "only the env scope");
        assert_eq!(p("${env:KEY"), None);
    }
}
