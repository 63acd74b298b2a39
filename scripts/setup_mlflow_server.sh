#!/usr/bin/env bash
# Create .venv-mlflow: the OWN virtualenv of the `mlflow server` that tests/test_mlflow.py starts
# on loopback (a temporary SQLite store and artifact folder). driftscope itself only needs the
# MLflow client, `mlflow-skinny` (the `mlflow` extra), which installs beside numpy 2 and pandas 3
# in driftscope's venv; the full `mlflow` package (the server) pins pyarrow < 26 and pulls Flask,
# gunicorn, matplotlib and more, so it lives apart. Idempotent: does nothing when the venv already
# has the pinned version.
#
# Pin: mlflow 3.17.2 (3.18.0 needs mlflow-tracing 3.18.0, not published on the index this was
# built against). A 3.17 server speaks the same REST API as the 3.18 client.
set -euo pipefail

MLFLOW_VERSION="3.17.2"
PYTHON="${PYTHON:-python3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DRIFTSCOPE_MLFLOW_VENV:-$HERE/.venv-mlflow}"
STAMP="$VENV/.installed-mlflow-$MLFLOW_VERSION"

if [[ -f "$STAMP" ]] && "$VENV/bin/mlflow" --version >/dev/null 2>&1; then
    echo "mlflow $MLFLOW_VERSION server venv ready: $VENV"
    exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet --no-compile "mlflow==$MLFLOW_VERSION"
"$VENV/bin/mlflow" --version
touch "$STAMP"
echo "mlflow $MLFLOW_VERSION installed in $VENV in $(( $(date +%s) - start )) s"
