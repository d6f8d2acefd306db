//! The proxy role (RFC 4028 section 8): on the request, insert, lower or raise
//! Session-Expires, raise Min-SE only where allowed, or answer 422; on the 2xx,
//! learn the interval and fill in what a timer-unaware UAS left out.
//!
//! A proxy never sends BYE (section 8.3): at expiry it may only drop its call
//! state. A stateless proxy must not request timers (section 8, PX-2): give it
//! [`crate::Mode::Off`], which leaves every message untouched.

use crate::header::{HeaderEdits, Refresher, SessionExpires, TimerHeaders};
use crate::policy::Policy;
use crate::sip::Method;

/// What a proxy must remember about a request for the length of its
/// transaction (section 8.1, PX-17 and PX-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ProxyTransaction {
    /// The proxy requested a timer: it inserted, lowered, raised, or examined
    /// and accepted Session-Expires.
    pub requested: bool,
    /// The request listed `timer` in Supported.
    pub uac_supports: bool,
    /// The Session-Expires value forwarded, if any.
    pub interval: Option<u32>,
}

/// What a proxy does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRequestDecision {
    /// Forward the request with these edits applied, and keep `transaction`.
    Forward {
        /// Edits to the forwarded request.
        headers: HeaderEdits,
        /// State to keep until the final response.
        transaction: ProxyTransaction,
    },
    /// Answer instead of forwarding: 422 with Min-SE (section 8.1, PX-11),
    /// or, with timers off, 420 with `Unsupported: timer` to a request whose
    /// Proxy-Require lists `timer` (RFC 3261 section 16.3).
    Reject {
        /// 422 or 420.
        status: u16,
        /// Min-SE of a 422; `Unsupported: timer` of a 420.
        headers: HeaderEdits,
    },
}

/// What a proxy does with a 2xx to a session refresh request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponseDecision {
    /// Edits to the forwarded 2xx.
    pub headers: HeaderEdits,
    /// The session interval: the proxy's expiration is the time the 2xx is
    /// forwarded plus this (section 8.2, PX-23). `None`: no expiration.
    pub interval: Option<u32>,
    /// Who refreshes the session the 2xx sets up: the 2xx's `refresher`
    /// parameter, or the UAC when the proxy filled it in (PX-21). `None` with
    /// no expiration, or when a 2xx left the parameter out (which section 7.2
    /// forbids).
    pub refresher: Option<Refresher>,
}

impl ProxyResponseDecision {
    /// When the proxy may drop its call state, given when it forwarded the 2xx.
    pub fn expires_at_ms(&self, forwarded_at_ms: u64) -> Option<u64> {
        self.interval.map(|i| forwarded_at_ms + u64::from(i) * 1000)
    }
}

/// A proxy with its policy: `session_expires` is the interval it inserts,
/// `min_se` its minimum, the cap the most it lets through.
///
/// ```
/// use sessiontimer::{Method, Policy, Proxy, ProxyRequestDecision, TimerHeaders};
///
/// let proxy = Proxy::new(Policy { max_session_expires: Some(1800), ..Policy::RFC })?;
/// let invite = TimerHeaders::parse([("Supported", "timer"), ("Session-Expires", "3600")])?;
/// let ProxyRequestDecision::Forward { headers, transaction } =
///     proxy.on_request(Method::Invite, &invite)
/// else {
///     unreachable!()
/// };
/// // Lowered to the proxy's maximum (section 8.1); the 2xx is read with `transaction`.
/// assert_eq!(headers.session_expires.unwrap().interval, 1800);
/// let ok = TimerHeaders::parse([("Session-Expires", "1800;refresher=uac")])?;
/// assert_eq!(proxy.on_2xx(&transaction, &ok).interval, Some(1800));
/// # Ok::<(), sessiontimer::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proxy {
    policy: Policy,
}

