//! The back-to-back UA: two dialogs, each with its own [`Session`] and policy.
//!
//! Each leg negotiates on its own (the inbound leg as UAS, the outbound as UAC).
//! Two helpers are specific to a B2BUA:
//! - the outbound INVITE can carry Session-Expires even when the inbound one had
//!   none (Cisco CUBE's `session refresh`);
//! - whether an in-dialog re-INVITE or UPDATE is a pure refresh
//!   ([`classify_refresh`], in [`crate::sdp`]) decides whether the host answers
//!   it on its own leg instead of relaying it (what CUBE calls consumption).

use crate::header::TimerHeaders;
use crate::policy::Policy;
pub use crate::sdp::{classify_refresh, RefreshKind, SdpOrigin};
use crate::session::Session;
use crate::sip::Method;
use crate::uac::Uac;
use crate::uas::{Uas, UasDecision};

/// One of the two legs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    /// The dialog with the caller; we are its UAS.
    Inbound,
    /// The dialog with the callee; we are its UAC.
    Outbound,
}

/// What to do with an in-dialog re-INVITE or UPDATE on one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InDialogAction {
    /// Answer it on this leg with this decision; do not relay it.
    Consume(UasDecision),
    /// Relay it to the other leg (whose refresh headers come from that leg's
    /// [`Session::refresh_request`]); answer this leg when the other answers.
    Relay,
}

/// A B2BUA's two leg policies.
///
/// ```
/// use sessiontimer::{B2bua, Mode, Policy, TimerHeaders};
///
/// // The inbound caller asks for 90 s; an outbound leg that does not
/// // originate timers of its own mirrors it (within its own policy), and
/// // each leg then runs its own session (section 4).
/// let outbound = Policy { mode: Mode::Accept, ..Policy::RFC };
/// let b2bua = B2bua::new(Policy::RFC, outbound)?;
/// let inbound = TimerHeaders::parse([("Supported", "timer"), ("Session-Expires", "90")])?;
/// let outbound = b2bua.outbound_uac(&inbound);
/// assert_eq!(outbound.request().session_expires.unwrap().interval, 90);
/// // A 422 the outbound leg could not follow is not the caller's business.
/// assert_eq!(B2bua::inbound_status(Some(422)), 503);
/// # Ok::<(), sessiontimer::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct B2bua {
    inbound: Policy,
    outbound: Policy,
}

impl B2bua {
    /// A B2BUA with a validated policy per leg.
    ///
    /// # Errors
    /// As [`Policy::validate`].
    pub fn new(inbound: Policy, outbound: Policy) -> crate::Result<Self> {
        Ok(B2bua {
            inbound: inbound.validated()?,
            outbound: outbound.validated()?,
        })
    }

    /// The policy of a leg.
    pub fn policy(&self, leg: Leg) -> &Policy {
        match leg {
            Leg::Inbound => &self.inbound,
            Leg::Outbound => &self.outbound,
        }
    }

    /// The final status the inbound caller gets when the outbound INVITE
    /// failed with `outbound` (`None`: no response at all). RFC 4028 applies
    /// to each dialog on its own, so a session-timer failure of the outbound
    /// leg (420, 421, 422 that the outbound UAC could not follow) means nothing
    /// to the caller: 503. A 2xx the outbound leg could not use (its
    /// session-timer headers malformed) is 502 (RFC 3261 section 21.5.3).
    /// Any other failure is passed on as it is.
    #[must_use]
    pub fn inbound_status(outbound: Option<u16>) -> u16 {
        match outbound {
            None | Some(420..=422) => 503,
            Some(status) if status < 300 => 502,
            Some(status) => status,
        }
    }

    /// The UAS that answers the inbound INVITE.
    pub fn inbound_uas(&self) -> Uas {
        Uas::from_valid(self.inbound)
    }

    /// The UAC of the outbound INVITE, given the inbound INVITE. It asks for a
    /// timer when its policy originates one; otherwise it mirrors the inbound
    /// request's interval (within its own Min-SE and cap), or inserts its own when
    /// the inbound had none and `insert_on_outbound_leg` is set.
    #[must_use]
    pub fn outbound_uac(&self, inbound_request: &TimerHeaders) -> Uac {
        let policy = self.outbound;
        let offer = match &inbound_request.session_expires {
            _ if policy.mode.originates() => Some(policy.session_expires),
            Some(se) => Some(se.interval.min(policy.cap()).max(policy.min_se)),
            None => policy
                .insert_on_outbound_leg
                .then_some(policy.session_expires),
        };
        Uac::from_valid(policy, offer)
    }

