#!/usr/bin/env bash
# Builds libsessiontimer and runs the C tests in tests/c/: each compiled with
# -std=c11 -Wall -Wextra -Werror -pedantic against the static and the shared
# library and run under valgrind (no error, no leak), then built with ASan and
# UBSan and run again; the header is also compiled as C++.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v sipp >/dev/null || missing+=(sip-tester)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build -q --release -p sessiontimer-c
lib=target/release
# The shared library names its ABI (SONAME libsessiontimer.so.0); programs
# linked against it load that name, so the build directory gets the link too.
readelf -d "$lib/libsessiontimer.so" | grep -q 'Library soname: \[libsessiontimer.so.0\]' ||
  { echo "libsessiontimer.so has no SONAME libsessiontimer.so.0" >&2; exit 1; }
ln -sf libsessiontimer.so "$lib/libsessiontimer.so.0"
out=target/c-tests
mkdir -p "$out"
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude)
static_libs=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)

g++ -std=c++17 -Wall -Wextra -Werror -pedantic -x c++ -fsyntax-only include/sessiontimer.h

for src in tests/c/test_*.c; do
  name=$(basename "$src" .c)
  gcc "${cflags[@]}" "$src" "$lib/libsessiontimer.a" "${static_libs[@]}" -o "$out/$name-static"
  gcc "${cflags[@]}" "$src" -L"$lib" -lsessiontimer -Wl,-rpath,"$PWD/$lib" -o "$out/$name-shared"
  gcc "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    "$src" "$lib/libsessiontimer.a" "${static_libs[@]}" -o "$out/$name-asan"
  for variant in static shared; do
    echo "== $name ($variant, valgrind)"
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
      --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 "$out/$name-$variant"
  done
  echo "== $name (ASan + UBSan)"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$out/$name-asan"
done
echo "== install under a prefix, build the quickstart with pkg-config (shared and static)"
prefix="$PWD/$out/prefix"
bash scripts/install-c.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
gcc "${cflags[@]}" bindings-c/examples/quickstart.c $(pkg-config --cflags --libs sessiontimer) \
  -Wl,-rpath,"$prefix/lib" -o "$out/quickstart-shared"
# shellcheck disable=SC2046
gcc "${cflags[@]}" bindings-c/examples/quickstart.c $(pkg-config --cflags sessiontimer) \
  "$prefix/lib/libsessiontimer.a" $(pkg-config --static --libs-only-l sessiontimer | sed 's/-lsessiontimer//') \
  -o "$out/quickstart-static"
# The program records the ABI's name, not the release's, and the prefix holds
# the real file and both links.
readelf -d "$out/quickstart-shared" | grep -q 'Shared library: \[libsessiontimer.so.0\]'
test -L "$prefix/lib/libsessiontimer.so" && test -L "$prefix/lib/libsessiontimer.so.0"
valgrind -q --leak-check=full --error-exitcode=1 "$out/quickstart-shared" | grep -q "refresher=uac"
valgrind -q --leak-check=full --error-exitcode=1 "$out/quickstart-static" | grep -q "action 1, reason 1"
echo "== the example UAS host against SIPp over loopback UDP: 422, retry, 200, UPDATE refresh, BYE"
gcc "${cflags[@]}" bindings-c/examples/uas_host.c "$lib/libsessiontimer.a" "${static_libs[@]}" \
  -o "$out/uas_host"
"$out/uas_host" 15071 30 600 > "$out/uas_host.log" 2>&1 &
host_pid=$!
trap 'kill "$host_pid" 2>/dev/null || true' EXIT
sleep 0.5
(cd "$out" && timeout 30 sipp 127.0.0.1:15071 -sf "$OLDPWD/tests/interop/sipp/uac_422_then_200.xml" \
  -m 1 -i 127.0.0.1 -p 15072 -timeout 20s -timeout_error -nostdin -trace_err > sipp.log 2>&1) ||
  { cat "$out/uas_host.log" "$out"/*errors.log 2>/dev/null; exit 1; }
kill "$host_pid"
grep -q "INVITE -> 422 Min-SE: 600" "$out/uas_host.log"
grep -q "INVITE -> 200 interval 600 refresher caller" "$out/uas_host.log"
echo "C checks passed"
