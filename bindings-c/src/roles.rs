//! Settings and the four roles: `sst_uas`, `sst_uac`, `sst_proxy`, `sst_b2bua`.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

use core_st::{B2bua, HeaderEdits, Policy, Proxy, ProxyRequestDecision, Uac, Uas, UasDecision};

use crate::boundary::{check_out, get, get_mut, get_opt, hand_out, put, take_back, text, OutBuf};
use crate::headers::sst_headers;
use crate::result::{sst_result, OrCode};
use crate::session::sst_session;
use crate::types::{
    sst_bool, sst_decision, sst_decision_kind, sst_leg, sst_method, sst_policy, sst_refresh_kind,
    sst_refresher, sst_timer,
};

/// Writes a UAS decision: its headers to `buf`, then the decision to `out`.
pub fn write_decision(
    decision: UasDecision,
    out: *mut sst_decision,
    buf: &OutBuf,
) -> Result<(), sst_result> {
    let (c, headers) = match decision {
        UasDecision::Accept { headers, timer } => (
            sst_decision {
                kind: sst_decision_kind::Accept as u32,
                status: 200,
                has_timer: timer.is_some().into(),
                timer: timer.map(sst_timer::from_core).unwrap_or_default(),
            },
            headers,
        ),
        UasDecision::Reject { status, headers } => (
            sst_decision::plain(sst_decision_kind::Reject, status),
            headers,
        ),
        UasDecision::NotARefresh => (
            sst_decision::plain(sst_decision_kind::NotARefresh, 0),
            HeaderEdits::default(),
        ),
    };
    write_with_headers(c, &headers, out, buf)
}

/// Writes `headers` as lines to `buf`, then `value` to `out`.
pub fn write_with_headers<T>(
    value: T,
    headers: &HeaderEdits,
    out: *mut T,
    buf: &OutBuf,
) -> Result<(), sst_result> {
    check_out(out, "out")?;
    buf.write_header_lines(headers)?;
    put(out, value, "out")
}

/// A policy argument: NULL means the RFC's defaults.
pub fn policy_arg(policy: *const sst_policy) -> Result<Policy, sst_result> {
    get_opt(policy).map_or(Ok(Policy::RFC), sst_policy::to_core)
}

/// The RFC's defaults.
#[no_mangle]
pub extern "C" fn sst_policy_default(out: *mut sst_policy) -> sst_result {
    ffi_boundary!({ put(out, sst_policy::from_core(&Policy::RFC), "out") })
}

/// A vendor preset by name: `rfc4028`, `cisco-cube`, `cisco-cucm`,
/// `dialogic-img2020`, `sofia-sip`.
#[no_mangle]
pub extern "C" fn sst_policy_preset(
    name: *const c_char,
    name_len: usize,
    out: *mut sst_policy,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let policy = Policy::preset(text(name, name_len, "name")?).or_code()?;
        put(out, sst_policy::from_core(&policy), "out")
    })
}

/// Checks a policy against the RFC and itself.
#[no_mangle]
pub extern "C" fn sst_policy_validate(policy: *const sst_policy) -> sst_result {
    ffi_boundary!({ get(policy, "policy")?.to_core()?.validate().or_code() })
}

/// A UAS (RFC 4028 section 9; opaque). Immutable: may be shared between threads.
pub struct sst_uas(pub(crate) Uas);

/// A UAS with `policy` (NULL: the RFC's defaults).
#[no_mangle]
pub extern "C" fn sst_uas_new(policy: *const sst_policy, out: *mut *mut sst_uas) -> sst_result {
    ffi_boundary!({ hand_out(sst_uas(Uas::new(policy_arg(policy)?).or_code()?), out) })
}

/// Frees a UAS; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_uas_free(uas: *mut sst_uas) {
    take_back(uas);
}

/// The answer to a request with `method` (`sst_method`); `current` is the
/// timer in force for a mid-dialog request (NULL for an initial INVITE).
#[no_mangle]
pub extern "C" fn sst_uas_decide(
    uas: *const sst_uas,
    method: u32,
    request: *const sst_headers,
    current: *const sst_timer,
    out: *mut sst_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let uas = get(uas, "uas")?;
        let request = get(request, "request")?;
        let method = sst_method::core(method)?;
        let current = get_opt(current).map(|t| t.to_core()).transpose()?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        let decision = uas.0.decide(method, &request.inner, current.as_ref());
        write_decision(decision, out, &buf)
    })
}

