//! Policy: every session-timer knob, its RFC default, and the named vendor
//! presets, which are rows of data, not code paths.

use crate::error::{Error, PolicyProblem};

/// The smallest legal Session-Expires and the floor of any Min-SE
/// (RFC 4028 sections 4 and 5).
pub const RFC_MIN_SE: u32 = 90;

/// The recommended session interval (RFC 4028 section 4).
pub const RFC_SESSION_EXPIRES: u32 = 1800;

/// Whether and how much this party wants session timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// No support: `timer` is never listed in Supported, a request with
    /// `Require: timer` gets 420 (RFC 3261 section 8.2.2.3), and no timer runs.
    Off,
    /// Supports timers and uses one when another party asks for it, but never
    /// asks itself (a UAS answering without Session-Expires, checklist V08).
    Accept,
    /// Asks for a timer: Session-Expires in our INVITEs, and in our 2xx when the
    /// request had none (RFC 4028 sections 7.1 and 9). With a peer that lacks
    /// support we refresh ourselves where the RFC allows it (Table 2 row 1,
    /// section 7.2 "proceeds as if").
    Originate,
    /// As [`Mode::Originate`], and the peer must support timers: our INVITEs carry
    /// `Require: timer` (RFC 4028 section 7.1, NOT RECOMMENDED there), and as UAS
    /// a request without `timer` in Supported gets 421 Extension Required.
    Required,
    /// As [`Mode::Originate`], and the timer runs even when the peer's 2xx
    /// declines it (we refresh, with the interval we asked for): Dialogic IMG's
    /// "enforce even if the remote does not support it".
    Always,
}

impl Mode {
    /// Whether `timer` is supported at all.
    pub const fn supports(self) -> bool {
        !matches!(self, Mode::Off)
    }

    /// Whether this party asks for a timer on its own.
    pub const fn originates(self) -> bool {
        matches!(self, Mode::Originate | Mode::Required | Mode::Always)
    }
}

/// Who should refresh when the RFC leaves the choice to us (Table 2 row 4 as
/// UAS; the `refresher` parameter of our own INVITE as UAC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefresherPreference {
    /// The RFC's reading as PJSIP and sofia-sip apply it: as UAS let the UAC
    /// refresh (it asked); as UAC leave the parameter out (RFC 4028 section 7.1
    /// RECOMMENDED).
    Auto,
    /// We refresh.
    Local,
    /// The peer refreshes.
    Remote,
    /// The client of the transaction refreshes.
    Uac,
    /// The server of the transaction refreshes.
    Uas,
}

/// How our refreshes are sent (RFC 4028 section 7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefreshMethod {
    /// UPDATE when the peer's Allow lists it (RECOMMENDED), else re-INVITE; a
    /// 405 or 501 to an UPDATE falls back to re-INVITE for the rest of the dialog.
    Auto,
    /// Always re-INVITE (Cisco CUBE with UPDATE stripped from Allow).
    ReInviteOnly,
}

/// How long before expiry the non-refresher gives up and sends BYE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByeMargin {
    /// min(32 s, interval / 3) (RFC 4028 section 10, RECOMMENDED).
    Rfc,
    /// min(32 s, interval / 10): sofia-sip's 9/10 of the interval.
    OneTenth,
    /// No margin: BYE at expiry.
    None,
}

impl ByeMargin {
    /// The margin in milliseconds for an interval given in milliseconds.
    pub const fn margin_ms(self, interval_ms: u64) -> u64 {
        match self {
            ByeMargin::Rfc => capped_part(interval_ms, 3),
            ByeMargin::OneTenth => capped_part(interval_ms, 10),
            ByeMargin::None => 0,
        }
    }
}

/// `interval_ms / divisor`, at most 32 s: compared before dividing, so
/// that the usual interval (from `divisor` times 32 s on) takes no division
/// (the engine computes a margin at every re-arm).
#[inline(always)]
const fn capped_part(interval_ms: u64, divisor: u64) -> u64 {
    if interval_ms >= 32_000 * divisor {
        32_000
    } else {
        interval_ms / divisor
    }
}

