"""The service's settings: command-line options over ``DRIFTSCOPE_*`` environment variables over
defaults (pydantic-settings), made by `load_settings`, never at import, so a test builds its own.

Every setting is listed, with its variable and default, in docs/service.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ServerSettings", "load_settings"]


class ServerSettings(BaseSettings):
    """How the service runs. ``database_url`` defaults to a SQLite file in ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="DRIFTSCOPE_", extra="forbid", frozen=True)

    #: The address to listen on (127.0.0.1: this machine only).
    host: str = "127.0.0.1"
    #: The port to listen on.
    port: int = Field(default=8000, ge=1, le=65535)
    #: Where the store (a SQLite file, by default) and the artifacts live.
    data_dir: Path = Path("driftscope-data")
    #: The store's URL (PostgreSQL: postgresql+psycopg://...); none: SQLite in the data directory.
    database_url: str | None = None
    #: Allow model files that run code when loaded (pickle, joblib). Off: ONNX and skops only.
    allow_pickle: bool = False
    #: The first admin's password; without it one is generated and printed once.
    admin_password: SecretStr | None = None
    #: Run analysis jobs in the server process (off: run `driftscope worker` beside it).
    worker: bool = True
    #: Seconds an idle worker waits before it looks for a job again.
    job_poll_seconds: float = Field(default=1.0, gt=0)
    #: A running job whose worker has not reported for this long is taken to have died.
    job_stale_seconds: float = Field(default=120.0, gt=0)
    #: Attempts of a job that fails for another reason than its data.
    job_max_attempts: int = Field(default=3, ge=1)
    #: A period of logged predictions is analysed once it has ended and no rows came for it
    #: for this long, in seconds.
    period_quiet_seconds: float = Field(default=60.0, ge=0)
    #: How often a worker applies the retention and deletes unused artifacts, in seconds.
    housekeeping_seconds: float = Field(default=600.0, gt=0)
    #: The largest request body accepted, in bytes (uploads included).
    max_upload_bytes: int = Field(default=1 << 30, ge=1024)
    #: A zip of images or audio: at most this many members.
    max_zip_members: int = Field(default=100_000, ge=1)
    #: A zip of images or audio: at most this many bytes unpacked.
    max_zip_bytes: int = Field(default=8 << 30, ge=1024)
    #: Browser sessions last this many seconds.
    session_seconds: int = Field(default=12 * 3600, ge=60)
    #: Failed logins of one user name allowed in `login_window_seconds` before it is throttled.
    login_attempts: int = Field(default=5, ge=1)
    #: The window, in seconds, in which failed logins are counted.
    login_window_seconds: int = Field(default=300, ge=1)
    #: Send the session cookie over HTTPS only (turn on behind a TLS proxy).
    secure_cookies: bool = False
    #: Who may scrape ``/metrics``: "loopback" (this machine without a token, elsewhere with an
    #: API token) or "token" (an API token, from anywhere).
    metrics_access: Literal["loopback", "token"] = "loopback"
    #: Per model version, at most this many columns get drift series of their own.
    metrics_max_features: int = Field(default=100, ge=0)
    #: An analysis explains the version's model (when it has a model file) on at most this many
    #: rows of the baseline and of the run; 0 turns explanations off.
    explain_rows: int = Field(default=200, ge=0)
    #: An analysis estimates the run's performance without its labels (CBPE for classifiers
    #: with probabilities, DLE for regressors; docs/estimation.md) wherever the version names
    #: what that needs, so that a run has an estimate before its labels arrive and both once
    #: they have; off, no run is estimated.
    estimate_runs: bool = True

    #: The app's address as its users reach it (behind a proxy: the proxy's), for the links in
    #: notifications; none: http://host:port.
    public_url: str | None = None
    #: Attempts to deliver a notification before it fails for good.
    notify_max_attempts: int = Field(default=8, ge=1)
    #: Seconds before a failed delivery is tried again, doubled at each attempt (with jitter).
    notify_backoff_seconds: float = Field(default=30.0, ge=0)
    #: The longest wait between two attempts of a delivery, in seconds.
    notify_backoff_max_seconds: float = Field(default=3600.0, ge=0)
    #: Seconds a webhook or mail server has to answer before the attempt fails (and is retried).
    notify_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def url(self) -> str:
        """The database URL: ``database_url``, or the SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'driftscope.db'}"

    @property
    def app_url(self) -> str:
        """Where users reach the app: ``public_url``, or this server's address."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def artifacts_dir(self) -> Path:
        return self.data_dir / "artifacts"


def load_settings(**given: Any) -> ServerSettings:
    """Settings from ``given`` (options left at None are not given), then the environment,
    then the defaults."""
    return ServerSettings(**{k: v for k, v in given.items() if v is not None})
