#!/usr/bin/env bash
# Create benchmarks/.venv-nannyml: NannyML's OWN virtualenv, used only by the benchmark
# (benchmarks/_run_nannyml.py, started by benchmarks/multivariate_vs_nannyml.py). NannyML is never
# a dependency of driftscope. Idempotent: does nothing when the venv already has the pinned
# version.
#
# Pins: nannyml 0.13.1 imports statsmodels (nannyml/plots/components/joy_plot.py) without
# declaring it, so it is installed here; and like Evidently it is kept on pandas < 3 (nannyml does
# not cap pandas, and 0.13.1 was released for pandas 2).
set -euo pipefail

NANNYML_VERSION="0.13.1"
PANDAS_SPEC="pandas>=2.2,<3"
PYTHON="${PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${NANNYML_VENV:-$HERE/.venv-nannyml}"
STAMP="$VENV/.installed-nannyml-$NANNYML_VERSION"

if [[ -f "$STAMP" ]] && "$VENV/bin/python" -c "import nannyml" 2>/dev/null; then
    echo "nannyml $NANNYML_VERSION venv ready: $VENV"
    exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "nannyml==$NANNYML_VERSION" statsmodels pyarrow "$PANDAS_SPEC"
# NannyML sends usage statistics unless told not to; the benchmark must not touch the network.
NML_DISABLE_USAGE_LOGGING=1 "$VENV/bin/python" -c "import nannyml"
touch "$STAMP"
echo "nannyml $NANNYML_VERSION installed in $VENV in $(( $(date +%s) - start )) s"