/// A UAC (RFC 4028 section 7; opaque). Keeps 422 retries: one thread at a time.
pub struct sst_uac(pub(crate) Uac);

/// A UAC with `policy` (NULL: defaults); `offer` overrides the interval asked
/// for (0: the policy's).
#[no_mangle]
pub extern "C" fn sst_uac_new(
    policy: *const sst_policy,
    offer: u32,
    out: *mut *mut sst_uac,
) -> sst_result {
    ffi_boundary!({
        let policy = policy_arg(policy)?;
        let uac = match offer {
            0 => Uac::new(policy),
            offer => Uac::with_offer(policy, Some(offer)),
        };
        hand_out(sst_uac(uac.or_code()?), out)
    })
}

/// Frees a UAC; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_uac_free(uac: *mut sst_uac) {
    take_back(uac);
}

/// The session-timer header lines of the (next) INVITE.
#[no_mangle]
pub extern "C" fn sst_uac_request(
    uac: *const sst_uac,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let request = get(uac, "uac")?.0.request();
        OutBuf::new(buf, buf_len, out_len)?.write_header_lines(&request)
    })
}

/// Runs a UAC retry step on a copy, and keeps it only when its header lines
/// fit the caller's buffer (a retry that was not handed out was not sent).
fn uac_retry(
    uac: *mut sst_uac,
    response: *const sst_headers,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    step: impl FnOnce(&mut Uac, &core_st::TimerHeaders) -> Result<HeaderEdits, sst_result>,
) -> Result<(), sst_result> {
    let uac = get_mut(uac, "uac")?;
    let response = get(response, "response")?;
    let buf = OutBuf::new(buf, buf_len, out_len)?;
    let mut trial = uac.0.clone();
    let edits = step(&mut trial, &response.inner)?;
    buf.write_header_lines(&edits)?;
    uac.0 = trial;
    Ok(())
}

/// A 422 arrived: the header lines of the retried INVITE (section 7.3).
#[no_mangle]
pub extern "C" fn sst_uac_on_422(
    uac: *mut sst_uac,
    response: *const sst_headers,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        uac_retry(uac, response, buf, buf_len, out_len, |uac, r| {
            uac.on_422(r).or_code()
        })
    })
}

/// A 420 naming `timer` arrived: the header lines of a retry without
/// `Require: timer`; `SST_RESULT_NONE` when retrying is pointless.
#[no_mangle]
pub extern "C" fn sst_uac_on_420(
    uac: *mut sst_uac,
    response: *const sst_headers,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        uac_retry(uac, response, buf, buf_len, out_len, |uac, r| {
            uac.on_420(r).ok_or(sst_result::None)
        })
    })
}

/// The timer a 2xx to our INVITE settles on; `SST_RESULT_NONE`: no expiration.
#[no_mangle]
pub extern "C" fn sst_uac_on_2xx(
    uac: *const sst_uac,
    response: *const sst_headers,
    out: *mut sst_timer,
) -> sst_result {
    ffi_boundary!({
        let uac = get(uac, "uac")?;
        check_out(out, "out")?;
        match uac.0.on_2xx(&get(response, "response")?.inner) {
            Some(timer) => put(out, sst_timer::from_core(timer), "out"),
            None => Err(sst_result::None),
        }
    })
}

/// The dialog's session once the 2xx arrived at `now_ms`. Free it with
/// `sst_session_free` (or hand it to `sst_engine_establish`, which copies it).
#[no_mangle]
pub extern "C" fn sst_uac_establish(
    uac: *const sst_uac,
    response: *const sst_headers,
    now_ms: u64,
    out: *mut *mut sst_session,
) -> sst_result {
    ffi_boundary!({
        let session = get(uac, "uac")?
            .0
            .establish(&get(response, "response")?.inner, now_ms);
        hand_out(sst_session(session), out)
    })
}

