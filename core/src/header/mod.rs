//! Session-timer headers: their names, typed values, a tolerant parser and a
//! strict formatter.
//!
//! Input is what a SIP stack already split a message into: header `(name, value)`
//! pairs. [`TimerHeaders::parse`] reads every header RFC 4028 cares about from
//! them (Session-Expires and its compact form `x`, Min-SE, `timer` in Supported
//! (`k`), Require and Proxy-Require, `UPDATE` in Allow). Output is a
//! [`HeaderEdits`]: the session-timer headers a message must carry, which can be
//! turned into rows or applied to an existing header list.

mod edit;
mod parse;

use std::fmt;

pub use edit::{merge_option_tag, HeaderEdits};
pub use parse::{option_list_contains, TimerHeaders};

/// The option tag of RFC 4028 (section 12.3).
pub const TIMER_TAG: &str = "timer";

/// A header this crate reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderName {
    /// `Session-Expires`, compact form `x` (RFC 4028 section 4).
    SessionExpires,
    /// `Min-SE`; it has no compact form (RFC 4028 section 5, section 12.1).
    MinSe,
    /// `Supported`, compact form `k` (RFC 3261 section 20.37).
    Supported,
    /// `Require` (RFC 3261 section 20.32).
    Require,
    /// `Proxy-Require` (RFC 3261 section 20.29).
    ProxyRequire,
    /// `Unsupported`, in a 420 (RFC 3261 section 20.40).
    Unsupported,
    /// `Allow` (RFC 3261 section 20.5).
    Allow,
}

impl HeaderName {
    /// Every header this crate knows.
    pub const ALL: [HeaderName; 7] = [
        HeaderName::SessionExpires,
        HeaderName::MinSe,
        HeaderName::Supported,
        HeaderName::Require,
        HeaderName::ProxyRequire,
        HeaderName::Unsupported,
        HeaderName::Allow,
    ];

    /// The long form, as this crate writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            HeaderName::SessionExpires => "Session-Expires",
            HeaderName::MinSe => "Min-SE",
            HeaderName::Supported => "Supported",
            HeaderName::Require => "Require",
            HeaderName::ProxyRequire => "Proxy-Require",
            HeaderName::Unsupported => "Unsupported",
            HeaderName::Allow => "Allow",
        }
    }

    /// The compact form, where RFC 3261 or RFC 4028 defines one.
    pub const fn compact(self) -> Option<&'static str> {
        match self {
            HeaderName::SessionExpires => Some("x"),
            HeaderName::Supported => Some("k"),
            _ => None,
        }
    }

    /// Which known header a name on the wire is: case-insensitive, surrounding
    /// whitespace ignored, long or compact form (RFC 3261 sections 7.3.1, 7.3.3).
    pub fn classify(name: &str) -> Option<HeaderName> {
        HeaderName::classify_bytes(name.as_bytes())
    }

    /// [`HeaderName::classify`] of a name given as bytes, as from C: every
    /// known name is ASCII, so a name that is not UTF-8 is none of them, and
    /// none needs checking first.
    pub fn classify_bytes(name: &[u8]) -> Option<HeaderName> {
        let name = parse::trim_lws_bytes(name);
        if name.len() == 1 {
            return HeaderName::ALL.into_iter().find(|h| {
                h.compact()
                    .is_some_and(|c| name.eq_ignore_ascii_case(c.as_bytes()))
            });
        }
        // Most rows of a message are other headers: one length test turns them
        // away. Most senders write a name as the RFC does, which one `memcmp`
        // confirms before the byte-by-byte comparison of any case.
        let header = (*BY_LENGTH.get(name.len())?)?;
        let long = header.as_str().as_bytes();
        (name == long || name.eq_ignore_ascii_case(long)).then_some(header)
    }
}

/// The known header of each long-form length: no two long forms have the
/// same length (a new one that did would fail to compile here).
const BY_LENGTH: [Option<HeaderName>; 16] = {
    let mut table = [None; 16];
    let mut i = 0;
    while i < HeaderName::ALL.len() {
        let header = HeaderName::ALL[i];
        let length = header.as_str().len();
        assert!(table[length].is_none(), "two long forms of one length");
        table[length] = Some(header);
        i += 1;
    }
    table
};

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `refresher` parameter of Session-Expires: which side of *this
/// transaction* refreshes (RFC 4028 section 4). Relative to one transaction; the
/// dialog's state keeps [`crate::Side`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refresher {
    /// The client of the transaction refreshes.
    Uac,
    /// The server of the transaction refreshes.
    Uas,
}

impl Refresher {
    /// The parameter value as written.
    pub const fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

impl fmt::Display for Refresher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A generic parameter (`token [ "=" gen-value ]`), kept as received so a proxy
/// forwards it unchanged (RFC 4028 section 4).
///
/// Only [`Param::new`] makes one, and it refuses what is not RFC 3261 grammar,
/// so every parameter this crate writes is well-formed: no line break, NUL or
/// other control character can pass from a message read to a header written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    name: String,
    value: Option<String>,
}

impl Param {
    /// A parameter named `name` (a token) with `value` (a token, a host or a
    /// quoted string, quotes included). A line folded inside a quoted string
    /// becomes one space (RFC 3261 section 7.3.1).
    ///
    /// # Errors
    /// [`crate::HeaderProblem::BadParameter`] when either is not RFC 3261 grammar.
    pub fn new(name: &str, value: Option<&str>) -> Result<Param, crate::HeaderProblem> {
        let bad = || crate::HeaderProblem::BadParameter {
            param: printable(name, value),
        };
        if !parse::is_token(name) {
            return Err(bad());
        }
        let value = match value {
            Some(v) => Some(parse::gen_value(v).ok_or_else(bad)?.into_owned()),
            None => None,
        };
        Ok(Param {
            name: name.to_owned(),
            value,
        })
    }

