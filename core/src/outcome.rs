//! The vocabulary shared by every role: which side of the dialog refreshes,
//! which side of a transaction we are, which method a request has, and what a
//! negotiation settled on.

use crate::header::Refresher;
use std::fmt;

/// A side of the dialog, absolute: it does not change from one transaction to
/// the next. The dialog state stores who refreshes as a `Side`, never as
/// `uac`/`uas`, which flip whenever the peer sends the next request (the bug
/// behind most dropped-call reports; see the anchors, section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// This party.
    Local,
    /// The peer at the other end of the dialog.
    Remote,
}

/// Our role in one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// We sent the request.
    Uac,
    /// We received the request.
    Uas,
}

impl Side {
    /// The side a `refresher` parameter names, given our role in its transaction.
    pub const fn from_refresher(refresher: Refresher, we_are: Role) -> Side {
        match (refresher, we_are) {
            (Refresher::Uac, Role::Uac) | (Refresher::Uas, Role::Uas) => Side::Local,
            _ => Side::Remote,
        }
    }

    /// The `refresher` parameter naming this side in a transaction where we are `we_are`.
    pub const fn to_refresher(self, we_are: Role) -> Refresher {
        match (self, we_are) {
            (Side::Local, Role::Uac) | (Side::Remote, Role::Uas) => Refresher::Uac,
            _ => Refresher::Uas,
        }
    }
}

/// The method of a request, as far as RFC 4028 cares (Table 1): only INVITE
/// and UPDATE are session refresh requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE or re-INVITE.
    Invite,
    /// UPDATE (RFC 3311).
    Update,
    /// Any other method: session-timer headers in it are ignored.
    Other,
}

impl Method {
    /// Classifies a method name (case-sensitive, as RFC 3261 section 7.1 says).
    pub fn from_name(name: &str) -> Method {
        match name.trim() {
            "INVITE" => Method::Invite,
            "UPDATE" => Method::Update,
            _ => Method::Other,
        }
    }

    /// Whether requests of this method refresh the session.
    pub const fn is_refresh(self) -> bool {
        !matches!(self, Method::Other)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Invite => "INVITE",
            Method::Update => "UPDATE",
            Method::Other => "OTHER",
        })
    }
}

/// A session timer that a negotiation settled on: the interval and who refreshes.
/// `Option<Negotiated>::None` means no session expiration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// The session interval in seconds.
    pub interval: u32,
    /// Who sends the refreshes.
    pub refresher: Side,
}

/// The standard reason phrase (RFC 3261 section 21, RFC 4028 section 6) of a
/// status code this crate produces or maps to; `""` for any other.
#[must_use]
pub const fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        408 => "Request Timeout",
        420 => "Bad Extension",
        421 => "Extension Required",
        422 => "Session Interval Too Small",
        481 => "Call/Transaction Does Not Exist",
        491 => "Request Pending",
        500 => "Server Internal Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_translation_is_relative_to_the_transaction() {
        for side in [Side::Local, Side::Remote] {
            for role in [Role::Uac, Role::Uas] {
                assert_eq!(Side::from_refresher(side.to_refresher(role), role), side);
            }
        }
        // The peer's request says refresher=uac: the peer (its UAC) refreshes.
        assert_eq!(
            Side::from_refresher(Refresher::Uac, Role::Uas),
            Side::Remote
        );
    }

    #[test]
    fn methods() {
        assert_eq!(Method::from_name("UPDATE"), Method::Update);
        assert_eq!(Method::from_name("invite"), Method::Other);
        assert!(!Method::from_name("BYE").is_refresh());
    }
}
