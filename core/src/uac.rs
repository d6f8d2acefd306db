//! The UAC role (RFC 4028 section 7): the headers of an initial INVITE, its
//! retries after 422 or 420, and reading the 2xx.
//!
//! One [`Uac`] lives for one Call-ID until the dialog is established; from then
//! on the dialog's [`Session`] builds the refreshes.

use crate::error::Error;
use crate::header::{HeaderEdits, Refresher, SessionExpires, TimerHeaders};
use crate::outcome::{Negotiated, Role, Side};
use crate::policy::{Mode, Policy, RefresherPreference, RFC_MIN_SE};
use crate::session::Session;

/// The client side of an initial INVITE, with the 422 history of its Call-ID.
///
/// ```
/// use sessiontimer::{Policy, Side, TimerHeaders, Uac};
///
/// let mut uac = Uac::new(Policy { session_expires: 90, ..Policy::RFC })?;
/// assert_eq!(uac.request().session_expires.unwrap().interval, 90);
/// // 422 with Min-SE 120: the retry asks for 120 and says Min-SE 120 (section 7.4).
/// let retry = uac.on_422(&TimerHeaders::parse([("Min-SE", "120")])?)?;
/// assert_eq!((retry.session_expires.unwrap().interval, retry.min_se), (120, Some(120)));
/// // The 2xx: the callee refreshes; the dialog's session keeps what it said.
/// let ok = TimerHeaders::parse([("Session-Expires", "120;refresher=uas"), ("Supported", "timer")])?;
/// let session = uac.establish(&ok, 0);
/// assert_eq!(session.timer().unwrap().refresher, Side::Remote);
/// # Ok::<(), sessiontimer::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uac {
    policy: Policy,
    /// The interval we ask for before any 422; `None`: we do not ask.
    offer: Option<u32>,
    /// The largest Min-SE of every 422 to this Call-ID (section 7.4 SUB-3/SUB-4).
    largest_422_min_se: Option<u32>,
    retries: u8,
    /// A 420 listed `timer` as unsupported: retry without `Require: timer`.
    require_dropped: bool,
}

impl Uac {
    /// A UAC that asks for `policy.session_expires` when its mode originates timers.
    ///
    /// # Errors
    /// As [`Policy::validate`].
    pub fn new(policy: Policy) -> crate::Result<Self> {
        let offer = policy.mode.originates().then_some(policy.session_expires);
        Uac::with_offer(policy, offer)
    }

    /// A UAC that asks for `offer` seconds (`None`: asks for no timer, but still
    /// lists `timer` in Supported). A B2BUA uses it to mirror its inbound leg.
    ///
    /// # Errors
    /// As [`Policy::validate`].
    pub fn with_offer(policy: Policy, offer: Option<u32>) -> crate::Result<Self> {
        policy.validated().map(|p| Uac::from_valid(p, offer))
    }

