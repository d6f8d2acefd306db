//! The C API fed arbitrary bytes, as a PBX module would pass them from the
//! wire or from its store: raw messages, header rows (not necessarily UTF-8),
//! policies with any field values, snapshots, and output buffers of any size.
//! No call may end in `SST_RESULT_PANIC` (a panic caught at the boundary is
//! still a bug), and every handle is freed.
#![no_main]

use std::ffi::c_char;
use std::ptr;

use libfuzzer_sys::fuzz_target;
use sessiontimer_c::engine::{
    sst_action, sst_engine, sst_engine_config, sst_engine_config_default, sst_engine_free,
    sst_engine_next_deadline, sst_engine_poll, sst_engine_restore,
};
use sessiontimer_c::headers::{
    sst_headers, sst_headers_free, sst_headers_from_message, sst_headers_new,
};
use sessiontimer_c::roles::{
    sst_proxy, sst_proxy_free, sst_proxy_new, sst_proxy_on_request, sst_proxy_transaction, sst_uac,
    sst_uac_free, sst_uac_new, sst_uac_on_420, sst_uac_on_422, sst_uas, sst_uas_decide,
    sst_uas_free, sst_uas_new,
};
use sessiontimer_c::session::{sst_session, sst_session_free, sst_session_from_bytes};
use sessiontimer_c::sst_result;
use sessiontimer_c::types::{sst_bool, sst_decision, sst_header, sst_policy, sst_timer};

fn ok(result: sst_result) -> bool {
    assert_ne!(result, sst_result::Panic, "a panic reached the C boundary");
    result == sst_result::Ok
}

/// After a call that wrote header lines: each is `Name: value` and ends in
/// CRLF, and nothing that came in split a line or started another header.
fn check_lines(buf: &[c_char], out_len: usize) {
    let bytes: Vec<u8> = buf[..out_len].iter().map(|&c| c as u8).collect();
    let text = std::str::from_utf8(&bytes).expect("header lines are UTF-8");
    assert!(text.is_empty() || text.ends_with("\r\n"), "{text:?}");
    for line in text.split_terminator("\r\n") {
        let (name, value) = line.split_once(": ").expect("Name: value");
        sessiontimer_fuzz::assert_well_formed(name, value);
    }
}

fn word(data: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = data.get(at + i).copied().unwrap_or(0);
    }
    u32::from_le_bytes(b)
}

/// A policy with any field values: small enum values most of the time, so
/// that valid policies come up too.
fn policy(data: &[u8]) -> sst_policy {
    let small = |at: usize| word(data, at) % 6;
    sst_policy {
        mode: small(0),
        session_expires: word(data, 4) % 4000,
        min_se: word(data, 8) % 2000,
        max_session_expires: word(data, 12) % 8000,
        refresher: small(16),
        refresh_method: small(20),
        bye_margin: small(24),
        max_422_retries: data.get(28).copied().unwrap_or(0),
        raise_unsupported_interval: sst_bool(data.get(29).copied().unwrap_or(0)),
        insert_on_outbound_leg: sst_bool(data.get(30).copied().unwrap_or(0)),
        consume_refreshes: sst_bool(data.get(31).copied().unwrap_or(0)),
        refresh_for_silent_peer: sst_bool(data.get(32).copied().unwrap_or(0)),
        accept_501_as_refreshed: sst_bool(data.get(33).copied().unwrap_or(0)),
    }
}

fn decision() -> sst_decision {
    sst_decision {
        kind: 0,
        status: 0,
        has_timer: sst_bool(0),
        timer: sst_timer::default(),
    }
}

