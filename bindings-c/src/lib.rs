//! libsessiontimer: the C library of sessiontimer (RFC 4028 SIP Session Timers).
//!
//! Conventions (rustls-ffi's): every name starts with `sst_`; opaque handles
//! come from `_new` and go back through `_free`, which accepts NULL; every
//! function returns an `sst_result` (`sst_result_str` gives its text,
//! `sst_last_error` the calling thread's message); outputs are written only on
//! `SST_RESULT_OK` (a too-small buffer reports the size needed in `*out_len`);
//! strings come in as pointer and length, UTF-8, no NUL needed, and go out into
//! caller buffers without NUL; every pointer is checked; every entry point
//! catches panics. Header outputs are SIP header lines (`Name: value\r\n`).
//!
//! Thread safety: `sst_uas`, `sst_proxy`, `sst_b2bua` and `sst_headers` are
//! immutable and may be shared; `sst_uac`, `sst_session` and `sst_engine` are
//! used by one thread at a time. Bindings hold no policy: every rule is the
//! core crate's.

#![allow(clippy::missing_safety_doc)]
// Entry points take raw pointers from C and check them in `boundary`.
#![allow(clippy::not_unsafe_ptr_arg_deref, clippy::too_many_arguments)]

#[macro_use]
mod boundary;
pub mod engine;
pub mod headers;
pub mod journal;
pub mod result;
pub mod roles;
pub mod session;
pub mod types;

use std::ffi::c_char;

pub use result::sst_result;

/// The library version, NUL-terminated (`"0.1.0"`).
#[no_mangle]
pub extern "C" fn sst_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The reason phrase of `status` as the library writes it (`"Session Interval
/// Too Small"` for 422), into `buf` (no NUL); `SST_RESULT_NONE` for a status
/// the library never produces.
#[no_mangle]
pub extern "C" fn sst_reason_phrase(
    status: u16,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let phrase = core_st::reason_phrase(status);
        write_name(
            (!phrase.is_empty()).then_some(phrase),
            buf,
            buf_len,
            out_len,
        )
    })
}

/// Writes a name into the caller's buffer; `SST_RESULT_NONE` when there is none.
pub(crate) fn write_name(
    name: Option<&str>,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> Result<(), sst_result> {
    let out = boundary::OutBuf::new(buf, buf_len, out_len)?;
    out.write(name.ok_or(sst_result::None)?.as_bytes())
}

/// The name of an `sst_method` as it stands in a request line (`"UPDATE"`),
/// into `buf` (no NUL); `SST_RESULT_NONE` for `SST_METHOD_OTHER`, which
/// stands for every other method.
#[no_mangle]
pub extern "C" fn sst_method_name(
    method: u32,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let name = match types::sst_method::core(method)? {
            core_st::Method::Other => None,
            known => Some(known.to_string()),
        };
        write_name(name.as_deref(), buf, buf_len, out_len)
    })
}

/// The calling thread's message for the last failed call (empty if none),
/// into `buf`; `SST_RESULT_BUFFER_TOO_SMALL` reports the size needed.
#[no_mangle]
pub extern "C" fn sst_last_error(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    let message = boundary::last_error();
    let run = std::panic::AssertUnwindSafe(|| {
        let out = boundary::OutBuf::new(buf, buf_len, out_len)?;
        out.write(message.as_bytes())
    });
    let result = match std::panic::catch_unwind(run) {
        Ok(Ok(())) => sst_result::Ok,
        Ok(Err(code)) => code,
        Err(_) => sst_result::Panic,
    };
    // Reading the message does not replace it.
    boundary::set_last_error(message);
    result
}
