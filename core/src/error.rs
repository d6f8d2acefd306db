//! Errors of the session-timer core.
//!
//! Every error that comes from bad input on the wire names the header and the
//! reason, and maps to the SIP response code the RFC asks for
//! ([`Error::status_code`]), so a host can answer a broken request without
//! guessing.

use crate::header::HeaderName;

/// Why a header value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// The value is empty where `delta-seconds` is required.
    #[error("the value is empty")]
    Empty,
    /// The value does not start with `1*DIGIT` (RFC 3261 section 25.1).
    #[error("expected delta-seconds (digits), found {found:?}")]
    NotDeltaSeconds {
        /// The text found where the digits should be.
        found: String,
    },
    /// A comma list where the header allows exactly one value (RFC 3261 section 7.3.1).
    #[error("a list of values where exactly one is allowed")]
    ListNotAllowed,
    /// The header appears more than once where it may appear only once (RFC 3261 section 7.3.1).
    #[error("the header appears more than once")]
    Duplicated,
    /// A parameter is not `token [ "=" gen-value ]`.
    #[error("malformed parameter {param:?}")]
    BadParameter {
        /// The offending parameter text.
        param: String,
    },
    /// A parameter name appears twice (RFC 3261 section 7.3.1: it MUST NOT).
    #[error("parameter {name:?} appears more than once")]
    DuplicatedParameter {
        /// The parameter name, lower-cased.
        name: String,
    },
    /// More parameters than [`crate::limits::MAX_PARAMS`].
    #[error("more than {max} parameters")]
    TooManyParameters {
        /// The limit.
        max: usize,
    },
    /// The value holds a byte that is not UTF-8 (RFC 3261 section 7: SIP is
    /// UTF-8 text).
    #[error("the value is not UTF-8")]
    NotUtf8,
    /// The value is longer than [`crate::limits::MAX_HEADER_VALUE_LEN`] bytes.
    #[error("value longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
}

/// A policy setting that breaks the RFC or contradicts another setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyProblem {
    /// Min-SE below 90 s (RFC 4028 section 5: it MUST NOT be).
    #[error("min_se {0} is below the RFC 4028 floor of 90 seconds")]
    MinSeBelowFloor(u32),
    /// The desired interval is below Min-SE (RFC 4028 section 7.1: SE MUST be >= Min-SE).
    #[error("session_expires {session_expires} is below min_se {min_se}")]
    SessionExpiresBelowMinSe {
        /// The configured interval.
        session_expires: u32,
        /// The configured Min-SE.
        min_se: u32,
    },
    /// The maximum interval is below the desired interval or Min-SE.
    #[error("max_session_expires {max} is below session_expires {session_expires}")]
    MaxBelowSessionExpires {
        /// The configured maximum.
        max: u32,
        /// The configured interval.
        session_expires: u32,
    },
    /// The 422 retry cap is above [`crate::limits::MAX_422_RETRIES`].
    #[error("max_422_retries {0} is above the limit of {max}", max = crate::limits::MAX_422_RETRIES)]
    TooManyRetries(u8),
    /// No preset has this name.
    #[error("no preset named {0:?}")]
    UnknownPreset(String),
}