fuzz_target!(|data: &[u8]| {
    let buf_len = usize::from(data.first().copied().unwrap_or(0));
    let mut buf = vec![0 as c_char; buf_len];
    let mut out_len = 0usize;
    let raw = data.get(1..).unwrap_or_default();

    // Header rows: each line split at its first colon, bytes as they are.
    let lines: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
    let rows: Vec<sst_header> = lines
        .iter()
        .map(|line| {
            let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
            let value = line.get(colon + 1..).unwrap_or_default();
            sst_header {
                name: line.as_ptr().cast(),
                name_len: colon,
                value: value.as_ptr().cast(),
                value_len: value.len(),
            }
        })
        .collect();
    let mut from_rows: *mut sst_headers = ptr::null_mut();
    let _ = ok(sst_headers_new(rows.as_ptr(), rows.len(), &mut from_rows));
    sst_headers_free(from_rows);

    let mut message: *mut sst_headers = ptr::null_mut();
    if ok(sst_headers_from_message(
        raw.as_ptr().cast(),
        raw.len(),
        &mut message,
    )) {
        let policy = policy(raw);
        let mut uas: *mut sst_uas = ptr::null_mut();
        if ok(sst_uas_new(&policy, &mut uas)) {
            for method in 0..4 {
                let mut out = decision();
                let current = sst_timer {
                    interval: word(raw, 32),
                    refresher: word(raw, 36) % 3,
                };
                let current = if method == 1 {
                    &current as *const sst_timer
                } else {
                    ptr::null()
                };
                if ok(sst_uas_decide(
                    uas,
                    method,
                    message,
                    current,
                    &mut out,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut out_len,
                )) {
                    check_lines(&buf, out_len);
                }
            }
        }
        sst_uas_free(uas);
        let mut uac: *mut sst_uac = ptr::null_mut();
        if ok(sst_uac_new(&policy, word(raw, 40) % 4000, &mut uac)) {
            for _ in 0..20 {
                if !ok(sst_uac_on_422(
                    uac,
                    message,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &mut out_len,
                )) {
                    break;
                }
                check_lines(&buf, out_len);
            }
            if ok(sst_uac_on_420(
                uac,
                message,
                buf.as_mut_ptr(),
                buf.len(),
                &mut out_len,
            )) {
                check_lines(&buf, out_len);
            }
        }
        sst_uac_free(uac);
        let mut proxy: *mut sst_proxy = ptr::null_mut();
        if ok(sst_proxy_new(&policy, &mut proxy)) {
            let mut out = decision();
            let mut transaction = sst_proxy_transaction {
                requested: sst_bool(0),
                uac_supports: sst_bool(2),
                interval: 0,
            };
            if ok(sst_proxy_on_request(
                proxy,
                0,
                message,
                &mut out,
                &mut transaction,
                buf.as_mut_ptr(),
                buf.len(),
                &mut out_len,
            )) {
                check_lines(&buf, out_len);
            }
        }
        sst_proxy_free(proxy);
    }
    sst_headers_free(message);

    let mut session: *mut sst_session = ptr::null_mut();
    ok(sst_session_from_bytes(
        raw.as_ptr(),
        raw.len(),
        &mut session,
    ));
    sst_session_free(session);

    let mut config: sst_engine_config = placeholder_config();
    ok(sst_engine_config_default(&mut config));
    config.max_sessions = 64;
    let mut engine: *mut sst_engine = ptr::null_mut();
    if ok(sst_engine_restore(
        &config,
        raw.as_ptr(),
        raw.len(),
        &mut engine,
    )) {
        let mut next = 0u64;
        let mut action = sst_action {
            key: 0,
            at_ms: 0,
            kind: 0,
            method: 0,
            reason: 0,
            status: 0,
        };
        for _ in 0..256 {
            if !ok(sst_engine_next_deadline(engine, &mut next)) {
                break;
            }
            let polled = ok(sst_engine_poll(
                engine,
                next,
                &mut action,
                buf.as_mut_ptr(),
                buf.len(),
                &mut out_len,
            ));
            // With no buffer, a refresh stays due: that is the documented answer.
            if !polled && buf.is_empty() {
                break;
            }
            if polled {
                check_lines(&buf, out_len);
            }
        }
    }
    sst_engine_free(engine);
});

/// A config to be overwritten by `sst_engine_config_default`.
fn placeholder_config() -> sst_engine_config {
    sst_engine_config {
        policy: policy(&[]),
        max_sessions: 0,
        refresh_jitter_ms: 0,
        retry_delay_ms: 0,
        max_refresh_retries: 0,
        seed: 0,
    }
}
