//! The change journal and replica records for Python: what a host needs to
//! keep its sessions in a shared store (`sessiontimer.cluster` over Redis).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sessiontimer_python_guard::guarded;

use crate::enums::Named;
use crate::errors::OrRaise;
use crate::outcomes::py_option;
use crate::untracked::Leaf;

mirror_enum! {
    /// What happened to a session since the journal was last drained.
    ChangeKind => sessiontimer::ChangeKind {
        Established = "ESTABLISHED", "established" => sessiontimer::ChangeKind::Established,
        Refreshed = "REFRESHED", "refreshed" => sessiontimer::ChangeKind::Refreshed,
        Updated = "UPDATED", "updated" => sessiontimer::ChangeKind::Updated,
        TornDown = "TORN_DOWN", "torn_down" => sessiontimer::ChangeKind::TornDown,
        Removed = "REMOVED", "removed" => sessiontimer::ChangeKind::Removed,
    }
}

/// Who holds a session: a node and the epoch of the lease it holds it under.
#[pyclass(frozen, eq, hash, from_py_object, module = "sessiontimer")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// The node's id, as the host numbers its nodes.
    #[pyo3(get)]
    pub node: u64,
    /// The lease's epoch: every lease a cluster grants has a larger one.
    #[pyo3(get)]
    pub epoch: u64,
}

impl From<sessiontimer::Owner> for Owner {
    fn from(o: sessiontimer::Owner) -> Self {
        Owner {
            node: o.node,
            epoch: o.epoch,
        }
    }
}

impl From<Owner> for sessiontimer::Owner {
    fn from(o: Owner) -> Self {
        sessiontimer::Owner {
            node: o.node,
            epoch: o.epoch,
        }
    }
}

#[guarded]
#[pymethods]
impl Owner {
    #[new]
    #[pyo3(signature = (node=0, epoch=0))]
    fn py_new(node: u64, epoch: u64) -> PyResult<Self> {
        Ok(Owner { node, epoch })
    }

    /// Whether a record of this owner replaces one of `other`: a later lease
    /// always wins; within one lease the latest write wins.
    fn supersedes(&self, other: Owner) -> PyResult<bool> {
        Ok(sessiontimer::Owner::from(*self).supersedes(other.into()))
    }

    /// The owner written in a replica record.
    #[staticmethod]
    fn of_replica(data: &[u8]) -> PyResult<Owner> {
        sessiontimer::Owner::of_replica(data)
            .map(Owner::from)
            .or_raise()
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("Owner(node={}, epoch={})", self.node, self.epoch))
    }
}

/// One session's change, as `Engine.drain_changes` hands it out.
#[pyclass(frozen, module = "sessiontimer")]
pub struct Change {
    /// The session's key.
    #[pyo3(get)]
    pub key: u64,
    /// What happened (the last of its changes).
    #[pyo3(get)]
    pub kind: ChangeKind,
    /// The replica record to store; `None` for an ended session (delete it).
    #[pyo3(get)]
    pub record: Option<Py<PyBytes>>,
    /// When the session expires (the host's clock), if a timer runs.
    #[pyo3(get)]
    pub expires_at_ms: Option<u64>,
}

impl Leaf for Change {}

impl Change {
    pub fn new(py: Python<'_>, change: sessiontimer::Change) -> Self {
        Change {
            key: change.key,
            kind: change.kind.into(),
            record: change.record.map(|r| PyBytes::new(py, &r).unbind()),
            expires_at_ms: change.expires_at_ms,
        }
    }
}

#[guarded]
#[pymethods]
impl Change {
    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "Change(key={}, kind=ChangeKind.{}, expires_at_ms={})",
            self.key,
            self.kind.text().to_uppercase(),
            py_option(self.expires_at_ms)
        ))
    }
}
