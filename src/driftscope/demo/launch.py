"""`make run`: the digits report, then the demo store filled (or found filled), then
`driftscope serve` on it in the foreground, with the address and how to log in.

The port is checked first, so that a port in use is said before anything is written; the
server takes it again when it starts (and says so the same way if something took it meanwhile).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from driftscope.exceptions import DriftscopeError

if TYPE_CHECKING:
    from driftscope.demo.store import Filled

__all__ = ["banner", "check_port", "main"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def check_port(host: str, port: int) -> None:
    """Raise a one-line `DriftscopeError` when the server could not listen on ``host:port``
    (the port in use, say), before the store is filled."""
    from driftscope.cli.service import _bind

    _bind(host, port).close()


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def banner(filled: Filled, url: str) -> str:
    """What `make run` prints before the server starts: where the store is, the address, and
    how to log in (the password itself only when this run generated it)."""
    store = _shown(filled.data_dir)
    if filled.reused:
        state = f"reused (delete {store} to start over)"
    else:
        state = f"filled in {filled.seconds:.0f} s"
    lines = [
        f"driftscope demo: {len(filled.models)} models with their weekly runs in {store}, {state}."
    ]
    lines.append(f"Open {url} and log in as user 'admin'")
    kept = _shown(filled.password_file) if filled.password_file else None
    if filled.password is not None:
        lines[-1] += f" with the password {filled.password}"
        lines.append(f"  (shown once; kept in {kept}, readable by you only).")
    elif kept is not None:
        lines[-1] += f" with the password in {kept}."
    else:
        lines[-1] += (
            f": its password file is gone; delete {store} to start over with a new password."
        )
    lines.append("Stop the server with Ctrl-C.")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m driftscope.demo",
        description="Write the digits demo's report into OUT (default demo); with --serve, "
        "also fill the demo store and serve it (what `make run` does).",
    )
    parser.add_argument("out", nargs="?", default="demo", type=Path, help="the report's folder")
    parser.add_argument(
        "--serve", action="store_true", help="fill the demo store and start the server on it"
    )
    parser.add_argument("--store", type=Path, help="the store's folder (default OUT/store)")
    parser.add_argument("--host", help="address [env DRIFTSCOPE_HOST; default 127.0.0.1]")
    parser.add_argument("--port", type=int, help="port [env DRIFTSCOPE_PORT; default 8000]")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    from driftscope.demo.digits import main as write_report

    if not args.serve:
        return write_report([str(args.out)])
    host = args.host or os.environ.get("DRIFTSCOPE_HOST") or DEFAULT_HOST
    port = args.port or int(os.environ.get("DRIFTSCOPE_PORT") or DEFAULT_PORT)
    store = (args.store or args.out / "store").resolve()
    serving = False
    try:
        check_port(host, port)
        write_report([str(args.out)])
        filled = _fill(store)
        shown_host = f"[{host}]" if ":" in host else host
        print("\n" + banner(filled, f"http://{shown_host}:{port}/") + "\n", flush=True)
        serving = True
        _serve(store, host, port)
    except DriftscopeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C is how the demo's server is meant to stop; during the fill it is a stop
        # that the next start makes good.
        if not serving:
            print("\nStopped. The next `make run` completes the demo store.", file=sys.stderr)
            return 130
        print("\nThe server stopped.", file=sys.stderr)
    return 0


def _serve(store: Path, host: str, port: int) -> None:
    """`driftscope serve` on the demo store, in the foreground until Ctrl-C (which the server
    takes to stop gracefully, then raises again)."""
    from driftscope.cli.service import serve
    from driftscope.demo.store import store_settings

    serve(host=host, port=port, data_dir=store, database_url=store_settings(store).url)


def _fill(store: Path) -> Filled:
    from driftscope.demo.store import MARKER, fill_store

    if not (store / MARKER).is_file():
        shown = _shown(store)
        print(f"\nFilling the demo store in {shown} (once, about half a minute)...", flush=True)
    try:
        return fill_store(
            store,
            admin_password=os.environ.get("DRIFTSCOPE_ADMIN_PASSWORD") or None,
            progress=lambda message: print(f"  {message}", flush=True),
        )
    except ImportError as exc:
        raise DriftscopeError(
            f"The demo store needs driftscope's server and dev extras ({exc}): "
            'pip install -e ".[dev]", as `make run` does.'
        ) from None
