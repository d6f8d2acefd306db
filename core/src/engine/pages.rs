//! An array of plain values in memory mapped for it alone, so that the
//! kernel backs a large one with huge pages (2 MB on x86-64 Linux, where
//! transparent huge pages are on "always" or "madvise").
//!
//! The engine's table is read at random: a million sessions' slots span
//! 38 MB, nearly 10,000 pages of 4 kB, far more than the TLB holds, so that
//! with small pages nearly every lookup also walks the page tables (twice
//! over in a virtual machine), and reserving faults in each page on its own.
//! On 2 MB pages the table takes 20 TLB entries.
//!
//! Values are read one at a time from the mapping's bytes: a bounds check,
//! and an alignment check unless `T` has alignment 1 (the engine's slots
//! do: see `slot.rs`). A re-arm took 139 instructions with 32-aligned
//! slots (124 with the slots in a `Vec`); keeping small arrays on the heap
//! instead, with two kinds of storage behind every access, took 167. A
//! small table pays for its mapping: a page, and two system calls each time
//! it is built.

use std::ops::{Index, IndexMut};

use bytemuck::Pod;
use memmap2::MmapMut;
use prefetch_index::prefetch_index;

/// The size from which the kernel is asked for huge pages.
const HUGE_PAGE: usize = 2 << 20;
/// The kernel's smallest page, which [`Pages::mapped_bytes`] rounds to.
const PAGE: usize = 4096;

/// Values of `T` in a mapping of their own.
pub(super) struct Pages<T> {
    map: MmapMut,
    len: usize,
    _values: std::marker::PhantomData<T>,
}

/// The memory for the array could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfMemory;

impl<T: Pod> Pages<T> {
    const SIZE: usize = std::mem::size_of::<T>();

    /// `len` copies of `value`, on huge pages when large and the kernel
    /// gives them. A new mapping reads as zeroes: an all-zero `value` is
    /// not written, and each page is only faulted in when first used.
    ///
    /// # Errors
    /// When the kernel has not the memory (or the address space).
    pub fn filled(len: usize, value: T) -> Result<Self, OutOfMemory> {
        let bytes = len.checked_mul(Self::SIZE).ok_or(OutOfMemory)?;
        let map = MmapMut::map_anon(bytes).map_err(|_| OutOfMemory)?;
        if bytes >= HUGE_PAGE {
            advise_huge_pages(&map);
        }
        let mut pages = Pages {
            map,
            len,
            _values: std::marker::PhantomData,
        };
        if bytemuck::bytes_of(&value).iter().any(|&b| b != 0) {
            pages.as_mut_slice().fill(value);
        }
        Ok(pages)
    }

    /// How many values.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Value `i`, if there is one.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&T> {
        let start = self.start_of(i)?;
        let bytes = self.map.get(start..start + Self::SIZE);
        bytes.map(bytemuck::from_bytes)
    }

    /// Value `i`, to change, if there is one.
    #[inline(always)]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let start = self.start_of(i)?;
        let bytes = self.map.get_mut(start..start + Self::SIZE);
        bytes.map(bytemuck::from_bytes_mut)
    }

    /// Where value `i` starts in the mapping, if there is one.
    #[inline(always)]
    fn start_of(&self, i: usize) -> Option<usize> {
        // `len` values fill the mapping: no overflow below it.
        (i < self.len).then(|| i * Self::SIZE)
    }

    /// Every value.
    pub fn as_slice(&self) -> &[T] {
        bytemuck::cast_slice(&self.map)
    }

    /// Every value, to change.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(&mut self.map)
    }

    /// Starts fetching value `i`'s first cache line (a hint: it never
    /// waits, and reads nothing).
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        prefetch_index(&self.map, i.wrapping_mul(Self::SIZE));
    }

    /// The bytes mapped, in whole pages.
    pub fn mapped_bytes(&self) -> usize {
        self.map.len().max(1).div_ceil(PAGE) * PAGE
    }
}

/// Asks for huge pages: only advice, which a kernel without them ignores.
#[cfg(target_os = "linux")]
fn advise_huge_pages(map: &MmapMut) {
    let _ = map.advise(memmap2::Advice::HugePage);
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &MmapMut) {}

impl<T: Pod> Index<usize> for Pages<T> {
    type Output = T;
    #[inline(always)]
    fn index(&self, i: usize) -> &T {
        let len = self.len;
        self.get(i).unwrap_or_else(|| out_of_bounds(i, len))
    }
}

impl<T: Pod> IndexMut<usize> for Pages<T> {
    #[inline(always)]
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len;
        self.get_mut(i).unwrap_or_else(|| out_of_bounds(i, len))
    }
}

#[cold]
#[inline(never)]
fn out_of_bounds(i: usize, len: usize) -> ! {
    panic!("index {i} out of {len} values")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_copies_of_the_value_and_count_whole_pages() {
        for (len, value, bytes) in [(0, 7u64, PAGE), (1000, 7, 2 * PAGE), (1000, 0, 2 * PAGE)] {
            let mut pages = Pages::filled(len, value).unwrap();
            assert_eq!(pages.len(), len);
            assert_eq!(pages.as_slice().len(), len);
            assert!(pages.as_slice().iter().all(|&v| v == value));
            assert_eq!(pages.mapped_bytes(), bytes);
            assert_eq!((pages.get(len), pages.get(usize::MAX)), (None, None));
            if len > 0 {
                pages[len - 1] = 9;
                assert_eq!((pages[len - 1], pages.get(len - 1)), (9, Some(&9)));
            }
        }
    }

    #[test]
    fn a_large_array_is_mapped_in_whole_pages() {
        let pages = Pages::filled(HUGE_PAGE / 8 + 3, 0u64).unwrap();
        assert_eq!(pages.mapped_bytes(), HUGE_PAGE + PAGE);
    }

    #[test]
    #[should_panic(expected = "index 3 out of 3 values")]
    fn an_index_past_the_end_panics_as_a_slice_does() {
        let pages = Pages::filled(3, 1u32).unwrap();
        let _ = pages[3];
    }
}
