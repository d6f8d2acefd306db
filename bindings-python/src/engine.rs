//! The timer engine for Python: many sessions' deadlines and their refresh
//! lifecycle. Thread-safe: one lock per engine; `poll`, `snapshot` and
//! `restore` run with the interpreter released.

use pyo3::exceptions::{PyBaseException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use sessiontimer::{ActionKind as CoreKind, EngineConfig, Refreshed, Teardown as CoreTeardown};
use sessiontimer_python_guard::guarded;

use crate::enums::{Method, Named};
use crate::errors::{exception, OrRaise};
use crate::headers::{method_of, read};
use crate::journal::{Change, Owner};
use crate::outcomes::{decision, py_option, Negotiated, RefreshRequest};
use crate::policy::{policy_arg, Policy};
use crate::roles::{in_dialog_action, B2bua, InDialogRequest};
use crate::rows::describe_edits;
use crate::session::Session;
use crate::shared::Shared;
use crate::untracked::{new_untracked, Leaf};

/// How many actions `Engine.poll` takes from the engine between turning
/// them into Python objects: few enough to stay in the CPU's caches.
const POLL_CHUNK: usize = 1024;

py_enum! {
    /// What an action asks the host to do.
    ActionKind {
        SendRefresh = "SEND_REFRESH", "send_refresh",
        SendBye = "SEND_BYE", "send_bye",
        SessionEnded = "SESSION_ENDED", "session_ended",
    }
}

py_enum! {
    /// Why a session was torn down.
    Teardown {
        NoRefreshReceived = "NO_REFRESH_RECEIVED", "no_refresh_received",
        RefreshUnanswered = "REFRESH_UNANSWERED", "refresh_unanswered",
        RefreshRejected = "REFRESH_REJECTED", "refresh_rejected",
        TooMany422 = "TOO_MANY_422", "too_many_422",
        Expired = "EXPIRED", "expired",
        RemovedByHost = "REMOVED_BY_HOST", "removed_by_host",
    }
}

impl Teardown {
    /// The reason and, for a rejection, its status code.
    fn split(reason: CoreTeardown) -> (Teardown, Option<u16>) {
        match reason {
            CoreTeardown::NoRefreshReceived => (Teardown::NoRefreshReceived, None),
            CoreTeardown::RefreshUnanswered => (Teardown::RefreshUnanswered, None),
            CoreTeardown::RefreshRejected(status) => (Teardown::RefreshRejected, Some(status)),
            CoreTeardown::TooMany422 => (Teardown::TooMany422, None),
            CoreTeardown::Expired => (Teardown::Expired, None),
            CoreTeardown::RemovedByHost => (Teardown::RemovedByHost, None),
        }
    }
}

/// One thing the host must do now.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct Action {
    /// The session's key.
    #[pyo3(get)]
    pub key: u64,
    /// When it was due.
    #[pyo3(get)]
    pub at_ms: u64,
    detail: Detail,
}

/// What an action asks beyond its key and time, in 16 bytes: a poll of
/// 100,000 teardowns makes 100,000 objects, and their size is most of what
/// the poll costs (the fresh memory's page faults).
#[derive(Clone, PartialEq)]
enum Detail {
    Refresh(Box<sessiontimer::RefreshRequest>),
    Bye(CoreTeardown),
    Ended(CoreTeardown),
}

const _: () = assert!(std::mem::size_of::<Detail>() == 16);

impl Detail {
    fn kind(&self) -> ActionKind {
        match self {
            Detail::Refresh(_) => ActionKind::SendRefresh,
            Detail::Bye(_) => ActionKind::SendBye,
            Detail::Ended(_) => ActionKind::SessionEnded,
        }
    }

    fn teardown(&self) -> Option<CoreTeardown> {
        match self {
            Detail::Refresh(_) => None,
            Detail::Bye(reason) | Detail::Ended(reason) => Some(*reason),
        }
    }

    fn refresh(&self) -> Option<&sessiontimer::RefreshRequest> {
        match self {
            Detail::Refresh(request) => Some(request),
            Detail::Bye(_) | Detail::Ended(_) => None,
        }
    }
}

#[guarded]
#[pymethods]
impl Action {
    /// What to do.
    #[getter]
    fn kind(&self) -> ActionKind {
        self.detail.kind()
    }

