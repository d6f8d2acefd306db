//! Core errors as Python exceptions. The classes live in
//! `sessiontimer/_errors.py`, where multiple inheritance (a malformed header
//! is also a `ValueError`) is plain Python.

use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;
use sessiontimer::{Error, ErrorKind};
use sessiontimer_python_guard::guarded;

/// The exception class of each kind of core error: one class per kind, no
/// fallback, so a new kind does not build until it has its class.
pub fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::MalformedHeader => "MalformedHeaderError",
        ErrorKind::MalformedMessage => "MalformedMessageError",
        ErrorKind::InvalidPolicy => "InvalidPolicyError",
        ErrorKind::MissingMinSeIn422 => "MissingMinSeError",
        ErrorKind::Useless422 => "Useless422Error",
        ErrorKind::MinSeAboveMax => "MinSeAboveMaxError",
        ErrorKind::TooMany422 => "TooMany422Error",
        ErrorKind::UnknownSession => "UnknownSessionError",
        ErrorKind::DuplicateSession => "DuplicateSessionError",
        ErrorKind::EngineFull => "EngineFullError",
        ErrorKind::IntervalBelowMinimum => "InvalidIntervalError",
        ErrorKind::OutOfMemory => "OutOfMemoryError",
        ErrorKind::InvalidSnapshot => "SnapshotError",
    }
}

/// The class name of every kind of core error, in `ErrorKind::ALL`'s order:
/// the test that guards the mirror compares it with the package's classes.
#[guarded]
#[pyfunction]
pub fn _error_classes() -> Vec<&'static str> {
    ErrorKind::ALL.into_iter().map(class_name).collect()
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let errors =
        ERRORS.get_or_try_init(py, || py.import("sessiontimer._errors").map(Bound::unbind))?;
    let exception = errors
        .bind(py)
        .getattr(class_name(error.kind()))?
        .call1((error.to_string(),))?;
    if let Error::MalformedHeader { header, problem } = error {
        exception.setattr("header", header.as_str())?;
        exception.setattr("problem", problem.to_string())?;
    }
    exception.setattr("status_code", error.status_code())?;
    Ok(PyErr::from_value(exception))
}

/// The Python exception object for a core error (to return, not raise).
pub fn exception(py: Python<'_>, error: &Error) -> PyResult<Py<PyBaseException>> {
    Ok(build(py, error)?.into_value(py))
}

/// Converts core results into Python results.
pub trait OrRaise<T> {
    /// The value, or the core error raised as its Python exception.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> OrRaise<T> for sessiontimer::Result<T> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(|error| Python::attach(|py| build(py, &error).unwrap_or_else(|e| e)))
    }
}
