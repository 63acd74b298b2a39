"""Log driftscope's analysed runs to MLflow tracking (docs/integrations.md, "MLflow").

Each analysed run of a driftscope model becomes one MLflow run in an experiment named after the
model (or one given): its performance metrics with their confidence intervals, its drift share
and row counts as metrics at the run's data time, the model, version, run id and verdict as
params and tags, and the report as ``driftscope/report.json`` and ``driftscope/report.html``
artifacts (the same HTML `driftscope report` writes).

Logging is idempotent: each MLflow run carries the driftscope run's id (tag
``driftscope.run_id``) and, once every part of it is stored, ``driftscope.logged = true``.
`logged_runs` finds what an experiment already holds, so a logging that an MLflow outage cut
short is simply run again: a run logged halfway is deleted and logged anew, a complete one is
left alone.

It needs the MLflow client, ``mlflow-skinny`` (extra ``mlflow``); importing this module without
it says how to install it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from driftscope.exceptions import ExtraMissingError, IntegrationError

# driftscope sends nothing anywhere (docs/service.md); MLflow's client reports its use to MLflow's
# developers unless told not to, when it is imported. A user who set the variable keeps theirs.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

try:
    from mlflow.entities import Metric, Param, RunTag, ViewType
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    raise ExtraMissingError(
        "The MLflow integration needs the MLflow client, which is not installed: "
        'pip install "driftscope[mlflow]"'
    ) from None

__all__ = [
    "RUN_ID_TAG",
    "AnalysedRun",
    "LoggedRun",
    "MetricValue",
    "MlflowTracking",
]

#: The tag that names the driftscope run an MLflow run was logged from.
RUN_ID_TAG = "driftscope.run_id"
#: The tag set last, once the run's metrics, params and artifacts are all stored.
COMPLETE_TAG = "driftscope.logged"
MODEL_TAG = "driftscope.model"
ARTIFACT_DIR = "driftscope"

# MLflow accepts letters, digits, underscores, dashes, periods, spaces, colons and slashes in a
# metric's or param's name; anything else (a metric named by a user's label, say) becomes "_".
_NOT_IN_A_NAME = re.compile(r"[^\w.\- :/]")
_PAGE = 1000


@dataclasses.dataclass(frozen=True)
class MetricValue:
    """A performance metric of a run: its value and confidence interval (None where missing)."""

    value: float | None
    lower: float | None = None
    upper: float | None = None


@dataclasses.dataclass(frozen=True)
class AnalysedRun:
    """What is logged of one analysed driftscope run: its numbers and its report (as JSON)."""

    model: str
    run_id: int
    version: int
    date: datetime
    verdict: str | None
    drift_share: float | None
    dataset_drifted: bool | None
    n_rows: int
    quality_warnings: int | None
    quality_alerts: int | None
    source: str
    metrics: Mapping[str, MetricValue]
    report: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class LoggedRun:
    """A driftscope run as it stands in MLflow: the MLflow run's id, and whether this call logged
    it (False: it was logged before and left alone)."""

    model: str
    run_id: int
    mlflow_run_id: str
    experiment_id: str
    logged_now: bool


def metric_name(name: str) -> str:
    """A name MLflow accepts for a metric or param.

    >>> metric_name("f1 (class 'cat')")
    'f1 _class _cat__'
    """
    return _NOT_IN_A_NAME.sub("_", name)


def run_metrics(run: AnalysedRun) -> dict[str, float]:
    """The numbers of ``run`` logged as MLflow metrics, by name: each performance metric with
    ``<name>_lower`` and ``<name>_upper``, the drift share, whether the dataset drifted (1/0),
    the rows and the data-quality warnings and alerts. Missing and non-finite values are left
    out (MLflow would store NaN as a number).

    >>> from datetime import datetime, timezone
    >>> run = AnalysedRun("churn", 3, 1, datetime(2026, 11, 1, tzinfo=timezone.utc), "ok",
    ...     0.25, False, 100, 0, None, "upload", {"accuracy": MetricValue(0.9, 0.85, None)}, {})
    >>> run_metrics(run)
    {'accuracy': 0.9, 'accuracy_lower': 0.85, 'drift_share': 0.25, 'dataset_drifted': 0.0, \
'n_rows': 100.0, 'quality_warnings': 0.0}
    """
    numbers: dict[str, float | None] = {}
    for name, metric in run.metrics.items():
        key = metric_name(name)
        numbers[key] = metric.value
        numbers[f"{key}_lower"] = metric.lower
        numbers[f"{key}_upper"] = metric.upper
    numbers["drift_share"] = run.drift_share
    numbers["dataset_drifted"] = None if run.dataset_drifted is None else float(run.dataset_drifted)
    numbers["n_rows"] = float(run.n_rows)
    numbers["quality_warnings"] = _float(run.quality_warnings)
    numbers["quality_alerts"] = _float(run.quality_alerts)
    return {k: float(v) for k, v in numbers.items() if v is not None and math.isfinite(v)}


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class MlflowTracking:
    """An MLflow tracking server (or any tracking URI MLflow's client takes) that driftscope
    logs runs to.

    Parameters
    ----------
    tracking_uri
        Where MLflow tracks, e.g. ``http://127.0.0.1:5000``. An ``http(s)`` server is checked
        once, at `check`, with a short timeout, so that a server that is down is said at once
        instead of after MLflow's own retries (``MLFLOW_HTTP_REQUEST_MAX_RETRIES``).
    timeout
        Seconds the check waits for the server's ``/health``.
    """

    def __init__(self, tracking_uri: str, *, timeout: float = 10.0) -> None:
        self.tracking_uri = tracking_uri.rstrip("/")
        self.timeout = timeout
        self._client = MlflowClient(tracking_uri=self.tracking_uri)

    def __repr__(self) -> str:
        return f"MlflowTracking({self.tracking_uri!r})"

    def check(self) -> None:
        """Raise `IntegrationError` naming the address when an HTTP tracking server does not
        answer its health check."""
        if not self.tracking_uri.startswith(("http://", "https://")):
            return
        address = f"{self.tracking_uri}/health"
        try:
            with urllib.request.urlopen(address, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise IntegrationError(
                f"Cannot reach the MLflow tracking server at {self.tracking_uri} ({reason}); is "
                "`mlflow server` running there? Set the address with --mlflow-uri or "
                "MLFLOW_TRACKING_URI."
            ) from None
        if status != 200:
            raise IntegrationError(
                f"The MLflow tracking server at {self.tracking_uri} answered its health check "
                f"with HTTP {status}; expected 200."
            )

    # -- what an experiment holds ---------------------------------------------------------

    def experiment_id(self, name: str, model: str, *, create: bool) -> str | None:
        """The id of the experiment ``name`` (made, tagged with the model, when ``create``)."""
        with self._errors(f"finding the experiment {name!r}"):
            found = self._client.get_experiment_by_name(name)
            if found is not None:
                if found.lifecycle_stage == "deleted":
                    raise IntegrationError(
                        f"The MLflow experiment {name!r} at {self.tracking_uri} is deleted; "
                        "restore it in MLflow, or log to another with --experiment."
                    )
                return str(found.experiment_id)
            if not create:
                return None
            return str(self._client.create_experiment(name, tags={MODEL_TAG: model}))

    def logged_runs(self, experiment: str, model: str) -> dict[int, str]:
        """The driftscope runs of ``model`` logged completely to ``experiment``: run id to
        MLflow run id."""
        experiment_id = self.experiment_id(experiment, model, create=False)
        if experiment_id is None:
            return {}
        return {
            run_id: mlflow_id
            for run_id, mlflow_id, complete in self._runs_of(experiment_id, model)
            if complete
        }

    def _runs_of(self, experiment_id: str, model: str) -> Iterator[tuple[int, str, bool]]:
        """Each MLflow run of the experiment logged from a run of ``model``: its driftscope run
        id, its MLflow id, and whether it was logged completely."""
        token: str | None = None
        while True:
            with self._errors("listing the runs already logged"):
                page = self._client.search_runs(
                    [experiment_id],
                    run_view_type=ViewType.ACTIVE_ONLY,
                    max_results=_PAGE,
                    page_token=token,
                )
            for found in page:
                tags = found.data.tags
                if tags.get(MODEL_TAG) != model or not tags.get(RUN_ID_TAG, "").isdigit():
                    continue
                complete = tags.get(COMPLETE_TAG) == "true"
                yield int(tags[RUN_ID_TAG]), found.info.run_id, complete
            token = page.token
            if not token:
                return

    # -- logging ----------------------------------------------------------------------------

    def log_run(self, run: AnalysedRun, experiment: str | None = None) -> LoggedRun:
        """Log ``run`` to ``experiment`` (default: the model's name), unless it is logged there
        already; a run logged halfway before is deleted and logged anew."""
        name = experiment or run.model
        experiment_id = self.experiment_id(name, run.model, create=True)
        assert experiment_id is not None  # made when missing
        for run_id, mlflow_id, complete in self._runs_of(experiment_id, run.model):
            if run_id != run.run_id:
                continue
            if complete:
                return LoggedRun(run.model, run.run_id, mlflow_id, experiment_id, False)
            with self._errors(f"deleting the run logged halfway before ({mlflow_id})"):
                self._client.delete_run(mlflow_id)
        return self._log_new(run, experiment_id)

    def _log_new(self, run: AnalysedRun, experiment_id: str) -> LoggedRun:
        from driftscope.report.html import render_html

        tags = {
            MODEL_TAG: run.model,
            "driftscope.version": str(run.version),
            RUN_ID_TAG: str(run.run_id),
            "driftscope.verdict": run.verdict or "",
            "driftscope.source": run.source,
            "driftscope.date": run.date.isoformat(),
        }
        with self._errors(f"creating the MLflow run of run {run.run_id}"):
            created = self._client.create_run(
                experiment_id,
                start_time=_millis(run.date),
                tags=tags,
                run_name=f"{run.model} run {run.run_id}",
            )
        mlflow_id = created.info.run_id
        at = _millis(run.date)
        params = {
            "model": run.model,
            "version": str(run.version),
            "run_id": str(run.run_id),
            "verdict": run.verdict or "none",
            "date": run.date.isoformat(),
        }
        report = dict(run.report)
        with self._errors(f"logging run {run.run_id} to MLflow run {mlflow_id}"):
            self._client.log_batch(
                mlflow_id,
                metrics=[Metric(k, v, at, 0) for k, v in run_metrics(run).items()],
                params=[Param(k, v) for k, v in params.items()],
            )
            self._client.log_text(
                mlflow_id,
                json.dumps(report, indent=2, allow_nan=False, default=str),
                f"{ARTIFACT_DIR}/report.json",
            )
            self._client.log_text(mlflow_id, render_html(report), f"{ARTIFACT_DIR}/report.html")
            # Last: only a run with every part stored counts as logged.
            self._client.log_batch(mlflow_id, tags=[RunTag(COMPLETE_TAG, "true")])
            self._client.set_terminated(mlflow_id, "FINISHED", end_time=at)
        return LoggedRun(run.model, run.run_id, mlflow_id, experiment_id, True)

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn what MLflow's client raises into an `IntegrationError` saying what was being
        done, where, and MLflow's own message."""
        try:
            yield
        except IntegrationError:
            raise
        except (MlflowException, OSError) as exc:
            message = str(getattr(exc, "message", None) or exc).strip().splitlines()
            said = message[0] if message else type(exc).__name__
            raise IntegrationError(
                f"MLflow at {self.tracking_uri} failed while {doing}: {said}"
            ) from None
