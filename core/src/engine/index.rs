//! The engine's key index: host keys to slab indices.
//!
//! One array of 8-byte entries, each the upper half of the key's seeded hash (its
//! tag) and a slab index, probed linearly in Robin Hood order, with
//! backward-shift deletion (no tombstones). The tag also gives an entry's home,
//! `tag * capacity >> 32`, so inserting, deleting and growing never read the
//! slab, and the capacity need not be a power of two: a million keys take 9 MB,
//! not the 16 a power of two would round up to. A lookup reads one stretch of the
//! array, then the one slab entry whose key it must confirm: two memory reads
//! that depend on each other, where a table of control bytes takes three.

use std::collections::TryReserveError;
use std::hash::BuildHasher;

/// Marks an empty entry (slab indices are below 2^31).
const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tag: u32,
    slot: u32,
}

const VACANT: Entry = Entry {
    tag: 0,
    slot: EMPTY,
};

/// Host keys to slab indices; the keys themselves live in the slab.
#[derive(Clone)]
pub(crate) struct Index {
    entries: Vec<Entry>,
    len: usize,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("len", &self.len)
            .field("capacity", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// The most entries a table of `capacity` holds: seven eighths.
fn max_load(capacity: usize) -> usize {
    capacity / 8 * 7 + capacity % 8 * 7 / 8
}

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Index {
            entries: Vec::new(),
            len: 0,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    fn tag(&self, key: u64) -> u32 {
        (self.hasher.hash_one(key) >> 32) as u32
    }

    fn home(&self, tag: u32) -> usize {
        ((u64::from(tag) * self.entries.len() as u64) >> 32) as usize
    }

    fn next(&self, pos: usize) -> usize {
        if pos + 1 == self.entries.len() {
            0
        } else {
            pos + 1
        }
    }

    /// How far the entry at `pos` sits from its home.
    fn distance(&self, pos: usize) -> usize {
        let home = self.home(self.entries[pos].tag);
        if pos >= home {
            pos - home
        } else {
            pos + self.entries.len() - home
        }
    }

    /// The position of the entry with `tag` whose slot satisfies `is`.
    fn position(&self, tag: u32, is: impl Fn(u32) -> bool) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let mut pos = self.home(tag);
        for dist in 0.. {
            let entry = self.entries[pos];
            // A matching tag has our home, so Robin Hood order never stops the
            // probe before it: testing it first makes a hit's path the shortest.
            if entry.tag == tag && entry.slot != EMPTY && is(entry.slot) {
                return Some(pos);
            }
            if entry.slot == EMPTY || self.distance(pos) < dist {
                return None;
            }
            pos = self.next(pos);
        }
        unreachable!("the table always has a vacant entry")
    }

    /// Reads the start of `key`'s probe (and returns what it read, so the read
    /// is not optimised away): a batch touches many keys' entries first, so
    /// their cache misses overlap, then finds each in cache.
    pub fn touch(&self, key: u64) -> u32 {
        if self.entries.is_empty() {
            return 0;
        }
        self.entries[self.home(self.tag(key))].slot
    }

    /// The slab index [`Index::find`] would check first for `key`: a batch
    /// reads that slab entry early, so its cache miss overlaps the others'.
    pub fn candidate(&self, key: u64) -> Option<u32> {
        let pos = self.position(self.tag(key), |_| true)?;
        Some(self.entries[pos].slot)
    }

    /// The slab index of `key`; `key_of` reads a slab entry's key.
    pub fn find(&self, key: u64, key_of: impl Fn(u32) -> u64) -> Option<u32> {
        let pos = self.position(self.tag(key), |slot| key_of(slot) == key)?;
        Some(self.entries[pos].slot)
    }

    /// Adds `key` (which must be absent) at slab index `slot`.
    pub fn insert(&mut self, key: u64, slot: u32) {
        debug_assert!(slot != EMPTY);
        self.reserve(1);
        let tag = self.tag(key);
        self.place(Entry { tag, slot });
        self.len += 1;
    }

    fn place(&mut self, mut carried: Entry) {
        let mut pos = self.home(carried.tag);
        let mut dist = 0;
        loop {
            if self.entries[pos].slot == EMPTY {
                self.entries[pos] = carried;
                return;
            }
            let theirs = self.distance(pos);
            if theirs < dist {
                std::mem::swap(&mut self.entries[pos], &mut carried);
                dist = theirs;
            }
            pos = self.next(pos);
            dist += 1;
        }
    }

    /// Removes `key`, known to be at slab index `slot`; the slab is not read.
    pub fn remove(&mut self, key: u64, slot: u32) {
        let Some(mut pos) = self.position(self.tag(key), |s| s == slot) else {
            debug_assert!(false, "removing a key the index does not hold");
            return;
        };
        loop {
            let next = self.next(pos);
            if self.entries[next].slot == EMPTY || self.distance(next) == 0 {
                self.entries[pos] = VACANT;
                break;
            }
            self.entries[pos] = self.entries[next];
            pos = next;
        }
        self.len -= 1;
    }

    /// Makes room for `additional` more keys without growing again.
    pub fn reserve(&mut self, additional: usize) {
        if self.try_reserve(additional).is_err() {
            // What `Vec::push` does when memory runs out.
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<Entry>());
        }
    }

