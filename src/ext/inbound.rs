//! A message on its way into an extension, and refusing one.

use std::sync::Arc;

use super::conversion::MsgConversion;
use super::error::TenError;
use super::msg::{AudioFrame, Cmd, CmdResult, Data, Header, VideoFrame};
use super::msg_kind::MsgKind;
use super::responder::Responder;

/// A message on its way into an extension. Frames are boxed: their format fields would
/// make every message larger, and messages wait in queues by the thousand.
pub(crate) enum Inbound {
    Cmd(Cmd, Responder),
    Data(Data),
    Audio(Box<AudioFrame>),
    Video(Box<VideoFrame>),
}

impl Inbound {
    pub(crate) fn header(&self) -> &Header {
        match self {
            Inbound::Cmd(c, _) => &c.header,
            Inbound::Data(d) => &d.header,
            Inbound::Audio(a) => &a.header,
            Inbound::Video(v) => &v.header,
        }
    }

    pub(crate) fn header_mut(&mut self) -> &mut Header {
        match self {
            Inbound::Cmd(c, _) => &mut c.header,
            Inbound::Data(d) => &mut d.header,
            Inbound::Audio(a) => &mut a.header,
            Inbound::Video(v) => &mut v.header,
        }
    }

    pub(crate) fn kind(&self) -> MsgKind {
        match self {
            Inbound::Cmd(..) => MsgKind::Cmd,
            Inbound::Data(_) => MsgKind::Data,
            Inbound::Audio(_) => MsgKind::AudioFrame,
            Inbound::Video(_) => MsgKind::VideoFrame,
        }
    }

    /// Applies a destination's `msg_conversion`; a command's responder then converts its
    /// results back. On error the message is left as it was.
    pub(crate) fn convert(&mut self, conv: &Arc<MsgConversion>) -> Result<(), TenError> {
        conv.convert_header(self.header_mut())?;
        if let Inbound::Cmd(cmd, reply) = self {
            reply.converted(&cmd.header.name, conv.clone());
        }
        Ok(())
    }

    /// A copy for one more destination (fire-and-forget messages only).
    pub(crate) fn copy(&self) -> Inbound {
        match self {
            Inbound::Data(d) => Inbound::Data(d.clone()),
            Inbound::Audio(a) => Inbound::Audio(a.clone()),
            Inbound::Video(v) => Inbound::Video(v.clone()),
            Inbound::Cmd(..) => unreachable!("commands are copied with their own responder"),
        }
    }
}

/// Refuses a message to an extension that is de-initialising: a command gets an ERROR.
pub(crate) fn refuse(msg: Inbound) {
    if let Inbound::Cmd(cmd, mut reply) = msg {
        let _ = reply.send(CmdResult::error(
            &cmd,
            "The destination extension is in its de-initialization phase.",
        ));
    }
}
