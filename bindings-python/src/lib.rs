//! Python bindings of sessiontimer: types and errors translated, no policy of
//! their own (every rule lives in the `sessiontimer` core crate).
// Every `unsafe` of the binding lives in `untracked.rs`.
#![deny(unsafe_code)]

#[macro_use]
mod enums;
mod engine;
mod errors;
mod headers;
mod outcomes;
mod policy;
mod roles;
mod rows;
mod session;
mod shared;
mod untracked;

use pyo3::prelude::*;

/// The native module, `sessiontimer._native`; import `sessiontimer` instead.
#[pymodule]
mod _native {
    use super::*;

    #[pymodule_export]
    use engine::{Action, ActionKind, Engine, Teardown};
    #[pymodule_export]
    use enums::{
        ByeMargin, Leg, Method, Mode, RefreshKind, RefreshMethod, RefresherPreference, Side,
    };
    #[pymodule_export]
    use errors::_error_classes;
    #[pymodule_export]
    use headers::TimerHeaders;
    #[pymodule_export]
    use outcomes::{Accept, Negotiated, NotARefresh, RefreshRequest, Reject};
    #[pymodule_export]
    use policy::Policy;
    #[pymodule_export]
    use roles::{
        classify_refresh, B2bua, Forward, Proxy, ProxyResponse, ProxyTransaction, Uac, Uas,
    };
    #[pymodule_export]
    use session::{RefreshOutcome, Session};

    /// The names of the vendor presets, for `Policy.preset`.
    #[pymodule_export]
    const PRESETS: [&str; 5] = preset_names();

    /// The reason phrase of a status code.
    #[pyfunction]
    fn reason_phrase(status: u16) -> &'static str {
        sessiontimer::reason_phrase(status)
    }

    /// The package version.
    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}

const fn preset_names() -> [&'static str; 5] {
    let p = sessiontimer::PRESETS;
    [p[0].name, p[1].name, p[2].name, p[3].name, p[4].name]
}
