//! The result code every entry point returns, and its text.

use std::ffi::c_char;

use core_st::{Error, ErrorKind};

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
    /// A 422 that asks for no more than the request offered (a retry would
    /// be the same request).
    Useless_422 = 8,
    /// More 422 responses than the policy's retry cap.
    TooMany_422 = 9,
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
    /// A 422 without Min-SE (RFC 4028 section 6: it must carry one).
    MissingMinSeIn_422 = 16,
    /// A 422 that asks for more than the policy lets us follow.
    MinSeAboveMax = 17,
    /// A session interval below 90 s (0 included) handed in by the host.
    IntervalBelowMinimum = 18,
    /// Memory for the sessions asked for could not be had.
    OutOfMemory = 19,
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
    const ALL: [sst_result; 20] = [
        sst_result::Ok,
        sst_result::NullParameter,
        sst_result::InvalidUtf8,
        sst_result::InvalidArgument,
        sst_result::BufferTooSmall,
        sst_result::MalformedHeader,
        sst_result::MalformedMessage,
        sst_result::InvalidPolicy,
        sst_result::Useless_422,
        sst_result::TooMany_422,
        sst_result::UnknownSession,
        sst_result::DuplicateSession,
        sst_result::EngineFull,
        sst_result::InvalidSnapshot,
        sst_result::None,
        sst_result::Panic,
        sst_result::MissingMinSeIn_422,
        sst_result::MinSeAboveMax,
        sst_result::IntervalBelowMinimum,
        sst_result::OutOfMemory,
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
            sst_result::Useless_422 => "422 asks for nothing new\0",
            sst_result::TooMany_422 => "too many 422 responses\0",
            sst_result::UnknownSession => "unknown session\0",
            sst_result::DuplicateSession => "duplicate session\0",
            sst_result::EngineFull => "the engine is full\0",
            sst_result::InvalidSnapshot => "invalid snapshot\0",
            sst_result::None => "nothing to report\0",
            sst_result::Panic => "internal error (panic caught)\0",
            sst_result::MissingMinSeIn_422 => "422 without Min-SE\0",
            sst_result::MinSeAboveMax => "422 asks for more than our maximum\0",
            sst_result::IntervalBelowMinimum => "session interval below 90 s\0",
            sst_result::OutOfMemory => "out of memory\0",
        }
    }
}

/// The code for a core error, with the error's message kept for `sst_last_error`.
pub fn from_core(error: Error) -> sst_result {
    fail(error_code(&error), error.to_string())
}

/// The code for a core error: one code per kind, no fallback, so a new kind
/// does not build until it has its code.
pub fn error_code(error: &Error) -> sst_result {
    code_of(error.kind())
}

fn code_of(kind: ErrorKind) -> sst_result {
    match kind {
        ErrorKind::MalformedHeader => sst_result::MalformedHeader,
        ErrorKind::MalformedMessage => sst_result::MalformedMessage,
        ErrorKind::InvalidPolicy => sst_result::InvalidPolicy,
        ErrorKind::MissingMinSeIn422 => sst_result::MissingMinSeIn_422,
        ErrorKind::Useless422 => sst_result::Useless_422,
        ErrorKind::MinSeAboveMax => sst_result::MinSeAboveMax,
        ErrorKind::TooMany422 => sst_result::TooMany_422,
        ErrorKind::UnknownSession => sst_result::UnknownSession,
        ErrorKind::DuplicateSession => sst_result::DuplicateSession,
        ErrorKind::EngineFull => sst_result::EngineFull,
        ErrorKind::IntervalBelowMinimum => sst_result::IntervalBelowMinimum,
        ErrorKind::OutOfMemory => sst_result::OutOfMemory,
        ErrorKind::InvalidSnapshot => sst_result::InvalidSnapshot,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_kind_of_core_has_its_own_code() {
        let codes: std::collections::HashSet<u32> = ErrorKind::ALL
            .iter()
            .map(|&kind| code_of(kind) as u32)
            .collect();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        for code in codes {
            assert!(code != sst_result::Ok as u32 && code != sst_result::Panic as u32);
        }
    }
}
