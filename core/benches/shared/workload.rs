//! The engine bench's workload, shared with the `phases` example (each
//! includes this file by `#[path]`), so both time the same calls.

use sessiontimer::engine::{RandomSource, SplitMix64};

/// Sessions established.
pub const SESSIONS: u64 = 1_000_000;
/// Re-arms, each of a session drawn at random.
pub const REARMS: u64 = 3_000_000;
/// Sessions cancelled.
pub const CANCELS: u64 = 200_000;

/// The workload, drawn once: intervals, re-arms as (key, time, interval),
/// and the keys cancelled. A re-arm carries its session's interval, as a
/// host has it from the 2xx it just read: looked up by key in `intervals`
/// (4 MB), it cost every contender a cache miss a re-arm that no timer
/// structure causes.
pub struct Workload {
    /// Session `n`'s interval, in seconds.
    pub intervals: Vec<u32>,
    /// (key, time in ms, interval).
    pub rearms: Vec<(u64, u64, u32)>,
    /// Distinct keys.
    pub cancels: Vec<u64>,
}

impl Workload {
    /// The workload, session `n` under key `n`.
    pub fn new() -> Self {
        let mut rng = SplitMix64(4028);
        let intervals: Vec<u32> = (0..SESSIONS)
            .map(|_| 90 + (rng.next_u64() % 3511) as u32)
            .collect();
        let rearms = (0..REARMS)
            .map(|r| {
                let key = rng.next_u64() % SESSIONS;
                (key, r * 50_000 / REARMS, intervals[key as usize])
            })
            .collect();
        // Distinct: 7919 is prime to 10^6.
        let cancels = (0..CANCELS).map(|i| i * 7919 % SESSIONS).collect();
        Workload {
            intervals,
            rearms,
            cancels,
        }
    }
}
