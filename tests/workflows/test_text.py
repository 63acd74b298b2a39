"""`workflows/text.py`: compare_text and `text drift`, and text columns inside compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.workflows._sets import read_report

from driftscope.cli import main
from driftscope.workflows.text import compare_text


def test_text_drift_cli(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    old = ["refund", "invoice", "payment", "account", "order", "delivery"]
    new = ["crypto", "wallet", "token", "account", "order", "blockchain"]

    def table(name: str, vocab: list[str]) -> Path:
        texts = [f"my {rng.choice(vocab)} and {rng.choice(vocab)} please help" for _ in range(300)]
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"message": texts, "channel": "web"}).to_csv(path, index=False)
        return path

    base, same, moved = table("base", old), table("same", old), table("moved", new)
    out = tmp_path / "t.json"
    assert (
        main(
            [
                "text",
                "drift",
                str(base),
                str(moved),
                "--column",
                "message",
                "--json",
                str(out),
                "-q",
                "--fail-on-drift",
            ]
        )
        == 1
    )
    data = read_report(out)
    top = {t["term"] for t in data["inputs"]["terms"]["top_terms"][:6]}
    assert top & {"crypto", "wallet", "token", "blockchain"}
    assert data["inputs"]["terms"]["drifted"]
    assert main(["text", "drift", str(base), str(moved), "--column", "nope"]) == 2
    stable = compare_text(base, same, column="message")
    assert not stable.inputs.terms.drifted


def test_text_columns_inside_compare_become_text_features() -> None:
    import driftscope

    rng = np.random.default_rng(3)
    common = ["the", "service", "was", "quick", "and", "the", "staff", "were", "friendly"]
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    rare = ["".join(rng.choice(letters, 6)) for _ in range(400)]

    def reviews(n: int, extra: list[str]) -> list[str]:
        return [
            " ".join([*rng.choice(common, 6), *rng.choice(extra, 2)]).capitalize() for _ in range(n)
        ]

    ref = pd.DataFrame({"review": reviews(400, rare), "stars": rng.integers(1, 6, 400)})
    same = pd.DataFrame({"review": reviews(400, rare), "stars": rng.integers(1, 6, 400)})
    shouting = [r.upper() + " 100% SCAM!!!" for r in reviews(400, ["refund", "lawyer", "fraud"])]
    moved = pd.DataFrame({"review": shouting, "stars": rng.integers(1, 6, 400)})
    schema = {"columns": {"review": {"kind": "text"}}}
    stable = driftscope.compare(ref, same, schema, multivariate=False)
    assert "review.oov_rate" in [c.name for c in stable.drift.columns]
    assert stable.drift.drifted_columns == []
    shifted = driftscope.compare(ref, moved, schema, multivariate=False)
    assert {"review.uppercase_share", "review.digit_share", "review.punctuation_share"} <= set(
        shifted.drift.drifted_columns
    )
    spec = shifted.schema["review.oov_rate"]
    assert spec.note == "from text column 'review'"


def test_text_drift_help_speaks_of_text_columns_not_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["text", "drift", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "path" not in out.replace("<path>", "")
    assert "with a text column" in out
    assert "--column <str> The column of texts, in both tables." in out
