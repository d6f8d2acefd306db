//! The engine's sessions, stored in their own key index.
//!
//! An open-addressing table in two arrays of the same length: a control byte
//! per position (a 7-bit tag of the key's seeded hash, or empty, or deleted)
//! and the slots themselves (in memory mapped for them, on huge pages where
//! the kernel has them: `pages.rs`). A lookup compares the tags of 8 control bytes at
//! once, then reads the one slot whose tag matches to confirm its key. The
//! control bytes of a million sessions take 1 MB and stay in cache, so a
//! lookup waits on one memory read, the slot it returns, where a separate
//! index waits on two that depend on each other (its entry, then the slot).
//! Most keys sit at their home position, the probe's start: `find` starts
//! fetching that slot first, without waiting for the control bytes, so a
//! lookup's two reads overlap (the control bytes of a million are not in a
//! 512 kB L2), and no branch waits on the slot's miss.
//!
//! Positions are stable: a slot never moves while the table keeps its size,
//! so the wheel names slots by position. A removed key's position is marked
//! deleted only when a probe may have passed over it, otherwise empty again.
//! When insertions would leave too few empty positions, the table is rebuilt
//! (larger, or the same size without its deleted marks), every slot moves,
//! and [`Table::reserve`] and [`Table::try_reserve`] say so. The capacity need
//! not be a power of two: probing starts at `hash * capacity >> 32` and
//! walks on in steps of 8, so a million keys take 1,066,667 positions.
//!
//! The hash is multiplicative: the key, XORed with a seed drawn for each table,
//! times an odd 64-bit constant (wyhash's first); the probe starts from the
//! product's top 32 bits. Keys that a host numbers in sequence (the project's
//! own hosts count their dialogs) then fall nearly evenly over the table: at
//! 13/16 load 79-99% sit at their home position (98% of a million) and almost
//! none past their first group, where a hash that mixes every bit (foldhash's)
//! left 29-79% at home and up to a quarter further out, by the count and the
//! process's seed. Keys drawn at random sit as under any good hash (59% at
//! home, 2.2 positions from it on average). The constant was chosen over the
//! golden ratio's (Fibonacci hashing), which spreads keys in sequence as well
//! but keys in steps of 2^13 to 2^19 (a counter above a 16-bit node number,
//! say) badly, 57 positions from home on average at 2^16: with this one no
//! power-of-two step from 2 to 2^40 measured worse than 4.4. The hash is no
//! defence against keys chosen to collide: a host that keys sessions by
//! something an attacker picks (a number read from a message) hashes it with a
//! keyed hash first.

use std::hash::BuildHasher;
use std::ops::{Index, IndexMut};

use prefetch_index::prefetch_index;

use super::pages::{OutOfMemory, Pages};

/// A control byte of a position that never held a key since the last rebuild,
/// or whose removal no probe can notice.
const EMPTY: u8 = 0xFF;
/// A control byte of a removed key's position that a probe may have to pass.
const DELETED: u8 = 0x80;
/// Control bytes read at once.
const GROUP: usize = 8;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
/// The hash's multiplier (wyhash's first constant): keys in sequence fall
/// nearly evenly under it, and keys in power-of-two steps no worse than
/// random ones (see the module's comment).
const MULTIPLIER: u64 = 0xA076_1D64_78BD_642F;
/// The fewest positions of a table that holds anything.
const MIN_CAPACITY: usize = 16;

/// What the table stores: a value with its key.
pub(crate) trait Keyed: bytemuck::Pod {
    /// The key the value is stored under.
    fn key(&self) -> u64;
    /// The value of a position that holds none.
    const VACANT: Self;
}

/// The most keys (and deleted marks) a table of `capacity` positions holds:
/// thirteen sixteenths. At fifteen sixteenths (5 bytes a session fewer), 53%
/// of a million random keys sat at their home position, 7.5 positions from
/// it on average; at thirteen, 59% and 2.2: a batch of re-arms, which keeps
/// as many lines in flight as the core allows, fetches fewer of them.
fn max_load(capacity: usize) -> usize {
    capacity - (capacity * 3).div_ceil(16)
}

