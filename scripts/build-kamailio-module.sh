#!/usr/bin/env bash
# Builds the Kamailio module sessiontimer.so (bindings-c/kamailio/) against the
# headers of Debian's kamailio source package, with the compile defines of the
# installed kamailio binary (`kamailio -V`), linking libsessiontimer statically.
# Kamailio refuses a module built with other defines, so loading it is the check.
#
#   scripts/build-kamailio-module.sh [OUTDIR]     (default target/kamailio)
#
# KAMAILIO_SRC=DIR uses an unpacked source tree instead of fetching one.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/kamailio}
apt_install() {
  command -v apt-get > /dev/null || { echo "cannot install $*: no apt-get" >&2; exit 1; }
  apt-get update -qq > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" > /dev/null
}
command -v kamailio > /dev/null || apt_install kamailio

info=$(kamailio -V)
version=$(sed -n 's/^version: kamailio \([0-9.]*\) (\([^/]*\)\/\([^)]*\)).*/\1/p' <<< "$info")
arch=$(sed -n 's/^version: kamailio [0-9.]* (\([^/]*\)\/.*/\1/p' <<< "$info")
os=$(sed -n 's/^version: kamailio [0-9.]* ([^/]*\/\([^)]*\)).*/\1/p' <<< "$info")
[ -n "$version" ] && [ -n "$arch" ] || { echo "cannot read kamailio -V" >&2; exit 1; }

src=${KAMAILIO_SRC:-target/kamailio-src/kamailio-$version}
if [ ! -f "$src/src/core/sr_module.h" ]; then
  # Debian's source package of the installed version (field-notes.md section 5).
  command -v dpkg-source > /dev/null || apt_install dpkg-dev
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$codename" > /etc/apt/sources.list.d/sessiontimer-deb-src.sources
  fi
  apt-get update -qq > /dev/null
  mkdir -p "$(dirname "$src")"
  (cd "$(dirname "$src")" && apt-get source -qq "kamailio=$(dpkg-query -W -f='${Version}' kamailio)" 2>&1 |
    grep -v "^W: Download is performed unsandboxed" || true)
fi
[ -f "$src/src/core/sr_module.h" ] || { echo "no kamailio source in $src" >&2; exit 1; }

# -D flags: every item of the "flags:" line (FAST_LOCK-ADAPTIVE_WAIT is two;
# TLS_PTHREAD_MUTEX_SHARED is printed for KSR_PTHREAD_MUTEX_SHARED), and the
# sizes of the next line (ADAPTIVE_WAIT_LOOPS 1024, BUF_SIZE 65535, ...).
defs=()
for item in $(sed -n 's/^flags: //p' <<< "$info" | tr -d ' ' | tr ',' ' '); do
  [ "$item" = TLS_PTHREAD_MUTEX_SHARED ] && item=KSR_PTHREAD_MUTEX_SHARED
  for define in ${item//-/ }; do defs+=("-D$define"); done
done
while read -r name value; do
  defs+=("-D$name=$value")
done < <(sed -n '/^ADAPTIVE_WAIT_LOOPS/p' <<< "$info" | tr ',' '\n' | sed -n 's/^ *\([A-Z_]*\) \([0-9][0-9]*\)$/\1 \2/p')

cargo build -q --release -p sessiontimer-c
mkdir -p "$out"
# Written aside and renamed, so a Kamailio starting meanwhile loads a whole file.
gcc -std=gnu99 -O2 -g -Wall -Werror -Wno-unused-parameter -fPIC -shared \
  -DNAME='"kamailio"' -DVERSION="\"$version\"" -DARCH="\"$arch\"" -DOS_QUOTED="\"$os\"" \
  "-D__CPU_$arch" "-D__OS_$os" -DCC_GCC_LIKE_ASM -DMOD_NAME='"sessiontimer"' "${defs[@]}" \
  -I"$src/src" -Iinclude \
  -o "$out/sessiontimer.so.$$" bindings-c/kamailio/*.c target/release/libsessiontimer.a \
  -Wl,--exclude-libs,ALL -lpthread -ldl -lm
mv -f "$out/sessiontimer.so.$$" "$out/sessiontimer.so"
echo "built $out/sessiontimer.so for kamailio $version ($arch/$os)"
