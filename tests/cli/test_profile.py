"""`driftscope profile` and `driftscope drift` on profile files: exit codes, the summary
printed, and clear messages (never a traceback) on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftscope import Profile, compare
from driftscope.cli import main


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": np.round(rng.normal(40 + 10 * shift, 10, n)),
            "income": rng.lognormal(10 + shift, 0.5, n),
            "city": rng.choice(["paris", "lyon", "nice"], n),
        }
    )


@pytest.fixture
def tables(tmp_path: Path) -> tuple[Path, Path]:
    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.csv"
    _frame(3000, 1).to_parquet(ref)
    _frame(2000, 2, shift=0.5).to_csv(cur, index=False)
    return ref, cur


def test_profile_writes_a_file_and_prints_its_summary(
    tables: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ref.profile"
    assert main(["profile", str(tables[0]), "-o", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    saved = Profile.load(out)
    assert saved.n_rows == 3000
    assert set(saved.columns) == {"age", "income", "city"}
    assert f"{out.stat().st_size:,} bytes" in printed
    assert "3,000 rows, 3 columns" in printed
    # income has 3,000 distinct values, past the 1,000 kept exactly: a sketch's rank error.
    assert "rank error up to 0.36%" in printed


def test_profile_takes_the_schema_options_and_the_sketch_sizes(
    tables: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "ref.profile"
    code = main(
        [
            "profile", str(tables[0]), "-o", str(out), "--kind", "age=categorical",
            "--quantile-k", "64", "--max-exact-values", "0", "--max-categories", "10", "-q",
        ]
    )  # fmt: skip
    assert code == 0
    saved = Profile.load(out)
    assert saved.schema["age"].kind == "categorical"
    assert saved.settings.quantile_k == 64
    assert saved.settings.max_exact_values == 0


def test_drift_reads_a_profile_on_either_side(
    tables: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref_profile = tmp_path / "ref.profile"
    assert (
        main(
            ["profile", str(tables[0]), "-o", str(ref_profile), "--max-exact-values", "5000", "-q"]
        )
        == 0
    )
    js = tmp_path / "r.json"
    code = main(["drift", str(ref_profile), str(tables[1]), "--json", str(js), "--fail-on-drift"])
    assert code == 1
    out = capsys.readouterr().out
    assert "Not run from profiles" in out
    data = json.loads(js.read_text())
    assert data["profiles"]["reference"]["name"] == str(ref_profile)
    cur_profile = tmp_path / "cur.profile"
    assert (
        main(
            ["profile", str(tables[1]), "-o", str(cur_profile), "--max-exact-values", "5000", "-q"]
        )
        == 0
    )
    both = tmp_path / "both.json"
    assert main(["drift", str(ref_profile), str(cur_profile), "--json", str(both), "-q"]) == 0
    from_rows = compare(tables[0], tables[1], Profile.load(ref_profile).schema, multivariate=False)
    columns = json.loads(both.read_text())["columns"]
    assert [c["drifted"] for c in columns] == [c.drifted for c in from_rows.drift.columns]
    assert [c["statistic"] for c in columns] == [c.statistic for c in from_rows.drift.columns]


def test_merge_writes_the_profile_of_both(tables: tuple[Path, Path], tmp_path: Path) -> None:
    a, b, both = tmp_path / "a.profile", tmp_path / "b.profile", tmp_path / "both.profile"
    frame = _frame(3000, 3)
    frame[:1000].to_csv(tmp_path / "a.csv", index=False)
    frame[1000:].to_csv(tmp_path / "b.csv", index=False)
    schema = tmp_path / "schema.yaml"
    schema.write_text("columns:\n  age: numerical\n  income: numerical\n  city: categorical\n")
    for part, out in (("a.csv", a), ("b.csv", b)):
        assert (
            main(["profile", str(tmp_path / part), "-o", str(out), "--schema", str(schema), "-q"])
            == 0
        )
    assert main(["profile", "--merge", str(a), str(b), "-o", str(both), "-q"]) == 0
    merged = Profile.load(both)
    assert merged.n_rows == 3000
    assert merged["age"].mean == pytest.approx(frame["age"].mean())
    assert dict(merged["city"].counts) == frame["city"].value_counts().to_dict()


def test_bad_input_is_a_message_naming_it(
    tables: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref_profile = tmp_path / "ref.profile"
    assert main(["profile", str(tables[0]), "-o", str(ref_profile), "-q"]) == 0
    capsys.readouterr()
    assert main(["drift", str(ref_profile), str(tables[1]), "--target", "city"]) == 2
    assert "--target" in capsys.readouterr().err
    damaged = tmp_path / "damaged.profile"
    damaged.write_bytes(ref_profile.read_bytes()[:-3])
    assert main(["drift", str(damaged), str(tables[1])]) == 2
    err = capsys.readouterr().err
    assert "damaged.profile" in err
    assert "Traceback" not in err
    other = tmp_path / "k64.profile"
    assert main(["profile", str(tables[0]), "-o", str(other), "--quantile-k", "64", "-q"]) == 0
    assert (
        main(
            ["profile", "--merge", str(ref_profile), str(other), "-o", str(tmp_path / "x.profile")]
        )
        == 2
    )
    err = " ".join(capsys.readouterr().err.split())
    assert "k64.profile does not merge with" in err
    assert "different settings" in err
    assert main(["profile", str(tables[0]), str(tables[1]), "-o", str(tmp_path / "y.profile")]) == 2
    assert "expected one table" in capsys.readouterr().err
    assert main(["profile", "--merge", str(ref_profile), "-o", str(tmp_path / "z.profile")]) == 2
    assert "two profiles or more" in capsys.readouterr().err
    assert main(["profile", str(tables[0]), "-o", str(tables[0])]) == 2
    assert (
        main(["profile", str(tables[0]), "-o", str(tmp_path / "q.profile"), "--quantile-k", "4"])
        == 2
    )
    assert "--quantile-k" in capsys.readouterr().err


def test_report_reads_a_reference_profile_and_refuses_what_needs_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=4000)
    y = (x + rng.normal(scale=0.5, size=4000) > 0).astype(int)
    frame = pd.DataFrame({"x": x, "target": y, "prediction": (x > 0).astype(int)})
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    frame[:2000].to_csv(ref, index=False)
    current = frame[2000:].copy()
    current["target"] = 1 - current["target"]  # the labelling rule changed
    current.to_csv(cur, index=False)
    profiled = tmp_path / "ref.profile"
    code = main(
        ["profile", str(ref), "-o", str(profiled), "--target", "target",
         "--prediction", "prediction", "--kind", "target=categorical",
         "--kind", "prediction=categorical", "-q"]
    )  # fmt: skip
    assert code == 0
    js = tmp_path / "r.json"
    assert (
        main(["report", str(profiled), str(cur), "--json", str(js), "-q", "--fail-on", "retrain"])
        == 1
    )
    data = json.loads(js.read_text())
    assert data["verdict"]["decision"] == "retrain"
    assert data["performance"]["metrics"][0]["status"] == "alert"
    capsys.readouterr()
    assert main(["report", str(profiled), str(cur), "--windows", "3"]) == 2
    err = capsys.readouterr().err
    assert "--windows" in err
    assert "needs rows" in err
    assert main(["report", str(profiled), str(cur), "--target", "target"]) == 2
    assert "--target" in capsys.readouterr().err
