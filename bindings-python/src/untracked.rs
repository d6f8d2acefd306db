//! Python objects the cyclic garbage collector need not watch, and the
//! binding's one `unsafe` call.
//!
//! pyo3 makes every class a GC type, so each instance joins the collector's
//! youngest generation and is traversed by every collection until it dies. An
//! object that holds no reference to another Python object can never be part
//! of a reference cycle; CPython itself untracks such tuples and dicts. A
//! `poll` that returns 100,000 actions spent about a third of its time in the
//! collector before its actions were untracked.
#![allow(unsafe_code)]

use pyo3::prelude::*;
use pyo3::PyClass;

/// A class whose instances hold only Rust data: no `Py<...>` field, so no
/// instance can be part of a reference cycle. (Were a `Py` field added, the
/// worst outcome is a cycle through it never collected, not unsoundness.)
pub trait Leaf: PyClass + Into<PyClassInitializer<Self>> {}

/// `value` as a new Python object that the cyclic collector does not track.
pub fn new_untracked<T: Leaf>(py: Python<'_>, value: T) -> PyResult<Py<T>> {
    let object = Py::new(py, value)?;
    // SAFETY: `object` is a live instance of a GC type (pyo3 gives every class
    // `Py_TPFLAGS_HAVE_GC`), owned here and attached to the interpreter.
    // `PyObject_GC_UnTrack` only unlinks it from the collector's generation
    // list, which no other thread can touch while we hold the interpreter.
    // pyo3's deallocator untracks again, which CPython allows on an untracked
    // object (since 3.8).
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(object.as_ptr().cast()) };
    Ok(object)
}