    /// A UAC whose policy was validated already.
    pub(crate) fn from_valid(policy: Policy, offer: Option<u32>) -> Self {
        Uac {
            policy,
            offer: offer.filter(|_| policy.mode.supports()),
            largest_422_min_se: None,
            retries: 0,
            require_dropped: false,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How many retries 422 responses have caused so far.
    pub fn retries(&self) -> u8 {
        self.retries
    }

    /// The Session-Expires value the next request carries, if any: the offer,
    /// raised to every Min-SE we know (section 7.1 UAC-I-9, section 7.4).
    pub fn offered_interval(&self) -> Option<u32> {
        self.offer
            .map(|o| o.max(self.min_se_to_send().unwrap_or(RFC_MIN_SE)))
    }

    /// Min-SE to send: the largest seen in 422s (MUST, section 7.4), raised to
    /// our own (SUB-6); before any 422, ours if it is above the default 90.
    fn min_se_to_send(&self) -> Option<u32> {
        let own = self.policy.min_se;
        match self.largest_422_min_se {
            Some(seen) => Some(seen.max(own)),
            None => (own > RFC_MIN_SE).then_some(own),
        }
    }

    /// The session-timer headers of the INVITE to send now: the initial one, or
    /// the retry after a 422 or 420 (same Call-ID, CSeq + 1: RFC 4028 section 7.3,
    /// RFC 3261 section 8.1.3.5; the host keeps those).
    #[must_use]
    pub fn request(&self) -> HeaderEdits {
        if !self.policy.mode.supports() {
            return HeaderEdits::default();
        }
        let refresher = match self.policy.refresher {
            // Section 7.1 UAC-I-10: we may name ourselves; otherwise leave it out
            // (UAC-I-11), since we cannot know yet whether the peer supports timers.
            RefresherPreference::Local | RefresherPreference::Uac => Some(Refresher::Uac),
            _ => None,
        };
        HeaderEdits {
            session_expires: self
                .offered_interval()
                .map(|i| SessionExpires::new(i, refresher)),
            min_se: self.min_se_to_send(),
            // UAC-I-1, UAC-I-2, UAC-I-6: always, also with Require.
            supported_timer: true,
            require_timer: self.policy.mode == Mode::Required && !self.require_dropped,
            ..HeaderEdits::default()
        }
    }

    /// A 422 arrived: the headers of the retry, with Min-SE the largest seen and
    /// Session-Expires raised to it (section 7.3, checklist V38, V39).
    ///
    /// # Errors
    /// - [`Error::MissingMinSeIn422`] (section 6 G-10; V41),
    /// - [`Error::Useless422`] when the retry would be identical (section 10; V40),
    ///   as it always is when our policy's mode is `Off`,
    /// - [`Error::MinSeAboveMax`] when it asks more than
    ///   [`Policy::ceiling_422`] (`max_session_expires`, or a day),
    /// - [`Error::TooMany422`] past the policy's retry cap.
    pub fn on_422(&mut self, response: &TimerHeaders) -> crate::Result<HeaderEdits> {
        let asked = response
            .min_se
            .as_ref()
            .ok_or(Error::MissingMinSeIn422)?
            .effective();
        if !self.policy.mode.supports() {
            // We send no session-timer header, so the retry would be the very
            // request the 422 refused (section 10).
            return Err(Error::Useless422 {
                min_se: asked,
                offered: 0,
            });
        }
        let offered = self
            .offered_interval()
            .or(self.min_se_to_send())
            .unwrap_or(RFC_MIN_SE);
        if asked <= offered {
            return Err(Error::Useless422 {
                min_se: asked,
                offered,
            });
        }
        let max = self.policy.ceiling_422();
        if asked > max {
            return Err(Error::MinSeAboveMax { min_se: asked, max });
        }
        if self.retries >= self.policy.max_422_retries {
            return Err(Error::TooMany422 {
                attempts: self.retries,
            });
        }
        self.retries += 1;
        self.largest_422_min_se = Some(self.largest_422_min_se.unwrap_or(0).max(asked));
        Ok(self.request())
    }

    /// A 420 arrived: if it lists `timer` as unsupported and we required it, the
    /// retry's headers without `Require: timer` (RFC 3261 section 8.1.3.5,
    /// checklist V58, anchors A17); otherwise `None` (nothing to retry).
    #[must_use]
    pub fn on_420(&mut self, response: &TimerHeaders) -> Option<HeaderEdits> {
        let sent = self.request();
        if !(response.unsupported_timer && sent.require_timer) {
            return None;
        }
        self.require_dropped = true;
        Some(self.request())
    }

    /// Reads the 2xx to our INVITE: the timer in force (section 7.2).
    #[must_use]
    pub fn on_2xx(&self, response: &TimerHeaders) -> Option<Negotiated> {
        read_2xx(
            &self.policy,
            self.offered_interval(),
            response,
            response.supported_timer,
        )
    }

    /// The dialog's session state once the 2xx arrived at `now_ms`. The Min-SE
    /// learnt from 422s before the dialog existed is cleared (section 7.4 SUB-5).
    #[must_use]
    pub fn establish(&self, response: &TimerHeaders, now_ms: u64) -> Session {
        let mut session = Session::new(self.request().require_timer);
        session.set_owns_call_id(true);
        session.note_peer(response);
        session.set_timer(self.on_2xx(response), now_ms);
        session
    }
}

/// Reads a 2xx to a session refresh request we sent with `offered` seconds in
/// Session-Expires (section 7.2). Shared by the initial INVITE and every refresh;
/// `peer_supports`: the peer has shown `timer` in Supported (in this 2xx, or
/// earlier on the dialog).
pub(crate) fn read_2xx(
    policy: &Policy,
    offered: Option<u32>,
    response: &TimerHeaders,
    peer_supports: bool,
) -> Option<Negotiated> {
    if !policy.mode.supports() {
        return None;
    }
    match &response.session_expires {
        // UAC-R-4/UAC-R-5: also without `Require: timer` (V32); a larger value
        // than we asked for is adopted, the most recent 2xx governs (V37, A20);
        // a value below 90 counts as 90 (A14); no refresher means we refresh
        // (V36, A2: an extra refresh costs little, a missing one the call).
        Some(se) => Some(Negotiated {
            interval: se.interval.max(RFC_MIN_SE),
            refresher: se
                .refresher
                .map_or(Side::Local, |r| Side::from_refresher(r, Role::Uac)),
        }),
        // UAC-R-6: the UAS does not support timers (or broke UAC-R-3 by sending
        // `Require: timer` without Session-Expires): we refresh with our value.
        // UAC-R-7: a UAS that supports timers and answers without
        // Session-Expires turns the timer off, unless we always want one.
        None => offered
            .filter(|_| policy.mode == Mode::Always || response.require_timer || !peer_supports)
            .map(|interval| Negotiated {
                interval,
                refresher: Side::Local,
            }),
    }
}