/// Every session-timer setting of one party (or one B2BUA leg).
///
/// [`Policy::RFC`] (also [`Policy::default`]) holds the RFC's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy {
    /// Whether and how much we want timers. Default [`Mode::Originate`].
    pub mode: Mode,
    /// The interval we ask for or insert, in seconds. Default 1800.
    pub session_expires: u32,
    /// The smallest interval we accept (our Min-SE), at least 90. Default 90.
    pub min_se: u32,
    /// The largest interval we accept from a peer: a UAS or proxy lowers a larger
    /// request to it, never below the request's Min-SE, and a UAC (or a
    /// refresh) follows a 422 no further. `None` (the default): a UAS or proxy
    /// caps at `session_expires` ([`Policy::cap`]); a UAC follows a 422 up to
    /// a day, or `session_expires` if larger ([`Policy::ceiling_422`]), so a
    /// UAC asking 90 s still takes a peer's Min-SE of 1800.
    pub max_session_expires: Option<u32>,
    /// Who should refresh when the choice is ours. Default [`RefresherPreference::Auto`].
    pub refresher: RefresherPreference,
    /// How refreshes are sent. Default [`RefreshMethod::Auto`].
    pub refresh_method: RefreshMethod,
    /// How many 422 responses a UAC answers with a retry before giving up. Default 3.
    pub max_422_retries: u8,
    /// As UAS, raise a too-small interval from a UAC without timer support to our
    /// Min-SE (erratum 1687's proxy-like reading) instead of accepting it as
    /// section 9 says. Default false (the RFC's letter).
    pub raise_unsupported_interval: bool,
    /// As B2BUA, add Session-Expires to the outbound INVITE when the inbound leg
    /// had none (Cisco CUBE's `session refresh`). Default false.
    pub insert_on_outbound_leg: bool,
    /// As B2BUA, answer a pure refresh on its own leg instead of relaying it
    /// (Cisco CUBE's mid-call re-INVITE/UPDATE consumption). Default false.
    pub consume_refreshes: bool,
    /// When the non-refresher sends BYE. Default [`ByeMargin::Rfc`].
    pub bye_margin: ByeMargin,
    /// When the peer is the refresher and its refresh does not come by the BYE
    /// time, send a refresh on its behalf (the peer stays the refresher) and
    /// send BYE only if that one fails (Ribbon SBC Edge with "Terminate on
    /// Refresh Failure" off). Default false: BYE, as RFC 4028 section 10 says.
    pub refresh_for_silent_peer: bool,
    /// Take a 501 answer to a refresh as success: the timer restarts as it was
    /// (SEMS). Default false: 501 to UPDATE falls back to re-INVITE, to
    /// re-INVITE it is a failure (RFC 4028 section 10).
    pub accept_501_as_refreshed: bool,
}

impl Policy {
    /// The RFC's defaults.
    pub const RFC: Policy = Policy {
        mode: Mode::Originate,
        session_expires: RFC_SESSION_EXPIRES,
        min_se: RFC_MIN_SE,
        max_session_expires: None,
        refresher: RefresherPreference::Auto,
        refresh_method: RefreshMethod::Auto,
        max_422_retries: 3,
        raise_unsupported_interval: false,
        insert_on_outbound_leg: false,
        consume_refreshes: false,
        bye_margin: ByeMargin::Rfc,
        refresh_for_silent_peer: false,
        accept_501_as_refreshed: false,
    };

    /// Checks the settings against the RFC and each other.
    ///
    /// # Errors
    /// [`Error::InvalidPolicy`]: Min-SE below 90 (section 5), an interval below
    /// Min-SE (section 7.1), or a maximum below the interval.
    pub fn validate(&self) -> crate::Result<()> {
        if self.min_se < RFC_MIN_SE {
            return Err(PolicyProblem::MinSeBelowFloor(self.min_se).into());
        }
        if self.session_expires < self.min_se {
            return Err(PolicyProblem::SessionExpiresBelowMinSe {
                session_expires: self.session_expires,
                min_se: self.min_se,
            }
            .into());
        }
        if self.max_422_retries > crate::limits::MAX_422_RETRIES {
            return Err(PolicyProblem::TooManyRetries(self.max_422_retries).into());
        }
        match self.max_session_expires {
            Some(max) if max < self.session_expires => Err(PolicyProblem::MaxBelowSessionExpires {
                max,
                session_expires: self.session_expires,
            }
            .into()),
            _ => Ok(()),
        }
    }

    /// The validated policy.
    ///
    /// # Errors
    /// As [`Policy::validate`].
    pub fn validated(self) -> crate::Result<Self> {
        self.validate().map(|()| self)
    }

