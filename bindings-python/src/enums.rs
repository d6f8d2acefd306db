//! The core's enums as Python enums: each a real `enum.Enum` (a subclass of
//! `sessiontimer._enums.NamedEnum`) made at import from the member lists
//! below, so `list(Mode)` works and the members cannot drift from the core's
//! (the conversions to and from the core's enums are exhaustive matches).
//! Each member is also its text name (its lowercase name, or the SIP method),
//! which settings accept in its place: `Policy(mode="required")`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};
use sessiontimer_python_guard::guarded;

/// Defines a Python enum mirroring a core enum: a [`py_enum!`] with
/// conversions both ways.
macro_rules! mirror_enum {
    (
        $(#[doc = $doc:literal])*
        $name:ident => $core:ty $([$flag:ident])? {
            $($variant:ident = $py:literal, $text:literal => $core_variant:path),+ $(,)?
        }
    ) => {
        py_enum! {
            $(#[doc = $doc])*
            $name $([$flag])? { $($variant = $py, $text),+ }
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $core_variant,)+
                }
            }
        }

        impl From<$core> for $name {
            fn from(value: $core) -> Self {
                match value {
                    $($core_variant => $name::$variant,)+
                }
            }
        }
    };
}

/// Defines a Rust enum shown to Python as a `NamedEnum` subclass, with
/// conversions to and from its Python members.
macro_rules! py_enum {
    (
        $(#[doc = $doc:literal])*
        $name:ident $([$flag:ident])? { $($variant:ident = $py:literal, $text:literal),+ $(,)? }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )+
        }

        impl $crate::enums::Named for $name {
            const TYPE: &'static str = stringify!($name);
            const DOC: &'static str = concat!($($doc, "\n"),*);
            const ALL: &'static [(&'static str, &'static str, Self)] =
                &[$(($py, $text, $name::$variant)),+];
            $(const CASE_SENSITIVE: bool = { let _ = stringify!($flag); true };)?

            fn class_cell() -> &'static pyo3::sync::PyOnceLock<$crate::enums::EnumClass> {
                static CLASS: pyo3::sync::PyOnceLock<$crate::enums::EnumClass> =
                    pyo3::sync::PyOnceLock::new();
                &CLASS
            }
        }

        impl<'py> pyo3::IntoPyObject<'py> for $name {
            type Target = pyo3::PyAny;
            type Output = pyo3::Bound<'py, pyo3::PyAny>;
            type Error = pyo3::PyErr;

            fn into_pyobject(self, py: pyo3::Python<'py>) -> pyo3::PyResult<Self::Output> {
                $crate::enums::Named::member(self, py)
            }
        }

        impl<'py> pyo3::IntoPyObject<'py> for &$name {
            type Target = pyo3::PyAny;
            type Output = pyo3::Bound<'py, pyo3::PyAny>;
            type Error = pyo3::PyErr;

            fn into_pyobject(self, py: pyo3::Python<'py>) -> pyo3::PyResult<Self::Output> {
                $crate::enums::Named::member(*self, py)
            }
        }

        impl<'a, 'py> pyo3::FromPyObject<'a, 'py> for $name {
            type Error = pyo3::PyErr;

            fn extract(obj: pyo3::Borrowed<'a, 'py, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                $crate::enums::Named::extract_lenient(&obj)
            }
        }
    };
}

/// A Python enum class and its members, in [`Named::ALL`]'s order.
pub struct EnumClass {
    class: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

/// A Rust enum shown to Python as a `NamedEnum`.
pub trait Named: Copy + PartialEq + 'static {
    /// The Python class name.
    const TYPE: &'static str;
    /// The class's docstring.
    const DOC: &'static str;
    /// Every member: its Python name, its text name (the member's value).
    const ALL: &'static [(&'static str, &'static str, Self)];
    /// Whether text names match in their exact case only (a SIP method).
    const CASE_SENSITIVE: bool = false;

    /// Where the Python class is kept once made.
    fn class_cell() -> &'static PyOnceLock<EnumClass>;