    /// For `SEND_REFRESH`: the request to send.
    #[getter]
    fn refresh(&self) -> Option<RefreshRequest> {
        self.detail.refresh().cloned().map(RefreshRequest::from)
    }

    /// For `SEND_BYE` and `SESSION_ENDED`: why.
    #[getter]
    fn reason(&self) -> Option<Teardown> {
        self.detail.teardown().map(|t| Teardown::split(t).0)
    }

    /// For `Teardown.REFRESH_REJECTED`: the status code.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.detail.teardown().and_then(|t| Teardown::split(t).1)
    }

    /// The refresh's method (`Method.UPDATE` or `Method.INVITE`; `str()` of
    /// it is the SIP name), if any: the same as `refresh.method`.
    #[getter]
    fn method(&self) -> Option<Method> {
        self.detail.refresh().map(|r| r.method.into())
    }

    /// For `SEND_BYE`: the BYE's `Reason` header (RFC 3326), as the library
    /// words it for the teardown.
    #[getter]
    fn bye_reason(&self) -> Option<String> {
        match self.detail {
            Detail::Bye(reason) => reason.bye_reason(),
            _ => None,
        }
    }

    /// The refresh's session-timer headers (empty for a teardown).
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        match self.detail.refresh() {
            Some(refresh) => crate::rows::to_py(py, &refresh.headers),
            None => Ok(PyList::empty(py)),
        }
    }

    fn __repr__(&self) -> String {
        let detail = match &self.detail {
            Detail::Refresh(r) => format!(
                ", method='{}', headers={}",
                Method::from(r.method).text(),
                describe_edits(&r.headers)
            ),
            Detail::Bye(reason) | Detail::Ended(reason) => {
                let (reason, status) = Teardown::split(*reason);
                format!(
                    ", reason=Teardown.{}, status={}",
                    reason.text().to_uppercase(),
                    py_option(status)
                )
            }
        };
        format!(
            "Action(key={}, at_ms={}, kind=ActionKind.{}{detail})",
            self.key,
            self.at_ms,
            self.detail.kind().text().to_uppercase()
        )
    }
}

impl Leaf for Action {}

impl From<sessiontimer::Action> for Action {
    fn from(action: sessiontimer::Action) -> Self {
        let detail = match action.kind {
            CoreKind::SendRefresh(request) => Detail::Refresh(Box::new(request)),
            CoreKind::SendBye(reason) => Detail::Bye(reason),
            CoreKind::SessionEnded(reason) => Detail::Ended(reason),
        };
        Action {
            key: action.key,
            at_ms: action.at_ms,
            detail,
        }
    }
}

/// Many sessions' timers and their refresh lifecycle, keyed by integers the
/// host chooses. Sans-I/O: pass `now_ms` from your own monotonic clock.
#[pyclass(frozen, module = "sessiontimer")]
pub struct Engine(Shared<sessiontimer::Engine>);

impl Engine {
    /// The engine's settings: each one given, or `EngineConfig::default()`'s
    /// (the core holds every default; the binding copies none).
    fn config(
        policy: Option<Policy>,
        max_sessions: Option<usize>,
        refresh_jitter_ms: Option<u32>,
        retry_delay_ms: Option<u32>,
        max_refresh_retries: Option<u8>,
        seed: Option<u64>,
    ) -> EngineConfig {
        let default = EngineConfig::default();
        EngineConfig {
            policy: policy_arg(policy),
            max_sessions: max_sessions.unwrap_or(default.max_sessions),
            refresh_jitter_ms: refresh_jitter_ms.unwrap_or(default.refresh_jitter_ms),
            retry_delay_ms: retry_delay_ms.unwrap_or(default.retry_delay_ms),
            max_refresh_retries: max_refresh_retries.unwrap_or(default.max_refresh_retries),
            seed: seed.unwrap_or(default.seed),
        }
    }
}

