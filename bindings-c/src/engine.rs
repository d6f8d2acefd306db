//! `sst_engine`: many sessions' deadlines and their refresh lifecycle.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

use core_st::{ActionKind, Engine, EngineConfig, Refreshed, Teardown, Uas};

use crate::boundary::{
    array, array_out, bytes, check_out, get, get_mut, get_opt, hand_out, put, take_back, OutBuf,
};
use crate::headers::{headers_or_empty, sst_headers};
use crate::result::{error_code, from_core, sst_result, OrCode};
use crate::roles::write_decision;
use crate::session::sst_session;
use crate::types::{sst_bool, sst_decision, sst_method, sst_policy, sst_timer};

/// Settings of an engine. Start from `sst_engine_config_default`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_engine_config {
    /// The policy of every session.
    pub policy: sst_policy,
    /// The most sessions the engine holds (below 2^31).
    pub max_sessions: usize,
    /// Refreshes go out up to this many ms early (seeded jitter; default 0).
    pub refresh_jitter_ms: u32,
    /// The back-off after 502 or 503 to a refresh (default 10000 ms).
    pub retry_delay_ms: u32,
    /// Retries of a failed refresh before BYE (default 2).
    pub max_refresh_retries: u8,
    /// Seed of the engine's random source (491 back-off, jitter).
    pub seed: u64,
}

impl sst_engine_config {
    fn to_core(self) -> Result<EngineConfig, sst_result> {
        Ok(EngineConfig {
            policy: self.policy.to_core()?,
            max_sessions: self.max_sessions,
            refresh_jitter_ms: self.refresh_jitter_ms,
            retry_delay_ms: self.retry_delay_ms,
            max_refresh_retries: self.max_refresh_retries,
            seed: self.seed,
        })
    }
}

/// What an action asks the host to do.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_action_kind {
    /// Send a refresh (`method`, with the header lines); report its final
    /// response with `sst_engine_on_refresh_response`.
    SendRefresh,
    /// Send BYE; the engine has forgotten the session.
    SendBye,
    /// Drop the session without BYE (a proxy); already forgotten.
    SessionEnded,
}

/// Why a session was torn down.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_teardown {
    /// Not a teardown.
    NotATeardown,
    /// The peer was the refresher and sent no refresh in time.
    NoRefreshReceived,
    /// Our refresh got no final response (or 408/481).
    RefreshUnanswered,
    /// Our refresh was rejected with `status`.
    RefreshRejected,
    /// More 422 answers to our refresh than the policy's cap.
    TooMany_422,
    /// The session expired (polled too late, or a proxy's session).
    Expired,
    /// The host removed the session.
    RemovedByHost,
}

/// One thing the host must do now.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_action {
    /// The session's key.
    pub key: u64,
    /// When it was due.
    pub at_ms: u64,
    /// An `sst_action_kind`.
    pub kind: u32,
    /// For a refresh: an `sst_method` (UPDATE or INVITE).
    pub method: u32,
    /// For a teardown: an `sst_teardown`.
    pub reason: u32,
    /// For `SST_TEARDOWN_REFRESH_REJECTED`: the status code.
    pub status: u16,
}

/// Counters of what the engine did.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct sst_counters {
    /// Sessions established.
    pub established: u64,
    /// Refreshes the engine asked for.
    pub refreshes_sent: u64,
    /// Refreshes that succeeded (sent or received).
    pub refreshes_succeeded: u64,
    /// Teardowns: no refresh received.
    pub no_refresh_received: u64,
    /// Teardowns: refresh unanswered.
    pub refresh_unanswered: u64,
    /// Teardowns: refresh rejected.
    pub refresh_rejected: u64,
    /// Teardowns: too many 422.
    pub too_many_422: u64,
    /// Teardowns: expired.
    pub expired: u64,
    /// Teardowns: removed by the host.
    pub removed_by_host: u64,
}

/// Many sessions' timers (opaque). Not thread-safe: the host serialises every
/// call on one engine (one engine per worker, or a lock). An action whose
/// header lines did not fit stays in the engine, so `sst_engine_remove` of its
/// key drops it like any other.
pub struct sst_engine {
    pub(crate) engine: Engine,
    /// Changes drained from the journal, handed out one at a time.
    pub(crate) changes: std::collections::VecDeque<core_st::Change>,
}

impl sst_engine {
    fn wrap(engine: Engine) -> Self {
        sst_engine {
            engine,
            changes: std::collections::VecDeque::new(),
        }
    }
}