/// The bytes of `group` equal to `byte` (bit 7 of each); may also flag a
/// byte above a true match, which the caller checks.
fn matching(group: u64, byte: u8) -> u64 {
    let x = group ^ (LOW_BITS * u64::from(byte));
    x.wrapping_sub(LOW_BITS) & !x & HIGH_BITS
}

/// The bytes of `group` that are [`EMPTY`].
fn empty(group: u64) -> u64 {
    group & (group << 1) & HIGH_BITS
}

/// The bytes of `group` that are [`EMPTY`] or [`DELETED`].
fn free(group: u64) -> u64 {
    group & HIGH_BITS
}

/// The position in a group of the lowest byte a mask flags.
fn lowest(mask: u64) -> usize {
    mask.trailing_zeros() as usize / 8
}

/// Starts fetching `items[i]`: its cache line, and for an item that may
/// straddle two (see [`may_straddle`]) the line of the byte after it too,
/// one line too many only when the item ends a line. A hint: it never
/// waits, and reads nothing.
#[inline(always)]
pub(crate) fn prefetch_item<T>(items: &[T], i: usize) {
    prefetch_index(items, i);
    if may_straddle(items) {
        prefetch_index(items, i + 1);
    }
}

/// Whether an item of `items` may straddle two 64-byte cache lines: unless
/// its size divides a line and the array starts at a multiple of it (as
/// the table's slots do, in a page-aligned mapping, whatever their type's
/// alignment).
#[inline(always)]
fn may_straddle<T>(items: &[T]) -> bool {
    let size = std::mem::size_of::<T>();
    size == 0 || 64 % size != 0 || items.as_ptr() as usize % size != 0
}

/// A table's control bytes, borrowed while its slots change
/// ([`Table::slots_mut_and_ctrl`]).
pub(crate) struct ControlBytes<'a>(&'a [u8]);

impl ControlBytes<'_> {
    /// Starts fetching the control bytes of position `pos`, which
    /// [`Table::remove`] reads.
    pub fn prefetch(&self, pos: usize) {
        prefetch_index(self.0, pos);
    }
}

/// Where a key's probe starts in a table of one capacity: its tag and home
/// position, from one hash. A batch computes it once for a key's
/// prefetches and its lookup; a lookup recomputes a start made for another
/// capacity (the table was rebuilt larger in between).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Start {
    tag: u8,
    home: usize,
    capacity: usize,
}

/// Where an absent key would go now: the position, and the tag
/// [`Table::occupy`] marks it with (so the key is hashed once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Vacancy {
    /// The position.
    pub pos: u32,
    tag: u8,
}

/// What [`Table::lookup`] found for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The key is held at this position.
    Held(u32),
    /// The key is absent, and would go there.
    Vacant(Vacancy),
}

impl Lookup {
    /// The position, when the key is held.
    fn held(self) -> Option<u32> {
        match self {
            Lookup::Held(pos) => Some(pos),
            Lookup::Vacant(_) => None,
        }
    }
}

/// Stops the process, as `Vec::push` does when memory runs out.
#[cold]
fn out_of_memory<T>() -> ! {
    std::alloc::handle_alloc_error(std::alloc::Layout::new::<T>())
}

/// Keys to slots, the slots held in place.
pub(crate) struct Table<T: Keyed> {
    /// One byte per position, then the first [`GROUP`] again, so that a
    /// group read at any position stays in bounds.
    ctrl: Vec<u8>,
    slots: Pages<T>,
    len: usize,
    deleted: usize,
    /// XORed into every key before it is hashed: drawn for each table, so
    /// that which keys share a home differs from one table to the next.
    seed: u64,
}

impl<T: Keyed> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("len", &self.len)
            .field("capacity", &self.slots.len())
            .field("deleted", &self.deleted)
            .finish_non_exhaustive()
    }
}

impl<T: Keyed> Table<T> {
    /// An empty table.
    pub fn new() -> Self {
        Table {
            ctrl: Vec::new(),
            slots: Pages::filled(0, T::VACANT).unwrap_or_else(|_| out_of_memory::<T>()),
            len: 0,
            deleted: 0,
            seed: foldhash::fast::RandomState::default().hash_one(0u64),
        }
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The bytes its two arrays hold.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        self.ctrl.capacity() + self.slots.mapped_bytes()
    }

