//! What an in-dialog re-INVITE or UPDATE's SDP body says: a pure session
//! refresh (no body, or the same `o=` session id and version, RFC 4028
//! section 7.4 and RFC 4566 section 5.2), or a change of the session the other
//! side must see. A B2BUA uses it to answer a pure refresh on its own leg.

use crate::sip::Method;

/// What an in-dialog re-INVITE or UPDATE does to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefreshKind {
    /// No body, or an SDP whose `o=` session id and version are unchanged
    /// (RFC 4028 section 7.4 SUB-16): only a refresh.
    PureRefresh,
    /// A new offer, or one we cannot compare: the other leg must see it.
    SessionChange,
}

/// The session id and version of an SDP `o=` line (RFC 4566 section 5.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SdpOrigin {
    /// `<sess-id>`.
    pub session_id: String,
    /// `<sess-version>`, as written.
    pub version: String,
}

impl SdpOrigin {
    /// Reads the first `o=` line of an SDP body.
    pub fn parse(sdp: &str) -> Option<SdpOrigin> {
        let line = sdp
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .find_map(|l| l.strip_prefix("o="))?;
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        match fields.as_slice() {
            [_user, id, version, _net, _addr_type, _addr] => Some(SdpOrigin {
                session_id: (*id).to_owned(),
                version: (*version).to_owned(),
            }),
            _ => None,
        }
    }
}

/// Whether a re-INVITE or UPDATE with `body` is a pure refresh, given the `o=`
/// of the session description in force on that leg.
#[must_use]
pub fn classify_refresh(
    method: Method,
    body: Option<&str>,
    in_force: Option<&SdpOrigin>,
) -> RefreshKind {
    if !method.is_refresh() {
        return RefreshKind::SessionChange;
    }
    match body.map(str::trim).filter(|b| !b.is_empty()) {
        None => RefreshKind::PureRefresh,
        Some(sdp) => match (SdpOrigin::parse(sdp), in_force) {
            (Some(origin), Some(current)) if origin == *current => RefreshKind::PureRefresh,
            _ => RefreshKind::SessionChange,
        },
    }
}
