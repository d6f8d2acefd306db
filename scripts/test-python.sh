#!/usr/bin/env bash
# Builds the Python package from this checkout (pip install . with maturin) into a
# virtual environment and runs its checks: ruff, mypy --strict, stubtest, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SESSIONTIMER_VENV:-target/venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py="$venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check ".[test]"
"$py" -m ruff check bindings-python tests/python tests/interop
"$py" -m ruff format --check bindings-python tests/python tests/interop
"$py" -m mypy --strict bindings-python/examples tests/python
"$py" -m mypy --strict tests/interop
"$py" -m mypy --strict -p sessiontimer
"$py" -m mypy.stubtest sessiontimer._native
# pytest exits 5 when it collects nothing; that is not a failure of the package.
status=0
"$py" -m pytest -q tests/python "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
  exit "$status"
fi
echo "python checks passed"