#[guarded]
#[pymethods]
impl Engine {
    /// An empty engine. `policy`: the policy of every session (RFC defaults
    /// when `None`); the rest as `EngineConfig` in the Rust core, each left
    /// at `None` taking the core's default.
    #[new]
    #[pyo3(signature = (policy=None, *, max_sessions=None, refresh_jitter_ms=None, retry_delay_ms=None, max_refresh_retries=None, seed=None))]
    fn py_new(
        policy: Option<Policy>,
        max_sessions: Option<usize>,
        refresh_jitter_ms: Option<u32>,
        retry_delay_ms: Option<u32>,
        max_refresh_retries: Option<u8>,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        let config = Engine::config(
            policy,
            max_sessions,
            refresh_jitter_ms,
            retry_delay_ms,
            max_refresh_retries,
            seed,
        );
        sessiontimer::Engine::new(config)
            .map(|e| Engine(Shared::new(e)))
            .or_raise()
    }

    /// An engine rebuilt from `snapshot()` bytes, with these settings (which
    /// are the host's, not part of the snapshot).
    #[staticmethod]
    #[pyo3(signature = (data, policy=None, *, max_sessions=None, refresh_jitter_ms=None, retry_delay_ms=None, max_refresh_retries=None, seed=None))]
    #[allow(clippy::too_many_arguments)]
    fn restore(
        py: Python<'_>,
        data: &[u8],
        policy: Option<Policy>,
        max_sessions: Option<usize>,
        refresh_jitter_ms: Option<u32>,
        retry_delay_ms: Option<u32>,
        max_refresh_retries: Option<u8>,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        let config = Engine::config(
            policy,
            max_sessions,
            refresh_jitter_ms,
            retry_delay_ms,
            max_refresh_retries,
            seed,
        );
        py.detach(|| sessiontimer::Engine::restore(config, data))
            .map(|e| Engine(Shared::new(e)))
            .or_raise()
    }

    /// The policy of every session.
    #[getter]
    fn policy(&self, py: Python<'_>) -> Policy {
        Policy(self.0.with(py, |e| e.config().policy))
    }

