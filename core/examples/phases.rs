//! The engine bench's workload (1,000,000 sessions, 3,000,000 re-arms by
//! key, 200,000 cancels, then every timer fired), timed phase by phase, so a
//! change to one path can be measured on its own. Each run prints five lines.
//!
//! Run: `cargo run --release -p sessiontimer --example phases [-- --batch]
//! [--random-keys]` (`--batch`: establishments, re-arms and cancels through
//! the batch calls, 256 a call; `--random-keys`: the sessions' keys drawn at
//! random from all of `u64`, where the bench's are 0..1M).

use std::time::{Duration, Instant};

use sessiontimer::engine::{RandomSource, Refreshed, SplitMix64};
use sessiontimer::{Engine, EngineConfig, Negotiated, Session, Side};

#[path = "../benches/shared/workload.rs"]
mod workload;
use workload::{CANCELS, SESSIONS};

const BATCH: usize = 256;

fn peer_refreshes(interval: u32) -> Option<Negotiated> {
    Some(Negotiated {
        interval,
        refresher: Side::Remote,
    })
}

fn timed(run: impl FnOnce()) -> Duration {
    let start = Instant::now();
    run();
    start.elapsed()
}

/// The phases one call per operation. The same calls measured 10-30% apart
/// in loops written differently (code layout, and which of the engine's
/// fields the compiler keeps in registers across a call): compare two
/// versions of the engine with the same example, in alternation.
fn one_call(w: &KeyedWorkload) -> [Duration; 4] {
    let start = Instant::now();
    let mut engine = Engine::new(EngineConfig::default()).expect("a valid config");
    engine.reserve(w.bench.intervals.len()).expect("memory");
    for (&key, &interval) in w.keys.iter().zip(&w.bench.intervals) {
        let session = Session::started(peer_refreshes(interval), 0).expect("valid");
        engine.establish(key, session).expect("a new key");
    }
    let establishing = start.elapsed();
    let start = Instant::now();
    for &(key, now, interval) in &w.bench.rearms {
        let timer = peer_refreshes(interval);
        engine.refreshed(key, now, timer).expect("a known key");
    }
    let rearming = start.elapsed();
    let [cancelling, firing] = cancel_and_fire(engine, &w.bench.cancels, false);
    [establishing, rearming, cancelling, firing]
}

/// The same phases through the batch calls, 256 operations a call.
fn batched(w: &KeyedWorkload) -> [Duration; 4] {
    let mut engine = Engine::new(EngineConfig::default()).expect("a valid config");
    let establishing = timed(|| {
        engine.reserve(w.bench.intervals.len()).expect("memory");
        let mut sessions = Vec::with_capacity(BATCH);
        for (keys, intervals) in w.keys.chunks(BATCH).zip(w.bench.intervals.chunks(BATCH)) {
            sessions.clear();
            sessions.extend(keys.iter().zip(intervals).map(|(&key, &interval)| {
                let session = Session::started(peer_refreshes(interval), 0);
                (key, session.expect("valid"))
            }));
            assert!(engine.establish_batch(&sessions).is_empty());
        }
    });
    let rearming = timed(|| {
        let mut reports = Vec::with_capacity(BATCH);
        for chunk in w.bench.rearms.chunks(BATCH) {
            reports.clear();
            reports.extend(chunk.iter().map(|&(key, now_ms, interval)| Refreshed {
                key,
                now_ms,
                timer: peer_refreshes(interval),
            }));
            assert!(engine.refreshed_batch(&reports).is_empty());
        }
    });
    let [cancelling, firing] = cancel_and_fire(engine, &w.bench.cancels, true);
    [establishing, rearming, cancelling, firing]
}

/// Cancels `keys` (one call each, or `BATCH` keys a call), then fires every
/// timer left.
fn cancel_and_fire(mut engine: Engine, keys: &[u64], batch: bool) -> [Duration; 2] {
    let cancelling = timed(|| {
        if batch {
            for chunk in keys.chunks(BATCH) {
                assert!(engine.remove_batch(chunk).is_empty());
            }
        } else {
            for &key in keys {
                engine.remove(key).expect("a known key");
            }
        }
    });
    let mut fired = 0;
    let firing = timed(|| fired = std::iter::from_fn(|| engine.poll(u64::MAX)).count());
    assert_eq!(fired as u64, SESSIONS - CANCELS);
    [cancelling, firing]
}

/// The bench's workload, its sessions' keys, and its re-arms and cancels by
/// those keys.
struct KeyedWorkload {
    keys: Vec<u64>,
    bench: workload::Workload,
}

impl KeyedWorkload {
    /// With `random_keys`, session `n`'s key is a SplitMix64 output (distinct,
    /// as its mixing is a bijection) rather than `n`.
    fn new(random_keys: bool) -> Self {
        let key_of = |n| {
            if random_keys {
                SplitMix64(n).next_u64()
            } else {
                n
            }
        };
        let keys: Vec<u64> = (0..SESSIONS).map(key_of).collect();
        let mut bench = workload::Workload::new();
        bench
            .rearms
            .iter_mut()
            .for_each(|r| r.0 = keys[r.0 as usize]);
        bench
            .cancels
            .iter_mut()
            .for_each(|k| *k = keys[*k as usize]);
        KeyedWorkload { keys, bench }
    }
}

fn main() {
    let batch = std::env::args().any(|a| a == "--batch");
    let workload = KeyedWorkload::new(std::env::args().any(|a| a == "--random-keys"));
    for _ in 0..5 {
        let [establishing, rearming, cancelling, firing] = if batch {
            batched(&workload)
        } else {
            one_call(&workload)
        };
        println!(
            "establish {establishing:?} rearm {rearming:?} cancel {cancelling:?} fire {firing:?}"
        );
    }
}
