//! One class per role: [`Uac`], [`Uas`], [`Proxy`], [`B2bua`]. Each holds its
//! policy; decisions come from the core unchanged.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use sessiontimer_python_guard::guarded;

use crate::enums::{method_arg, Leg, Named, RefreshKind, Refresher};
use crate::errors::OrRaise;
use crate::headers::{method_of, read, TimerHeaders};
use crate::outcomes::{decision, py_bool, py_option, reject, Negotiated};
use crate::policy::{policy_arg, Policy};
use crate::rows::{self, describe_edits, Rows};
use crate::session::Session;
use crate::shared::Shared;

/// The UAC role (RFC 4028 section 7): the INVITE's headers, 422 and 420
/// retries, and reading the 2xx. Thread-safe: calls are serialised.
#[pyclass(frozen, module = "sessiontimer")]
pub struct Uac(Shared<sessiontimer::Uac>);

impl Uac {
    /// Wraps a core UAC.
    pub fn wrap(uac: sessiontimer::Uac) -> Self {
        Uac(Shared::new(uac))
    }
}

#[guarded]
#[pymethods]
impl Uac {
    /// A UAC with `policy` (RFC defaults when `None`); `offer` overrides the
    /// interval asked for (`None`: the policy's, when the mode originates).
    #[new]
    #[pyo3(signature = (policy=None, offer=None))]
    fn py_new(policy: Option<Policy>, offer: Option<u32>) -> PyResult<Self> {
        let policy = policy_arg(policy);
        let uac = match offer {
            Some(offer) => sessiontimer::Uac::with_offer(policy, Some(offer)),
            None => sessiontimer::Uac::new(policy),
        };
        uac.map(Uac::wrap).or_raise()
    }

    /// The policy.
    #[getter]
    fn policy(&self, py: Python<'_>) -> Policy {
        Policy(self.0.with(py, |uac| *uac.policy()))
    }

    /// How many 422 retries were sent.
    #[getter]
    fn retries(&self, py: Python<'_>) -> u8 {
        self.0.with(py, |uac| uac.retries())
    }

    /// The Session-Expires of the current request, if any.
    #[getter]
    fn offered_interval(&self, py: Python<'_>) -> Option<u32> {
        self.0.with(py, |uac| uac.offered_interval())
    }

    /// Session-timer headers of the (next) INVITE.
    fn request<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        rows::to_py(py, &self.0.with(py, |uac| uac.request()))
    }

    /// A 422 arrived: the headers of the retried INVITE (section 7.3).
    fn on_422<'py>(&self, response: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let py = response.py();
        let response = read(response)?;
        self.0
            .with(py, |uac| uac.on_422(&response.inner))
            .or_raise()
            .and_then(|edits| rows::to_py(py, &edits))
    }

    /// A 420 naming `timer` arrived: the headers of a retry without
    /// `Require: timer`, or `None` when retrying is pointless.
    fn on_420<'py>(&self, response: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyList>>> {
        let py = response.py();
        let response = read(response)?;
        let retry = self.0.with(py, |uac| uac.on_420(&response.inner));
        retry.map(|edits| rows::to_py(py, &edits)).transpose()
    }

    /// The timer a 2xx to our INVITE settles on (`None`: no expiration).
    fn on_2xx(&self, response: &Bound<'_, PyAny>) -> PyResult<Option<Negotiated>> {
        let py = response.py();
        let response = read(response)?;
        let timer = self.0.with(py, |uac| uac.on_2xx(&response.inner));
        Ok(timer.map(Negotiated::from))
    }

    /// The dialog's session once the 2xx arrived at `now_ms`.
    fn establish(&self, response: &Bound<'_, PyAny>, now_ms: u64) -> PyResult<Session> {
        let py = response.py();
        let response = read(response)?;
        let session = self
            .0
            .with(py, |uac| uac.establish(&response.inner, now_ms));
        Ok(Session::wrap(session))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (offered, retries) = self
            .0
            .with(py, |uac| (uac.offered_interval(), uac.retries()));
        format!(
            "Uac(offered_interval={}, retries={})",
            py_option(offered),
            retries
        )
    }
}

