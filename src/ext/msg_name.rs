//! A message or command name as the runtime keeps it: in place if short (most are: "ping",
//! "flush", "text_data"), so that creating a message, answering a command or keeping a
//! command's path allocates nothing for its name; boxed otherwise.

use std::fmt;
use std::ops::Deref;

/// Bytes of a name kept in place: 22 plus a length byte and the tag fill the 24 bytes a
/// `String` would take.
const INLINE: usize = 22;

/// A name, in place up to [`INLINE`] bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum MsgName {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<str>),
}

impl MsgName {
    pub(crate) fn new(name: &str) -> MsgName {
        if name.len() > INLINE {
            return MsgName::Boxed(name.into());
        }
        let mut bytes = [0; INLINE];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        MsgName::Inline {
            len: name.len() as u8,
            bytes,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            MsgName::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("copied from a str")
            }
            MsgName::Boxed(name) => name,
        }
    }
}

impl Deref for MsgName {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for MsgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for MsgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_every_length_read_back() {
        for len in [0, 1, INLINE - 1, INLINE, INLINE + 1, 1000] {
            let name = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let kept = MsgName::new(&name);
            assert_eq!(kept.as_str(), name);
            assert_eq!(matches!(kept, MsgName::Inline { .. }), name.len() <= INLINE);
        }
        assert_eq!(
            std::mem::size_of::<MsgName>(),
            std::mem::size_of::<String>()
        );
    }
}
