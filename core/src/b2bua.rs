//! The back-to-back UA: two dialogs, each with its own [`Session`] and policy.
//!
//! Each leg negotiates on its own (the inbound leg as UAS, the outbound as UAC).
//! Two helpers are specific to a B2BUA:
//! - the outbound INVITE can carry Session-Expires even when the inbound one had
//!   none (Cisco CUBE's `session refresh`);
//! - a classifier says whether an in-dialog re-INVITE or UPDATE is a pure
//!   refresh, so the host can answer it on its own leg instead of relaying it
//!   (what CUBE calls consumption).

use crate::header::TimerHeaders;
use crate::outcome::Method;
use crate::policy::Policy;
use crate::session::Session;
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

/// What an in-dialog re-INVITE or UPDATE does to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefreshKind {
    /// No body, or an SDP whose `o=` session id and version are unchanged
    /// (RFC 4028 section 7.4 SUB-16): only a refresh.
    PureRefresh,
    /// A new offer, or one we cannot compare: the other leg must see it.
    SessionChange,
}

/// The session id and version of an SDP `o=` line (RFC 4566 section 5.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SdpOrigin {
    /// `<sess-id>`.
    pub session_id: String,
    /// `<sess-version>`, as written.
    pub version: String,
}

impl SdpOrigin {
    /// Reads the first `o=` line of an SDP body.
    pub fn parse(sdp: &str) -> Option<SdpOrigin> {
        let line = sdp
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .find_map(|l| l.strip_prefix("o="))?;
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        match fields.as_slice() {
            [_user, id, version, _net, _addr_type, _addr] => Some(SdpOrigin {
                session_id: (*id).to_owned(),
                version: (*version).to_owned(),
            }),
            _ => None,
        }
    }
}

/// Whether a re-INVITE or UPDATE with `body` is a pure refresh, given the `o=`
/// of the session description in force on that leg.
pub fn classify_refresh(
    method: Method,
    body: Option<&str>,
    in_force: Option<&SdpOrigin>,
) -> RefreshKind {
    if !method.is_refresh() {
        return RefreshKind::SessionChange;
    }
    match body.map(str::trim).filter(|b| !b.is_empty()) {
        None => RefreshKind::PureRefresh,
        Some(sdp) => match (SdpOrigin::parse(sdp), in_force) {
            (Some(origin), Some(current)) if origin == *current => RefreshKind::PureRefresh,
            _ => RefreshKind::SessionChange,
        },
    }
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

    /// The UAS that answers the inbound INVITE.
    pub fn inbound_uas(&self) -> Uas {
        Uas::from_valid(self.inbound)
    }

    /// The UAC of the outbound INVITE, given the inbound INVITE. It asks for a
    /// timer when its policy originates one; otherwise it mirrors the inbound
    /// request's interval (within its own Min-SE and cap), or inserts its own when
    /// the inbound had none and `insert_on_outbound_leg` is set.
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
