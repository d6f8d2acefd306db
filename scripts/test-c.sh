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
if [ ${#missing[@]} -gt 0 ]; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cargo build -q --release -p sessiontimer-c
lib=target/release
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
valgrind -q --leak-check=full --error-exitcode=1 "$out/quickstart-shared" | grep -q "refresher=uac"
valgrind -q --leak-check=full --error-exitcode=1 "$out/quickstart-static" | grep -q "action 1, reason 1"
echo "C checks passed"
