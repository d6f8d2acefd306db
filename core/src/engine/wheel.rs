//! A hierarchical timing wheel over a slab of entries (the engine's table,
//! whose slots keep their positions until it is rebuilt, and then the wheel
//! is rebuilt too).
//!
//! The layout is tokio's: levels of 64 slots, each 64 times coarser than the
//! one below, and an occupancy bitmap per level. Eleven levels cover every
//! `u64` millisecond, so any deadline has a place. Entries cascade down a level
//! when their slot comes up.
//!
//! Level 0 is not a ring of 1 ms slots but a small heap ordered by (deadline,
//! key): it holds the entries due within the wheel's current 64 ms window, and
//! any already due. Each entry fires at its exact millisecond, in exactly the
//! order of a binary heap keyed the same way, and the wheel never walks 1 ms
//! slots one at a time: a timer armed less than 4.6 hours ahead is filed at
//! most four times (levels 3, 2, 1, then the heap) between arming and firing. A cancelled or
//! moved heap entry is dropped lazily when it surfaces.
//!
//! A host catching up (polling long after many deadlines: after a stall, on
//! adopting a dead node's sessions, or firing everything) finds whole slots
//! due. A slot wholly due when it comes up, of 16 to 8192 entries, skips the
//! levels below and the heap: its entries are radix-sorted into a run, which
//! is taken in order against the heap. The same order, a quarter fewer
//! instructions a fired timer, and at a million sessions firing them all
//! takes about 20-40% less time.
//!
//! A bucket is a vector of `u32` slab indices, and each entry knows its bucket and
//! its position there (no pointers, no unsafe). Cancelling swaps the bucket's last
//! entry into the hole, so it touches one other entry; arming appends. Walking a
//! bucket reads entries that do not depend on each other, which the CPU fetches
//! in parallel: a linked list would make each read wait for the one before.
//!
//! Moving an entry later while it sits in a bucket only changes its deadline:
//! its bucket comes up no later than the new deadline, and the cascade files it
//! where it now belongs. Session refreshes always move timers later, so most
//! re-arms touch nothing but the entry itself.
//!
//! Arm, re-arm and cancel are O(1) for entries in buckets and O(log n) for the
//! few in the heap. [`Wheel::next_expiration`] is O(levels).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use prefetch_index::prefetch_index;

use super::table::prefetch_item;

const LEVEL_BITS: u32 = 6;
const SLOTS: usize = 1 << LEVEL_BITS;
const LEVELS: usize = 11;
/// The pseudo-bucket of entries in the near heap or the run.
const NEAR: u16 = (LEVELS * SLOTS) as u16;
/// The pseudo-bucket of an entry that is not armed.
const UNARMED: u16 = u16::MAX;
/// A drained bucket keeps its allocation up to this many entries.
const KEPT_CAPACITY: usize = 256;
/// A bucket doubles up to this many entries (4 kB), then grows by a
/// sixteenth (see [`append`]): the room doubling leaves is at most 2 kB a
/// bucket, 1.4 MB for all 704 whatever the sessions' deadlines.
const DOUBLING_LIMIT: usize = 1024;

/// The wheel's part of a slab entry (14 bytes, which an entry may lay out
/// among its own fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Links {
    /// When the entry fires, in ms; meaningful while armed. An entry above
    /// level 0 may sit in the bucket of an earlier deadline.
    pub deadline: u64,
    /// The entry's index in its bucket.
    pub pos: u32,
    /// `level * 64 + slot` (level 1 and up), [`NEAR`] or [`UNARMED`].
    pub bucket: u16,
}

impl Links {
    /// An entry that is not armed.
    pub const UNARMED: Links = Links {
        deadline: u64::MAX,
        pos: 0,
        bucket: UNARMED,
    };

    /// Whether the entry is in the wheel.
    pub fn is_armed(&self) -> bool {
        self.bucket != UNARMED
    }

    /// Whether the entry is in a level bucket (not in the near heap or the run).
    fn is_in_bucket(&self) -> bool {
        self.bucket < NEAR
    }
}

/// A slab entry the wheel can link: its links and the key that orders ties.
pub(crate) trait Entry {
    fn links(&self) -> Links;
    fn set_links(&mut self, links: Links);
    /// Moves the entry within its bucket, to `pos`.
    fn set_pos(&mut self, pos: u32) {
        let links = self.links();
        self.set_links(Links { pos, ..links });
    }
    fn key(&self) -> u64;
}

