//! Properties: a JSON value tree read and written by path (`a.b[0].c`).
//!
//! Every message and every extension carries properties. A path is dotted object keys
//! (`[A-Za-z_][A-Za-z0-9_]*`) with numeric array indexes (`list[2]`), at most
//! [`MAX_JSON_DEPTH`] steps in all (more is [`TenError::InputTooLarge`]); the empty path is
//! the whole object. Typed getters fail with [`TenError::InvalidType`] instead of returning
//! TEN's `(default, error)` tuple.
//!
//! # Examples
//!
//! ```
//! use evloop::ext::Properties;
//!
//! let mut p = Properties::new();
//! p.set_json("", r#"{"a": {"b": [{"c": 1}]}}"#).unwrap();
//! assert_eq!(p.get_int("a.b[0].c").unwrap(), 1);
//! p.set_string("a.b[0].name", "x").unwrap();
//! assert!(p.exists("a.b[0].name"));
//! assert!(p.get_bool("a.b[0].c").is_err()); // an int, not a bool
//! ```

use serde_json::{Map, Value};

use super::error::{MAX_JSON_DEPTH, TenError};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The steps of `path`. At most [`MAX_JSON_DEPTH`] of them: a set creates an object for
/// each missing step, and a value nested deeper than the JSON limit would cost stack to
/// print or drop (a path of 100,000 steps overflowed it).
fn parse_path(path: &str) -> Result<Vec<Seg>, TenError> {
    let bad = || TenError::InvalidArgument(format!("invalid property path '{path}'"));
    let mut segs = Vec::new();
    if path.is_empty() {
        return Ok(segs);
    }
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        let mut chars = key.chars();
        let valid_key = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_key {
            return Err(bad());
        }
        segs.push(Seg::Key(key.to_string()));
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(bad)?;
            let index = rest[1..close].parse::<usize>().map_err(|_| bad())?;
            segs.push(Seg::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad());
            }
        }
        if segs.len() > MAX_JSON_DEPTH {
            return Err(TenError::InputTooLarge {
                what: "property path",
                limit_kind: "nesting depth",
                limit: MAX_JSON_DEPTH,
            });
        }
    }
    Ok(segs)
}

/// Checks that `path` is a non-empty property path within the limits.
pub(crate) fn check_path(path: &str) -> Result<(), TenError> {
    if parse_path(path)?.is_empty() {
        return Err(TenError::InvalidArgument("empty property path".into()));
    }
    Ok(())
}

/// A property tree (the root is always a JSON object).
#[derive(Clone, Default)]
pub struct Properties {
    /// The top-level object, boxed once something is set: most messages carry no
    /// properties, and every message header holds a `Properties` (one word, not a map's
    /// three).
    root: Option<Box<Map<String, Value>>>,
}

impl PartialEq for Properties {
    fn eq(&self, other: &Properties) -> bool {
        fn object(p: &Properties) -> Option<&Map<String, Value>> {
            p.root.as_deref().filter(|m| !m.is_empty())
        }
        object(self) == object(other)
    }
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let empty = Map::new();
        let root = self.root.as_deref().unwrap_or(&empty);
        f.debug_struct("Properties").field("root", root).finish()
    }
}

impl Properties {
    /// An empty property object.
    pub fn new() -> Properties {
        Properties::default()
    }

