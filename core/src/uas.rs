//! The UAS role (RFC 4028 section 9): answering an INVITE or UPDATE.
//!
//! The UAS decides between 420 (timers off but required), 421 (we require them,
//! the UAC lacks them), 422 (interval too small, only to a UAC that supports
//! timers), and a 2xx whose Session-Expires carries the interval and the
//! refresher chosen by Table 2.

use crate::header::{HeaderEdits, Refresher, SessionExpires, TimerHeaders};
use crate::outcome::{Negotiated, Role, Side};
use crate::policy::{Mode, Policy, RefresherPreference};
use crate::session::Session;
use crate::sip::Method;

/// What a UAS answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UasDecision {
    /// Send a 2xx (when the rest of the request is acceptable) with these
    /// headers; once it is sent, the dialog's timer is `timer` (`None`: no
    /// session expiration, RFC 4028 section 9 UAS-12).
    Accept {
        /// Session-timer headers of the 2xx.
        headers: HeaderEdits,
        /// The timer in force once the 2xx is sent.
        timer: Option<Negotiated>,
    },
    /// Reject the request with `status` (420, 421 or 422) and these headers.
    Reject {
        /// The response code; [`crate::reason_phrase`] gives its text.
        status: u16,
        /// Session-timer headers of the response (Unsupported, Require or Min-SE).
        headers: HeaderEdits,
    },
    /// The method is not INVITE or UPDATE: session-timer headers in it are
    /// ignored (RFC 4028 section 4, Table 1).
    NotARefresh,
}

/// A UAS with its policy.
///
/// ```
/// use sessiontimer::{Method, Policy, TimerHeaders, Uas, UasDecision};
///
/// let uas = Uas::new(Policy { min_se: 600, ..Policy::RFC })?;
/// let small = TimerHeaders::parse([("Supported", "timer"), ("Session-Expires", "300")])?;
/// let UasDecision::Reject { status, headers } = uas.decide(Method::Invite, &small, None) else {
///     unreachable!()
/// };
/// assert_eq!((status, headers.min_se), (422, Some(600))); // section 9
/// # Ok::<(), sessiontimer::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uas {
    policy: Policy,
}

impl Uas {
    /// A UAS with a validated policy.
    ///
    /// # Errors
    /// As [`Policy::validate`].
    pub fn new(policy: Policy) -> crate::Result<Self> {
        policy.validated().map(Uas::from_valid)
    }

    /// A UAS whose policy was validated already.
    pub(crate) const fn from_valid(policy: Policy) -> Self {
        Uas { policy }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The dialog's session once the 2xx to the initial `request` went out at
    /// `now_ms`, with `timer` from the [`UasDecision::Accept`] for it: what the
    /// request showed is recorded (timer support, UPDATE in Allow, its
    /// Min-SE), so the session refreshes by UPDATE when the peer allows it
    /// (RFC 4028 section 7.4) and never below the Min-SE of the dialog. The
    /// answering side's counterpart of [`crate::Uac::establish`].
    ///
    /// ```
    /// use sessiontimer::{Method, Policy, TimerHeaders, Uas, UasDecision};
    ///
    /// let uas = Uas::new(Policy::RFC)?;
    /// let invite = TimerHeaders::parse([
    ///     ("Supported", "timer"),
    ///     ("Session-Expires", "1800;refresher=uas"),
    ///     ("Allow", "INVITE, ACK, BYE, UPDATE"),
    /// ])?;
    /// let UasDecision::Accept { timer, .. } = uas.decide(Method::Invite, &invite, None) else {
    ///     unreachable!("a valid request is accepted")
    /// };
    /// let session = uas.establish(&invite, timer, 0)?;
    /// // We refresh (refresher=uas), by UPDATE, since the caller allows it.
    /// let refresh = session.refresh_request(uas.policy());
    /// assert_eq!(refresh.method, Method::Update);
    /// # Ok::<(), sessiontimer::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::IntervalBelowMinimum`] for a timer below 90 s (no
    /// decision of this crate yields one).
    pub fn establish(
        &self,
        request: &TimerHeaders,
        timer: Option<Negotiated>,
        now_ms: u64,
    ) -> crate::Result<Session> {
        let mut session = Session::new(false);
        session.note_peer(request);
        if let Some(min_se) = &request.min_se {
            session.learn_min_se(min_se.effective());
        }
        session.apply(timer, now_ms)?;
        Ok(session)
    }

    /// Decides the answer to a request given as header pairs.
    ///
    /// # Errors
    /// A malformed session-timer header: answer 400 ([`crate::Error::status_code`]).
    pub fn decide_headers<I, N, V>(&self, method: Method, headers: I) -> crate::Result<UasDecision>
    where
        I: IntoIterator<Item = (N, V)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        Ok(self.decide(method, &TimerHeaders::parse(headers)?, None))
    }

