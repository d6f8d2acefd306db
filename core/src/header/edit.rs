//! The strict writer: the session-timer headers a message must carry, written
//! as exactly one Session-Expires, one Min-SE, and `timer` merged into existing
//! option-tag lists without duplicates.

use std::borrow::Cow;

use super::parse::{is_token, option_list_contains, trim_lws};
use super::{HeaderName, SessionExpires, TIMER_TAG};

/// `value` as text, in one allocation for the common `1800;refresher=uac`.
fn written(value: &impl std::fmt::Display) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(24);
    // Writing into a String never fails.
    let _ = write!(text, "{value}");
    text
}

/// The value of one row [`HeaderEdits`] writes.
#[derive(Clone, Copy)]
enum RowValue<'a> {
    SessionExpires(&'a SessionExpires),
    MinSe(u32),
    /// The `timer` option tag.
    Timer,
}

impl std::fmt::Display for RowValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowValue::SessionExpires(se) => se.fmt(f),
            RowValue::MinSe(seconds) => seconds.fmt(f),
            RowValue::Timer => f.write_str(TIMER_TAG),
        }
    }
}

/// The session-timer headers one outgoing message must carry.
///
/// A decision returns one of these. A host that builds the message from scratch
/// adds [`HeaderEdits::rows`] (or [`HeaderEdits::to_header_lines`]); a host that forwards or edits a message (a
/// proxy, a B2BUA) calls [`HeaderEdits::apply`] on its header list. Fields left
/// at their default leave the message alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct HeaderEdits {
    /// Set Session-Expires to this, replacing any row (long or compact form).
    pub session_expires: Option<SessionExpires>,
    /// Set Min-SE to this, replacing any row.
    pub min_se: Option<u32>,
    /// `timer` must be listed in Supported.
    pub supported_timer: bool,
    /// `timer` must be listed in Require.
    pub require_timer: bool,
    /// `timer` must be listed in Proxy-Require.
    pub proxy_require_timer: bool,
    /// `timer` must be listed in Unsupported (a 420 response).
    pub unsupported_timer: bool,
}

impl HeaderEdits {
    /// True when the message needs no session-timer header at all.
    pub fn is_empty(&self) -> bool {
        *self == HeaderEdits::default()
    }

