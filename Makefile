# One command per task; CI runs `make test` through .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest browser postgres prometheus mlflow java bench clean

# The streaming kernels are compiled at install time; editing one reinstalls (and rebuilds).
# --no-compile: pip would write bytecode for all 22,000 modules of the dependencies (torch,
# scipy, ...) one by one; Python writes it for the modules a process imports, when it imports them.
KERNELS := $(wildcard src/driftscope/streaming/_core/*.pyx src/driftscope/streaming/_core/*.pxd)

$(STAMP): pyproject.toml setup.py $(KERNELS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m driftscope.demo demo --serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

# The HTML report is tested in a real browser: Debian's Chromium, driven by Playwright.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# The service's store is tested on a real PostgreSQL too: the tests start a throw-away cluster
# with Debian's server binaries on loopback (tests/server/_postgres.py).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		SUDO=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

# `/metrics` and the generated alert rules are checked with promtool, and a real Prometheus
# scrapes a running server in the tests: Debian's prometheus package has both.
prometheus:
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
		SUDO=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	fi


# The MLflow integration is tested against a real `mlflow server` on loopback, installed in its
# own virtualenv (.venv-mlflow): the full mlflow package pins pyarrow < 26, driftscope's venv has
# only the client (mlflow-skinny, the `mlflow` extra).
mlflow:
	PYTHON=$(PYTHON) bash scripts/setup_mlflow_server.sh

# `driftscope.spark` is tested on a real local Spark (tests/integrations/test_spark.py), which
# runs on a Java 17 or later: Debian's headless runtime.
java:
	@if ! java -version >/dev/null 2>&1; then \
		SUDO=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; \
	fi

# BLAS on one thread: on a shared 2-core machine OpenBLAS's threads wait on each other (a small
# logistic regression took 38 s with two threads, 4 s with one). Bytecode is cached even where
# the environment says not to: the tests start hundreds of Python processes, and each would
# compile driftscope's sources again. One pytest worker per core (pytest-xdist), each taking
# whole files, so a file's browser or server is started once; the longest files start first
# (tests/file_costs.json, from scripts/test_costs.py; --no-loadscope-reorder keeps that order).
pytest: $(STAMP) browser postgres prometheus mlflow java
	env -u PYTHONDONTWRITEBYTECODE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder

test: lint typecheck pytest

# Evidently, NannyML and whylogs live in their own virtualenvs (benchmarks/.venv-*), never in
# driftscope's.
bench: $(STAMP)
	bash benchmarks/setup_evidently.sh
	$(BIN)/python benchmarks/drift_vs_evidently.py
	$(BIN)/python benchmarks/report_vs_evidently.py --no-windows
	$(BIN)/python benchmarks/html_size.py
	$(BIN)/python benchmarks/streaming_speed.py
	$(BIN)/python benchmarks/streaming_quality.py
	$(BIN)/python benchmarks/images.py
	bash benchmarks/setup_nannyml.sh
	$(BIN)/python benchmarks/multivariate_vs_nannyml.py
	$(BIN)/python benchmarks/estimation.py
	bash benchmarks/setup_whylogs.sh
	$(BIN)/python benchmarks/profile_vs_whylogs.py

clean:
	rm -rf $(VENV) .venv-mlflow demo .mypy_cache .ruff_cache .pytest_cache
