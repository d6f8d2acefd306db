//! The tolerant reader: RFC 3261 section 7.3.1 and section 25.1 as they are met
//! on the wire (any case, whitespace around `;` and `=`, folded lines, leading
//! zeros, generic parameters), strict where the RFC is strict (one value, no
//! duplicated parameter, digits only).

use super::{HeaderName, MinSe, Param, Refresher, SessionExpires, TIMER_TAG};
use crate::error::{Error, HeaderProblem};
use crate::limits::{MAX_HEADER_VALUE_LEN, MAX_PARAMS};

/// Linear white space, including the CR and LF of a folded line.
fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Where `b` starts and ends without linear white space at either end.
fn lws_bounds(b: &[u8]) -> (usize, usize) {
    let start = b.iter().position(|&c| !is_lws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !is_lws(c)).map_or(start, |i| i + 1);
    (start, end)
}

/// `s` without linear white space at either end. White space is ASCII, so
/// trimming bytes always ends on a character boundary: a byte scan, not a
/// walk over decoded characters.
#[inline]
pub(crate) fn trim_lws(s: &str) -> &str {
    let (start, end) = lws_bounds(s.as_bytes());
    &s[start..end]
}

/// [`trim_lws`] of bytes.
pub(crate) fn trim_lws_bytes(b: &[u8]) -> &[u8] {
    let (start, end) = lws_bounds(b);
    &b[start..end]
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)
}

/// Characters of a `gen-value` that is a token or a host (RFC 3261 section 25.1).
fn is_gen_value_char(c: char) -> bool {
    is_token_char(c) || matches!(c, ':' | '[' | ']')
}

/// Whether a comma-separated list of tokens (Supported, Require, Allow, ...)
/// contains `item`, compared without regard to case.
pub fn option_list_contains(value: &str, item: &str) -> bool {
    value
        .as_bytes()
        .split(|&b| b == b',')
        .any(|t| trim_lws_bytes(t).eq_ignore_ascii_case(item.as_bytes()))
}

/// `delta-seconds` followed by parameters: the common shape of Session-Expires and Min-SE.
fn delta_and_params(header: HeaderName, value: &str) -> crate::Result<(u32, Vec<Param>)> {
    let bad = |problem| Error::malformed(header, problem);
    if value.len() > MAX_HEADER_VALUE_LEN {
        return Err(bad(HeaderProblem::TooLong {
            max: MAX_HEADER_VALUE_LEN,
        }));
    }
    let value = trim_lws(value);
    if value.is_empty() {
        return Err(bad(HeaderProblem::Empty));
    }
    let digits_end = value
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(value.len());
    let (digits, rest) = value.split_at(digits_end);
    let rest = trim_lws(rest); // the value's end is trimmed already
    if digits.is_empty() || !(rest.is_empty() || rest.starts_with([';', ','])) {
        let found: String = value.chars().take(40).collect();
        return Err(bad(HeaderProblem::NotDeltaSeconds { found }));
    }
    let seconds = digits.bytes().fold(0u64, |acc, d| {
        (acc * 10 + u64::from(d - b'0')).min(u64::from(u32::MAX))
    }) as u32;
    Ok((seconds, params(header, rest)?))
}

/// Splits `;a=b;c` (after the delta-seconds) into parameters, honouring quoted strings.
fn params(header: HeaderName, mut rest: &str) -> crate::Result<Vec<Param>> {
    let bad = |problem| Error::malformed(header, problem);
    let mut out: Vec<Param> = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with(',') {
            return Err(bad(HeaderProblem::ListNotAllowed));
        }
        // rest starts with ';'
        let body = &rest[1..];
        let end = param_end(body);
        let text = trim_lws(&body[..end]);
        rest = &body[end..];
        let param = param(text).ok_or_else(|| {
            bad(HeaderProblem::BadParameter {
                param: text.chars().take(40).collect(),
            })
        })?;
        if out.iter().any(|p| p.name.eq_ignore_ascii_case(&param.name)) {
            return Err(bad(HeaderProblem::DuplicatedParameter {
                name: param.name.to_ascii_lowercase(),
            }));
        }
        if out.len() == MAX_PARAMS {
            return Err(bad(HeaderProblem::TooManyParameters { max: MAX_PARAMS }));
        }
        out.push(param);
    }
    Ok(out)
}

