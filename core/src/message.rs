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

/// A message split by its framing only: the start line as written, the header
/// section's pairs and the body. The one reader of a header section (RFC 3261
/// section 7.3) for every host: [`SipMessage::parse`] builds on it, and the
/// Python agent uses it through the binding, checking the start line itself
/// (so that it can answer a bad request with 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// The first line, trimmed, not interpreted.
    pub start: &'a str,
    /// Header `(name, value)` pairs in order, names as written, values trimmed;
    /// a folded value's lines are joined with one space.
    pub headers: Vec<(&'a str, Cow<'a, str>)>,
    /// Everything after the blank line.
    pub body: &'a str,
    /// The first rule of the header section a line broke (that line is
    /// skipped): a continuation line before any header, a line without a
    /// colon, a header name that is not a token (RFC 3261 section 25.1). A
    /// host answers such a request 400 with it, addressed by the lines read.
    pub problem: Option<&'static str>,
}

impl<'a> RawMessage<'a> {
    /// Splits `raw` at its line ends (CRLF or bare LF) and the blank line.
    ///
    /// # Errors
    /// [`Error::MalformedMessage`] for a header section over
    /// [`MAX_HEADER_SECTION_LEN`] bytes. A line that breaks a rule is skipped
    /// and named in [`RawMessage::problem`].
    pub fn split(raw: &'a str) -> Result<Self> {
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
        let start = lines.next().unwrap_or("").trim();
        let mut headers: Vec<(&'a str, Cow<'a, str>)> = Vec::new();
        let mut problem = None;
        for line in lines {
            if let Err(broken) = read_line(&mut headers, line) {
                problem = problem.or(Some(broken));
            }
        }
        Ok(RawMessage {
            start,
            headers,
            body,
            problem,
        })
    }
}

/// Reads one header line into `headers`, or names the rule it breaks.
fn read_line<'a>(
    headers: &mut Vec<(&'a str, Cow<'a, str>)>,
    line: &'a str,
) -> std::result::Result<(), &'static str> {
    if line.starts_with([' ', '\t']) {
        let (_, value) = headers
            .last_mut()
            .ok_or("continuation line before any header")?;
        fold(value, line.trim());
        return Ok(());
    }
    let (name, value) = line.split_once(':').ok_or("header line without a colon")?;
    let name = name.trim();
    if !is_token(name) {
        return Err("header name is not a token");
    }
    headers.push((name, Cow::Borrowed(value.trim())));
    Ok(())
}

/// Appends a continuation line's text to a value, in place: a value folded
/// over many lines costs linear time.
fn fold(value: &mut Cow<'_, str>, more: &str) {
    if !more.is_empty() {
        let value = value.to_mut();
        if !value.is_empty() {
            value.push(' ');
        }
        value.push_str(more);
    }
}

/// Whether `name` is an RFC 3261 token (section 25.1), as a header name must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

impl<'a> SipMessage<'a> {
    /// Splits `raw`: [`RawMessage::split`], then the start line read.
    ///
    /// # Errors
    /// [`Error::MalformedMessage`] for a bad start line, a header section
    /// over [`MAX_HEADER_SECTION_LEN`] bytes, or a [`RawMessage::problem`].
    pub fn parse(raw: &'a str) -> Result<Self> {
        let raw = RawMessage::split(raw)?;
        if let Some(problem) = raw.problem {
            return Err(Error::MalformedMessage(problem));
        }
        Ok(SipMessage {
            start: start_line(raw.start)?,
            headers: raw.headers,
            body: raw.body,
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

    /// RFC 3261 section 7.3: the header section's rules apply whatever the
    /// start line says; the start line is left to the caller.
    #[test]
    fn rfc3261_7_3_the_raw_split_reads_the_header_section_only() {
        let raw = RawMessage::split("  GARBAGE line \r\nVia: a\r\n\tb\r\n\r\nbody").unwrap();
        assert_eq!(raw.start, "GARBAGE line");
        assert_eq!(raw.headers, vec![("Via", Cow::Borrowed("a b"))]);
        assert_eq!(raw.body, "body");
        assert_eq!(raw.problem, None);
        for bad in [
            "INVITE sip:x SIP/2.0\r\nVia: a\r\nBad Name: 1\r\nCSeq: 1 INVITE\r\n",
            "INVITE sip:x SIP/2.0\r\nVia: a\r\n: empty name\r\nCSeq: 1 INVITE\r\n",
            "INVITE sip:x SIP/2.0\r\nVia: a\r\nVi\x00a: 1\r\nCSeq: 1 INVITE\r\n",
        ] {
            let raw = RawMessage::split(bad).unwrap();
            assert_eq!(raw.problem, Some("header name is not a token"), "{bad:?}");
            // The lines that keep the rules are read, so a host can answer 400.
            assert_eq!(raw.headers.len(), 2);
            let err = SipMessage::parse(bad).unwrap_err();
            assert_eq!(err.status_code(), Some(400));
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
