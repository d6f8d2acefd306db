//! What the fuzz targets share: turning fuzz bytes into a policy, a method and
//! a message, and the checks every decision must pass whatever the input.

use sessiontimer::{
    ByeMargin, HeaderEdits, Method, Mode, Policy, RefreshMethod, RefresherPreference, SipMessage,
    TimerHeaders, PRESETS,
};

/// A policy from four fuzz bytes: a preset with knobs turned, `None` when the
/// knobs make it invalid (validation refusing it is the behaviour under test
/// elsewhere).
pub fn policy(b: [u8; 4]) -> Option<Policy> {
    let mut p = PRESETS[usize::from(b[0]) % PRESETS.len()].policy;
    if b[1] & 0x80 != 0 {
        p.mode = [Mode::Off, Mode::Accept, Mode::Required, Mode::Originate][usize::from(b[1] & 3)];
        p.refresher = [
            RefresherPreference::Auto,
            RefresherPreference::Local,
            RefresherPreference::Remote,
            RefresherPreference::Uac,
            RefresherPreference::Uas,
        ][usize::from(b[1] >> 2 & 7) % 5];
        p.refresh_method =
            [RefreshMethod::Auto, RefreshMethod::ReInviteOnly][usize::from(b[1] >> 5 & 1)];
        p.bye_margin =
            [ByeMargin::Rfc, ByeMargin::OneTenth, ByeMargin::None][usize::from(b[1] >> 6 & 1)];
    }
    if b[2] != 0 {
        p.min_se = 90 * u32::from(b[2]);
        p.session_expires = p.min_se * (1 + u32::from(b[3] & 7));
        p.max_session_expires = (b[3] & 8 != 0).then_some(p.session_expires * 2);
    }
    p.raise_unsupported_interval ^= b[3] & 0x10 != 0;
    p.insert_on_outbound_leg ^= b[3] & 0x20 != 0;
    p.consume_refreshes ^= b[3] & 0x40 != 0;
    p.max_422_retries = b[3] >> 7;
    p.validate().ok().map(|()| p)
}

/// A method from one fuzz byte.
pub fn method(b: u8) -> Method {
    [Method::Invite, Method::Update, Method::Other][usize::from(b) % 3]
}

/// Splits fuzz input into `N` control bytes and the text of a SIP message.
pub fn split<const N: usize>(data: &[u8]) -> Option<([u8; N], &str)> {
    let control = data.get(..N)?.try_into().ok()?;
    let text = std::str::from_utf8(&data[N..]).ok()?;
    Some((control, text))
}

/// The message's header rows and session-timer headers, when it parses.
pub fn message(text: &str) -> Option<(Vec<(String, String)>, TimerHeaders)> {
    let message = SipMessage::parse(text).ok()?;
    let rows: Vec<(String, String)> = message
        .headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.to_string()))
        .collect();
    let headers = message.timer_headers().ok()?;
    assert_eq!(parse_rows(&rows).ok(), Some(headers.clone()));
    Some((rows, headers))
}

/// The checks on a decision's header edits: what the writer produces reads
/// back as exactly what it meant, whether written fresh or applied over the
/// peer's own rows (which parsed, so the result must parse too).
pub fn check_edits(edits: &HeaderEdits, peer_rows: &[(String, String)]) {
    let written = edits.to_rows();
    written.iter().for_each(|(n, v)| assert_well_formed(n, v));
    let lines = edits.to_header_lines();
    assert_eq!(lines.matches("\r\n").count(), written.len(), "{lines:?}");
    assert_eq!(lines.matches(['\r', '\n']).count(), 2 * written.len());
    let fresh = parse_rows(&written).expect("written headers parse");
    assert_read_back(edits, &fresh);

    let mut rows = peer_rows.to_vec();
    edits.apply(&mut rows);
    rows.iter()
        .filter(|row| !peer_rows.contains(row))
        .for_each(|(n, v)| assert_well_formed(n, v));
    let edited = parse_rows(&rows).expect("edited headers parse");
    assert_read_back(edits, &edited);
}

/// A row the library wrote is one header of RFC 3261 grammar: the name a
/// token, the value free of control characters (HTAB aside), so no byte that
/// came in can end the line or start another header.
pub fn assert_well_formed(name: &str, value: &str) {
    assert!(
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)),
        "header name {name:?}"
    );
    assert!(
        !value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f),
        "{name}: {value:?}"
    );
}

/// Reads owned header rows.
pub fn parse_rows(rows: &[(String, String)]) -> sessiontimer::Result<TimerHeaders> {
    TimerHeaders::parse(rows.iter().map(|(n, v)| (n, v)))
}

fn assert_read_back(edits: &HeaderEdits, read: &TimerHeaders) {
    if let Some(se) = &edits.session_expires {
        assert_eq!(read.session_expires.as_ref(), Some(se));
    }
    if let Some(min_se) = edits.min_se {
        assert_eq!(read.min_se.as_ref().map(|m| m.value), Some(min_se));
    }
    assert!(read.supported_timer || !edits.supported_timer);
    assert!(read.require_timer || !edits.require_timer);
    assert!(read.proxy_require_timer || !edits.proxy_require_timer);
    assert!(read.unsupported_timer || !edits.unsupported_timer);
}
