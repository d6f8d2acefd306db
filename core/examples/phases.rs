//! The engine bench's workload (1,000,000 sessions, 3,000,000 re-arms by
//! key, 200,000 cancels, then every timer fired), timed phase by phase, so a
//! change to one path can be measured on its own. Each run prints five lines.
//!
//! Run: `cargo run --release -p sessiontimer --example phases [-- --batch]`
//! (`--batch`: establishments, re-arms and cancels through the batch calls,
//! 256 a call).

use std::time::{Duration, Instant};

use sessiontimer::engine::{RandomSource, Refreshed, SplitMix64};
use sessiontimer::{Engine, EngineConfig, Negotiated, Session, Side};

const SESSIONS: u64 = 1_000_000;
const REARMS: u64 = 3_000_000;
const CANCELS: u64 = 200_000;
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
fn one_call(intervals: &[u32], rearms: &[(u64, u64, u32)]) -> [Duration; 4] {
    let start = Instant::now();
    let mut engine = Engine::new(EngineConfig::default()).expect("a valid config");
    engine.reserve(intervals.len()).expect("memory");
    for (key, &interval) in intervals.iter().enumerate() {
        let session = Session::started(peer_refreshes(interval), 0).expect("valid");
        engine.establish(key as u64, session).expect("a new key");
    }
    let establishing = start.elapsed();
    let start = Instant::now();
    for &(key, now, interval) in rearms {
        let timer = peer_refreshes(interval);
        engine.refreshed(key, now, timer).expect("a known key");
    }
    let rearming = start.elapsed();
    let [cancelling, firing] = cancel_and_fire(engine, false);
    [establishing, rearming, cancelling, firing]
}

/// The same phases through the batch calls, 256 operations a call.
fn batched(intervals: &[u32], rearms: &[(u64, u64, u32)]) -> [Duration; 4] {
    let mut engine = Engine::new(EngineConfig::default()).expect("a valid config");
    let establishing = timed(|| {
        engine.reserve(intervals.len()).expect("memory");
        let mut sessions = Vec::with_capacity(BATCH);
        for (n, chunk) in intervals.chunks(BATCH).enumerate() {
            sessions.clear();
            sessions.extend(chunk.iter().enumerate().map(|(k, &interval)| {
                let session = Session::started(peer_refreshes(interval), 0);
                ((n * BATCH + k) as u64, session.expect("valid"))
            }));
            assert!(engine.establish_batch(&sessions).is_empty());
        }
    });
    let rearming = timed(|| {
        let mut reports = Vec::with_capacity(BATCH);
        for chunk in rearms.chunks(BATCH) {
            reports.clear();
            reports.extend(chunk.iter().map(|&(key, now_ms, interval)| Refreshed {
                key,
                now_ms,
                timer: peer_refreshes(interval),
            }));
            assert!(engine.refreshed_batch(&reports).is_empty());
        }
    });
    let [cancelling, firing] = cancel_and_fire(engine, true);
    [establishing, rearming, cancelling, firing]
}

/// Cancels (one call each, or `BATCH` keys a call), then fires every timer left.
fn cancel_and_fire(mut engine: Engine, batch: bool) -> [Duration; 2] {
    let keys: Vec<u64> = (0..CANCELS).map(|i| i * 7919 % SESSIONS).collect();
    let cancelling = timed(|| {
        if batch {
            for chunk in keys.chunks(BATCH) {
                assert!(engine.remove_batch(chunk).is_empty());
            }
        } else {
            for &key in &keys {
                engine.remove(key).expect("a known key");
            }
        }
    });
    let mut fired = 0;
    let firing = timed(|| fired = std::iter::from_fn(|| engine.poll(u64::MAX)).count());
    assert_eq!(fired as u64, SESSIONS - CANCELS);
    [cancelling, firing]
}

fn main() {
    let batch = std::env::args().any(|a| a == "--batch");
    let mut rng = SplitMix64(4028);
    let intervals: Vec<u32> = (0..SESSIONS)
        .map(|_| 90 + (rng.next_u64() % 3511) as u32)
        .collect();
    // Each re-arm carries its interval, as the engine bench's do.
    let rearms: Vec<(u64, u64, u32)> = (0..REARMS)
        .map(|r| {
            let key = rng.next_u64() % SESSIONS;
            (key, r * 50_000 / REARMS, intervals[key as usize])
        })
        .collect();
    for _ in 0..5 {
        let [establishing, rearming, cancelling, firing] = if batch {
            batched(&intervals, &rearms)
        } else {
            one_call(&intervals, &rearms)
        };
        println!(
            "establish {establishing:?} rearm {rearming:?} cancel {cancelling:?} fire {firing:?}"
        );
    }
}
