//! The change journal and replica records: what a host needs to keep an
//! engine's sessions in a shared store (Redis, a database) so that another node
//! can take them over when this one dies, sans-I/O like the rest.
//!
//! - [`Engine::track_changes`] turns the journal on; from then on the engine
//!   notes each session that changed (established, refreshed, updated, torn
//!   down, removed). [`Engine::drain_changes`] hands them out once each, in the
//!   order they first changed, with the session's replica record: a host
//!   writes only what changed, however often a session changed in between.
//! - A replica record carries its [`Owner`]: the node and the epoch of the
//!   lease under which it was written ([`Engine::set_owner`]). Epochs grow
//!   with every lease a cluster grants, so a newer owner's record always wins
//!   ([`Owner::supersedes`]) and an old owner reading the store can tell it
//!   has been replaced.
//! - [`Engine::adopt`] takes a record over at `now`: a deadline that passed
//!   while nobody owned the session fires at once (a BYE, or the refresh),
//!   never late and never refused (field notes 2.9: a stale expiry loaded by
//!   another node).
//!
//! A replica record (little-endian): `SSTR`, version (1 byte), owner node
//! (u64), owner epoch (u64), then the 36-byte session record of
//! [`Engine::snapshot_session`].

use std::collections::HashMap;

use super::snapshot::{read_record, Reader, RECORD_LEN, SESSION_MAGIC};
use super::{Engine, Phase};
use crate::error::Result;

const REPLICA_MAGIC: &[u8; 4] = b"SSTR";

/// The length of a replica record.
pub const REPLICA_LEN: usize = 5 + 16 + RECORD_LEN;

/// Who holds a session: a node and the epoch of the lease it holds it under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Owner {
    /// The node's id, as the host numbers its nodes.
    pub node: u64,
    /// The lease's epoch: every lease a cluster grants has a larger one.
    pub epoch: u64,
}

impl Owner {
    /// No owner: records written by an engine that has none.
    pub const NONE: Owner = Owner { node: 0, epoch: 0 };

    /// Whether a record of `self` replaces one of `other`: a later lease
    /// always wins; within one lease the latest write wins.
    #[must_use]
    pub fn supersedes(self, other: Owner) -> bool {
        self.epoch >= other.epoch
    }

    /// The owner written in a replica record.
    ///
    /// # Errors
    /// [`crate::Error::Snapshot`] for bytes that are not a replica record.
    pub fn of_replica(bytes: &[u8]) -> Result<Owner> {
        let mut r = Reader(bytes);
        r.header(REPLICA_MAGIC)?;
        Ok(Owner {
            node: r.u64()?,
            epoch: r.u64()?,
        })
    }
}

/// What happened to a session since the journal was last drained (the last of
/// its changes: an ended session is ended, whatever came before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ChangeKind {
    /// New to the engine: established, restored or adopted (or every session
    /// when the journal was turned on).
    Established = 0,
    /// Its timer restarted: a refresh succeeded.
    Refreshed = 1,
    /// Something else changed: a refresh went out, a retry was scheduled,
    /// the peer's support was learnt, the owner changed.
    Updated = 2,
    /// The engine ended it: its BYE (or proxy end) waits to be polled.
    TornDown = 3,
    /// The host removed it.
    Removed = 4,
}

impl ChangeKind {
    /// Whether the session is gone: the store should forget it.
    #[must_use]
    pub fn is_end(self) -> bool {
        matches!(self, ChangeKind::TornDown | ChangeKind::Removed)
    }

    /// The kind that says the most of two changes of one session.
    fn merge(self, later: ChangeKind) -> ChangeKind {
        if later.is_end() || (later as u8) < (self as u8) {
            later
        } else {
            self
        }
    }
}

/// One session's change, as [`Engine::drain_changes`] hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The session's key.
    pub key: u64,
    /// What happened.
    pub kind: ChangeKind,
    /// The replica record to store; `None` for an ended session (delete it).
    pub record: Option<Vec<u8>>,
    /// When the session expires (the host's clock), if a timer runs: a store
    /// can let the record expire then, so a dead cluster leaves nothing behind.
    pub expires_at_ms: Option<u64>,
}

/// The journal's bookkeeping: one entry per changed session, in the order of
/// its first change, and where each key's entry is.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub(crate) enabled: bool,
    entries: Vec<(u64, Option<ChangeKind>)>,
    /// The position of each key's latest entry in `entries`.
    open: HashMap<u64, usize, foldhash::fast::RandomState>,
    /// Entries that a later establishment of their key superseded.
    superseded: usize,
    pub(crate) owner: Owner,
}

impl Journal {
    /// Records `kind` for the session `key`: merged into its entry, or a new
    /// entry for a key seen first, or established again after its session
    /// ended in this window (the ended entry is superseded). Out of line: a
    /// host that keeps no journal pays one branch per change, nothing more.
    #[cold]
    #[inline(never)]
    pub(crate) fn note(&mut self, key: u64, kind: ChangeKind) {
        let next = self.entries.len();
        let position = *self.open.entry(key).or_insert(next);
        if position != next {
            let entry = &mut self.entries[position].1;
            match *entry {
                Some(old) if old.is_end() => {
                    *entry = None;
                    self.superseded += 1;
                    self.open.insert(key, next);
                }
                _ => {
                    *entry = entry.map(|k| k.merge(kind));
                    return;
                }
            }
        }
        self.entries.push((key, Some(kind)));
    }
}

