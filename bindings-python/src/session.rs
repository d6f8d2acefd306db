//! One dialog's session-timer state, outside an engine.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use sessiontimer_python_guard::guarded;

use crate::enums::{ByeMargin, Named};
use crate::errors::OrRaise;
use crate::headers::{method_of, read};
use crate::outcomes::{decision, py_bool, py_option, repr_timer, Negotiated, RefreshRequest};
use crate::policy::{policy_arg, Policy};
use crate::roles::Uas;
use crate::shared::Shared;
use crate::untracked::Leaf;

/// One dialog's session-timer state: the timer in force, when it was last
/// refreshed, the dialog's Min-SE and what the peer supports. Thread-safe:
/// calls are serialised. Pickles to 22 bytes.
#[pyclass(frozen, module = "sessiontimer")]
pub struct Session(Shared<sessiontimer::Session>);

impl Leaf for Session {}

impl Session {
    /// Wraps a core session.
    pub fn wrap(session: sessiontimer::Session) -> Self {
        Session(Shared::new(session))
    }

    /// A copy of the core session.
    pub fn core(&self, py: Python<'_>) -> sessiontimer::Session {
        self.0.get(py)
    }

    /// Runs `f` on the core session, serialised with other threads' calls.
    pub fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut sessiontimer::Session) -> R) -> R {
        self.0.with(py, f)
    }
}

/// The outcome of a response to a refresh we sent.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct RefreshOutcome {
    /// `"refreshed"`, `"retry"`, `"retry_after_glare"`, `"terminate"` or `"failed"`.
    #[pyo3(get)]
    pub kind: &'static str,
    /// After `"refreshed"`: the timer now in force.
    #[pyo3(get)]
    pub timer: Option<Negotiated>,
    /// After `"retry"`: the request to send now.
    #[pyo3(get)]
    pub retry: Option<RefreshRequest>,
    /// After `"failed"`: the status code.
    #[pyo3(get)]
    pub status: Option<u16>,
}

#[guarded]
#[pymethods]
impl RefreshOutcome {
    fn __repr__(&self) -> String {
        format!(
            "RefreshOutcome(kind='{}', timer={}, status={})",
            self.kind,
            repr_timer(self.timer),
            py_option(self.status)
        )
    }
}

impl From<sessiontimer::RefreshOutcome> for RefreshOutcome {
    fn from(result: sessiontimer::RefreshOutcome) -> Self {
        use sessiontimer::RefreshOutcome as R;
        let (kind, timer, retry, status) = match result {
            R::Refreshed(timer) => ("refreshed", timer.map(Negotiated::from), None, None),
            R::Retry(request) => ("retry", None, Some(request.into()), None),
            R::RetryAfterGlare => ("retry_after_glare", None, None, None),
            R::Terminate => ("terminate", None, None, None),
            R::Failed { status } => ("failed", None, None, Some(status)),
        };
        RefreshOutcome {
            kind,
            timer,
            retry,
            status,
        }
    }
}

#[guarded]
#[pymethods]
impl Session {
    /// A dialog with no timer yet. `require_timer`: our initial request carried
    /// `Require: timer`; `owns_call_id`: we placed the call.
    #[new]
    #[pyo3(signature = (require_timer=false, owns_call_id=false))]
    fn py_new(require_timer: bool, owns_call_id: bool) -> Self {
        let mut session = sessiontimer::Session::new(require_timer);
        session.set_owns_call_id(owns_call_id);
        Session::wrap(session)
    }

    /// The timer in force, if any.
    #[getter]
    fn timer(&self, py: Python<'_>) -> Option<Negotiated> {
        self.core(py).timer().map(Negotiated::from)
    }

    /// When the last successful refresh happened.
    #[getter]
    fn refreshed_at_ms(&self, py: Python<'_>) -> u64 {
        self.core(py).refreshed_at_ms()
    }

    /// The Min-SE learnt on this dialog, if any.
    #[getter]
    fn dialog_min_se(&self, py: Python<'_>) -> Option<u32> {
        self.core(py).dialog_min_se()
    }

    /// Whether the peer has shown support for timers.
    #[getter]
    fn peer_supports_timer(&self, py: Python<'_>) -> bool {
        self.core(py).peer_supports_timer()
    }