/// The UAS role (RFC 4028 section 9). Immutable; share it freely.
#[pyclass(frozen, module = "sessiontimer")]
pub struct Uas(pub(crate) sessiontimer::Uas);

#[guarded]
#[pymethods]
impl Uas {
    /// A UAS with `policy` (RFC defaults when `None`).
    #[new]
    #[pyo3(signature = (policy=None))]
    fn py_new(policy: Option<Policy>) -> PyResult<Self> {
        sessiontimer::Uas::new(policy_arg(policy))
            .map(Uas)
            .or_raise()
    }

    /// The policy.
    #[getter]
    fn policy(&self) -> Policy {
        Policy(*self.0.policy())
    }

    /// The answer to a request: `Accept`, `Reject` or `NotARefresh`. `method`
    /// defaults to the raw message's, else INVITE; `current` is the timer in
    /// force for a mid-dialog request.
    #[pyo3(signature = (request, method=None, current=None))]
    fn decide<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        method: Option<&Bound<'py, PyAny>>,
        current: Option<Negotiated>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = read(request)?;
        let method = method_of(method, &request)?;
        let current = current.map(sessiontimer::Negotiated::from);
        decision(py, self.0.decide(method, &request.inner, current.as_ref()))
    }

    /// The dialog's session once the 2xx to the initial `request` went out at
    /// `now_ms`, with the `timer` of the `Accept` for it. What the request
    /// showed is kept (timer support, UPDATE in Allow, its Min-SE), so the
    /// session refreshes by UPDATE when the peer allows it. Hand it to
    /// `Engine.establish`.
    fn establish(
        &self,
        request: &Bound<'_, PyAny>,
        timer: Option<Negotiated>,
        now_ms: u64,
    ) -> PyResult<Session> {
        let request = read(request)?;
        let timer = timer.map(sessiontimer::Negotiated::from);
        let session = self.0.establish(&request.inner, timer, now_ms).or_raise()?;
        Ok(Session::wrap(session))
    }

    fn __repr__(&self) -> String {
        "Uas(...)".to_owned()
    }
}

/// What a proxy keeps of a forwarded request until its final response.
#[pyclass(frozen, eq, hash, from_py_object, module = "sessiontimer")]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProxyTransaction(sessiontimer::ProxyTransaction);

#[guarded]
#[pymethods]
impl ProxyTransaction {
    #[new]
    #[pyo3(signature = (requested, uac_supports, interval=None))]
    fn py_new(requested: bool, uac_supports: bool, interval: Option<u32>) -> Self {
        ProxyTransaction(sessiontimer::ProxyTransaction {
            requested,
            uac_supports,
            interval,
        })
    }

    /// Whether the forwarded request asked for a session timer.
    #[getter]
    fn requested(&self) -> bool {
        self.0.requested
    }

    /// Whether the UAC supports timers.
    #[getter]
    fn uac_supports(&self) -> bool {
        self.0.uac_supports
    }

    /// The interval forwarded, if any.
    #[getter]
    fn interval(&self) -> Option<u32> {
        self.0.interval
    }

    fn __repr__(&self) -> String {
        format!(
            "ProxyTransaction(requested={}, uac_supports={}, interval={})",
            py_bool(self.0.requested),
            py_bool(self.0.uac_supports),
            py_option(self.0.interval)
        )
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let t = self.0;
        let args = (t.requested, t.uac_supports, t.interval).into_pyobject(py)?;
        Ok((py.get_type::<ProxyTransaction>().into_any(), args))
    }
}

/// Forward the request with these headers set, and keep `transaction`.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct Forward {
    /// State to keep until the final response.
    #[pyo3(get)]
    pub transaction: ProxyTransaction,
    edits: sessiontimer::HeaderEdits,
}

/// `rows` (a forwarded message's header pairs) with `edits` made: one
/// Session-Expires and one Min-SE in place of any, `timer` merged into the
/// option-tag lists (RFC 4028 section 8). Other headers are left alone.
fn edited(edits: &sessiontimer::HeaderEdits, mut rows: Rows) -> Rows {
    edits.apply(&mut rows);
    rows
}

