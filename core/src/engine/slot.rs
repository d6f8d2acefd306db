//! One session as the engine's table holds it: 32 bytes, at a multiple of
//! 32 in the table's page-aligned mapping, so that a slot never straddles
//! two cache lines and a lookup's one memory read fetches one line. (A
//! 40-byte slot straddles two in two cases of five.) The type itself is
//! packed, of alignment 1: a slot read from the mapping's bytes then needs
//! no alignment check (3 instructions at each access, 3 accesses a
//! re-arm).
//!
//! The wheel's deadline is kept whole, as the wheel reads it; the last
//! refresh is kept as its distance back from the deadline (32 bits of ms),
//! and the interval and the dialog Min-SE in 16 bits each. A session with an
//! interval or Min-SE of 65,535 s (18.2 hours) or more is wide: its last
//! refresh, interval and Min-SE are kept aside by key ([`Wide`]), as few
//! sessions have them (an interval of up to 2^32 - 1 s puts a deadline 42
//! bits of ms after its refresh).

use std::collections::HashMap;

use super::table::Keyed;
use super::wheel::{Entry, Links};
use super::Phase;
use crate::session::{Packed, Session};
use crate::Negotiated;

/// [`Slot::interval`] of a wide session.
const WIDE: u16 = u16::MAX;

const _: () = assert!(std::mem::size_of::<Slot>() == 32);
// A narrow session's deadlines lie within 32 bits of ms of its refresh.
const _: () = assert!(WIDE as u64 * 1000 <= u32::MAX as u64);

/// One session: see the module's comment. Five fields, so that a new
/// session's slot is written in five stores (it was nine): that slot is
/// rarely in cache, each store waits in the store queue for its line, and a
/// full queue stops the next establishment. The fields are plain integers,
/// and a vacant slot is all zeroes, so the table's memory is mapped for it
/// and a new mapping's zeroed pages need no filling (see [`super::pages`]).
#[derive(Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C, packed)]
pub(super) struct Slot {
    /// The host's key.
    pub key: u64,
    /// [`Links::deadline`] while armed; else the last refresh (narrow).
    deadline: u64,
    /// How long before `deadline` the session was last refreshed, in ms
    /// (0 when wide).
    back: u32,
    /// [`Links::pos`]: on its own, as a swap-remove in the wheel writes it
    /// blind, without waiting for the slot's line.
    pos: u32,
    /// Bits 0-15: the interval in seconds, or [`WIDE`]; 16-31: the dialog
    /// Min-SE in seconds (0 when wide); 32-47: [`Links::bucket`], as its
    /// difference from [`Links::UNARMED`]'s (0 when not armed); 48-55: the
    /// session's flags ([`Session::pack`]); 56-63: the [`Phase`].
    fields: u64,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("key", &{ self.key })
            .field("deadline", &{ self.deadline })
            .field("back", &{ self.back })
            .field("pos", &{ self.pos })
            .field("interval", &self.interval())
            .field("min_se", &self.min_se())
            .field("bucket", &self.bucket())
            .field("flags", &self.flags())
            .field("phase", &self.phase())
            .finish()
    }
}

/// The bits of [`Slot::fields`] that hold the interval and the Min-SE.
const INTERVAL_AND_MIN_SE: u64 = 0xffff_ffff;
/// The bits of [`Slot::fields`] that hold the bucket.
const BUCKET: u64 = 0xffff << 32;
/// The bits of [`Slot::fields`] that hold the flags.
const FLAGS: u64 = 0xff << 48;
/// The bits of [`Slot::fields`] that hold the phase.
const PHASE: u64 = 0xff << 56;

/// [`Slot::fields`] of its parts.
#[inline(always)]
const fn fields(interval: u16, min_se: u16, bucket: u16, flags: u8, phase: Phase) -> u64 {
    interval as u64
        | (min_se as u64) << 16
        | ((bucket ^ Links::UNARMED.bucket) as u64) << 32
        | (flags as u64) << 48
        | (phase as u64) << 56
}

