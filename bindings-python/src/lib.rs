//! Python bindings of sessiontimer: types and errors translated, no policy of
//! their own (every rule lives in the `sessiontimer` core crate).
// Every `unsafe` of the binding lives in `untracked.rs`.
#![deny(unsafe_code)]

#[macro_use]
mod enums;
mod engine;
mod errors;
mod guard;
mod headers;
mod journal;
mod outcomes;
mod policy;
mod roles;
mod rows;
mod session;
mod shared;
mod untracked;

use pyo3::prelude::*;
use sessiontimer_python_guard::guarded;

/// The native module, `sessiontimer._native`; import `sessiontimer` instead.
#[pymodule]
mod _native {
    use super::*;

    #[pymodule_export]
    use engine::{Action, Engine};
    #[pymodule_export]
    use enums::_member;
    #[pymodule_export]
    use errors::_error_classes;
    #[pymodule_export]
    use guard::_check_panic_boundary;
    #[pymodule_export]
    use headers::{split_message, TimerHeaders};
    #[pymodule_export]
    use journal::{Change, Owner};
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
    const PRESETS: [&str; PRESET_COUNT] = preset_names();

    /// The reason phrase of a status code.
    #[guarded]
    #[pyfunction]
    fn reason_phrase(status: u16) -> &'static str {
        sessiontimer::reason_phrase(status)
    }

    /// Adds the enum classes, made from the core's member lists.
    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        enums::add_all(module)
    }

    /// The package version.
    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}

const fn preset_names() -> [&'static str; PRESET_COUNT] {
    let p = sessiontimer::PRESETS;
    let mut names = [""; PRESET_COUNT];
    let mut i = 0;
    while i < PRESET_COUNT {
        names[i] = p[i].name;
        i += 1;
    }
    names
}

/// How many presets the core has.
const PRESET_COUNT: usize = sessiontimer::PRESETS.len();
