//! One dialog's session-timer state: the interval, who refreshes (as a
//! [`Side`], never as uac/uas), the Min-SE learnt on the dialog, what the peer
//! supports, and the deadlines that follow.
//!
//! Time is passed in as milliseconds of any monotonic clock the host chooses;
//! nothing here reads a clock. Deadlines (RFC 4028 sections 7.2, 9, 10):
//! the refresher refreshes at half the interval; the other side sends BYE at
//! interval - min(32 s, interval / 3) (or the policy's [`ByeMargin`]). Every
//! 2xx to an INVITE or UPDATE on the dialog restarts both, whoever sent it and
//! whatever it was for (section 7.2 UAC-R-12).

mod bytes;

use crate::header::{HeaderEdits, SessionExpires, TimerHeaders};
use crate::outcome::{Negotiated, Role, Side};
use crate::policy::{ByeMargin, Policy, RefreshMethod, RFC_MIN_SE};
use crate::sip::Method;
use crate::uac::read_2xx;
use crate::uas::{Uas, UasDecision};

/// Which deadline of a session comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// We are the refresher: send a refresh.
    Refresh,
    /// The peer is the refresher and has not refreshed: send BYE.
    Bye,
}

/// A refresh to send: its method and session-timer headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRequest {
    /// UPDATE or INVITE.
    pub method: Method,
    /// Session-timer headers of the request.
    pub headers: HeaderEdits,
}

impl RefreshRequest {
    /// The interval this request asks for.
    pub fn interval(&self) -> Option<u32> {
        self.headers.session_expires.as_ref().map(|se| se.interval)
    }
}

/// What to do after a response to a refresh we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A 2xx: the timer is restarted (`None`: the peer turned it off, section 7.2).
    Refreshed(Option<Negotiated>),
    /// Send this refresh now: after a 422 with the larger interval (section 10,
    /// the expiry does not move), or after 405/501 to an UPDATE as re-INVITE.
    Retry(RefreshRequest),
    /// 491: retry after RFC 3261 section 14.1's random delay.
    RetryAfterGlare,
    /// 408, 481 or a timeout: send BYE (section 10, RFC 3261 section 12.2.1.2).
    Terminate,
    /// Another failure: the expiry does not move; the engine decides on retries.
    Failed {
        /// The status code.
        status: u16,
    },
}

/// One dialog's session-timer state.
///
/// ```
/// use sessiontimer::{Method, Negotiated, Policy, RefreshOutcome, Session, Side, TimerHeaders};
///
/// // We refresh a 1800 s session whose 2xx came in at t = 0.
/// let timer = Negotiated { interval: 1800, refresher: Side::Local };
/// let mut session = Session::started(Some(timer), 0)?;
/// assert_eq!(session.refresh_at_ms(), Some(900_000)); // half the interval
/// let refresh = session.refresh_request(&Policy::RFC);
/// assert_eq!(refresh.method, Method::Invite); // the peer never allowed UPDATE
/// let ok = TimerHeaders::parse([("Session-Expires", "1800;refresher=uac")])?;
/// let outcome = session.on_refresh_response(&Policy::RFC, 900_000, 200, &refresh, &ok);
/// assert!(matches!(outcome, RefreshOutcome::Refreshed(Some(_))));
/// assert_eq!(session.refresh_at_ms(), Some(1_800_000));
/// # Ok::<(), sessiontimer::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Session {
    timer: Option<Negotiated>,
    refreshed_at_ms: u64,
    /// The largest Min-SE from 422s or refresh requests on this dialog; 0: none
    /// (section 7.4 SUB-2, SUB-4).
    dialog_min_se: u32,
    /// What the peer showed, what it refused, and what we did: the flag bits
    /// below, as a packed session holds them (never the refresher's bit,
    /// which the timer holds).
    flags: Flags,
}

/// The yes/no facts of a session: each a bit of [`Packed`]'s flags, kept as
/// they are packed, so that packing and unpacking a session copies them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Flags(u8);

impl Flags {
    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    fn set(&mut self, bit: u8, on: bool) {
        self.0 = if on { self.0 | bit } else { self.0 & !bit };
    }
}

impl std::fmt::Debug for Flags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (FLAG_PEER_SUPPORTS, "peer_supports_timer"),
            (FLAG_PEER_ALLOWS_UPDATE, "peer_allows_update"),
            (FLAG_UPDATE_REFUSED, "update_refused"),
            (FLAG_REQUIRE_TIMER, "require_timer"),
            (FLAG_OWNS_CALL_ID, "owns_call_id"),
        ];
        let set = names.iter().filter(|(bit, _)| self.has(*bit));
        f.debug_set().entries(set.map(|(_, name)| name)).finish()
    }
}