    /// The Python class, made on first use.
    fn class(py: Python<'_>) -> PyResult<&EnumClass> {
        Self::class_cell().get_or_try_init(py, || make_class::<Self>(py))
    }

    /// The Python member of `self`.
    fn member(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let index = Self::ALL.iter().position(|(_, _, m)| *m == self);
        let class = Self::class(py)?;
        Ok(class.members[index.unwrap_or(0)].bind(py).clone())
    }

    /// The member's text name.
    fn text(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, _, m)| *m == self)
            .map_or("", |(_, t, _)| t)
    }

    /// The member named `text` (in any case unless `CASE_SENSITIVE`), or `ValueError`.
    fn parse(text: &str) -> PyResult<Self> {
        Self::ALL
            .iter()
            .find(|(_, t, _)| *t == text || (!Self::CASE_SENSITIVE && t.eq_ignore_ascii_case(text)))
            .map(|(_, _, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, t, _)| *t).collect();
                pyo3::exceptions::PyValueError::new_err(format!(
                    "{text:?} is not a {}; expected one of {}",
                    Self::TYPE,
                    names.join(", ")
                ))
            })
    }

    /// A member given as itself or as its text name (a member is a `str`).
    fn extract_lenient(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        match value.cast::<PyString>() {
            Ok(text) => Self::parse(&text.to_cow()?),
            Err(_) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "expected a {} or its name, got {}",
                Self::TYPE,
                value.get_type().name()?
            ))),
        }
    }
}

/// Makes `T`'s class: `NamedEnum(TYPE, [(name, text), ...])` in the
/// `sessiontimer` module, with `T`'s docstring.
fn make_class<T: Named>(py: Python<'_>) -> PyResult<EnumClass> {
    let base = py.import("sessiontimer._enums")?.getattr("NamedEnum")?;
    let names: Vec<(&str, &str)> = T::ALL.iter().map(|(n, t, _)| (*n, *t)).collect();
    let options = PyDict::new(py);
    options.set_item("module", "sessiontimer")?;
    options.set_item("qualname", T::TYPE)?;
    let class = base.call((T::TYPE, names), Some(&options))?;
    let doc: Vec<&str> = T::DOC.lines().map(str::trim).collect();
    class.setattr("__doc__", doc.join("\n").trim())?;
    let members = T::ALL
        .iter()
        .map(|(name, _, _)| class.getattr(*name).map(Bound::unbind))
        .collect::<PyResult<_>>()?;
    Ok(EnumClass {
        class: class.cast_into::<PyType>()?.unbind(),
        members,
    })
}

/// Adds `T`'s class to `module`.
pub fn add_class<T: Named>(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let class = T::class(module.py())?.class.bind(module.py());
    module.add(T::TYPE, class)
}

mirror_enum! {
    /// Whether and how much a party wants session timers.
    Mode => sessiontimer::Mode {
        Off = "OFF", "off" => sessiontimer::Mode::Off,
        Accept = "ACCEPT", "accept" => sessiontimer::Mode::Accept,
        Originate = "ORIGINATE", "originate" => sessiontimer::Mode::Originate,
        Required = "REQUIRED", "required" => sessiontimer::Mode::Required,
        Always = "ALWAYS", "always" => sessiontimer::Mode::Always,
    }
}

mirror_enum! {
    /// Who should refresh when the choice is ours.
    RefresherPreference => sessiontimer::RefresherPreference {
        Auto = "AUTO", "auto" => sessiontimer::RefresherPreference::Auto,
        Local = "LOCAL", "local" => sessiontimer::RefresherPreference::Local,
        Remote = "REMOTE", "remote" => sessiontimer::RefresherPreference::Remote,
        Uac = "UAC", "uac" => sessiontimer::RefresherPreference::Uac,
        Uas = "UAS", "uas" => sessiontimer::RefresherPreference::Uas,
    }
}

mirror_enum! {
    /// How refreshes are sent.
    RefreshMethod => sessiontimer::RefreshMethod {
        Auto = "AUTO", "auto" => sessiontimer::RefreshMethod::Auto,
        ReInviteOnly = "REINVITE_ONLY", "reinvite_only" => sessiontimer::RefreshMethod::ReInviteOnly,
    }
}

