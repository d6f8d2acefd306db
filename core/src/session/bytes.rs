//! A dialog's [`Session`] alone as 22 bytes (`SSTD`, the layout in
//! [`crate::engine`]'s snapshot docs), for a host that keeps one dialog's state
//! outside an engine. Every field is checked on the way back in.

use super::{Session, FLAG_LOCAL_REFRESHER, SESSION_FLAGS};
use crate::engine::snapshot::{Reader, DIALOG_MAGIC};
use crate::engine::{SnapshotProblem, SNAPSHOT_VERSION};
use crate::error::Result;

impl Session {
    /// The session as 22 bytes (the `SSTD` layout of the snapshot docs), for a
    /// host that keeps one dialog's state outside an engine.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (refreshed_at, interval, dialog_min_se, flags) = self.pack();
        let mut out = Vec::with_capacity(22);
        out.extend_from_slice(DIALOG_MAGIC);
        out.push(SNAPSHOT_VERSION);
        out.extend_from_slice(&refreshed_at.to_le_bytes());
        out.extend_from_slice(&interval.to_le_bytes());
        out.extend_from_slice(&dialog_min_se.to_le_bytes());
        out.push(flags);
        out
    }

    /// A session from [`Session::to_bytes`], every field checked.
    ///
    /// # Errors
    /// [`crate::Error::Snapshot`] for bytes that are not a valid session.
    pub fn from_bytes(bytes: &[u8]) -> Result<Session> {
        let mut r = Reader(bytes);
        r.header(DIALOG_MAGIC)?;
        let refreshed_at = r.u64()?;
        let interval = r.u32()?;
        let dialog_min_se = r.u32()?;
        let flags = r.u8()?;
        r.finish()?;
        let problem = if flags & !SESSION_FLAGS != 0 {
            Some("unknown flag bits")
        } else if interval != 0 && interval < crate::policy::RFC_MIN_SE {
            Some("interval below 90 s")
        } else if dialog_min_se != 0 && dialog_min_se < crate::policy::RFC_MIN_SE {
            Some("dialog Min-SE below 90 s")
        } else if interval == 0 && flags & FLAG_LOCAL_REFRESHER != 0 {
            Some("a refresher without a timer")
        } else {
            None
        };
        match problem {
            Some(reason) => Err(SnapshotProblem::BadSession(reason).into()),
            None => Ok(Session::unpack((
                refreshed_at,
                interval,
                dialog_min_se,
                flags,
            ))),
        }
    }
}
