//! The engine's random source: injectable, so tests and simulations are exact.

/// A source of random 64-bit numbers for 491 back-off and refresh jitter.
pub trait RandomSource: Send {
    /// The next random number.
    fn next_u64(&mut self) -> u64;
}

/// SplitMix64: small, fast, and seedable; the engine's default source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitMix64(pub u64);

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A number in `0..=max` from `rng`.
pub(crate) fn up_to(rng: &mut dyn RandomSource, max: u64) -> u64 {
    match max.checked_add(1) {
        Some(n) => rng.next_u64() % n,
        None => rng.next_u64(),
    }
}