mirror_enum! {
    /// When the non-refresher sends BYE before expiry.
    ByeMargin => sessiontimer::ByeMargin {
        Rfc = "RFC", "rfc" => sessiontimer::ByeMargin::Rfc,
        OneTenth = "ONE_TENTH", "one_tenth" => sessiontimer::ByeMargin::OneTenth,
        Nothing = "NONE", "none" => sessiontimer::ByeMargin::None,
    }
}

mirror_enum! {
    /// Which side of the dialog refreshes: us or the peer.
    Side => sessiontimer::Side {
        Local = "LOCAL", "local" => sessiontimer::Side::Local,
        Remote = "REMOTE", "remote" => sessiontimer::Side::Remote,
    }
}

mirror_enum! {
    /// Who refreshes, relative to one transaction: its client or its server
    /// (the `refresher` parameter of Session-Expires).
    Refresher => sessiontimer::Refresher {
        Uac = "UAC", "uac" => sessiontimer::Refresher::Uac,
        Uas = "UAS", "uas" => sessiontimer::Refresher::Uas,
    }
}

mirror_enum! {
    /// A request method, as far as session timers care.
    Method => sessiontimer::Method [case_sensitive] {
        Invite = "INVITE", "INVITE" => sessiontimer::Method::Invite,
        Update = "UPDATE", "UPDATE" => sessiontimer::Method::Update,
        Other = "OTHER", "OTHER" => sessiontimer::Method::Other,
    }
}

mirror_enum! {
    /// A back-to-back UA's leg.
    Leg => sessiontimer::Leg {
        Inbound = "INBOUND", "inbound" => sessiontimer::Leg::Inbound,
        Outbound = "OUTBOUND", "outbound" => sessiontimer::Leg::Outbound,
    }
}

mirror_enum! {
    /// Whether an in-dialog re-INVITE or UPDATE only refreshes the session.
    RefreshKind => sessiontimer::RefreshKind {
        PureRefresh = "PURE_REFRESH", "pure_refresh" => sessiontimer::RefreshKind::PureRefresh,
        SessionChange = "SESSION_CHANGE", "session_change" => sessiontimer::RefreshKind::SessionChange,
    }
}

/// Which way a [`Method`] argument is read: a member, or any method name
/// (names other than INVITE and UPDATE are `Method.OTHER`).
pub fn method_arg(value: &Bound<'_, PyAny>) -> PyResult<sessiontimer::Method> {
    match value.cast::<PyString>() {
        Ok(text) => Ok(sessiontimer::Method::from_name(&text.to_cow()?)),
        Err(_) => Ok(value.extract::<Method>()?.into()),
    }
}

/// The module's every enum, for [`add_all`] and [`_member`].
macro_rules! every_enum {
    ($($t:ty),+ $(,)?) => {
        /// Adds every enum class to the native module.
        pub fn add_all(module: &Bound<'_, PyModule>) -> PyResult<()> {
            $(add_class::<$t>(module)?;)+
            Ok(())
        }

        /// The member of the enum `type_name` named `text`. `NamedEnum`'s
        /// lookup calls it, so the rule for names lives here only.
        #[guarded]
        #[pyfunction]
        pub fn _member<'py>(py: Python<'py>, type_name: &str, text: &str) -> PyResult<Bound<'py, PyAny>> {
            $(
                if type_name == <$t as Named>::TYPE {
                    return <$t as Named>::parse(text)?.member(py);
                }
            )+
            Err(pyo3::exceptions::PyValueError::new_err(format!("{type_name:?} is not an enum of sessiontimer")))
        }
    };
}

every_enum!(
    Mode,
    RefresherPreference,
    RefreshMethod,
    ByeMargin,
    Side,
    Refresher,
    Method,
    Leg,
    RefreshKind,
    crate::engine::ActionKind,
    crate::engine::Teardown,
    crate::journal::ChangeKind,
);
