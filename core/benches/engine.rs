//! The engine against a `BinaryHeap` with lazy deletion, on one workload:
//! 1,000,000 sessions, 3,000,000 re-arms, 200,000 cancels, then every timer
//! fired in order. Also: memory per session, and `next_deadline()` at 1k and
//! 1M sessions. Prints ratios measured in the same run (the machine is shared
//! and noisy: absolute times drift, ratios much less).
//!
//! Run: `cargo bench -p sessiontimer --bench engine`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use sessiontimer::engine::{RandomSource, SplitMix64};
use sessiontimer::{Engine, EngineConfig, Negotiated, Policy, Session, Side};

/// Counts live heap bytes so memory per session is measured, not estimated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: ptr came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: ptr came from `alloc` with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SESSIONS: u64 = 1_000_000;
const REARMS: u64 = 3_000_000;
const CANCELS: u64 = 200_000;

/// The workload, drawn once: intervals, re-arm keys and times.
struct Workload {
    intervals: Vec<u32>,
    rearms: Vec<(u64, u64)>,
}

impl Workload {
    fn new() -> Self {
        let mut rng = SplitMix64(4028);
        let intervals = (0..SESSIONS)
            .map(|_| 90 + (rng.next_u64() % 3511) as u32)
            .collect();
        let rearms = (0..REARMS)
            .map(|r| (rng.next_u64() % SESSIONS, r * 50_000 / REARMS))
            .collect();
        Workload { intervals, rearms }
    }

    fn cancelled(i: u64) -> u64 {
        i * 7919 % SESSIONS // distinct: 7919 is prime to 10^6
    }
}

fn peer_refreshes(interval: u32) -> Option<Negotiated> {
    Some(Negotiated {
        interval,
        refresher: Side::Remote,
    })
}

fn establish(w: &Workload) -> Engine {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.reserve(SESSIONS as usize);
    for (key, &interval) in w.intervals.iter().enumerate() {
        let mut session = Session::new(false);
        session.apply(peer_refreshes(interval), 0);
        engine.establish(key as u64, session).unwrap();
    }
    engine
}

/// The engine: establish, re-arm, cancel, fire all; returns how many fired.
fn run_engine(w: &Workload) -> usize {
    let mut engine = establish(w);
    for &(key, now) in &w.rearms {
        engine
            .refreshed(key, now, peer_refreshes(w.intervals[key as usize]))
            .unwrap();
    }
    for i in 0..CANCELS {
        engine.remove(Workload::cancelled(i)).unwrap();
    }
    std::iter::from_fn(|| engine.poll(u64::MAX)).count()
}

/// The baseline: `BinaryHeap` with lazy deletion by generation.
fn run_heap(w: &Workload) -> usize {
    let margin = Policy::RFC.bye_margin;
    let bye_at = |now: u64, interval: u32| {
        let ms = u64::from(interval) * 1000;
        now + ms - margin.margin_ms(ms)
    };
    let mut generation = vec![0u32; SESSIONS as usize];
    let mut heap = BinaryHeap::new();
    for (key, &interval) in w.intervals.iter().enumerate() {
        heap.push(Reverse((bye_at(0, interval), key as u32, 0u32)));
    }
    for &(key, now) in &w.rearms {
        let g = &mut generation[key as usize];
        *g += 1;
        heap.push(Reverse((
            bye_at(now, w.intervals[key as usize]),
            key as u32,
            *g,
        )));
    }
    for i in 0..CANCELS {
        generation[Workload::cancelled(i) as usize] = u32::MAX;
    }
    let mut fired = 0;
    while let Some(Reverse((_, key, g))) = heap.pop() {
        if generation[key as usize] == g {
            fired += 1;
        }
    }
    fired
}

static TIMES: Mutex<[Vec<Duration>; 2]> = Mutex::new([Vec::new(), Vec::new()]);

fn timed(slot: usize, iters: u64, w: &Workload, run: fn(&Workload) -> usize) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        assert_eq!(black_box(run(w)), (SESSIONS - CANCELS) as usize);
        let took = start.elapsed();
        TIMES.lock().unwrap()[slot].push(took);
        total += took;
    }
    total
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bytes_per_session(w: &Workload) -> f64 {
    let before = LIVE.load(Ordering::Relaxed);
    let engine = establish(w);
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    drop(engine);
    bytes as f64 / SESSIONS as f64
}

fn next_deadline_ns(sessions: u64) -> f64 {
    let w = Workload::new();
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    for key in 0..sessions {
        let mut session = Session::new(false);
        session.apply(peer_refreshes(w.intervals[key as usize]), 0);
        engine.establish(key, session).unwrap();
    }
    let rounds = 2_000_000;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(black_box(&engine).next_deadline());
    }
    start.elapsed().as_nanos() as f64 / rounds as f64
}

fn bench(c: &mut Criterion) {
    let w = Workload::new();
    let mut group = c.benchmark_group("1M sessions, 3M re-arms, 200k cancels, fire all");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("baseline: BinaryHeap with lazy deletion", |b| {
        b.iter_custom(|iters| timed(0, iters, &w, run_heap))
    });
    group.bench_function("sessiontimer Engine (timing wheel)", |b| {
        b.iter_custom(|iters| timed(1, iters, &w, run_engine))
    });
    group.finish();

    let mut times = TIMES.lock().unwrap();
    let heap = median(&mut times[0]);
    let engine = median(&mut times[1]);
    println!("\n== sessiontimer engine benchmark ==");
    println!("median baseline (BinaryHeap, lazy deletion): {heap:?}");
    println!("median engine (hierarchical timing wheel):   {engine:?}");
    println!(
        "ratio baseline / engine: {:.2}x",
        heap.as_secs_f64() / engine.as_secs_f64()
    );
    println!("memory per session: {:.1} bytes", bytes_per_session(&w));
    let (small, large) = (next_deadline_ns(1_000), next_deadline_ns(SESSIONS));
    println!(
        "next_deadline(): {small:.1} ns at 1k sessions, {large:.1} ns at 1M (ratio {:.2})",
        large / small
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
