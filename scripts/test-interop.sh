#!/usr/bin/env bash
# The agent against real SIP peers over 127.0.0.1 (tests/interop): installs the
# peers it can (SIPp from Debian's sip-tester, Kamailio with its sst, dialog and
# db_sqlite modules from Debian, Debian's redis-server for the cluster, PJSIP
# from PyPI's pjsua2-python), then runs the
# tests in parallel (the Kamailio module tests build bindings-c/kamailio first,
# from Debian's kamailio source package);
# a test whose peer cannot be installed skips with the reason. Needs the
# package built into the venv by scripts/test-python.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SESSIONTIMER_VENV:-target/venv}
modules=/usr/lib/x86_64-linux-gnu/kamailio/modules
if ! { command -v sipp && command -v kamailio && command -v dpkg-source && command -v redis-server && [ -e $modules/app_python3.so ] && [ -e $modules/db_sqlite.so ]; } >/dev/null && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sip-tester kamailio \
    kamailio-python3-modules kamailio-sqlite-modules dpkg-dev redis-server) >/dev/null 2>&1 ||
    echo "could not install sip-tester, kamailio and redis-server: their tests will skip" >&2
fi
"$venv/bin/python" -c "import pjsua2" 2>/dev/null ||
  "$venv/bin/python" -m pip install -q --disable-pip-version-check pjsua2-python ||
  echo "could not install pjsua2-python: the PJSIP tests will skip" >&2
"$venv/bin/python" -m pytest -q -n 8 -rs tests/interop "$@"