    /// Whether we placed the call.
    #[getter]
    fn owns_call_id(&self, py: Python<'_>) -> bool {
        self.core(py).owns_call_id()
    }

    /// A 2xx to an INVITE or UPDATE was sent or received at `now_ms`: the timer
    /// becomes `timer` and restarts. A timer below 90 s raises
    /// `InvalidIntervalError` and changes nothing.
    fn apply(&self, py: Python<'_>, timer: Option<Negotiated>, now_ms: u64) -> PyResult<()> {
        self.with(py, |s| s.apply(timer.map(Into::into), now_ms))
            .or_raise()
    }

    /// Records what a message from the peer shows (timer support, UPDATE in Allow).
    fn note_peer(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<()> {
        let message = read(message)?;
        self.with(py, |s| s.note_peer(&message.inner));
        Ok(())
    }

    /// When the session expires, if a timer runs.
    fn expires_at_ms(&self, py: Python<'_>) -> Option<u64> {
        self.core(py).expires_at_ms()
    }

    /// When we must refresh, if we are the refresher.
    fn refresh_at_ms(&self, py: Python<'_>) -> Option<u64> {
        self.core(py).refresh_at_ms()
    }

    /// When we must send BYE, if the peer is the refresher.
    #[pyo3(signature = (margin=None))]
    fn bye_at_ms(
        &self,
        py: Python<'_>,
        margin: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<u64>> {
        let margin = match margin {
            Some(m) => ByeMargin::extract_lenient(m)?.into(),
            None => sessiontimer::ByeMargin::Rfc,
        };
        Ok(self.core(py).bye_at_ms(margin))
    }

    /// The refresh to send now (or any re-INVITE or UPDATE on the dialog).
    #[pyo3(signature = (policy=None))]
    fn refresh_request(&self, py: Python<'_>, policy: Option<Policy>) -> RefreshRequest {
        self.core(py).refresh_request(&policy_arg(policy)).into()
    }

    /// A final response to `sent` arrived at `now_ms` (a timeout is 408).
    #[pyo3(signature = (sent, now_ms, status, response=None, policy=None))]
    fn on_refresh_response(
        &self,
        py: Python<'_>,
        sent: RefreshRequest,
        now_ms: u64,
        status: u16,
        response: Option<&Bound<'_, PyAny>>,
        policy: Option<Policy>,
    ) -> PyResult<RefreshOutcome> {
        let response = match response {
            Some(r) => read(r)?.into_owned().inner,
            None => sessiontimer::TimerHeaders::default(),
        };
        let policy = policy_arg(policy);
        let result = self.with(py, |s| {
            s.on_refresh_response(&policy, now_ms, status, &sent.inner, &response)
        });
        Ok(result.into())
    }

    /// A mid-dialog INVITE or UPDATE from the peer: the UAS decision given the
    /// timer in force. Call `apply` with its timer when the 2xx is sent.
    #[pyo3(signature = (uas, request, method=None))]
    fn answer<'py>(
        &self,
        py: Python<'py>,
        uas: &Uas,
        request: &Bound<'py, PyAny>,
        method: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = read(request)?;
        let method = method_of(method, &request)?;
        let answer = self.with(py, |s| s.answer(&uas.0, method, &request.inner));
        decision(py, answer)
    }

    /// The session as 22 bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.core(py).to_bytes())
    }

    /// A session from `to_bytes`, every field checked.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        sessiontimer::Session::from_bytes(data)
            .map(Session::wrap)
            .or_raise()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        let py = other.py();
        other
            .cast::<Session>()
            .is_ok_and(|other| self.core(py) == other.get().core(py))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let s = self.core(py);
        format!(
            "Session(timer={}, refreshed_at_ms={}, dialog_min_se={}, peer_supports_timer={})",
            repr_timer(s.timer().map(Negotiated::from)),
            s.refreshed_at_ms(),
            py_option(s.dialog_min_se()),
            py_bool(s.peer_supports_timer())
        )
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let rebuild = py.import("sessiontimer._pickle")?.getattr("session")?;
        Ok((rebuild, PyTuple::new(py, [self.to_bytes(py)?])?))
    }
}
