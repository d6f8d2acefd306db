//! Immutable outcomes: the negotiated timer and each role's decisions, with
//! readable `repr`, equality and pickling.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use sessiontimer::{HeaderEdits, UasDecision};
use sessiontimer_python_guard::guarded;

use crate::enums::{Method, Named, Side};
use crate::rows::{self, OutRows, Rows};

/// A session timer a negotiation settled on: the interval and who refreshes.
#[pyclass(frozen, eq, hash, from_py_object, module = "sessiontimer")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// The interval in seconds.
    #[pyo3(get)]
    pub interval: u32,
    /// Who refreshes: us or the peer.
    #[pyo3(get)]
    pub refresher: Side,
}

#[guarded]
#[pymethods]
impl Negotiated {
    #[new]
    fn py_new(interval: u32, refresher: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Negotiated {
            interval,
            refresher: Side::extract_lenient(refresher)?,
        })
    }

    fn __repr__(&self) -> String {
        self.describe()
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let args = (self.interval, self.refresher).into_pyobject(py)?;
        Ok((py.get_type::<Negotiated>().into_any(), args))
    }
}

impl Negotiated {
    /// The `repr`: `Negotiated(interval=1800, refresher=Side.REMOTE)`.
    fn describe(&self) -> String {
        format!(
            "Negotiated(interval={}, refresher=Side.{})",
            self.interval,
            self.refresher.text().to_uppercase()
        )
    }
}

impl From<sessiontimer::Negotiated> for Negotiated {
    fn from(n: sessiontimer::Negotiated) -> Self {
        Negotiated {
            interval: n.interval,
            refresher: n.refresher.into(),
        }
    }
}

impl From<Negotiated> for sessiontimer::Negotiated {
    fn from(n: Negotiated) -> Self {
        sessiontimer::Negotiated {
            interval: n.interval,
            refresher: n.refresher.into(),
        }
    }
}

/// The Python `repr` of an optional timer.
pub fn repr_timer(timer: Option<Negotiated>) -> String {
    timer.map_or_else(|| "None".to_owned(), |t| t.describe())
}

/// The Python `repr` of an optional number.
pub fn py_option<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}

/// The Python `repr` of a bool.
pub fn py_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

/// Send a 2xx with these headers; once sent, the dialog's timer is `timer`
/// (`None`: no session expiration).
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct Accept {
    headers: OutRows,
    /// The timer in force once the 2xx is sent.
    #[pyo3(get)]
    pub timer: Option<Negotiated>,
}

#[guarded]
#[pymethods]
impl Accept {
    #[new]
    #[pyo3(signature = (headers, timer=None))]
    fn py_new(headers: Rows, timer: Option<Negotiated>) -> Self {
        Accept {
            headers: OutRows::Given(headers),
            timer,
        }
    }

    /// Session-timer headers of the 2xx.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.headers.to_py(py)
    }

    /// Always 200.
    #[getter]
    fn status(&self) -> u16 {
        200
    }

    fn __repr__(&self) -> String {
        format!(
            "Accept(headers={}, timer={})",
            self.headers.describe(),
            repr_timer(self.timer)
        )
    }
}

/// Reject the request with `status` (420, 421 or 422) and these headers.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct Reject {
    /// The response code.
    #[pyo3(get)]
    pub status: u16,
    headers: OutRows,
}

#[guarded]
#[pymethods]
impl Reject {
    #[new]
    fn py_new(status: u16, headers: Rows) -> Self {
        Reject {
            status,
            headers: OutRows::Given(headers),
        }
    }

    /// Session-timer headers of the response.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        self.headers.to_py(py)
    }

    /// The reason phrase of `status`.
    #[getter]
    fn reason(&self) -> &'static str {
        sessiontimer::reason_phrase(self.status)
    }

    fn __repr__(&self) -> String {
        format!(
            "Reject(status={}, headers={})",
            self.status,
            self.headers.describe()
        )
    }
}

/// The method is not INVITE or UPDATE: session timers do not apply.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct NotARefresh {}

#[guarded]
#[pymethods]
impl NotARefresh {
    #[new]
    fn py_new() -> Self {
        NotARefresh {}
    }

    fn __repr__(&self) -> &'static str {
        "NotARefresh()"
    }
}

/// A UAS decision as its Python object.
pub fn decision(py: Python<'_>, decision: UasDecision) -> PyResult<Bound<'_, PyAny>> {
    Ok(match decision {
        UasDecision::Accept { headers, timer } => Accept {
            headers: OutRows::Edits(headers),
            timer: timer.map(Negotiated::from),
        }
        .into_pyobject(py)?
        .into_any(),
        UasDecision::Reject { status, headers } => reject(py, status, headers)?,
        UasDecision::NotARefresh => NotARefresh {}.into_pyobject(py)?.into_any(),
    })
}

/// A rejection as its Python object.
pub fn reject<'py>(
    py: Python<'py>,
    status: u16,
    headers: HeaderEdits,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(Reject {
        status,
        headers: OutRows::Edits(headers),
    }
    .into_pyobject(py)?
    .into_any())
}

/// A re-INVITE or UPDATE to send on a dialog, with its session-timer headers.
#[pyclass(frozen, eq, from_py_object, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct RefreshRequest {
    /// UPDATE or INVITE.
    #[pyo3(get)]
    pub method: Method,
    pub(crate) inner: sessiontimer::RefreshRequest,
}

#[guarded]
#[pymethods]
impl RefreshRequest {
    /// Session-timer headers of the request.
    #[getter]
    pub fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        rows::to_py(py, &self.inner.headers)
    }

    /// Session-Expires of the request, if any.
    #[getter]
    fn interval(&self) -> Option<u32> {
        self.inner.interval()
    }

    fn __repr__(&self) -> String {
        format!(
            "RefreshRequest(method=Method.{}, headers={})",
            self.method.text(),
            rows::describe_edits(&self.inner.headers)
        )
    }
}

impl From<sessiontimer::RefreshRequest> for RefreshRequest {
    fn from(inner: sessiontimer::RefreshRequest) -> Self {
        RefreshRequest {
            method: inner.method.into(),
            inner,
        }
    }
}