    /// An in-dialog re-INVITE or UPDATE arrived on `leg`: consume it (answer it
    /// on this leg, restarting only this leg's timer) when the leg's policy
    /// consumes refreshes and it is a pure refresh; otherwise relay it.
    #[must_use]
    pub fn on_in_dialog_request(
        &self,
        leg: Leg,
        session: &mut Session,
        method: Method,
        request: &TimerHeaders,
        kind: RefreshKind,
    ) -> InDialogAction {
        let policy = self.policy(leg);
        if policy.consume_refreshes && kind == RefreshKind::PureRefresh && method.is_refresh() {
            let uas = Uas::from_valid(*policy);
            InDialogAction::Consume(session.answer(&uas, method, request))
        } else {
            InDialogAction::Relay
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Negotiated, Side};
    use crate::policy::Mode;

    fn headers(pairs: &[(&str, &str)]) -> TimerHeaders {
        TimerHeaders::parse(pairs.iter().copied()).unwrap()
    }

    fn cube() -> B2bua {
        let cube = Policy::preset("cisco-cube").unwrap();
        B2bua::new(cube, cube).unwrap()
    }

    const SDP: &str = "v=0\r\no=- 1001 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n";

    #[test]
    fn cube_inserts_session_expires_outbound_when_inbound_had_none() {
        let uac = cube().outbound_uac(&headers(&[("Supported", "timer")]));
        let request = uac.request();
        assert_eq!(request.session_expires.unwrap().interval, 1800);
        assert_eq!(request.min_se, Some(1800));
    }

    #[test]
    fn without_insertion_an_accepting_leg_only_mirrors() {
        let accept = Policy {
            mode: Mode::Accept,
            ..Policy::RFC
        };
        let b2bua = B2bua::new(accept, accept).unwrap();
        assert_eq!(
            b2bua.outbound_uac(&headers(&[])).request().session_expires,
            None
        );
        let mirrored = b2bua.outbound_uac(&headers(&[("Session-Expires", "1200")]));
        assert_eq!(mirrored.request().session_expires.unwrap().interval, 1200);
    }

    #[test]
    fn an_originating_outbound_leg_asks_its_own_interval() {
        let inbound = Policy::RFC;
        let outbound = Policy {
            session_expires: 600,
            ..Policy::RFC
        };
        let b2bua = B2bua::new(inbound, outbound).unwrap();
        let uac = b2bua.outbound_uac(&headers(&[("Session-Expires", "3600")]));
        assert_eq!(uac.request().session_expires.unwrap().interval, 600);
    }

    #[test]
    fn classifier_tells_pure_refresh_from_session_change() {
        let in_force = SdpOrigin::parse(SDP).unwrap();
        assert_eq!(in_force.session_id, "1001");
        assert_eq!(in_force.version, "3");
        let pure = classify_refresh(Method::Invite, Some(SDP), Some(&in_force));
        assert_eq!(pure, RefreshKind::PureRefresh);
        assert_eq!(
            classify_refresh(Method::Update, Some("  \r\n"), None),
            RefreshKind::PureRefresh
        );
        let newer = SDP.replace("1001 3", "1001 4");
        assert_eq!(
            classify_refresh(Method::Invite, Some(&newer), Some(&in_force)),
            RefreshKind::SessionChange
        );
        assert_eq!(
            classify_refresh(Method::Invite, Some(SDP), None),
            RefreshKind::SessionChange
        );
        assert_eq!(
            classify_refresh(Method::Invite, Some("garbage"), Some(&in_force)),
            RefreshKind::SessionChange
        );
        assert_eq!(
            classify_refresh(Method::Other, None, None),
            RefreshKind::SessionChange
        );
        assert_eq!(SdpOrigin::parse("o=too few fields"), None);
    }

    #[test]
    fn rfc4028_s4_an_outbound_timer_failure_is_not_the_callers() {
        assert_eq!(B2bua::inbound_status(Some(422)), 503);
        assert_eq!(B2bua::inbound_status(Some(420)), 503);
        assert_eq!(B2bua::inbound_status(None), 503);
        assert_eq!(B2bua::inbound_status(Some(200)), 502);
        assert_eq!(B2bua::inbound_status(Some(486)), 486);
        assert_eq!(B2bua::inbound_status(Some(408)), 408);
    }

    #[test]
    fn consumed_refresh_restarts_only_its_own_leg() {
        let b2bua = cube();
        let mut inbound = Session::new(false);
        inbound
            .apply(
                Some(Negotiated {
                    interval: 1800,
                    refresher: Side::Remote,
                }),
                0,
            )
            .unwrap();
        let mut outbound = Session::new(false);
        outbound
            .apply(
                Some(Negotiated {
                    interval: 1800,
                    refresher: Side::Local,
                }),
                0,
            )
            .unwrap();
        let refresh = headers(&[
            ("Supported", "timer"),
            ("Session-Expires", "1800;refresher=uac"),
        ]);
        let action = b2bua.on_in_dialog_request(
            Leg::Inbound,
            &mut inbound,
            Method::Invite,
            &refresh,
            RefreshKind::PureRefresh,
        );
        let InDialogAction::Consume(UasDecision::Accept { timer, .. }) = action else {
            panic!("{action:?}")
        };
        inbound.apply(timer, 900_000).unwrap();
        assert_eq!(inbound.refreshed_at_ms(), 900_000);
        assert_eq!(outbound.refreshed_at_ms(), 0, "the other leg is untouched");
        let change = b2bua.on_in_dialog_request(
            Leg::Inbound,
            &mut inbound,
            Method::Invite,
            &refresh,
            RefreshKind::SessionChange,
        );
        assert_eq!(change, InDialogAction::Relay);
    }

    #[test]
    fn no_consumption_without_the_policy() {
        let b2bua = B2bua::new(Policy::RFC, Policy::RFC).unwrap();
        let mut leg = Session::new(false);
        let action = b2bua.on_in_dialog_request(
            Leg::Outbound,
            &mut leg,
            Method::Update,
            &headers(&[]),
            RefreshKind::PureRefresh,
        );
        assert_eq!(action, InDialogAction::Relay);
    }
}