/// The default settings (RFC policy, 2^24 sessions, 10 s retry delay).
#[no_mangle]
pub extern "C" fn sst_engine_config_default(out: *mut sst_engine_config) -> sst_result {
    ffi_boundary!({
        let c = EngineConfig::default();
        let config = sst_engine_config {
            policy: sst_policy::from_core(&c.policy),
            max_sessions: c.max_sessions,
            refresh_jitter_ms: c.refresh_jitter_ms,
            retry_delay_ms: c.retry_delay_ms,
            max_refresh_retries: c.max_refresh_retries,
            seed: c.seed,
        };
        put(out, config, "out")
    })
}

fn config_arg(config: *const sst_engine_config) -> Result<EngineConfig, sst_result> {
    get_opt(config).map_or(Ok(EngineConfig::default()), |c| c.to_core())
}

/// An empty engine with `config` (NULL: the defaults).
#[no_mangle]
pub extern "C" fn sst_engine_new(
    config: *const sst_engine_config,
    out: *mut *mut sst_engine,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        hand_out(
            sst_engine::wrap(Engine::new(config_arg(config)?).or_code()?),
            out,
        )
    })
}

/// Frees an engine; NULL is a no-op.
#[no_mangle]
pub extern "C" fn sst_engine_free(engine: *mut sst_engine) {
    take_back(engine);
}

/// How many sessions the engine holds.
#[no_mangle]
pub extern "C" fn sst_engine_len(engine: *const sst_engine, out: *mut usize) -> sst_result {
    ffi_boundary!({ put(out, get(engine, "engine")?.engine.len(), "out") })
}

/// The counters.
#[no_mangle]
pub extern "C" fn sst_engine_counters(
    engine: *const sst_engine,
    out: *mut sst_counters,
) -> sst_result {
    ffi_boundary!({
        let c = get(engine, "engine")?.engine.counters();
        let counters = sst_counters {
            established: c.established,
            refreshes_sent: c.refreshes_sent,
            refreshes_succeeded: c.refreshes_succeeded,
            no_refresh_received: c.no_refresh_received,
            refresh_unanswered: c.refresh_unanswered,
            refresh_rejected: c.refresh_rejected,
            too_many_422: c.too_many_422,
            expired: c.expired,
            removed_by_host: c.removed_by_host,
        };
        put(out, counters, "out")
    })
}

/// Starts tracking a dialog's session (copied) under `key`.
#[no_mangle]
pub extern "C" fn sst_engine_establish(
    engine: *mut sst_engine,
    key: u64,
    session: *const sst_session,
) -> sst_result {
    ffi_boundary!({
        let session = get(session, "session")?.0;
        get_mut(engine, "engine")?
            .engine
            .establish(key, session)
            .or_code()
    })
}

/// Writes each item's result of a batch into `results` (NULL: none) and
/// returns the first failure.
fn report_batch(
    failed: Vec<(usize, core_st::Error)>,
    results: *mut sst_result,
    count: usize,
) -> Result<(), sst_result> {
    if let Some(results) = array_out(results, count) {
        results.fill(sst_result::Ok);
        for (n, error) in &failed {
            results[*n] = error_code(error);
        }
    }
    match failed.into_iter().next() {
        Some((_, error)) => Err(from_core(error)),
        None => Ok(()),
    }
}

/// One session of `sst_engine_establish_batch`: the arguments of
/// `sst_engine_establish`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_establish {
    /// The session's key.
    pub key: u64,
    /// The dialog's session (copied).
    pub session: *const sst_session,
}

/// Many `sst_engine_establish` calls at once, in order (a host that reads
/// many answers per wakeup). `results` (NULL, or `count` entries) receives
/// each one's result. Returns `SST_RESULT_OK` when every session was
/// established, else the first failure's code and message; the others are.
/// A NULL session fails the call before any applies.
#[no_mangle]
pub extern "C" fn sst_engine_establish_batch(
    engine: *mut sst_engine,
    sessions: *const sst_establish,
    count: usize,
    results: *mut sst_result,
) -> sst_result {
    ffi_boundary!({
        let engine = &mut get_mut(engine, "engine")?.engine;
        let batch = array(sessions, count, "sessions")?
            .iter()
            .map(|s| Ok((s.key, get(s.session, "session")?.0)))
            .collect::<Result<Vec<_>, sst_result>>()?;
        let failed = engine.establish_batch(&batch);
        report_batch(failed, results, count)
    })
}

/// Room for `additional` more sessions, allocated now rather than during a
/// burst of calls; never beyond `max_sessions` (`SST_RESULT_OUT_OF_MEMORY`
/// when the allocation is refused).
#[no_mangle]
pub extern "C" fn sst_engine_reserve(engine: *mut sst_engine, additional: usize) -> sst_result {
    ffi_boundary!({
        get_mut(engine, "engine")?
            .engine
            .reserve(additional)
            .or_code()
    })
}

