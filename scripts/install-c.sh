#!/usr/bin/env bash
# Installs libsessiontimer: the shared and static libraries, include/sessiontimer.h
# and a sessiontimer.pc, under PREFIX (default /usr/local), so that
#   cc app.c $(pkg-config --cflags --libs sessiontimer)
# works (with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a non-standard prefix).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "sessiontimer-c"))')

cargo build -q --release -p sessiontimer-c
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0644 target/release/libsessiontimer.a "$prefix/lib/"
# The real file carries the release; the SONAME link (what programs load) and
# the development link (what -lsessiontimer finds) point at it.
soname=$(readelf -d target/release/libsessiontimer.so | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
install -m 0755 target/release/libsessiontimer.so "$prefix/lib/libsessiontimer.so.$version"
ln -sf "libsessiontimer.so.$version" "$prefix/lib/$soname"
ln -sf "$soname" "$prefix/lib/libsessiontimer.so"
install -m 0644 include/sessiontimer.h "$prefix/include/"
cat > "$prefix/lib/pkgconfig/sessiontimer.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: sessiontimer
Description: RFC 4028 SIP Session Timers: negotiation and timer engine, sans-I/O
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lsessiontimer
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC
echo "installed libsessiontimer $version under $prefix"
