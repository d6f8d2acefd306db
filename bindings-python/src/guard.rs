//! The panic boundary of the binding. `#[guarded]` (crate
//! `sessiontimer-python-guard`) runs the body of every method and function
//! Python can call through [`result`] or [`value`], so a panic, which would be
//! a bug in sessiontimer, reaches Python as `sessiontimer.InternalError` (an
//! `Exception`), never as pyo3's `PanicException` (a `BaseException` that a
//! host's `except Exception` does not catch).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::prelude::*;
use sessiontimer_python_guard::guarded;

/// Runs `f`, a body that returns a result; a panic becomes `InternalError`.
pub fn result<T, E: From<PyErr>>(f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| Err(internal_error(&*panic).into()))
}

/// Runs `f`, a body that returns a value; a panic becomes `InternalError`.
pub fn value<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| internal_error(&*panic))
}

/// `sessiontimer.InternalError` with the panic's message.
fn internal_error(panic: &(dyn Any + Send)) -> PyErr {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    let text = format!("internal error in sessiontimer (a bug, please report it): {message}");
    Python::attach(|py| {
        let class = py
            .import("sessiontimer._errors")?
            .getattr("InternalError")?;
        Ok::<_, PyErr>(PyErr::from_value(class.call1((text.as_str(),))?))
    })
    .unwrap_or_else(|error| error)
}

/// Panics inside the guard: `_native._check_panic_boundary()` raises
/// `InternalError`, which the test of the boundary expects.
#[guarded]
#[pyfunction]
pub fn _check_panic_boundary() {
    panic!("the panic boundary's self-test")
}
