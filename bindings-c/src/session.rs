//! `sst_session`: one dialog's session-timer state, outside an engine.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

use core_st::Session;

use crate::boundary::{bytes, check_out, get, get_mut, get_opt, hand_out, put, take_back, OutBuf};
use crate::headers::sst_headers;
use crate::result::{sst_result, OrCode};
use crate::roles::{sst_uas, write_decision};
use crate::types::{sst_bye_margin, sst_decision, sst_method, sst_timer};

/// One dialog's session-timer state (opaque). One thread at a time.
pub struct sst_session(pub(crate) Session);

/// A dialog with no timer yet. `require_timer`: our initial request carried
/// `Require: timer`; `owns_call_id`: we placed the call.
#[no_mangle]
pub extern "C" fn sst_session_new(
    require_timer: bool,
    owns_call_id: bool,
    out: *mut *mut sst_session,
) -> sst_result {
    ffi_boundary!({
        let mut session = Session::new(require_timer);
        session.set_owns_call_id(owns_call_id);
        hand_out(sst_session(session), out)
    })
}

/// Frees a session; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_session_free(session: *mut sst_session) {
    take_back(session);
}

/// A 2xx to an INVITE or UPDATE was sent or received at `now_ms`: the timer
/// becomes `*timer` (NULL: no expiration) and restarts.
#[no_mangle]
pub extern "C" fn sst_session_apply(
    session: *mut sst_session,
    timer: *const sst_timer,
    now_ms: u64,
) -> sst_result {
    ffi_boundary!({
        let timer = get_opt(timer).map(|t| t.to_core()).transpose()?;
        get_mut(session, "session")?
            .0
            .apply(timer, now_ms)
            .or_code()
    })
}

/// Records what a message from the peer shows (timer support, UPDATE in Allow).
#[no_mangle]
pub extern "C" fn sst_session_note_peer(
    session: *mut sst_session,
    message: *const sst_headers,
) -> sst_result {
    ffi_boundary!({
        let message = get(message, "message")?;
        get_mut(session, "session")?.0.note_peer(&message.inner);
        Ok(())
    })
}

/// The timer in force; `SST_RESULT_NONE` when none runs.
#[no_mangle]
pub extern "C" fn sst_session_timer(
    session: *const sst_session,
    out: *mut sst_timer,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        match get(session, "session")?.0.timer() {
            Some(timer) => put(out, sst_timer::from_core(timer), "out"),
            None => Err(sst_result::None),
        }
    })
}

/// When we must send BYE if the peer does not refresh, with `margin`
/// (`sst_bye_margin`); `SST_RESULT_NONE` when we refresh or no timer runs.
#[no_mangle]
pub extern "C" fn sst_session_bye_at(
    session: *const sst_session,
    margin: u32,
    out: *mut u64,
) -> sst_result {
    ffi_boundary!({
        let margin = sst_bye_margin::core(margin)?;
        check_out(out, "out")?;
        match get(session, "session")?.0.bye_at_ms(margin) {
            Some(at) => put(out, at, "out"),
            None => Err(sst_result::None),
        }
    })
}

/// When we must refresh; `SST_RESULT_NONE` when the peer refreshes or no timer runs.
#[no_mangle]
pub extern "C" fn sst_session_refresh_at(session: *const sst_session, out: *mut u64) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        match get(session, "session")?.0.refresh_at_ms() {
            Some(at) => put(out, at, "out"),
            None => Err(sst_result::None),
        }
    })
}

/// A mid-dialog INVITE or UPDATE from the peer: the UAS decision given the
/// timer in force. Call `sst_session_apply` with its timer when the 2xx is sent.
#[no_mangle]
pub extern "C" fn sst_session_answer(
    session: *mut sst_session,
    uas: *const sst_uas,
    method: u32,
    request: *const sst_headers,
    out: *mut sst_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let session = get_mut(session, "session")?;
        let uas = get(uas, "uas")?;
        let method = sst_method::core(method)?;
        let request = get(request, "request")?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        let mut trial = session.0;
        write_decision(trial.answer(&uas.0, method, &request.inner), out, &buf)?;
        session.0 = trial;
        Ok(())
    })
}

/// The session as 22 bytes, for a store.
#[no_mangle]
pub extern "C" fn sst_session_to_bytes(
    session: *const sst_session,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let data = get(session, "session")?.0.to_bytes();
        OutBuf::new(buf.cast(), buf_len, out_len)?.write(&data)
    })
}

/// A session from `sst_session_to_bytes` bytes, every field checked.
#[no_mangle]
pub extern "C" fn sst_session_from_bytes(
    data: *const u8,
    len: usize,
    out: *mut *mut sst_session,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let session = Session::from_bytes(bytes(data, len, "data")?).or_code()?;
        hand_out(sst_session(session), out)
    })
}
