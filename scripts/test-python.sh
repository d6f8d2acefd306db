#!/usr/bin/env bash
# Builds the Python package from this checkout (pip install . with maturin) into a
# virtual environment and runs its checks: ruff, mypy --strict, stubtest, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SESSIONTIMER_VENV:-target/venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py="$venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check ".[test]"
"$py" -m ruff check bindings-python bindings-c/kamailio tests/python tests/interop
"$py" -m ruff format --check bindings-python bindings-c/kamailio tests/python tests/interop
"$py" -m mypy --strict bindings-python/examples tests/python
"$py" -m mypy --strict tests/interop bindings-c/kamailio/bench
"$py" -m mypy --strict -p sessiontimer
"$py" -m mypy.stubtest sessiontimer._native
# pytest exits 5 when it collects nothing; that is not a failure of the package.
status=0
"$py" -m pytest -q tests/python "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
  exit "$status"
fi
# The one wheel for every CPython from 3.9 (feature abi3-py39) takes arguments
# in a tuple and reads each str by copy: the same tests run against it.
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
MATURIN_PEP517_ARGS="--features abi3-py39" "$py" -m pip wheel -q --no-deps -w "$wheels" .
ls "$wheels"/sessiontimer-*-cp39-abi3-*.whl > /dev/null
"$py" -m pip install -q --no-deps --target "$wheels/site" "$wheels"/*.whl
export PYTHONPATH="$wheels/site"
"$py" -c "import sessiontimer, sys; assert sessiontimer.__file__.startswith(sys.argv[1])" "$wheels"
status=0
"$py" -m pytest -q -p no:cacheprovider tests/python "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
  exit "$status"
fi
echo "python checks passed"