    /// The bytes of the slots' own mapping.
    pub fn mapped_bytes(&self) -> usize {
        self.slots.mapped_bytes()
    }

    /// Every slot, held or not, by position: the wheel's slab, to read.
    pub fn slots(&self) -> &[T] {
        self.slots.as_slice()
    }

    /// Every slot, held or not, by position: the wheel's slab.
    pub fn slots_mut(&mut self) -> &mut [T] {
        self.slots.as_mut_slice()
    }

    /// The slots, to change in place, and the control bytes, to prefetch
    /// meanwhile: firing releases positions, and a release reads the control
    /// bytes around its position.
    pub fn slots_mut_and_ctrl(&mut self) -> (&mut [T], ControlBytes<'_>) {
        (self.slots.as_mut_slice(), ControlBytes(&self.ctrl))
    }

    /// The tag (the 7 bits below the top 32) and the start of the probe
    /// (from the top 32 bits) of `key`'s hash (see the module's comment):
    /// a product's high bits are those every bit of the key moves.
    fn probe_start(&self, key: u64) -> (u8, usize) {
        let hash = (key ^ self.seed).wrapping_mul(MULTIPLIER);
        let home = ((hash >> 32) * self.slots.len() as u64) >> 32;
        ((hash >> 25) as u8 & 0x7f, home as usize)
    }

    /// The [`GROUP`] control bytes from `pos` (all empty past the end, as in
    /// a table of no positions).
    fn group(&self, pos: usize) -> u64 {
        // One bound, `pos + GROUP` (`get(pos..)` then the chunk's length
        // took two, and 4 instructions more a lookup).
        let bytes = self.ctrl.get(pos..pos + GROUP);
        let bytes = bytes.and_then(|bytes| <[u8; GROUP]>::try_from(bytes).ok());
        bytes.map_or(u64::MAX, u64::from_le_bytes)
    }

    fn wrap(&self, pos: usize) -> usize {
        if pos >= self.slots.len() {
            pos - self.slots.len()
        } else {
            pos
        }
    }

    fn set_ctrl(&mut self, pos: usize, byte: u8) {
        self.ctrl[pos] = byte;
        if pos < GROUP {
            let capacity = self.slots.len();
            self.ctrl[capacity + pos] = byte;
        }
    }

    /// The probe of a key with `tag` from `pos`: the first slot whose tag
    /// matches and that `is` accepts, or else the first free position (where
    /// the key would go).
    fn probe(&self, tag: u8, mut pos: usize, is: impl Fn(&T) -> bool) -> Lookup {
        let mut vacant = None;
        loop {
            let group = self.group(pos);
            let mut matches = matching(group, tag);
            while matches != 0 {
                let at = self.wrap(pos + lowest(matches));
                if self.ctrl[at] == tag && is(&self.slots[at]) {
                    return Lookup::Held(at as u32);
                }
                matches &= matches - 1;
            }
            let free = free(group);
            if vacant.is_none() && free != 0 {
                vacant = Some(self.wrap(pos + lowest(free)));
            }
            if empty(group) != 0 {
                // An empty position is free: `vacant` is set.
                let pos = vacant.unwrap_or(pos) as u32;
                return Lookup::Vacant(Vacancy { pos, tag });
            }
            pos = self.wrap(pos + GROUP);
        }
    }

    /// The position of `key`. Most keys sit at their home position (59% of a
    /// million random keys at 13/16 load, 98% of keys in sequence), the others
    /// mostly in the first group of their probe: `find` starts fetching the
    /// home slot at once, without waiting for the control bytes, then reads the
    /// slot of the lowest tag that matches there (always a true match), which
    /// for most keys is the home slot already on its way. Which slot to read is
    /// decided by the control bytes alone (in cache, or close): a branch that
    /// waited on the slot's own cache miss (is the key at home?) went the
    /// unexpected way for a third of the keys, and each time the CPU threw away
    /// the work it had started past it, the next calls' memory reads with it
    /// (3M re-arms one call each: 364 -> 280 ms). Both common cases are inlined
    /// into the engine's calls; the rest take the whole probe, out of line.
    #[inline(always)]
    pub fn find(&self, key: u64) -> Option<u32> {
        let start = self.start_of(key);
        self.prefetch_slot(start.home);
        self.find_from(key, start)
    }

