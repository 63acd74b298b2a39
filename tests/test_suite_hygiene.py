"""The test suite itself: what it may and may not do."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_test_skips_a_pinned_dev_dependency() -> None:
    # A broken install must fail the suite, not skip the tests that would have found it.
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "importorskip(" in line and path.name != "test_suite_hygiene.py"
    ]
    assert not found, found
