//! The committed `include/sessiontimer.h` is what cbindgen (pinned 0.29.4)
//! generates from this crate; `UPDATE_HEADER=1` rewrites it.

use std::path::Path;

#[test]
fn committed_header_matches_the_code() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::generate_with_config(crate_dir, config)
        .expect("cbindgen failed")
        .write(&mut generated);
    let header = crate_dir.join("../include/sessiontimer.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&header, &generated).unwrap();
    }
    let committed = std::fs::read(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "include/sessiontimer.h differs from the code: run \
         `UPDATE_HEADER=1 cargo test -p sessiontimer-c --test header_in_sync` and commit it"
    );
}