    /// Where `key`'s probe starts.
    #[inline(always)]
    pub fn start_of(&self, key: u64) -> Start {
        let (tag, home) = self.probe_start(key);
        Start {
            tag,
            home,
            capacity: self.slots.len(),
        }
    }

    /// `start` if it was made for this capacity, else `key`'s start now.
    #[inline(always)]
    fn checked(&self, key: u64, start: Start) -> Start {
        if start.capacity == self.slots.len() {
            start
        } else {
            self.start_of(key)
        }
    }

    /// [`Table::find`] from `key`'s [`Start`], for a batch, which fetched
    /// the home slot some items ahead ([`Table::prefetch`]).
    #[inline(always)]
    pub fn find_from(&self, key: u64, start: Start) -> Option<u32> {
        let Start { tag, home, .. } = self.checked(key, start);
        let matches = matching(self.group(home), tag);
        if matches != 0 {
            let at = self.wrap(home + lowest(matches));
            if self.slots.get(at).is_some_and(|slot| slot.key() == key) {
                return Some(at as u32);
            }
        }
        self.find_further(key, tag, home)
    }

    /// [`Table::find`] of a key beyond the first match of its probe, or
    /// absent: the probe of `tag` from `home`.
    #[inline(never)]
    fn find_further(&self, key: u64, tag: u8, home: usize) -> Option<u32> {
        self.probe(tag, home, |slot| slot.key() == key).held()
    }

    /// Where `key` is held, or the position it would take: one probe, for a
    /// key that is usually absent (a new session's), where
    /// [`Table::find`] and then [`Table::vacancy`] would walk its probe twice.
    pub fn lookup(&self, key: u64) -> Lookup {
        let (tag, home) = self.probe_start(key);
        self.probe(tag, home, |slot| slot.key() == key)
    }

    /// Starts fetching the memory a lookup from `start` reads first, the
    /// control bytes and the home slot, and returns at once: a hint a batch
    /// gives for a key some places ahead, so that the cache misses of many
    /// keys overlap. (A load instead holds up the CPU until its data
    /// arrives.) A start made for another capacity fetches what is no longer
    /// needed, and nothing else happens.
    pub fn prefetch(&self, start: Start) {
        prefetch_index(&self.ctrl, start.home);
        self.prefetch_slot(start.home);
    }

    /// Starts fetching the slot of the first tag match from `start`: where
    /// [`Table::find`] goes when the key is not at home. Its control bytes
    /// should be in cache by now ([`Table::prefetch`], a few places earlier).
    pub fn prefetch_match(&self, start: Start) {
        let matches = matching(self.group(start.home), start.tag);
        if matches != 0 {
            self.prefetch_slot(self.wrap(start.home + lowest(matches)));
        }
    }

    /// Starts fetching the slot a new key would take if its probe's first
    /// group, from `start`, has a free position, where
    /// [`Table::prefetch_match`] fetches a held key's.
    pub fn prefetch_vacancy(&self, start: Start) {
        let vacant = free(self.group(start.home));
        if vacant != 0 {
            self.prefetch_slot(self.wrap(start.home + lowest(vacant)));
        }
    }

    /// Starts fetching slot `pos`.
    fn prefetch_slot(&self, pos: usize) {
        self.slots.prefetch(pos);
    }

    /// The first free position of `key`'s probe.
    fn free_position(&self, key: u64) -> (u8, usize) {
        let (tag, mut pos) = self.probe_start(key);
        loop {
            let found = free(self.group(pos));
            if found != 0 {
                return (tag, self.wrap(pos + lowest(found)));
            }
            pos = self.wrap(pos + GROUP);
        }
    }

    /// Where `key` would go now, for [`Table::occupy`] (after
    /// [`Table::reserve`], which may move every slot).
    pub fn vacancy(&self, key: u64) -> Vacancy {
        let (tag, pos) = self.free_position(key);
        Vacancy {
            pos: pos as u32,
            tag,
        }
    }