#[guarded]
#[pymethods]
impl Forward {
    /// Session-timer headers to set on the forwarded request.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        rows::to_py(py, &self.edits)
    }

    /// The request's header pairs `rows` as they must be forwarded.
    fn apply(&self, rows: Rows) -> Rows {
        edited(&self.edits, rows)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!(
            "Forward(headers={}, transaction={})",
            describe_edits(&self.edits),
            self.transaction.__repr__()?
        ))
    }
}

/// What a proxy does with a 2xx: these headers, and the session interval.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct ProxyResponse(sessiontimer::ProxyResponseDecision);

#[guarded]
#[pymethods]
impl ProxyResponse {
    /// Session-timer headers to set on the forwarded 2xx.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        rows::to_py(py, &self.0.headers)
    }

    /// The session interval, `None` when the session does not expire.
    #[getter]
    fn interval(&self) -> Option<u32> {
        self.0.interval
    }

    /// Who refreshes the session the 2xx sets up (`Refresher.UAC` when the
    /// proxy filled the 2xx in); `None` with no expiration.
    #[getter]
    fn refresher(&self) -> Option<Refresher> {
        self.0.refresher.map(Refresher::from)
    }

    /// The 2xx's header pairs `rows` as they must be forwarded.
    fn apply(&self, rows: Rows) -> Rows {
        edited(&self.0.headers, rows)
    }

    /// When the proxy may drop the dialog's state, for a 2xx forwarded at
    /// `forwarded_at_ms` (section 8.3).
    fn expires_at_ms(&self, forwarded_at_ms: u64) -> Option<u64> {
        self.0.expires_at_ms(forwarded_at_ms)
    }

    fn __repr__(&self) -> String {
        format!(
            "ProxyResponse(headers={}, interval={}, refresher={})",
            describe_edits(&self.0.headers),
            py_option(self.0.interval),
            self.0.refresher.map_or("None".to_owned(), |r| format!(
                "Refresher.{}",
                r.as_str().to_uppercase()
            ))
        )
    }
}

/// The proxy role (RFC 4028 section 8). Immutable; share it freely.
#[pyclass(frozen, module = "sessiontimer")]
pub struct Proxy(sessiontimer::Proxy);

#[guarded]
#[pymethods]
impl Proxy {
    /// A proxy with `policy` (RFC defaults when `None`).
    #[new]
    #[pyo3(signature = (policy=None))]
    fn py_new(policy: Option<Policy>) -> PyResult<Self> {
        sessiontimer::Proxy::new(policy_arg(policy))
            .map(Proxy)
            .or_raise()
    }

    /// The policy.
    #[getter]
    fn policy(&self) -> Policy {
        Policy(*self.0.policy())
    }

    /// A request to forward: `Forward`, or `Reject` (422; 420 to
    /// `Proxy-Require: timer` with timers off).
    #[pyo3(signature = (request, method=None))]
    fn on_request<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        method: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = read(request)?;
        let method = method_of(method, &request)?;
        match self.0.on_request(method, &request.inner) {
            sessiontimer::ProxyRequestDecision::Forward {
                headers: edits,
                transaction,
            } => Ok(Forward {
                transaction: ProxyTransaction(transaction),
                edits,
            }
            .into_pyobject(py)?
            .into_any()),
            sessiontimer::ProxyRequestDecision::Reject { status, headers } => {
                reject(py, status, headers)
            }
        }
    }

    /// The 2xx of a transaction to forward.
    fn on_2xx(
        &self,
        transaction: ProxyTransaction,
        response: &Bound<'_, PyAny>,
    ) -> PyResult<ProxyResponse> {
        let response = read(response)?;
        Ok(ProxyResponse(
            self.0.on_2xx(&transaction.0, &response.inner),
        ))
    }
}

/// A back-to-back UA: each leg negotiates on its own with its own policy.
/// Immutable; share it freely.
#[pyclass(frozen, module = "sessiontimer")]
pub struct B2bua(pub(crate) sessiontimer::B2bua);

