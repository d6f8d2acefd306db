//! Reading session-timer headers straight from rsip's message types (cargo
//! feature `rsip`).
//!
//! rsip 0.4 has no typed form for Session-Expires or Min-SE and no notion of
//! compact forms: `x: 1800` and `k: timer` arrive as `Header::Other("x", ..)`
//! and `Header::Other("k", ..)`, so a lookup of rsip's `Supported` misses them.
//! These adapters classify every row by name themselves, so both forms count.

use crate::header::{HeaderName, TimerHeaders};
use crate::sip::Method;
use rsip::headers::UntypedHeader;
use rsip::Header;

/// The known header a rsip row is, with its value.
fn classify(header: &Header) -> Option<(HeaderName, &str)> {
    match header {
        Header::Other(name, value) => HeaderName::classify(name).map(|n| (n, value.as_str())),
        Header::Supported(v) => Some((HeaderName::Supported, v.value())),
        Header::Require(v) => Some((HeaderName::Require, v.value())),
        Header::ProxyRequire(v) => Some((HeaderName::ProxyRequire, v.value())),
        Header::Unsupported(v) => Some((HeaderName::Unsupported, v.value())),
        Header::Allow(v) => Some((HeaderName::Allow, v.value())),
        _ => None,
    }
}

impl TimerHeaders {
    /// Reads the session-timer headers of a rsip header list.
    ///
    /// # Errors
    /// As [`TimerHeaders::parse`].
    pub fn from_rsip(headers: &rsip::Headers) -> crate::Result<Self> {
        let mut out = TimerHeaders::default();
        for (name, value) in headers.iter().filter_map(classify) {
            out.read(name, value)?;
        }
        Ok(out)
    }
}

/// The method and session-timer headers of a rsip request.
///
/// # Errors
/// As [`TimerHeaders::parse`].
pub fn request(request: &rsip::Request) -> crate::Result<(Method, TimerHeaders)> {
    let method = match request.method {
        rsip::Method::Invite => Method::Invite,
        rsip::Method::Update => Method::Update,
        _ => Method::Other,
    };
    Ok((method, TimerHeaders::from_rsip(&request.headers)?))
}

/// The status code and session-timer headers of a rsip response.
///
/// # Errors
/// As [`TimerHeaders::parse`].
pub fn response(response: &rsip::Response) -> crate::Result<(u16, TimerHeaders)> {
    Ok((
        response.status_code.code(),
        TimerHeaders::from_rsip(&response.headers)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{Refresher, SessionExpires};

    const INVITE: &str = "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n\
        From: <sip:alice@127.0.0.1>;tag=1\r\n\
        To: <sip:bob@127.0.0.1>\r\n\
        Call-ID: a@127.0.0.1\r\n\
        CSeq: 1 INVITE\r\n\
        Max-Forwards: 70\r\n\
        x: 1800;refresher=uac\r\n\
        Min-SE: 90\r\n\
        k: timer\r\n\
        Allow: INVITE, ACK, BYE, UPDATE\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn compact_forms_are_read_from_rsip() {
        let request = rsip::Request::try_from(INVITE).unwrap();
        let (method, h) = super::request(&request).unwrap();
        assert_eq!(method, Method::Invite);
        assert_eq!(
            h.session_expires,
            Some(SessionExpires::new(1800, Some(Refresher::Uac)))
        );
        assert_eq!(h.effective_min_se(), 90);
        assert!(h.supported_timer);
        assert_eq!(h.allow_update, Some(true));
    }

    #[test]
    fn response_status_and_require() {
        let raw = "SIP/2.0 200 OK\r\nRequire: timer\r\nSession-Expires: 1200;refresher=uas\r\nContent-Length: 0\r\n\r\n";
        let (status, h) = super::response(&rsip::Response::try_from(raw).unwrap()).unwrap();
        assert_eq!(status, 200);
        assert!(h.require_timer);
        assert_eq!(h.session_expires.unwrap().interval, 1200);
    }
}