    /// The name as received.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value as received, quotes included.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

/// The start of a refused parameter, for an error message (which escapes it).
fn printable(name: &str, value: Option<&str>) -> String {
    let text = match value {
        Some(v) => format!("{name}={v}"),
        None => name.to_owned(),
    };
    text.chars().take(40).collect()
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, ";{}={}", self.name, v),
            None => write!(f, ";{}", self.name),
        }
    }
}

/// A Session-Expires value (RFC 4028 section 4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionExpires {
    /// The session interval in seconds. Values above 2^32-1 saturate to
    /// `u32::MAX` (RFC 3261 section 10.2 by analogy).
    pub interval: u32,
    /// The refresher parameter, if it names `uac` or `uas`.
    pub refresher: Option<Refresher>,
    /// Other parameters, including a `refresher` with an unknown value.
    pub params: Vec<Param>,
}

impl SessionExpires {
    /// A value with no parameters.
    pub fn new(interval: u32, refresher: Option<Refresher>) -> Self {
        SessionExpires {
            interval,
            refresher,
            params: Vec::new(),
        }
    }

    /// Parses a header value, such as `1800;refresher=uac`.
    pub fn parse(value: &str) -> crate::Result<Self> {
        parse::session_expires(value)
    }
}

impl fmt::Display for SessionExpires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.interval)?;
        if let Some(r) = self.refresher {
            write!(f, ";refresher={r}")?;
        }
        self.params.iter().try_for_each(|p| p.fmt(f))
    }
}

/// A Min-SE value (RFC 4028 section 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MinSe {
    /// Seconds, as received (may be below 90; see [`MinSe::effective`]).
    pub value: u32,
    /// Generic parameters.
    pub params: Vec<Param>,
}

impl MinSe {
    /// Parses a header value, such as `90`.
    pub fn parse(value: &str) -> crate::Result<Self> {
        parse::min_se(value)
    }

    /// The value in force: a Min-SE below 90 breaks RFC 4028 section 5 and counts
    /// as 90 (checklist P13, V22).
    pub fn effective(&self) -> u32 {
        self.value.max(crate::policy::RFC_MIN_SE)
    }
}

impl fmt::Display for MinSe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)?;
        self.params.iter().try_for_each(|p| p.fmt(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_accepts_long_compact_and_any_case() {
        assert_eq!(
            HeaderName::classify("SESSION-EXPIRES "),
            Some(HeaderName::SessionExpires)
        );
        assert_eq!(HeaderName::classify("X"), Some(HeaderName::SessionExpires));
        assert_eq!(HeaderName::classify("k"), Some(HeaderName::Supported));
        assert_eq!(HeaderName::classify("min-se"), Some(HeaderName::MinSe));
        assert_eq!(
            HeaderName::classify("proxy-require"),
            Some(HeaderName::ProxyRequire)
        );
        assert_eq!(HeaderName::classify("Via"), None);
    }

    #[test]
    fn classify_turns_away_names_of_a_known_length_and_stray_bytes() {
        // "Call-ID" has Require's length; "Min\rSE" differs from "Min-SE" in one bit.
        for name in [
            "Call-ID",
            "Min\rSE",
            "Session_Expires",
            "y",
            "",
            " \t",
            "Supported2",
        ] {
            assert_eq!(HeaderName::classify(name), None, "{name:?}");
        }
        for header in HeaderName::ALL {
            assert_eq!(HeaderName::classify(header.as_str()), Some(header));
            let shouted = header.as_str().to_ascii_uppercase();
            assert_eq!(
                HeaderName::classify(&format!("\t{shouted}\r\n ")),
                Some(header)
            );
        }
    }

    #[test]
    fn classify_bytes_agrees_with_classify_and_turns_away_bytes_that_are_not_utf8() {
        for header in HeaderName::ALL {
            let name = format!(" {}\t", header.as_str().to_ascii_lowercase());
            assert_eq!(HeaderName::classify_bytes(name.as_bytes()), Some(header));
        }
        assert_eq!(
            HeaderName::classify_bytes(b"x"),
            Some(HeaderName::SessionExpires)
        );
        // A lone byte above 0x7F, and Min-SE with its hyphen replaced by one.
        for name in [&b"\xff"[..], b"Min\xadSE", b"Session-Expires\xc3", b""] {
            assert_eq!(HeaderName::classify_bytes(name), None, "{name:?}");
        }
    }

    #[test]
    fn rfc4028_s12_1_min_se_has_no_compact_form() {
        // Checklist P15: `y` is not Min-SE.
        assert_eq!(HeaderName::MinSe.compact(), None);
        assert_eq!(HeaderName::classify("y"), None);
    }

    #[test]
    fn formats_session_expires_with_refresher_and_params() {
        let mut se = SessionExpires::new(1800, Some(Refresher::Uac));
        se.params.push(Param::new("foo", Some("bar")).unwrap());
        assert_eq!(se.to_string(), "1800;refresher=uac;foo=bar");
        assert_eq!(SessionExpires::new(90, None).to_string(), "90");
    }
}
