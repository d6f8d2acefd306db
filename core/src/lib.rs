//! # sessiontimer
//!
//! Every session-timer decision of RFC 4028 (SIP Session Timers), for a host
//! that already parsed the SIP message: Kamailio, Asterisk, a PJSIP app, an
//! asyncio app. Sans-I/O: nothing here opens a socket or reads a clock; the host
//! passes header pairs and `now` (milliseconds of its own monotonic clock) in,
//! and gets decisions, header edits and deadlines back.
//!
//! One module per concern:
//! - [`header`]: parse Session-Expires (`x`), Min-SE, `timer` in
//!   Supported (`k`), Require, Proxy-Require, UPDATE in Allow; write them strictly.
//! - [`policy`]: the knobs, RFC defaults and vendor presets (data).
//! - [`uac`], [`uas`], [`proxy`], [`b2bua`]: one module per role.
//! - [`session`]: one dialog's state and deadlines.
//! - [`engine`]: many sessions' timers (a hierarchical timing wheel) and their
//!   refresh lifecycle, with snapshots.
//! - [`message`]: splitting a raw SIP message into start line, headers and body.
//! - [`error`]: typed errors.
//!
//! ```
//! use sessiontimer::{Method, Policy, Side, Uas, UasDecision};
//!
//! let uas = Uas::new(Policy::RFC)?;
//! let invite = [("Supported", "timer"), ("Session-Expires", "1800")];
//! match uas.decide_headers(Method::Invite, invite)? {
//!     UasDecision::Accept { headers, timer } => {
//!         // Table 2 row 4: the UAC asked, so it refreshes.
//!         assert_eq!(timer.unwrap().refresher, Side::Remote);
//!         let rows = headers.to_rows();
//!         assert_eq!(rows[0].1, "1800;refresher=uac");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), sessiontimer::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod b2bua;
pub mod engine;
pub mod error;
pub mod header;
pub mod limits;
pub mod message;
mod outcome;
pub mod policy;
pub mod proxy;
#[cfg(feature = "rsip")]
pub mod rsip_adapter;
pub mod sdp;
pub mod session;
mod sip;
pub mod uac;
pub mod uas;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub use b2bua::{B2bua, InDialogAction, Leg};
pub use engine::{Action, ActionKind, Counters, Engine, EngineConfig, Refreshed, Teardown};
pub use error::{Error, ErrorKind, HeaderProblem, PolicyProblem, Result};
pub use header::{HeaderEdits, HeaderName, MinSe, Refresher, SessionExpires, TimerHeaders};
pub use message::{MessageSummary, SipMessage, StartLine};
pub use outcome::{Negotiated, Role, Side};
pub use policy::{ByeMargin, Mode, Policy, RefreshMethod, RefresherPreference, PRESETS};
pub use proxy::{Proxy, ProxyRequestDecision, ProxyResponseDecision, ProxyTransaction};
pub use sdp::{classify_refresh, RefreshKind, SdpOrigin};
pub use session::{Deadline, RefreshOutcome, RefreshRequest, Session};
pub use sip::{reason_phrase, Method};
pub use uac::Uac;
pub use uas::{Uas, UasDecision};
