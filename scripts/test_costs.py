"""Write tests/file_costs.json, the seconds each test file took, from the log of a run with
``--durations=0``: the suite's conftest starts the longest files first.

    python -m pytest -n auto --dist loadfile --durations=0 > run.log
    python scripts/test_costs.py run.log
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

LINE = re.compile(r"^\s*([0-9.]+)s (?:setup|call|teardown)\s+([^:\s]+)::")


def costs(log: str) -> dict[str, float]:
    """Seconds per file, summed over the setup, call and teardown lines of ``log``."""
    seconds: defaultdict[str, float] = defaultdict(float)
    for line in log.splitlines():
        match = LINE.match(line)
        if match:
            seconds[match.group(2)] += float(match.group(1))
    return {name: round(total, 1) for name, total in sorted(seconds.items())}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/test_costs.py PYTEST_LOG")
    found = costs(Path(sys.argv[1]).read_text(encoding="utf-8"))
    if not found:
        sys.exit(f"{sys.argv[1]}: no duration lines (run pytest with --durations=0)")
    target = Path(__file__).resolve().parent.parent / "tests" / "file_costs.json"
    target.write_text(json.dumps(found, indent=0) + "\n", encoding="utf-8")
    print(f"{target}: {len(found)} files, {sum(found.values()):.0f} s in all")


if __name__ == "__main__":
    main()