    /// The value at `path`.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidArgument`] for a malformed path, [`TenError::PropertyNotFound`] if
    /// nothing is there.
    pub fn get(&self, path: &str) -> Result<&Value, TenError> {
        let segs = parse_path(path)?;
        let missing = || TenError::PropertyNotFound(path.to_string());
        let mut segs = segs.iter();
        let mut cur = match segs.next() {
            None => {
                return Err(TenError::InvalidArgument(
                    "use get_json(\"\") for the whole object".into(),
                ));
            }
            Some(Seg::Key(k)) => self
                .root
                .as_deref()
                .and_then(|root| root.get(k))
                .ok_or_else(missing)?,
            Some(Seg::Index(_)) => return Err(missing()),
        };
        for seg in segs {
            cur = match (seg, cur) {
                (Seg::Key(k), Value::Object(m)) => m.get(k),
                (Seg::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            }
            .ok_or_else(missing)?;
        }
        Ok(cur)
    }

    /// Sets the value at `path`, creating missing objects on the way. An array index may
    /// address an existing element or the one just past the end (appending).
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidArgument`] for a malformed or empty path or an index out of range,
    /// [`TenError::InvalidType`] if a step crosses a value that is not an object or array.
    pub fn set(&mut self, path: &str, value: Value) -> Result<(), TenError> {
        let segs = parse_path(path)?;
        let Some((last, init)) = segs.split_last() else {
            return Err(TenError::InvalidArgument(
                "use set_json(\"\", ...) for the whole object".into(),
            ));
        };
        let mut cur: &mut Value = match init.first() {
            None => {
                let Seg::Key(k) = last else {
                    unreachable!("paths start with a key")
                };
                self.root_mut().insert(k.clone(), value);
                return Ok(());
            }
            Some(Seg::Key(k)) => self
                .root_mut()
                .entry(k.clone())
                .or_insert_with(|| Value::Object(Map::new())),
            Some(Seg::Index(_)) => unreachable!("paths start with a key"),
        };
        for (n, seg) in init.iter().enumerate().skip(1) {
            cur = step_mut(cur, seg, path, n)?;
        }
        match (last, cur) {
            (Seg::Key(k), Value::Object(m)) => {
                m.insert(k.clone(), value);
                Ok(())
            }
            (Seg::Index(i), Value::Array(a)) if *i < a.len() => {
                a[*i] = value;
                Ok(())
            }
            (Seg::Index(i), Value::Array(a)) if *i == a.len() => {
                a.push(value);
                Ok(())
            }
            (Seg::Index(_), Value::Array(_)) => Err(TenError::InvalidArgument(format!(
                "array index out of range in '{path}'"
            ))),
            (seg, _) => Err(crossing(seg, path)),
        }
    }

    /// True if something is at `path` (a malformed path is simply absent).
    pub fn exists(&self, path: &str) -> bool {
        path.is_empty() || self.get(path).is_ok()
    }

    /// The value at `path` as JSON text; `""` gives the whole object.
    ///
    /// # Errors
    ///
    /// As [`get`](Properties::get).
    pub fn get_json(&self, path: &str) -> Result<String, TenError> {
        if path.is_empty() {
            let root = self.root.as_deref().cloned().unwrap_or_default();
            return Ok(Value::Object(root).to_string());
        }
        Ok(self.get(path)?.to_string())
    }

    /// Parses `json` and sets it at `path`; `""` replaces the whole object (which must then
    /// be a JSON object).
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidJson`] with line and column, or as [`set`](Properties::set).
    pub fn set_json(&mut self, path: &str, json: &str) -> Result<(), TenError> {
        let value = crate::ext::error::parse_json(json, "property value")?;
        if path.is_empty() {
            return match value {
                Value::Object(m) => {
                    self.root = Some(Box::new(m));
                    Ok(())
                }
                _ => Err(TenError::InvalidType {
                    path: String::new(),
                    expected: "object",
                }),
            };
        }
        self.set(path, value)
    }

    /// Merges `other` on top of these properties (objects merge key by key, other values are
    /// replaced), as TEN merges a graph node's `property` over the extension's own.
    pub fn merge(&mut self, other: &Properties) {
        fn merge_into(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
            for (k, v) in src {
                match (dst.get_mut(k), v) {
                    (Some(Value::Object(d)), Value::Object(s)) => merge_into(d, s),
                    _ => {
                        dst.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        if let Some(src) = other.root.as_deref() {
            merge_into(self.root_mut(), src);
        }
    }

    pub(crate) fn from_object(root: Map<String, Value>) -> Properties {
        Properties {
            root: Some(Box::new(root)),
        }
    }

    /// Whether the top-level object has `key` (no path to parse, nothing allocated).
    pub(crate) fn has_top_level(&self, key: &str) -> bool {
        self.root
            .as_deref()
            .is_some_and(|root| root.contains_key(key))
    }

    /// The top-level object, made on first use (for setting, and the placeholder pass).
    pub(crate) fn root_mut(&mut self) -> &mut Map<String, Value> {
        self.root.get_or_insert_with(Box::default)
    }
}

/// The error for a path step that crosses a value of the wrong kind.
fn crossing(seg: &Seg, path: &str) -> TenError {
    TenError::InvalidType {
        path: path.to_string(),
        expected: match seg {
            Seg::Key(_) => "object",
            Seg::Index(_) => "array",
        },
    }
}

fn step_mut<'a>(
    cur: &'a mut Value,
    seg: &Seg,
    path: &str,
    _n: usize,
) -> Result<&'a mut Value, TenError> {
    match (seg, cur) {
        (Seg::Key(k), Value::Object(m)) => Ok(m
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()))),
        (Seg::Index(i), Value::Array(a)) => a.get_mut(*i).ok_or_else(|| {
            TenError::InvalidArgument(format!("array index out of range in '{path}'"))
        }),
        (seg, _) => Err(crossing(seg, path)),
    }
}

macro_rules! typed {
    ($get:ident, $set:ident, $t:ty, $name:literal, $from:expr, $to:expr) => {
        typed!($get, $set, $t, $t, $name, $from, $to);
    };
    ($get:ident, $set:ident, $t:ty, $st:ty, $name:literal, $from:expr, $to:expr) => {
        #[doc = concat!("The ", $name, " at `path`.")]
        ///
        /// # Errors
        ///
        /// As [`get`](Properties::get), or [`TenError::InvalidType`] for another type.
        pub fn $get(&self, path: &str) -> Result<$t, TenError> {
            let from: fn(&Value) -> Option<$t> = $from;
            from(self.get(path)?).ok_or_else(|| TenError::InvalidType {
                path: path.to_string(),
                expected: $name,
            })
        }

        #[doc = concat!("Sets a ", $name, " at `path`.")]
        ///
        /// # Errors
        ///
        /// As [`set`](Properties::set).
        pub fn $set(&mut self, path: &str, value: $st) -> Result<(), TenError> {
            let to: fn($st) -> Value = $to;
            self.set(path, to(value))
        }
    };
}