    /// Stores `slot` under its key, which must be absent: reserve, vacancy,
    /// occupy, as the engine does them. Returns its position, and whether
    /// the table was rebuilt (every slot moved).
    #[cfg(test)]
    pub fn insert(&mut self, slot: T) -> (u32, bool) {
        let moved = self.reserve(1);
        let vacancy = self.vacancy(slot.key());
        self.occupy(vacancy, slot.key(), |vacant| *vacant = slot);
        (vacancy.pos, moved)
    }

    /// Stores the slot for `key` at its vacancy, from [`Table::vacancy`] or
    /// [`Table::lookup`] (the table has room, and nothing was stored
    /// since): `write` fills in the vacant slot, whole or field by field.
    #[inline(always)]
    pub fn occupy(&mut self, Vacancy { pos, tag }: Vacancy, key: u64, write: impl FnOnce(&mut T)) {
        let pos = pos as usize;
        debug_assert!(self.ctrl[pos] & DELETED != 0, "occupying a held position");
        debug_assert_eq!(tag, self.probe_start(key).0, "another key's vacancy");
        if self.ctrl[pos] == DELETED {
            self.deleted -= 1;
        }
        self.set_ctrl(pos, tag);
        write(&mut self.slots[pos]);
        debug_assert_eq!(
            self.slots[pos].key(),
            key,
            "a slot stored under another key"
        );
        self.len += 1;
    }

    /// Removes the key at `pos` (which must hold one).
    pub fn remove(&mut self, pos: u32) {
        let pos = pos as usize;
        debug_assert!(self.ctrl[pos] & DELETED == 0, "removing a free position");
        self.len -= 1;
        self.slots[pos] = T::VACANT;
        if self.passed_over(pos) {
            self.deleted += 1;
            self.set_ctrl(pos, DELETED);
        } else {
            self.set_ctrl(pos, EMPTY);
        }
    }

    /// Whether some group of [`GROUP`] positions around `pos` has no empty
    /// position but `pos`: a probe may have read that group and gone on.
    fn passed_over(&self, pos: usize) -> bool {
        let capacity = self.slots.len();
        let after = empty(self.group(self.wrap(pos + 1)));
        let before = empty(self.group(self.wrap(pos + capacity - GROUP)));
        // Held positions right after `pos`, and right before it.
        let after = if after == 0 { GROUP } else { lowest(after) };
        let before = before.leading_zeros() as usize / 8;
        before + 1 + after >= GROUP
    }

    /// Makes room for `additional` more keys without another rebuild;
    /// returns whether the table was rebuilt. Aborts when memory runs out,
    /// as `Vec::push` does. The test that there is room is inlined (each
    /// establishment makes it): called, it saved and restored six
    /// registers, stores that queued behind those to new sessions' slots.
    #[inline(always)]
    pub fn reserve(&mut self, additional: usize) -> bool {
        !self.has_room(additional) && self.make_room(additional)
    }

    /// Whether `additional` more keys fit without a rebuild.
    #[inline(always)]
    fn has_room(&self, additional: usize) -> bool {
        let filled = self.len.saturating_add(self.deleted);
        filled.saturating_add(additional) <= max_load(self.slots.len())
    }

    /// [`Table::reserve`] when there is no room: a rebuild.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, additional: usize) -> bool {
        self.try_reserve(additional)
            .unwrap_or_else(|_| out_of_memory::<T>())
    }

    /// [`Table::reserve`], failing instead of aborting when memory runs out
    /// (nothing changes then).
    pub fn try_reserve(&mut self, additional: usize) -> Result<bool, OutOfMemory> {
        if self.has_room(additional) {
            return Ok(false);
        }
        let wanted = self.len.saturating_add(additional);
        // Deleted marks are much of what fills the table: clean it in place,
        // which leaves a quarter free, so cleaning stays amortised O(1).
        let capacity = if wanted <= max_load(self.slots.len()) / 4 * 3 {
            self.slots.len()
        } else {
            (wanted.saturating_mul(16) / 13 + 1)
                .max(self.slots.len() * 3 / 2)
                .max(MIN_CAPACITY)
        };
        self.rebuild(capacity)?;
        Ok(true)
    }

    /// Moves every key into new arrays of `capacity` positions.
    fn rebuild(&mut self, capacity: usize) -> Result<(), OutOfMemory> {
        let mut ctrl = Vec::new();
        ctrl.try_reserve_exact(capacity + GROUP)
            .map_err(|_| OutOfMemory)?;
        let slots = Pages::filled(capacity, T::VACANT)?;
        ctrl.resize(capacity + GROUP, EMPTY);
        let old_ctrl = std::mem::replace(&mut self.ctrl, ctrl);
        let old = std::mem::replace(&mut self.slots, slots);
        self.deleted = 0;
        let held = old_ctrl
            .iter()
            .zip(old.as_slice().iter().copied())
            .filter(|(c, _)| **c & DELETED == 0);
        for (_, slot) in held {
            let (tag, pos) = self.free_position(slot.key());
            self.set_ctrl(pos, tag);
            self.slots[pos] = slot;
        }
        Ok(())
    }

    /// The positions that hold a key, in table order.
    pub fn positions(&self) -> impl Iterator<Item = u32> + '_ {
        let capacity = self.slots.len();
        self.ctrl[..capacity]
            .iter()
            .enumerate()
            .filter(|(_, c)| **c & DELETED == 0)
            .map(|(pos, _)| pos as u32)
    }
}

