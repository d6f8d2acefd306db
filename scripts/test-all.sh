#!/usr/bin/env bash
# Every test of the project, as CI runs it. Installs what it needs itself.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n=== %s\n' "$*"; }

section "format"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check

section "clippy (-D warnings)"
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy --manifest-path fuzz/Cargo.toml --all-targets -- -D warnings

section "docs (cargo doc --workspace --no-deps, warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc -q --workspace --no-deps

section "rust tests (all features)"
cargo test --workspace --all-features

section "main job smoke run"
cargo run -q -p sessiontimer --example ladder > /dev/null

section "C library (valgrind, ASan + UBSan, header as C++)"
bash scripts/test-c.sh

section "python package (build, ruff, mypy --strict, stubtest, pytest)"
bash scripts/test-python.sh

section "interop: the agent against real SIP peers on 127.0.0.1 (tests/interop)"
bash scripts/test-interop.sh

section "Debian packages (build, lintian, dpkg -i, pkg-config, the quickstart, Kamailio loads the module)"
bash scripts/test-debs.sh

section "fuzz smoke (every cargo-fuzz target, ${FUZZ_SECONDS:=15}s each)"
bash scripts/fuzz.sh "$FUZZ_SECONDS"

echo
echo "all checks passed"
