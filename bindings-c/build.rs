//! Gives the shared library its SONAME, the ABI version a program linked
//! against it records: `libsessiontimer.so.0` for every release before 1.0.
//!
//! The rule (README, C section): the number after `.so.` is the ABI version.
//! Before 1.0 it stays 0 and the API may change between releases, so link
//! statically or rebuild with each release; from 1.0 on it is the major
//! version, raised by every change that breaks a program built against the
//! previous header (a removed or changed function, type, value or field).
fn main() {
    const ABI_VERSION: u32 = 0;
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsessiontimer.so.{ABI_VERSION}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