impl<T: Keyed> Index<u32> for Table<T> {
    type Output = T;
    fn index(&self, pos: u32) -> &T {
        &self.slots[pos as usize]
    }
}

impl<T: Keyed> IndexMut<u32> for Table<T> {
    fn index_mut(&mut self, pos: u32) -> &mut T {
        &mut self.slots[pos as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C)]
    struct Pair {
        key: u64,
        value: u64,
    }

    impl Keyed for Pair {
        fn key(&self) -> u64 {
            self.key
        }
        const VACANT: Pair = Pair { key: 0, value: 0 };
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The table agrees with a `HashMap` under random inserts and
        /// removes, keys crowded into few values so that probes collide,
        /// wrap, and meet deleted marks; values stay where they were put
        /// until a rebuild says they moved.
        #[test]
        fn table_matches_a_hash_map(ops in proptest::collection::vec((any::<bool>(), 0u64..96), 1..600)) {
            let mut table = Table::<Pair>::new();
            let mut model: HashMap<u64, (u32, u64)> = HashMap::new();
            for (n, (add, key)) in ops.into_iter().enumerate() {
                let found = table.find(key);
                prop_assert_eq!(found, model.get(&key).map(|&(pos, _)| pos));
                let looked_up = match found {
                    Some(pos) => Lookup::Held(pos),
                    None => Lookup::Vacant(table.vacancy(key)),
                };
                prop_assert_eq!(table.lookup(key), looked_up);
                if let Some(pos) = found {
                    prop_assert_eq!(table[pos].value, model[&key].1);
                }
                match (add, found) {
                    (true, None) => {
                        let (pos, moved) = table.insert(Pair { key, value: n as u64 });
                        if moved {
                            for (k, entry) in model.iter_mut() {
                                entry.0 = table.find(*k).expect("kept");
                            }
                        }
                        model.insert(key, (pos, n as u64));
                    }
                    (false, Some(pos)) => {
                        table.remove(pos);
                        model.remove(&key);
                    }
                    _ => {}
                }
                prop_assert_eq!(table.len(), model.len());
                prop_assert!(table.len() + table.deleted <= max_load(table.slots.len()));
                prop_assert_eq!(table.positions().count(), model.len());
            }
        }
    }

    #[test]
    fn an_item_straddles_lines_unless_its_size_divides_one_and_the_array_starts_on_a_multiple() {
        let words = vec![0u64; 64];
        let bytes: &[u8] = bytemuck::cast_slice(&words);
        let aligned = (32 - bytes.as_ptr() as usize % 32) % 32;
        let items = |from: usize| -> &[[u8; 32]] { bytemuck::cast_slice(&bytes[from..from + 128]) };
        assert!(!may_straddle(items(aligned)));
        assert!(may_straddle(items(aligned + 8)));
        let wide: &[[u8; 24]] = bytemuck::cast_slice(&bytes[aligned..aligned + 96]);
        assert!(may_straddle(wide));
    }