/// Starts tracking a proxy's view of a session: the interval of the 2xx it
/// forwarded at `now_ms`. It ends with SESSION_ENDED, never BYE.
#[no_mangle]
pub extern "C" fn sst_engine_establish_proxy(
    engine: *mut sst_engine,
    key: u64,
    interval: u32,
    now_ms: u64,
) -> sst_result {
    ffi_boundary!({
        get_mut(engine, "engine")?
            .engine
            .establish_proxy(key, interval, now_ms)
            .or_code()
    })
}

/// A 2xx to an INVITE or UPDATE on the dialog was sent or received at
/// `now_ms`: the timer becomes `*timer` (NULL: no expiration) and restarts.
#[no_mangle]
pub extern "C" fn sst_engine_refreshed(
    engine: *mut sst_engine,
    key: u64,
    now_ms: u64,
    timer: *const sst_timer,
) -> sst_result {
    ffi_boundary!({
        let timer = get_opt(timer).map(|t| t.to_core()).transpose()?;
        get_mut(engine, "engine")?
            .engine
            .refreshed(key, now_ms, timer)
            .or_code()
    })
}

/// One report of `sst_engine_refreshed_batch`: the arguments of
/// `sst_engine_refreshed`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_refreshed {
    /// The session's key.
    pub key: u64,
    /// When the 2xx was sent or received.
    pub now_ms: u64,
    /// Whether `timer` holds the timer now in force (false: no expiration).
    pub has_timer: sst_bool,
    /// The timer now in force, when `has_timer`.
    pub timer: sst_timer,
}

impl sst_refreshed {
    /// The core report, its timer checked.
    fn to_core(self) -> Result<Refreshed, sst_result> {
        if self.has_timer.get() {
            self.timer.to_core()?;
        }
        Ok(self.to_core_quietly())
    }

    /// The core report of one [`sst_refreshed::to_core`] accepted. It
    /// records no error, so a batch that reads only its key (to fetch the
    /// session's memory ahead) converts nothing else.
    fn to_core_quietly(self) -> Refreshed {
        Refreshed {
            key: self.key,
            now_ms: self.now_ms,
            timer: self
                .has_timer
                .get()
                .then(|| self.timer.to_core_quietly())
                .flatten(),
        }
    }
}

/// Many `sst_engine_refreshed` reports at once, in order: faster than one
/// call each, as the lookups of a batch overlap. `results` (NULL, or `count`
/// entries) receives each report's result. Returns `SST_RESULT_OK` when every
/// report applied, else the first failure's code and message; the other
/// reports apply. A report with an invalid timer fails the call before any
/// report applies.
#[no_mangle]
pub extern "C" fn sst_engine_refreshed_batch(
    engine: *mut sst_engine,
    reports: *const sst_refreshed,
    count: usize,
    results: *mut sst_result,
) -> sst_result {
    ffi_boundary!({
        let engine = &mut get_mut(engine, "engine")?.engine;
        let reports = array(reports, count, "reports")?;
        // Every timer is checked before any report applies; the reports are
        // then applied in place, with no copy of the batch.
        reports.iter().try_for_each(|r| r.to_core().map(drop))?;
        let failed = engine.refreshed_batch_by(reports, |r| r.to_core_quietly());
        report_batch(failed, results, count)
    })
}

/// A mid-dialog INVITE or UPDATE from the peer: the UAS decision. Call
/// `sst_engine_refreshed` with its timer when the 2xx is sent. On
/// BUFFER_TOO_SMALL nothing is recorded: call again with a larger buffer.
#[no_mangle]
pub extern "C" fn sst_engine_answer(
    engine: *mut sst_engine,
    key: u64,
    method: u32,
    request: *const sst_headers,
    out: *mut sst_decision,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let engine = get_mut(engine, "engine")?;
        let method = sst_method::core(method)?;
        let request = get(request, "request")?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        check_out(out, "out")?;
        let engine = &mut engine.engine;
        // A decision whose lines do not fit changes nothing: it is made on a
        // copy of the session first, and recorded once it is written.
        let mut copy = engine
            .session(key)
            .ok_or(core_st::Error::UnknownSession(key))
            .or_code()?;
        let uas = Uas::new(engine.config().policy).or_code()?;
        write_decision(copy.answer(&uas, method, &request.inner), out, &buf)?;
        let _same_decision = engine.answer(key, method, &request.inner).or_code()?;
        Ok(())
    })
}

