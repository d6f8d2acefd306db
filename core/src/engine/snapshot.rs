//! Snapshots: one session or the whole engine as compact, versioned bytes, so a
//! host can keep timers in its own store (a database, Redis, Kamailio's DMQ) and
//! a second node can take a session over after a failover, deadlines intact.
//!
//! Layout (little-endian), version 1:
//! - a session: `SSTS`, version (1 byte), one record;
//! - a dialog's [`Session`] alone (no engine timer): `SSTD`, version, last
//!   refresh (u64), interval (u32), dialog Min-SE (u32), flags (1 byte);
//! - an engine: `SSTE`, version, the wheel position (u64), the nine counters
//!   (u64 each), the session count (u32), the records in key order.
//!
//! A record is 36 bytes: key (u64), last refresh (u64), deadline (u64),
//! interval (u32), dialog Min-SE (u32), flags, phase, retry count, 422 count
//! (one byte each). A store may be writable by an attacker: restoring checks
//! every field and every relation between them, and never panics.

use super::slot::{expiry, Slot, Wide};
use super::{Counters, Engine, EngineConfig, Phase, Retries};
use crate::engine::wheel::{Entry as _, Wheel};
use crate::error::{Error, Result};
use crate::session::{Packed, FLAG_LOCAL_REFRESHER, SESSION_FLAGS};

/// The snapshot format version this build writes and reads.
pub const SNAPSHOT_VERSION: u8 = 1;

pub(crate) const SESSION_MAGIC: &[u8; 4] = b"SSTS";
const ENGINE_MAGIC: &[u8; 4] = b"SSTE";
/// The magic of a dialog's [`Session`] alone ([`Session::to_bytes`]).
pub(crate) const DIALOG_MAGIC: &[u8; 4] = b"SSTD";
pub(crate) const RECORD_LEN: usize = 36;
const COUNTERS: usize = 9;

/// Why a snapshot was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotProblem {
    /// The bytes do not start with the expected magic.
    #[error("not a sessiontimer snapshot of this kind")]
    BadMagic,
    /// A version this build does not read.
    #[error("snapshot version {0} is not supported (this build reads {SNAPSHOT_VERSION})")]
    UnsupportedVersion(u8),
    /// Fewer bytes than the header announces.
    #[error("the snapshot is truncated")]
    Truncated,
    /// More bytes than the header announces.
    #[error("the snapshot has trailing bytes")]
    TrailingBytes,
    /// A record breaks an invariant.
    #[error("session {key}: {reason}")]
    BadRecord {
        /// The record's key.
        key: u64,
        /// The broken invariant.
        reason: &'static str,
    },
    /// A dialog's session breaks an invariant.
    #[error("session: {0}")]
    BadSession(&'static str),
    /// Two records share a key.
    #[error("session {0} appears twice")]
    DuplicateKey(u64),
    /// More sessions than the engine's cap.
    #[error("more sessions than the engine's cap of {0}")]
    EngineFull(usize),
}

fn bad(key: u64, reason: &'static str) -> Error {
    SnapshotProblem::BadRecord { key, reason }.into()
}

/// A reader over bytes that fails with `Truncated` instead of panicking.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(SnapshotProblem::Truncated.into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub(crate) fn header(&mut self, magic: &[u8; 4]) -> Result<()> {
        if self.take(4).ok() != Some(magic.as_slice()) {
            return Err(SnapshotProblem::BadMagic.into());
        }
        match self.u8()? {
            SNAPSHOT_VERSION => Ok(()),
            other => Err(SnapshotProblem::UnsupportedVersion(other).into()),
        }
    }

    pub(crate) fn finish(&self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(SnapshotProblem::TrailingBytes.into())
        }
    }
}

/// One session as stored: its key, its session, its phase, its deadline
/// (`u64::MAX` when idle) and the failures of its refresh in flight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Record {
    pub key: u64,
    pub session: Packed,
    pub phase: Phase,
    pub deadline: u64,
    pub retries: Retries,
}