/// Every error of the crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A header from the wire is malformed.
    #[error("malformed {header} header: {problem}")]
    MalformedHeader {
        /// Which header.
        header: HeaderName,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// The policy is not valid.
    #[error("invalid policy: {0}")]
    InvalidPolicy(#[from] PolicyProblem),
    /// A 422 arrived without a Min-SE header (RFC 4028 section 6: it MUST carry one).
    #[error("422 response without Min-SE (RFC 4028 section 6)")]
    MissingMinSeIn422,
    /// A 422 asks for no more than what the request already offered, so a retry
    /// would be identical (RFC 4028 section 10: do not retry the same error).
    #[error("422 asks for Min-SE {min_se}, no more than the {offered} already offered")]
    Useless422 {
        /// Min-SE in the 422.
        min_se: u32,
        /// Session-Expires of the rejected request.
        offered: u32,
    },
    /// A 422 asks for more than the policy's `max_session_expires`.
    #[error("422 asks for Min-SE {min_se}, above our maximum of {max}")]
    MinSeAboveMax {
        /// Min-SE in the 422.
        min_se: u32,
        /// Our maximum interval.
        max: u32,
    },
    /// More 422 responses than the policy's retry cap.
    #[error("gave up after {attempts} retries answered 422")]
    TooMany422 {
        /// How many retries were sent.
        attempts: u8,
    },
    /// No session has this key.
    #[error("no session with key {0}")]
    UnknownSession(u64),
    /// A session with this key exists already.
    #[error("a session with key {0} exists already")]
    DuplicateSession(u64),
    /// The engine holds its maximum number of sessions (or the maximum asked
    /// for is above 2^31 - 1).
    #[error("the engine is full: at most {max} sessions")]
    EngineFull {
        /// The cap.
        max: usize,
    },
    /// A host handed in a session interval below 90 seconds (0 included), which
    /// RFC 4028 never negotiates (sections 4 and 5: Min-SE is at least 90 and
    /// Session-Expires at least Min-SE). No timer at all is `None`, not 0.
    #[error("session interval {interval} s is below the RFC 4028 minimum of 90 s")]
    IntervalBelowMinimum {
        /// The interval given.
        interval: u32,
    },
    /// Memory for this many sessions could not be reserved
    /// ([`crate::Engine::reserve`]); nothing was reserved.
    #[error("out of memory reserving room for {sessions} sessions")]
    OutOfMemory {
        /// How many sessions were asked for (after the cap).
        sessions: usize,
    },
    /// A snapshot could not be restored.
    #[error("invalid snapshot: {0}")]
    Snapshot(#[from] crate::engine::SnapshotProblem),
    /// A raw SIP message could not be split into start line and headers.
    #[error("malformed SIP message: {0}")]
    MalformedMessage(&'static str),
}

/// The kind of an [`Error`], one per variant, without its details: what a
/// binding maps one to one (a C result code, a Python exception class).
/// Exhaustive on purpose: a new kind fails every binding's build until it is
/// mapped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`Error::MalformedHeader`].
    MalformedHeader,
    /// [`Error::MalformedMessage`].
    MalformedMessage,
    /// [`Error::InvalidPolicy`].
    InvalidPolicy,
    /// [`Error::MissingMinSeIn422`].
    MissingMinSeIn422,
    /// [`Error::Useless422`].
    Useless422,
    /// [`Error::MinSeAboveMax`].
    MinSeAboveMax,
    /// [`Error::TooMany422`].
    TooMany422,
    /// [`Error::UnknownSession`].
    UnknownSession,
    /// [`Error::DuplicateSession`].
    DuplicateSession,
    /// [`Error::EngineFull`].
    EngineFull,
    /// [`Error::IntervalBelowMinimum`].
    IntervalBelowMinimum,
    /// [`Error::OutOfMemory`].
    OutOfMemory,
    /// [`Error::Snapshot`].
    InvalidSnapshot,
}

impl ErrorKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::MalformedHeader,
        ErrorKind::MalformedMessage,
        ErrorKind::InvalidPolicy,
        ErrorKind::MissingMinSeIn422,
        ErrorKind::Useless422,
        ErrorKind::MinSeAboveMax,
        ErrorKind::TooMany422,
        ErrorKind::UnknownSession,
        ErrorKind::DuplicateSession,
        ErrorKind::EngineFull,
        ErrorKind::IntervalBelowMinimum,
        ErrorKind::OutOfMemory,
        ErrorKind::InvalidSnapshot,
    ];
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::MalformedHeader { .. } => ErrorKind::MalformedHeader,
            Error::MalformedMessage(_) => ErrorKind::MalformedMessage,
            Error::InvalidPolicy(_) => ErrorKind::InvalidPolicy,
            Error::MissingMinSeIn422 => ErrorKind::MissingMinSeIn422,
            Error::Useless422 { .. } => ErrorKind::Useless422,
            Error::MinSeAboveMax { .. } => ErrorKind::MinSeAboveMax,
            Error::TooMany422 { .. } => ErrorKind::TooMany422,
            Error::UnknownSession(_) => ErrorKind::UnknownSession,
            Error::DuplicateSession(_) => ErrorKind::DuplicateSession,
            Error::EngineFull { .. } => ErrorKind::EngineFull,
            Error::IntervalBelowMinimum { .. } => ErrorKind::IntervalBelowMinimum,
            Error::OutOfMemory { .. } => ErrorKind::OutOfMemory,
            Error::Snapshot(_) => ErrorKind::InvalidSnapshot,
        }
    }

    /// The SIP response a UAS or proxy sends when a request causes this error:
    /// 400 Bad Request for malformed headers (RFC 3261 section 21.4.1), `None` when
    /// the error is not about a received request.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            Error::MalformedHeader { .. } | Error::MalformedMessage(_) => Some(400),
            _ => None,
        }
    }

    pub(crate) fn malformed(header: HeaderName, problem: HeaderProblem) -> Self {
        Error::MalformedHeader { header, problem }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