    /// Decides the answer to a request. `dialog` is the timer in force on the
    /// dialog for a mid-dialog request (`None` for an initial INVITE).
    #[must_use]
    pub fn decide(
        &self,
        method: Method,
        request: &TimerHeaders,
        dialog: Option<&Negotiated>,
    ) -> UasDecision {
        if !method.is_refresh() {
            return UasDecision::NotARefresh;
        }
        let policy = &self.policy;
        if !policy.mode.supports() {
            return self.decide_without_support(request);
        }
        let supports = request.supports_timer();
        if policy.mode == Mode::Required && !supports {
            return reject(
                421,
                HeaderEdits {
                    require_timer: true,
                    ..HeaderEdits::default()
                },
            );
        }
        let request_min = request.effective_min_se();
        let floor = policy.min_se.max(request_min);
        let interval = match &request.session_expires {
            Some(se) if se.interval < floor => {
                if supports {
                    // Section 9 UAS-2/UAS-3 (and checklist V23 when SE < the
                    // request's own Min-SE): 422 with our minimum.
                    return reject(
                        422,
                        HeaderEdits {
                            min_se: Some(floor),
                            ..HeaderEdits::default()
                        },
                    );
                }
                // Section 8.1/9: a UAC without support cannot usefully be
                // rejected. The letter says accept (never below the request's
                // Min-SE, so never below 90); erratum 1687 says raise.
                if policy.raise_unsupported_interval {
                    floor
                } else {
                    se.interval.max(request_min)
                }
            }
            // Section 9 UAS-5/UAS-6: lower to our cap at most, never below Min-SE,
            // never raise.
            Some(se) => se.interval.min(policy.cap()).max(request_min),
            // Checklist V21 (anchors A18): a mid-dialog request without
            // Session-Expires would turn the timer off; reassert it.
            None => match dialog {
                Some(current) => current.interval.max(request_min),
                // Section 9 UAS-7 (erratum 632): we may ask for a timer
                // ourselves, never below the request's Min-SE.
                None if policy.mode.originates() => policy.session_expires.max(request_min),
                None => return accept_without_timer(),
            },
        };
        let refresher = self.choose_refresher(request, dialog);
        UasDecision::Accept {
            headers: HeaderEdits {
                session_expires: Some(SessionExpires::new(interval, Some(refresher))),
                supported_timer: true,
                // UAS-10 (MUST for uac), UAS-11 (SHOULD for uas), and EXT-4: never
                // to a request without `timer` in Supported.
                require_timer: supports,
                ..HeaderEdits::default()
            },
            timer: Some(Negotiated {
                interval,
                refresher: Side::from_refresher(refresher, Role::Uas),
            }),
        }
    }

    /// Table 2 of RFC 4028 section 9, with our preference for row 4.
    fn choose_refresher(&self, request: &TimerHeaders, dialog: Option<&Negotiated>) -> Refresher {
        if !request.supports_timer() {
            // Row 1, and the "NA" rows read as row 1 (checklist V06, A23).
            return Refresher::Uas;
        }
        if let Some(named) = request.session_expires.as_ref().and_then(|se| se.refresher) {
            // Rows 5 and 6: the UAS cannot override the UAC's choice (UAS-9).
            return named;
        }
        if let Some(current) = dialog {
            // Mid-dialog without a refresher parameter: keep the roles (anchors
            // A21, as PJSIP does) rather than flip them.
            return current.refresher.to_refresher(Role::Uas);
        }
        match self.policy.refresher {
            RefresherPreference::Auto | RefresherPreference::Uac | RefresherPreference::Remote => {
                Refresher::Uac
            }
            RefresherPreference::Uas | RefresherPreference::Local => Refresher::Uas,
        }
    }

    /// Timers off: 420 to `Require: timer` (RFC 3261 section 8.2.2.3, checklist
    /// V17), else a plain answer with no timer (V18).
    fn decide_without_support(&self, request: &TimerHeaders) -> UasDecision {
        if request.require_timer {
            return reject(
                420,
                HeaderEdits {
                    unsupported_timer: true,
                    ..HeaderEdits::default()
                },
            );
        }
        UasDecision::Accept {
            headers: HeaderEdits::default(),
            timer: None,
        }
    }
}

fn reject(status: u16, headers: HeaderEdits) -> UasDecision {
    UasDecision::Reject { status, headers }
}

fn accept_without_timer() -> UasDecision {
    UasDecision::Accept {
        headers: HeaderEdits {
            supported_timer: true,
            ..HeaderEdits::default()
        },
        timer: None,
    }
}
