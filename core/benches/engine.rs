//! The engine against a `BinaryHeap` with lazy deletion (and, in the paired
//! rounds, the keyed heaps of `keyed_priority_queue` and `priority-queue`,
//! each driven by its own update call, and tokio-util's `DelayQueue` on a
//! paused clock), on one workload:
//! 1,000,000 sessions, 3,000,000 re-arms, 200,000 cancels, then every timer
//! fired in order. The heap runs twice: with its generations in a `HashMap` by
//! the host's key, as a host's own timer manager must keep them, and in a plain
//! array indexed by the key, which only works because the bench's keys happen
//! to be 0..1M. Also: memory per session, and `next_deadline()` at 1k and
//! 1M sessions. Prints ratios measured in the same run (the machine is shared
//! and noisy: absolute times drift, ratios much less): of criterion's medians,
//! and paired, the seven contenders run back to back in each of 7 rounds;
//! then each phase's (establish, re-arm, cancel, fire), which shows where
//! the engine's lead is wide and where it is narrow.
//!
//! The engine runs twice: one call per operation, and through its batch calls
//! (`establish_batch`, `refreshed_batch`, `remove_batch`), which overlap the cache misses of
//! a batch's lookups; the heap baseline has no such call.
//!
//! Last, the memory floor: what a read costs in an array of the engine's
//! size, waiting for the one before or not, and the engine's time an
//! operation in units of those reads (one call at a time, a lookup can only
//! overlap a little with the next; a batch overlaps many).
//!
//! Run: `cargo bench -p sessiontimer --bench engine`; add `-- paired` for
//! the paired rounds alone (two or three minutes, not ten).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use sessiontimer::engine::{RandomSource, Refreshed, SplitMix64};
use sessiontimer::{Engine, EngineConfig, Negotiated, Policy, Session, Side};

/// Counts live heap bytes so memory per session is measured, not estimated
/// (with the bytes the engine maps for its table itself, which it reports).
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

#[path = "shared/workload.rs"]
mod workload;
use workload::{Workload, CANCELS, REARMS, SESSIONS};

/// When a run ended each phase but the last: establishment, re-arms,
/// cancels (firing ends with the run). Three laps, whatever the contender.
#[derive(Default)]
struct Laps(Vec<Instant>);

