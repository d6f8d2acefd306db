//! Settings: [`Policy`] with keyword arguments and presets by name.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use sessiontimer_python_guard::guarded;

use crate::enums::{ByeMargin, Mode, Named, RefreshMethod, RefresherPreference};
use crate::errors::OrRaise;

/// Every session-timer setting of one party (or one B2BUA leg).
#[pyclass(frozen, eq, hash, from_py_object, module = "sessiontimer")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy(pub(crate) sessiontimer::Policy);

/// Applies keyword overrides to `base` and validates the result.
fn with_overrides(
    mut policy: sessiontimer::Policy,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<Policy> {
    for (key, value) in overrides.into_iter().flat_map(|d| d.iter()) {
        let key: String = key.extract()?;
        match key.as_str() {
            "mode" => policy.mode = Mode::extract_lenient(&value)?.into(),
            "session_expires" => policy.session_expires = value.extract()?,
            "min_se" => policy.min_se = value.extract()?,
            "max_session_expires" => policy.max_session_expires = value.extract()?,
            "refresher" => policy.refresher = RefresherPreference::extract_lenient(&value)?.into(),
            "refresh_method" => {
                policy.refresh_method = RefreshMethod::extract_lenient(&value)?.into()
            }
            "max_422_retries" => policy.max_422_retries = value.extract()?,
            "raise_unsupported_interval" => policy.raise_unsupported_interval = value.extract()?,
            "insert_on_outbound_leg" => policy.insert_on_outbound_leg = value.extract()?,
            "consume_refreshes" => policy.consume_refreshes = value.extract()?,
            "refresh_for_silent_peer" => policy.refresh_for_silent_peer = value.extract()?,
            "accept_501_as_refreshed" => policy.accept_501_as_refreshed = value.extract()?,
            "bye_margin" => policy.bye_margin = ByeMargin::extract_lenient(&value)?.into(),
            other => {
                return Err(PyTypeError::new_err(format!(
                    "Policy got an unexpected keyword argument {other:?}"
                )))
            }
        }
    }
    policy.validated().map(Policy).or_raise()
}

#[guarded]
#[pymethods]
impl Policy {
    /// The RFC's defaults, with any setting given as a keyword argument.
    #[new]
    #[pyo3(signature = (**settings))]
    fn py_new(settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        with_overrides(sessiontimer::Policy::RFC, settings)
    }

    /// A vendor preset by name (`PRESETS`), with any setting overridden.
    #[staticmethod]
    #[pyo3(signature = (name, **settings))]
    fn preset(name: &str, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        with_overrides(sessiontimer::Policy::preset(name).or_raise()?, settings)
    }

    /// A copy with the given settings changed.
    #[pyo3(signature = (**settings))]
    fn replace(&self, settings: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        with_overrides(self.0, settings)
    }

    /// Whether and how much we want timers.
    #[getter]
    fn mode(&self) -> Mode {
        self.0.mode.into()
    }

    /// The interval we ask for or insert, in seconds.
    #[getter]
    fn session_expires(&self) -> u32 {
        self.0.session_expires
    }

    /// The smallest interval we accept (our Min-SE).
    #[getter]
    fn min_se(&self) -> u32 {
        self.0.min_se
    }

    /// The largest interval we accept from a peer, and the furthest a 422 is
    /// followed (`None`: `session_expires` caps what we accept; a 422 is
    /// followed up to a day, or `session_expires` if larger).
    #[getter]
    fn max_session_expires(&self) -> Option<u32> {
        self.0.max_session_expires
    }

    /// Who should refresh when the choice is ours.
    #[getter]
    fn refresher(&self) -> RefresherPreference {
        self.0.refresher.into()
    }

    /// How refreshes are sent.
    #[getter]
    fn refresh_method(&self) -> RefreshMethod {
        self.0.refresh_method.into()
    }

    /// How many 422 responses a UAC answers with a retry.
    #[getter]
    fn max_422_retries(&self) -> u8 {
        self.0.max_422_retries
    }

    /// As UAS, raise a too-small interval from a timer-unaware UAC (erratum 1687).
    #[getter]
    fn raise_unsupported_interval(&self) -> bool {
        self.0.raise_unsupported_interval
    }

    /// As B2BUA, add Session-Expires to the outbound INVITE.
    #[getter]
    fn insert_on_outbound_leg(&self) -> bool {
        self.0.insert_on_outbound_leg
    }

    /// As B2BUA, answer pure refreshes on their own leg.
    #[getter]
    fn consume_refreshes(&self) -> bool {
        self.0.consume_refreshes
    }

    /// When the non-refresher sends BYE.
    #[getter]
    fn bye_margin(&self) -> ByeMargin {
        self.0.bye_margin.into()
    }

    /// Refresh on a silent refresher's behalf before sending BYE (Ribbon).
    #[getter]
    fn refresh_for_silent_peer(&self) -> bool {
        self.0.refresh_for_silent_peer
    }

    /// Take a 501 answer to a refresh as success (SEMS).
    #[getter]
    fn accept_501_as_refreshed(&self) -> bool {
        self.0.accept_501_as_refreshed
    }

    /// The largest interval this policy accepts.
    #[getter]
    fn cap(&self) -> u32 {
        self.0.cap()
    }

    /// Every setting, as keyword arguments for `Policy(**settings)`.
    #[allow(clippy::wrong_self_convention)] // pymethods take &self
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = &self.0;
        let d = PyDict::new(py);
        d.set_item("mode", self.mode()?)?;
        d.set_item("session_expires", p.session_expires)?;
        d.set_item("min_se", p.min_se)?;
        d.set_item("max_session_expires", p.max_session_expires)?;
        d.set_item("refresher", self.refresher()?)?;
        d.set_item("refresh_method", self.refresh_method()?)?;
        d.set_item("max_422_retries", p.max_422_retries)?;
        d.set_item("raise_unsupported_interval", p.raise_unsupported_interval)?;
        d.set_item("insert_on_outbound_leg", p.insert_on_outbound_leg)?;
        d.set_item("consume_refreshes", p.consume_refreshes)?;
        d.set_item("bye_margin", self.bye_margin()?)?;
        d.set_item("refresh_for_silent_peer", p.refresh_for_silent_peer)?;
        d.set_item("accept_501_as_refreshed", p.accept_501_as_refreshed)?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut fields = Vec::new();
        for (key, value) in self.to_dict(py)?.iter() {
            fields.push(format!("{}={}", key, value.repr()?));
        }
        Ok(format!("Policy({})", fields.join(", ")))
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let rebuild = py.import("sessiontimer._pickle")?.getattr("policy")?;
        Ok((rebuild, PyTuple::new(py, [self.to_dict(py)?])?))
    }
}

/// A policy argument: a [`Policy`], or `None` for the RFC's defaults.
pub fn policy_arg(policy: Option<Policy>) -> sessiontimer::Policy {
    policy.map_or(sessiontimer::Policy::RFC, |p| p.0)
}