    /// The largest interval accepted from a peer.
    pub fn cap(&self) -> u32 {
        self.max_session_expires.unwrap_or(self.session_expires)
    }

    /// The largest Min-SE of a 422 we follow with a retry (RFC 4028 sections
    /// 7.4 and 10): `max_session_expires`, else the larger of `session_expires`
    /// and [`crate::limits::MAX_FOLLOWED_MIN_SE`] (a day).
    pub fn ceiling_422(&self) -> u32 {
        self.max_session_expires
            .unwrap_or(self.session_expires.max(crate::limits::MAX_FOLLOWED_MIN_SE))
    }

    /// The preset with this name (case-insensitive), see [`PRESETS`].
    ///
    /// # Errors
    /// [`PolicyProblem::UnknownPreset`].
    pub fn preset(name: &str) -> crate::Result<Policy> {
        PRESETS
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.policy)
            .ok_or_else(|| Error::from(PolicyProblem::UnknownPreset(name.to_owned())))
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::RFC
    }
}

/// A named policy that reproduces a vendor's documented behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The name [`Policy::preset`] looks up.
    pub name: &'static str,
    /// Where the behaviour comes from.
    pub source: &'static str,
    /// The settings.
    pub policy: Policy,
}

/// The named presets.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "rfc4028",
        source: "RFC 4028 defaults: Session-Expires 1800, Min-SE 90",
        policy: Policy::RFC,
    },
    Preset {
        name: "cisco-cube",
        source: "Cisco CUBE: min-se 1800, `session refresh` adds Session-Expires outbound, \
                 UPDATE stripped from Allow, mid-call re-INVITE/UPDATE consumption, legs independent",
        policy: Policy {
            mode: Mode::Accept,
            min_se: 1800,
            refresh_method: RefreshMethod::ReInviteOnly,
            insert_on_outbound_leg: true,
            consume_refreshes: true,
            ..Policy::RFC
        },
    },
    Preset {
        name: "cisco-cucm",
        source: "Cisco CUCM: Session-Expires 1800, Min-SE 1800, accepts up to 86400",
        policy: Policy {
            min_se: 1800,
            max_session_expires: Some(86_400),
            ..Policy::RFC
        },
    },
    Preset {
        name: "dialogic-img2020",
        source: "Dialogic IMG 2020: always requests a timer and enforces it on peers without \
                 support, refresh at 1/2, end timer max(2/3 SI, SI - 32 s), UPDATE without SDP \
                 when the peer allows it, else re-INVITE",
        policy: Policy {
            mode: Mode::Always,
            ..Policy::RFC
        },
    },
    Preset {
        name: "sofia-sip",
        source: "sofia-sip nua: Min-SE 120, non-refresher BYE at 9/10 of the interval",
        policy: Policy {
            min_se: 120,
            bye_margin: ByeMargin::OneTenth,
            ..Policy::RFC
        },
    },
    Preset {
        name: "teams-direct-routing",
        source: "Microsoft Teams Direct Routing (docs: direct-routing-protocols-sip, \
                 \"Session timer\"): always offers a timer on non-bypass calls; field reports: \
                 refreshes by re-INVITE with identical SDP",
        policy: Policy {
            mode: Mode::Originate,
            refresh_method: RefreshMethod::ReInviteOnly,
            ..Policy::RFC
        },
    },
    Preset {
        name: "zoom-byoc",
        source: "Zoom BYOC-P (support.zoom.com KB0073073): INVITE with Supported: timer, \
                 Session-Expires 1800 without a refresher, Min-SE 90, UPDATE in Allow",
        policy: Policy {
            mode: Mode::Originate,
            refresher: RefresherPreference::Auto,
            ..Policy::RFC
        },
    },
    Preset {
        name: "ims-volte",
        source: "IMS / VoLTE (GSMA IR.92 section 2.2.8; Android CarrierConfigManager.ImsVoice): \
                 timer supported, Session-Expires 1800, Min-SE 90, the UAC refreshes, by UPDATE \
                 where the peer allows it",
        policy: Policy {
            mode: Mode::Originate,
            refresher: RefresherPreference::Uac,
            refresh_method: RefreshMethod::Auto,
            ..Policy::RFC
        },
    },
    Preset {
        name: "oracle-sbc",
        source: "Oracle SBC session-timer-profile: Session-Expires 1800, Min-SE 90, \
                 refresher=uac in its requests and refresher=uas in its responses (it refreshes \
                 on both sides), BYE both ways at SE - min(SE/3, 32)",
        policy: Policy {
            mode: Mode::Originate,
            refresher: RefresherPreference::Local,
            ..Policy::RFC
        },
    },
    Preset {
        name: "audiocodes",
        source: "AudioCodes SBCSessionExpiresMode=Supported: Session-Expires 180 (90 to 86400), \
                 margin 32 s, never below 2/3 of the interval",
        policy: Policy {
            mode: Mode::Originate,
            session_expires: 180,
            max_session_expires: Some(86_400),
            ..Policy::RFC
        },
    },
    Preset {
        name: "ribbon-sbc-edge",
        source: "Ribbon SBC Edge: minimum 600, offered 3600; \"Terminate on Refresh Failure\" \
                 off by default: it refreshes on a silent peer's behalf instead of ending the call",
        policy: Policy {
            mode: Mode::Originate,
            session_expires: 3600,
            min_se: 600,
            refresh_for_silent_peer: true,
            ..Policy::RFC
        },
    },
    Preset {
        name: "avaya-cm",
        source: "Avaya Communication Manager trunk: session refresh 600 (90 to 64800)",
        policy: Policy {
            mode: Mode::Originate,
            session_expires: 600,
            max_session_expires: Some(64_800),
            ..Policy::RFC
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4028_s5_policy_min_se_below_90_is_rejected() {
        let p = Policy {
            min_se: 89,
            ..Policy::RFC
        };
        assert_eq!(
            p.validate(),
            Err(Error::InvalidPolicy(PolicyProblem::MinSeBelowFloor(89)))
        );
    }

    #[test]
    fn rfc4028_s7_1_policy_session_expires_below_min_se_is_rejected() {
        // Checklist V29: se=600, min_se=1200 breaks UAC-I-9; we reject the config.
        let p = Policy {
            session_expires: 600,
            min_se: 1200,
            ..Policy::RFC
        };
        assert!(p.validate().is_err());
    }

    #[test]
    fn every_preset_is_valid_and_found_by_name() {
        for preset in PRESETS {
            preset.policy.validate().unwrap();
            assert_eq!(
                Policy::preset(&preset.name.to_uppercase()).unwrap(),
                preset.policy
            );
        }
        assert!(Policy::preset("nope").is_err());
    }

    #[test]
    fn presets_reproduce_vendor_notes() {
        let cube = Policy::preset("cisco-cube").unwrap();
        assert_eq!(cube.min_se, 1800);
        assert!(cube.insert_on_outbound_leg && cube.consume_refreshes);
        assert_eq!(cube.refresh_method, RefreshMethod::ReInviteOnly);
        assert_eq!(Policy::preset("cisco-cucm").unwrap().cap(), 86_400);
        assert_eq!(
            Policy::preset("dialogic-img2020").unwrap().mode,
            Mode::Always
        );
    }

    #[test]
    fn bye_margins() {
        assert_eq!(ByeMargin::Rfc.margin_ms(90_000), 30_000);
        assert_eq!(ByeMargin::Rfc.margin_ms(1_800_000), 32_000);
        assert_eq!(ByeMargin::OneTenth.margin_ms(90_000), 9_000);
        assert_eq!(ByeMargin::None.margin_ms(90_000), 0);
    }

    /// RFC 4028 section 10: the BYE goes out at the interval less "the
    /// minimum of 32 seconds and one third of the session interval". The
    /// margin compares before it divides: the same minimum at every
    /// interval, around the points where the cap takes over (96 s, and 320
    /// s for a tenth) and at the ends of the clock.
    #[test]
    fn rfc4028_10_the_margin_is_the_lesser_of_32_s_and_the_part() {
        let around = |ms: u64| ms.saturating_sub(3)..=ms.saturating_add(3);
        let edges = [0, 90_000, 96_000, 320_000, 1_800_000, u64::MAX - 3];
        for interval_ms in edges.into_iter().flat_map(around) {
            let rfc = (interval_ms / 3).min(32_000);
            assert_eq!(ByeMargin::Rfc.margin_ms(interval_ms), rfc);
            let tenth = (interval_ms / 10).min(32_000);
            assert_eq!(ByeMargin::OneTenth.margin_ms(interval_ms), tenth);
        }
    }
}