/// Refuses a host-given timer below RFC 4028's floor of 90 s.
pub(crate) fn check_interval(timer: Option<Negotiated>) -> crate::Result<()> {
    timer.map_or(Ok(()), |t| check_seconds(t.interval))
}

/// Refuses a host-given interval, in seconds, below RFC 4028's floor of 90 s.
pub(crate) fn check_seconds(interval: u32) -> crate::Result<()> {
    if interval < RFC_MIN_SE {
        return Err(crate::Error::IntervalBelowMinimum { interval });
    }
    Ok(())
}

/// A session flattened for compact storage: refreshed-at, interval (0: no
/// timer), dialog Min-SE (0: none), and the flag bits below.
pub(crate) type Packed = (u64, u32, u32, u8);

pub(crate) const FLAG_LOCAL_REFRESHER: u8 = 1;
/// The peer has shown support for timers.
const FLAG_PEER_SUPPORTS: u8 = 2;
/// The peer's last Allow listed UPDATE.
const FLAG_PEER_ALLOWS_UPDATE: u8 = 4;
/// The peer answered an UPDATE refresh with 405 or 501.
const FLAG_UPDATE_REFUSED: u8 = 8;
/// `Require: timer` was in the initial request, so it is in every refresh
/// (section 7.4 SUB-1).
const FLAG_REQUIRE_TIMER: u8 = 16;
/// We generated the Call-ID (we placed the call): RFC 3261 section 14.1's
/// longer 491 back-off applies to us.
const FLAG_OWNS_CALL_ID: u8 = 32;
/// Every flag bit a packed session may carry.
pub(crate) const SESSION_FLAGS: u8 = 63;

impl Session {
    /// A dialog with no timer yet. `require_timer`: our initial request carried
    /// `Require: timer`.
    pub fn new(require_timer: bool) -> Self {
        Session {
            timer: None,
            refreshed_at_ms: 0,
            dialog_min_se: 0,
            flags: Flags(if require_timer { FLAG_REQUIRE_TIMER } else { 0 }),
        }
    }

    /// A dialog whose 2xx went out or came in at `now_ms` with `timer` in force,
    /// nothing else known yet: [`Session::new`] then [`Session::apply`].
    ///
    /// # Errors
    /// As [`Session::apply`].
    pub fn started(timer: Option<Negotiated>, now_ms: u64) -> crate::Result<Self> {
        let mut session = Session::new(false);
        session.apply(timer, now_ms)?;
        Ok(session)
    }

    /// Marks that we generated the dialog's Call-ID (we placed the call).
    pub fn set_owns_call_id(&mut self, owns: bool) {
        self.flags.set(FLAG_OWNS_CALL_ID, owns);
    }

    /// Whether we generated the dialog's Call-ID.
    pub fn owns_call_id(&self) -> bool {
        self.flags.has(FLAG_OWNS_CALL_ID)
    }

    pub(crate) fn pack(&self) -> Packed {
        let local = self.timer.is_some_and(|t| t.refresher == Side::Local);
        let flags = self.flags.0 | if local { FLAG_LOCAL_REFRESHER } else { 0 };
        let interval = self.timer.map_or(0, |t| t.interval);
        (self.refreshed_at_ms, interval, self.dialog_min_se, flags)
    }

    pub(crate) fn unpack((refreshed_at_ms, interval, dialog_min_se, flags): Packed) -> Session {
        Session {
            timer: (interval != 0).then_some(Negotiated {
                interval,
                refresher: if flags & FLAG_LOCAL_REFRESHER != 0 {
                    Side::Local
                } else {
                    Side::Remote
                },
            }),
            refreshed_at_ms,
            dialog_min_se,
            flags: Flags(flags & SESSION_FLAGS & !FLAG_LOCAL_REFRESHER),
        }
    }

    /// The timer in force, if any.
    pub fn timer(&self) -> Option<Negotiated> {
        self.timer
    }

    /// When the last successful refresh happened.
    pub fn refreshed_at_ms(&self) -> u64 {
        self.refreshed_at_ms
    }

