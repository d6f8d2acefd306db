//! Hard limits on what a peer can make the library do. Each is enforced with a
//! typed error, so a hostile peer costs bounded work and memory.
//!
//! Limits the host sets per engine are in [`crate::EngineConfig`]:
//! `max_sessions` (at most [`MAX_ENGINE_SESSIONS`], refused past it with
//! [`crate::Error::EngineFull`]) and `max_refresh_retries`. The policy's
//! `max_422_retries` is at most [`MAX_422_RETRIES`]. A refresh answered 491 is
//! retried only until the session would expire. See SECURITY.md for the
//! threat model these serve.

/// The longest Session-Expires or Min-SE value accepted, in bytes.
pub const MAX_HEADER_VALUE_LEN: usize = 1024;

/// The most parameters accepted on one Session-Expires or Min-SE value.
pub const MAX_PARAMS: usize = 16;

/// The longest header section (start line and headers, without the body) that
/// [`crate::SipMessage::parse`] reads, in bytes: a UDP datagram's worth.
pub const MAX_HEADER_SECTION_LEN: usize = 65_536;

/// The most 422 retries any policy may allow.
pub const MAX_422_RETRIES: u8 = 16;

/// The largest `max_sessions` an engine accepts (slab indices are 31 bits).
pub const MAX_ENGINE_SESSIONS: usize = (1 << 31) - 1;

/// How far a 422 can push a party whose policy sets no
/// `max_session_expires`: a UAC (or a refresh) follows a 422's Min-SE up to a
/// day, or its own `session_expires` if that is larger ([`crate::Policy::ceiling_422`]).
/// A session that need not be refreshed for more than a day defeats RFC 4028.
pub const MAX_FOLLOWED_MIN_SE: u32 = 86_400;
