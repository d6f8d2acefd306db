//! The FFI boundary: panic catching, pointer and string checks, output
//! buffers, and the calling thread's last error message. Every `unsafe` of the
//! crate is here, each with its reason.

use std::cell::RefCell;
use std::ffi::c_char;

use crate::result::sst_result;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `message` as the calling thread's last error.
pub fn set_last_error(message: impl Into<String>) {
    LAST_ERROR.with(|e| *e.borrow_mut() = message.into());
}

/// The calling thread's last error message.
pub fn last_error() -> String {
    LAST_ERROR.with(|e| e.borrow().clone())
}

/// A failed call: its code, with the thread's message set.
pub fn fail(code: sst_result, message: impl Into<String>) -> sst_result {
    set_last_error(message);
    code
}

/// Runs one entry point's body: panics become `SST_RESULT_PANIC`, and every
/// failure leaves its message for `sst_last_error`.
macro_rules! ffi_boundary {
    ($body:block) => {{
        let run =
            std::panic::AssertUnwindSafe(|| -> Result<(), $crate::result::sst_result> { $body });
        match std::panic::catch_unwind(run) {
            Ok(Ok(())) => $crate::result::sst_result::Ok,
            Ok(Err(code)) => code,
            Err(_) => $crate::boundary::fail(
                $crate::result::sst_result::Panic,
                "internal error: a panic was caught at the C boundary",
            ),
        }
    }};
}

/// A shared reference from a pointer the caller promises is NULL or valid.
pub fn get<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, sst_result> {
    // SAFETY: the C API requires every non-NULL pointer to point to a live,
    // properly aligned object of its type for the duration of the call.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(what))
}

/// A mutable reference from a pointer the caller promises is NULL or valid
/// and not used by another thread during the call.
pub fn get_mut<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, sst_result> {
    // SAFETY: as `get`; the documented thread-safety rules give exclusivity.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(what))
}

/// An optional shared reference: NULL is `None`.
pub fn get_opt<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: as `get`.
    unsafe { ptr.as_ref() }
}

fn null(what: &str) -> sst_result {
    fail(sst_result::NullParameter, format!("{what} is NULL"))
}

/// Bytes given as pointer and length; NULL is allowed only with length 0.
pub fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], sst_result> {
    array(ptr, len, what)
}

/// UTF-8 text given as pointer and length (no NUL needed).
pub fn text<'a>(ptr: *const c_char, len: usize, what: &str) -> Result<&'a str, sst_result> {
    let raw = bytes(ptr.cast(), len, what)?;
    std::str::from_utf8(raw)
        .map_err(|e| fail(sst_result::InvalidUtf8, format!("{what} is not UTF-8: {e}")))
}