    fn option_tags(&self) -> impl Iterator<Item = HeaderName> + '_ {
        [
            (self.supported_timer, HeaderName::Supported),
            (self.require_timer, HeaderName::Require),
            (self.proxy_require_timer, HeaderName::ProxyRequire),
            (self.unsupported_timer, HeaderName::Unsupported),
        ]
        .into_iter()
        .filter_map(|(wanted, name)| wanted.then_some(name))
    }

    /// The rows to add to a message that has none of these headers yet, in a
    /// stable order; a fixed value (`timer`) is borrowed, not allocated.
    pub fn rows(&self) -> impl Iterator<Item = (HeaderName, Cow<'static, str>)> + '_ {
        self.values().map(|(name, value)| {
            let value = match value {
                RowValue::Timer => Cow::Borrowed(TIMER_TAG),
                value => Cow::Owned(written(&value)),
            };
            (name, value)
        })
    }

    /// Each row's header and value, in the order of [`HeaderEdits::rows`].
    fn values(&self) -> impl Iterator<Item = (HeaderName, RowValue<'_>)> + '_ {
        let session_expires = self.session_expires.as_ref().map(RowValue::SessionExpires);
        let min_se = self.min_se.map(RowValue::MinSe);
        let rows = [
            session_expires.map(|v| (HeaderName::SessionExpires, v)),
            min_se.map(|v| (HeaderName::MinSe, v)),
        ];
        rows.into_iter()
            .flatten()
            .chain(self.option_tags().map(|h| (h, RowValue::Timer)))
    }

    /// The rows as SIP header lines, `Name: value` each ending in CRLF, ready to
    /// add to a message that has none of these headers yet (RFC 3261 section 7.3).
    pub fn to_header_lines(&self) -> String {
        let mut lines = String::with_capacity(96);
        // Writing into a String never fails.
        let _ = self.write_header_lines(&mut lines);
        lines
    }

    /// [`HeaderEdits::to_header_lines`] written into `out`, with no
    /// allocation of its own (a host's buffer, a C caller's).
    ///
    /// # Errors
    /// Only those of `out`.
    pub fn write_header_lines(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        self.values()
            .try_for_each(|(name, value)| write!(out, "{name}: {value}\r\n"))
    }

    /// [`HeaderEdits::rows`] as owned `(name, value)` strings, the shape
    /// [`HeaderEdits::apply`] edits.
    pub fn to_rows(&self) -> Vec<(String, String)> {
        self.rows()
            .map(|(name, value)| (name.as_str().to_owned(), value.into_owned()))
            .collect()
    }

    /// Applies the edits to a message's header list in place: any
    /// Session-Expires or `x` rows become one row (at the first one's place),
    /// likewise Min-SE; `timer` is added to the first Supported (or `k`), Require,
    /// Proxy-Require or Unsupported row unless a row lists it already, or a new row
    /// is appended. Other headers are not touched.
    pub fn apply(&self, headers: &mut Vec<(String, String)>) {
        if let Some(se) = &self.session_expires {
            replace_single(headers, HeaderName::SessionExpires, se.to_string());
        }
        if let Some(min_se) = self.min_se {
            replace_single(headers, HeaderName::MinSe, min_se.to_string());
        }
        for name in self.option_tags() {
            add_option_tag(headers, name, TIMER_TAG);
        }
    }
}

fn is(name: &str, header: HeaderName) -> bool {
    HeaderName::classify(name) == Some(header)
}

/// Leaves exactly one row of `header`, with `value`, where the first one was.
fn replace_single(headers: &mut Vec<(String, String)>, header: HeaderName, value: String) {
    let first = headers.iter().position(|(n, _)| is(n, header));
    match first {
        Some(i) => {
            headers[i] = (header.as_str().to_owned(), value);
            let mut index = 0;
            headers.retain(|(n, _)| {
                index += 1;
                index - 1 == i || !is(n, header)
            });
        }
        None => headers.push((header.as_str().to_owned(), value)),
    }
}

fn add_option_tag(headers: &mut Vec<(String, String)>, header: HeaderName, tag: &str) {
    let mut first = None;
    for (i, (name, value)) in headers.iter().enumerate() {
        if is(name, header) {
            if option_list_contains(value, tag) {
                return;
            }
            first.get_or_insert(i);
        }
    }
    match first {
        Some(i) => headers[i].1 = merge_option_tag(&headers[i].1, tag),
        None => headers.push((header.as_str().to_owned(), tag.to_owned())),
    }
}

/// `existing` with `tag` appended unless it is listed already (any case):
/// `merge_option_tag("100rel", "timer") == "100rel, timer"`.
///
/// The list is written anew from its items, so the row is always one
/// well-formed `option-tag` list (RFC 3261 section 20.37): white space and
/// folding around commas are tidied, and an item that is not a token (a stray
/// control character, a line break) is left out.
pub fn merge_option_tag(existing: &str, tag: &str) -> String {
    let mut merged = String::with_capacity(existing.len() + tag.len() + 2);
    let mut listed = false;
    let items = existing.split(',').map(trim_lws);
    for item in items.filter(|item| is_token(item)) {
        listed |= item.eq_ignore_ascii_case(tag);
        if !merged.is_empty() {
            merged.push_str(", ");
        }
        merged.push_str(item);
    }
    if !listed {
        if !merged.is_empty() {
            merged.push_str(", ");
        }
        merged.push_str(tag);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::Refresher;

    fn rows(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn header_lines_end_in_crlf() {
        let edits = HeaderEdits {
            session_expires: Some(SessionExpires::new(1800, Some(Refresher::Uac))),
            require_timer: true,
            ..Default::default()
        };
        assert_eq!(
            edits.to_header_lines(),
            "Session-Expires: 1800;refresher=uac\r\nRequire: timer\r\n"
        );
        assert_eq!(HeaderEdits::default().to_header_lines(), "");
    }

    #[test]
    fn merge_adds_once() {
        assert_eq!(merge_option_tag("100rel", "timer"), "100rel, timer");
        assert_eq!(merge_option_tag("100rel, TIMER", "timer"), "100rel, TIMER");
        assert_eq!(merge_option_tag("  ", "timer"), "timer");
    }

    #[test]
    fn rfc3261_s20_37_a_merged_option_list_is_one_well_formed_row() {
        // What came in cannot carry a second header into what goes out.
        assert_eq!(
            merge_option_tag("100rel\r\nVia: SIP/2.0/UDP evil, replaces", "timer"),
            "replaces, timer"
        );
        assert_eq!(
            merge_option_tag("a,\0,,b ,\r\n c", "timer"),
            "a, b, c, timer"
        );
        assert_eq!(merge_option_tag("x\r\n\ttimer", "timer"), "timer");
    }

    #[test]
    fn apply_keeps_one_session_expires_and_one_min_se() {
        let mut h = rows(&[
            ("Via", "SIP/2.0/UDP a"),
            ("x", "900"),
            ("Min-SE", "90"),
            ("Session-Expires", "1800"),
            ("min-se", "120"),
        ]);
        HeaderEdits {
            session_expires: Some(SessionExpires::new(1800, Some(Refresher::Uac))),
            min_se: Some(1800),
            ..Default::default()
        }
        .apply(&mut h);
        assert_eq!(
            h,
            rows(&[
                ("Via", "SIP/2.0/UDP a"),
                ("Session-Expires", "1800;refresher=uac"),
                ("Min-SE", "1800"),
            ])
        );
    }

    #[test]
    fn apply_merges_timer_without_duplicates() {
        // Checklist V67: `Require: 100rel` becomes `Require: 100rel, timer`.
        let mut h = rows(&[
            ("Require", "100rel"),
            ("k", "replaces"),
            ("Supported", "Timer"),
        ]);
        HeaderEdits {
            supported_timer: true,
            require_timer: true,
            proxy_require_timer: true,
            ..Default::default()
        }
        .apply(&mut h);
        assert_eq!(
            h,
            rows(&[
                ("Require", "100rel, timer"),
                ("k", "replaces"),
                ("Supported", "Timer"),
                ("Proxy-Require", "timer"),
            ])
        );
    }

    #[test]
    fn pairs_in_stable_order() {
        let e = HeaderEdits {
            session_expires: Some(SessionExpires::new(90, None)),
            min_se: Some(90),
            supported_timer: true,
            require_timer: true,
            ..Default::default()
        };
        let p: Vec<_> = e
            .rows()
            .map(|(n, v)| (n.as_str(), v.into_owned()))
            .collect();
        assert_eq!(
            p,
            vec![
                ("Session-Expires", "90".to_string()),
                ("Min-SE", "90".to_string()),
                ("Supported", "timer".to_string()),
                ("Require", "timer".to_string()),
            ]
        );
        assert!(HeaderEdits::default().is_empty());
    }
}
