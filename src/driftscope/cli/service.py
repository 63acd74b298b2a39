"""The service's commands: `driftscope serve` (the web app and API), `driftscope worker` (an
analysis worker of its own) and `driftscope db upgrade` (apply the store's migrations). They need
the ``server`` extra; without it they say how to install it. `register` adds them to the app."""

from __future__ import annotations

import errno
import importlib.util
import socket
from pathlib import Path
from typing import Annotated, Any

import typer

from driftscope.exceptions import DriftscopeError, ExtraMissingError

__all__ = ["register"]

INSTALL_LINE = 'pip install "driftscope[server]"'

_USAGE = "2 usage or input error (a one-line message names the option or setting)"
SERVE_EPILOG = (
    "Exit codes: 0 the server stopped (Ctrl-C or SIGTERM: it stops taking requests and jobs, and "
    "gives a running job 30 s to finish; one that does not is queued again once its heartbeat is "
    f"DRIFTSCOPE_JOB_STALE_SECONDS old); {_USAGE}."
)
WORKER_EPILOG = (
    f"Exit codes: {_USAGE}; 130 stopped by Ctrl-C (a job it was running is queued again once "
    "its heartbeat is DRIFTSCOPE_JOB_STALE_SECONDS old)."
)
DB_EPILOG = (
    f"Exit codes: 0 the store is at the latest revision; {_USAGE}; 130 interrupted by Ctrl-C "
    "(a migration runs in one transaction: none of it is applied)."
)

db_app = typer.Typer(help="The service's store.", no_args_is_help=True, epilog=DB_EPILOG)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the store and the artifacts live [env DRIFTSCOPE_DATA_DIR; default "
        "./driftscope-data].",
        show_default=False,
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="A PostgreSQL (postgresql+psycopg://...) or SQLite URL [env "
        "DRIFTSCOPE_DATABASE_URL; default: a SQLite file in the data directory].",
        show_default=False,
    ),
]


def _settings(**given: Any) -> Any:
    missing = [m for m in ("fastapi", "sqlalchemy", "alembic", "uvicorn") if not _importable(m)]
    if missing:
        raise ExtraMissingError(
            f"The service needs {', '.join(missing)}, which are not installed: {INSTALL_LINE}"
        )
    from pydantic import ValidationError

    from driftscope.server.settings import load_settings

    try:
        return load_settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise DriftscopeError(f"Invalid service settings: {problems}") from None


def _importable(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def serve(
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to listen on [env DRIFTSCOPE_HOST; default 127.0.0.1].",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port [env DRIFTSCOPE_PORT; default 8000].", show_default=False),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    allow_pickle: Annotated[
        bool | None,
        typer.Option(
            "--allow-pickle/--no-allow-pickle",
            help="Accept pickle and joblib model files, which run code when loaded "
            "[env DRIFTSCOPE_ALLOW_PICKLE; default off].",
            show_default=False,
        ),
    ] = None,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Run analysis jobs in this process [env DRIFTSCOPE_WORKER; default on].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the monitoring service: the REST API under /api/v1 (OpenAPI at
    /api/v1/openapi.json). The store is migrated at start; on the first start an admin is
    created, with DRIFTSCOPE_ADMIN_PASSWORD or a generated password shown once."""
    settings = _settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        allow_pickle=allow_pickle,
        worker=worker,
    )
    from driftscope.server.services.users import MIN_PASSWORD_LENGTH

    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    if given and len(given) < MIN_PASSWORD_LENGTH:
        raise DriftscopeError(
            f"DRIFTSCOPE_ADMIN_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters; "
            f"it has {len(given)}."
        )
    import uvicorn

    from driftscope.server.app import create_app

    # The port is taken before the app starts, so that a port in use is said before anything
    # happens to the store (the first admin, and its generated password, are made at start).
    listening = _bind(settings.host, settings.port)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level="info",
            server_header=False,
        )
    )
    try:
        server.run(sockets=[listening])
    except SystemExit as exc:
        if exc.code in (0, None):
            raise
        # uvicorn exits with 3 when the app fails to start; it has logged why.
        raise DriftscopeError("The server could not start; the reason is above.") from exc
    finally:
        listening.close()


def _bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (IPv6 for an address with a colon), or a one-line
    error naming them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
    except OSError as exc:
        listening.close()
        shown = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise DriftscopeError(
                f"Cannot listen on {shown}: the port is already in use (stop what uses it, or "
                "choose another with --port or DRIFTSCOPE_PORT)."
            ) from None
        raise DriftscopeError(f"Cannot listen on {shown}: {exc.strerror or exc}.") from None
    listening.set_inheritable(True)
    return listening


def worker(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Run analysis jobs from the store until stopped (beside `driftscope serve --no-worker`,
    or several of them on PostgreSQL)."""
    settings = _settings(data_dir=data_dir, database_url=database_url)
    from driftscope.server.state import open_state
    from driftscope.server.worker import make_worker

    state = open_state(settings)
    try:
        make_worker(state).run()
    finally:
        state.engine.dispose()


@db_app.command("upgrade", epilog=DB_EPILOG)
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply the store's migrations up to the latest (the server also does this at start)."""
    settings = _settings(data_dir=data_dir, database_url=database_url)
    from driftscope.server import db

    engine = db.make_engine(settings.url)
    try:
        before = db.current_revision(engine)
        db.upgrade(engine)
        after = db.current_revision(engine)
    finally:
        engine.dispose()
    typer.echo(f"store at revision {after}" + (f" (was {before})" if before != after else ""))


def register(app: typer.Typer) -> None:
    app.command("serve", epilog=SERVE_EPILOG)(serve)
    app.command("worker", epilog=WORKER_EPILOG)(worker)
    app.add_typer(db_app, name="db")