#[guarded]
#[pymethods]
impl B2bua {
    /// A B2BUA with a policy per leg (RFC defaults when `None`).
    #[new]
    #[pyo3(signature = (inbound=None, outbound=None))]
    fn py_new(inbound: Option<Policy>, outbound: Option<Policy>) -> PyResult<Self> {
        sessiontimer::B2bua::new(policy_arg(inbound), policy_arg(outbound))
            .map(B2bua)
            .or_raise()
    }

    /// The final status the inbound caller gets when the outbound INVITE
    /// failed with `outbound` (`None`: no response): 503 for a session-timer
    /// failure of the outbound leg alone (420, 421, 422) or no response, 502
    /// for a 2xx that could not be used, any other status as it is.
    #[staticmethod]
    fn inbound_status(outbound: Option<u16>) -> u16 {
        sessiontimer::B2bua::inbound_status(outbound)
    }

    /// The policy of `leg`.
    fn policy(&self, leg: &Bound<'_, PyAny>) -> PyResult<Policy> {
        Ok(Policy(*self.0.policy(Leg::extract_lenient(leg)?.into())))
    }

    /// The UAS answering the inbound INVITE.
    fn inbound_uas(&self) -> Uas {
        Uas(self.0.inbound_uas())
    }

    /// The UAC of the outbound INVITE, given the inbound INVITE.
    fn outbound_uac(&self, inbound_request: &Bound<'_, PyAny>) -> PyResult<Uac> {
        let request = read(inbound_request)?;
        Ok(Uac::wrap(self.0.outbound_uac(&request.inner)))
    }

    /// An in-dialog re-INVITE or UPDATE on `leg`: the decision when the leg
    /// consumes it (answer it there), `None` to relay it to the other leg.
    #[pyo3(signature = (leg, session, request, kind, method=None))]
    fn on_in_dialog_request<'py>(
        &self,
        py: Python<'py>,
        leg: &Bound<'py, PyAny>,
        session: &Session,
        request: &Bound<'py, PyAny>,
        kind: &Bound<'py, PyAny>,
        method: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let args = InDialogRequest::read(leg, request, kind, method)?;
        let action = session.with(py, |session| {
            self.0.on_in_dialog_request(
                args.leg,
                session,
                args.method,
                &args.headers.inner,
                args.kind,
            )
        });
        in_dialog_action(py, action)
    }
}

/// The arguments of an in-dialog request on a B2BUA leg, read from Python.
pub(crate) struct InDialogRequest<'a> {
    pub leg: sessiontimer::Leg,
    pub method: sessiontimer::Method,
    pub headers: Cow<'a, TimerHeaders>,
    pub kind: sessiontimer::RefreshKind,
}

impl<'a> InDialogRequest<'a> {
    /// Reads `leg`, the request's headers, `kind` and the method (given or read
    /// from a raw request).
    pub fn read(
        leg: &Bound<'_, PyAny>,
        request: &'a Bound<'_, PyAny>,
        kind: &Bound<'_, PyAny>,
        method: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let headers = read(request)?;
        Ok(InDialogRequest {
            leg: Leg::extract_lenient(leg)?.into(),
            method: method_of(method, &headers)?,
            kind: RefreshKind::extract_lenient(kind)?.into(),
            headers,
        })
    }
}

/// An in-dialog action for Python: the decision to answer with, or `None` to relay.
pub(crate) fn in_dialog_action(
    py: Python<'_>,
    action: sessiontimer::InDialogAction,
) -> PyResult<Option<Bound<'_, PyAny>>> {
    match action {
        sessiontimer::InDialogAction::Consume(d) => decision(py, d).map(Some),
        sessiontimer::InDialogAction::Relay => Ok(None),
    }
}

/// Whether a re-INVITE or UPDATE with SDP `body` only refreshes the session,
/// given the SDP in force on that leg (`o=` lines compared).
#[guarded]
#[pyfunction]
#[pyo3(signature = (method, body=None, in_force=None))]
pub fn classify_refresh(
    method: &Bound<'_, PyAny>,
    body: Option<&str>,
    in_force: Option<&str>,
) -> PyResult<RefreshKind> {
    let in_force = in_force.and_then(sessiontimer::SdpOrigin::parse);
    Ok(sessiontimer::classify_refresh(method_arg(method)?, body, in_force.as_ref()).into())
}
