//! Header rows, Python's (name, value) pairs. Outcomes keep the core's edits
//! and write them as Python rows only when read: a decision allocates no row.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};
use sessiontimer::{HeaderEdits, HeaderName};

/// Header rows as Rust strings: what Python hands in.
pub type Rows = Vec<(String, String)>;

/// The rows `edits` ask for, as a Python list of `(name, value)` tuples. The
/// names are strings made once per process.
pub fn to_py<'py>(py: Python<'py>, edits: &HeaderEdits) -> PyResult<Bound<'py, PyList>> {
    // Collected first, so the list is made at its size rather than grown.
    let rows: Vec<_> = edits.rows().collect();
    let rows = rows
        .iter()
        .map(|(header, value)| (name(py, *header), PyString::new(py, value)));
    PyList::new(py, rows)
}

/// The long name of `header` as a Python string, made once.
fn name(py: Python<'_>, header: HeaderName) -> Bound<'_, PyString> {
    static NAMES: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();
    let names = NAMES.get_or_init(py, || {
        HeaderName::ALL
            .iter()
            .map(|h| PyString::intern(py, h.as_str()).unbind())
            .collect()
    });
    // `ALL` lists every name; one missing from it would be made on each call.
    let position = HeaderName::ALL.iter().position(|&h| h == header);
    match position {
        Some(i) => names[i].bind(py).clone(),
        None => PyString::new(py, header.as_str()),
    }
}

/// The rows an outcome carries: the core's edits, or rows given to its
/// constructor from Python. Equal when they read the same.
#[derive(Clone)]
pub enum OutRows {
    /// Edits from a core decision, written out when read.
    Edits(HeaderEdits),
    /// Rows as given.
    Given(Rows),
}

impl OutRows {
    /// The rows as Rust strings.
    pub fn to_vec(&self) -> Rows {
        match self {
            OutRows::Edits(edits) => edits.to_rows(),
            OutRows::Given(rows) => rows.clone(),
        }
    }

    /// The rows as a Python list of `(name, value)` tuples.
    pub fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match self {
            OutRows::Edits(edits) => to_py(py, edits),
            OutRows::Given(rows) => PyList::new(py, rows),
        }
    }

    /// The Python `repr` of the rows.
    pub fn describe(&self) -> String {
        describe(&self.to_vec())
    }
}

impl PartialEq for OutRows {
    fn eq(&self, other: &Self) -> bool {
        self.to_vec() == other.to_vec()
    }
}

/// The Python `repr` of the rows `edits` ask for.
pub fn describe_edits(edits: &HeaderEdits) -> String {
    describe(&edits.to_rows())
}

/// The Python `repr` of header rows.
pub fn describe(rows: &Rows) -> String {
    let rows: Vec<String> = rows
        .iter()
        .map(|(n, v)| format!("('{n}', '{v}')"))
        .collect();
    format!("[{}]", rows.join(", "))
}