impl Laps {
    /// Marks the end of a phase.
    fn lap(&mut self) {
        self.0.push(Instant::now());
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
    engine.reserve(SESSIONS as usize).expect("memory");
    for (key, &interval) in w.intervals.iter().enumerate() {
        let mut session = Session::new(false);
        session
            .apply(peer_refreshes(interval), 0)
            .expect("a valid interval");
        engine.establish(key as u64, session).unwrap();
    }
    engine
}

/// The engine, one call per operation: establish, re-arm, cancel, fire all;
/// returns how many fired.
fn run_engine(w: &Workload, laps: &mut Laps) -> usize {
    let mut engine = establish(w);
    laps.lap();
    for &(key, now, interval) in &w.rearms {
        engine
            .refreshed(key, now, peer_refreshes(interval))
            .unwrap();
    }
    laps.lap();
    for &key in &w.cancels {
        engine.remove(key).unwrap();
    }
    laps.lap();
    fire(engine)
}

/// How many operations a host hands the batch calls at once (about what one
/// wakeup reads from a busy socket).
const BATCH: usize = 256;

/// The engine through `establish_batch`, `refreshed_batch` and
/// `remove_batch`, `BATCH` operations a call, each batch built in the timed
/// run as a host would.
fn run_engine_batched(w: &Workload, laps: &mut Laps) -> usize {
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    engine.reserve(SESSIONS as usize).expect("memory");
    let mut sessions = Vec::with_capacity(BATCH);
    for (n, chunk) in w.intervals.chunks(BATCH).enumerate() {
        sessions.clear();
        sessions.extend(chunk.iter().enumerate().map(|(k, &interval)| {
            let key = (n * BATCH + k) as u64;
            (
                key,
                Session::started(peer_refreshes(interval), 0).expect("a valid interval"),
            )
        }));
        assert!(engine.establish_batch(&sessions).is_empty());
    }
    laps.lap();
    let mut reports = Vec::with_capacity(BATCH);
    for chunk in w.rearms.chunks(BATCH) {
        reports.clear();
        reports.extend(chunk.iter().map(|&(key, now_ms, interval)| Refreshed {
            key,
            now_ms,
            timer: peer_refreshes(interval),
        }));
        assert!(engine.refreshed_batch(&reports).is_empty());
    }
    laps.lap();
    for chunk in w.cancels.chunks(BATCH) {
        assert!(engine.remove_batch(chunk).is_empty());
    }
    laps.lap();
    fire(engine)
}

fn fire(mut engine: Engine) -> usize {
    std::iter::from_fn(|| engine.poll(u64::MAX)).count()
}

/// Where a heap baseline keeps each key's generation.
trait Generations {
    fn new() -> Self;
    fn slot(&mut self, key: u64) -> &mut u32;
    fn get(&self, key: u64) -> u32;
}

/// Generations by key in a `HashMap` (with the engine's hasher, foldhash).
struct Keyed(HashMap<u64, u32, foldhash::fast::RandomState>);

impl Generations for Keyed {
    fn new() -> Self {
        let mut map = HashMap::with_hasher(foldhash::fast::RandomState::default());
        map.reserve(SESSIONS as usize);
        Keyed(map)
    }
    fn slot(&mut self, key: u64) -> &mut u32 {
        self.0.entry(key).or_insert(0)
    }
    fn get(&self, key: u64) -> u32 {
        self.0.get(&key).copied().unwrap_or(u32::MAX)
    }
}

/// Generations in an array indexed by the key itself (keys are 0..1M here).
struct Dense(Vec<u32>);

impl Generations for Dense {
    fn new() -> Self {
        Dense(vec![0; SESSIONS as usize])
    }
    fn slot(&mut self, key: u64) -> &mut u32 {
        &mut self.0[key as usize]
    }
    fn get(&self, key: u64) -> u32 {
        self.0[key as usize]
    }
}

/// The baseline: `BinaryHeap` with lazy deletion by generation.
fn run_heap<G: Generations>(w: &Workload, laps: &mut Laps) -> usize {
    let mut generation = G::new();
    let mut heap = BinaryHeap::new();
    for (key, &interval) in w.intervals.iter().enumerate() {
        *generation.slot(key as u64) = 0;
        heap.push(Reverse((bye_at(0, interval), key as u64, 0u32)));
    }
    laps.lap();
    for &(key, now, interval) in &w.rearms {
        let g = generation.slot(key);
        *g += 1;
        heap.push(Reverse((bye_at(now, interval), key, *g)));
    }
    laps.lap();
    for &key in &w.cancels {
        *generation.slot(key) = u32::MAX;
    }
    laps.lap();
    let mut fired = 0;
    while let Some(Reverse((_, key, g))) = heap.pop() {
        if generation.get(key) == g {
            fired += 1;
        }
    }
    fired
}

/// When the non-refresher's BYE is due for a session refreshed at `now`:
/// what every contender keys its entry on.
fn bye_at(now: u64, interval: u32) -> u64 {
    let ms = u64::from(interval) * 1000;
    now + ms - Policy::RFC.bye_margin.margin_ms(ms)
}

type Fast = foldhash::fast::RandomState;

/// A contender: `keyed_priority_queue`'s heap with a key index (the
/// engine's hasher); a re-arm is `set_priority`, a cancel `remove`, firing
/// `pop` until empty. Min-first through `Reverse`, as a timer needs.
fn run_keyed_priority_queue(w: &Workload, laps: &mut Laps) -> usize {
    let mut queue = keyed_priority_queue::KeyedPriorityQueue::with_capacity_and_hasher(
        SESSIONS as usize,
        Fast::default(),
    );
    for (key, &interval) in w.intervals.iter().enumerate() {
        queue.push(key as u64, Reverse(bye_at(0, interval)));
    }
    laps.lap();
    for &(key, now, interval) in &w.rearms {
        let at = Reverse(bye_at(now, interval));
        queue.set_priority(&key, at).expect("a known key");
    }
    laps.lap();
    for key in &w.cancels {
        queue.remove(key);
    }
    laps.lap();
    std::iter::from_fn(|| queue.pop()).count()
}

/// A contender: `priority-queue`'s `PriorityQueue` (an indexed heap; the
/// engine's hasher); a re-arm is `change_priority`.
fn run_priority_queue(w: &Workload, laps: &mut Laps) -> usize {
    let mut queue =
        priority_queue::PriorityQueue::with_capacity_and_hasher(SESSIONS as usize, Fast::default());
    for (key, &interval) in w.intervals.iter().enumerate() {
        queue.push(key as u64, Reverse(bye_at(0, interval)));
    }
    laps.lap();
    for &(key, now, interval) in &w.rearms {
        let at = Reverse(bye_at(now, interval));
        queue.change_priority(&key, at).expect("a known key");
    }
    laps.lap();
    for key in &w.cancels {
        queue.remove(key);
    }
    laps.lap();
    std::iter::from_fn(|| queue.pop()).count()
}

/// A contender: tokio-util's `DelayQueue` (a hierarchical timing wheel over a
/// slab, as the engine's), on a current-thread runtime whose clock is paused,
/// so firing waits for nothing. The queue names its entries by its own keys:
/// a host maps its own keys to them (with the engine's hasher), as the engine
/// does inside. A re-arm is `reset_at`, a cancel `remove`; firing advances the
/// clock past every deadline, then takes the expired entries until none is left.
fn run_delay_queue(w: &Workload, laps: &mut Laps) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let start = tokio::time::Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut queue = tokio_util::time::DelayQueue::with_capacity(SESSIONS as usize);
        let mut keys: HashMap<u64, tokio_util::time::delay_queue::Key, Fast> =
            HashMap::with_capacity_and_hasher(SESSIONS as usize, Fast::default());
        for (key, &interval) in w.intervals.iter().enumerate() {
            let key = key as u64;
            keys.insert(key, queue.insert_at(key, at(bye_at(0, interval))));
        }
        laps.lap();
        for &(key, now, interval) in &w.rearms {
            queue.reset_at(&keys[&key], at(bye_at(now, interval)));
        }
        laps.lap();
        for key in &w.cancels {
            let key = keys.remove(key).expect("a known key");
            queue.remove(&key);
        }
        laps.lap();
        tokio::time::advance(Duration::from_secs(24 * 3600)).await;
        let mut fired = 0;
        while std::future::poll_fn(|cx| queue.poll_expired(cx))
            .await
            .is_some()
        {
            fired += 1;
        }
        fired
    })
}

