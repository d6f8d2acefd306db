//! Splitting a raw SIP message into its start line, header pairs and body,
//! for hosts that hold the text rather than parsed headers (scripts, test tools,
//! the bindings). Only the framing of RFC 3261 section 7 is read: CRLF (or bare
//! LF) line ends, folded continuation lines (section 7.3.1), the blank line
//! before the body. Header values are not interpreted here.

use std::borrow::Cow;

use crate::error::{Error, HeaderProblem, Result};
use crate::header::TimerHeaders;
use crate::limits::MAX_HEADER_SECTION_LEN;
use crate::sip::Method;

/// The first line of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `METHOD request-uri SIP/2.0`.
    Request {
        /// The method as written.
        method: &'a str,
        /// The request URI.
        uri: &'a str,
    },
    /// `SIP/2.0 code reason`.
    Response {
        /// The status code.
        status: u16,
        /// The reason phrase.
        reason: &'a str,
    },
}

/// A message split into parts; header values of folded lines are joined with
/// one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipMessage<'a> {
    /// The start line.
    pub start: StartLine<'a>,
    /// Header `(name, value)` pairs in order, names as written, values trimmed.
    pub headers: Vec<(&'a str, Cow<'a, str>)>,
    /// Everything after the blank line.
    pub body: &'a str,
}

impl<'a> SipMessage<'a> {
    /// Splits `raw`.
    ///
    /// # Errors
    /// [`Error::MalformedMessage`] for a bad start line, a header line without
    /// a colon, or a header section over [`MAX_HEADER_SECTION_LEN`] bytes.
    pub fn parse(raw: &'a str) -> Result<Self> {
        let (head, body) = match raw.find("\r\n\r\n") {
            Some(i) => (&raw[..i], &raw[i + 4..]),
            None => match raw.find("\n\n") {
                Some(i) => (&raw[..i], &raw[i + 2..]),
                None => (raw, ""),
            },
        };
        if head.len() > MAX_HEADER_SECTION_LEN {
            return Err(Error::MalformedMessage(
                "header section longer than MAX_HEADER_SECTION_LEN",
            ));
        }
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let start = start_line(lines.next().unwrap_or(""))?;
        let mut headers: Vec<(&'a str, Cow<'a, str>)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let (_, value) = headers.last_mut().ok_or(Error::MalformedMessage(
                    "continuation line before any header",
                ))?;
                // Appended in place: a value folded over many lines costs linear time.
                let more = line.trim();
                if !more.is_empty() {
                    let value = value.to_mut();
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(more);
                }
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or(Error::MalformedMessage("header line without a colon"))?;
            headers.push((name.trim(), Cow::Borrowed(value.trim())));
        }
        Ok(SipMessage {
            start,
            headers,
            body,
        })
    }

    /// The method of a request ([`Method::Other`] for a response).
    pub fn method(&self) -> Method {
        match self.start {
            StartLine::Request { method, .. } => Method::from_name(method),
            StartLine::Response { .. } => Method::Other,
        }
    }

    /// The status code of a response.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { status, .. } => Some(status),
            StartLine::Request { .. } => None,
        }
    }

    /// The session-timer headers of the message.
    ///
    /// # Errors
    /// As [`TimerHeaders::parse`].
    pub fn timer_headers(&self) -> Result<TimerHeaders> {
        TimerHeaders::parse(self.headers.iter().map(|(n, v)| (*n, v.as_ref())))
    }
}

/// What RFC 4028 reads from one raw message: its session-timer headers and
/// its method (a request) or status (a response). The one path from raw
/// bytes to a decision's input, for every binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    /// The session-timer headers.
    pub headers: TimerHeaders,
    /// The method of a request; `None` for a response.
    pub method: Option<Method>,
    /// The status code of a response; `None` for a request.
    pub status: Option<u16>,
}

