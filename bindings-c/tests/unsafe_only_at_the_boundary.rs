//! Every `unsafe` of the C library sits in `src/boundary.rs`, each block with
//! a `SAFETY:` comment giving its reason (SECURITY.md); the other modules call
//! its checked helpers. The core crate forbids unsafe code outright.

use std::fs;
use std::path::Path;

#[test]
fn unsafe_code_only_in_boundary_rs_and_each_block_explained() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let code_lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        let uses = code_lines
            .iter()
            .filter(|l| {
                ["unsafe {", "unsafe fn", "unsafe impl", "unsafe extern"]
                    .iter()
                    .any(|u| l.contains(u))
            })
            .count();
        if name == "boundary.rs" {
            let blocks = text.matches("unsafe {").count();
            let reasons = text.matches("SAFETY:").count();
            assert!(
                blocks > 0 && reasons >= blocks,
                "{blocks} blocks, {reasons} reasons"
            );
        } else {
            assert_eq!(uses, 0, "unsafe code in {name}: move it to boundary.rs");
        }
    }
    let core = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/lib.rs"));
    assert!(core.unwrap().contains("#![forbid(unsafe_code)]"));
}