    /// The Min-SE learnt on this dialog, if any.
    pub fn dialog_min_se(&self) -> Option<u32> {
        (self.dialog_min_se != 0).then_some(self.dialog_min_se)
    }

    /// Whether the peer has shown support for timers.
    pub fn peer_supports_timer(&self) -> bool {
        self.flags.has(FLAG_PEER_SUPPORTS)
    }

    /// A 2xx to an INVITE or UPDATE was received (we were its UAC) or sent (we
    /// were its UAS) at `now_ms`: the timer becomes `timer` and its deadlines
    /// restart (RFC 4028 sections 7.2, 9 and 10).
    ///
    /// # Errors
    /// [`crate::Error::IntervalBelowMinimum`] for a timer of less than 90 s
    /// (0 included): no negotiation yields one, and no snapshot could hold it.
    /// The session is left as it was.
    pub fn apply(&mut self, timer: Option<Negotiated>, now_ms: u64) -> crate::Result<()> {
        check_interval(timer)?;
        self.set_timer(timer, now_ms);
        Ok(())
    }

    /// [`Session::apply`] of a timer this crate negotiated (always 90 s or more).
    pub(crate) fn set_timer(&mut self, timer: Option<Negotiated>, now_ms: u64) {
        debug_assert!(check_interval(timer).is_ok());
        self.timer = timer;
        self.refreshed_at_ms = now_ms;
    }

    /// Records what a message from the peer shows: timer support and UPDATE in Allow.
    pub fn note_peer(&mut self, message: &TimerHeaders) {
        if message.supports_timer() {
            self.flags.set(FLAG_PEER_SUPPORTS, true);
        }
        if let Some(allows) = message.allow_update {
            self.flags.set(FLAG_PEER_ALLOWS_UPDATE, allows);
        }
    }

    pub(crate) fn learn_min_se(&mut self, min_se: u32) {
        self.dialog_min_se = self.dialog_min_se.max(min_se.max(RFC_MIN_SE));
    }

    /// `offset_ms` after the last refresh. A host clock near `u64::MAX` (or a
    /// hostile `now`) saturates to a deadline that never comes, never overflows.
    fn after_refresh(&self, offset_ms: u64) -> u64 {
        self.refreshed_at_ms.saturating_add(offset_ms)
    }

    /// When the session expires.
    pub fn expires_at_ms(&self) -> Option<u64> {
        self.timer
            .map(|t| self.after_refresh(u64::from(t.interval) * 1000))
    }

    /// When we must refresh, if we are the refresher: half the interval
    /// (RECOMMENDED, sections 7.2 and 9), to the millisecond.
    pub fn refresh_at_ms(&self) -> Option<u64> {
        self.timer
            .filter(|t| t.refresher == Side::Local)
            .map(|t| self.after_refresh(u64::from(t.interval) * 500))
    }

    /// When we must send BYE, if the peer is the refresher and has not refreshed
    /// (section 10): expiry minus the margin.
    pub fn bye_at_ms(&self, margin: ByeMargin) -> Option<u64> {
        self.timer.filter(|t| t.refresher == Side::Remote).map(|t| {
            let interval_ms = u64::from(t.interval) * 1000;
            self.after_refresh(interval_ms - margin.margin_ms(interval_ms))
        })
    }

    /// The next deadline and what it is for.
    #[must_use]
    pub fn next_deadline(&self, margin: ByeMargin) -> Option<(u64, Deadline)> {
        self.refresh_at_ms()
            .map(|t| (t, Deadline::Refresh))
            .or_else(|| self.bye_at_ms(margin).map(|t| (t, Deadline::Bye)))
    }

    /// The refresh to send now, or any re-INVITE or UPDATE we send on the
    /// dialog (section 7.4): the initial Supported/Require (SUB-1), Min-SE when
    /// the dialog learnt one (SUB-2), Session-Expires at least that Min-SE
    /// (SUB-8) naming the current refresher (SUB-9), and UPDATE when the peer
    /// allows it and the policy does (SUB-13).
    #[must_use]
    pub fn refresh_request(&self, policy: &Policy) -> RefreshRequest {
        let min_se = self.dialog_min_se();
        let session_expires = self.timer.map(|t| {
            let mut refresher = t.refresher.to_refresher(Role::Uac);
            if t.refresher == Side::Remote && !self.peer_supports_timer() {
                // SUB-10: hand the role to the peer only if it supports timers.
                refresher = Side::Local.to_refresher(Role::Uac);
            }
            SessionExpires::new(
                t.interval.max(min_se.unwrap_or(RFC_MIN_SE)),
                Some(refresher),
            )
        });
        let update = policy.refresh_method == RefreshMethod::Auto
            && self.flags.has(FLAG_PEER_ALLOWS_UPDATE)
            && !self.flags.has(FLAG_UPDATE_REFUSED);
        RefreshRequest {
            method: if update {
                Method::Update
            } else {
                Method::Invite
            },
            headers: HeaderEdits {
                session_expires,
                min_se,
                supported_timer: policy.mode.supports(),
                require_timer: self.flags.has(FLAG_REQUIRE_TIMER),
                ..HeaderEdits::default()
            },
        }
    }