    /// [`Index::reserve`], failing instead of aborting when memory runs out.
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let wanted = self.len.saturating_add(additional);
        if wanted > max_load(self.entries.len()) {
            self.grow_to(wanted)?;
        }
        Ok(())
    }

    /// Rebuilds the table for `wanted` keys, and at least half again as large,
    /// so that growing one key at a time stays amortised O(1).
    fn grow_to(&mut self, wanted: usize) -> Result<(), TryReserveError> {
        let capacity = (wanted.saturating_mul(8) / 7 + 1)
            .max(self.entries.len() * 3 / 2)
            .max(8);
        let mut entries = Vec::new();
        entries.try_reserve_exact(capacity)?;
        entries.resize(capacity, VACANT);
        let old = std::mem::replace(&mut self.entries, entries);
        for entry in old.into_iter().filter(|e| e.slot != EMPTY) {
            self.place(entry);
        }
        Ok(())
    }

    /// Every slab index it holds, in table order.
    pub fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries
            .iter()
            .filter(|e| e.slot != EMPTY)
            .map(|e| e.slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The index agrees with a `HashMap` under random inserts and removes,
        /// keys crowded into few values so that probes collide and wrap.
        #[test]
        fn index_matches_a_hash_map(ops in proptest::collection::vec((any::<bool>(), 0u64..64), 1..400)) {
            let mut index = Index::new();
            let mut keys: Vec<u64> = Vec::new(); // slab: slot -> key
            let mut model: HashMap<u64, u32> = HashMap::new();
            for (add, key) in ops {
                let found = index.find(key, |s| keys[s as usize]);
                prop_assert_eq!(found, model.get(&key).copied());
                prop_assert!(found.is_none() || index.candidate(key).is_some());
                match (add, found) {
                    (true, None) => {
                        keys.push(key);
                        let slot = (keys.len() - 1) as u32;
                        index.insert(key, slot);
                        model.insert(key, slot);
                    }
                    (false, Some(slot)) => {
                        index.remove(key, slot);
                        model.remove(&key);
                    }
                    _ => {}
                }
                prop_assert_eq!(index.len(), model.len());
                prop_assert!(index.len() <= max_load(index.entries.len()));
            }
            let mut slots: Vec<u32> = index.slots().collect();
            let mut expected: Vec<u32> = model.values().copied().collect();
            slots.sort_unstable();
            expected.sort_unstable();
            prop_assert_eq!(slots, expected);
        }
    }

    #[test]
    fn reserve_sizes_a_million_keys_at_about_nine_bytes_each() {
        let mut index = Index::new();
        index.reserve(1_000_000);
        let bytes = index.entries.len() * std::mem::size_of::<Entry>();
        assert!(bytes < 9_200_000, "{bytes}");
        for key in 0..1_000_000u64 {
            index.insert(key, key as u32);
        }
        assert_eq!(index.entries.len() * 8, bytes, "no growth after reserve");
        assert_eq!(index.find(999_999, u64::from), Some(999_999));
        assert_eq!(index.find(1_000_000, u64::from), None);
    }
}