/// Where the parameter that starts `s` ends: the next `;` or `,` outside quotes.
fn param_end(s: &str) -> usize {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' | ',' if !quoted => return i,
            _ => {}
        }
    }
    s.len()
}

/// One `token [ EQUAL gen-value ]`, already trimmed.
fn param(text: &str) -> Option<Param> {
    let (name, value) = match text.split_once('=') {
        Some((n, v)) => (trim_lws(n), Some(trim_lws(v))),
        None => (text, None),
    };
    Param::new(name, value).ok()
}

/// Whether `name` is a `token` (RFC 3261 section 25.1).
pub(super) fn is_token(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_token_char)
}

/// `value` as a `gen-value` safe to write back (RFC 3261 section 25.1): a
/// token, a host, or a quoted string. A folded line (or any CR or LF) inside
/// quotes becomes one space, as section 7.3.1 lets a reader treat it; any
/// other control character, an unescaped quote inside, or a missing closing
/// quote refuses the value, so nothing read can put a line break or a NUL
/// into a header this crate writes.
pub(super) fn gen_value(value: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !value.starts_with('"') {
        let ok = !value.is_empty() && value.chars().all(is_gen_value_char);
        return ok.then_some(std::borrow::Cow::Borrowed(value));
    }
    let bytes = value.as_bytes();
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        let control = (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f;
        match b {
            _ if control => return None,
            b'\r' | b'\n' if escaped => return None,
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' if i + 1 == bytes.len() => return Some(unfold_quoted(value)),
            b'"' => return None,
            _ => {}
        }
    }
    None
}

