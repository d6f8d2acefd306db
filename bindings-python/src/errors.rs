//! Core errors as Python exceptions. The classes live in
//! `sessiontimer/_errors.py`, where multiple inheritance (a malformed header
//! is also a `ValueError`) is plain Python.

use pyo3::exceptions::PyBaseException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;
use sessiontimer::Error;

/// The exception class for one core error.
fn class_name(error: &Error) -> &'static str {
    match error {
        Error::MalformedHeader { .. } => "MalformedHeaderError",
        Error::MalformedMessage(_) => "MalformedMessageError",
        Error::InvalidPolicy(_) => "InvalidPolicyError",
        Error::MissingMinSeIn422 | Error::Useless422 { .. } | Error::MinSeAboveMax { .. } => {
            "Unusable422Error"
        }
        Error::TooMany422 { .. } => "TooMany422Error",
        Error::UnknownSession(_) => "UnknownSessionError",
        Error::DuplicateSession(_) => "DuplicateSessionError",
        Error::TooManySessions { .. } => "EngineFullError",
        Error::Snapshot(_) => "SnapshotError",
        Error::IntervalBelowMinimum { .. } => "InvalidIntervalError",
        Error::OutOfMemory { .. } => "OutOfMemoryError",
        _ => "SessionTimerError",
    }
}

fn build(py: Python<'_>, error: &Error) -> PyResult<PyErr> {
    static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let errors =
        ERRORS.get_or_try_init(py, || py.import("sessiontimer._errors").map(Bound::unbind))?;
    let exception = errors
        .bind(py)
        .getattr(class_name(error))?
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
