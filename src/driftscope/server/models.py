"""The store's tables (SQLAlchemy 2 ORM). The migrations under `server/migrations/` create them;
a change here needs a new migration (`tests/server/test_db.py` checks that the two agree).

The numbers a dashboard plots are rows of their own (`RunMetric`, `RunFeature`, `RunCheck`,
indexed by run), so a time series over many runs is one query and no report is parsed to draw
it. A run's full report is an artifact (JSON), read only when that run is opened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "PERIODS",
    "SENT_WHOLE",
    "Alert",
    "AlertEvent",
    "AlertRule",
    "AlertState",
    "Alias",
    "AliasMove",
    "ApiToken",
    "Audit",
    "Base",
    "Delivery",
    "Feedback",
    "Job",
    "JobStatus",
    "Label",
    "LoggedChunk",
    "LoginFailure",
    "MlflowLink",
    "Model",
    "Notifier",
    "Role",
    "Run",
    "RunCheck",
    "RunEstimate",
    "RunFeature",
    "RunMetric",
    "RunShadow",
    "RunSource",
    "RunStatus",
    "User",
    "UserSession",
    "Version",
    "now",
]


#: How logged predictions are grouped into runs (a model's ``period``), and each one's length.
PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back aware (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        # A naive time is taken for UTC, as the store writes and reads only UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(StrEnum):
    """viewer < editor < admin: each may do what the ones below it may."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def may(self, needed: Role) -> bool:
        return self.rank >= needed.rank


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AlertState(StrEnum):
    """An alert fires while its rule's condition holds, and is resolved once it no longer does."""

    FIRING = "firing"
    RESOLVED = "resolved"


class RunSource(StrEnum):
    """How a run's data came: a batch sent whole, logged predictions grouped by period, or a
    profile of the batch sent instead of its rows."""

    UPLOAD = "upload"
    LOGGED = "logged"
    PROFILE = "profile"


#: The sources of runs sent whole (their rows counted as the model's data when they came).
SENT_WHOLE = (RunSource.UPLOAD, RunSource.PROFILE)


class RunStatus(StrEnum):
    """A run is pending until its analysis job ends, then analysed or failed."""

    PENDING = "pending"
    ANALYSED = "analysed"
    FAILED = "failed"


#: The table options of every table with an integer id: on SQLite an id is never given again, to
#: a row made after the one that had it was deleted (SQLite's AUTOINCREMENT; PostgreSQL's sequences
#: never reuse one). A deleted run's id would otherwise name the next run in the audit log, in
#: links users keep and in MLflow's ``driftscope.run_id`` tag.
AUTOINCREMENT: dict[str, Any] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    #: When the user last logged in (None: never, or before the store recorded it).
    last_login_at: Mapped[datetime | None]


class UserSession(Base):
    """A browser session: the cookie holds a random secret, the store only its hash."""

    __tablename__ = "sessions"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]


class ApiToken(Base):
    """A service's token: shown once, stored as a hash, scoped to a role, revocable."""

    __tablename__ = "api_tokens"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The token's first characters, shown in lists so a token can be told apart.
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: From this time on the token is refused (None: it does not expire).
    expires_at: Mapped[datetime | None]


class LoginFailure(Base):
    """A failed login, kept for throttling (`login_attempts` per `login_window_seconds`)."""

    __tablename__ = "login_failures"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=now)


class Audit(Base):
    """Every write: who, what, on which object, when."""

    __tablename__ = "audit_log"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(256))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Model(Base):
    __tablename__ = "models"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    task: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(128))
    #: Logged predictions are grouped into one run per period: "hour", "day" or "week".
    period: Mapped[str] = mapped_column(String(8), default="day", server_default="day")
    #: Runs, logged predictions, labels and feedback older than this many days are deleted
    #: (None: kept).
    retention_days: Mapped[int | None] = mapped_column(Integer)
    #: The number of the model's last version ever added (0: none yet). Versions are numbered
    #: from it, so a number stays that of one version even after the version is deleted.
    last_version_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Whether a new version keeps its baseline's rows (Parquet) beside its profile. Off, only
    #: the profile is stored: the analyses that need rows are reported as not run.
    keep_raw_baseline: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    versions: Mapped[list[Version]] = relationship(
        back_populates="model", cascade="all, delete-orphan", passive_deletes=True
    )


