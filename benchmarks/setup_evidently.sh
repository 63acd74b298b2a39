#!/usr/bin/env bash
# Create benchmarks/.venv-evidently: Evidently's OWN virtualenv, used only by the benchmark
# (benchmarks/_run_evidently.py). Evidently is never a dependency of driftscope.
# Idempotent: does nothing when the venv already has the pinned versions.
#
# Pins: evidently 0.7.23 does not cap pandas, but it does not import with pandas 3
# (evidently/legacy/tests/data_integrity_tests.py imports pandas.core.dtypes.common.
# infer_dtype_from_object, gone in pandas 3), so pandas stays < 3 here.
set -euo pipefail

EVIDENTLY_VERSION="0.7.23"
PANDAS_SPEC="pandas>=2.2,<3"
PYTHON="${PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${EVIDENTLY_VENV:-$HERE/.venv-evidently}"
STAMP="$VENV/.installed-evidently-$EVIDENTLY_VERSION"

if [[ -f "$STAMP" ]] && "$VENV/bin/python" -c "import evidently" 2>/dev/null; then
    echo "evidently $EVIDENTLY_VERSION venv ready: $VENV"
    exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "evidently==$EVIDENTLY_VERSION" "$PANDAS_SPEC"
DO_NOT_TRACK=1 "$VENV/bin/python" -c "import evidently; from evidently.presets import DataDriftPreset"
touch "$STAMP"
echo "evidently $EVIDENTLY_VERSION installed in $VENV in $(( $(date +%s) - start )) s"
