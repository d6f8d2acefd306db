#!/usr/bin/env bash
# Builds libsessiontimer and runs the C tests in tests/c/: each compiled with
# -std=c11 -Wall -Wextra -Werror -pedantic against the static and the shared
# library and run under valgrind (no error, no leak), then built with ASan and
# UBSan and run again; the header is also compiled as C++.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq valgrind >/dev/null
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
echo "C checks passed"
