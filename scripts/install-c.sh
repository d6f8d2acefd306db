#!/usr/bin/env bash
# Installs libsessiontimer: the shared and static libraries, include/sessiontimer.h
# and a sessiontimer.pc, under PREFIX (default /usr/local), so that
#   cc app.c $(pkg-config --cflags --libs sessiontimer)
# works (with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a non-standard prefix).
# LIBDIR (default PREFIX/lib; Debian's is /usr/lib/<multiarch>) moves the
# libraries; DESTDIR stages the whole tree under another root, as packagers
# do (scripts/build-debs.sh), while sessiontimer.pc still names PREFIX.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
libdir=${LIBDIR:-$prefix/lib}
root=${DESTDIR:-}
version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "sessiontimer-c"))')

cargo build -q --release -p sessiontimer-c
install -d "$root$libdir/pkgconfig" "$root$prefix/include"
install -m 0644 target/release/libsessiontimer.a "$root$libdir/"
# The real file carries the release; the SONAME link (what programs load) and
# the development link (what -lsessiontimer finds) point at it.
soname=$(readelf -d target/release/libsessiontimer.so | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
install -m 0644 target/release/libsessiontimer.so "$root$libdir/libsessiontimer.so.$version"
ln -sf "libsessiontimer.so.$version" "$root$libdir/$soname"
ln -sf "$soname" "$root$libdir/libsessiontimer.so"
install -m 0644 include/sessiontimer.h "$root$prefix/include/"
case $libdir in
  "$prefix"/*) libdir_pc="\${prefix}${libdir#"$prefix"}" ;;
  *) libdir_pc=$libdir ;;
esac
cat > "$root$libdir/pkgconfig/sessiontimer.pc" <<PC
prefix=$prefix
libdir=$libdir_pc
includedir=\${prefix}/include

Name: sessiontimer
Description: RFC 4028 SIP Session Timers: negotiation and timer engine, sans-I/O
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lsessiontimer
Libs.private: -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC
echo "installed libsessiontimer $version under $root$prefix (libraries in $root$libdir)"
