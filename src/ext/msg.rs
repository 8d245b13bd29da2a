//! Messages: `Cmd`, `CmdResult`, `Data`, `AudioFrame`, `VideoFrame`.
//!
//! A message has a name, properties, and (except results) optional explicit destinations
//! that override the graph. Names follow TEN's rules: a letter or `_`, then letters, digits
//! and `_`; names starting with `ten:` are reserved for the runtime. Sending moves a message
//! (TEN's "the message belongs to the runtime once sent"); `clone` keeps a copy.

use super::error::TenError;
pub use super::msg_kind::MsgKind;
use super::msg_name::MsgName;
use super::properties::Properties;

/// Checks a user message name (TEN's rules; `ten:` is reserved).
pub(crate) fn check_name(name: &str) -> Result<(), TenError> {
    if name.starts_with("ten:") {
        return Err(TenError::InvalidArgument(format!(
            "message name '{name}' is reserved (the 'ten:' prefix belongs to the runtime)"
        )));
    }
    // The allowed characters are all ASCII, so the name is checked byte by byte.
    let mut bytes = name.bytes();
    let ok = matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(TenError::InvalidArgument(format!(
            "invalid message name '{name}'"
        )))
    }
}

/// A message's explicit destinations, by extension name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Dests(pub(crate) Vec<String>);

/// What every routed message carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The message name.
    pub(crate) name: MsgName,
    /// User properties.
    pub properties: Properties,
    /// Explicit destinations (extension names); `None` routes by the graph. Boxed: every
    /// message carries the header, most without dests, so this is one word.
    pub(crate) dests: Option<Box<Dests>>,
    /// The sending extension, set by the runtime: its name, shared (one word).
    pub(crate) source: Option<std::rc::Rc<String>>,
}

impl Header {
    fn new(name: &str) -> Result<Header, TenError> {
        check_name(name)?;
        Ok(Header {
            name: MsgName::new(name),
            properties: Properties::new(),
            dests: None,
            source: None,
        })
    }
}

macro_rules! routed_msg {
    ($t:ident) => {
        impl $t {
            /// The message name.
            pub fn name(&self) -> &str {
                &self.header.name
            }

            /// The extension that sent it (set when it is sent).
            pub fn source(&self) -> Option<&str> {
                self.header.source.as_deref().map(String::as_str)
            }

            /// Sends it to these extensions instead of following the graph (TEN
            /// `set_dests`).
            pub fn set_dests<S: Into<String>>(&mut self, dests: impl IntoIterator<Item = S>) {
                self.header.dests =
                    Some(Box::new(Dests(dests.into_iter().map(Into::into).collect())));
            }

            /// Its properties.
            pub fn properties(&self) -> &Properties {
                &self.header.properties
            }

            /// Its properties, to change.
            pub fn properties_mut(&mut self) -> &mut Properties {
                &mut self.header.properties
            }
        }
    };
}

/// A command: a request that is answered by one or more [`CmdResult`]s.
///
/// Rosetta: TEN `Cmd.create(name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cmd {
    pub(crate) header: Header,
}

impl Cmd {
    /// A command named `name`.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidArgument`] for a bad or reserved name.
    pub fn new(name: &str) -> Result<Cmd, TenError> {
        Ok(Cmd {
            header: Header::new(name)?,
        })
    }
}

routed_msg!(Cmd);

/// A data message: a name, properties and a byte buffer; no result.
///
/// Rosetta: TEN `Data.create(name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    pub(crate) header: Header,
    /// The payload.
    pub buf: Vec<u8>,
}

impl Data {
    /// A data message named `name` with an empty buffer.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidArgument`] for a bad or reserved name.
    pub fn new(name: &str) -> Result<Data, TenError> {
        Ok(Data {
            header: Header::new(name)?,
            buf: Vec::new(),
        })
    }
}

routed_msg!(Data);

/// How audio samples are laid out in an [`AudioFrame`]'s buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioFormat {
    /// Channels interleaved sample by sample (TEN `INTERLEAVE = 1`).
    #[default]
    Interleave,
    /// One plane per channel (TEN `NON_INTERLEAVE = 2`).
    NonInterleave,
}

/// A frame of PCM audio.
///
/// Rosetta: TEN `AudioFrame.create(name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFrame {
    pub(crate) header: Header,
    /// The samples.
    pub buf: Vec<u8>,
    /// Capture time, in the sender's unit (TEN uses milliseconds).
    pub timestamp: i64,
    /// Samples per second.
    pub sample_rate: u32,
    /// Samples in this frame, per channel.
    pub samples_per_channel: u32,
    /// Bytes per sample (2 for 16-bit PCM).
    pub bytes_per_sample: u32,
    /// Channels.
    pub number_of_channels: u32,
    /// Sample layout.
    pub data_fmt: AudioFormat,
    /// Bytes per line (plane).
    pub line_size: u32,
    /// The last frame of a stream.
    pub eof: bool,
}

