//! `sst_headers`: one message's session-timer headers, parsed once from rows
//! or from a raw SIP message, then passed to any decision.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

use core_st::{MessageSummary, TimerHeaders};

use crate::boundary::{array, bytes, check_out, get, hand_out, put, take_back};
use crate::result::{sst_result, OrCode};
use crate::types::{sst_header, sst_method};

/// One message's session-timer headers (opaque). Immutable once made: may be
/// read from several threads at once.
pub struct sst_headers {
    pub(crate) inner: TimerHeaders,
    method: Option<core_st::Method>,
    status: Option<u16>,
}

/// The parsed headers behind a handle that may be NULL (no headers).
pub fn headers_or_empty(ptr: *const sst_headers) -> TimerHeaders {
    crate::boundary::get_opt(ptr).map_or_else(TimerHeaders::default, |h| h.inner.clone())
}

/// Parses `count` header rows (names RFC 4028 does not use are skipped, read
/// or not: a name or value that is not UTF-8 there fails nothing). A
/// session-timer value that is not UTF-8 is MALFORMED_HEADER: answer 400.
/// Free the result with `sst_headers_free`.
#[no_mangle]
pub extern "C" fn sst_headers_new(
    rows: *const sst_header,
    count: usize,
    out: *mut *mut sst_headers,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let mut inner = TimerHeaders::default();
        for row in array(rows, count, "rows")? {
            let name = bytes(row.name.cast(), row.name_len, "header name")?;
            if let Some(header) = core_st::HeaderName::classify_bytes(name) {
                let value = bytes(row.value.cast(), row.value_len, "header value")?;
                inner.read_bytes(header, value).or_code()?;
            }
        }
        hand_out(
            sst_headers {
                inner,
                method: None,
                status: None,
            },
            out,
        )
    })
}

/// Parses a whole raw SIP message (start line, headers, blank line, body).
/// A byte that is not UTF-8 in a session-timer header is MALFORMED_HEADER
/// (answer 400); in any other header it is never read.
#[no_mangle]
pub extern "C" fn sst_headers_from_message(
    raw: *const c_char,
    len: usize,
    out: *mut *mut sst_headers,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let read = MessageSummary::read(bytes(raw.cast(), len, "raw")?).or_code()?;
        let parsed = sst_headers {
            inner: read.headers,
            method: read.method,
            status: read.status,
        };
        hand_out(parsed, out)
    })
}

/// The method of a raw request (`sst_method`); `SST_RESULT_NONE` for rows or a response.
#[no_mangle]
pub extern "C" fn sst_headers_method(headers: *const sst_headers, out: *mut u32) -> sst_result {
    ffi_boundary!({
        match get(headers, "headers")?.method {
            Some(method) => put(out, sst_method::raw(method), "out"),
            None => Err(sst_result::None),
        }
    })
}

/// The status of a raw response; `SST_RESULT_NONE` for rows or a request.
#[no_mangle]
pub extern "C" fn sst_headers_status(headers: *const sst_headers, out: *mut u16) -> sst_result {
    ffi_boundary!({
        match get(headers, "headers")?.status {
            Some(status) => put(out, status, "out"),
            None => Err(sst_result::None),
        }
    })
}

/// Session-Expires in seconds; `SST_RESULT_NONE` when absent.
#[no_mangle]
pub extern "C" fn sst_headers_session_expires(
    headers: *const sst_headers,
    out: *mut u32,
) -> sst_result {
    ffi_boundary!({
        match &get(headers, "headers")?.inner.session_expires {
            Some(se) => put(out, se.interval, "out"),
            None => Err(sst_result::None),
        }
    })
}

/// Whether the message lists `timer` in Supported or Require.
#[no_mangle]
pub extern "C" fn sst_headers_supports_timer(
    headers: *const sst_headers,
    out: *mut bool,
) -> sst_result {
    ffi_boundary!({ put(out, get(headers, "headers")?.inner.supports_timer(), "out") })
}

/// Frees headers from `sst_headers_new` or `sst_headers_from_message`; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_headers_free(headers: *mut sst_headers) {
    take_back(headers);
}