static TIMES: Mutex<[Vec<Duration>; 4]> =
    Mutex::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()]);

fn timed(slot: usize, iters: u64, w: &Workload, run: Run) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let took = phases(w, run).iter().sum();
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
    let bytes = LIVE.load(Ordering::Relaxed) - before + engine.mapped_bytes();
    if let Some(huge) = huge_page_bytes() {
        let mapped = engine.mapped_bytes() as f64 / 1e6;
        println!("the table: {mapped:.1} MB mapped, the process {huge:.1} MB on huge pages");
    }
    drop(engine);
    bytes as f64 / SESSIONS as f64
}

/// The process's memory on transparent huge pages, in MB, where Linux says.
fn huge_page_bytes() -> Option<f64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = rollup.lines().find(|l| l.starts_with("AnonHugePages:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1e3)
}

fn next_deadline_ns(sessions: u64) -> f64 {
    let w = Workload::new();
    let mut engine = Engine::new(EngineConfig::default()).unwrap();
    for key in 0..sessions {
        let mut session = Session::new(false);
        session
            .apply(peer_refreshes(w.intervals[key as usize]), 0)
            .expect("a valid interval");
        engine.establish(key, session).unwrap();
    }
    let rounds = 2_000_000;
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(black_box(&engine).next_deadline());
    }
    start.elapsed().as_nanos() as f64 / rounds as f64
}

/// Rounds of the paired measurement.
const ROUNDS: usize = 7;

/// The contenders of the paired rounds, by name; the engine's two are last.
type Run = fn(&Workload, &mut Laps) -> usize;

/// Phases of the workload, as [`Laps`] marks them.
const PHASES: [&str; 4] = ["establish", "re-arm", "cancel", "fire"];

