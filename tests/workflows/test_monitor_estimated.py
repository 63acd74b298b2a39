"""The "performance (estimated)" section of `driftscope.monitor`: made where current's labels
have not arrived, equal to `driftscope.estimate` on the same data, read by the verdict, shown in
the JSON, the terminal and the HTML."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

import driftscope
from driftscope.analyses.estimation import EstimationSettings
from driftscope.cli import app
from driftscope.exceptions import ColumnError
from driftscope.report._validate import validate_report
from driftscope.report.terminal import render_terminal


def _sample(n: int, seed: int, *, spread: float = 1.0) -> pd.DataFrame:
    """A calibrated binary model: P(y=1 | x) is the model's own probability, so the estimate is
    right in expectation. ``spread`` < 1 packs the rows near the decision boundary, where the
    model is least sure: its accuracy and ROC-AUC fall with no change in the concept."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(0.0, spread, n)
    x1 = rng.normal(size=n)
    p1 = 1 / (1 + np.exp(-(2.0 * x0 - 0.5 * x1)))
    y = (rng.random(n) < p1).astype(int)
    return pd.DataFrame(
        {
            "x0": x0,
            "x1": x1,
            "target": y,
            "prediction": (p1 > 0.5).astype(int),
            "proba_0": 1 - p1,
            "proba_1": p1,
        }
    )


def _monitor(ref: pd.DataFrame, cur: pd.DataFrame, **options: object) -> driftscope.Report:
    options.setdefault("multivariate", False)
    options.setdefault("n_resamples", 100)
    options.setdefault("quality", False)
    return driftscope.monitor(ref, cur, **options)  # type: ignore[arg-type]


def test_current_without_labels_gets_the_estimate_that_estimate_gives() -> None:
    ref, cur = _sample(3000, 1), _sample(2000, 2, spread=0.4)
    report = _monitor(ref, cur.drop(columns="target"))
    estimated = report.estimated_performance
    assert estimated is not None
    assert report.performance is None
    direct = driftscope.estimate(ref, cur.drop(columns="target"))
    for name in ("roc_auc", "accuracy", "f1_macro"):
        assert estimated.overall.metrics[name].estimate == pytest.approx(
            direct.overall.metrics[name].estimate, abs=1e-12
        )
    # The estimate is near what the labels (held back) say: the model is calibrated.
    realised = float(((cur["proba_1"] > 0.5).astype(int) == cur["target"]).mean())
    accuracy = estimated.overall.metrics["accuracy"]
    assert accuracy.low - 0.01 <= realised <= accuracy.high + 0.01
    validate_report(report.to_dict())
    assert report.to_dict()["estimated_performance"]["primary"] == "roc_auc"


def test_an_estimated_drop_makes_the_verdict_investigate_never_retrain() -> None:
    ref, cur = _sample(3000, 3), _sample(2000, 4, spread=0.3)
    report = _monitor(ref, cur.drop(columns="target"))
    estimated = report.estimated_performance
    assert estimated is not None
    assert estimated.status == "alert"
    auc = estimated.overall.metrics["roc_auc"]
    assert auc.baseline is not None
    assert auc.estimate < auc.baseline
    assert report.verdict is not None
    assert report.verdict.decision == "investigate"
    reason = next(r for r in report.verdict.reasons if r.source == "estimated_performance")
    assert reason.severity == "investigate"
    assert "estimated" in reason.message
    assert "labels arrive" in reason.message


def test_no_estimated_reason_when_the_estimate_holds_the_baseline() -> None:
    report = _monitor(_sample(3000, 5), _sample(2000, 6).drop(columns="target"))
    assert report.estimated_performance is not None
    assert report.estimated_performance.status == "ok"
    assert report.verdict is not None
    assert "estimated_performance" not in {r.source for r in report.verdict.reasons}


def test_fully_labelled_current_is_not_estimated_unless_asked() -> None:
    ref, cur = _sample(3000, 7), _sample(2000, 8)
    assert _monitor(ref, cur).estimated_performance is None
    asked = _monitor(ref, cur, estimate=True, n_windows=4)
    estimated = asked.estimated_performance
    assert estimated is not None
    assert len(estimated.windows) == 4
    assert all(w.n_labelled == w.n_rows for w in estimated.windows)
    # With every label in, each window's realised value sits beside its estimate, and the check
    # of estimates against realised values holds (the model is calibrated, no concept drift).
    auc_check = next(c for c in estimated.checks if c.metric == "roc_auc")
    assert auc_check.n_windows == 4
    assert auc_check.holds


def test_estimate_false_leaves_the_report_as_before() -> None:
    ref, cur = _sample(2000, 9), _sample(1000, 10).drop(columns="target")
    report = _monitor(ref, cur, estimate=False)
    assert report.estimated_performance is None
    assert report.to_dict()["estimated_performance"] is None
    assert any("'target' is in the reference only" in w for w in report.warnings)


def test_labels_that_arrived_for_some_rows_are_checked_against_the_estimate() -> None:
    ref, cur = _sample(3000, 11), _sample(3000, 12, spread=0.6)
    cur["id"] = [f"r{i}" for i in range(len(cur))]
    labels = cur[["id", "target"]].iloc[:1500]
    report = _monitor(
        ref, cur.drop(columns="target"), id="id", labels=labels, target="target", n_windows=2
    )
    estimated = report.estimated_performance
    assert estimated is not None
    assert report.performance is not None  # realised on the 1,500 labelled rows
    first, second = estimated.windows
    assert first.n_labelled == 1500
    assert second.n_labelled == 0
    assert first.metrics["accuracy"].realised is not None
    assert second.metrics["accuracy"].realised is None