/// The last refresh, interval and dialog Min-SE of each wide session, by key.
#[derive(Debug, Clone, Default)]
pub(super) struct Wide(HashMap<u64, (u64, u32, u32), foldhash::fast::RandomState>);

impl Wide {
    /// Forgets what `slot` kept here, if anything: its session is gone.
    #[inline(always)]
    pub fn forget(&mut self, slot: &Slot) {
        if slot.is_wide() {
            self.forget_key(slot.key);
        }
    }

    #[cold]
    #[inline(never)]
    fn forget_key(&mut self, key: u64) {
        self.0.remove(&key);
    }

    /// Whether no session is kept here.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Keyed for Slot {
    fn key(&self) -> u64 {
        self.key
    }
    const VACANT: Slot = Slot::vacant(0);
}

impl Entry for Slot {
    #[inline(always)]
    fn links(&self) -> Links {
        Links {
            deadline: self.deadline,
            pos: self.pos,
            bucket: self.bucket(),
        }
    }
    #[inline(always)]
    fn set_links(&mut self, links: Links) {
        self.set_deadline(links.is_armed().then_some(links.deadline));
        self.set_pos(links.pos);
        self.set_bucket(links.bucket);
    }
    fn set_pos(&mut self, pos: u32) {
        self.pos = pos;
    }
    fn key(&self) -> u64 {
        self.key
    }
}

impl Slot {
    /// A slot for `key` holding no session yet, not armed.
    pub const fn vacant(key: u64) -> Slot {
        Slot {
            key,
            deadline: 0,
            back: 0,
            pos: Links::UNARMED.pos,
            fields: fields(0, 0, Links::UNARMED.bucket, 0, Phase::Idle),
        }
    }

    /// The interval in seconds, or [`WIDE`].
    #[inline(always)]
    fn interval(&self) -> u16 {
        self.fields as u16
    }

    /// The dialog Min-SE in seconds (0 when wide).
    #[inline(always)]
    fn min_se(&self) -> u16 {
        (self.fields >> 16) as u16
    }

    /// [`Links::bucket`].
    #[inline(always)]
    fn bucket(&self) -> u16 {
        (self.fields >> 32) as u16 ^ Links::UNARMED.bucket
    }

    /// The session's flags ([`Session::pack`]).
    #[inline(always)]
    fn flags(&self) -> u8 {
        (self.fields >> 48) as u8
    }

    /// What the timer is for.
    #[inline(always)]
    pub fn phase(&self) -> Phase {
        Phase::from_bits((self.fields >> 56) as u8)
    }

    /// Replaces the parts of [`Slot::fields`] that `mask` covers by `value`'s.
    #[inline(always)]
    fn set_fields(&mut self, mask: u64, value: u64) {
        self.fields = self.fields & !mask | value & mask;
    }

    /// Sets the interval and the dialog Min-SE.
    #[inline(always)]
    fn set_interval_and_min_se(&mut self, interval: u16, min_se: u16) {
        self.set_fields(
            INTERVAL_AND_MIN_SE,
            fields(interval, min_se, 0, 0, Phase::Idle),
        );
    }

    #[inline(always)]
    fn set_bucket(&mut self, bucket: u16) {
        self.set_fields(BUCKET, fields(0, 0, bucket, 0, Phase::Idle));
    }

    #[inline(always)]
    fn set_flags(&mut self, flags: u8) {
        self.set_fields(FLAGS, fields(0, 0, 0, flags, Phase::Idle));
    }

    /// Sets what the timer is for.
    #[inline(always)]
    pub fn set_phase(&mut self, phase: Phase) {
        self.set_fields(PHASE, fields(0, 0, 0, 0, phase));
    }

    /// The last refresh of a narrow slot.
    #[inline(always)]
    fn refreshed_at(&self) -> u64 {
        self.deadline - u64::from(self.back)
    }

