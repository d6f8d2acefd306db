//! Header input and output. Headers come in as (name, value) pairs, a mapping
//! (a value may be a list of rows), a whole raw SIP message (str or bytes), or
//! a [`TimerHeaders`] parsed once; headers to add go out as (name, value) pairs.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString, PyTuple};
use sessiontimer::MessageSummary;
use sessiontimer_python_guard::guarded;

use crate::enums::Method;
use crate::errors::OrRaise;

/// The session-timer headers of one message, parsed once.
#[pyclass(frozen, eq, module = "sessiontimer")]
#[derive(Clone, PartialEq)]
pub struct TimerHeaders {
    pub(crate) inner: sessiontimer::TimerHeaders,
    /// The method of a raw request; `None` for pairs or a response.
    pub(crate) method: Option<sessiontimer::Method>,
    /// The status of a raw response.
    pub(crate) status: Option<u16>,
}

#[guarded]
#[pymethods]
impl TimerHeaders {
    /// Parses headers given in any accepted form.
    #[new]
    fn py_new(headers: &Bound<'_, PyAny>) -> PyResult<Self> {
        read(headers).map(Cow::into_owned)
    }

    /// Session-Expires in seconds, if present.
    #[getter]
    fn session_expires(&self) -> Option<u32> {
        self.inner.session_expires.as_ref().map(|se| se.interval)
    }

    /// The `refresher` parameter (`"uac"` or `"uas"`), if present.
    #[getter]
    fn refresher(&self) -> Option<&'static str> {
        let se = self.inner.session_expires.as_ref()?;
        se.refresher.map(|r| r.as_str())
    }

    /// Min-SE as written, if present.
    #[getter]
    fn min_se(&self) -> Option<u32> {
        self.inner.min_se.as_ref().map(|m| m.value)
    }

    /// `timer` in Supported or Require.
    #[getter]
    fn supports_timer(&self) -> bool {
        self.inner.supports_timer()
    }

    /// `timer` in Require.
    #[getter]
    fn require_timer(&self) -> bool {
        self.inner.require_timer
    }

    /// `timer` in Unsupported.
    #[getter]
    fn unsupported_timer(&self) -> bool {
        self.inner.unsupported_timer
    }

    /// Whether Allow lists UPDATE (`None` without Allow).
    #[getter]
    fn allow_update(&self) -> Option<bool> {
        self.inner.allow_update
    }

    /// The method of a raw request message.
    #[getter]
    fn method(&self) -> Option<Method> {
        self.method.map(Method::from)
    }

    /// The status code of a raw response message.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.status
    }

    fn __repr__(&self) -> String {
        let mut parts = Vec::new();
        if let Some(se) = &self.inner.session_expires {
            parts.push(format!("session_expires={:?}", se.to_string()));
        }
        if let Some(min_se) = &self.inner.min_se {
            parts.push(format!("min_se={}", min_se.value));
        }
        for (on, name) in [
            (self.inner.supported_timer, "supported_timer"),
            (self.inner.require_timer, "require_timer"),
            (self.inner.proxy_require_timer, "proxy_require_timer"),
            (self.inner.unsupported_timer, "unsupported_timer"),
        ] {
            if on {
                parts.push(format!("{name}=True"));
            }
        }
        format!("TimerHeaders({})", parts.join(", "))
    }
}

/// Reads headers given in any accepted form. Lists and tuples of pairs, the
/// common case, take the fast path: no mapping protocol check, and only the
/// values of session-timer headers are read.
/// Headers parsed once are borrowed, not copied.
pub fn read<'a>(headers: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, TimerHeaders>> {
    if let Ok(parsed) = headers.cast::<TimerHeaders>() {
        return Ok(Cow::Borrowed(parsed.get()));
    }
    let mut inner = sessiontimer::TimerHeaders::default();
    if let Ok(list) = headers.cast::<PyList>() {
        // One C call copies the items into a tuple, whose items are then
        // borrowed: iterating the list itself costs a length call and a
        // reference count per item through the stable ABI.
        for pair in list.to_tuple().iter_borrowed() {
            read_pair(&mut inner, &pair)?;
        }
    } else if let Ok(tuple) = headers.cast::<PyTuple>() {
        for pair in tuple.iter_borrowed() {
            read_pair(&mut inner, &pair)?;
        }
    } else if let Ok(text) = headers.cast::<PyString>() {
        return from_message(text.to_cow()?.as_bytes()).map(Cow::Owned);
    } else if let Ok(bytes) = headers.cast::<PyBytes>() {
        return from_message(bytes.as_bytes()).map(Cow::Owned);
    } else if let Ok(dict) = headers.cast::<PyDict>() {
        for (name, value) in dict.iter() {
            read_entry(&mut inner, &name, &value)?;
        }
    } else if let Ok(mapping) = headers.cast::<PyMapping>() {
        for item in mapping.items()?.iter() {
            let (name, value) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            read_entry(&mut inner, &name, &value)?;
        }
    } else {
        for pair in headers.try_iter()? {
            read_pair(&mut inner, &pair?)?;
        }
    }
    Ok(Cow::Owned(TimerHeaders {
        inner,
        method: None,
        status: None,
    }))
}