impl Properties {
    typed!(get_int, set_int, i64, "int", Value::as_i64, Value::from);
    typed!(
        get_float,
        set_float,
        f64,
        "float",
        Value::as_f64,
        Value::from
    );
    typed!(
        get_bool,
        set_bool,
        bool,
        "bool",
        Value::as_bool,
        Value::from
    );
    typed!(
        get_string,
        set_string,
        String,
        &str,
        "string",
        |v| v.as_str().map(str::to_string),
        |s| Value::from(s)
    );
    typed!(
        get_buf,
        set_buf,
        Vec<u8>,
        "buf",
        |v| v
            .as_array()?
            .iter()
            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect(),
        |b| Value::Array(b.into_iter().map(Value::from).collect())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_reject_garbage() {
        assert_eq!(
            parse_path("a.b[0][1].c").unwrap(),
            [
                Seg::Key("a".into()),
                Seg::Key("b".into()),
                Seg::Index(0),
                Seg::Index(1),
                Seg::Key("c".into())
            ]
        );
        for bad in ["a..b", "1a", "a[x]", "a[0", "a[0]b", ".a", "a.", "a b"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_path_deeper_than_the_json_limit_is_refused() {
        let path = |steps: usize| vec!["a"; steps].join(".");
        let mut p = Properties::new();
        p.set_int(&path(MAX_JSON_DEPTH), 1).unwrap();
        assert_eq!(p.get_int(&path(MAX_JSON_DEPTH)).unwrap(), 1);
        // 100,000 steps made 100,000 nested objects, and printing or dropping them
        // overflowed the stack.
        for steps in [MAX_JSON_DEPTH + 1, 100_000] {
            assert!(matches!(
                p.set_json(&path(steps), "1"),
                Err(TenError::InputTooLarge {
                    limit_kind: "nesting depth",
                    ..
                })
            ));
        }
        assert!(!p.exists(&path(MAX_JSON_DEPTH + 1)));
    }

    #[test]
    fn typed_get_set_and_errors() {
        let mut p = Properties::new();
        p.set_int("n", 5).unwrap();
        p.set_float("x.y", 1.5).unwrap();
        p.set_bool("flag", true).unwrap();
        p.set_string("s", "hi").unwrap();
        p.set_buf("b", vec![1, 2, 255]).unwrap();
        assert_eq!(p.get_int("n").unwrap(), 5);
        assert_eq!(p.get_float("x.y").unwrap(), 1.5);
        assert_eq!(p.get_float("n").unwrap(), 5.0, "ints read as floats");
        assert!(p.get_bool("flag").unwrap());
        assert_eq!(p.get_string("s").unwrap(), "hi");
        assert_eq!(p.get_buf("b").unwrap(), [1, 2, 255]);
        assert_eq!(
            p.get_int("s"),
            Err(TenError::InvalidType {
                path: "s".into(),
                expected: "int"
            })
        );
        assert_eq!(
            p.get_int("nope"),
            Err(TenError::PropertyNotFound("nope".into()))
        );
        assert!(matches!(
            p.set_int("n.deeper", 1),
            Err(TenError::InvalidType { .. })
        ));
    }

    #[test]
    fn arrays_append_at_the_end_only() {
        let mut p = Properties::new();
        p.set_json("list", "[]").unwrap();
        p.set_int("list[0]", 1).unwrap();
        p.set_int("list[1]", 2).unwrap();
        p.set_int("list[0]", 9).unwrap();
        assert!(p.set_int("list[5]", 1).is_err());
        assert_eq!(p.get_json("list").unwrap(), "[9,2]");
    }

    #[test]
    fn json_errors_carry_line_and_column() {
        let mut p = Properties::new();
        let err = p.set_json("", "{\n  \"a\": ,\n}").unwrap_err();
        assert!(
            matches!(err, TenError::InvalidJson { line: 2, .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), 2);
    }

    #[test]
    fn merge_overlays_objects_key_by_key() {
        let mut base = Properties::new();
        base.set_json("", r#"{"a": {"x": 1, "y": 2}, "b": 1}"#)
            .unwrap();
        let mut top = Properties::new();
        top.set_json("", r#"{"a": {"y": 3}, "c": 4}"#).unwrap();
        base.merge(&top);
        assert_eq!(
            base.get_json("").unwrap(),
            r#"{"a":{"x":1,"y":3},"b":1,"c":4}"#
        );
    }
}