    /// A response arrived at `now_ms` to a refresh (or any re-INVITE or UPDATE)
    /// we sent as `sent`. A transaction timeout is reported as 408.
    #[must_use]
    pub fn on_refresh_response(
        &mut self,
        policy: &Policy,
        now_ms: u64,
        status: u16,
        sent: &RefreshRequest,
        response: &TimerHeaders,
    ) -> RefreshOutcome {
        match status {
            200..=299 => {
                self.note_peer(response);
                let timer = read_2xx(
                    policy,
                    sent.interval(),
                    response,
                    self.peer_supports_timer(),
                );
                self.set_timer(timer, now_ms);
                RefreshOutcome::Refreshed(timer)
            }
            // A 422 asking more than our cap is refused as a UAC refuses it
            // (section 7.4: the retry is ours to send or not).
            422 => match response.min_se.as_ref().map(|m| m.effective()) {
                Some(asked)
                    if asked > sent.interval().unwrap_or(0) && asked <= policy.ceiling_422() =>
                {
                    self.learn_min_se(asked);
                    RefreshOutcome::Retry(self.refresh_request(policy))
                }
                // Malformed, useless or beyond the cap: retrying would repeat
                // it or break our policy (section 10).
                _ => RefreshOutcome::Failed { status },
            },
            405 | 501
                if sent.method == Method::Update
                    && !(status == 501 && policy.accept_501_as_refreshed) =>
            {
                self.flags.set(FLAG_UPDATE_REFUSED, true);
                RefreshOutcome::Retry(self.refresh_request(policy))
            }
            // The policy's choice (SEMS): the peer cannot handle the method
            // but the dialog lives; the timer restarts as it was.
            501 if policy.accept_501_as_refreshed => {
                let timer = self.timer;
                self.set_timer(timer, now_ms);
                RefreshOutcome::Refreshed(timer)
            }
            491 => RefreshOutcome::RetryAfterGlare,
            408 | 481 => RefreshOutcome::Terminate,
            _ => RefreshOutcome::Failed { status },
        }
    }

    /// A mid-dialog INVITE or UPDATE from the peer: the UAS decision, given the
    /// timer in force. Records the peer's support and Min-SE (SUB-2). Call
    /// [`Session::apply`] with the decision's timer when the 2xx is sent.
    #[must_use]
    pub fn answer(&mut self, uas: &Uas, method: Method, request: &TimerHeaders) -> UasDecision {
        if method.is_refresh() {
            self.note_peer(request);
            if let Some(min_se) = &request.min_se {
                self.learn_min_se(min_se.effective());
            }
        }
        uas.decide(method, request, self.timer.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_the_flags_set() {
        let mut s = Session::new(true);
        assert!(format!("{s:?}").contains("flags: {\"require_timer\"}"));
        s.set_owns_call_id(true);
        s.set_owns_call_id(false);
        s.note_peer(&TimerHeaders {
            supported_timer: true,
            ..TimerHeaders::default()
        });
        let shown = format!("{s:?}");
        assert!(shown.contains("flags: {\"peer_supports_timer\", \"require_timer\"}"));
    }

    #[test]
    fn pack_round_trips() {
        let mut s = Session::new(true);
        s.set_owns_call_id(true);
        s.note_peer(&TimerHeaders {
            supported_timer: true,
            allow_update: Some(true),
            ..TimerHeaders::default()
        });
        s.learn_min_se(1200);
        for timer in [
            None,
            Some(Negotiated {
                interval: 90,
                refresher: Side::Local,
            }),
            Some(Negotiated {
                interval: u32::MAX,
                refresher: Side::Remote,
            }),
        ] {
            s.apply(timer, 12_345).unwrap();
            assert_eq!(Session::unpack(s.pack()), s);
        }
    }
}
