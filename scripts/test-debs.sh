#!/usr/bin/env bash
# The Debian packages as a user meets them: builds them (scripts/build-debs.sh,
# lintian included), installs them with dpkg -i (as root; otherwise unpacks
# them into a scratch root), then checks the SONAME, pkg-config, the C
# quickstart built and run against the installed files, and a Kamailio
# configuration that loads the installed module by name (kamailio -c). As
# root it removes the packages again at the end.
set -euo pipefail
# A check that fails says which, with what it saw (CI shows this output).
trap 'echo "test-debs.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
out=$(mktemp -d)
scratch=$(mktemp -d)
installed=()
cleanup() {
  [ ${#installed[@]} -eq 0 ] || dpkg -P "${installed[@]}" > /dev/null
  rm -rf "$out" "$scratch"
}
trap cleanup EXIT
bash scripts/build-debs.sh "$out" > /dev/null
command -v pkg-config > /dev/null || { apt-get update -qq > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config > /dev/null; }
multiarch=$(gcc -print-multiarch)

root=""
if [ "$(id -u)" = 0 ] && ! dpkg -s libsessiontimer0 > /dev/null 2>&1; then
  dpkg -i "$out"/*.deb > /dev/null
  installed=(kamailio-sessiontimer-module libsessiontimer-dev libsessiontimer0)
  echo "== installed with dpkg -i: ${installed[*]}"
else
  root=$scratch
  for deb in "$out"/*.deb; do dpkg -x "$deb" "$root"; done
  export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root/usr/lib/$multiarch/pkgconfig
  export LD_LIBRARY_PATH=$root/usr/lib/$multiarch
  echo "== unpacked into a scratch root (not root, or the packages are installed already)"
fi

echo "== SONAME and links"
lib=$root/usr/lib/$multiarch
[ "$(readelf -d "$lib/libsessiontimer.so.0" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')" = libsessiontimer.so.0 ]
[ "$(readlink "$lib/libsessiontimer.so")" = libsessiontimer.so.0 ]

echo "== pkg-config, and the quickstart built and run against the installed files"
pkg-config --exists --print-errors sessiontimer
header_version=$(for part in MAJOR MINOR PATCH; do sed -n "s/^#define SST_VERSION_$part //p" include/sessiontimer.h; done | paste -sd.)
pc_version=$(pkg-config --modversion sessiontimer)
[ "$pc_version" = "$header_version" ] || { echo "pkg-config says $pc_version, the header $header_version" >&2; exit 1; }
gcc -std=c11 -Wall -Werror bindings-c/examples/quickstart.c $(pkg-config --cflags --libs sessiontimer) -o "$scratch/quickstart"
"$scratch/quickstart" > "$scratch/quickstart.log" 2>&1 || { cat "$scratch/quickstart.log"; exit 1; }
ldd "$scratch/quickstart" > "$scratch/ldd.log"
grep -q "libsessiontimer.so.0 => $root.*/lib/$multiarch/libsessiontimer.so.0" "$scratch/ldd.log" ||
  { echo "the quickstart does not load the installed library:" >&2; cat "$scratch/ldd.log" >&2; exit 1; }

echo "== Kamailio loads the installed module by name"
cat > "$scratch/kamailio.cfg" <<CFG
#!KAMAILIO
listen=udp:127.0.0.1:5099
mpath="$lib/kamailio/modules/:/usr/lib/$multiarch/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "dialog.so"
loadmodule "sessiontimer.so"
modparam("sessiontimer", "min_se", 120)
request_route {
    if (!sessiontimer_request()) exit;
}
onreply_route {
    sessiontimer_reply();
}
CFG
kamailio -c -f "$scratch/kamailio.cfg" > "$scratch/check.log" 2>&1 || { cat "$scratch/check.log"; exit 1; }
echo "debian package checks passed"