/// A well-formed quoted string with each run of white space that holds a CR
/// or LF turned into one space.
fn unfold_quoted(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.bytes().any(|b| b == b'\r' || b == b'\n') {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' || c == '\n' {
            out.truncate(out.trim_end_matches([' ', '\t']).len());
            while chars
                .next_if(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
                .is_some()
            {}
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Parses a Session-Expires value. A `refresher` naming neither `uac` nor `uas`
/// is kept as a generic parameter and counts as absent (checklist P8).
pub(super) fn session_expires(value: &str) -> crate::Result<SessionExpires> {
    let (interval, mut params) = delta_and_params(HeaderName::SessionExpires, value)?;
    let mut refresher = None;
    if let Some(i) = params
        .iter()
        .position(|p| p.name.eq_ignore_ascii_case("refresher"))
    {
        let known = match params[i].value.as_deref() {
            Some(v) if v.eq_ignore_ascii_case("uac") => Some(Refresher::Uac),
            Some(v) if v.eq_ignore_ascii_case("uas") => Some(Refresher::Uas),
            _ => None,
        };
        if known.is_some() {
            params.remove(i);
            refresher = known;
        }
    }
    Ok(SessionExpires {
        interval,
        refresher,
        params,
    })
}

/// Parses a Min-SE value; generic parameters are kept.
pub(super) fn min_se(value: &str) -> crate::Result<MinSe> {
    let (value, params) = delta_and_params(HeaderName::MinSe, value)?;
    Ok(MinSe { value, params })
}

/// Everything RFC 4028 reads from one request or response.
///
/// Built by [`TimerHeaders::parse`] from the message's header pairs. Headers
/// that RFC 4028 does not use are skipped without being looked at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerHeaders {
    /// Session-Expires (or `x`), if present.
    pub session_expires: Option<SessionExpires>,
    /// Min-SE, if present.
    pub min_se: Option<MinSe>,
    /// `timer` is listed in Supported (or `k`).
    pub supported_timer: bool,
    /// `timer` is listed in Require.
    pub require_timer: bool,
    /// `timer` is listed in Proxy-Require.
    pub proxy_require_timer: bool,
    /// `timer` is listed in Unsupported (a 420 to our `Require: timer`).
    pub unsupported_timer: bool,
    /// `None` when there is no Allow header; otherwise whether it lists UPDATE.
    pub allow_update: Option<bool>,
}

impl TimerHeaders {
    /// Reads the session-timer headers from a message's `(name, value)` pairs.
    ///
    /// Several rows of Supported, Require, Proxy-Require and Allow are merged
    /// (they are lists, RFC 3261 section 7.3.1). Session-Expires and Min-SE are
    /// not lists: a second row or a comma list is malformed (checklist P11).
    ///
    /// # Errors
    /// [`Error::MalformedHeader`] naming the header and the reason; a UAS or
    /// proxy answers it with 400 ([`Error::status_code`]).
    pub fn parse<I, N, V>(headers: I) -> crate::Result<Self>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        let mut out = TimerHeaders::default();
        for (name, value) in headers {
            let Some(header) = HeaderName::classify(name.as_ref()) else {
                continue;
            };
            out.read(header, value.as_ref())?;
        }
        Ok(out)
    }

    /// Reads one header row of a known name into `self`.
    pub fn read(&mut self, header: HeaderName, value: &str) -> crate::Result<()> {
        let duplicated = || Error::malformed(header, HeaderProblem::Duplicated);
        match header {
            HeaderName::SessionExpires => {
                if self.session_expires.is_some() {
                    return Err(duplicated());
                }
                self.session_expires = Some(session_expires(value)?);
            }
            HeaderName::MinSe => {
                if self.min_se.is_some() {
                    return Err(duplicated());
                }
                self.min_se = Some(min_se(value)?);
            }
            HeaderName::Supported => self.supported_timer |= option_list_contains(value, TIMER_TAG),
            HeaderName::Require => self.require_timer |= option_list_contains(value, TIMER_TAG),
            HeaderName::ProxyRequire => {
                self.proxy_require_timer |= option_list_contains(value, TIMER_TAG)
            }
            HeaderName::Unsupported => {
                self.unsupported_timer |= option_list_contains(value, TIMER_TAG)
            }
            HeaderName::Allow => {
                let lists = option_list_contains(value, "UPDATE");
                self.allow_update = Some(self.allow_update.unwrap_or(false) | lists);
            }
        }
        Ok(())
    }

    /// [`TimerHeaders::read`] of a value given as bytes: one that is not
    /// UTF-8 is malformed (400, [`HeaderProblem::NotUtf8`]). A row whose name
    /// is not UTF-8 is no header this crate reads ([`HeaderName::classify`]
    /// of its text finds none), so its value need not be read at all.
    ///
    /// # Errors
    /// As [`TimerHeaders::read`].
    pub fn read_bytes(&mut self, header: HeaderName, value: &[u8]) -> crate::Result<()> {
        match std::str::from_utf8(value) {
            Ok(value) => self.read(header, value),
            Err(_) => Err(Error::malformed(header, HeaderProblem::NotUtf8)),
        }
    }

    /// Whether the sender signals support for session timers: `timer` in
    /// Supported, or in Require (which implies support).
    pub fn supports_timer(&self) -> bool {
        self.supported_timer || self.require_timer
    }

    /// The Min-SE in force for this message: the header's value, at least 90;
    /// 90 when absent (RFC 4028 section 5).
    pub fn effective_min_se(&self) -> u32 {
        self.min_se
            .as_ref()
            .map_or(crate::policy::RFC_MIN_SE, MinSe::effective)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_linear_white_space_at_the_ends_only() {
        assert_eq!(trim_lws(" \t1800 ;x\r\n "), "1800 ;x");
        assert_eq!(trim_lws(" \r\n\t "), "");
        assert_eq!(trim_lws(""), "");
        assert_eq!(
            trim_lws("\u{a0}1\u{a0}"),
            "\u{a0}1\u{a0}",
            "only SP, HTAB, CR, LF"
        );
        assert_eq!(trim_lws_bytes(b" timer "), b"timer");
    }

    fn se(v: &str) -> crate::Result<SessionExpires> {
        session_expires(v)
    }

    fn problem(r: crate::Result<impl std::fmt::Debug>) -> HeaderProblem {
        match r {
            Err(Error::MalformedHeader { problem, .. }) => problem,
            other => panic!("expected a malformed header, got {other:?}"),
        }
    }

    #[test]
    fn checklist_p1_plain_value() {
        assert_eq!(se("1800").unwrap(), SessionExpires::new(1800, None));
    }

    #[test]
    fn checklist_p2_compact_form_with_refresher() {
        let h = TimerHeaders::parse([("x", "1800;refresher=uac")]).unwrap();
        assert_eq!(
            h.session_expires,
            Some(SessionExpires::new(1800, Some(Refresher::Uac)))
        );
    }

    #[test]
    fn checklist_p3_case_and_whitespace() {
        let h = TimerHeaders::parse([("SESSION-EXPIRES ", "  1800 ; Refresher = UAS")]).unwrap();
        assert_eq!(
            h.session_expires,
            Some(SessionExpires::new(1800, Some(Refresher::Uas)))
        );
    }

    #[test]
    fn checklist_p4_folded_value() {
        assert_eq!(
            se("\r\n 1800;refresher=uac").unwrap(),
            SessionExpires::new(1800, Some(Refresher::Uac))
        );
        assert_eq!(
            se("1800\r\n\t;refresher=uac").unwrap().refresher,
            Some(Refresher::Uac)
        );
    }

    #[test]
    fn checklist_p5_generic_params_kept() {
        let v = se("1800;refresher=uac;foo=bar;baz").unwrap();
        assert_eq!(v.refresher, Some(Refresher::Uac));
        assert_eq!(v.params.len(), 2);
        assert_eq!(v.to_string(), "1800;refresher=uac;foo=bar;baz");
        let quoted = se("1800;note=\"a;b, c\"").unwrap();
        assert_eq!(quoted.params[0].value(), Some("\"a;b, c\""));
    }

    #[test]
    fn checklist_p6_leading_zeros() {
        assert_eq!(se("0090").unwrap().interval, 90);
    }

    #[test]
    fn checklist_p7_duplicated_refresher_is_malformed() {
        assert_eq!(
            problem(se("1800;refresher=uac;refresher=uas")),
            HeaderProblem::DuplicatedParameter {
                name: "refresher".into()
            }
        );
    }

    #[test]
    fn checklist_p8_unknown_refresher_counts_as_absent() {
        let v = se("1800;refresher=xyz").unwrap();
        assert_eq!(v.refresher, None);
        assert_eq!(v.to_string(), "1800;refresher=xyz");
    }

    #[test]
    fn checklist_p9_not_delta_seconds() {
        for bad in ["abc", "-5", "18.5", "1e3", "1800 900", ";refresher=uac"] {
            assert!(
                matches!(problem(se(bad)), HeaderProblem::NotDeltaSeconds { .. }),
                "{bad}"
            );
        }
        assert_eq!(problem(se("")), HeaderProblem::Empty);
        assert_eq!(problem(se(" \r\n ")), HeaderProblem::Empty);
    }

    #[test]
    fn checklist_p10_huge_value_saturates() {
        assert_eq!(se("99999999999999999999").unwrap().interval, u32::MAX);
        assert_eq!(se("4294967295").unwrap().interval, u32::MAX);
        assert_eq!(se("4294967294").unwrap().interval, u32::MAX - 1);
    }

    #[test]
    fn checklist_p11_two_rows_or_a_list_are_malformed() {
        let two = TimerHeaders::parse([("Session-Expires", "1800"), ("x", "900")]);
        assert_eq!(problem(two), HeaderProblem::Duplicated);
        assert_eq!(problem(se("1800, 900")), HeaderProblem::ListNotAllowed);
        assert_eq!(
            problem(se("1800;refresher=uac, 900")),
            HeaderProblem::ListNotAllowed
        );
    }

    #[test]
    fn checklist_p12_min_se_params() {
        let h = TimerHeaders::parse([("Min-SE", "90;foo=1")]).unwrap();
        assert_eq!(h.min_se.as_ref().unwrap().value, 90);
        assert_eq!(h.min_se.unwrap().to_string(), "90;foo=1");
    }

    #[test]
    fn checklist_p13_min_se_below_90_counts_as_90() {
        let h = TimerHeaders::parse([("Min-SE", "60")]).unwrap();
        assert_eq!(h.min_se.as_ref().unwrap().value, 60);
        assert_eq!(h.effective_min_se(), 90);
        assert_eq!(TimerHeaders::default().effective_min_se(), 90);
    }

    #[test]
    fn checklist_p14_small_value_parses() {
        assert_eq!(se("30").unwrap().interval, 30);
    }

    #[test]
    fn checklist_p15_compact_min_se_is_unknown() {
        let h = TimerHeaders::parse([("y", "90")]).unwrap();
        assert_eq!(h.min_se, None);
    }

    #[test]
    fn checklist_p16_compact_supported_any_case() {
        let h = TimerHeaders::parse([("k", "TIMER")]).unwrap();
        assert!(h.supported_timer);
    }

    #[test]
    fn option_lists_merge_across_rows() {
        let h = TimerHeaders::parse([
            ("Supported", "100rel"),
            ("Supported", " replaces , timer "),
            ("Require", "100rel"),
            ("Allow", "INVITE, ACK"),
            ("Allow", "UPDATE"),
        ])
        .unwrap();
        assert!(h.supported_timer && !h.require_timer);
        assert_eq!(h.allow_update, Some(true));
        assert!(!option_list_contains("timers, xtimer", "timer"));
    }

    #[test]
    fn allow_without_update() {
        let h = TimerHeaders::parse([("Allow", "INVITE, ACK, BYE")]).unwrap();
        assert_eq!(h.allow_update, Some(false));
        assert_eq!(TimerHeaders::default().allow_update, None);
    }

    #[test]
    fn bad_params_are_rejected() {
        for bad in [
            "1800;",
            "1800;;a",
            "1800;=x",
            "1800;a=",
            "1800;a b=c",
            "1800;a=\"open",
        ] {
            assert!(
                matches!(problem(se(bad)), HeaderProblem::BadParameter { .. }),
                "{bad}"
            );
        }
    }

    #[test]
    fn rfc3261_s25_1_quoted_strings_are_checked_so_nothing_read_injects_a_header() {
        // A control character, an unescaped quote, an escaped closing quote,
        // or a line break that is not folding inside quotes never comes back out.
        for bad in [
            "1800;a=\"x\0y\"",
            "1800;a=\"x\x7fy\"",
            "1800;a=\"x\x1by\"",
            "1800;a=\"x\"y\"",
            "1800;a=\"x\\\"",
            "1800;a=\"x\\\r\n y\"",
            "1800;a=\"",
        ] {
            assert!(
                matches!(problem(se(bad)), HeaderProblem::BadParameter { .. }),
                "{bad:?}"
            );
        }
        // Folding (or a bare CR or LF) inside quotes reads as one space
        // (RFC 3261 section 7.3.1), so the value written back is one line.
        for (folded, unfolded) in [
            ("1800;a=\"x \r\n\t y\"", "\"x y\""),
            ("1800;a=\"x\r\nVia: evil\"", "\"x Via: evil\""),
            ("1800;a=\"x\ny\"", "\"x y\""),
            ("1800;a=\"\\\"\"", "\"\\\"\""),
            ("1800;a=\"caf\u{e9}\tok\"", "\"caf\u{e9}\tok\""),
        ] {
            let value = se(folded).unwrap();
            assert_eq!(value.params[0].value(), Some(unfolded), "{folded:?}");
            let written = value.to_string();
            assert!(!written.contains(['\r', '\n', '\0']), "{written:?}");
            assert_eq!(se(&written).unwrap(), value);
        }
    }

    #[test]
    fn limits_are_enforced() {
        let long = format!("1800;a={}", "b".repeat(MAX_HEADER_VALUE_LEN));
        assert!(matches!(problem(se(&long)), HeaderProblem::TooLong { .. }));
        let many: String = (0..=MAX_PARAMS).map(|i| format!(";p{i}")).collect();
        assert!(matches!(
            problem(se(&format!("90{many}"))),
            HeaderProblem::TooManyParameters { .. }
        ));
    }

    #[test]
    fn error_names_header_and_reason() {
        let err = TimerHeaders::parse([("Min-SE", "abc")]).unwrap_err();
        assert_eq!(err.status_code(), Some(400));
        let text = err.to_string();
        assert!(
            text.contains("Min-SE") && text.contains("delta-seconds"),
            "{text}"
        );
    }
}