/// One run of a contender: how long each of its phases took. It must fire
/// every timer not cancelled.
fn phases(w: &Workload, run: Run) -> [Duration; 4] {
    let mut laps = Laps::default();
    let start = Instant::now();
    assert_eq!(black_box(run(w, &mut laps)), (SESSIONS - CANCELS) as usize);
    laps.lap();
    let ends: [Instant; 4] = laps.0.try_into().expect("three laps and the end");
    let mut from = start;
    ends.map(|end| {
        let took = end - from;
        from = end;
        took
    })
}

const CONTENDERS: [(&str, Run); 7] = [
    ("BinaryHeap, generations by key", run_heap::<Keyed>),
    ("BinaryHeap, generations by index", run_heap::<Dense>),
    ("keyed_priority_queue", run_keyed_priority_queue),
    ("priority-queue", run_priority_queue),
    ("DelayQueue", run_delay_queue),
    ("engine", run_engine),
    ("batched engine", run_engine_batched),
];

/// Runs every contender back to back, `ROUNDS` times, and prints each
/// ratio's median and range over the rounds, then each phase's; returns the
/// engine's median round, one call at a time and batched, in seconds. Load
/// on a shared machine drifts over the minutes criterion spends on one
/// contender before the next; within a round they run seconds apart, under
/// the same load.
fn paired_ratios(w: &Workload) -> [f64; 2] {
    let runs = CONTENDERS.map(|(_, run)| run);
    let rounds: Vec<[[f64; 4]; 7]> = (0..ROUNDS)
        .map(|_| runs.map(|run| phases(w, run).map(|took| took.as_secs_f64())))
        .collect();
    let totals: Vec<[f64; 7]> = rounds
        .iter()
        .map(|r| r.map(|phases| phases.iter().sum()))
        .collect();
    let names = CONTENDERS.map(|(name, _)| name);
    println!("paired rounds, seconds ({}):", names.join(", "));
    for r in &totals {
        let cells: Vec<String> = r.iter().map(|s| format!("{s:.3}")).collect();
        println!("  {}", cells.join(" "));
    }
    println!("paired ratios over {ROUNDS} rounds, contender / engine (median, range):");
    for_each_pair(|other, engine| {
        let (median, low, high) = spread(totals.iter().map(|r| r[other] / r[engine]));
        let pair = format!("{} / {}", names[other], names[engine]);
        println!("  {pair}: {median:.2}x ({low:.2}-{high:.2})");
    });
    print_phases(&rounds);
    [5, 6].map(|engine| spread(totals.iter().map(|r| r[engine])).0)
}

/// Calls `pair` with each contender and each of the engine's two runs.
fn for_each_pair(mut pair: impl FnMut(usize, usize)) {
    for engine in [5, 6] {
        (0..5).for_each(|other| pair(other, engine));
    }
}

