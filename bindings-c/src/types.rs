//! Plain C types: settings, header rows, the negotiated timer, decisions and
//! actions, with their checked conversions to and from the core's types.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

use core_st::{
    ByeMargin, Leg, Method, Mode, Negotiated, Policy, RefreshKind, RefreshMethod, Refresher,
    RefresherPreference, Side,
};

use crate::boundary::fail;
use crate::result::sst_result;

/// The checked conversions between a C enum (declared literally, so cbindgen
/// sees it) and the core's type, by declaration order.
macro_rules! c_enum {
    ($name:ident => $core:ty { $($variant:ident => $core_variant:expr),+ $(,)? }) => {
        impl $name {
            const CORE: &'static [$core] = &[$($core_variant),+];

            /// The core value of a raw C value, or `SST_RESULT_INVALID_ARGUMENT`.
            pub fn core(raw: u32) -> Result<$core, sst_result> {
                Self::core_quietly(raw).ok_or_else(|| {
                    fail(
                        sst_result::InvalidArgument,
                        format!("{raw} is not a valid {}", stringify!($name)),
                    )
                })
            }

            /// The core value of a raw C value, if any, recording no error:
            /// for a value already checked by [`Self::core`].
            pub fn core_quietly(raw: u32) -> Option<$core> {
                usize::try_from(raw).ok().and_then(|i| Self::CORE.get(i).copied())
            }

            /// The raw C value of a core value.
            pub fn raw(value: $core) -> u32 {
                Self::CORE.iter().position(|v| *v == value).unwrap_or(0) as u32
            }
        }

        // The C discriminants are the positions in `CORE`.
        const _: () = {
            let mut position = 0;
            $(
                assert!($name::$variant as u32 == position);
                position += 1;
            )+
            let _ = position;
        };
    };
}

/// Whether and how much a party wants session timers.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_mode {
    /// No support: `timer` is never listed.
    Off,
    /// Support timers, ask for none.
    Accept,
    /// Ask for a timer (the RFC default).
    Originate,
    /// Require `timer` of the peer (421 otherwise).
    Required,
    /// Always run a timer, even without the peer's support.
    Always,
}

c_enum! {
    sst_mode => Mode {
        Off => Mode::Off,
        Accept => Mode::Accept,
        Originate => Mode::Originate,
        Required => Mode::Required,
        Always => Mode::Always,
    }
}

/// Who should refresh when the choice is ours.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_refresher_preference {
    /// Table 2's default.
    Auto,
    /// We refresh.
    Local,
    /// The peer refreshes.
    Remote,
    /// The UAC of the transaction refreshes.
    Uac,
    /// The UAS of the transaction refreshes.
    Uas,
}

c_enum! {
    sst_refresher_preference => RefresherPreference {
        Auto => RefresherPreference::Auto,
        Local => RefresherPreference::Local,
        Remote => RefresherPreference::Remote,
        Uac => RefresherPreference::Uac,
        Uas => RefresherPreference::Uas,
    }
}

/// How refreshes are sent.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_refresh_method {
    /// UPDATE when the peer allows it, else re-INVITE.
    Auto,
    /// Always re-INVITE.
    ReinviteOnly,
}

c_enum! {
    sst_refresh_method => RefreshMethod {
        Auto => RefreshMethod::Auto,
        ReinviteOnly => RefreshMethod::ReInviteOnly,
    }
}

/// When the non-refresher sends BYE before expiry.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_bye_margin {
    /// min(32 s, interval / 3), RFC 4028 section 10.
    Rfc,
    /// interval / 10 (sofia-sip).
    OneTenth,
    /// At expiry.
    None,
}

c_enum! {
    sst_bye_margin => ByeMargin {
        Rfc => ByeMargin::Rfc,
        OneTenth => ByeMargin::OneTenth,
        None => ByeMargin::None,
    }
}

/// Who refreshes, relative to one transaction (the `refresher` parameter of
/// Session-Expires).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_refresher {
    /// Nobody: no session timer, or a 2xx that left the parameter out.
    None,
    /// The client of the transaction.
    Uac,
    /// The server of the transaction.
    Uas,
}