/// The final response `status` to a refresh arrived at `now_ms` (report a
/// timeout as 408); `response` may be NULL. The outcome comes out of `sst_engine_poll`.
#[no_mangle]
pub extern "C" fn sst_engine_on_refresh_response(
    engine: *mut sst_engine,
    key: u64,
    now_ms: u64,
    status: u16,
    response: *const sst_headers,
) -> sst_result {
    ffi_boundary!({
        let response = headers_or_empty(response);
        get_mut(engine, "engine")?
            .engine
            .on_refresh_response(key, now_ms, status, &response)
            .or_code()
    })
}

/// The host starts an offer of its own on the dialog (a hold or codec change
/// re-INVITE or UPDATE, carrying the session's timer headers): a refresh that
/// falls due meanwhile waits for it, and the offer's 2xx, reported with
/// `sst_engine_on_refresh_response`, counts as the refresh; a failure sends the
/// waiting refresh at once. `*go_ahead` is 0 while a refresh of ours is in
/// flight: wait for its answer, then start the offer (RFC 3261 section 14.1).
#[no_mangle]
pub extern "C" fn sst_engine_offer_started(
    engine: *mut sst_engine,
    key: u64,
    go_ahead: *mut sst_bool,
) -> sst_result {
    ffi_boundary!({
        let engine = get_mut(engine, "engine")?;
        check_out(go_ahead, "go_ahead")?;
        let ready = engine.engine.offer_started(key).or_code()?;
        put(go_ahead, sst_bool::from(ready), "go_ahead")
    })
}

/// Forgets the session under `key` (the host ended the dialog).
#[no_mangle]
pub extern "C" fn sst_engine_remove(engine: *mut sst_engine, key: u64) -> sst_result {
    ffi_boundary!({
        get_mut(engine, "engine")?.engine.remove(key).or_code()?;
        Ok(())
    })
}

/// Many `sst_engine_remove` calls at once, in order (a host ending many
/// dialogs at once). `results` (NULL, or `count` entries) receives each one's
/// result. Returns `SST_RESULT_OK` when every session was removed, else the
/// first failure's code and message (`SST_RESULT_UNKNOWN_SESSION`); the
/// others are.
#[no_mangle]
pub extern "C" fn sst_engine_remove_batch(
    engine: *mut sst_engine,
    keys: *const u64,
    count: usize,
    results: *mut sst_result,
) -> sst_result {
    ffi_boundary!({
        let engine = &mut get_mut(engine, "engine")?.engine;
        let failed = engine.remove_batch(array(keys, count, "keys")?);
        report_batch(failed, results, count)
    })
}

/// When to call `sst_engine_poll` next (never late; may be early);
/// `SST_RESULT_NONE` when no timer runs.
#[no_mangle]
pub extern "C" fn sst_engine_next_deadline(engine: *const sst_engine, out: *mut u64) -> sst_result {
    ffi_boundary!({
        let engine = get(engine, "engine")?;
        check_out(out, "out")?;
        match engine.engine.next_deadline() {
            Some(at) => put(out, at, "out"),
            None => Err(sst_result::None),
        }
    })
}

/// The C kind, reason and status of a teardown action.
fn teardown(kind: sst_action_kind, reason: Teardown) -> (u32, u32, u16) {
    let (reason, status) = match reason {
        Teardown::NoRefreshReceived => (sst_teardown::NoRefreshReceived, 0),
        Teardown::RefreshUnanswered => (sst_teardown::RefreshUnanswered, 0),
        Teardown::RefreshRejected(status) => (sst_teardown::RefreshRejected, status),
        Teardown::TooMany422 => (sst_teardown::TooMany_422, 0),
        Teardown::Expired => (sst_teardown::Expired, 0),
        Teardown::RemovedByHost => (sst_teardown::RemovedByHost, 0),
    };
    (kind as u32, reason as u32, status)
}

impl sst_teardown {
    const ALL: [sst_teardown; 7] = [
        sst_teardown::NotATeardown,
        sst_teardown::NoRefreshReceived,
        sst_teardown::RefreshUnanswered,
        sst_teardown::RefreshRejected,
        sst_teardown::TooMany_422,
        sst_teardown::Expired,
        sst_teardown::RemovedByHost,
    ];