/// The median, least and greatest of `values` (one a round).
fn spread(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

/// Each contender's median phases, and each phase's ratio (the median over
/// the rounds): where the engine's lead is wide, and where it is narrow.
fn print_phases(rounds: &[[[f64; 4]; 7]]) {
    let names = CONTENDERS.map(|(name, _)| name);
    println!("paired phases, median ms ({}):", PHASES.join(", "));
    for (n, name) in names.iter().enumerate() {
        let ms = (0..PHASES.len()).map(|phase| {
            let (median, _, _) = spread(rounds.iter().map(|r| r[n][phase]));
            format!("{:.1}", median * 1e3)
        });
        println!("  {name}: {}", ms.collect::<Vec<_>>().join(" "));
    }
    println!("paired phase ratios, contender / engine (median):");
    for_each_pair(|other, engine| {
        let ratios = PHASES.iter().enumerate().map(|(phase, name)| {
            let (median, _, _) = spread(rounds.iter().map(|r| r[other][phase] / r[engine][phase]));
            format!("{name} {median:.2}x")
        });
        let pair = format!("{} / {}", names[other], names[engine]);
        println!("  {pair}: {}", ratios.collect::<Vec<_>>().join(", "));
    });
}

/// Operations in the workload: establishments, re-arms, cancels, timers fired.
const OPERATIONS: u64 = SESSIONS + REARMS + CANCELS + (SESSIONS - CANCELS);

/// What one read of memory costs in an array of `bytes` (the engine's size
/// at 1M sessions), in ns: each read waiting for the one before (a random
/// cycle through its cache lines), and reads that do not depend on each
/// other (the CPU overlaps as many as it can). The floor a structure meets
/// when each operation reads one random record of it.
fn memory_floor(bytes: usize) -> (f64, f64) {
    let lines = bytes / 64;
    let mut rng = SplitMix64(1);
    // Sattolo's shuffle: one cycle through every line.
    let mut next: Vec<[u64; 8]> = (0..lines as u64).map(|i| [i; 8]).collect();
    for i in (1..lines).rev() {
        next.swap(i, (rng.next_u64() % i as u64) as usize);
    }
    let reads = 2_000_000;
    let start = Instant::now();
    let mut at = 0;
    for _ in 0..reads {
        at = next[at][0] as usize;
    }
    black_box(at);
    let dependent = start.elapsed().as_nanos() as f64 / reads as f64;
    let picks: Vec<usize> = (0..reads)
        .map(|_| (rng.next_u64() % lines as u64) as usize)
        .collect();
    let start = Instant::now();
    let sum = picks
        .iter()
        .fold(0u64, |sum, &i| sum.wrapping_add(next[i][0]));
    black_box(sum);
    let independent = start.elapsed().as_nanos() as f64 / reads as f64;
    (dependent, independent)
}

fn bench(c: &mut Criterion) {
    let w = Workload::new();
    let mut group = c.benchmark_group("1M sessions, 3M re-arms, 200k cancels, fire all");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function(
        "baseline: BinaryHeap, lazy deletion, generations by key",
        |b| b.iter_custom(|iters| timed(0, iters, &w, run_heap::<Keyed>)),
    );
    group.bench_function(
        "baseline: BinaryHeap, lazy deletion, generations by index",
        |b| b.iter_custom(|iters| timed(1, iters, &w, run_heap::<Dense>)),
    );
    group.bench_function("sessiontimer Engine (timing wheel)", |b| {
        b.iter_custom(|iters| timed(2, iters, &w, run_engine))
    });
    group.bench_function("sessiontimer Engine, batch calls", |b| {
        b.iter_custom(|iters| timed(3, iters, &w, run_engine_batched))
    });
    group.finish();

    println!("\n== sessiontimer engine benchmark ==");
    let mut times = TIMES.lock().unwrap();
    // A filter that matches no benchmark (`-- paired`) runs the paired rounds alone.
    if times.iter().all(|t| !t.is_empty()) {
        print_medians(times.each_mut().map(|t| median(t)));
    }
    drop(times);
    let [one_call, batched] = paired_ratios(&w);
    let bytes = bytes_per_session(&w);
    println!("memory per session: {bytes:.1} bytes");
    let (dependent, independent) = memory_floor((bytes * SESSIONS as f64) as usize);
    let [one_call, batched] = [one_call, batched].map(|s| s * 1e9 / OPERATIONS as f64);
    println!(
        "memory floor, in {:.0} MB (the engine's): a read {dependent:.1} ns when it waits for \
         the one before, {independent:.1} ns when not; the engine's median round, an operation \
         ({OPERATIONS} of them): {one_call:.1} ns one call at a time ({:.2} dependent reads), \
         {batched:.1} ns batched ({:.2} independent reads)",
        bytes * SESSIONS as f64 / 1e6,
        one_call / dependent,
        batched / independent,
    );
    let (small, large) = (next_deadline_ns(1_000), next_deadline_ns(SESSIONS));
    println!(
        "next_deadline(): {small:.1} ns at 1k sessions, {large:.1} ns at 1M (ratio {:.2})",
        large / small
    );
}

/// Criterion's medians of the four contenders, and their ratios.
fn print_medians([keyed, dense, engine, batched]: [Duration; 4]) {
    println!("median baseline, generations by key (HashMap): {keyed:?}");
    println!("median baseline, generations by index (Vec):   {dense:?}");
    println!("median engine, one call per operation:         {engine:?}");
    println!("median engine, batch calls of {BATCH}:             {batched:?}");
    for (calls, engine) in [("engine", engine), ("batched engine", batched)] {
        for (name, heap) in [("by key", keyed), ("by index", dense)] {
            println!(
                "ratio of medians, baseline {name} / {calls}: {:.2}x",
                heap.as_secs_f64() / engine.as_secs_f64()
            );
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
