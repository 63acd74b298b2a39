"""The headline, the exit code and the details agree, on every generated report (hypothesis).

A report that says "no dataset drift" above a test that says drift, or exits 0 with
``--fail-on-drift`` while the dataset drifted, loses the trust the numbers earned. These
properties hold for any data: the dataset verdict follows its documented rule from the column
and whole-table results it carries; the terminal, the HTML and the JSON say the same thing; the
CLI's exit code follows the verdict.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

import driftscope
from driftscope.cli import main
from driftscope.exceptions import EmptyDataError
from driftscope.report.html import render_html
from driftscope.report.terminal import render_terminal


@st.composite
def pairs(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reference and a current frame with a few numerical and categorical columns, each
    shifted by a drawn amount (often none), with drawn sizes from tiny to a few thousand rows."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_ref = draw(st.sampled_from([5, 30, 200, 1500]))
    n_cur = draw(st.sampled_from([5, 30, 200, 1500]))
    n_num = draw(st.integers(0, 4))
    n_cat = draw(st.integers(0 if n_num else 1, 3))
    shifts = draw(st.lists(st.sampled_from([0.0, 0.0, 0.1, 0.3, 1.0]), min_size=5, max_size=5))

    def side(n: int, current: bool) -> pd.DataFrame:
        data: dict[str, object] = {}
        for i in range(n_num):
            shift = shifts[i] if current else 0.0
            data[f"x{i}"] = rng.normal(shift, 1.0, n)
        for j in range(n_cat):
            weights = np.array([0.5, 0.3, 0.2])
            if current:
                tilt = shifts[(n_num + j) % 5]
                weights = np.array([0.5 - tilt / 3, 0.3, 0.2 + tilt / 3])
                weights = weights.clip(0.01) / weights.clip(0.01).sum()
            data[f"c{j}"] = rng.choice(["a", "b", "c"], size=n, p=weights)
        return pd.DataFrame(data)

    return side(n_ref, False), side(n_cur, True)


def _text(renderable: object) -> str:
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(renderable)
    return buffer.getvalue()


def _check(report: driftscope.Report) -> None:
    dataset = report.drift.dataset
    counted = [c for c in report.drift.columns if not c.skipped or c.signals]
    # The counts are those of the details.
    assert dataset.n_columns == len(counted)
    assert dataset.n_drifted == sum(c.drifted for c in counted)
    # The rule, from what the report carries.
    by_share = bool(counted) and dataset.n_drifted / len(counted) >= dataset.drift_share_threshold
    assert ("column_share" in dataset.signals) == by_share
    for mv in report.drift.multivariate:
        expected = (
            mv.p_value is not None
            and mv.p_value < mv.threshold
            and mv.effect_size is not None
            and mv.effect_size_threshold is not None
            and mv.effect_size >= mv.effect_size_threshold
        )
        assert mv.drifted == expected
    assert ("multivariate" in dataset.signals) == any(m.drifted for m in report.drift.multivariate)
    assert dataset.drifted == bool(dataset.signals)
    # The headline says the same thing, everywhere.
    assert dataset.summary.startswith("Dataset drift" if dataset.drifted else "No dataset drift")
    assert f"{dataset.n_drifted} of {dataset.n_columns} columns drifted" in dataset.summary
    terminal = _text(render_terminal(report.to_dict()))
    assert ("NO DATASET DRIFT" in terminal) == (not dataset.drifted)
    assert ("DATASET DRIFT" in terminal.replace("NO DATASET DRIFT", "")) == dataset.drifted
    page = render_html(report.to_dict())
    assert ("Dataset drift detected" in page) == dataset.drifted
    assert ("No dataset drift" in page) == (not dataset.drifted)
    assert report.to_dict()["dataset"]["drifted"] == dataset.drifted


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs())
def test_headline_and_details_agree(pair: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = pair
    try:
        report = driftscope.compare(reference, current, n_jobs=1)
    except EmptyDataError:
        return
    _check(report)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs())
def test_exit_code_follows_the_headline(
    tmp_path_factory: pytest.TempPathFactory, pair: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    reference, current = pair
    folder: Path = tmp_path_factory.mktemp("agree")
    ref_path, cur_path, out = folder / "ref.csv", folder / "cur.csv", folder / "report.json"
    reference.to_csv(ref_path, index=False)
    current.to_csv(cur_path, index=False)
    code = main(
        ["drift", str(ref_path), str(cur_path), "--fail-on-drift", "--quiet", "--json", str(out)]
    )
    report = driftscope.compare(ref_path, cur_path)
    assert code == (1 if report.drift.dataset.drifted else 0)
    assert out.read_text().count('"drifted": true') >= int(report.drift.dataset.drifted)


def test_whole_table_drift_below_the_column_share_is_dataset_drift() -> None:
    """The issue's case: one column of six moved 0.7 sd, the whole-table tests fire: the headline
    says dataset drift, and --fail-on-drift would exit 1 (before: "NO DATASET DRIFT", exit 0)."""
    rng = np.random.default_rng(7)
    n = 3000

    def side(shift: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "age": rng.normal(40 + 7.1 * shift, 10, n),
                **{f"x{i}": rng.normal(size=n) for i in range(5)},
            }
        )

    report = driftscope.compare(side(0.0), side(1.0))
    dataset = report.drift.dataset
    assert report.drift.column("age").drifted
    assert dataset.n_drifted < 3
    assert dataset.drifted
    assert dataset.signals == ("multivariate",)
    assert dataset.summary.startswith("Dataset drift: the whole-table tests tell current")
    _check(report)


def test_a_negligible_joint_shift_in_a_huge_sample_is_not_dataset_drift() -> None:
    """A 0.04-sd shift of every column is significant with 20,000 rows a side, but the domain
    classifier's AUC stays under the 0.55 floor: not dataset drift."""
    rng = np.random.default_rng(3)
    n = 20_000
    reference = pd.DataFrame({f"x{i}": rng.normal(0.0, 1, n) for i in range(6)})
    current = pd.DataFrame({f"x{i}": rng.normal(0.04, 1, n) for i in range(6)})
    report = driftscope.compare(reference, current)
    assert not report.drift.dataset.drifted, report.drift.dataset.summary
    _check(report)


def test_nothing_tested_is_an_error_not_no_drift(tmp_path: Path) -> None:
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    pd.DataFrame({"a": [np.nan] * 20, "b": [np.nan] * 20}).to_csv(ref, index=False)
    pd.DataFrame({"a": [np.nan] * 20, "b": [np.nan] * 20}).to_csv(cur, index=False)
    with pytest.raises(EmptyDataError, match="could be tested"):
        driftscope.compare(ref, cur)
    assert main(["drift", str(ref), str(cur), "--fail-on-drift"]) == 2
