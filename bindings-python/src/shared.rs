//! A core object shared between Python threads, behind one lock that can
//! never deadlock with the interpreter.

use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::sync::MutexExt;

/// A core value behind a lock. The lock is held only while core code runs on
/// the value (the closure), never while Python objects or errors are built;
/// and a thread attached to the interpreter waits for it detached, so a
/// holder that needs the interpreter back can always get it.
pub struct Shared<T>(Mutex<T>);

impl<T> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Shared(Mutex::new(value))
    }

    /// Runs `f` on the value. A panic in another holder does not poison it:
    /// every core operation leaves the value consistent or untouched.
    pub fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        let mut value = self
            .0
            .lock_py_attached(py)
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut value)
    }

    /// Runs `f` on the value with the interpreter released: for long
    /// operations (a poll, a snapshot), so other Python threads run meanwhile.
    pub fn detached<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R + Send) -> R
    where
        T: Send,
    {
        py.detach(|| f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner)))
    }
}

impl<T: Copy> Shared<T> {
    /// A copy of the value.
    pub fn get(&self, py: Python<'_>) -> T {
        self.with(py, |value| *value)
    }
}