impl AudioFrame {
    /// An empty audio frame named `name` (16 kHz mono 16-bit by default).
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidArgument`] for a bad or reserved name.
    pub fn new(name: &str) -> Result<AudioFrame, TenError> {
        Ok(AudioFrame {
            header: Header::new(name)?,
            buf: Vec::new(),
            timestamp: 0,
            sample_rate: 16_000,
            samples_per_channel: 0,
            bytes_per_sample: 2,
            number_of_channels: 1,
            data_fmt: AudioFormat::Interleave,
            line_size: 0,
            eof: false,
        })
    }
}

routed_msg!(AudioFrame);

/// How pixels are laid out in a [`VideoFrame`]'s buffer (TEN's `PixelFmt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PixelFormat {
    /// 8-bit R, G, B.
    #[default]
    Rgb24,
    /// 8-bit R, G, B, A.
    Rgba,
    /// 8-bit B, G, R.
    Bgr24,
    /// 8-bit B, G, R, A.
    Bgra,
    /// Planar YUV 4:2:2.
    I422,
    /// Planar YUV 4:2:0.
    I420,
    /// Semi-planar YUV 4:2:0, VU order.
    Nv21,
    /// Semi-planar YUV 4:2:0, UV order.
    Nv12,
}

/// A frame of video.
///
/// Rosetta: TEN `VideoFrame.create(name)`.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFrame {
    pub(crate) header: Header,
    /// The pixels.
    pub buf: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Capture time.
    pub timestamp: i64,
    /// Pixel layout.
    pub pixel_fmt: PixelFormat,
    /// The last frame of a stream.
    pub eof: bool,
}

impl VideoFrame {
    /// An empty video frame named `name`.
    ///
    /// # Errors
    ///
    /// [`TenError::InvalidArgument`] for a bad or reserved name.
    pub fn new(name: &str) -> Result<VideoFrame, TenError> {
        Ok(VideoFrame {
            header: Header::new(name)?,
            buf: Vec::new(),
            width: 0,
            height: 0,
            timestamp: 0,
            pixel_fmt: PixelFormat::Rgb24,
            eof: false,
        })
    }
}

routed_msg!(VideoFrame);

/// Whether a command succeeded (TEN `StatusCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// Success (`OK = 0`).
    Ok,
    /// Failure (`ERROR = 1`); the reason is in the `detail` property.
    Error,
}

/// A result of a command. It is bound to its command at creation (TEN
/// `CmdResult.create(status, cmd)`), so it can only answer that command.
///
/// A result is final unless [`set_final(false)`](CmdResult::set_final) marks it as one of a
/// stream; `is_completed` is set by the runtime on the last result the sender will get.
#[derive(Debug, Clone, PartialEq)]
pub struct CmdResult {
    status: StatusCode,
    /// The name of the command answered.
    cmd_name: MsgName,
    /// User properties (`detail` by convention).
    pub properties: Properties,
    is_final: bool,
    pub(crate) completed: bool,
}

impl CmdResult {
    /// A result with `status` for `cmd`.
    pub fn new(status: StatusCode, cmd: &Cmd) -> CmdResult {
        CmdResult::named(status, cmd.header.name.clone())
    }

    pub(crate) fn for_name(status: StatusCode, cmd_name: &str) -> CmdResult {
        CmdResult::named(status, MsgName::new(cmd_name))
    }

    fn named(status: StatusCode, cmd_name: MsgName) -> CmdResult {
        CmdResult {
            status,
            cmd_name,
            properties: Properties::new(),
            is_final: true,
            completed: false,
        }
    }

    /// An OK result for `cmd`.
    pub fn ok(cmd: &Cmd) -> CmdResult {
        CmdResult::new(StatusCode::Ok, cmd)
    }

    /// An ERROR result for `cmd` with `detail`.
    pub fn error(cmd: &Cmd, detail: &str) -> CmdResult {
        CmdResult::error_for(cmd.name(), detail)
    }

    pub(crate) fn error_for(cmd_name: &str, detail: &str) -> CmdResult {
        let mut r = CmdResult::for_name(StatusCode::Error, cmd_name);
        r.set_detail(detail);
        r
    }

    /// OK or ERROR.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// True for an OK result.
    pub fn is_ok(&self) -> bool {
        self.status == StatusCode::Ok
    }

    /// The name of the command it answers.
    pub fn cmd_name(&self) -> &str {
        &self.cmd_name
    }

    /// The name of the command it answers, as kept (compared without reading it as text).
    pub(crate) fn kept_cmd_name(&self) -> &MsgName {
        &self.cmd_name
    }

    /// Makes it a result of the command named `cmd_name` (a converted command's result goes
    /// back under the name its sender used).
    pub(crate) fn set_cmd_name(&mut self, cmd_name: &str) {
        self.cmd_name = MsgName::new(cmd_name);
    }

    /// The `detail` property as a string, if set.
    pub fn detail(&self) -> Option<String> {
        self.properties.get_string("detail").ok()
    }

    /// Sets the `detail` property.
    pub fn set_detail(&mut self, detail: &str) {
        self.properties
            .set_string("detail", detail)
            .expect("a top-level key always sets");
    }

    /// False for one of several streamed results; the last one must be final (the default).
    pub fn set_final(&mut self, is_final: bool) {
        self.is_final = is_final;
    }

    /// True unless marked as a streamed, non-final result.
    pub fn is_final(&self) -> bool {
        self.is_final
    }

    /// True on the last result the sender gets for this command (set by the runtime).
    pub fn is_completed(&self) -> bool {
        self.completed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_tens_rules() {
        assert!(Cmd::new("hello").is_ok());
        assert!(Cmd::new("_x9").is_ok());
        for bad in ["", "9a", "a-b", "a b", "ten:start_graph"] {
            assert!(Cmd::new(bad).is_err(), "{bad}");
        }
        assert!(
            Data::new("ten:timer")
                .unwrap_err()
                .to_string()
                .contains("reserved")
        );
    }

    #[test]
    fn results_are_bound_to_their_command() {
        let cmd = Cmd::new("hello").unwrap();
        let r = CmdResult::error(&cmd, "nope");
        assert_eq!(r.cmd_name(), "hello");
        assert_eq!(r.status(), StatusCode::Error);
        assert_eq!(r.detail().as_deref(), Some("nope"));
        assert!(r.is_final() && !r.is_completed());
        let mut s = CmdResult::ok(&cmd);
        s.set_final(false);
        assert!(!s.is_final());
    }
}