class Version(Base):
    """An immutable version of a model: its files, baseline, columns and benchmark metrics."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("model_id", "number"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(128))
    #: Artifacts (content hashes): the baseline as Parquet (None: its model keeps no raw
    #: baseline), the model and preprocessor files.
    baseline: Mapped[str | None] = mapped_column(String(64))
    #: The baseline's `driftscope.Profile` (its binary format). None for a version of an image
    #: or audio model, and for a version made before revision 0016 until its profile is first
    #: needed (`services.baselines.baseline_profile` computes and stores it then).
    baseline_profile: Mapped[str | None] = mapped_column(String(64))
    model_file: Mapped[str | None] = mapped_column(String(64))
    model_format: Mapped[str | None] = mapped_column(String(16))
    preprocessor_file: Mapped[str | None] = mapped_column(String(64))
    preprocessor_format: Mapped[str | None] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(256))
    prediction: Mapped[str | None] = mapped_column(String(256))
    proba_prefix: Mapped[str | None] = mapped_column(String(256))
    timestamp: Mapped[str | None] = mapped_column(String(256))
    id_column: Mapped[str | None] = mapped_column(String(256))
    #: For image and audio models: the column of the table in the zip that names the files.
    inputs_column: Mapped[str | None] = mapped_column(String(256))
    #: The schema as `Schema.to_dict` writes it, and the benchmark metrics ({"accuracy": 0.92}).
    schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    benchmarks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    n_baseline_rows: Mapped[int] = mapped_column(Integer)

    model: Mapped[Model] = relationship(back_populates="versions")


class Alias(Base):
    """``production`` or ``staging`` of a model, pointing at one of its versions."""

    __tablename__ = "aliases"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    alias: Mapped[str] = mapped_column(String(32), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))


class AliasMove(Base):
    """One move of an alias (promote or rollback), with who and when: the history. The
    versions' numbers are kept with their ids: a deleted version's id becomes NULL, its number
    stays (a number is never given to another version of the model)."""

    __tablename__ = "alias_moves"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(32))
    from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL")
    )
    to_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL")
    )
    from_number: Mapped[int | None] = mapped_column(Integer)
    to_number: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(default=now)


class Run(Base):
    """One batch of production data for a version, with its date, and its analysis."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_model_date", "model_id", "date"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    #: The data's date (when production saw it), not when it was uploaded.
    date: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(128))
    data: Mapped[str] = mapped_column(String(64))
    labels: Mapped[str | None] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[str | None] = mapped_column(String(64))
    #: "upload" (a batch sent whole), "logged" (predictions logged one batch at a time,
    #: grouped by the model's period, which starts at ``period_start``), or "profile" (the
    #: batch's `driftscope.Profile` sent instead of its rows: ``data`` is the profile).
    source: Mapped[str] = mapped_column(String(16), default="upload", server_default="upload")
    period_start: Mapped[datetime | None]
    #: What the service noticed while assembling the run (duplicated ids, ...), for its page.
    notes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    verdict: Mapped[str | None] = mapped_column(String(16))
    #: The verdict's reasons, most severe first, as the report gives them (``source``,
    #: ``severity``, ``message``); None for a run analysed before they were kept.
    verdict_reasons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    drift_share: Mapped[float | None] = mapped_column(Float)
    dataset_drifted: Mapped[bool | None] = mapped_column(Boolean)
    #: How many data-quality checks warned and alerted (their rows are in `RunCheck`).
    quality_warnings: Mapped[int | None] = mapped_column(Integer)
    quality_alerts: Mapped[int | None] = mapped_column(Integer)
    #: How many of the run's rows had ground truth when it was analysed (None: analysed before
    #: the store kept it, or a task without labels); alert rules' label policy reads it.
    n_labelled: Mapped[int | None] = mapped_column(Integer)
    analysed_at: Mapped[datetime | None]
    #: The MLflow run this run was logged to by the model's MLflow link, and its page on the
    #: tracking server (None: not logged by the service).
    mlflow_run_id: Mapped[str | None] = mapped_column(String(64))
    mlflow_run_url: Mapped[str | None] = mapped_column(String(2048))
    #: Feedback on the run's rows (joined by the id column): how many, and how many thumbs
    #: down (None: the run has no id column to join on, or was analysed before the store kept
    #: it). Counted at the analysis, and again when feedback arrives (`services.feedback`).
    n_feedback: Mapped[int | None] = mapped_column(Integer)
    negative_feedback: Mapped[int | None] = mapped_column(Integer)
    #: The run's analysis is stored but the model's alert rules have not been evaluated since
    #: (set with the analysis, cleared by `services.alerts.evaluate_model`): the worker's
    #: periodic step evaluates such models, so a crash between the two loses no evaluation.
    rules_due: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LoggedChunk(Base):
    """Logged predictions of one period, as received in one request (a Parquet artifact); the
    period's run gathers its chunks when it is analysed."""

    __tablename__ = "logged_chunks"
    __table_args__ = (
        Index("ix_logged_chunks_model_period", "model_id", "period_start"),
        AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    period_start: Mapped[datetime]
    data: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(default=now)
    #: The run the chunk was last analysed in (None: not analysed yet).
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))