impl Record {
    /// When the session expires.
    pub fn expires_at(&self) -> u64 {
        let (refreshed_at, interval, _, _) = self.session;
        expiry(refreshed_at, interval)
    }
}

/// Writes the record of the session in `slot`, `wide` holding what it keeps
/// aside.
pub(super) fn write_record(out: &mut Vec<u8>, slot: &Slot, wide: &Wide, retries: Retries) {
    let links = slot.links();
    let deadline = if links.is_armed() {
        links.deadline
    } else {
        u64::MAX
    };
    let (refreshed_at, interval, dialog_min_se, flags) = slot.packed(wide);
    out.extend_from_slice(&slot.key.to_le_bytes());
    out.extend_from_slice(&refreshed_at.to_le_bytes());
    out.extend_from_slice(&deadline.to_le_bytes());
    out.extend_from_slice(&interval.to_le_bytes());
    out.extend_from_slice(&dialog_min_se.to_le_bytes());
    out.extend_from_slice(&[
        flags,
        slot.phase() as u8,
        retries.attempts,
        retries.retries_422,
    ]);
}

/// Reads and checks one record.
pub(super) fn read_record(r: &mut Reader<'_>) -> Result<Record> {
    let key = r.u64()?;
    let refreshed_at = r.u64()?;
    let deadline = r.u64()?;
    let interval = r.u32()?;
    let dialog_min_se = r.u32()?;
    let [flags, phase, attempts, retries_422] = r.array()?;
    let phase = Phase::from_byte(phase).ok_or_else(|| bad(key, "unknown phase"))?;
    if flags & !SESSION_FLAGS != 0 {
        return Err(bad(key, "unknown flag bits"));
    }
    if (interval == 0) != (phase == Phase::Idle) {
        return Err(bad(key, "an interval exactly when a timer runs"));
    }
    if interval != 0 && interval < crate::policy::RFC_MIN_SE {
        return Err(bad(key, "interval below 90 s"));
    }
    if dialog_min_se != 0 && dialog_min_se < crate::policy::RFC_MIN_SE {
        return Err(bad(key, "dialog Min-SE below 90 s"));
    }
    let local = flags & FLAG_LOCAL_REFRESHER != 0;
    let refresher_ok = match phase {
        Phase::ByeDue => !local,
        Phase::Idle | Phase::ProxyExpiry => true,
        _ => local == phase.ours(),
    };
    if !refresher_ok {
        return Err(bad(key, "phase does not match the refresher"));
    }
    let deadline_ok = match phase {
        Phase::Idle => deadline == u64::MAX,
        _ => (refreshed_at..=expiry(refreshed_at, interval)).contains(&deadline),
    };
    if !deadline_ok {
        return Err(bad(key, "deadline outside the session's interval"));
    }
    let retries = Retries {
        attempts,
        retries_422,
    };
    Ok(Record {
        key,
        session: (refreshed_at, interval, dialog_min_se, flags),
        phase,
        deadline,
        retries,
    })
}

impl Engine {
    /// The session under `key` as bytes, its deadline included.
    ///
    /// # Errors
    /// [`Error::UnknownSession`].
    pub fn snapshot_session(&self, key: u64) -> Result<Vec<u8>> {
        let i = self.slot_of(key)?;
        let mut out = Vec::with_capacity(5 + RECORD_LEN);
        out.extend_from_slice(SESSION_MAGIC);
        out.push(SNAPSHOT_VERSION);
        self.write_slot(&mut out, i);
        Ok(out)
    }

    /// Takes over a session from [`Engine::snapshot_session`] bytes (another
    /// node's, after a failover), returning its key.
    ///
    /// # Errors
    /// [`Error::Snapshot`] for bytes that are not a valid session;
    /// [`Error::DuplicateSession`], [`Error::EngineFull`].
    pub fn restore_session(&mut self, bytes: &[u8]) -> Result<u64> {
        let mut r = Reader(bytes);
        r.header(SESSION_MAGIC)?;
        let record = read_record(&mut r)?;
        r.finish()?;
        self.insert_restored(record)?;
        Ok(record.key)
    }