    /// Sets the deadline (`None`: not armed), which is never before the
    /// last refresh nor past expiry (checked in debug builds).
    #[inline(always)]
    fn set_deadline(&mut self, deadline: Option<u64>) {
        if self.is_wide() {
            self.deadline = deadline.unwrap_or(0);
            return;
        }
        let refreshed_at = self.refreshed_at();
        let deadline = deadline.unwrap_or(refreshed_at);
        debug_assert!(deadline >= refreshed_at);
        debug_assert!(deadline - refreshed_at <= u64::from(u32::MAX));
        self.deadline = deadline.max(refreshed_at);
        self.back = (self.deadline - refreshed_at) as u32;
    }

    /// Whether the session's interval and Min-SE are kept aside.
    #[inline(always)]
    pub fn is_wide(&self) -> bool {
        self.interval() == WIDE
    }

    /// Whether a refresh to `timer` leaves this slot narrow: it is narrow,
    /// and the new interval fits (its Min-SE, narrow already, stays).
    #[inline(always)]
    pub fn stays_narrow(&self, timer: Option<Negotiated>) -> bool {
        !self.is_wide() && fits_narrow(timer.map_or(0, |t| t.interval), 0)
    }

    /// The session, as [`Session::unpack`] takes it.
    #[inline(always)]
    pub fn packed(&self, wide: &Wide) -> Packed {
        if self.is_wide() {
            let (refreshed_at, interval, min_se) = wide_session(wide, self.key);
            (refreshed_at, interval, min_se, self.flags())
        } else {
            self.narrow_packed()
        }
    }

    /// [`Slot::packed`] of a narrow slot.
    #[inline(always)]
    fn narrow_packed(&self) -> Packed {
        debug_assert!(!self.is_wide());
        let (interval, min_se) = (u32::from(self.interval()), u32::from(self.min_se()));
        (self.refreshed_at(), interval, min_se, self.flags())
    }

    /// The session.
    #[inline(always)]
    pub fn session(&self, wide: &Wide) -> Session {
        Session::unpack(self.packed(wide))
    }

    /// The session of a narrow slot: [`Slot::session`] with nothing to
    /// look up.
    #[inline(always)]
    pub fn narrow_session(&self) -> Session {
        Session::unpack(self.narrow_packed())
    }

    /// Stores `session` (from [`Session::pack`]). The timer keeps its
    /// deadline, or moves to the new refresh when that is later: a caller
    /// that changes the refresh's time re-arms the timer at once, with the
    /// links from before (see `Engine::arm_slot`).
    #[inline(always)]
    pub fn store(&mut self, session: Packed, wide: &mut Wide) {
        let (refreshed_at, interval, min_se, flags) = session;
        if self.is_wide() || !fits_narrow(interval, min_se) {
            // By value: a slot whose address is taken stays in memory, and
            // every step of the usual store would go through it.
            *self = store_wide(*self, session, wide);
            return;
        }
        // A narrow slot's deadline is within 2^32 ms of its refresh, which
        // only moves on.
        let reach = refreshed_at.saturating_add(u64::from(u32::MAX));
        self.deadline = self.deadline.clamp(refreshed_at, reach);
        self.back = (self.deadline - refreshed_at) as u32;
        self.set_interval_and_min_se(interval as u16, min_se as u16);
        self.set_flags(flags);
    }

    /// Stores a refreshed `session` that fits a narrow slot into this one,
    /// narrow, as an unarmed slot holds it (the deadline at the refresh):
    /// the caller re-arms the timer at once, with the links from before.
    #[inline(always)]
    pub fn store_refreshed_narrow(&mut self, session: Packed) {
        let (refreshed_at, interval, min_se, flags) = session;
        debug_assert!(!self.is_wide() && fits_narrow(interval, min_se));
        self.deadline = refreshed_at;
        self.back = 0;
        self.set_interval_and_min_se(interval as u16, min_se as u16);
        self.set_flags(flags);
    }