/// The dialog's session once the 2xx to the initial `request` went out at
/// `now_ms`, with the timer of the accepting decision (`timer`: NULL when the
/// decision has none, i.e. `has_timer` is 0). What the request showed is kept
/// (timer support, UPDATE in Allow, its Min-SE), so the session refreshes by
/// UPDATE when the peer allows it. Free it with `sst_session_free` (or hand
/// it to `sst_engine_establish`, which copies it).
#[no_mangle]
pub extern "C" fn sst_uas_establish(
    uas: *const sst_uas,
    request: *const sst_headers,
    timer: *const sst_timer,
    now_ms: u64,
    out: *mut *mut sst_session,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let uas = get(uas, "uas")?;
        let request = get(request, "request")?;
        let timer = get_opt(timer).map(|t| t.to_core()).transpose()?;
        let session = uas.0.establish(&request.inner, timer, now_ms).or_code()?;
        hand_out(sst_session(session), out)
    })
}

/// What a proxy keeps of a forwarded request until its final response.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct sst_proxy_transaction {
    /// The forwarded request asked for a session timer.
    pub requested: sst_bool,
    /// The UAC supports timers.
    pub uac_supports: sst_bool,
    /// The interval forwarded; 0: none.
    pub interval: u32,
}

/// The session a 2xx sets up, as a proxy sees it (section 8.2).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct sst_proxy_timer {
    /// The session interval; 0: the session does not expire. The proxy's
    /// expiration is the time the 2xx is forwarded plus this (PX-23).
    pub interval: u32,
    /// An `sst_refresher`: the 2xx's `refresher`, or UAC when the proxy
    /// filled the 2xx in (PX-21).
    pub refresher: u32,
}

/// A proxy (RFC 4028 section 8; opaque). Immutable: may be shared between threads.
pub struct sst_proxy(Proxy);

/// A proxy with `policy` (NULL: the RFC's defaults).
#[no_mangle]
pub extern "C" fn sst_proxy_new(policy: *const sst_policy, out: *mut *mut sst_proxy) -> sst_result {
    ffi_boundary!({ hand_out(sst_proxy(Proxy::new(policy_arg(policy)?).or_code()?), out) })
}

/// Frees a proxy; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_proxy_free(proxy: *mut sst_proxy) {
    take_back(proxy);
}

/// A request to forward: `out->kind` is FORWARD (set the header lines on the
/// forwarded request, keep `*transaction`) or REJECT (answer `out->status`
/// with them: 422 with Min-SE, or, with timers off, 420 with `Unsupported:
/// timer` to `Proxy-Require: timer`).
#[no_mangle]
pub extern "C" fn sst_proxy_on_request(
    proxy: *const sst_proxy,
    method: u32,
    request: *const sst_headers,
    out: *mut sst_decision,
    transaction: *mut sst_proxy_transaction,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let proxy = get(proxy, "proxy")?;
        let method = sst_method::core(method)?;
        let request = get(request, "request")?;
        check_out(transaction, "transaction")?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        match proxy.0.on_request(method, &request.inner) {
            ProxyRequestDecision::Forward {
                headers: edits,
                transaction: t,
            } => {
                let forward = sst_decision::plain(sst_decision_kind::Forward, 0);
                write_with_headers(forward, &edits, out, &buf)?;
                let kept = sst_proxy_transaction {
                    requested: t.requested.into(),
                    uac_supports: t.uac_supports.into(),
                    interval: t.interval.unwrap_or(0),
                };
                put(transaction, kept, "transaction")
            }
            ProxyRequestDecision::Reject { status, headers } => {
                let reject = sst_decision::plain(sst_decision_kind::Reject, status);
                write_with_headers(reject, &headers, out, &buf)
            }
        }
    })
}

/// The 2xx of a transaction: header lines to set on it, and the session it
/// sets up (`out->interval` = 0: the session does not expire).
#[no_mangle]
pub extern "C" fn sst_proxy_on_2xx(
    proxy: *const sst_proxy,
    transaction: *const sst_proxy_transaction,
    response: *const sst_headers,
    out: *mut sst_proxy_timer,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let proxy = get(proxy, "proxy")?;
        let t = get(transaction, "transaction")?;
        let t = core_st::ProxyTransaction {
            requested: t.requested.get(),
            uac_supports: t.uac_supports.get(),
            interval: (t.interval != 0).then_some(t.interval),
        };
        let response = get(response, "response")?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        let decision = proxy.0.on_2xx(&t, &response.inner);
        let timer = sst_proxy_timer {
            interval: decision.interval.unwrap_or(0),
            refresher: sst_refresher::raw(decision.refresher),
        };
        write_with_headers(timer, &decision.headers, out, &buf)
    })
}

/// A back-to-back UA with a policy per leg (opaque). Immutable: may be shared
/// between threads.
pub struct sst_b2bua(B2bua);

