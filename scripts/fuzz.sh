#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60), seeded from
# fuzz/seeds, keeping what it learns in fuzz/corpus. CI runs it for a short
# smoke; a long run is documented in SECURITY.md.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# A crash stops the script with its input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(headers roles engine snapshot c_api)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi
# cargo-fuzz builds with AddressSanitizer and libFuzzer's coverage flags,
# which are nightly-only options; this machine has one stable toolchain.
export RUSTC_BOOTSTRAP=1

cd fuzz
cargo fuzz build --release --debug-assertions >/dev/null
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== fuzz $target for ${seconds}s"
    log="artifacts/$target.log"
    mkdir -p artifacts
    status=0
    cargo fuzz run --release --debug-assertions "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E 'stat::(number_of_executed_units|peak_rss_mb)|Done [0-9]+ runs|cov: [0-9]+' "$log" | tail -4 || true
    if [ "$status" -ne 0 ]; then
        tail -40 "$log" >&2
        echo "fuzz target $target failed: its input is in fuzz/artifacts/$target" >&2
        exit 1
    fi
done
