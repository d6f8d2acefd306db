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
//! - [`uac`], [`uas`], [`proxy`], [`b2bua`]: one module per role; [`sdp`]:
//!   whether a re-INVITE is a pure refresh.
//! - [`session`]: one dialog's state and deadlines, and its bytes.
//! - [`engine`]: many sessions' timers (a hierarchical timing wheel) and their
//!   refresh lifecycle, with snapshots.
//! - [`message`]: splitting a raw SIP message into start line, headers and
//!   body, and [`MessageSummary::read`], the one path from raw bytes.
//! - [`error`]: typed errors.
//!
//! ## How the documentation cites its sources
//!
//! - "section N" is a section of RFC 4028; other RFCs are named ("RFC 3261
//!   section 12.1").
//! - Requirement ids number the RFC's own requirements in the order it states
//!   them within a section: `G-` general (sections 4 to 6), `UAC-I-` a UAC's
//!   initial request and `UAC-R-` its reading of the response (section 7),
//!   `SUB-` subsequent requests on the dialog (section 7.4), `PX-` a proxy
//!   (section 8), `UAS-` a UAS (section 9), `RF-` refresh and expiry
//!   (section 10). `Table 2` is RFC 4028's table of who refreshes.
//! - `P1`–`P19` (parser) and `V01`–`V81` (negotiation and timers) are test
//!   vectors of the project's RFC 4028 checklist; the tests named after them
//!   (`checklist_p5_…` in `src/header/parse.rs`, `v59_…` in
//!   `tests/vectors.rs`) state each case in their comments.
//! - "anchors 3.N" and `A`-numbers are bugs users of other implementations
//!   (PJSIP, sofia-sip, Kamailio, reSIProcate, Cisco CUBE, Dialogic IMG)
//!   reported; each is a regression test here (`src/engine/tests.rs`,
//!   `tests/rfc4028_musts.rs`) that says what went wrong there.
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
pub use engine::{
    Action, ActionKind, Change, ChangeKind, Counters, Engine, EngineConfig, Owner, Refreshed,
    Teardown,
};
pub use error::{Error, ErrorKind, HeaderProblem, PolicyProblem, Result};
pub use header::{HeaderEdits, HeaderName, MinSe, Refresher, SessionExpires, TimerHeaders};
pub use message::{MessageSummary, RawMessage, SipMessage, StartLine};
pub use outcome::{Negotiated, Role, Side};
pub use policy::{ByeMargin, Mode, Policy, RefreshMethod, RefresherPreference, PRESETS};
pub use proxy::{Proxy, ProxyRequestDecision, ProxyResponseDecision, ProxyTransaction};
pub use sdp::{classify_refresh, RefreshKind, SdpOrigin};
pub use session::{Deadline, RefreshOutcome, RefreshRequest, Session};
pub use sip::{reason_phrase, Method};
pub use uac::Uac;
pub use uas::{Uas, UasDecision};