    /// Every setting, as keyword arguments for `Engine(**settings)`.
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let config = self.0.with(py, |e| *e.config());
        let d = PyDict::new(py);
        d.set_item("policy", Policy(config.policy))?;
        d.set_item("max_sessions", config.max_sessions)?;
        d.set_item("refresh_jitter_ms", config.refresh_jitter_ms)?;
        d.set_item("retry_delay_ms", config.retry_delay_ms)?;
        d.set_item("max_refresh_retries", config.max_refresh_retries)?;
        d.set_item("seed", config.seed)?;
        Ok(d)
    }

    /// Reserves room for `additional` more sessions, at most up to
    /// `max_sessions`; `OutOfMemoryError` when the memory cannot be had.
    fn reserve(&self, py: Python<'_>, additional: usize) -> PyResult<()> {
        self.0.detached(py, |e| e.reserve(additional)).or_raise()
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.0.with(py, |e| e.len())
    }

    fn __contains__(&self, py: Python<'_>, key: u64) -> bool {
        self.0.with(py, |e| e.session(key).is_some())
    }

    /// The counters of what the engine did, by name.
    #[getter]
    fn counters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.0.with(py, |e| e.counters());
        let d = PyDict::new(py);
        for (name, value) in [
            ("established", c.established),
            ("refreshes_sent", c.refreshes_sent),
            ("refreshes_succeeded", c.refreshes_succeeded),
            ("no_refresh_received", c.no_refresh_received),
            ("refresh_unanswered", c.refresh_unanswered),
            ("refresh_rejected", c.refresh_rejected),
            ("too_many_422", c.too_many_422),
            ("expired", c.expired),
            ("removed_by_host", c.removed_by_host),
        ] {
            d.set_item(name, value)?;
        }
        Ok(d)
    }

    /// The session under `key`, if any (a copy).
    fn session(&self, py: Python<'_>, key: u64) -> PyResult<Option<Py<Session>>> {
        let session = self.0.with(py, |e| e.session(key));
        session
            .map(|session| new_untracked(py, Session::wrap(session)))
            .transpose()
    }

    /// Starts tracking a dialog's session under `key`: a `Session`, or the
    /// `Negotiated` timer (or `None`) a decision settled on with `now_ms`, when
    /// its 2xx went out or came in.
    #[pyo3(signature = (key, session, now_ms=None))]
    fn establish(
        &self,
        py: Python<'_>,
        key: u64,
        session: &Bound<'_, PyAny>,
        now_ms: Option<u64>,
    ) -> PyResult<()> {
        let session = session_of(py, session, now_ms)?;
        self.0.with(py, |e| e.establish(key, session)).or_raise()
    }

    /// Many `establish` calls at once, in order, each a `(key, session)` or
    /// `(key, timer, now_ms)` tuple (the arguments of `establish`), applied
    /// with the interpreter released; the engine fetches the memory of the
    /// sessions ahead, as `refreshed_batch` does. An item of the wrong shape
    /// fails the call before any applies. Returns `(position, error)` for
    /// each session that failed (a key in use: `DuplicateSessionError`; the
    /// cap: `EngineFullError`); the others are established.
    fn establish_batch(
        &self,
        py: Python<'_>,
        sessions: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<(usize, Py<PyBaseException>)>> {
        let sessions = sessions
            .try_iter()?
            .map(|item| {
                let item = item?;
                let item = item.cast::<PyTuple>()?;
                let key = item.get_item(0)?.extract::<u64>()?;
                let now_ms = match item.len() {
                    2 => None,
                    3 => Some(item.get_item(2)?.extract::<u64>()?),
                    _ => return Err(PyTypeError::new_err(ESTABLISH_ITEM)),
                };
                Ok((key, session_of(py, &item.get_item(1)?, now_ms)?))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let failed = self.0.detached(py, |e| e.establish_batch(&sessions));
        failures(py, failed)
    }

    /// Starts tracking a proxy's view of a session: the interval of the 2xx it
    /// forwarded at `now_ms`. It ends with `SESSION_ENDED`, never BYE.
    fn establish_proxy(
        &self,
        py: Python<'_>,
        key: u64,
        interval: u32,
        now_ms: u64,
    ) -> PyResult<()> {
        self.0
            .with(py, |e| e.establish_proxy(key, interval, now_ms))
            .or_raise()
    }

    /// A 2xx to an INVITE or UPDATE on the dialog was sent or received at
    /// `now_ms`: the timer becomes `timer` and restarts.
    fn refreshed(
        &self,
        py: Python<'_>,
        key: u64,
        now_ms: u64,
        timer: Option<Negotiated>,
    ) -> PyResult<()> {
        let timer = timer.map(Into::into);
        self.0
            .with(py, |e| e.refreshed(key, now_ms, timer))
            .or_raise()
    }

    /// Many `refreshed` reports at once, in order, each a `(key, now_ms,
    /// timer)` tuple, applied with the interpreter released. The engine
    /// overlaps the lookups of a batch, which pays when sessions outgrow the
    /// CPU's caches (a million); with fewer, building the tuples costs about
    /// what the calls save. Returns `(position, error)` for each report that
    /// failed (an unknown key: `UnknownSessionError`); the others apply.
    fn refreshed_batch(
        &self,
        py: Python<'_>,
        reports: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<(usize, Py<PyBaseException>)>> {
        let reports = reports
            .try_iter()?
            .map(|report| {
                let (key, now_ms, timer) = report?.extract::<(u64, u64, Option<Negotiated>)>()?;
                Ok(Refreshed {
                    key,
                    now_ms,
                    timer: timer.map(Into::into),
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let failed = self.0.detached(py, |e| e.refreshed_batch(&reports));
        failures(py, failed)
    }

    /// A mid-dialog INVITE or UPDATE from the peer: the UAS decision. Call
    /// `refreshed` with its timer when the 2xx is sent.
    #[pyo3(signature = (key, request, method=None))]
    fn answer<'py>(
        &self,
        py: Python<'py>,
        key: u64,
        request: &Bound<'py, PyAny>,
        method: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = read(request)?;
        let method = method_of(method, &request)?;
        let answer = self
            .0
            .with(py, |e| e.answer(key, method, &request.inner))
            .or_raise()?;
        decision(py, answer)
    }

    /// A mid-dialog INVITE or UPDATE on one leg of `b2bua`, whose session this
    /// engine holds: the decision when the leg consumes it (answer it there,
    /// then call `refreshed`), `None` to relay it to the other leg.
    #[pyo3(signature = (key, b2bua, leg, request, kind, method=None))]
    #[allow(clippy::too_many_arguments)]
    fn on_in_dialog_request<'py>(
        &self,
        py: Python<'py>,
        key: u64,
        b2bua: &B2bua,
        leg: &Bound<'py, PyAny>,
        request: &Bound<'py, PyAny>,
        kind: &Bound<'py, PyAny>,
        method: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let args = InDialogRequest::read(leg, request, kind, method)?;
        let action = self
            .0
            .with(py, |e| {
                e.on_in_dialog_request(
                    key,
                    &b2bua.0,
                    args.leg,
                    args.method,
                    &args.headers.inner,
                    args.kind,
                )
            })
            .or_raise()?;
        in_dialog_action(py, action)
    }

    /// The final response to a refresh arrived at `now_ms` (a timeout is 408).
    #[pyo3(signature = (key, now_ms, status, response=None))]
    fn on_refresh_response(
        &self,
        py: Python<'_>,
        key: u64,
        now_ms: u64,
        status: u16,
        response: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let response = match response {
            Some(r) => read(r)?.into_owned().inner,
            None => sessiontimer::TimerHeaders::default(),
        };
        self.0
            .with(py, |e| {
                e.on_refresh_response(key, now_ms, status, &response)
            })
            .or_raise()
    }

    /// The host starts an offer of its own on the dialog (a hold or codec
    /// change re-INVITE or UPDATE, carrying the session's timer headers): a
    /// refresh that falls due meanwhile waits for it, and the offer's 2xx,
    /// reported with `on_refresh_response`, counts as the refresh; a failure
    /// sends the waiting refresh at once. `False` while a refresh of ours is in
    /// flight: wait for its answer, then start the offer (RFC 3261 section 14.1).
    fn offer_started(&self, py: Python<'_>, key: u64) -> PyResult<bool> {
        self.0.with(py, |e| e.offer_started(key)).or_raise()
    }

    /// Forgets the session under `key`, returning it.
    fn remove(&self, py: Python<'_>, key: u64) -> PyResult<Py<Session>> {
        let session = self.0.with(py, |e| e.remove(key)).or_raise()?;
        new_untracked(py, Session::wrap(session))
    }

    /// Many `remove` calls at once, in order, applied with the interpreter
    /// released (a host ending many dialogs at once); the sessions are
    /// dropped. Returns `(position, error)` for each key that failed (an
    /// unknown key: `UnknownSessionError`); the others are removed.
    fn remove_batch(
        &self,
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<(usize, Py<PyBaseException>)>> {
        let keys = keys
            .try_iter()?
            .map(|key| key?.extract::<u64>())
            .collect::<PyResult<Vec<_>>>()?;
        let failed = self.0.detached(py, |e| e.remove_batch(&keys));
        failures(py, failed)
    }

    /// When to call `poll` next (a lower bound), `None` when no timer runs.
    fn next_deadline(&self, py: Python<'_>) -> Option<u64> {
        self.0.with(py, |e| e.next_deadline())
    }

    /// The actions due at or before `now_ms`, in deadline order (at most
    /// `limit` of them; the rest stay due). Actions hold no Python objects, so
    /// the cyclic collector does not track them.
    ///
    /// The engine runs with the interpreter released, `POLL_CHUNK` actions at
    /// a time, each chunk turned into Python objects before the next: a poll
    /// of 100,000 actions used to gather them all first, 7 MB of fresh memory
    /// whose page faults cost about a fifth of the poll.
    #[pyo3(signature = (now_ms, limit=None))]
    fn poll(&self, py: Python<'_>, now_ms: u64, limit: Option<usize>) -> PyResult<Vec<Py<Action>>> {
        let mut left = limit.unwrap_or(usize::MAX);
        let mut actions = Vec::new();
        let mut chunk = Vec::with_capacity(POLL_CHUNK.min(left));
        while left > 0 {
            let wanted = POLL_CHUNK.min(left);
            self.0.detached(py, |e| {
                chunk.extend(std::iter::from_fn(|| e.poll(now_ms)).take(wanted))
            });
            left = if chunk.len() < wanted {
                0
            } else {
                left - wanted
            };
            for action in chunk.drain(..) {
                actions.push(new_untracked(py, Action::from(action))?);
            }
        }
        Ok(actions)
    }

    /// The whole engine as bytes (poll first: unpolled actions are not kept).
    fn snapshot<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = self.0.detached(py, |e| e.snapshot());
        PyBytes::new(py, &bytes)
    }

    /// The session under `key` as bytes, its deadline included.
    fn snapshot_session<'py>(&self, py: Python<'py>, key: u64) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.0.with(py, |e| e.snapshot_session(key)).or_raise()?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Takes over a session from `snapshot_session` bytes, returning its key.
    fn restore_session(&self, py: Python<'_>, data: &[u8]) -> PyResult<u64> {
        self.0.with(py, |e| e.restore_session(data)).or_raise()
    }

    /// Turns the change journal on (or off, dropping what it held). Turning it
    /// on notes every session held as `ESTABLISHED`, so the first drain gives
    /// a store the whole state.
    #[pyo3(signature = (on=true))]
    fn track_changes(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        self.0.with(py, |e| e.track_changes(on));
        Ok(())
    }

    /// The owner written in replica records: this node and its lease's epoch.
    #[getter]
    fn owner(&self, py: Python<'_>) -> PyResult<Owner> {
        Ok(self.0.with(py, |e| e.owner()).into())
    }

    /// Sets the owner written in replica records; with the journal on, every
    /// session is noted as `UPDATED`, so the store gets the new owner.
    #[setter]
    fn set_owner(&self, py: Python<'_>, owner: Owner) -> PyResult<()> {
        self.0.with(py, |e| e.set_owner(owner.into()));
        Ok(())
    }

    /// How many sessions changed since the last drain.
    fn pending_changes(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.0.with(py, |e| e.pending_changes()))
    }

    /// The sessions that changed since the last drain, each once, in the order
    /// of their first change, with their replica records.
    fn drain_changes(&self, py: Python<'_>) -> PyResult<Vec<Py<Change>>> {
        let changes = self.0.detached(py, |e| e.drain_changes());
        changes
            .into_iter()
            .map(|change| new_untracked(py, Change::new(py, change)))
            .collect()
    }

    /// The replica record of the session under `key`, with this engine's owner.
    fn replica<'py>(&self, py: Python<'py>, key: u64) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.0.with(py, |e| e.replica(key)).or_raise()?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Takes over a session at `now_ms` from a replica record (or
    /// `snapshot_session` bytes): its key and the owner the record names. A
    /// deadline that passed while nobody owned it is due now.
    fn adopt(&self, py: Python<'_>, data: &[u8], now_ms: u64) -> PyResult<(u64, Owner)> {
        let (key, owner) = self.0.with(py, |e| e.adopt(data, now_ms)).or_raise()?;
        Ok((key, owner.into()))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("Engine(sessions={})", self.__len__(py)?))
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let rebuild = py.import("sessiontimer._pickle")?.getattr("engine")?;
        let args = (self.settings(py)?, self.snapshot(py)?).into_pyobject(py)?;
        Ok((rebuild, args))
    }
}

/// What `establish_batch` takes, for its type error.
const ESTABLISH_ITEM: &str = "establish_batch takes (key, session) or (key, timer, now_ms) tuples";

/// The core session `establish` tracks: a `Session`, or a `Negotiated` timer
/// (or `None`) started at `now_ms`.
fn session_of(
    py: Python<'_>,
    session: &Bound<'_, PyAny>,
    now_ms: Option<u64>,
) -> PyResult<sessiontimer::Session> {
    // The timer is tried first: a host that establishes many sessions
    // passes their timers, and a failed type check costs a little.
    Ok(match now_ms {
        Some(now_ms) => match session.extract::<Option<Negotiated>>() {
            Ok(timer) => {
                sessiontimer::Session::started(timer.map(Into::into), now_ms).or_raise()?
            }
            Err(_) if session.cast::<Session>().is_ok() => {
                return Err(PyTypeError::new_err(
                    "now_ms goes with a Negotiated timer; a Session keeps its own time",
                ))
            }
            Err(error) => return Err(error.into()),
        },
        None => match session.cast::<Session>() {
            Ok(session) => session.get().core(py),
            Err(_) => {
                return Err(PyTypeError::new_err(
                    "establish takes a Session, or a Negotiated timer and now_ms",
                ))
            }
        },
    })
}

/// A batch's failures as `(position, exception)` pairs.
fn failures(
    py: Python<'_>,
    failed: Vec<(usize, sessiontimer::Error)>,
) -> PyResult<Vec<(usize, Py<PyBaseException>)>> {
    failed
        .iter()
        .map(|(n, error)| Ok((*n, exception(py, error)?)))
        .collect()
}
