//! A core object shared between Python threads, behind one lock that can
//! never deadlock with the interpreter.
//!
//! The lock is a flag: taking it is one compare-and-swap, releasing it one
//! plain store. A `std::sync::Mutex` releases with an atomic swap, which on
//! x86 waits for every earlier memory access to finish: the cache miss of a
//! new session's slot, written just before, then cost each `establish` its
//! whole latency, where the CPU otherwise overlaps it with the interpreter's
//! next steps (establish 15-20% faster, a re-arm 5-10%, from Python at
//! 100,000 sessions).

use std::time::Duration;

use pyo3::prelude::*;

type Lock<T> = spin::mutex::SpinMutex<T>;

/// A core value behind a lock. The lock is held only while core code runs on
/// the value (the closure), never while Python objects or errors are built;
/// and a thread attached to the interpreter waits for it detached, so a
/// holder that needs the interpreter back can always get it.
pub struct Shared<T>(Lock<T>);

impl<T: Send> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Shared(Lock::new(value))
    }

    /// Runs `f` on the value. A panic in `f` releases the lock: every core
    /// operation leaves the value consistent or untouched.
    pub fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        loop {
            if let Some(mut value) = self.0.try_lock() {
                return f(&mut value);
            }
            py.detach(|| self.wait_until_free());
        }
    }

    /// Runs `f` on the value with the interpreter released: for long
    /// operations (a poll, a snapshot), so other Python threads run meanwhile.
    pub fn detached<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R + Send) -> R {
        py.detach(|| loop {
            if let Some(mut value) = self.0.try_lock() {
                return f(&mut value);
            }
            self.wait_until_free();
        })
    }

    /// Waits until the lock looks free: yielding at first, then sleeping in
    /// doubling steps of up to a millisecond. The lock is held for long only
    /// by the detached operations, which such a step barely delays.
    fn wait_until_free(&self) {
        let mut pause = Duration::from_micros(10);
        for round in 0u64.. {
            if !self.0.is_locked() {
                return;
            }
            if round < 64 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(1));
            }
        }
    }
}

impl<T: Copy + Send> Shared<T> {
    /// A copy of the value.
    pub fn get(&self, py: Python<'_>) -> T {
        self.with(py, |value| *value)
    }
}