    /// Writes the record of the session in slot `i`.
    pub(super) fn write_slot(&self, out: &mut Vec<u8>, i: u32) {
        let slot = &self.table[i];
        write_record(out, slot, &self.wide, self.retries(slot.key));
    }

    pub(super) fn insert_restored(&mut self, record: Record) -> Result<()> {
        let Record {
            key,
            session,
            phase,
            deadline,
            retries,
        } = record;
        let i = self.allocate(key, session)?;
        self.set_retries(key, retries);
        self.arm(i, phase, deadline);
        Ok(())
    }

    /// The whole engine as bytes: every session with its deadline (in key
    /// order), the counters, and the wheel's position. Pending actions not yet
    /// polled are not included: poll before snapshotting. The same state
    /// always gives the same bytes.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + 8 * (1 + COUNTERS) + 4 + RECORD_LEN * self.len());
        out.extend_from_slice(ENGINE_MAGIC);
        out.push(SNAPSHOT_VERSION);
        out.extend_from_slice(&self.wheel.elapsed().to_le_bytes());
        for c in counters_array(&self.counters) {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(&(self.len() as u32).to_le_bytes());
        // Records in key order, not the index's (seeded per engine) order:
        // two engines fed the same calls write the same bytes.
        let mut order: Vec<u32> = self.table.positions().collect();
        order.sort_unstable_by_key(|&i| self.table[i].key);
        for i in order {
            self.write_slot(&mut out, i);
        }
        out
    }

    /// An engine rebuilt from [`Engine::snapshot`] bytes, with `config` (which
    /// is the host's, not part of the snapshot).
    ///
    /// # Errors
    /// [`Error::Snapshot`] for bytes that are not a valid engine; as [`Engine::new`].
    pub fn restore(config: EngineConfig, bytes: &[u8]) -> Result<Engine> {
        let mut engine = Engine::new(config)?;
        let mut r = Reader(bytes);
        r.header(ENGINE_MAGIC)?;
        engine.wheel = Wheel::new(r.u64()?);
        let mut counters = [0u64; COUNTERS];
        for c in &mut counters {
            *c = r.u64()?;
        }
        engine.counters = counters_from_array(counters);
        let count = r.u32()? as usize;
        if count > config.max_sessions {
            return Err(SnapshotProblem::EngineFull(config.max_sessions).into());
        }
        if r.0.len() < count.saturating_mul(RECORD_LEN) {
            return Err(SnapshotProblem::Truncated.into());
        }
        engine.reserve(count)?;
        for _ in 0..count {
            let record = read_record(&mut r)?;
            engine.insert_restored(record).map_err(|e| match e {
                Error::DuplicateSession(key) => SnapshotProblem::DuplicateKey(key).into(),
                other => other,
            })?;
        }
        r.finish()?;
        Ok(engine)
    }
}

fn counters_array(c: &Counters) -> [u64; COUNTERS] {
    [
        c.established,
        c.refreshes_sent,
        c.refreshes_succeeded,
        c.no_refresh_received,
        c.refresh_unanswered,
        c.refresh_rejected,
        c.too_many_422,
        c.expired,
        c.removed_by_host,
    ]
}

fn counters_from_array(a: [u64; COUNTERS]) -> Counters {
    let [established, refreshes_sent, refreshes_succeeded, no_refresh_received, refresh_unanswered, refresh_rejected, too_many_422, expired, removed_by_host] =
        a;
    Counters {
        established,
        refreshes_sent,
        refreshes_succeeded,
        no_refresh_received,
        refresh_unanswered,
        refresh_rejected,
        too_many_422,
        expired,
        removed_by_host,
    }
}