/// A B2BUA; NULL policies mean the RFC's defaults.
#[no_mangle]
pub extern "C" fn sst_b2bua_new(
    inbound: *const sst_policy,
    outbound: *const sst_policy,
    out: *mut *mut sst_b2bua,
) -> sst_result {
    ffi_boundary!({
        let b2bua = B2bua::new(policy_arg(inbound)?, policy_arg(outbound)?).or_code()?;
        hand_out(sst_b2bua(b2bua), out)
    })
}

/// The final status the inbound caller gets when the outbound INVITE failed
/// with `outbound` (0: no response): 503 for a session-timer failure of the
/// outbound leg alone (420, 421, 422) or no response, 502 for a 2xx that
/// could not be used, any other status as it is.
#[no_mangle]
pub extern "C" fn sst_b2bua_inbound_status(outbound: u16, out: *mut u16) -> sst_result {
    ffi_boundary!({
        let status = B2bua::inbound_status((outbound != 0).then_some(outbound));
        put(out, status, "out")
    })
}

/// Frees a B2BUA; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_b2bua_free(b2bua: *mut sst_b2bua) {
    take_back(b2bua);
}

/// The UAS answering the inbound INVITE (free it with `sst_uas_free`).
#[no_mangle]
pub extern "C" fn sst_b2bua_inbound_uas(
    b2bua: *const sst_b2bua,
    out: *mut *mut sst_uas,
) -> sst_result {
    ffi_boundary!({ hand_out(sst_uas(get(b2bua, "b2bua")?.0.inbound_uas()), out) })
}

/// The UAC of the outbound INVITE, given the inbound INVITE (free it with `sst_uac_free`).
#[no_mangle]
pub extern "C" fn sst_b2bua_outbound_uac(
    b2bua: *const sst_b2bua,
    inbound_request: *const sst_headers,
    out: *mut *mut sst_uac,
) -> sst_result {
    ffi_boundary!({
        let request = &get(inbound_request, "inbound_request")?.inner;
        hand_out(sst_uac(get(b2bua, "b2bua")?.0.outbound_uac(request)), out)
    })
}

/// An in-dialog re-INVITE or UPDATE on `leg` (`sst_leg`) of kind `kind`
/// (`sst_refresh_kind`): a UAS decision when the leg consumes it (answer it
/// there), or `out->kind` RELAY.
#[no_mangle]
pub extern "C" fn sst_b2bua_on_in_dialog_request(
    b2bua: *const sst_b2bua,
    leg: u32,
    session: *mut sst_session,
    method: u32,
    request: *const sst_headers,
    kind: u32,
    out: *mut sst_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let b2bua = get(b2bua, "b2bua")?;
        let (leg, kind) = (sst_leg::core(leg)?, sst_refresh_kind::core(kind)?);
        let method = sst_method::core(method)?;
        let request = get(request, "request")?;
        let session = get_mut(session, "session")?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        check_out(out, "out")?;
        let mut trial = session.0;
        match b2bua
            .0
            .on_in_dialog_request(leg, &mut trial, method, &request.inner, kind)
        {
            core_st::InDialogAction::Consume(decision) => {
                write_decision(decision, out, &buf)?;
                session.0 = trial;
                Ok(())
            }
            core_st::InDialogAction::Relay => {
                let relay = sst_decision::plain(sst_decision_kind::Relay, 0);
                write_with_headers(relay, &HeaderEdits::default(), out, &buf)
            }
        }
    })
}

/// Whether a re-INVITE or UPDATE with SDP `body` only refreshes the session,
/// given the SDP in force on that leg; writes an `sst_refresh_kind`.
#[no_mangle]
pub extern "C" fn sst_classify_refresh(
    method: u32,
    body: *const c_char,
    body_len: usize,
    in_force: *const c_char,
    in_force_len: usize,
    out: *mut u32,
) -> sst_result {
    ffi_boundary!({
        let method = sst_method::core(method)?;
        let body = (!body.is_null())
            .then(|| text(body, body_len, "body"))
            .transpose()?;
        let in_force = text(in_force, in_force_len, "in_force")?;
        let origin = core_st::SdpOrigin::parse(in_force);
        let kind = core_st::classify_refresh(method, body, origin.as_ref());
        put(out, sst_refresh_kind::raw(kind), "out")
    })
}