class Label(Base):
    """Ground truth that arrived for a logged prediction, by its id (the last one sent wins)."""

    __tablename__ = "labels"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=now, index=True)


class Feedback(Base):
    """A user's thumbs up (+1) or down (-1) on a prediction, with an optional comment."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_model_received", "model_id", "received_at"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(256))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=now)


class RunMetric(Base):
    """A performance metric of a run, with its confidence interval and what it is held to."""

    __tablename__ = "run_metrics"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    reference: Mapped[float | None] = mapped_column(Float)
    benchmark: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    #: One of the task's primary metrics (the verdict's retrain rule reads them), as the
    #: analysis said.
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RunEstimate(Base):
    """A performance metric of a run estimated without its labels (CBPE for classifiers, DLE for
    regressors; `driftscope.estimate`), with its band, what it is held to, and the realised
    value once the run's labels arrived (the dashboard draws both)."""

    __tablename__ = "run_estimates"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: "cbpe" or "dle".
    method: Mapped[str] = mapped_column(String(8))
    estimate: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)
    upper: Mapped[float | None] = mapped_column(Float)
    #: The benchmark where the version has one, else the baseline's realised value.
    baseline: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    #: The value the run's labels give (None: too few labels yet), on ``realised_rows`` rows,
    #: and whether it fell inside the band of the estimate on those rows.
    realised: Mapped[float | None] = mapped_column(Float)
    realised_rows: Mapped[int] = mapped_column(Integer, default=0)
    within_band: Mapped[bool | None] = mapped_column(Boolean)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class RunShadow(Base):
    """A run scored again by the model's shadow version (its ``staging`` alias, with a model
    file) and compared with what production answered (`driftscope.shadow_compare`): how often
    they agree, and on the labelled rows who was right (the primary metric of each, the
    difference, its p-value, the better one). The whole comparison is an artifact (JSON)."""

    __tablename__ = "run_shadows"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    candidate_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL")
    )
    #: The candidate's number, kept when the version is deleted.
    candidate_number: Mapped[int] = mapped_column(Integer)
    n_rows: Mapped[int] = mapped_column(Integer)
    agreement: Mapped[float | None] = mapped_column(Float)
    agreement_low: Mapped[float | None] = mapped_column(Float)
    agreement_high: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(Text)
    #: On the labelled rows (None without labels): the primary metric, production's and the
    #: candidate's value, the difference (candidate minus production), its p-value, and which
    #: was better ("production", "candidate"; None: no significant difference).
    metric: Mapped[str | None] = mapped_column(String(64))
    production_value: Mapped[float | None] = mapped_column(Float)
    candidate_value: Mapped[float | None] = mapped_column(Float)
    difference: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    better: Mapped[str | None] = mapped_column(String(16))
    #: Why the comparison could not be made (the candidate's model failed on the run's rows);
    #: None: it was.
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(64))