    /// Makes this narrow, armed slot hold `session` (from
    /// [`Session::pack`]), armed with `links` in `phase`, its key and its
    /// position in the wheel's bucket unchanged: a re-arm that leaves the
    /// timer in its bucket writes only what moved.
    #[inline(always)]
    pub fn set_rearmed_in_place(&mut self, session: Packed, links: Links, phase: Phase) {
        let (refreshed_at, interval, min_se, flags) = session;
        debug_assert!(fits_narrow(interval, min_se) && links.is_armed());
        debug_assert!(links.pos == self.pos);
        self.deadline = links.deadline;
        self.back = links.deadline.wrapping_sub(refreshed_at) as u32;
        self.fields = fields(interval as u16, min_se as u16, links.bucket, flags, phase);
    }

    /// Makes this slot a narrow one for `key` holding `session` (from
    /// [`Session::pack`]), armed with `links` in `phase`, field by field, in
    /// place: for a new session's slot, rarely in cache. The links' deadline
    /// lies within 2^32 ms after the session's last refresh (checked in debug
    /// builds). Built whole there, it went through the stack and was copied in
    /// 16-byte halves, whose loads waited for the narrower stores that built it
    /// to leave the store queue, behind the stores to earlier new slots still
    /// waiting for their lines (a million establishments 101 -> 89 ms).
    #[inline(always)]
    pub fn set_narrow_armed(&mut self, key: u64, session: Packed, links: Links, phase: Phase) {
        let (refreshed_at, interval, min_se, flags) = session;
        debug_assert!(fits_narrow(interval, min_se) && links.is_armed());
        debug_assert!(links.deadline - refreshed_at <= u64::from(u32::MAX));
        self.key = key;
        self.deadline = links.deadline;
        self.back = links.deadline.wrapping_sub(refreshed_at) as u32;
        self.pos = links.pos;
        self.fields = fields(interval as u16, min_se as u16, links.bucket, flags, phase);
    }

    /// When the session expires: its last refresh plus its interval.
    pub fn expires_at(&self, wide: &Wide) -> u64 {
        let (refreshed_at, interval, _, _) = self.packed(wide);
        expiry(refreshed_at, interval)
    }
}

/// Whether a session with `interval` and `min_se` fits a narrow slot.
#[inline(always)]
pub(super) fn fits_narrow(interval: u32, min_se: u32) -> bool {
    interval < u32::from(WIDE) && min_se < u32::from(WIDE)
}

/// [`Slot::store`] of a wide session, or of one that was wide. The
/// deadline stays as it was; a slot becomes narrow again only when its
/// deadline fits the narrow layout.
#[cold]
#[inline(never)]
fn store_wide(mut slot: Slot, session: Packed, wide: &mut Wide) -> Slot {
    let (refreshed_at, interval, min_se, flags) = session;
    wide.forget(&slot);
    let back = slot.deadline.saturating_sub(refreshed_at);
    if fits_narrow(interval, min_se) && back <= u64::from(u32::MAX) {
        slot.deadline = slot.deadline.max(refreshed_at);
        slot.back = (slot.deadline - refreshed_at) as u32;
        slot.set_interval_and_min_se(interval as u16, min_se as u16);
    } else {
        wide.0.insert(slot.key, (refreshed_at, interval, min_se));
        slot.back = 0;
        slot.set_interval_and_min_se(WIDE, 0);
    }
    slot.set_flags(flags);
    slot
}

/// The last refresh, interval and Min-SE of `key`, kept aside.
#[cold]
#[inline(never)]
fn wide_session(wide: &Wide, key: u64) -> (u64, u32, u32) {
    wide.0.get(&key).copied().unwrap_or_default()
}

/// When a session refreshed at `refreshed_at` with an interval of `interval`
/// seconds expires, in ms.
pub(super) fn expiry(refreshed_at: u64, interval: u32) -> u64 {
    refreshed_at.saturating_add(u64::from(interval) * 1000)
}