/// The timing wheel. It holds buckets of indices; the entries live in the caller's slab.
#[derive(Debug, Clone)]
pub(crate) struct Wheel {
    /// The wheel's position: every entry in a level bucket is due after the
    /// end of the 64 ms window that holds it.
    elapsed: u64,
    occupied: [u64; LEVELS],
    /// `LEVELS * SLOTS` buckets (level 0's stay empty); a bucket is occupied
    /// exactly when not empty.
    buckets: Vec<Vec<u32>>,
    /// Entries due before the end of `elapsed`'s 64 ms window, ordered by
    /// (deadline, key); may hold stale items of entries since cancelled or
    /// re-armed.
    near: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// The entries of a slot that was wholly due when it came up (a host
    /// catching up), sorted by (deadline, key): they skip the levels below and
    /// the heap, and are taken in order against the heap's. Kept in reverse,
    /// so the next is the last. May hold stale items, like the heap.
    run: Vec<(u64, u64, u32)>,
    /// How many entries are armed in the near heap and the run.
    near_live: usize,
    len: usize,
}

/// How far ahead of the entry it fires the run shows `pop_due`'s caller the
/// entry it will fire.
const RUN_AHEAD: usize = 8;

/// The most entries a wholly due slot sorts into the run; a larger one
/// cascades (its slots, smaller, then do).
const RUN_MAX: usize = 8192;

/// The fewest entries a wholly due slot sorts into the run: the near heap
/// takes a few at less cost.
const RUN_MIN: usize = 16;

/// How many places ahead of the entry it refiles a cascade starts fetching
/// an entry's slot.
const READ_AHEAD: usize = 16;

/// Level and slot of `deadline` seen from `elapsed` (`deadline > elapsed`).
fn level_and_slot(elapsed: u64, deadline: u64) -> (usize, usize) {
    let significant = 63 - ((elapsed ^ deadline) | (SLOTS as u64 - 1)).leading_zeros();
    let level = (significant / LEVEL_BITS) as usize;
    let slot = (deadline >> (level as u32 * LEVEL_BITS)) as usize & (SLOTS - 1);
    (level, slot)
}

/// Appends to a bucket. A bucket doubles up to [`DOUBLING_LIMIT`] entries,
/// then grows by a sixteenth: a million timers in a few buckets waste about
/// 4% of 4 bytes each, not the half a doubling vector can. (A large bucket is
/// its own mapping, which grows without a copy.) Growing the small ones by a
/// sixteenth too copied each entry about 16 times: a cascade refiles
/// thousands of timers into buckets that start empty.
fn append(bucket: &mut Vec<u32>, i: u32) -> u32 {
    if bucket.len() == bucket.capacity() {
        grow(bucket);
    }
    bucket.push(i);
    (bucket.len() - 1) as u32
}

/// The rare step of [`append`], out of line: inlined, its call made every
/// filing save and restore six registers.
#[cold]
#[inline(never)]
fn grow(bucket: &mut Vec<u32>) {
    let step = if bucket.len() < DOUBLING_LIMIT {
        bucket.len().max(16)
    } else {
        bucket.len() / 16
    };
    bucket.reserve_exact(step);
}

/// Sorts the items of one slot, whose deadlines lie within `span_bits` bits
/// above `base`, by (deadline, key): a least-significant-digit radix sort of
/// the deadlines, a level's 6 bits a pass, then equal deadlines by key. A
/// comparison sort of these 24-byte items cost 260 instructions an item.
fn sort_run(items: &mut Vec<(u64, u64, u32)>, base: u64, span_bits: u32) {
    if items.len() <= 32 || span_bits > 32 {
        // A few items, or a slot years wide: the comparison sort.
        items.sort_unstable();
        return;
    }
    let mut scratch = items.clone();
    for shift in (0..span_bits).step_by(LEVEL_BITS as usize) {
        let digit = |item: &(u64, u64, u32)| ((item.0 - base) >> shift) as usize & (SLOTS - 1);
        let mut next = [0usize; SLOTS];
        items.iter().for_each(|item| next[digit(item)] += 1);
        let mut at = 0;
        for n in next.iter_mut() {
            (*n, at) = (at, at + *n);
        }
        for item in items.iter() {
            let d = digit(item);
            scratch[next[d]] = *item;
            next[d] += 1;
        }
        std::mem::swap(items, &mut scratch);
    }
    items
        .chunk_by_mut(|a, b| a.0 == b.0)
        .filter(|tied| tied.len() > 1)
        .for_each(<[_]>::sort_unstable);
}

/// Starts fetching the slot of the entry [`READ_AHEAD`] places after
/// `entries[n]` (at `n` = 0, of the first [`READ_AHEAD`] too): a cascade
/// refiling entry `n` finds it in cache by then, where fetching a group of
/// entries, then refiling them, waited for the group's first.
#[inline(always)]
fn read_ahead<E>(slab: &[E], entries: &[u32], n: usize) {
    if n == 0 {
        let first = &entries[..entries.len().min(READ_AHEAD)];
        first.iter().for_each(|&i| prefetch_item(slab, i as usize));
    }
    if let Some(&i) = entries.get(n + READ_AHEAD) {
        prefetch_item(slab, i as usize);
    }
}

