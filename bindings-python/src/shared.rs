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
//!
//! A flag alone is unfair: a thread that takes it again and again (snapshots
//! or batches back to back) kept another waiting for a second. So a thread
//! that finds it taken waits in line (a `std` mutex parks the others), and
//! while anyone waits, no newcomer takes the flag: the threads take turns,
//! as they do behind a `std` mutex.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;

type Lock<T> = spin::mutex::SpinMutex<T>;
type Guard<'a, T> = spin::mutex::SpinMutexGuard<'a, T>;

/// A core value behind a lock. The lock is held only while core code runs on
/// the value (the closure), never while Python objects or errors are built;
/// and a thread attached to the interpreter waits for it detached, so a
/// holder that needs the interpreter back can always get it.
pub struct Shared<T> {
    value: Lock<T>,
    /// How many threads wait in line.
    waiting: AtomicUsize,
    /// The line: its holder is the next to take the lock.
    line: Mutex<()>,
}

impl<T: Send> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Shared {
            value: Lock::new(value),
            waiting: AtomicUsize::new(0),
            line: Mutex::new(()),
        }
    }

    /// Runs `f` on the value. A panic in `f` releases the lock: every core
    /// operation leaves the value consistent or untouched.
    pub fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        let mut value = match self.take_if_nobody_waits() {
            Some(value) => value,
            None => py.detach(|| self.take_in_line()),
        };
        f(&mut value)
    }

    /// Runs `f` on the value with the interpreter released: for long
    /// operations (a poll, a snapshot), so other Python threads run meanwhile.
    pub fn detached<R: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R + Send) -> R {
        py.detach(|| {
            let mut value = self
                .take_if_nobody_waits()
                .unwrap_or_else(|| self.take_in_line());
            f(&mut value)
        })
    }

    /// The lock, if it is free and no thread waits for it.
    fn take_if_nobody_waits(&self) -> Option<Guard<'_, T>> {
        if self.waiting.load(Ordering::Relaxed) == 0 {
            self.value.try_lock()
        } else {
            None
        }
    }

    /// The lock, after the threads already waiting. The head of the line
    /// polls it, yielding at first, then sleeping in doubling steps of up to
    /// 200 µs; no newcomer takes it meanwhile.
    fn take_in_line(&self) -> Guard<'_, T> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let turn = self.line.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut round, mut pause) = (0u32, Duration::from_micros(1));
        let guard = loop {
            if let Some(guard) = self.value.try_lock() {
                break guard;
            }
            if round < 64 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_micros(200));
            }
            round = round.saturating_add(1);
        };
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        drop(turn);
        guard
    }
}

impl<T: Copy + Send> Shared<T> {
    /// A copy of the value.
    pub fn get(&self, py: Python<'_>) -> T {
        self.with(py, |value| *value)
    }
}