class RunChangePoints(Base):
    """What a streaming detector found on a run's prediction stream, for the change-point alert
    rules (`services.change_points`): computed once per run and detector setting (``config``,
    the setting's canonical JSON), dropped when the run is analysed again."""

    __tablename__ = "run_change_points"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    config: Mapped[str] = mapped_column(String(512), primary_key=True)
    #: The run's data and labels artifacts it was read from (``data+labels``): a result read
    #: from data the run no longer has is not used.
    inputs: Mapped[str] = mapped_column(String(130))
    #: How many values the detector read (rows with a finite value, in time order).
    n_values: Mapped[int] = mapped_column(Integer)
    #: How many change points (drift detections) it signalled.
    changes: Mapped[int] = mapped_column(Integer)
    #: The first change point's position in the stream (0-based), and its row's time if the
    #: run has one.
    first_row: Mapped[int | None] = mapped_column(Integer)
    first_at: Mapped[datetime | None]
    #: Why the stream could not be read (a column missing, no labels, ...); None: it was.
    error: Mapped[str | None] = mapped_column(Text)


class RunFeature(Base):
    """One column's drift in a run (features, the target and the prediction)."""

    __tablename__ = "run_features"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    column: Mapped[str] = mapped_column(String(256), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(32))
    statistic: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    effect_size: Mapped[float | None] = mapped_column(Float)
    drifted: Mapped[bool | None] = mapped_column(Boolean)


class RunColumnDrift(Base):
    """A run's `RunFeature` rows again, packed in one row: the dashboard's heatmap reads one
    row per run instead of one per column and run. The numbers are float64 and the verdicts
    int8 (1 drifted, 0 not, -1 unknown), little-endian, in the order of ``columns``; NaN where
    a number is missing."""

    __tablename__ = "run_column_drift"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    columns: Mapped[list[str]] = mapped_column(JSON)
    roles: Mapped[list[str]] = mapped_column(JSON)
    methods: Mapped[list[str | None]] = mapped_column(JSON)
    statistic: Mapped[bytes] = mapped_column(LargeBinary)
    p_value: Mapped[bytes] = mapped_column(LargeBinary)
    drifted: Mapped[bytes] = mapped_column(LargeBinary)