impl Proxy {
    /// A proxy with a validated policy.
    ///
    /// # Errors
    /// As [`Policy::validate`].
    pub fn new(policy: Policy) -> crate::Result<Self> {
        Ok(Proxy {
            policy: policy.validated()?,
        })
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Decides what to do with an INVITE or UPDATE (section 8.1).
    #[must_use]
    pub fn on_request(&self, method: Method, request: &TimerHeaders) -> ProxyRequestDecision {
        let uac_supports = request.supports_timer();
        let untouched = |transaction| ProxyRequestDecision::Forward {
            headers: HeaderEdits::default(),
            transaction,
        };
        if method.is_refresh() && !self.policy.mode.supports() && request.proxy_require_timer {
            // RFC 3261 section 16.3 item 4: a proxy that does not support an
            // extension listed in Proxy-Require answers 420 with Unsupported.
            return ProxyRequestDecision::Reject {
                status: 420,
                headers: HeaderEdits {
                    unsupported_timer: true,
                    ..HeaderEdits::default()
                },
            };
        }
        if !method.is_refresh() || !self.policy.mode.supports() {
            return untouched(ProxyTransaction::default());
        }
        let policy = &self.policy;
        let request_min = request.effective_min_se();
        if matches!(&request.session_expires, Some(se) if se.interval < policy.min_se)
            && uac_supports
        {
            // PX-11, PX-12: 422 with our minimum (never below the request's own).
            return ProxyRequestDecision::Reject {
                status: 422,
                headers: HeaderEdits {
                    min_se: Some(policy.min_se.max(request_min)),
                    ..HeaderEdits::default()
                },
            };
        }
        if request.session_expires.is_none() && !policy.mode.originates() {
            return untouched(ProxyTransaction {
                uac_supports,
                ..ProxyTransaction::default()
            });
        }
        // PX-13, PX-14: a UAC without support cannot be sent a 422, so announce
        // our minimum in Min-SE (never lowering it) and nobody downstream goes
        // below it. PX-16: never when the UAC supports timers.
        let mut edits = HeaderEdits::default();
        let floor = if !uac_supports && policy.min_se > request_min {
            edits.min_se = Some(policy.min_se);
            policy.min_se
        } else {
            request_min
        };
        let interval = match &request.session_expires {
            Some(se) => {
                // PX-7 lower to the cap, never below Min-SE; PX-9, PX-15 raise to
                // Min-SE when below it; PX-8 never raise otherwise.
                let interval = se.interval.min(policy.cap()).max(floor);
                if interval != se.interval {
                    // PX-10: the refresher parameter and the others stay as they are.
                    edits.session_expires = Some(SessionExpires {
                        interval,
                        ..se.clone()
                    });
                }
                interval
            }
            None => {
                // PX-5 never below Min-SE; PX-6 no refresher.
                let interval = policy.session_expires.max(floor);
                edits.session_expires = Some(SessionExpires::new(interval, None));
                interval
            }
        };
        ProxyRequestDecision::Forward {
            headers: edits,
            transaction: ProxyTransaction {
                requested: true,
                uac_supports,
                interval: Some(interval),
            },
        }
    }

    /// Decides what to do with the 2xx of a transaction (section 8.2).
    #[must_use]
    pub fn on_2xx(
        &self,
        transaction: &ProxyTransaction,
        response: &TimerHeaders,
    ) -> ProxyResponseDecision {
        match (&response.session_expires, transaction.interval) {
            // PX-22, PX-24: a 2xx with Session-Expires passes unchanged; a value
            // below 90 (0 included) breaks section 4 and counts as 90, as a
            // UAC reads it, so the interval is always one an engine takes.
            (Some(se), _) => ProxyResponseDecision {
                headers: HeaderEdits::default(),
                interval: Some(se.interval.max(crate::policy::RFC_MIN_SE)),
                refresher: se.refresher,
            },
            // PX-21: the UAS ignored the timer, the UAC can refresh: tell it to.
            (None, Some(interval)) if transaction.requested && transaction.uac_supports => {
                ProxyResponseDecision {
                    headers: HeaderEdits {
                        session_expires: Some(SessionExpires::new(interval, Some(Refresher::Uac))),
                        require_timer: true,
                        ..HeaderEdits::default()
                    },
                    interval: Some(interval),
                    refresher: Some(Refresher::Uac),
                }
            }
            // PX-20: nobody can refresh; no expiration.
            _ => ProxyResponseDecision {
                headers: HeaderEdits::default(),
                interval: None,
                refresher: None,
            },
        }
    }
}
