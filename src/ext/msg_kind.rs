//! The kinds of message that travel along graph connections. Kept apart from the messages
//! themselves so that errors can name a kind without depending on messages.

use std::fmt;

/// The four kinds of message that travel along graph connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MsgKind {
    /// A command, answered by results.
    Cmd,
    /// Data, fire-and-forget.
    Data,
    /// An audio frame.
    AudioFrame,
    /// A video frame.
    VideoFrame,
}

impl MsgKind {
    /// The graph JSON key for this kind (`cmd`, `data`, `audio_frame`, `video_frame`).
    pub fn key(self) -> &'static str {
        match self {
            MsgKind::Cmd => "cmd",
            MsgKind::Data => "data",
            MsgKind::AudioFrame => "audio_frame",
            MsgKind::VideoFrame => "video_frame",
        }
    }
}

impl fmt::Display for MsgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}