    #[test]
    fn reserve_sizes_a_million_keys_at_about_forty_one_bytes_each() {
        let mut table = Table::<Pair>::new();
        table.reserve(1_000_000);
        let capacity = table.slots.len();
        assert!(capacity <= 1_230_770, "{capacity}");
        for key in 0..1_000_000u64 {
            assert!(
                !table.insert(Pair { key, value: key }).1,
                "no rebuild after reserve"
            );
        }
        assert_eq!(table.slots.len(), capacity);
        let pos = table.find(999_999).expect("held");
        assert_eq!(table[pos].value, 999_999);
        assert_eq!(table.find(1_000_000), None);
    }

    /// The share of `keys` at their home position, and their mean distance
    /// from it, inserted in order into a table reserved for them (13/16
    /// full).
    fn placement(keys: &[u64]) -> (f64, f64) {
        let mut table = Table::<Pair>::new();
        table.reserve(keys.len());
        for &key in keys {
            table.insert(Pair { key, value: key });
        }
        let capacity = table.slots.len();
        let distances = keys.iter().map(|&key| {
            let pos = table.find(key).expect("held") as usize;
            (pos + capacity - table.start_of(key).home) % capacity
        });
        let (at_home, total) = distances.fold((0, 0), |(home, total), d| {
            (home + usize::from(d == 0), total + d)
        });
        let n = keys.len() as f64;
        (at_home as f64 / n, total as f64 / n)
    }

    /// Where keys sit, by how a host numbers them (see the module's
    /// comment): in sequence mostly at home, whatever the seed; at random
    /// as under any good hash; in power-of-two steps never far from home.
    #[test]
    fn keys_in_sequence_sit_at_home_whatever_the_seed() {
        use crate::engine::rng::{RandomSource, SplitMix64};
        for first in [0, 1, 1 << 40] {
            let sequence: Vec<u64> = (first..first + 100_000).collect();
            let (share, _) = placement(&sequence);
            assert!(share > 0.7, "from {first}: {share}");
        }
        let random: Vec<u64> = (0..100_000).map(|n| SplitMix64(n).next_u64()).collect();
        let (share, distance) = placement(&random);
        assert!((0.5..0.7).contains(&share), "{share}");
        assert!(distance < 4.0, "{distance}");
        for shift in 1..=40 {
            let steps: Vec<u64> = (0..20_000).map(|n| n << shift).collect();
            let (_, distance) = placement(&steps);
            assert!(distance < 8.0, "steps of 2^{shift}: {distance}");
        }
    }

    #[test]
    fn a_vacant_home_slot_does_not_hold_the_key_it_is_filled_with() {
        // A vacant slot's key is 0: `find` reads the home slot before the
        // control bytes, and must not take that slot for key 0's.
        let mut table = Table::<Pair>::new();
        table.reserve(100);
        assert_eq!(table.find(0), None);
        let (pos, _) = table.insert(Pair { key: 0, value: 7 });
        assert_eq!(table.find(0), Some(pos));
        table.remove(pos);
        assert_eq!(table.find(0), None);
        assert_eq!(table.lookup(0).held(), None);
    }

    #[test]
    fn a_start_made_before_the_table_grew_still_finds_the_key() {
        let mut table = Table::<Pair>::new();
        table.reserve(10);
        let (pos, _) = table.insert(Pair { key: 7, value: 1 });
        let stale = table.start_of(7);
        assert_eq!(table.find_from(7, stale), Some(pos));
        assert!(table.reserve(1000), "rebuilt larger");
        let moved = table.find(7).expect("held");
        assert_eq!(table.find_from(7, stale), Some(moved));
        assert_eq!(table.find_from(8, table.start_of(8)), None);
    }

    #[test]
    fn churn_at_a_steady_size_grows_once_then_cleans_in_place() {
        let mut table = Table::<Pair>::new();
        table.reserve(1000);
        let capacity = table.slots.len();
        let mut rebuilds = 0;
        for key in 0..200_000u64 {
            rebuilds += usize::from(table.insert(Pair { key, value: 0 }).1);
            if key >= 900 {
                let old = table.find(key - 900).expect("held");
                table.remove(old);
            }
        }
        assert_eq!(table.slots.len(), capacity * 3 / 2);
        assert_eq!(table.len(), 900);
        assert!(rebuilds < 200_000 / 300, "{rebuilds}");
    }
}
