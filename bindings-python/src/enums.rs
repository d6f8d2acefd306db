//! The core's enums as Python enums. Each member also has a text form (its
//! lowercase name, or the SIP method), which settings accept in place of the
//! member: `Policy(mode="required")`.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Defines a Python enum mirroring a core enum: a [`py_enum!`] with
/// conversions both ways.
macro_rules! mirror_enum {
    (
        $(#[$doc:meta])*
        $name:ident => $core:ty $([$flag:ident])? {
            $($variant:ident = $py:literal, $text:literal => $core_variant:path),+ $(,)?
        }
    ) => {
        py_enum! {
            $(#[$doc])*
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

/// Defines a Python enum with text names, `__str__` and pickling.
macro_rules! py_enum {
    (
        $(#[$doc:meta])*
        $name:ident $([$flag:ident])? { $($variant:ident = $py:literal, $text:literal),+ $(,)? }
    ) => {
        $(#[$doc])*
        #[pyclass(eq, frozen, hash, from_py_object, module = "sessiontimer")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`")]
                #[pyo3(name = $py)]
                $variant,
            )+
        }

        impl Named for $name {
            const TYPE: &'static str = stringify!($name);
            const ALL: &'static [(&'static str, Self)] = &[$(($text, $name::$variant)),+];
            $(const CASE_SENSITIVE: bool = { let _ = stringify!($flag); true };)?
        }

        #[pymethods]
        impl $name {
            fn __str__(&self) -> &'static str {
                self.text()
            }

            fn __repr__(&self) -> String {
                format!("{}.{}", stringify!($name), self.member())
            }

            fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, pyo3::types::PyTuple>)> {
                let getattr = py.import("builtins")?.getattr("getattr")?;
                let class = py.get_type::<$name>();
                let name = pyo3::types::PyString::new(py, self.member());
                Ok((getattr, pyo3::types::PyTuple::new(py, [class.into_any(), name.into_any()])?))
            }

            /// The member for a text name: any case, except a method's, which
            /// is case-sensitive as in the core (RFC 3261 section 7.1).
            #[staticmethod]
            fn from_str(text: &str) -> PyResult<Self> {
                Self::parse(text)
            }
        }

        impl $name {
            fn member(self) -> &'static str {
                match self {
                    $($name::$variant => $py,)+
                }
            }
        }
    };
}

/// Text names of a mirrored enum.
pub trait Named: Copy + 'static + for<'a, 'py> FromPyObject<'a, 'py> {
    /// The Python class name.
    const TYPE: &'static str;
    /// Every member with its text name.
    const ALL: &'static [(&'static str, Self)];

    /// Whether text names match in their exact case only (a SIP method).
    const CASE_SENSITIVE: bool = false;

    /// The member's text name.
    fn text(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("", |(t, _)| t)
    }

    /// The member named `text` (in any case unless `CASE_SENSITIVE`), or `ValueError`.
    fn parse(text: &str) -> PyResult<Self> {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == text || (!Self::CASE_SENSITIVE && t.eq_ignore_ascii_case(text)))
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(t, _)| *t).collect();
                pyo3::exceptions::PyValueError::new_err(format!(
                    "{text:?} is not a {}; expected one of {}",
                    Self::TYPE,
                    names.join(", ")
                ))
            })
    }

    /// A member given as itself or as its text name.
    fn extract_lenient(value: &Bound<'_, PyAny>) -> PyResult<Self> {
        match value.cast::<PyString>() {
            Ok(text) => Self::parse(&text.to_cow()?),
            Err(_) => value.extract::<Self>().map_err(Into::into),
        }
    }
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