class RunCheck(Base):
    """A data-quality check's status in a run."""

    __tablename__ = "run_checks"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    check: Mapped[str] = mapped_column(String(64), primary_key=True)
    column: Mapped[str] = mapped_column(String(256), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    share: Mapped[float | None] = mapped_column(Float)


class Job(Base):
    """A durable unit of work (an analysis): queued, claimed by a worker, done or failed."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created", "status", "id"),
        Index("ix_jobs_status_not_before", "status", "not_before"),
        AUTOINCREMENT,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: The run the job analyses, if it analyses one (deleting the run deletes the job).
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    progress: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text)
    #: What happened to the job, oldest first: ``{"at": ISO 8601, "attempt": n, "message": ...}``
    #: for each attempt's start, step and end (`jobs.JOB_LOG_LINES` kept, the newest).
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    worker: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=now)
    #: A queued job is not claimed before this time (a retry's backoff; None: at once).
    not_before: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class MlflowLink(Base):
    """A model's link to MLflow: the tracking server, the registered model its versions come
    from, the experiment its runs are logged to, what the service does by itself (log each
    analysed run, move the registered model's aliases with driftscope's), and how that last
    went. No secret is kept here: MLflow's credentials come from the service's environment
    (``MLFLOW_TRACKING_USERNAME``, ``MLFLOW_TRACKING_PASSWORD``, ``MLFLOW_TRACKING_TOKEN``)."""

    __tablename__ = "mlflow_links"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    tracking_uri: Mapped[str] = mapped_column(String(1024))
    registered_model: Mapped[str | None] = mapped_column(String(256))
    #: The experiment runs are logged to (None: the one named after the model).
    experiment: Mapped[str | None] = mapped_column(String(256))
    log_runs: Mapped[bool] = mapped_column(Boolean)
    move_aliases: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=now)
    #: The last run logged (its id, kept as a number: the run may be deleted since) and when.
    last_logged_run: Mapped[int | None] = mapped_column(Integer)
    last_logged_at: Mapped[datetime | None]
    #: The last thing MLflow refused or failed at (logging or an alias move), and when; cleared
    #: by the next success.
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class AlertRule(Base):
    """A rule on one signal of a model's runs: the signal's value compared with a threshold,
    for some consecutive runs and/or some time, evaluated after every analysed run by data time
    (`services.alerts`). The fields are checked there; ``error`` says why the rule could not be
    evaluated the last time (None: it could)."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("model_id", "name"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    #: What is watched (`services.alerts.Signal`), and of what: a metric, a column or a check
    #: (a verdict rule names the decision, e.g. "retrain").
    signal: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(256))
    #: A metric's drop: against "reference" or "benchmark", relative to it or absolute, and
    #: only when the confidence interval excludes the baseline. A column's drift: "drifted",
    #: "statistic" or "p_value"; a check: "status" or "share".
    measure: Mapped[str | None] = mapped_column(String(32))
    #: A change-point rule's detector parameters (the detector's own names), ``{}`` for none.
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    relative: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_excludes: Mapped[bool] = mapped_column(Boolean, default=False)
    comparator: Mapped[str] = mapped_column(String(4))
    threshold: Mapped[float] = mapped_column(Float)
    #: The condition must hold on this many consecutive runs, and (if set) for this long by
    #: the runs' dates, before the alert fires.
    for_runs: Mapped[int] = mapped_column(Integer, default=1)
    for_seconds: Mapped[int | None] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    #: A label-dependent rule skips runs with a smaller labelled share, or younger data.
    min_labelled_share: Mapped[float | None] = mapped_column(Float)
    min_label_age_seconds: Mapped[int | None] = mapped_column(Integer)
    #: A firing alert is notified again after this long (None: once).
    renotify_seconds: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Alert(Base):
    """A rule's alert for one key (a rule on a column: the column; else ""): at most one is
    firing per rule and key. Its times ``started_at`` and ``resolved_at`` are data times (the
    runs' dates); ``run_id`` and ``value`` are those of the run that made it fire."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_rule_key_state", "rule_id", "key", "state"), AUTOINCREMENT)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(256), default="")
    #: sha256 of the model, the rule and the key: the same for every alert of that series, so a
    #: receiver can de-duplicate.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    #: The latest run evaluated while firing, and its value.
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    last_value: Mapped[float | None] = mapped_column(Float)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    acknowledged_at: Mapped[datetime | None]
    silenced_until: Mapped[datetime | None]
    last_notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)


class AlertEvent(Base):
    """One change of an alert (fired, resolved, acknowledged, silenced, notified), with the run
    and the value when an evaluation made it: an alert's history."""

    __tablename__ = "alert_events"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    kind: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    run_date: Mapped[datetime | None]
    value: Mapped[float | None] = mapped_column(Float)
    actor: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text, default="")


class Notifier(Base):
    """Where alerts are sent: a signed webhook, a Slack-compatible incoming webhook or email
    (`services.notify`, which checks the fields). ``secret`` (the webhook's HMAC key, the SMTP
    password) is needed in clear to sign or log in, so it is stored, but never shown: the API,
    the pages and the CLI only say whether it is set."""

    __tablename__ = "notifiers"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: A webhook's or Slack's ``url``; email: ``host``, ``port``, ``security``, ``username``,
    #: ``sender``, ``recipients``, ``ca_file``.
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret: Mapped[str | None] = mapped_column(Text)
    #: Only these models' alerts (None: every model's), of at least this severity.
    models: Mapped[list[str] | None] = mapped_column(JSON)
    min_severity: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Delivery(Base):
    """One notification of one alert (or a test message) to one notifier: a job of kind
    "notify", whose status, attempts and log are the delivery's."""

    __tablename__ = "deliveries"
    __table_args__ = AUTOINCREMENT

    id: Mapped[int] = mapped_column(primary_key=True)
    notifier_id: Mapped[int] = mapped_column(
        ForeignKey("notifiers.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), index=True
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    #: What is told: "firing", "reminder", "resolved" or "test".
    event: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=now)
