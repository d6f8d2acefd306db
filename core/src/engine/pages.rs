//! An array of plain values in memory mapped for it alone, so that the
//! kernel can back a large one with huge pages (2 MB on x86-64 Linux, where
//! transparent huge pages are on "always" or "madvise").
//!
//! The engine's table is read at random: a million sessions' slots span
//! 38 MB, nearly 10,000 pages of 4 kB, far more than the TLB holds, so that
//! with small pages nearly every lookup also walks the page tables (twice
//! over in a virtual machine), and reserving faults in each page on its own.
//! On 2 MB pages the table takes 20 TLB entries.

use std::io;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use bytemuck::Pod;
use memmap2::MmapMut;

/// The size from which the kernel is asked for huge pages.
const HUGE_PAGE: usize = 2 << 20;
/// The kernel's smallest page, which [`Pages::mapped_bytes`] rounds to.
const PAGE: usize = 4096;

/// `len` values of `T` in a mapping of their own.
pub(super) struct Pages<T> {
    map: MmapMut,
    _values: PhantomData<T>,
}

impl<T: Pod> Pages<T> {
    /// No values: a mapping of one page (the kernel maps no less).
    pub fn empty() -> io::Result<Self> {
        Self::filled(0, T::zeroed())
    }

    /// `len` copies of `value`, on huge pages when the kernel gives them.
    ///
    /// # Errors
    /// When the kernel refuses the mapping (out of memory or address space).
    pub fn filled(len: usize, value: T) -> io::Result<Self> {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .ok_or(io::ErrorKind::OutOfMemory)?;
        let map = MmapMut::map_anon(bytes)?;
        if bytes >= HUGE_PAGE {
            advise_huge_pages(&map);
        }
        let mut pages = Pages {
            map,
            _values: PhantomData,
        };
        // A new mapping reads as zeroes.
        if bytemuck::bytes_of(&value).iter().any(|&b| b != 0) {
            pages.fill(value);
        }
        Ok(pages)
    }

    /// The bytes the mapping holds, rounded up to whole pages.
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

impl<T: Pod> Deref for Pages<T> {
    type Target = [T];
    #[inline(always)]
    fn deref(&self) -> &[T] {
        bytemuck::cast_slice(&self.map)
    }
}

impl<T: Pod> DerefMut for Pages<T> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [T] {
        bytemuck::cast_slice_mut(&mut self.map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_copies_of_the_value_and_count_whole_pages() {
        let pages = Pages::filled(1000, 7u64).unwrap();
        assert_eq!(pages.len(), 1000);
        assert!(pages.iter().all(|&v| v == 7));
        assert_eq!(pages.mapped_bytes(), 8192);
        let empty = Pages::<u64>::empty().unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.mapped_bytes(), PAGE);
    }
}