impl MessageSummary {
    /// Reads a raw message given as bytes. A SIP message is UTF-8 text (RFC
    /// 3261 section 7): a byte that is not UTF-8 in a session-timer header
    /// makes that header malformed (400), and in any other header is never read.
    ///
    /// # Errors
    /// As [`SipMessage::parse`] and [`TimerHeaders::parse`];
    /// [`HeaderProblem::NotUtf8`].
    pub fn read(raw: &[u8]) -> Result<MessageSummary> {
        let (text, utf8) = match std::str::from_utf8(raw) {
            Ok(text) => (Cow::Borrowed(text), true),
            Err(_) => (String::from_utf8_lossy(raw), false),
        };
        let message = SipMessage::parse(&text)?;
        let mut headers = TimerHeaders::default();
        for (name, value) in &message.headers {
            let Some(header) = crate::HeaderName::classify(name) else {
                continue;
            };
            if !utf8 && value.contains(char::REPLACEMENT_CHARACTER) {
                return Err(Error::malformed(header, HeaderProblem::NotUtf8));
            }
            headers.read(header, value)?;
        }
        let status = message.status();
        Ok(MessageSummary {
            headers,
            method: status.is_none().then(|| message.method()),
            status,
        })
    }
}

fn start_line(line: &str) -> Result<StartLine<'_>> {
    let bad = || Error::MalformedMessage("bad start line");
    let mut parts = line.trim().splitn(3, ' ');
    let (first, second, third) = (parts.next(), parts.next(), parts.next());
    match (first, second, third) {
        (Some("SIP/2.0"), Some(code), reason) => Ok(StartLine::Response {
            status: code
                .parse()
                .ok()
                .filter(|c| (100..=699).contains(c))
                .ok_or_else(bad)?,
            reason: reason.unwrap_or(""),
        }),
        (Some(method), Some(uri), Some("SIP/2.0")) if !method.is_empty() => {
            Ok(StartLine::Request { method, uri })
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{Refresher, SessionExpires};

    #[test]
    fn splits_a_request_with_folding_and_compact_forms() {
        let raw = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP a\r\nSession-Expires:\r\n 1800;refresher=uac\r\nk: timer\r\n\r\nv=0\r\n";
        let m = SipMessage::parse(raw).unwrap();
        assert_eq!(m.method(), Method::Invite);
        assert_eq!(
            m.headers[1],
            ("Session-Expires", Cow::Borrowed("1800;refresher=uac"))
        );
        assert_eq!(m.body, "v=0\r\n");
        let h = m.timer_headers().unwrap();
        assert_eq!(
            h.session_expires,
            Some(SessionExpires::new(1800, Some(Refresher::Uac)))
        );
        assert!(h.supported_timer);
    }

    #[test]
    fn splits_a_response_with_bare_lf() {
        let m =
            SipMessage::parse("SIP/2.0 422 Session Interval Too Small\nMin-SE: 1800\n\n").unwrap();
        assert_eq!(m.status(), Some(422));
        assert_eq!(m.timer_headers().unwrap().effective_min_se(), 1800);
    }

    #[test]
    fn a_byte_that_is_not_utf8_fails_only_a_session_timer_header() {
        let raw = b"INVITE sip:a SIP/2.0\r\nX-Junk: \xff\xfe\r\nSession-Expires: 1800\r\n\r\n";
        let read = MessageSummary::read(raw).unwrap();
        assert_eq!(read.headers.session_expires.unwrap().interval, 1800);
        assert_eq!(read.method, Some(Method::Invite));
        for bad in [
            &b"INVITE sip:a SIP/2.0\r\nSession-Expires: 18\xff00\r\n\r\n"[..],
            b"INVITE sip:a SIP/2.0\r\nSupported: timer, \xff\r\n\r\n",
            b"SIP/2.0 200 OK\r\nSession-Expires: 90;a=\"\xff\"\r\n\r\n",
        ] {
            let err = MessageSummary::read(bad).unwrap_err();
            assert_eq!(err.status_code(), Some(400), "{err}");
        }
    }

    #[test]
    fn refuses_broken_framing() {
        for raw in [
            "",
            "HELLO",
            "SIP/2.0 99 Low\r\n",
            "SIP/2.0 abc\r\n",
            "INVITE sip:x SIP/2.0\r\n folded\r\n",
            "INVITE sip:x SIP/2.0\r\nNoColon\r\n",
        ] {
            assert!(
                matches!(SipMessage::parse(raw), Err(Error::MalformedMessage(_))),
                "{raw:?}"
            );
        }
    }
}
