"""What the REST API reads and writes (pydantic), apart from the store's rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

__all__ = [
    "AlertEventOut",
    "AlertOut",
    "AlertRuleIn",
    "AlertRuleOut",
    "AlertRulePatch",
    "AliasMoveOut",
    "DeliveryOut",
    "FastJSON",
    "JobLogLine",
    "JobOut",
    "LoginIn",
    "MeOut",
    "MlflowLinkIn",
    "MlflowLinkOut",
    "ModelIn",
    "ModelOut",
    "NotifierIn",
    "NotifierOut",
    "NotifierPatch",
    "Page",
    "PasswordIn",
    "PromoteIn",
    "RunMetricOut",
    "RunOut",
    "SilenceIn",
    "TokenCreated",
    "TokenIn",
    "TokenOut",
    "UserIn",
    "UserOut",
    "UserPatch",
    "VersionOut",
]

T = TypeVar("T")


class FastJSON(JSONResponse):
    """A large answer of plain lists and numbers (a timeline), written by pydantic's JSON
    encoder (Rust; several times faster than the standard library's on 100,000 numbers). NaN
    and infinities become null."""

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(content)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, and how many there are in all."""

    items: list[T]
    total: int
    offset: int
    limit: int


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class MeOut(BaseModel):
    username: str
    role: str
    csrf_token: str | None = None


class PasswordIn(_In):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class UserIn(_In):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    role: str


class UserOut(_Out):
    id: int
    username: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserPatch(_In):
    """A change to a user: its role, or whether it is active (either or both)."""

    role: str | None = None
    active: bool | None = None


class TokenIn(_In):
    name: str = Field(max_length=128)
    role: str = "viewer"
    #: From this time on the token is refused (a time without a zone is UTC); none: never.
    expires_at: datetime | None = None


class TokenOut(_Out):
    id: int
    name: str
    #: The id of the user the token acts for.
    user_id: int
    prefix: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None


class TokenCreated(TokenOut):
    """A new token, with its secret: shown this once, never again."""

    token: str


class ModelIn(_In):
    name: str = Field(max_length=128)
    task: str
    description: str = Field(default="", max_length=10_000)
    #: How logged predictions are grouped into runs: hour, day or week.
    period: str = "day"
    #: Whether versions keep their baseline's rows beside its profile (off: the profile alone).
    keep_raw_baseline: bool = True


class ModelOut(_Out):
    id: int
    name: str
    task: str
    description: str
    created_at: datetime
    created_by: str
    period: str
    retention_days: int | None
    keep_raw_baseline: bool = True
    aliases: dict[str, int] = {}
    n_versions: int = 0


class VersionOut(_Out):
    number: int
    created_at: datetime
    created_by: str
    target: str | None
    prediction: str | None
    proba_prefix: str | None
    timestamp: str | None
    id_column: str | None
    inputs_column: str | None
    model_format: str | None
    preprocessor_format: str | None
    benchmarks: dict[str, float]
    n_baseline_rows: int
    #: Whether the version keeps its baseline's rows, and its baseline's profile (a version
    #: made before the store kept profiles gets its profile when one is first needed).
    raw_baseline: bool = True
    baseline_profile: bool = False
    schema_: dict[str, Any] = Field(alias="schema", serialization_alias="schema")


class RawBaselineIn(_In):
    keep_raw_baseline: bool


class PromoteIn(_In):
    version: int = Field(ge=1, le=2**31 - 1)  # the store's integer


class AliasMoveOut(BaseModel):
    """A move of an alias; a version deleted since keeps its number here, and is said
    deleted."""

    alias: str
    action: str
    from_version: int | None
    to_version: int | None
    from_version_deleted: bool = False
    to_version_deleted: bool = False
    actor: str
    at: datetime
    #: With the model's MLflow link moving aliases: whether MLflow's alias followed, and what
    #: was done there or why it was not (None, None: the model's link moves no alias).
    mlflow_followed: bool | None = None
    mlflow: str | None = None


class MlflowLinkIn(_In):
    """A model's link to MLflow. ``check``: refuse it unless the tracking server answers and
    holds the registered model (false: store it as given, e.g. before the server is up)."""

    tracking_uri: str = Field(min_length=1, max_length=1024)
    registered_model: str | None = Field(default=None, max_length=256)
    experiment: str | None = Field(default=None, max_length=256)
    log_runs: bool = True
    move_aliases: bool = False
    check: bool = True


class MlflowLinkOut(_Out):
    """A model's link to MLflow and how it last went: the last run logged and when, the last
    error (of a logging or an alias move) and when; ``experiment`` is the one runs go to."""

    model: str
    tracking_uri: str
    registered_model: str | None
    experiment: str
    log_runs: bool
    move_aliases: bool
    created_by: str
    updated_at: datetime
    last_logged_run: int | None
    last_logged_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class RunOut(_Out):
    id: int
    version: int
    date: datetime
    created_at: datetime
    created_by: str
    n_rows: int
    status: str
    error: str | None
    verdict: str | None
    drift_share: float | None
    dataset_drifted: bool | None
    quality_warnings: int | None
    quality_alerts: int | None
    analysed_at: datetime | None
    source: str
    notes: list[str]
    #: The run's performance metrics (once analysed, with ground truth), the task's primary
    #: ones first.
    metrics: list[RunMetricOut] = []
    #: The run's performance estimated without its labels (CBPE, DLE), the primary metric
    #: first, with the realised value beside each once labels arrived.
    estimates: list[RunEstimateOut] = []
    #: How many of its rows had ground truth at the analysis.
    n_labelled: int | None = None
    #: Feedback on its rows (by id): how much, how much thumbs down, and the negative share.
    n_feedback: int | None = None
    negative_feedback: int | None = None
    #: Its comparison with the model's shadow version (the ``staging`` one), if it had one.
    shadow: RunShadowOut | None = None
    job: JobOut | None = None
    #: The MLflow run the service logged this run to (its model's MLflow link), and its page.
    mlflow_run_id: str | None = None
    mlflow_run_url: str | None = None


class RunMetricOut(_Out):
    """A performance metric of a run, with its confidence interval and status."""

    name: str
    value: float | None
    lower: float | None
    upper: float | None
    status: str
    primary: bool


class RunEstimateOut(_Out):
    """A performance metric of a run estimated without labels, with its band and baseline, and
    the realised value (where labels arrived) and whether it fell in the band."""

    name: str
    method: str
    estimate: float | None
    lower: float | None
    upper: float | None
    baseline: float | None
    status: str
    primary: bool
    realised: float | None
    realised_rows: int
    within_band: bool | None


class RunShadowOut(_Out):
    """A run compared with the model's shadow version: how often they agree (with the Wilson
    interval), the verdict in words, and on the labelled rows the primary metric of each, the
    difference (candidate minus production), its p-value and the better one; ``error`` when the
    shadow could not score the run."""

    candidate_version: int
    n_rows: int
    agreement: float | None
    agreement_low: float | None
    agreement_high: float | None
    verdict: str
    metric: str | None
    production_value: float | None
    candidate_value: float | None
    difference: float | None
    p_value: float | None
    better: str | None
    error: str | None


class JobLogLine(BaseModel):
    """A line of a job's log: when, during which attempt (0: before the first), and what."""

    at: datetime
    attempt: int
    message: str


class JobOut(_Out):
    id: int
    kind: str
    status: str
    attempts: int
    max_attempts: int
    progress: str
    error: str | None
    created_at: datetime
    #: A queued retry waits until this time (null: due now).
    not_before: datetime | None = None
    started_at: datetime | None
    finished_at: datetime | None
    #: What happened to the job, oldest first: each attempt's start, steps and end.
    log: list[JobLogLine] = []


#: A change-point rule's detector parameters: the detector's own names, numbers or text.
RuleParameters = dict[str, float | int | bool | str]


class _RuleFields(_In):
    subject: str | None = Field(default=None, max_length=256)
    measure: str | None = Field(default=None, max_length=32)
    parameters: RuleParameters | None = Field(default=None, max_length=16)
    relative: bool = False
    interval_excludes: bool = False
    for_runs: int = Field(default=1, ge=1, le=10_000)
    for_seconds: int | None = Field(default=None, ge=0, le=2**31 - 1)
    severity: str = Field(default="warning", max_length=16)
    min_labelled_share: float | None = Field(default=None, ge=0, le=1)
    min_label_age_seconds: int | None = Field(default=None, ge=0, le=2**31 - 1)
    renotify_seconds: int | None = Field(default=None, ge=0, le=2**31 - 1)
    enabled: bool = True


class AlertRuleIn(_RuleFields):
    """A new alert rule (docs/alerts.md lists the signals, measures and comparators)."""

    name: str = Field(max_length=128)
    signal: str = Field(max_length=32)
    comparator: str = Field(max_length=4)
    threshold: float = Field(allow_inf_nan=False)


class AlertRulePatch(_In):
    """Some of a rule's fields; the others stay."""

    name: str | None = Field(default=None, max_length=128)
    signal: str | None = Field(default=None, max_length=32)
    comparator: str | None = Field(default=None, max_length=4)
    threshold: float | None = Field(default=None, allow_inf_nan=False)
    subject: str | None = Field(default=None, max_length=256)
    measure: str | None = Field(default=None, max_length=32)
    parameters: RuleParameters | None = Field(default=None, max_length=16)
    relative: bool | None = None
    interval_excludes: bool | None = None
    for_runs: int | None = Field(default=None, ge=1, le=10_000)
    for_seconds: int | None = Field(default=None, ge=0, le=2**31 - 1)
    severity: str | None = Field(default=None, max_length=16)
    min_labelled_share: float | None = Field(default=None, ge=0, le=1)
    min_label_age_seconds: int | None = Field(default=None, ge=0, le=2**31 - 1)
    renotify_seconds: int | None = Field(default=None, ge=0, le=2**31 - 1)
    enabled: bool | None = None


class AlertRuleOut(_Out):
    id: int
    name: str
    signal: str
    subject: str | None
    measure: str | None
    #: A change-point rule's detector parameters (null for the other signals).
    parameters: dict[str, Any] | None
    relative: bool
    interval_excludes: bool
    comparator: str
    threshold: float
    for_runs: int
    for_seconds: int | None
    severity: str
    min_labelled_share: float | None
    min_label_age_seconds: int | None
    renotify_seconds: int | None
    enabled: bool
    #: Why the rule could not be evaluated the last time (null: it could).
    error: str | None
    created_by: str
    created_at: datetime


class AlertOut(_Out):
    id: int
    #: The model's name.
    model: str
    rule_id: int
    rule: str
    key: str
    fingerprint: str
    state: str
    severity: str
    #: Data times: the date of the first run of the breach, and of the run that resolved it.
    started_at: datetime
    resolved_at: datetime | None
    run_id: int | None
    value: float | None
    threshold: float
    message: str
    last_run_id: int | None
    last_value: float | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    silenced_until: datetime | None
    last_notified_at: datetime | None


class AlertEventOut(_Out):
    at: datetime
    kind: str
    run_id: int | None
    run_date: datetime | None
    value: float | None
    actor: str | None
    message: str


class SilenceIn(_In):
    """Silence an alert until this time (a time without a zone is UTC); null lifts it."""

    until: datetime | None


class _NotifierFields(_In):
    #: Webhook and Slack: where the notifications are posted.
    url: str | None = Field(default=None, max_length=2048)
    #: Webhook: the HMAC key (at least 16 characters); email: the SMTP password. Write-only.
    secret: str | None = Field(default=None, max_length=1024)
    host: str | None = Field(default=None, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    #: Email: "starttls" (default), "tls" or "none" (only without a login).
    security: str | None = Field(default=None, max_length=16)
    username: str | None = Field(default=None, max_length=255)
    #: Email: the From address, and the To addresses.
    sender: str | None = Field(default=None, max_length=255)
    recipients: list[str] | None = Field(default=None, max_length=100)
    #: Email: a PEM file on the server with the CA certificates to trust (a private CA).
    ca_file: str | None = Field(default=None, max_length=1024)
    #: Only these models' alerts (null: every model's).
    models: list[str] | None = Field(default=None, max_length=1000)


class NotifierIn(_NotifierFields):
    """A new notifier (docs/alerts.md, "Notifications", lists the fields of each kind)."""

    name: str = Field(max_length=128)
    #: "webhook", "slack" or "email".
    kind: str = Field(max_length=16)
    min_severity: str = Field(default="info", max_length=16)
    enabled: bool = True


class NotifierPatch(_NotifierFields):
    """Some of a notifier's fields; the others stay (a secret left out is kept)."""

    name: str | None = Field(default=None, max_length=128)
    kind: str | None = Field(default=None, max_length=16)
    min_severity: str | None = Field(default=None, max_length=16)
    enabled: bool | None = None


class NotifierOut(BaseModel):
    """A notifier; its secret is never shown, only whether it is set."""

    id: int
    name: str
    kind: str
    url: str | None
    host: str | None
    port: int | None
    security: str | None
    username: str | None
    sender: str | None
    recipients: list[str] | None
    ca_file: str | None
    models: list[str] | None
    min_severity: str
    enabled: bool
    secret_set: bool
    created_by: str
    created_at: datetime


class DeliveryOut(BaseModel):
    """A notification to one notifier: its job's status, attempts, next attempt and log."""

    id: int
    #: Its job: a failed delivery is queued again with POST /api/v1/jobs/{job_id}/retry.
    job_id: int
    notifier_id: int
    notifier: str
    #: The alert told about (null: a test message, or the alert was deleted since).
    alert_id: int | None
    #: "firing", "reminder", "resolved" or "test".
    event: str
    #: queued (waiting for its next attempt), running, done or failed.
    status: str
    attempts: int
    max_attempts: int
    error: str | None
    created_at: datetime
    #: When a queued retry is tried next (null: as soon as a worker is free).
    next_attempt_at: datetime | None
    finished_at: datetime | None
    log: list[JobLogLine]