def test_concept_drift_breaks_the_estimate_and_the_verdict_trusts_the_labels() -> None:
    ref, cur = _sample(3000, 13), _sample(3000, 14)
    cur["target"] = 1 - cur["target"]  # the labelling rule flipped: the assumption broke
    report = _monitor(ref, cur, estimate=True, n_windows=3)
    estimated = report.estimated_performance
    assert estimated is not None
    assert not next(c for c in estimated.checks if c.metric == "roc_auc").holds
    assert report.verdict is not None
    assert report.verdict.decision == "retrain"
    assert "estimated_performance" not in {r.source for r in report.verdict.reasons}


def test_a_regressor_is_estimated_by_direct_loss_estimation() -> None:
    rng = np.random.default_rng(15)

    def sample(n: int, shift: float) -> pd.DataFrame:
        x = rng.normal(shift, 1.0, n)
        noise = 0.5 + np.abs(x)  # the error grows with |x|: DLE must follow the shift
        y = 2 * x + rng.normal(0, noise)
        return pd.DataFrame({"x": x, "target": y, "prediction": 2 * x})

    # A shift that stays mostly inside the reference's range: the loss model's trees do not
    # extrapolate (docs/estimation.md).
    ref, cur = sample(2000, 0.0), sample(1000, 0.8)
    report = _monitor(ref, cur.drop(columns="target"), task="regression")
    estimated = report.estimated_performance
    assert estimated is not None
    assert estimated.method == "dle"
    mae = estimated.overall.metrics["mae"]
    realised = float(np.abs(cur["target"] - cur["prediction"]).mean())
    reference_mae = float(np.abs(ref["target"] - ref["prediction"]).mean())
    # The estimate follows the error up (most of the way: its band is the sampling of current's
    # rows, not the loss model's own error; docs/estimation.md measures that).
    assert realised > reference_mae * 1.1
    assert abs(mae.estimate - realised) < 0.25 * (realised - reference_mae)
    assert mae.status == "alert"  # the error grew with the inputs
    validate_report(report.to_dict())


def test_real_data_breast_cancer_estimate_is_near_the_held_back_labels() -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=5000).fit(X.iloc[::3], y.iloc[::3])
    frame = X.copy()
    proba = model.predict_proba(X)
    frame["target"], frame["prediction"] = y, model.predict(X)
    frame["proba_0"], frame["proba_1"] = proba[:, 0], proba[:, 1]
    rest = frame.drop(index=frame.index[::3])
    ref, cur = rest.iloc[::2], rest.iloc[1::2]
    report = _monitor(ref, cur.drop(columns="target"))
    estimated = report.estimated_performance
    assert estimated is not None
    accuracy = estimated.overall.metrics["accuracy"]
    realised = float((cur["prediction"] == cur["target"]).mean())
    assert accuracy.low <= realised <= accuracy.high


def test_a_model_without_probabilities_is_left_out_with_a_warning_or_refused() -> None:
    ref, cur = _sample(2000, 16), _sample(1000, 17).drop(columns="target")
    ref, cur = ref.drop(columns=["proba_0", "proba_1"]), cur.drop(columns=["proba_0", "proba_1"])
    report = _monitor(ref, cur)
    assert report.estimated_performance is None
    assert any("performance (estimated): not made" in w for w in report.warnings)
    with pytest.raises(ColumnError, match="estimated from its probabilities"):
        _monitor(ref, cur, estimate=True)


def test_the_section_shows_in_the_terminal_and_the_html() -> None:
    ref, cur = _sample(3000, 18), _sample(2000, 19, spread=0.3)
    report = _monitor(ref, cur.drop(columns="target"))
    out = io.StringIO()
    Console(file=out, width=140).print(render_terminal(report.to_dict()))
    text = out.getvalue()
    assert "performance (estimated" in text
    assert "Estimated ROC-AUC on current" in text
    html = report.to_html()
    assert 'data-section="estimated"' in html
    assert "Performance (estimated)" in html
    assert "confirm when the labels arrive" in html  # the verdict's reason


def test_the_command_line_estimates_and_can_be_told_not_to(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    _sample(2000, 20).to_csv(folder / "ref.csv", index=False)
    _sample(1000, 21).drop(columns="target").to_csv(folder / "cur.csv", index=False)
    runner = CliRunner()
    base = ["report", str(folder / "ref.csv"), str(folder / "cur.csv"), "--no-multivariate"]
    result = runner.invoke(app, [*base, "--json", str(folder / "a.json"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert '"estimated_performance": {' in (folder / "a.json").read_text()
    result = runner.invoke(app, [*base, "--json", str(folder / "b.json"), "--no-estimate", "-q"])
    assert result.exit_code == 0, result.output
    assert '"estimated_performance": null' in (folder / "b.json").read_text()


def test_a_category_the_reference_never_had_is_read_as_missing() -> None:
    ref, cur = _sample(2000, 22), _sample(1000, 23).drop(columns="target")
    ref["plan"] = np.where(ref["x1"] > 0, "basic", "pro")
    cur["plan"] = np.where(cur["x1"] > 1, "enterprise", "basic")  # unseen in the reference
    report = _monitor(ref, cur, estimation_settings=EstimationSettings(calibration="features"))
    estimated = report.estimated_performance
    assert estimated is not None
    assert "plan" in estimated.features
    assert np.isfinite(estimated.overall.metrics["roc_auc"].estimate)
