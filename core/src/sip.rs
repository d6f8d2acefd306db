//! The SIP words this crate reads and writes beyond its headers: the method
//! of a request, as far as RFC 4028 cares, and the reason phrases of the
//! statuses it answers or maps to.

use std::fmt;

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
    fn methods() {
        assert_eq!(Method::from_name("UPDATE"), Method::Update);
        assert_eq!(Method::from_name("invite"), Method::Other);
        assert!(!Method::from_name("BYE").is_refresh());
    }
}
