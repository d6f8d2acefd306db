#!/usr/bin/env bash
# Builds the Debian packages libsessiontimer0, libsessiontimer-dev and
# kamailio-sessiontimer-module from this checkout (dpkg-deb; what they carry:
# bindings-c/debian/README.md), checks them with lintian (no error allowed)
# and writes them to OUTDIR (default target/debian).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/debian}
missing=()
for tool in dpkg-deb dpkg-shlibdeps lintian; do command -v $tool > /dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get > /dev/null || { echo "missing: ${missing[*]}" >&2; exit 1; }
  apt-get update -qq > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev lintian > /dev/null
fi

version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "sessiontimer-c"))')
debver="$version-1"
arch=$(dpkg --print-architecture)
multiarch=$(gcc -print-multiarch)
libdir=/usr/lib/$multiarch
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Everything installed once, then split into the packages' trees.
DESTDIR="$stage/all" LIBDIR="$libdir" bash scripts/install-c.sh /usr > /dev/null
bash scripts/build-kamailio-module.sh "$stage/kamailio" > /dev/null
soname=$(readelf -d "$stage/all$libdir/libsessiontimer.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
lib=libsessiontimer${soname#libsessiontimer.so.}

tree() { # package -> its root, with the documentation Debian wants in every package
  local root="$stage/$1"
  install -d "$root/DEBIAN" "$root/usr/share/doc/$1"
  install -m 0644 bindings-c/debian/copyright "$root/usr/share/doc/$1/copyright"
  gzip -9n < bindings-c/debian/changelog > "$root/usr/share/doc/$1/changelog.Debian.gz"
  echo "$root"
}
move() { # source path relative to the staged install -> package root
  install -d "$2$(dirname "$1")"
  cp -a "$stage/all$1" "$2$1"
}
depends() { # the shared-library dependencies of ELF files, as dpkg-shlibdeps computes them
  local dir
  dir=$(mktemp -d)
  mkdir "$dir/debian"
  printf 'Source: sessiontimer\n\nPackage: x\nArchitecture: any\n' > "$dir/debian/control"
  (cd "$dir" && dpkg-shlibdeps -O "$@" 2> /dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$dir"
}
control() { # package root, package, section, depends, summary, description
  cat > "$1/DEBIAN/control" <<CONTROL
Package: $2
Source: sessiontimer
Version: $debver
Architecture: $arch
Maintainer: sessiontimer maintainers <maintainers@sessiontimer.example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$1" | cut -f1)
Depends: $4
Section: $3
Priority: optional
Multi-Arch: same
Homepage: https://sessiontimer.example.org/
Description: $5
$6
CONTROL
  (cd "$1" && find usr -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
}

root=$(tree "$lib")
move "$libdir/libsessiontimer.so.$version" "$root"
move "$libdir/$soname" "$root"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root$libdir/libsessiontimer.so.$version"
echo "libsessiontimer ${soname#libsessiontimer.so.} $lib (>= $version)" > "$root/DEBIAN/shlibs"
echo "activate-noawait ldconfig" > "$root/DEBIAN/triggers"
chmod 0644 "$root/DEBIAN/shlibs" "$root/DEBIAN/triggers"
control "$root" "$lib" libs "$(depends "$root$libdir/libsessiontimer.so.$version")" \
  "RFC 4028 SIP session timers: negotiation and timer engine (shared library)" \
  " Every session-timer decision of RFC 4028 for a UAC, UAS, proxy and
 back-to-back UA, and a timer engine for many sessions. Sans-I/O: the library
 never opens a socket and never reads a clock.
 .
 This package contains the shared library."

root=$(tree libsessiontimer-dev)
for file in /usr/include/sessiontimer.h "$libdir/libsessiontimer.a" "$libdir/libsessiontimer.so" \
  "$libdir/pkgconfig/sessiontimer.pc"; do
  move "$file" "$root"
done
strip --strip-debug --enable-deterministic-archives "$root$libdir/libsessiontimer.a"
control "$root" libsessiontimer-dev libdevel "$lib (= $debver)" \
  "RFC 4028 SIP session timers: negotiation and timer engine (development files)" \
  " Every session-timer decision of RFC 4028 for a UAC, UAS, proxy and
 back-to-back UA, and a timer engine for many sessions. Sans-I/O: the library
 never opens a socket and never reads a clock.
 .
 This package contains the C header, the static library and the pkg-config
 file: cc app.c \$(pkg-config --cflags --libs sessiontimer)."

kamailio=$(dpkg-query -W -f='${Version}' kamailio)
root=$(tree kamailio-sessiontimer-module)
install -d "$root$libdir/kamailio/modules"
install -m 0644 "$stage/kamailio/sessiontimer.so" "$root$libdir/kamailio/modules/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root$libdir/kamailio/modules/sessiontimer.so"
control "$root" kamailio-sessiontimer-module net \
  "kamailio (= $kamailio), $(depends "$root$libdir/kamailio/modules/sessiontimer.so")" \
  "RFC 4028 session timers for Kamailio, a drop-in for the sst module" \
  " The sessiontimer module makes every session-timer decision of a Kamailio
 proxy with libsessiontimer (linked in): 422 with Min-SE, the interval
 inserted, lowered or raised, the 2xx completed with refresher and
 Require: timer, and the dialog's expiry set from each 2xx.
 .
 Built against kamailio $kamailio, which it requires exactly."

mkdir -p "$out"
rm -f "$out"/*.deb
for package in "$lib" libsessiontimer-dev kamailio-sessiontimer-module; do
  dpkg-deb --root-owner-group -Zxz --build "$stage/$package" "$out/${package}_${debver}_$arch.deb" > /dev/null
done
lintian --fail-on error --suppress-tags-from-file /dev/null "$out"/*.deb
ls "$out"/*.deb