/// One `(name, value)` pair.
fn read_pair(inner: &mut sessiontimer::TimerHeaders, pair: &Bound<'_, PyAny>) -> PyResult<()> {
    let pair = pair.cast::<PyTuple>().map_err(|_| {
        PyTypeError::new_err(
            "headers must be (name, value) pairs, a mapping, a raw SIP message or TimerHeaders",
        )
    })?;
    if pair.len() != 2 {
        return Err(PyTypeError::new_err(
            "each header must be a (name, value) pair",
        ));
    }
    match classify(&*pair.get_borrowed_item(0)?)? {
        Some(header) => read_value(inner, header, &*pair.get_borrowed_item(1)?),
        None => Ok(()),
    }
}

/// One mapping entry: a value, or a list of rows.
fn read_entry(
    inner: &mut sessiontimer::TimerHeaders,
    name: &Bound<'_, PyAny>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let Some(header) = classify(name)? else {
        return Ok(());
    };
    if value.is_instance_of::<PyString>() {
        return read_value(inner, header, value);
    }
    for row in value.try_iter()? {
        read_value(inner, header, &row?)?;
    }
    Ok(())
}

/// The session-timer header a name is, if any: rows of other headers are
/// skipped with their values unread. A `str` is read in place on Python 3.10
/// and later (the wheel built there); a wheel for 3.9 (feature `abi3-py39`)
/// can only read a copy.
fn classify(name: &Bound<'_, PyAny>) -> PyResult<Option<sessiontimer::HeaderName>> {
    Ok(sessiontimer::HeaderName::classify(
        &name.cast::<PyString>()?.to_cow()?,
    ))
}

/// Reads one value of a session-timer header.
fn read_value(
    inner: &mut sessiontimer::TimerHeaders,
    header: sessiontimer::HeaderName,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    inner
        .read(header, &value.cast::<PyString>()?.to_cow()?)
        .or_raise()
}

/// A raw message, read by the core's one path (`MessageSummary::read`, which
/// the C library uses too): a byte that is not UTF-8 in a session-timer header
/// is malformed, in any other header it is never read.
fn from_message(raw: &[u8]) -> PyResult<TimerHeaders> {
    let read = MessageSummary::read(raw).or_raise()?;
    Ok(TimerHeaders {
        inner: read.headers,
        method: read.method,
        status: read.status,
    })
}

/// The method of a call: given, or read from a raw request, or INVITE.
pub fn method_of(
    given: Option<&Bound<'_, PyAny>>,
    headers: &TimerHeaders,
) -> PyResult<sessiontimer::Method> {
    match given {
        Some(method) => crate::enums::method_arg(method),
        None => Ok(headers.method.unwrap_or(sessiontimer::Method::Invite)),
    }
}

/// What [`split_message`] returns.
type SplitMessage = (String, Vec<(String, String)>, String, Option<&'static str>);

/// A raw SIP message split by its framing (RFC 3261 section 7): `(start
/// line, [(name, value), ...], body, problem)`, the start line as written,
/// `problem` the first rule of the header section a line broke (that line
/// skipped) or `None`. The core's one reader of a header section (folding,
/// names, size limit); bytes that are not UTF-8 read as U+FFFD. Raises
/// `MalformedMessageError` for a header section over the size limit.
#[guarded]
#[pyfunction]
pub fn split_message(raw: &Bound<'_, PyAny>) -> PyResult<SplitMessage> {
    let text = match raw.cast::<PyBytes>() {
        Ok(bytes) => String::from_utf8_lossy(bytes.as_bytes()).into_owned(),
        Err(_) => raw.cast::<PyString>()?.to_cow()?.into_owned(),
    };
    let split = sessiontimer::RawMessage::split(&text).or_raise()?;
    let headers = split
        .headers
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.into_owned()))
        .collect();
    Ok((
        split.start.to_owned(),
        headers,
        split.body.to_owned(),
        split.problem,
    ))
}