impl Engine {
    /// Turns the change journal on (or off, dropping what it held). Turning it
    /// on notes every session held as [`ChangeKind::Established`], so the
    /// first drain gives a store the whole state (a store holding records from
    /// before, of sessions since ended, is the host's to clear).
    pub fn track_changes(&mut self, on: bool) {
        self.journal = Journal {
            enabled: on,
            owner: self.journal.owner,
            ..Default::default()
        };
        if on {
            self.note_all(ChangeKind::Established);
        }
    }

    /// Sets the owner written in replica records (this node and its lease's
    /// epoch). With the journal on, every session is noted as
    /// [`ChangeKind::Updated`], so the store gets the new owner.
    pub fn set_owner(&mut self, owner: Owner) {
        self.journal.owner = owner;
        if self.journal.enabled {
            self.note_all(ChangeKind::Updated);
        }
    }

    /// The owner written in replica records.
    pub fn owner(&self) -> Owner {
        self.journal.owner
    }

    fn note_all(&mut self, kind: ChangeKind) {
        let mut order: Vec<u32> = self.table.positions().collect();
        order.sort_unstable_by_key(|&i| self.table[i].key);
        order.into_iter().for_each(|i| self.note(i, kind));
    }

    /// Notes a change of the session in slot `i` (nothing when the journal is off).
    #[inline]
    pub(crate) fn note(&mut self, i: u32, kind: ChangeKind) {
        if self.journal.enabled {
            self.journal.note(self.table[i].key, kind);
        }
    }

    /// How many sessions changed since the last drain.
    pub fn pending_changes(&self) -> usize {
        self.journal.entries.len() - self.journal.superseded
    }

    /// The sessions that changed since the last drain, each once, in the order
    /// of their first change, with their replica records; the journal is then
    /// empty. Empty while the journal is off.
    pub fn drain_changes(&mut self) -> Vec<Change> {
        let entries = std::mem::take(&mut self.journal.entries);
        self.journal.open.clear();
        self.journal.superseded = 0;
        let mut out = Vec::with_capacity(entries.len());
        for (key, kind) in entries {
            let Some(kind) = kind else { continue };
            let found = if kind.is_end() { None } else { self.find(key) };
            let (record, expires_at_ms) = match found {
                Some(i) => {
                    let slot = &self.table[i];
                    let expires =
                        (slot.phase() != Phase::Idle).then(|| slot.expires_at(&self.wide));
                    (Some(self.replica_of(i)), expires)
                }
                None => (None, None),
            };
            out.push(Change {
                key,
                kind,
                record,
                expires_at_ms,
            });
        }
        out
    }

    /// The replica record of the session under `key`, with this engine's owner.
    ///
    /// # Errors
    /// [`crate::Error::UnknownSession`].
    pub fn replica(&self, key: u64) -> Result<Vec<u8>> {
        Ok(self.replica_of(self.slot_of(key)?))
    }

    fn replica_of(&self, i: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(REPLICA_LEN);
        out.extend_from_slice(REPLICA_MAGIC);
        out.push(super::SNAPSHOT_VERSION);
        out.extend_from_slice(&self.journal.owner.node.to_le_bytes());
        out.extend_from_slice(&self.journal.owner.epoch.to_le_bytes());
        self.write_slot(&mut out, i);
        out
    }

    /// Takes over a session at `now_ms` from a replica record (or from
    /// [`Engine::snapshot_session`] bytes), returning its key and the owner
    /// the record names ([`Owner::NONE`] for a snapshot). A deadline that
    /// passed while nobody owned the session is due now: [`Engine::poll`] at
    /// `now_ms` gives its refresh, or its BYE when the session expired
    /// meanwhile (the action is dated at the expiry). The owner check is the
    /// host's: it adopts only what its store granted it.
    ///
    /// # Errors
    /// [`crate::Error::Snapshot`] for bytes that are neither;
    /// [`crate::Error::DuplicateSession`], [`crate::Error::EngineFull`].
    pub fn adopt(&mut self, bytes: &[u8], now_ms: u64) -> Result<(u64, Owner)> {
        let mut r = Reader(bytes);
        let owner = if bytes.starts_with(SESSION_MAGIC) {
            r.header(SESSION_MAGIC)?;
            Owner::NONE
        } else {
            r.header(REPLICA_MAGIC)?;
            Owner {
                node: r.u64()?,
                epoch: r.u64()?,
            }
        };
        let mut record = read_record(&mut r)?;
        r.finish()?;
        if record.phase != Phase::Idle {
            record.deadline = record.deadline.max(now_ms).min(record.expires_at());
        }
        self.insert_restored(record)?;
        Ok((record.key, owner))
    }
}
