//! Helpers shared by the integration tests.
#![allow(dead_code)]

use sessiontimer::{HeaderEdits, Negotiated, TimerHeaders, UasDecision};

/// Parses header pairs, panicking on malformed input (tests only).
pub fn msg(pairs: &[(&str, &str)]) -> TimerHeaders {
    TimerHeaders::parse(pairs.iter().copied()).expect("well-formed test headers")
}

/// The rows of an edit as (name, value) strings.
pub fn rows(edits: &HeaderEdits) -> Vec<(String, String)> {
    edits.to_rows()
}

/// The value of one header in an edit, if present.
pub fn value(edits: &HeaderEdits, name: &str) -> Option<String> {
    rows(edits)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// Unwraps an accepting UAS decision.
pub fn accepted(decision: UasDecision) -> (HeaderEdits, Option<Negotiated>) {
    match decision {
        UasDecision::Accept { headers, timer } => (headers, timer),
        other => panic!("expected a 2xx, got {other:?}"),
    }
}

/// Unwraps a rejecting UAS decision.
pub fn rejected(decision: UasDecision) -> (u16, HeaderEdits) {
    match decision {
        UasDecision::Reject { status, headers } => (status, headers),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Seconds to milliseconds.
pub const fn s(seconds: u64) -> u64 {
    seconds * 1000
}
