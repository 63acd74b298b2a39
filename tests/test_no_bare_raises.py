"""driftscope raises its own exceptions: no bare ``ValueError``, ``TypeError``, ``RuntimeError``
or ``KeyError`` anywhere in the package, so ``except DriftscopeError`` catches every error
driftscope itself raises (each of its classes also subclasses the matching built-in, so
``except ValueError`` keeps working).

The few raises that must be the built-in are listed below, each with its reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import driftscope
from driftscope.exceptions import ColumnError, DriftscopeError, EmptyDataError, InputTypeError
from driftscope.metrics import bootstrap_ci
from driftscope.stats import anderson_ksamp, fisher_exact, ks_2samp
from driftscope.stats.categorical import total_variation_distance
from driftscope.stats.novelty import unseen_categories_test

PACKAGE = Path(driftscope.__file__).parent
BARE = frozenset({"ValueError", "TypeError", "RuntimeError", "KeyError"})

#: (file under src/driftscope, enclosing function, exception) -> why it stays the built-in.
ALLOWED: dict[tuple[str, str, str], str] = {
    ("analyses/results.py", "column", "KeyError"): (
        "a lookup by name: KeyError is what a missing key raises, like a mapping"
    ),
    ("analyses/quality.py", "get", "KeyError"): (
        "a lookup by name: KeyError is what a missing key raises, like a mapping"
    ),
    ("analyses/performance.py", "metric", "KeyError"): (
        "a lookup by name: KeyError is what a missing key raises, like a mapping"
    ),
    ("cli/_options.py", "_typed", "ValueError"): (
        "the same signal float() gives on bad text, caught a few lines below and turned into "
        "typer.BadParameter; it never leaves the function"
    ),
    # Compiled extensions: changing them needs a rebuild of the .so files.
    ("streaming/_core/kswin.pyx", "_sample", "ValueError"): (
        "a test hook (not reachable from the public API) giving random.sample's own error"
    ),
    ("streaming/_core/kswin.pyx", "_randbelow", "ValueError"): (
        "a test hook's argument check (not reachable from the public API)"
    ),
    ("streaming/_core/kswin.pyx", "check_configured", "RuntimeError"): (
        "an internal invariant (a core used before __cinit__ finished), not a user error"
    ),
    ("streaming/_core/cusum.pyx", "_warmup", "ValueError"): (
        "a private state setter, called only by from_state_dict, which re-raises it as "
        "ParameterError naming the field"
    ),
    ("streaming/_core/adwin.pyx", "_totals", "ValueError"): (
        "a private state setter, called only by from_state_dict, which re-raises it as "
        "ParameterError naming the field"
    ),
    ("streaming/_core/adwin.pyx", "_variances", "ValueError"): (
        "a private state setter, called only by from_state_dict, which re-raises it as "
        "ParameterError naming the field"
    ),
}


def _raised_name(node: ast.Raise) -> str | None:
    exc = node.exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    return exc.id if isinstance(exc, ast.Name) else None


def _python_raises(path: Path) -> list[tuple[int, str, str]]:
    """(line, enclosing function, exception) for each bare raise in one module."""
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            elif isinstance(child, ast.Raise):
                raised = _raised_name(child)
                if raised in BARE:
                    found.append((child.lineno, function, raised))
            visit(child, name)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), "<module>")
    return found


_CYTHON_DEF = re.compile(r"^\s*(?:async\s+)?(?:c?p?def|cdef)\s.*?(\w+)\s*\(")
_CYTHON_RAISE = re.compile(r"\braise\s+(\w+)")


def _cython_raises(path: Path) -> list[tuple[int, str, str]]:
    """The same for a ``.pyx`` file, which `ast` cannot parse: a raise belongs to the last
    ``def``/``cdef``/``cpdef`` above it."""
    found: list[tuple[int, str, str]] = []
    function = "<module>"
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if (defined := _CYTHON_DEF.match(line)) is not None and line.rstrip().endswith(":"):
            function = defined.group(1)
        if (raised := _CYTHON_RAISE.search(line.split("#")[0])) and raised.group(1) in BARE:
            found.append((lineno, function, raised.group(1)))
    return found


def _bare_raises() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.pyx")):
        scan = _cython_raises if path.suffix == ".pyx" else _python_raises
        rel = path.relative_to(PACKAGE).as_posix()
        found += [(rel, line, function, exc) for line, function, exc in scan(path)]
    return found


def test_no_bare_builtin_raises_outside_the_allowlist() -> None:
    unexpected = [
        f"src/driftscope/{rel}:{line} raises {exc} in {function}()"
        for rel, line, function, exc in _bare_raises()
        if (rel, function, exc) not in ALLOWED
    ]
    assert not unexpected, "Raise a driftscope exception instead:\n" + "\n".join(unexpected)


def test_every_allowlist_entry_is_still_needed() -> None:
    present = {(rel, function, exc) for rel, _, function, exc in _bare_raises()}
    stale = sorted(set(ALLOWED) - present)
    assert not stale, f"Allowlisted raises that are gone, remove them: {stale}"


def test_the_scan_finds_a_bare_raise(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f(x):\n"
        "    if x:\n"
        "        raise ValueError('bad')\n"
        "    raise ParameterError('fine')\n"
        "def g():\n"
        "    raise KeyError\n"
    )
    assert _python_raises(module) == [(3, "f", "ValueError"), (6, "g", "KeyError")]
    pyx = tmp_path / "m.pyx"
    pyx.write_text("cdef int h(self) except -1:\n    raise RuntimeError('x')  # raise KeyError\n")
    assert _cython_raises(pyx) == [(2, "h", "RuntimeError")]


@pytest.mark.parametrize(
    ("call", "error", "builtin"),
    [
        (lambda: total_variation_distance([1, 2], [1, 2, 3]), ColumnError, ValueError),
        (lambda: total_variation_distance([], []), EmptyDataError, ValueError),
        (lambda: fisher_exact([1, 2, 3], [3, 2, 1]), ColumnError, ValueError),
        (lambda: unseen_categories_test([1, -1], [1, 1]), ColumnError, ValueError),
        (lambda: ks_2samp([1.0, 2.0]), InputTypeError, TypeError),
        (lambda: ks_2samp([], [1.0]), EmptyDataError, ValueError),
        (lambda: anderson_ksamp([1.0, 1.0], [1.0, 1.0]), ColumnError, ValueError),
        (lambda: bootstrap_ci(lambda y: "x", [1, 2, 3]), InputTypeError, TypeError),
    ],
)
def test_former_bare_raises_are_driftscope_errors_and_still_builtins(
    call: Callable[[], object], error: type[DriftscopeError], builtin: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, DriftscopeError)
    assert isinstance(info.value, builtin)