c_enum! {
    sst_refresher => Option<Refresher> {
        None => None,
        Uac => Some(Refresher::Uac),
        Uas => Some(Refresher::Uas),
    }
}

/// Which side of the dialog refreshes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_side {
    /// We do.
    Local,
    /// The peer does.
    Remote,
}

c_enum! {
    sst_side => Side {
        Local => Side::Local,
        Remote => Side::Remote,
    }
}

/// A request method, as far as session timers care.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_method {
    /// INVITE.
    Invite,
    /// UPDATE.
    Update,
    /// Any other method: session-timer headers are ignored.
    Other,
}

c_enum! {
    sst_method => Method {
        Invite => Method::Invite,
        Update => Method::Update,
        Other => Method::Other,
    }
}

/// A back-to-back UA's leg.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_leg {
    /// The leg the call came in on.
    Inbound,
    /// The leg the B2BUA placed.
    Outbound,
}

c_enum! {
    sst_leg => Leg {
        Inbound => Leg::Inbound,
        Outbound => Leg::Outbound,
    }
}

/// Whether an in-dialog re-INVITE or UPDATE only refreshes the session.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_refresh_kind {
    /// No SDP, or the SDP in force (same `o=` version).
    PureRefresh,
    /// A new offer: relay it.
    SessionChange,
}

c_enum! {
    sst_refresh_kind => RefreshKind {
        PureRefresh => RefreshKind::PureRefresh,
        SessionChange => RefreshKind::SessionChange,
    }
}

/// A boolean in a struct the library reads or writes: 0 is false and any
/// other value is true, however the field was filled (`memset`, a union, a
/// store). The library writes 0 or 1. A byte, not `bool`: a C `bool` holding
/// another value would be undefined behaviour once read as Rust's `bool`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct sst_bool(pub u8);

impl sst_bool {
    /// True for any value but 0.
    pub fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for sst_bool {
    fn from(value: bool) -> Self {
        sst_bool(u8::from(value))
    }
}

/// Every session-timer setting of one party (or one B2BUA leg). Start from
/// `sst_policy_default` or `sst_policy_preset`, then change fields.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_policy {
    /// An `sst_mode`.
    pub mode: u32,
    /// The interval we ask for or insert, in seconds (default 1800).
    pub session_expires: u32,
    /// The smallest interval we accept, at least 90 (default 90).
    pub min_se: u32,
    /// The largest interval we accept from a peer, and the furthest a 422 is
    /// followed; 0: `session_expires` caps what we accept, and a 422 is
    /// followed up to a day (or `session_expires` if larger).
    pub max_session_expires: u32,
    /// An `sst_refresher_preference`.
    pub refresher: u32,
    /// An `sst_refresh_method`.
    pub refresh_method: u32,
    /// An `sst_bye_margin`.
    pub bye_margin: u32,
    /// How many 422 responses a UAC answers with a retry (default 3).
    pub max_422_retries: u8,
    /// As UAS, raise a too-small interval from a timer-unaware UAC (erratum 1687).
    pub raise_unsupported_interval: sst_bool,
    /// As B2BUA, add Session-Expires to the outbound INVITE.
    pub insert_on_outbound_leg: sst_bool,
    /// As B2BUA, answer pure refreshes on their own leg.
    pub consume_refreshes: sst_bool,
    /// Refresh on a silent refresher's behalf before sending BYE (Ribbon).
    pub refresh_for_silent_peer: sst_bool,
    /// Take a 501 answer to a refresh as success (SEMS).
    pub accept_501_as_refreshed: sst_bool,
}

impl sst_policy {
    /// The C form of a core policy.
    pub fn from_core(p: &Policy) -> Self {
        sst_policy {
            mode: sst_mode::raw(p.mode),
            session_expires: p.session_expires,
            min_se: p.min_se,
            max_session_expires: p.max_session_expires.unwrap_or(0),
            refresher: sst_refresher_preference::raw(p.refresher),
            refresh_method: sst_refresh_method::raw(p.refresh_method),
            bye_margin: sst_bye_margin::raw(p.bye_margin),
            max_422_retries: p.max_422_retries,
            raise_unsupported_interval: p.raise_unsupported_interval.into(),
            insert_on_outbound_leg: p.insert_on_outbound_leg.into(),
            consume_refreshes: p.consume_refreshes.into(),
            refresh_for_silent_peer: p.refresh_for_silent_peer.into(),
            accept_501_as_refreshed: p.accept_501_as_refreshed.into(),
        }
    }

