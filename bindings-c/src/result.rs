//! The result code every entry point returns, and its text.

use std::ffi::c_char;

use core_st::Error;

use crate::boundary::fail;

/// What a call did. `SST_RESULT_OK` is 0; `sst_result_str` gives the text of
/// any code and `sst_last_error` the calling thread's message for the last failure.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum sst_result {
    /// Success; the outputs are written.
    Ok = 0,
    /// A required pointer was NULL.
    NullParameter = 1,
    /// A string was not UTF-8.
    InvalidUtf8 = 2,
    /// An argument is out of range (an unknown enum value, say).
    InvalidArgument = 3,
    /// The output buffer is too small; `*out_len` holds the size needed.
    BufferTooSmall = 4,
    /// A session-timer header is malformed: answer 400 Bad Request.
    MalformedHeader = 5,
    /// A raw SIP message could not be split into start line and headers.
    MalformedMessage = 6,
    /// The policy breaks RFC 4028 or itself.
    InvalidPolicy = 7,
    /// A 422 without Min-SE, asking nothing new, or above our maximum.
    Unusable422 = 8,
    /// More 422 responses than the policy's retry cap.
    TooMany422 = 9,
    /// No session has this key.
    UnknownSession = 10,
    /// A session with this key exists already.
    DuplicateSession = 11,
    /// The engine holds its maximum number of sessions.
    EngineFull = 12,
    /// Snapshot bytes that are not valid.
    InvalidSnapshot = 13,
    /// Nothing to report (no deadline, no action, no timer); outputs untouched.
    None = 14,
    /// A panic was caught at the boundary (a bug: please report it).
    Panic = 15,
}

// Each code's value is its place in `ALL`: written out above, checked here,
// so a new code can only be added at the end.
const _: () = {
    let mut i = 0;
    while i < sst_result::ALL.len() {
        assert!(sst_result::ALL[i] as usize == i);
        i += 1;
    }
};

impl sst_result {
    const ALL: [sst_result; 16] = [
        sst_result::Ok,
        sst_result::NullParameter,
        sst_result::InvalidUtf8,
        sst_result::InvalidArgument,
        sst_result::BufferTooSmall,
        sst_result::MalformedHeader,
        sst_result::MalformedMessage,
        sst_result::InvalidPolicy,
        sst_result::Unusable422,
        sst_result::TooMany422,
        sst_result::UnknownSession,
        sst_result::DuplicateSession,
        sst_result::EngineFull,
        sst_result::InvalidSnapshot,
        sst_result::None,
        sst_result::Panic,
    ];

    /// The static, NUL-terminated text of the code.
    fn text(self) -> &'static str {
        match self {
            sst_result::Ok => "ok\0",
            sst_result::NullParameter => "a required pointer was NULL\0",
            sst_result::InvalidUtf8 => "a string was not UTF-8\0",
            sst_result::InvalidArgument => "an argument is out of range\0",
            sst_result::BufferTooSmall => "the output buffer is too small\0",
            sst_result::MalformedHeader => "malformed session-timer header (answer 400)\0",
            sst_result::MalformedMessage => "malformed SIP message\0",
            sst_result::InvalidPolicy => "invalid policy\0",
            sst_result::Unusable422 => "unusable 422 response\0",
            sst_result::TooMany422 => "too many 422 responses\0",
            sst_result::UnknownSession => "unknown session\0",
            sst_result::DuplicateSession => "duplicate session\0",
            sst_result::EngineFull => "the engine is full\0",
            sst_result::InvalidSnapshot => "invalid snapshot\0",
            sst_result::None => "nothing to report\0",
            sst_result::Panic => "internal error (panic caught)\0",
        }
    }
}

/// The code for a core error, with the error's message kept for `sst_last_error`.
pub fn from_core(error: Error) -> sst_result {
    fail(error_code(&error), error.to_string())
}

/// The code for a core error.
pub fn error_code(error: &Error) -> sst_result {
    match error {
        Error::MalformedHeader { .. } => sst_result::MalformedHeader,
        Error::MalformedMessage(_) => sst_result::MalformedMessage,
        Error::InvalidPolicy(_) => sst_result::InvalidPolicy,
        Error::MissingMinSeIn422 | Error::Useless422 { .. } | Error::MinSeAboveMax { .. } => {
            sst_result::Unusable422
        }
        Error::TooMany422 { .. } => sst_result::TooMany422,
        Error::UnknownSession(_) => sst_result::UnknownSession,
        Error::DuplicateSession(_) => sst_result::DuplicateSession,
        Error::TooManySessions { .. } => sst_result::EngineFull,
        Error::Snapshot(_) => sst_result::InvalidSnapshot,
        Error::IntervalBelowMinimum { .. } => sst_result::InvalidArgument,
        _ => sst_result::InvalidArgument,
    }
}

/// Converts core results at the boundary.
pub trait OrCode<T> {
    /// The value, or the core error's code (message kept).
    fn or_code(self) -> Result<T, sst_result>;
}

impl<T> OrCode<T> for core_st::Result<T> {
    fn or_code(self) -> Result<T, sst_result> {
        self.map_err(from_core)
    }
}

/// The text of a result code (static, NUL-terminated; never NULL).
#[no_mangle]
pub extern "C" fn sst_result_str(result: u32) -> *const c_char {
    let text = std::panic::catch_unwind(|| {
        let code = usize::try_from(result)
            .ok()
            .and_then(|i| sst_result::ALL.get(i).copied());
        code.map_or("unknown result code\0", sst_result::text)
    });
    text.unwrap_or("internal error (panic caught)\0")
        .as_ptr()
        .cast()
}
