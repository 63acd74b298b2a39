#!/usr/bin/env bash
# Create benchmarks/.venv-whylogs: whylogs' OWN virtualenv, used only by the benchmark
# (benchmarks/_run_whylogs.py, started by benchmarks/profile_vs_whylogs.py). whylogs is never a
# dependency of driftscope. Idempotent: does nothing when the venv already has the pinned version.
#
# Pins: whylogs 1.6.4 is the latest 1.x on PyPI; its sketches (whylogs-sketching) are built
# against numpy 1, so numpy stays < 2 (issue 16), and pandas < 3 (whylogs' pandas path was
# written for pandas 1 and 2). pyarrow reads the benchmark's Parquet file; pyarrow 22 and later
# need numpy 2, so it stays < 22.
set -euo pipefail

WHYLOGS_VERSION="1.6.4"
NUMPY_SPEC="numpy>=1.23.2,<2"
PANDAS_SPEC="pandas>=2.2,<3"
PYARROW_SPEC="pyarrow>=15,<22"
PYTHON="${PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${WHYLOGS_VENV:-$HERE/.venv-whylogs}"
STAMP="$VENV/.installed-whylogs-$WHYLOGS_VERSION"

if [[ -f "$STAMP" ]] && WHYLOGS_NO_ANALYTICS=True "$VENV/bin/python" -c "import whylogs, pyarrow" 2>/dev/null; then
    echo "whylogs $WHYLOGS_VERSION venv ready: $VENV"
    exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "whylogs==$WHYLOGS_VERSION" "$NUMPY_SPEC" "$PANDAS_SPEC" "$PYARROW_SPEC"
# whylogs sends usage statistics unless told not to; the benchmark must not touch the network.
WHYLOGS_NO_ANALYTICS=True "$VENV/bin/python" -c "import whylogs, pyarrow"
touch "$STAMP"
echo "whylogs $WHYLOGS_VERSION installed in $VENV in $(( $(date +%s) - start )) s"