    /// The core policy, every enum checked (validation is the core's).
    pub fn to_core(&self) -> Result<Policy, sst_result> {
        Ok(Policy {
            mode: sst_mode::core(self.mode)?,
            session_expires: self.session_expires,
            min_se: self.min_se,
            max_session_expires: (self.max_session_expires != 0)
                .then_some(self.max_session_expires),
            refresher: sst_refresher_preference::core(self.refresher)?,
            refresh_method: sst_refresh_method::core(self.refresh_method)?,
            max_422_retries: self.max_422_retries,
            raise_unsupported_interval: self.raise_unsupported_interval.get(),
            insert_on_outbound_leg: self.insert_on_outbound_leg.get(),
            consume_refreshes: self.consume_refreshes.get(),
            bye_margin: sst_bye_margin::core(self.bye_margin)?,
            refresh_for_silent_peer: self.refresh_for_silent_peer.get(),
            accept_501_as_refreshed: self.accept_501_as_refreshed.get(),
        })
    }
}

/// One header row of a message: name and value as pointer and length (no NUL needed).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_header {
    /// The header name (long or compact form, any case).
    pub name: *const c_char,
    /// Its length in bytes.
    pub name_len: usize,
    /// The header value.
    pub value: *const c_char,
    /// Its length in bytes.
    pub value_len: usize,
}

/// A negotiated session timer: the interval and who refreshes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct sst_timer {
    /// The interval in seconds.
    pub interval: u32,
    /// An `sst_side`.
    pub refresher: u32,
}

impl sst_timer {
    /// The C form of a core timer.
    pub fn from_core(n: Negotiated) -> Self {
        sst_timer {
            interval: n.interval,
            refresher: sst_side::raw(n.refresher),
        }
    }

    /// The core timer, checked.
    pub fn to_core(self) -> Result<Negotiated, sst_result> {
        sst_side::core(self.refresher).map(|refresher| self.with(refresher))
    }

    /// The core timer of one [`sst_timer::to_core`] accepted (`None` for
    /// any other), recording no error.
    pub fn to_core_quietly(self) -> Option<Negotiated> {
        sst_side::core_quietly(self.refresher).map(|refresher| self.with(refresher))
    }

    /// The core timer with this interval and `refresher`.
    fn with(self, refresher: Side) -> Negotiated {
        Negotiated {
            interval: self.interval,
            refresher,
        }
    }
}

/// What a decision says to do.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_decision_kind {
    /// Send a 2xx with the headers; the timer then is `timer` (if `has_timer`).
    Accept,
    /// Reject with `status` (420, 421 or 422) and the headers.
    Reject,
    /// Not INVITE or UPDATE: session timers do not apply.
    NotARefresh,
    /// A proxy: forward the request with the headers set (keep the transaction).
    Forward,
    /// A B2BUA: relay the in-dialog request to the other leg.
    Relay,
}

/// A decision. Its session-timer headers are written to the caller's buffer
/// as `Name: value\r\n` lines.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_decision {
    /// An `sst_decision_kind`.
    pub kind: u32,
    /// The response status: 200 to accept, 420/421/422 to reject, 0 otherwise.
    pub status: u16,
    /// Whether `timer` holds the timer in force once the 2xx is sent.
    pub has_timer: sst_bool,
    /// The timer in force once the 2xx is sent.
    pub timer: sst_timer,
}

impl sst_decision {
    /// A decision with no timer.
    pub fn plain(kind: sst_decision_kind, status: u16) -> Self {
        sst_decision {
            kind: kind as u32,
            status,
            has_timer: false.into(),
            timer: sst_timer::default(),
        }
    }
}
