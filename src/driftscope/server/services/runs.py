"""Production runs: a batch of a model's production data with its date, analysed by
`driftscope.monitor` against the version's baseline in a job of its own.

Uploading stores the data (and the ground truth, when it comes in a file of its own, joined by
the id column) as Parquet artifacts, and the run with its analysis job in one transaction: a run
is never stored without its job, nor a job without its run. The analysis stores the report as an
artifact and the numbers a dashboard plots (`RunMetric`, `RunFeature`, `RunCheck`) as rows.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from driftscope.analyses.explanation import ExplainSettings, ExplanationsSection
from driftscope.analyses.status import Status
from driftscope.analyses.text_explanation import TextExplainSettings
from driftscope.data.labels import join_labels
from driftscope.data.profile import Profile
from driftscope.exceptions import ColumnError, EmptyDataError
from driftscope.report import Report
from driftscope.server import db
from driftscope.server.errors import Conflict, Invalid, NotFound
from driftscope.server.jobs import JobKind, enqueue, note
from driftscope.server.models import (
    Job,
    JobStatus,
    Model,
    Run,
    RunChangePoints,
    RunCheck,
    RunColumnDrift,
    RunEstimate,
    RunFeature,
    RunMetric,
    RunSource,
    RunStatus,
    Version,
    now,
)
from driftscope.server.services import alerts, mlflow_links, notify, shadow
from driftscope.server.services.archives import table_in, unpack
from driftscope.server.services.baselines import (
    NOT_RUN,
    baseline_profile,
    column_names,
    not_run_notes,
    read_run_profile,
    run_profile,
    shared_columns,
    version_schema,
)
from driftscope.server.services.feedback import feedback_counts
from driftscope.server.services.predict import (
    ModelRunError,
    predict_columns,
    version_explained_model,
    version_predictor,
)
from driftscope.server.services.registry import (
    ModelTask,
    get_model,
    get_version,
    read_zipped_table,
    serving_version,
)
from driftscope.server.services.timeline import pack_column_drift
from driftscope.server.services.uploads import Upload, read_upload
from driftscope.server.services.users import Principal, audit
from driftscope.server.state import State

__all__ = [
    "ANALYSE",
    "JOB_KINDS",
    "LatestExplanations",
    "analyse_run",
    "delete_run",
    "get_run",
    "latest_explanations",
    "retry_job",
    "run_explanations",
    "schema_change",
    "upload_profile_run",
    "upload_run",
]

log = logging.getLogger("driftscope.server.runs")

#: The job kind that analyses a run.
ANALYSE = "analyse_run"


def upload_run(
    state: State,
    session: Session,
    principal: Principal,
    model_name: str,
    *,
    data: Upload,
    date: datetime | None,
    labels: Upload | None = None,
    version: int | None = None,
) -> Run:
    """Store a run of production data for a version (by default the ``production`` one, else
    the latest) and queue its analysis."""
    model = get_model(session, model_name)
    chosen = _run_version(session, model, version)
    if ModelTask(model.task).on_files:
        return _upload_files_run(state, session, principal, model, chosen, data, date, labels)
    frame = read_upload(state, data)
    _check_columns(frame, chosen, labels is not None)
    label_key = None
    if labels is not None:
        label_frame = read_upload(state, labels)
        for needed in (chosen.id_column, chosen.target):
            if needed is not None and needed not in label_frame.columns:
                raise Invalid(
                    f"The ground truth has no column {needed!r}; it needs the id column and the "
                    "target column of the version.",
                    field="labels",
                )
        label_key = state.artifacts.put_frame(label_frame)
    run = Run(data=state.artifacts.put_frame(frame), labels=label_key, n_rows=len(frame))
    return _queue_run(state, session, principal, model, chosen, date, run)


def upload_profile_run(
    state: State,
    session: Session,
    principal: Principal,
    model_name: str,
    *,
    profile: Upload,
    date: datetime | None,
    version: int | None = None,
) -> Run:
    """Store a run sent as a profile of production data (`driftscope.profile` with the
    version's schema: a Spark job profiles a table where it lies) and queue its analysis. The
    profile is checked (a profile file, undamaged, of the version's schema) and kept as it
    came; its ground truth, if any, is in its model part (confusion counts, regression sums)."""
    model = get_model(session, model_name)
    chosen = _run_version(session, model, version)
    if ModelTask(model.task).on_files:
        raise Invalid(
            f"A run of a {model.task} model is a zip of its files with the table naming them; "
            "a profile does not hold the files.",
            field=profile.field,
        )
    data, made = read_run_profile(state, profile, chosen)
    run = Run(data=state.artifacts.put_bytes(data), n_rows=made.n_rows, source=RunSource.PROFILE)
    return _queue_run(state, session, principal, model, chosen, date, run)


def _queue_run(
    state: State,
    session: Session,
    principal: Principal,
    model: Model,
    version: Version,
    date: datetime | None,
    run: Run,
) -> Run:
    """Store a run (its data already stored) for ``version`` with its analysis job, in the
    caller's transaction, and say so in the audit log."""
    run.model_id = model.id
    run.version_id = version.id
    run.date = _aware(date) if date is not None else now()
    run.created_by = principal.actor
    session.add(run)
    session.flush()
    enqueue(session, ANALYSE, {"run_id": run.id}, state.settings.job_max_attempts, run.id)
    audit(
        session,
        principal.actor,
        "run.create",
        f"model:{model.name}/run:{run.id}",
        version=version.number,
        rows=run.n_rows,
    )
    return run


def _upload_files_run(
    state: State,
    session: Session,
    principal: Principal,
    model: Model,
    version: Version,
    data: Upload,
    date: datetime | None,
    labels: Upload | None,
) -> Run:
    """A run of an image or audio model: a zip of the files and the table naming them (with
    ground truth in the table, where there is some)."""
    if labels is not None:
        raise Invalid(
            "Ground truth of an image or audio model goes in the zipped table, beside the files.",
            field="labels",
        )
    key, frame = read_zipped_table(state, data)
    task = ModelTask(model.task)
    needed = [version.prediction] if task == ModelTask.SPEECH else [version.inputs_column]
    missing = [c for c in needed if c and c not in frame.columns]
    if missing:
        raise Invalid(f"The run's table has no column {missing[0]!r}.", field="data")
    return _queue_run(
        state, session, principal, model, version, date, Run(data=key, n_rows=len(frame))
    )


def _run_version(session: Session, model: Model, version: int | None) -> Version:
    """The version a run is for: the one asked, else the ``production`` one, else the latest."""
    return (
        get_version(session, model, version)
        if version is not None
        else serving_version(session, model)
    )


def _aware(date: datetime) -> datetime:
    return date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)


def _check_columns(frame: Any, version: Version, separate_labels: bool) -> None:
    """A run must carry the model's predictions unless the version has the model to make them,
    and the id when its labels come apart."""
    missing_prediction = version.prediction is not None and version.prediction not in frame
    if missing_prediction and version.model_file is None:
        raise Invalid(
            f"The run has no prediction column {version.prediction!r}, which version "
            f"{version.number} names, and the version has no model file to make them.",
            field="data",
        )
    if separate_labels:
        if version.id_column is None:
            raise Invalid(
                "Ground truth in a file of its own is joined to the run by the id column; "
                f"version {version.number} names none (give one when adding the version).",
                field="labels",
            )
        if version.id_column not in frame.columns:
            raise Invalid(
                f"The run has no id column {version.id_column!r} to join its ground truth on.",
                field="data",
            )


def get_run(session: Session, model: Model, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None or run.model_id != model.id:
        raise NotFound(f"Model {model.name!r} has no run {run_id}.")
    return run


def delete_run(session: Session, principal: Principal, model_name: str, run_id: int) -> None:
    """Delete a run with its points (its artifacts go with the next `sweep_artifacts`); the
    model's alert rules are evaluated again."""
    model = get_model(session, model_name)
    run = get_run(session, model, run_id)
    session.delete(run)
    audit(session, principal.actor, "run.delete", f"model:{model.name}/run:{run_id}")
    # The rules judge the runs that are left: a breach made of the deleted run ends.
    alerts.evaluate_in(session, model)


def analyse_run(state: State, payload: Mapping[str, Any], progress: Callable[[str], None]) -> None:
    """The analysis job: `driftscope.monitor` (or `monitor_images`, `monitor_asr`) of the run
    against its version's baseline."""
    run_id = int(payload["run_id"])
    with state.sessions() as session:
        run = session.get(Run, run_id)
        if run is None:  # deleted before its analysis
            return
        version = session.get(Version, run.version_id)
        model = session.get(Model, run.model_id)
        if version is None or model is None:
            return
    task = ModelTask(model.task)
    if task.on_files:
        progress("analysing")
        analysis = _TableAnalysis(_files_report(state, task, model, version, run), [])
    else:
        analysis = _table_report(state, task, model, version, run, progress)
    report, changes = analysis.report, analysis.changes
    progress("storing")
    report_key = state.artifacts.put_bytes(report.to_json(indent=None).encode("utf-8"))
    with db.transaction(state.writers) as session:
        stored = session.get(Run, run_id)
        if stored is None:
            return
        _store_points(session, stored, report)
        stored.n_feedback, stored.negative_feedback = analysis.feedback or (None, None)
        shadow.store(state, session, stored, analysis.shadow)
        stored.report = report_key
        kept = [n for n in stored.notes or [] if not is_analysis_note(n)]
        stored.notes = [*kept, *changes]
        stored.status = RunStatus.ANALYSED
        stored.error = None
        stored.analysed_at = now()
        stored.rules_due = True  # until evaluate_model has judged it (the worker retries)
        model_id = stored.model_id
        # Queued with the analysis, run apart: MLflow being down never fails nor holds it up.
        mlflow_links.queue_logging(state, session, stored)
    # After the analysis is stored, in transactions of their own: a broken rule says so on
    # itself and never fails the analysis. The notifications are queued at once (the worker
    # queues them too, should this process die first); sending them is a job of its own.
    try:
        alerts.evaluate_model(state, model_id)
        notify.queue_notifications(state)
    except Exception as error:  # the store itself failed; the analysis is kept all the same
        log.warning("alert rules of model %s not evaluated or notified: %s", model_id, error)


def _files_report(
    state: State, task: ModelTask, model: Model, version: Version, run: Run
) -> Report:
    """`monitor_images` or `monitor_asr` of the run's zip against the baseline's, reading files
    only inside the two unpacked folders."""
    if version.baseline is None:  # an image or audio model keeps its raw baseline
        raise Conflict(f"Version {version.number} has no raw baseline to read its files from.")
    reference_folder = unpack(state, version.baseline, "baseline")
    current_folder = unpack(state, run.data, "data")
    roots = [reference_folder, current_folder]
    reference_name = f"{model.name} v{version.number} baseline"
    current_name = f"{model.name} run {run.id}"
    reference = table_in(reference_folder, "baseline")
    current = table_in(current_folder, "data")
    if task == ModelTask.SPEECH:
        from driftscope.workflows.asr import monitor_asr

        return monitor_asr(
            reference,
            current,
            reference_text=str(version.target),
            hypothesis_text=str(version.prediction),
            column=version.inputs_column or "inputs",
            allow_roots=roots,
            timestamp=version.timestamp,
            benchmark_wer=version.benchmarks.get("wer"),
            reference_name=reference_name,
            current_name=current_name,
        )
    from driftscope.analyses.image_explanation import ImageExplainSettings
    from driftscope.workflows.images import monitor_images

    # A classifier is explained on a few images a side, with few model calls each, so that the
    # analysis stays quick; explain_rows 0 turns it off.
    explain = min(state.settings.explain_rows, EXPLAINED_IMAGES) if task == ModelTask.IMAGE else 0
    return monitor_images(
        reference,
        current,
        state.artifacts.named(str(version.model_file), ".onnx"),
        task=task.monitor_task,
        column=version.inputs_column or "inputs",
        labels_column=version.target,
        allow_roots=roots,
        reference_name=reference_name,
        current_name=current_name,
        explain=explain,
        explain_settings=ImageExplainSettings(max_evals=EXPLAINED_IMAGE_EVALS),
    )


#: Images a side an image classifier's run explains, at most (and at most explain_rows).
EXPLAINED_IMAGES = 4
#: Model calls per explained image (shap's partition explainer).
EXPLAINED_IMAGE_EVALS = 100


@dataclass(frozen=True)
class _TableAnalysis:
    """What an analysis found: the report, the note of a schema change, the feedback the run's
    rows got (how much, how much negative; None without an id column), and the comparison with
    the model's shadow version (None without one)."""

    report: Report
    changes: list[str]
    feedback: tuple[int, int] | None = None
    shadow: shadow.ShadowOutcome | None = None


def _table_report(
    state: State,
    task: ModelTask,
    model: Model,
    version: Version,
    run: Run,
    progress: Callable[[str], None],
) -> _TableAnalysis:
    """`driftscope.monitor` of a tabular run against its version's baseline, with what else the
    run's rows say (`_TableAnalysis`)."""
    progress("reading")
    # A side kept or sent as a profile is analysed from it (`driftscope.monitor` takes one);
    # what needs that side's rows does not run, and the run's notes say so.
    # A run sent as a profile meets the baseline's stored profile, even where the raw rows are
    # kept: monitor would only profile those rows again.
    from_profile = run.source == RunSource.PROFILE
    reference: Any = (
        state.artifacts.read_frame(version.baseline)
        if version.baseline is not None and not from_profile
        else baseline_profile(state, version)
    )
    current: Any = run_profile(state, run) if from_profile else state.artifacts.read_frame(run.data)
    without_rows = not_run_notes(
        version,
        run,
        explains=version.model_file is not None and state.settings.explain_rows > 0,
        estimates=_estimate_mode(state, task, version) is not False,
    )
    id_column = version.id_column
    if run.source == "logged":
        # The time and the id every logged row carries are the service's when the version
        # names none: the time is left out, the id joins the labels.
        if version.timestamp is None:
            current = current.drop(columns=["timestamp"], errors="ignore")
        id_column = id_column or "id"
    changes = schema_change(
        column_names(reference),
        column_names(current),
        version,
        {id_column} if id_column else set(),
    )
    changes += without_rows
    labels = state.artifacts.read_frame(run.labels) if run.labels else None
    if isinstance(current, Profile):
        progress("analysing")
        report = _monitor(
            state, task, model, version, run, reference, current, None, id_column, False, None
        )
        return _TableAnalysis(report, changes)
    if version.prediction is not None and version.prediction not in current:
        progress("predicting")
        current = predict_columns(
            current,
            version_predictor(state.artifacts, version),
            version.prediction,
            version.proba_prefix,
        )
    feedback = None
    if id_column is not None and id_column in current.columns:
        with state.sessions() as session:
            feedback = feedback_counts(session, model.id, current[id_column].to_numpy())
    rows_both_sides = not isinstance(reference, Profile)
    explained, unexplained = _explained_model(state, version) if rows_both_sides else (None, None)
    if not rows_both_sides:
        # Against a profile the rows are profiled as they come: their late labels joined here,
        # and the baseline's columns they lack (a target whose labels have not arrived, a
        # schema change) left out of the comparison, as with a baseline of rows.
        if labels is not None and id_column is not None and version.target is not None:
            current, _, _ = join_labels(current, labels, id_column, version.target)
        labels = None
        reference = shared_columns(reference, current.columns)
    progress("analysing")
    estimate = _estimate_mode(state, task, version) if rows_both_sides else False
    analysed = (state, task, model, version, run, reference, current, labels, id_column)
    try:
        report = _monitor(*analysed, estimate, explained)
    except (ColumnError, EmptyDataError):
        if not estimate:
            raise
        # The version names what estimation needs, this run's data does not hold it (no
        # probabilities, too few labelled baseline rows): the run is analysed without it.
        report = _monitor(*analysed, None, explained)
    if unexplained is not None:
        # As monitor does for a model that fails on the data: the section and a warning.
        report = replace(
            report,
            explanations=ExplanationsSection(None, unexplained),
            extra_warnings=(*report.extra_warnings, f"explanations: {unexplained}"),
        )
    with state.sessions() as session:
        candidate = shadow.shadow_candidate(session, model, version)
    outcome = None
    if candidate is not None:
        progress("comparing with the shadow")
        outcome = shadow.compare(state, task, version, candidate, current, labels, id_column)
    return _TableAnalysis(report, changes, feedback, outcome)


def _monitor(
    state: State,
    task: ModelTask,
    model: Model,
    version: Version,
    run: Run,
    reference: Any,
    current: Any,
    labels: Any,
    id_column: str | None,
    estimate: bool | None,
    explained: Any,
) -> Report:
    """`driftscope.monitor` of a run (rows or a profile) against its version's baseline (rows
    or a profile)."""
    from driftscope.workflows.monitor import monitor

    reference_name = f"{model.name} v{version.number} baseline"
    current_name = f"{model.name} run {run.id}"
    if isinstance(reference, Profile) or isinstance(current, Profile):
        # The profile fixes the schema and every column's role; what needs rows is not asked.
        return monitor(
            reference,
            current,
            benchmarks=version.benchmarks or None,
            reference_name=reference_name,
            current_name=current_name,
        )
    return monitor(
        reference,
        current,
        version_schema(version),
        target=version.target,
        prediction=version.prediction,
        proba_prefix=version.proba_prefix,
        task=task.monitor_task,
        timestamp=version.timestamp,
        id=id_column,
        labels=labels,
        benchmarks=version.benchmarks or None,
        explain_model=explained,
        explain_settings=_explain_settings(state, task),
        estimate=estimate,
        reference_name=reference_name,
        current_name=current_name,
    )


#: Model calls per text when the service explains a text classifier: a fifth of LIME's default,
#: so that ``explain_rows`` texts a side stay a matter of seconds in the analysis job.
TEXT_EXPLAIN_SAMPLES = 100


def _explain_settings(state: State, task: ModelTask) -> ExplainSettings | TextExplainSettings:
    """How a run's model is explained: ``explain_rows`` rows a side, or, for a text classifier,
    as many texts with `TEXT_EXPLAIN_SAMPLES` model calls each (`driftscope.monitor` explains
    a text pipeline word by word, any other model on its columns)."""
    rows = max(state.settings.explain_rows, 1)
    if task == ModelTask.TEXT:
        return TextExplainSettings(max_texts=rows, num_samples=TEXT_EXPLAIN_SAMPLES)
    return ExplainSettings(max_rows=rows)


def _estimate_mode(state: State, task: ModelTask, version: Version) -> bool | None:
    """Whether the analysis estimates the run's performance without its labels: always where
    the version names what it needs (so the estimate made before the labels arrived is there
    beside the realised value after), never when the server turns it off, else where labels
    are missing and the model allows it (`driftscope.monitor`'s default)."""
    if not state.settings.estimate_runs:
        return False
    if version.target is None:
        return None
    classifier = task in (ModelTask.BINARY, ModelTask.MULTICLASS) and version.proba_prefix
    regressor = task == ModelTask.REGRESSION and version.prediction
    return True if classifier or regressor else None


def _explained_model(state: State, version: Version) -> tuple[Any, str | None]:
    """The version's model for the analysis to explain (None: not explained: no model file, or
    explanations off), or why it cannot be: the analysis goes on and its explanations section
    carries the reason."""
    if version.model_file is None or state.settings.explain_rows == 0:
        return None, None
    try:
        return (
            version_explained_model(
                state.artifacts, version, allow_pickle=state.settings.allow_pickle
            ),
            None,
        )
    except ModelRunError as error:
        return None, str(error)


#: How a run's note about columns that differ from the baseline's starts.
SCHEMA_CHANGE = "Schema change"


def is_analysis_note(note: str) -> bool:
    """Whether a run's note is one its analysis writes (and the next analysis writes again)."""
    return note.startswith(SCHEMA_CHANGE) or NOT_RUN in note


def schema_change(
    reference: Sequence[Any],
    current: Sequence[Any],
    version: Version,
    ignored: set[str] | None = None,
) -> list[str]:
    """A note when the run's columns (``current``) are not the baseline's (``reference``): it is
    analysed on the columns both have. The prediction and probability columns the model makes,
    and a target or id that comes in its own file, do not count."""
    made = {version.prediction} if version.model_file else set()
    made |= {
        c
        for c in reference
        if version.proba_prefix and version.model_file and str(c).startswith(version.proba_prefix)
    }
    apart = {version.target, version.id_column}
    missing = [c for c in reference if c not in current and c not in made | apart]
    new = [c for c in current if c not in reference and c not in (ignored or ())]
    if not missing and not new:
        return []
    parts = []
    if missing:
        parts.append(f"lacks {len(missing)} of the baseline's columns ({_names(missing)})")
    if new:
        parts.append(f"has {len(new)} column(s) the baseline does not have ({_names(new)})")
    return [f"{SCHEMA_CHANGE}: the run {' and '.join(parts)}; analysed on the shared columns."]


def _names(columns: list[Any]) -> str:
    shown = ", ".join(repr(str(c)) for c in columns[:5])
    return shown + (", ..." if len(columns) > 5 else "")


def retry_job(session: Session, principal: Principal, job_id: int) -> Job:
    """Queue a failed job again with a fresh set of attempts; its run is pending again."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    if job.status != JobStatus.FAILED:
        raise Conflict(f"Job {job_id} is {job.status}; only a failed job is retried.")
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.error = None
    job.started_at = job.finished_at = None
    job.progress = ""
    note(job, f"Queued again by {principal.actor}, with {job.max_attempts} new attempts.")
    if job.run_id is not None:
        run = session.get(Run, job.run_id)
        if run is not None:
            run.status = RunStatus.PENDING
            run.error = None
    audit(session, principal.actor, "job.retry", f"job:{job_id}")
    return job


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _store_points(session: Session, run: Run, report: Report) -> None:
    """The numbers a dashboard plots, as rows; a re-analysis replaces the run's old ones."""
    for table in (RunMetric, RunEstimate, RunFeature, RunColumnDrift, RunCheck, RunChangePoints):
        session.execute(delete(table).where(table.run_id == run.id))
    dataset = report.drift.dataset
    run.drift_share = _number(dataset.drift_share)
    run.dataset_drifted = bool(dataset.drifted)
    run.verdict = run.verdict_reasons = None
    if report.verdict is not None:
        run.verdict = str(report.verdict.decision)
        run.verdict_reasons = [reason.to_dict() for reason in report.verdict.reasons]
    for column in report.drift.columns:
        session.add(
            RunFeature(
                run_id=run.id,
                column=column.name,
                role=str(column.role),
                method=column.method,
                statistic=_number(column.statistic),
                p_value=_number(column.p_value),
                effect_size=_number(column.effect_size),
                drifted=None if column.skipped else column.drifted,
            )
        )
    if report.drift.columns:
        session.add(pack_column_drift(run.id, report.drift.columns))
    if report.performance is not None:
        for metric in report.performance.metrics:
            session.add(
                RunMetric(
                    run_id=run.id,
                    metric=metric.name,
                    value=_number(metric.current),
                    lower=_number(metric.current_low),
                    upper=_number(metric.current_high),
                    reference=_number(metric.reference),
                    benchmark=(
                        _number(metric.baseline) if metric.baseline_source == "benchmark" else None
                    ),
                    status=str(metric.status),
                    is_primary=bool(metric.primary),
                )
            )
    estimated = report.estimated_performance
    if estimated is not None:
        for guess in estimated.overall.metrics.values():
            session.add(
                RunEstimate(
                    run_id=run.id,
                    metric=guess.name,
                    method=estimated.method,
                    estimate=_number(guess.estimate),
                    lower=_number(guess.low),
                    upper=_number(guess.high),
                    baseline=_number(guess.baseline),
                    status=str(guess.status),
                    realised=_number(guess.realised),
                    realised_rows=int(guess.realised_rows),
                    within_band=guess.within_band,
                    is_primary=guess.name == estimated.primary,
                )
            )
    run.n_labelled = (
        None if report.performance is None else int(report.performance.n_current_labelled)
    )
    run.quality_warnings = run.quality_alerts = None
    if report.quality is not None:
        statuses = [str(check.status) for check in report.quality.checks]
        run.quality_warnings = statuses.count(Status.WARNING)
        run.quality_alerts = statuses.count(Status.ALERT)
        for check in report.quality.checks:
            session.add(
                RunCheck(
                    run_id=run.id,
                    check=check.check,
                    column=check.column or "",
                    status=str(check.status),
                    share=_number(check.share),
                )
            )


def _analysis_failed(state: State, payload: Mapping[str, Any], error: str) -> None:
    """A run whose analysis failed for good says why."""
    with db.transaction(state.writers) as session:
        run = session.get(Run, int(payload["run_id"]))
        if run is not None:
            run.status = RunStatus.FAILED
            run.error = error


#: The jobs this service runs, by kind.
JOB_KINDS = {ANALYSE: JobKind(analyse_run, _analysis_failed)}


def report_json(state: State, run: Run) -> dict[str, Any]:
    if run.report is None:
        why = (
            f"its analysis failed: {run.error}"
            if run.status == RunStatus.FAILED
            else "its analysis has not finished"
        )
        raise NotFound(f"Run {run.id} has no report ({why}).")
    loaded: dict[str, Any] = json.loads(state.artifacts.read_bytes(run.report))
    return loaded


def run_explanations(state: State, session: Session, run_id: int) -> dict[str, Any]:
    """The explanations section of a run's stored report: the model's attributions on the
    baseline and the run, or the error that stopped them. `NotFound` when the run has no
    report yet, or a report without the section (its version has no model file, or
    explanations were off when it was analysed)."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"No run {run_id}.")
    section = report_json(state, run).get("explanations")
    if section is None:
        raise NotFound(f"Run {run_id} has no explanations: {explanations_missing(session, run)}.")
    return dict(section)


def explanations_missing(session: Session, run: Run) -> str:
    """Why an analysed run's report has no explanations, in words."""
    version = session.get(Version, run.version_id)
    model = session.get(Model, run.model_id)
    if model is not None and ModelTask(model.task).on_files:
        return "explanations are made for tabular models and image classifiers only"
    if version is not None and version.model_file is None:
        return f"its version v{version.number} has no model file to explain"
    return (
        "explanations were off when it was analysed (explain_rows 0), or it was analysed "
        "before the service made them"
    )


@dataclass(frozen=True)
class LatestExplanations:
    """The explanations of a model's latest analysed run: the run (None when none is analysed
    yet), its version's number, the report's section (None when it has none) and, when there is
    no explanation to show, why."""

    run_id: int | None
    version: int | None
    section: dict[str, Any] | None
    why: str | None


def latest_explanations(state: State, session: Session, model: Model) -> LatestExplanations:
    """What drives the model now: the explanations section of its latest analysed run (by the
    run's date), or why there is none."""
    run = session.scalars(
        select(Run)
        .where(Run.model_id == model.id, Run.status == RunStatus.ANALYSED)
        .where(Run.report.is_not(None))
        .order_by(Run.date.desc(), Run.id.desc())
        .limit(1)
    ).first()
    if run is None:
        return LatestExplanations(None, None, None, "no run has been analysed yet")
    version = session.get(Version, run.version_id)
    number = None if version is None else version.number
    section = report_json(state, run).get("explanations")
    if section is not None:
        return LatestExplanations(run.id, number, dict(section), None)
    why = explanations_missing(session, run)
    if state.settings.explain_rows == 0:
        why = "explanations are off on this server (explain_rows 0)"
    return LatestExplanations(run.id, number, None, f"run {run.id} has none: {why}")
