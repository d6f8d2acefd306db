//! The change journal and replica records through C: what a C host (a PBX, a
//! proxy) needs to keep its sessions in a shared store so that another node
//! can take them over (see the README's cluster section).

#![allow(non_camel_case_types)]

use core_st::engine::REPLICA_LEN;
use core_st::{ChangeKind, Owner};

use crate::boundary::{bytes, check_out, get, get_mut, put, OutBuf};
use crate::engine::sst_engine;
use crate::result::{sst_result, OrCode};
use crate::types::sst_bool;

/// The length of a replica record (`SSTR`, version, owner, the session).
pub const SST_REPLICA_LEN: usize = 57;
const _: () = assert!(SST_REPLICA_LEN == REPLICA_LEN);

/// What happened to a session since the journal was last drained.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum sst_change_kind {
    /// New to the engine: established, restored or adopted.
    Established,
    /// Its timer restarted: a refresh succeeded.
    Refreshed,
    /// Something else changed (a refresh went out, a retry, the owner).
    Updated,
    /// The engine ended it (its BYE waits to be polled): delete its record.
    TornDown,
    /// The host removed it: delete its record.
    Removed,
}

impl From<ChangeKind> for sst_change_kind {
    fn from(kind: ChangeKind) -> Self {
        match kind {
            ChangeKind::Established => sst_change_kind::Established,
            ChangeKind::Refreshed => sst_change_kind::Refreshed,
            ChangeKind::Updated => sst_change_kind::Updated,
            ChangeKind::TornDown => sst_change_kind::TornDown,
            ChangeKind::Removed => sst_change_kind::Removed,
        }
    }
}

/// Who holds a session: a node and the epoch of the lease it holds it under.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct sst_owner {
    /// The node's id, as the host numbers its nodes.
    pub node: u64,
    /// The lease's epoch: every lease a cluster grants has a larger one.
    pub epoch: u64,
}

impl From<Owner> for sst_owner {
    fn from(o: Owner) -> Self {
        sst_owner {
            node: o.node,
            epoch: o.epoch,
        }
    }
}

impl From<sst_owner> for Owner {
    fn from(o: sst_owner) -> Self {
        Owner {
            node: o.node,
            epoch: o.epoch,
        }
    }
}

/// One session's change.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sst_change {
    /// The session's key.
    pub key: u64,
    /// An `sst_change_kind`: the last of its changes.
    pub kind: u32,
    /// Whether `record` holds the record to store (not for an ended session).
    pub has_record: sst_bool,
    /// Whether a timer runs: `expires_at_ms` is then when the session expires.
    pub has_expiry: sst_bool,
    /// When the session expires (the host's clock): a store can let the
    /// record expire then.
    pub expires_at_ms: u64,
    /// The replica record, `SST_REPLICA_LEN` bytes.
    pub record: [u8; SST_REPLICA_LEN],
}

/// Turns the change journal on (or off, dropping what it held). Turning it
/// on notes every session held as established, so the first drain gives a
/// store the whole state.
#[no_mangle]
pub extern "C" fn sst_engine_track_changes(engine: *mut sst_engine, on: sst_bool) -> sst_result {
    ffi_boundary!({
        let engine = get_mut(engine, "engine")?;
        engine.changes.clear();
        engine.engine.track_changes(on.get());
        Ok(())
    })
}

/// Sets the owner written in replica records (this node and its lease's
/// epoch); with the journal on, every session is noted as updated.
#[no_mangle]
pub extern "C" fn sst_engine_set_owner(engine: *mut sst_engine, owner: sst_owner) -> sst_result {
    ffi_boundary!({
        get_mut(engine, "engine")?.engine.set_owner(owner.into());
        Ok(())
    })
}

/// The next session that changed since the journal was last drained (each
/// once, in the order of its first change, with its replica record);
/// `SST_RESULT_NONE` when there is none. Call until it returns NONE.
#[no_mangle]
pub extern "C" fn sst_engine_next_change(
    engine: *mut sst_engine,
    out: *mut sst_change,
) -> sst_result {
    ffi_boundary!({
        check_out(out, "out")?;
        let engine = get_mut(engine, "engine")?;
        if engine.changes.is_empty() {
            engine.changes = engine.engine.drain_changes().into();
        }
        let change = engine.changes.pop_front().ok_or(sst_result::None)?;
        let mut c = sst_change {
            key: change.key,
            kind: sst_change_kind::from(change.kind) as u32,
            has_record: change.record.is_some().into(),
            has_expiry: change.expires_at_ms.is_some().into(),
            expires_at_ms: change.expires_at_ms.unwrap_or(0),
            record: [0; SST_REPLICA_LEN],
        };
        if let Some(record) = &change.record {
            c.record.copy_from_slice(record);
        }
        put(out, c, "out")
    })
}

/// The replica record of the session under `key`, with this engine's owner
/// (`SST_REPLICA_LEN` bytes).
#[no_mangle]
pub extern "C" fn sst_engine_replica(
    engine: *const sst_engine,
    key: u64,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> sst_result {
    ffi_boundary!({
        let data = get(engine, "engine")?.engine.replica(key).or_code()?;
        OutBuf::new(buf.cast(), buf_len, out_len)?.write(&data)
    })
}

/// Takes over a session at `now_ms` from a replica record (or
/// `sst_engine_snapshot_session` bytes); writes its key and the owner the
/// record names. A deadline that passed while nobody owned the session is
/// due now: `sst_engine_poll` at `now_ms` gives its refresh, or its BYE.
#[no_mangle]
pub extern "C" fn sst_engine_adopt(
    engine: *mut sst_engine,
    data: *const u8,
    len: usize,
    now_ms: u64,
    key: *mut u64,
    owner: *mut sst_owner,
) -> sst_result {
    ffi_boundary!({
        check_out(key, "key")?;
        check_out(owner, "owner")?;
        let data = bytes(data, len, "data")?;
        let engine = &mut get_mut(engine, "engine")?.engine;
        let (adopted, by) = engine.adopt(data, now_ms).or_code()?;
        put(key, adopted, "key")?;
        put(owner, by.into(), "owner")
    })
}

/// The owner written in a replica record.
#[no_mangle]
pub extern "C" fn sst_replica_owner(
    data: *const u8,
    len: usize,
    owner: *mut sst_owner,
) -> sst_result {
    ffi_boundary!({
        check_out(owner, "owner")?;
        let found = Owner::of_replica(bytes(data, len, "data")?).or_code()?;
        put(owner, found.into(), "owner")
    })
}

/// Whether a record of `owner` replaces one of `other`: a later lease always
/// wins; within one lease the latest write wins.
#[no_mangle]
pub extern "C" fn sst_owner_supersedes(owner: sst_owner, other: sst_owner) -> sst_bool {
    Owner::from(owner).supersedes(other.into()).into()
}