/// An array given as pointer and count; NULL is allowed only with count 0.
pub fn array<'a, T>(ptr: *const T, count: usize, what: &str) -> Result<&'a [T], sst_result> {
    if count == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: the caller promises `count` initialised elements at `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// A caller's output array of `count` elements; NULL means "not wanted".
pub fn array_out<'a, T>(ptr: *mut T, count: usize) -> Option<&'a mut [T]> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller promises `count` writable elements at `ptr`, used by
    // no one else during the call.
    Some(unsafe { std::slice::from_raw_parts_mut(ptr, count) })
}

/// Writes `value` through an out-pointer.
pub fn put<T>(out: *mut T, value: T, what: &str) -> Result<(), sst_result> {
    *get_mut(out, what)? = value;
    Ok(())
}

/// Checks that an out-pointer is not NULL, before any work is done.
pub fn check_out<T>(out: *mut T, what: &str) -> Result<(), sst_result> {
    if out.is_null() {
        Err(null(what))
    } else {
        Ok(())
    }
}

/// A caller's output buffer: `buf` of `len` bytes, and where to report the
/// size written (or needed, with `SST_RESULT_BUFFER_TOO_SMALL`).
pub struct OutBuf {
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// Checks the pointers: `out_len` must not be NULL; `buf` may be NULL
    /// only when `len` is 0 (to ask for the size).
    pub fn new(buf: *mut c_char, len: usize, out_len: *mut usize) -> Result<Self, sst_result> {
        check_out(out_len, "out_len")?;
        if buf.is_null() && len != 0 {
            return Err(null("buf"));
        }
        Ok(OutBuf {
            buf: buf.cast(),
            len,
            out_len,
        })
    }

    /// Whether `needed` bytes fit; when not, reports the size and fails.
    pub fn reserve(&self, needed: usize) -> Result<(), sst_result> {
        if needed > self.len {
            put(self.out_len, needed, "out_len")?;
            return Err(fail(
                sst_result::BufferTooSmall,
                format!("the buffer holds {} bytes, {needed} are needed", self.len),
            ));
        }
        Ok(())
    }

    /// Copies `data` (checked with `reserve` first) and reports its length.
    /// The buffer is not NUL-terminated.
    pub fn write(&self, data: &[u8]) -> Result<(), sst_result> {
        self.reserve(data.len())?;
        if !data.is_empty() {
            // SAFETY: `reserve` checked that `buf` holds `len >= data.len()`
            // bytes, which the caller promises are writable and do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.buf, data.len()) };
        }
        put(self.out_len, data.len(), "out_len")
    }

    /// Writes `edits`' header lines ([`core_st::HeaderEdits::to_header_lines`]),
    /// as [`OutBuf::write`] does: formatted on the stack, with no allocation,
    /// unless they are longer than a usual answer's.
    pub fn write_header_lines(&self, edits: &core_st::HeaderEdits) -> Result<(), sst_result> {
        let mut lines = StackLines {
            bytes: [0; 256],
            len: 0,
        };
        match edits.write_header_lines(&mut lines) {
            Ok(()) => self.write(&lines.bytes[..lines.len]),
            Err(_) => self.write(edits.to_header_lines().as_bytes()),
        }
    }
}

/// A text written on the stack; a write that does not fit fails.
struct StackLines {
    bytes: [u8; 256],
    len: usize,
}

impl std::fmt::Write for StackLines {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Moves a value to the heap for C to own through an opaque pointer.
pub fn hand_out<T>(value: T, out: *mut *mut T) -> Result<(), sst_result> {
    check_out(out, "out")?;
    put(out, Box::into_raw(Box::new(value)), "out")
}

/// Takes back and drops what `hand_out` gave; NULL is a no-op.
pub fn take_back<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: a non-NULL handle came from `hand_out` and, as the API
    // documents, is freed once; use after free is undefined.
    let handle = unsafe { Box::from_raw(ptr) };
    // A `_free` is an entry point too: nothing unwinds into C, whatever a
    // drop does.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(handle)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use core_st::header::Param;
    use core_st::{HeaderEdits, Refresher, SessionExpires};

    /// What `write_header_lines` puts in a buffer of `len` bytes, or the
    /// size it asks for.
    fn written(edits: &HeaderEdits, len: usize) -> Result<String, usize> {
        let mut buf = vec![0u8; len];
        let mut out_len = 0;
        let out = OutBuf::new(buf.as_mut_ptr().cast(), len, &mut out_len).unwrap();
        match out.write_header_lines(edits) {
            Ok(()) => Ok(String::from_utf8(buf[..out_len].to_vec()).unwrap()),
            Err(sst_result::BufferTooSmall) => Err(out_len),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_lines_short_and_longer_than_the_stack_buffer_are_written_whole() {
        let mut se = SessionExpires::new(1800, Some(Refresher::Uas));
        let short = HeaderEdits {
            session_expires: Some(se.clone()),
            require_timer: true,
            ..HeaderEdits::default()
        };
        assert_eq!(written(&short, 512), Ok(short.to_header_lines()));
        let value = "v".repeat(100);
        for name in ["a", "b", "c"] {
            se.params.push(Param::new(name, Some(&value)).unwrap());
        }
        let long = HeaderEdits {
            session_expires: Some(se),
            ..short
        };
        let lines = long.to_header_lines();
        assert!(lines.len() > 256);
        assert_eq!(written(&long, 512), Ok(lines.clone()));
        assert_eq!(written(&long, 100), Err(lines.len()));
    }
}