impl Wheel {
    /// An empty wheel positioned at `now`.
    pub fn new(now: u64) -> Self {
        Wheel {
            elapsed: now,
            occupied: [0; LEVELS],
            buckets: vec![Vec::new(); LEVELS * SLOTS],
            near: BinaryHeap::new(),
            run: Vec::new(),
            near_live: 0,
            len: 0,
        }
    }

    /// The bytes its buckets, near heap and run hold.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        let buckets: usize = self.buckets.iter().map(Vec::capacity).sum();
        let headers = self.buckets.capacity() * std::mem::size_of::<Vec<u32>>();
        let near = self.near.capacity() + self.run.capacity();
        buckets * 4 + headers + near * std::mem::size_of::<(u64, u64, u32)>()
    }

    /// How many entries are armed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Files every armed entry of `slab` again, at its deadline: after the
    /// slab's entries moved. The wheel keeps its position.
    pub fn rebuild<E: Entry>(&mut self, slab: &mut [E]) {
        *self = Wheel::new(self.elapsed);
        for i in 0..slab.len() as u32 {
            let links = slab[i as usize].links();
            if links.is_armed() {
                slab[i as usize].set_links(Links::UNARMED);
                self.insert(slab, i, links.deadline);
            }
        }
    }

    /// Arms entry `i` (which must not be armed) at `deadline`.
    pub fn insert<E: Entry>(&mut self, slab: &mut [E], i: u32, deadline: u64) {
        debug_assert!(!slab[i as usize].links().is_armed());
        self.len += 1;
        self.link(slab, i, deadline);
    }

    /// Whether `deadline` belongs in the near heap: due within the wheel's
    /// 64 ms window, or already.
    fn is_near(&self, deadline: u64) -> bool {
        deadline <= self.elapsed || (deadline ^ self.elapsed) < SLOTS as u64
    }

    /// Files entry `i` at `deadline`: in the near heap when due within the
    /// wheel's window (or already), otherwise in its level's bucket.
    fn link<E: Entry>(&mut self, slab: &mut [E], i: u32, deadline: u64) {
        let links = self.file(i, slab[i as usize].key(), deadline);
        slab[i as usize].set_links(links);
    }

    /// Arms entry `i`, with `key`, at `deadline` before it is in the slab:
    /// the links to store in it.
    #[inline(always)]
    pub fn insert_links(&mut self, i: u32, key: u64, deadline: u64) -> Links {
        self.len += 1;
        self.file(i, key, deadline)
    }

    /// Files entry `i` as [`Wheel::link`] does, returning its links. Always
    /// inlined: see `Engine::admit`.
    #[inline(always)]
    fn file(&mut self, i: u32, key: u64, deadline: u64) -> Links {
        if self.is_near(deadline) {
            self.near.push(Reverse((deadline, key, i)));
            self.near_live += 1;
            return Links {
                deadline,
                pos: 0,
                bucket: NEAR,
            };
        }
        let (level, slot) = level_and_slot(self.elapsed, deadline);
        let bucket = level * SLOTS + slot;
        let pos = append(&mut self.buckets[bucket], i);
        self.occupied[level] |= 1 << slot;
        Links {
            deadline,
            pos,
            bucket: bucket as u16,
        }
    }

    /// Moves armed-or-not entry `i` to `deadline`. An entry in a bucket moved
    /// later keeps its bucket: only the deadline changes. (The engine makes
    /// these two steps itself, as it writes the slot once.)
    #[cfg(test)]
    pub fn rearm<E: Entry>(&mut self, slab: &mut [E], i: u32, deadline: u64) {
        match Wheel::moved_later(slab[i as usize].links(), deadline) {
            Some(links) => slab[i as usize].set_links(links),
            None => self.refile(slab, i, deadline),
        }
    }

    /// The new links of an entry with `links` moved to `deadline`, when it
    /// keeps its place: an entry in a bucket moved later changes only its
    /// deadline, and the wheel itself does not change.
    #[inline]
    pub fn moved_later(links: Links, deadline: u64) -> Option<Links> {
        (links.is_in_bucket() && deadline >= links.deadline).then_some(Links { deadline, ..links })
    }

    /// Moves entry `i` to `deadline`, wherever that is: for a move that
    /// [`Wheel::moved_later`] cannot make in place.
    #[inline(never)]
    pub fn refile<E: Entry>(&mut self, slab: &mut [E], i: u32, deadline: u64) {
        self.remove(slab, i);
        self.insert(slab, i, deadline);
    }

    /// Disarms entry `i`; nothing happens if it is not armed (a fired
    /// entry, as it is released: that check is inlined into the caller).
    #[inline(always)]
    pub fn remove<E: Entry>(&mut self, slab: &mut [E], i: u32) {
        if slab[i as usize].links().is_armed() {
            self.remove_armed(slab, i);
        }
    }

    /// Starts fetching what removing entry `i` writes besides it: its place
    /// in its bucket, and the entry that takes that place (the bucket's
    /// last). A hint: it reads `i`'s links and the bucket's end, and fetches
    /// nothing when `i` is in no bucket.
    pub fn prefetch_removal<E: Entry>(&self, slab: &[E], i: u32) {
        let Some(entry) = slab.get(i as usize) else {
            return;
        };
        let Links { bucket, pos, .. } = entry.links();
        if let Some(entries) = self.buckets.get(usize::from(bucket)) {
            prefetch_index(entries, pos as usize);
            if let Some(&last) = entries.last() {
                prefetch_item(slab, last as usize);
            }
        }
    }

    /// [`Wheel::remove`] of an armed entry. Always inlined (see
    /// `Engine::release`).
    #[inline(always)]
    fn remove_armed<E: Entry>(&mut self, slab: &mut [E], i: u32) {
        let Links { bucket, pos, .. } = slab[i as usize].links();
        self.len -= 1;
        slab[i as usize].set_links(Links::UNARMED);
        if bucket == NEAR {
            // Left in the heap; dropped when it surfaces or on compaction.
            self.near_live -= 1;
            if self.near.len() + self.run.len() > 2 * self.near_live + 64 {
                self.compact_near(slab);
            }
            return;
        }
        let entries = &mut self.buckets[usize::from(bucket)];
        debug_assert_eq!(entries[pos as usize], i);
        let last = entries.pop().expect("an armed entry is in its bucket");
        if last != i {
            entries[pos as usize] = last;
            slab[last as usize].set_pos(pos);
        } else if entries.is_empty() {
            let (level, slot) = (usize::from(bucket) / SLOTS, usize::from(bucket) % SLOTS);
            self.occupied[level] &= !(1 << slot);
        }
        if entries.capacity() > KEPT_CAPACITY && entries.len() < entries.capacity() / 4 {
            entries.shrink_to(entries.len() * 2);
        }
    }

    /// Whether a near-heap item still names an entry armed there.
    fn is_live<E: Entry>(slab: &[E], &(deadline, key, i): &(u64, u64, u32)) -> bool {
        slab.get(i as usize).is_some_and(|e| {
            let links = e.links();
            links.bucket == NEAR && links.deadline == deadline && e.key() == key
        })
    }

    fn compact_near<E: Entry>(&mut self, slab: &[E]) {
        let mut items = std::mem::take(&mut self.near).into_vec();
        items.retain(|Reverse(item)| Self::is_live(slab, item));
        items.sort_unstable();
        items.dedup();
        self.near = items.into();
        self.run.retain(|item| Self::is_live(slab, item));
    }

    /// The earliest item of the near heap and the run, and whether it is the
    /// run's.
    fn near_front(&self) -> Option<((u64, u64, u32), bool)> {
        match (self.near.peek(), self.run.last()) {
            (Some(&Reverse(heap)), Some(&run)) if run < heap => Some((run, true)),
            (Some(&Reverse(heap)), _) => Some((heap, false)),
            (None, run) => run.map(|&run| (run, true)),
        }
    }

    /// Drops the near item [`Wheel::near_front`] returned.
    fn pop_near(&mut self, from_run: bool) {
        if !from_run {
            self.near.pop();
        } else {
            self.run.pop();
        }
    }

    /// The start of the earliest occupied level slot, if any.
    fn next_slot_start(&self) -> Option<u64> {
        let level = self.occupied.iter().position(|&bits| bits != 0)?;
        let shift = level as u32 * LEVEL_BITS;
        let position = (self.elapsed >> shift) as usize & (SLOTS - 1);
        let ahead = self.occupied[level] >> position;
        debug_assert!(ahead != 0, "occupied slots are never behind the wheel");
        let slot = position + ahead.trailing_zeros() as usize;
        let level_start = match shift + LEVEL_BITS {
            64.. => 0,
            width => self.elapsed & !((1u64 << width) - 1),
        };
        Some(level_start + ((slot as u64) << shift))
    }

    /// A time no later than the earliest deadline: exact when that deadline is
    /// in the near heap or the run (due within the wheel's 64 ms window, or
    /// already), otherwise the start of its slot.
    pub fn next_expiration(&self) -> Option<u64> {
        match self.near_front() {
            // Near entries come before every bucket's; a stale top is earlier still.
            Some(((deadline, _, _), _)) => Some(deadline),
            None => self.next_slot_start(),
        }
    }

    /// Takes the next entry due at or before `now`, in (deadline, key) order,
    /// cascading slots as needed: its index and deadline; `None` when nothing is due.
    /// A cascade shows `becomes_due` (the slab and an index) each entry it files as due by
    /// `now`, and the run an entry a few places ahead of the one it fires, so
    /// the caller can start fetching what it will need to fire them.
    pub fn pop_due<E: Entry>(
        &mut self,
        slab: &mut [E],
        now: u64,
        mut becomes_due: impl FnMut(&[E], u32),
    ) -> Option<(u32, u64)> {
        loop {
            while let Some((item, from_run)) = self.near_front() {
                if !Self::is_live(slab, &item) {
                    self.pop_near(from_run);
                    continue;
                }
                if item.0 > now {
                    // Every bucket's entries are due later still.
                    return None;
                }
                if from_run {
                    if let Some(ahead) = self.run.len().checked_sub(RUN_AHEAD + 1) {
                        becomes_due(slab, self.run[ahead].2);
                    }
                }
                self.pop_near(from_run);
                self.near_live -= 1;
                self.len -= 1;
                slab[item.2 as usize].set_links(Links::UNARMED);
                return Some((item.2, item.0));
            }
            let start = self.next_slot_start().filter(|&s| s <= now)?;
            self.cascade(slab, start, now, &mut becomes_due);
        }
    }

    /// Moves the wheel to `start`, the start of the earliest occupied slot, and
    /// files that slot's entries again: lower down or into the near heap, or,
    /// when the slot is wholly due, into the run.
    fn cascade<E: Entry>(
        &mut self,
        slab: &mut [E],
        start: u64,
        now: u64,
        becomes_due: impl FnMut(&[E], u32),
    ) {
        let (level, slot) = self
            .occupied
            .iter()
            .position(|&bits| bits != 0)
            .map(|level| {
                let shift = level as u32 * LEVEL_BITS;
                (level, (start >> shift) as usize & (SLOTS - 1))
            })
            .expect("cascade follows next_slot_start");
        let bucket = level * SLOTS + slot;
        let mut entries = std::mem::take(&mut self.buckets[bucket]);
        self.occupied[level] &= !(1 << slot);
        // A slot wholly due by `now` (a host catching up) goes to the run at
        // once, sorted, and the wheel moves to the slot's last millisecond:
        // every entry left in a bucket is later still.
        let span_bits = level as u32 * LEVEL_BITS;
        let end = start | ((1u64 << span_bits) - 1);
        if end <= now && (RUN_MIN..=RUN_MAX).contains(&entries.len()) {
            self.elapsed = end;
            self.run_slot(slab, &entries, start, span_bits);
        } else {
            self.elapsed = start;
            self.refile_slot(slab, &entries, now, becomes_due);
        }
        debug_assert!(
            self.buckets[bucket].is_empty(),
            "a cascade never refiles into its own slot"
        );
        if entries.capacity() <= KEPT_CAPACITY {
            entries.clear();
            self.buckets[bucket] = entries;
        }
    }

    /// Files a cascading slot's entries again, lower down or in the near heap.
    fn refile_slot<E: Entry>(
        &mut self,
        slab: &mut [E],
        entries: &[u32],
        now: u64,
        mut becomes_due: impl FnMut(&[E], u32),
    ) {
        for (n, &i) in entries.iter().enumerate() {
            read_ahead(slab, entries, n);
            let deadline = slab[i as usize].links().deadline;
            if deadline <= now && self.is_near(deadline) {
                becomes_due(slab, i);
            }
            self.link(slab, i, deadline);
        }
    }

    /// Puts the entries of a wholly due slot, which starts at `start` and
    /// spans `span_bits` bits, in the run, sorted (the wheel is at its last
    /// millisecond). An entry moved later than the slot is filed again; the
    /// run's entries are shown to `pop_due`'s caller as they come up.
    fn run_slot<E: Entry>(&mut self, slab: &mut [E], entries: &[u32], start: u64, span_bits: u32) {
        debug_assert!(self.run.is_empty(), "a cascade follows an empty run");
        // The run's buffer, empty, takes the slot's items.
        let mut due = std::mem::take(&mut self.run);
        for (n, &i) in entries.iter().enumerate() {
            read_ahead(slab, entries, n);
            let deadline = slab[i as usize].links().deadline;
            if deadline <= self.elapsed {
                due.push(self.run_up(slab, i, deadline));
            } else {
                self.link(slab, i, deadline);
            }
        }
        sort_run(&mut due, start, span_bits);
        due.reverse();
        self.run = due;
    }

    /// Links entry `i`, due at `deadline` (no later than the wheel's
    /// position), as near: the run's item for it, which the caller sorts.
    fn run_up<E: Entry>(&mut self, slab: &mut [E], i: u32, deadline: u64) -> (u64, u64, u32) {
        self.near_live += 1;
        slab[i as usize].set_links(Links {
            deadline,
            pos: 0,
            bucket: NEAR,
        });
        (deadline, slab[i as usize].key(), i)
    }

    /// The wheel's position.
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy)]
    struct E {
        key: u64,
        links: Links,
    }

    impl Entry for E {
        fn links(&self) -> Links {
            self.links
        }
        fn set_links(&mut self, links: Links) {
            self.links = links;
        }
        fn key(&self) -> u64 {
            self.key
        }
    }

    fn slab(n: u64) -> Vec<E> {
        (0..n)
            .map(|key| E {
                key,
                links: Links::UNARMED,
            })
            .collect()
    }

    fn drain(w: &mut Wheel, s: &mut [E], now: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        while let Some((i, deadline)) = w.pop_due(s, now, |_: &[E], _| ()) {
            out.push((deadline, s[i as usize].key));
        }
        out
    }

    /// A removal's prefetch is a hint for any entry: in a bucket, in the
    /// near heap, not armed, or past the slab; it changes nothing.
    #[test]
    fn a_removal_prefetch_reads_only_what_is_there() {
        let mut s = slab(4);
        let mut w = Wheel::new(1000);
        w.insert(&mut s, 0, 1010); // the near heap
        w.insert(&mut s, 1, 90_000); // a bucket
        w.insert(&mut s, 2, 90_001); // the same bucket, its last
        let before: Vec<Links> = s.iter().map(|e| e.links).collect();
        for i in [0, 1, 2, 3, 4, u32::MAX] {
            w.prefetch_removal(&s, i);
        }
        assert_eq!(s.iter().map(|e| e.links).collect::<Vec<_>>(), before);
        w.remove(&mut s, 1);
        assert_eq!(drain(&mut w, &mut s, u64::MAX), [(1010, 0), (90_001, 2)]);
    }

    #[test]
    fn level_and_slot_cover_u64() {
        assert_eq!(level_and_slot(0, 1), (0, 1));
        assert_eq!(level_and_slot(0, 64), (1, 1));
        assert_eq!(level_and_slot(0, u64::MAX).0, LEVELS - 1);
    }

    #[test]
    fn fires_each_entry_at_its_exact_millisecond_in_key_order() {
        let mut s = slab(6);
        let mut w = Wheel::new(0);
        for (i, d) in [
            (0, 5000),
            (1, 70),
            (2, 5000),
            (3, 1),
            (4, u64::MAX - 1),
            (5, 4_294_967_295_000),
        ] {
            w.insert(&mut s, i, d);
        }
        assert_eq!(w.next_expiration(), Some(1));
        assert_eq!(drain(&mut w, &mut s, 69), [(1, 3)]);
        assert_eq!(drain(&mut w, &mut s, 5000), [(70, 1), (5000, 0), (5000, 2)]);
        assert_eq!(
            drain(&mut w, &mut s, u64::MAX),
            [(4_294_967_295_000, 5), (u64::MAX - 1, 4)]
        );
        assert_eq!(w.len(), 0);
        assert_eq!(w.next_expiration(), None);
    }

    #[test]
    fn the_current_window_is_a_heap_exact_to_the_millisecond() {
        let mut s = slab(5);
        let mut w = Wheel::new(1000); // window 960..1024
        for (i, d) in [(0, 1023), (1, 1010), (2, 1010), (3, 1024), (4, 1001)] {
            w.insert(&mut s, i, d);
        }
        assert_eq!(
            s[3].links.bucket / SLOTS as u16,
            1,
            "the next window is a bucket"
        );
        assert!((0..3).all(|i| s[i].links.bucket == NEAR));
        assert_eq!(w.next_expiration(), Some(1001), "exact, not a slot's start");
        w.remove(&mut s, 4);
        assert!(w.next_expiration().unwrap() <= 1010, "never late");
        assert_eq!(drain(&mut w, &mut s, 1009), []);
        assert_eq!(drain(&mut w, &mut s, 1010), [(1010, 1), (1010, 2)]);
        assert_eq!(w.next_expiration(), Some(1023));
        assert_eq!(drain(&mut w, &mut s, 2000), [(1023, 0), (1024, 3)]);
    }

    #[test]
    fn cancel_and_rearm_in_any_bucket() {
        let mut s = slab(4);
        let mut w = Wheel::new(100);
        for i in 0..4 {
            w.insert(&mut s, i, 100 + 1000 * u64::from(i));
        }
        w.remove(&mut s, 0); // a near-heap entry
        w.remove(&mut s, 2);
        w.remove(&mut s, 2); // twice is harmless
        w.insert(&mut s, 2, 150);
        assert_eq!(
            drain(&mut w, &mut s, 10_000),
            [(150, 2), (1100, 1), (3100, 3)]
        );
    }

    #[test]
    fn moving_later_in_a_bucket_keeps_the_bucket_and_fires_on_time() {
        let mut s = slab(3);
        let mut w = Wheel::new(0);
        w.insert(&mut s, 0, 5000);
        w.insert(&mut s, 1, 6000);
        let bucket = s[0].links.bucket;
        w.rearm(&mut s, 0, 900_000); // later: lazy
        assert_eq!(s[0].links.bucket, bucket);
        assert!(w.next_expiration().unwrap() <= 5000, "never late");
        w.rearm(&mut s, 1, 10); // earlier: moved at once
        assert_ne!(s[1].links.bucket, bucket);
        w.insert(&mut s, 2, 7000);
        w.remove(&mut s, 0); // a lazily moved entry cancels like any other
        w.insert(&mut s, 0, 800_000);
        assert_eq!(
            drain(&mut w, &mut s, 1_000_000),
            [(10, 1), (7000, 2), (800_000, 0)]
        );
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn a_bucket_doubles_while_small_then_grows_by_a_sixteenth() {
        let mut bucket = Vec::new();
        let mut grown = 0;
        for i in 0..100_000u32 {
            let capacity = bucket.capacity();
            assert_eq!(append(&mut bucket, i), i);
            if bucket.capacity() != capacity {
                grown += 1;
                let len = bucket.len() - 1;
                let most = match len < DOUBLING_LIMIT {
                    true => (2 * len).max(16),
                    false => len + len / 16,
                };
                assert!(
                    bucket.capacity() <= most + 16,
                    "{len}: {}",
                    bucket.capacity()
                );
            }
        }
        // 7 doublings to 1024, then about 76 sixteenths to 100,000 (each
        // step a copy, or a remap), where growing by a sixteenth from 16
        // took about 110.
        assert!(grown <= 85, "{grown} steps");
    }

    #[test]
    fn a_bucket_emptied_by_cancels_gives_its_memory_back() {
        let mut s = slab(1000);
        let mut w = Wheel::new(0);
        for i in 0..1000 {
            w.insert(&mut s, i, 5000 + u64::from(i)); // one level-2 bucket
        }
        let bucket = usize::from(s[0].links.bucket);
        assert!(w.buckets[bucket].capacity() >= 1000);
        for i in 100..1000 {
            w.remove(&mut s, i);
        }
        assert!(w.buckets[bucket].capacity() <= 400);
        let fired = drain(&mut w, &mut s, u64::MAX);
        assert_eq!(fired, (0..100).map(|k| (5000 + k, k)).collect::<Vec<_>>());
    }

    mod oracle {
        //! The wheel against an indexed binary heap: random arm, re-arm, cancel and
        //! advance sequences fire the same entries, in the same order, at the same times.

        use super::{slab, Wheel};
        use proptest::prelude::*;

        /// An indexed binary min-heap of (deadline, key) with O(log n) removal.
        #[derive(Default)]
        struct IndexedHeap {
            heap: Vec<(u64, u64)>,
            position: std::collections::HashMap<u64, usize>,
        }

        impl IndexedHeap {
            fn swap(&mut self, a: usize, b: usize) {
                self.heap.swap(a, b);
                self.position.insert(self.heap[a].1, a);
                self.position.insert(self.heap[b].1, b);
            }

            fn up(&mut self, mut i: usize) {
                while i > 0 && self.heap[i] < self.heap[(i - 1) / 2] {
                    self.swap(i, (i - 1) / 2);
                    i = (i - 1) / 2;
                }
            }

            fn down(&mut self, mut i: usize) {
                loop {
                    let smallest = [2 * i + 1, 2 * i + 2]
                        .into_iter()
                        .filter(|&c| c < self.heap.len())
                        .fold(i, |m, c| if self.heap[c] < self.heap[m] { c } else { m });
                    if smallest == i {
                        return;
                    }
                    self.swap(i, smallest);
                    i = smallest;
                }
            }

            fn remove(&mut self, key: u64) {
                let Some(i) = self.position.remove(&key) else {
                    return;
                };
                let last = self.heap.len() - 1;
                if i != last {
                    self.swap(i, last);
                }
                self.heap.pop();
                self.position.remove(&key);
                if i < self.heap.len() {
                    self.position.insert(self.heap[i].1, i);
                    self.up(i);
                    self.down(i);
                }
            }

            fn insert(&mut self, key: u64, deadline: u64) {
                self.remove(key);
                self.heap.push((deadline, key));
                let i = self.heap.len() - 1;
                self.position.insert(key, i);
                self.up(i);
            }

            fn pop_due(&mut self, now: u64) -> Option<(u64, u64)> {
                let top = *self.heap.first().filter(|(d, _)| *d <= now)?;
                self.remove(top.1);
                Some(top)
            }
        }

        #[derive(Debug, Clone)]
        enum Op {
            Arm(u64, u64),
            Cancel(u64),
            Advance(u64),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                4 => (0u64..48, prop_oneof![0u64..200, 0u64..5_000_000, Just(0), any::<u32>().prop_map(u64::from)])
                    .prop_map(|(k, d)| Op::Arm(k, d)),
                1 => (0u64..48).prop_map(Op::Cancel),
                2 => prop_oneof![0u64..100, 0u64..100_000, 0u64..10_000_000].prop_map(Op::Advance),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]
            #[test]
            fn wheel_fires_like_an_indexed_heap(ops in proptest::collection::vec(op(), 1..300), start in 0u64..1 << 40) {
                let mut slab = slab(48);
                let mut wheel = Wheel::new(start);
                let mut heap = IndexedHeap::default();
                let mut now = start;
                for op in ops {
                    match op {
                        Op::Arm(k, delta) => {
                            wheel.rearm(&mut slab, k as u32, now + delta);
                            heap.insert(k, now + delta);
                        }
                        Op::Cancel(k) => {
                            wheel.remove(&mut slab, k as u32);
                            heap.remove(k);
                        }
                        Op::Advance(dt) => {
                            now += dt;
                            loop {
                                let w = wheel.pop_due(&mut slab, now, |_: &[super::E], _| ()).map(|(i, d)| (d, u64::from(i)));
                                let h = heap.pop_due(now);
                                prop_assert_eq!(w, h);
                                let Some((deadline, key)) = w else { break };
                                // A fired entry is often re-armed from its own deadline.
                                if key % 3 == 0 {
                                    let next = deadline + 100_000 + key * 7919 % 2_000_000;
                                    wheel.insert(&mut slab, key as u32, next);
                                    heap.insert(key, next);
                                }
                            }
                        }
                    }
                    prop_assert_eq!(wheel.len(), heap.heap.len());
                    if let (Some(w), Some(&(h, _))) = (wheel.next_expiration(), heap.heap.first()) {
                        prop_assert!(w <= h, "next_expiration is never late");
                    }
                }
            }

            /// A host catching up (a poll long after many deadlines): whole
            /// slots are due at once, deadlines tie, and while it drains it
            /// arms, re-arms and cancels entries, some due at once.
            #[test]
            fn wheel_catching_up_fires_like_an_indexed_heap(
                deadlines in proptest::collection::vec((0u64..1 << 22, prop_oneof![Just(1u64), Just(1000), Just(70_000)]), 1..48),
                during in proptest::collection::vec((0u64..48, 0u64..3, 0u64..300_000), 0..200),
                start in 0u64..1 << 40,
                late in 0u64..1 << 23,
            ) {
                let mut slab = slab(48);
                let mut wheel = Wheel::new(start);
                let mut heap = IndexedHeap::default();
                for (k, &(at, grain)) in deadlines.iter().enumerate() {
                    let deadline = start + at / grain * grain;
                    wheel.insert(&mut slab, k as u32, deadline);
                    heap.insert(k as u64, deadline);
                }
                let now = start + late;
                let mut during = during.into_iter();
                loop {
                    let w = wheel.pop_due(&mut slab, now, |_: &[super::E], _| ()).map(|(i, d)| (d, u64::from(i)));
                    prop_assert_eq!(w, heap.pop_due(now));
                    let Some((deadline, _)) = w else { break };
                    match during.next() {
                        Some((k, 0, delta)) => {
                            wheel.rearm(&mut slab, k as u32, deadline + delta);
                            heap.insert(k, deadline + delta);
                        }
                        Some((k, 1, delta)) => {
                            wheel.rearm(&mut slab, k as u32, deadline.saturating_sub(delta));
                            heap.insert(k, deadline.saturating_sub(delta));
                        }
                        Some((k, _, _)) => {
                            wheel.remove(&mut slab, k as u32);
                            heap.remove(k);
                        }
                        None => {}
                    }
                    prop_assert_eq!(wheel.len(), heap.heap.len());
                }
            }
        }
    }
}