    /// The core teardown of an action's `reason` and `status`.
    fn core(reason: u32, status: u16) -> Result<Option<Teardown>, sst_result> {
        let reason = usize::try_from(reason)
            .ok()
            .and_then(|i| sst_teardown::ALL.get(i))
            .ok_or_else(|| {
                crate::boundary::fail(sst_result::InvalidArgument, "unknown teardown")
            })?;
        Ok(match reason {
            sst_teardown::NotATeardown => None,
            sst_teardown::NoRefreshReceived => Some(Teardown::NoRefreshReceived),
            sst_teardown::RefreshUnanswered => Some(Teardown::RefreshUnanswered),
            sst_teardown::RefreshRejected => Some(Teardown::RefreshRejected(status)),
            sst_teardown::TooMany_422 => Some(Teardown::TooMany422),
            sst_teardown::Expired => Some(Teardown::Expired),
            sst_teardown::RemovedByHost => Some(Teardown::RemovedByHost),
        })
    }
}

/// The `Reason` header value (RFC 3326) of the BYE for an action's `reason`
/// and `status`, such as `SIP;cause=408;text="No session refresh received"`,
/// into `buf` (no NUL); `SST_RESULT_NONE` when that teardown sends no BYE.
#[no_mangle]
pub extern "C" fn sst_bye_reason(
    reason: u32,
    status: u16,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let text = sst_teardown::core(reason, status)?.and_then(Teardown::bye_reason);
        crate::write_name(text.as_deref(), buf, buf_len, out_len)
    })
}

/// The next action due at or before `now_ms`, its header lines (a refresh's)
/// in `buf`; `SST_RESULT_NONE` when nothing is due. Call until it returns
/// NONE. An action whose headers do not fit stays due (BUFFER_TOO_SMALL,
/// `*out_len` the size needed) until it is polled or its key removed.
#[no_mangle]
pub extern "C" fn sst_engine_poll(
    engine: *mut sst_engine,
    now_ms: u64,
    out: *mut sst_action,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let engine = &mut get_mut(engine, "engine")?.engine;
        check_out(out, "out")?;
        let buf = OutBuf::new(buf, buf_len, out_len)?;
        let Some(action) = engine.peek(now_ms) else {
            return Err(sst_result::None);
        };
        let mut c = sst_action {
            key: action.key,
            at_ms: action.at_ms,
            kind: sst_action_kind::SendRefresh as u32,
            method: 0,
            reason: sst_teardown::NotATeardown as u32,
            status: 0,
        };
        let lines = match &action.kind {
            ActionKind::SendRefresh(request) => {
                c.method = sst_method::raw(request.method);
                request.headers.to_header_lines()
            }
            ActionKind::SendBye(reason) => {
                (c.kind, c.reason, c.status) = teardown(sst_action_kind::SendBye, *reason);
                String::new()
            }
            ActionKind::SessionEnded(reason) => {
                (c.kind, c.reason, c.status) = teardown(sst_action_kind::SessionEnded, *reason);
                String::new()
            }
        };
        buf.write(lines.as_bytes())?;
        put(out, c, "out")?;
        // Handed out: the action peeked above leaves the engine.
        let _handed_out = engine.poll(now_ms);
        Ok(())
    })
}

/// The whole engine as bytes (poll first: unpolled actions are not kept).
#[no_mangle]
pub extern "C" fn sst_engine_snapshot(
    engine: *const sst_engine,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let data = get(engine, "engine")?.engine.snapshot();
        OutBuf::new(buf.cast(), buf_len, out_len)?.write(&data)
    })
}

/// An engine rebuilt from `sst_engine_snapshot` bytes with `config` (NULL:
/// the defaults); every field is checked.
#[no_mangle]
pub extern "C" fn sst_engine_restore(
    config: *const sst_engine_config,
    data: *const u8,
    len: usize,
    out: *mut *mut sst_engine,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let engine = Engine::restore(config_arg(config)?, bytes(data, len, "data")?).or_code()?;
        hand_out(sst_engine::wrap(engine), out)
    })
}

/// The session under `key` as bytes, its deadline included.
#[no_mangle]
pub extern "C" fn sst_engine_snapshot_session(
    engine: *const sst_engine,
    key: u64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let data = get(engine, "engine")?
            .engine
            .snapshot_session(key)
            .or_code()?;
        OutBuf::new(buf.cast(), buf_len, out_len)?.write(&data)
    })
}

/// Takes over a session from `sst_engine_snapshot_session` bytes; writes its key.
#[no_mangle]
pub extern "C" fn sst_engine_restore_session(
    engine: *mut sst_engine,
    data: *const u8,
    len: usize,
    key: *mut u64,
) -> sst_result {
    ffi_boundary!({
        check_out(key, "key")?;
        let data = bytes(data, len, "data")?;
        let restored = get_mut(engine, "engine")?
            .engine
            .restore_session(data)
            .or_code()?;
        put(key, restored, "key")
    })
}
