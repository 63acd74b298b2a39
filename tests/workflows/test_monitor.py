"""`driftscope.monitor` end to end: tasks, verdicts and the bad inputs of model monitoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope.report._validate import validate_report


def _classification(
    n: int, seed: int, *, flip: bool = False, shift: float = 0.0, start: str = "2026-01-05"
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    x[:, 0] += shift
    logit = 1.5 * x[:, 0] - x[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    if flip:
        y = np.where(x[:, 1] > 0, 1 - y, y)
    p1 = 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1])))
    return pd.DataFrame(
        {
            "f0": x[:, 0],
            "f1": x[:, 1],
            "f2": x[:, 2],
            "city": rng.choice(["a", "b", "c"], n),
            "target": y,
            "prediction": (p1 > 0.5).astype(int),
            "proba_0": 1 - p1,
            "proba_1": p1,
            "timestamp": pd.Timestamp(start) + pd.to_timedelta(rng.uniform(0, 28, n), unit="D"),
        }
    )


def _monitor(ref: pd.DataFrame, cur: pd.DataFrame, **options: object) -> driftscope.Report:
    options.setdefault("multivariate", False)
    options.setdefault("n_resamples", 200)
    return driftscope.monitor(ref, cur, **options)  # type: ignore[arg-type]


def test_healthy_model_is_ok_and_report_validates() -> None:
    ref, cur = _classification(4000, 1), _classification(4000, 2)
    report = _monitor(ref, cur, timestamp="timestamp", period="W")
    validate_report(report.to_dict())
    assert report.model is not None
    assert report.model.task == "binary_classification"
    assert report.model.probabilities == ("proba_0", "proba_1")
    assert report.performance is not None
    accuracy = report.performance.metric("accuracy")
    assert accuracy.status == "ok"
    assert accuracy.current_low is not None
    assert accuracy.current_low <= accuracy.current <= accuracy.current_high
    assert report.concept_drift is not None
    assert not report.concept_drift.drifted
    assert report.verdict is not None
    assert report.verdict.decision == "ok", report.verdict.reasons
    assert report.windows is not None
    assert [w.n_rows for w in report.windows.windows] == [
        int(v) for v in cur["timestamp"].dt.to_period("W").value_counts().sort_index()
    ]


def test_concept_shift_gives_retrain_with_reasons() -> None:
    ref, cur = _classification(4000, 3), _classification(4000, 4, flip=True)
    report = _monitor(ref, cur)
    assert report.verdict is not None
    assert report.verdict.decision == "retrain"
    sources = [r.source for r in report.verdict.reasons]
    assert "performance" in sources
    assert "concept_drift" in sources
    assert report.concept_drift is not None
    assert report.concept_drift.drifted
    assert "fell from" in report.verdict.reasons[0].message


def test_covariate_shift_without_performance_drop_is_investigate() -> None:
    ref, cur = _classification(4000, 5), _classification(4000, 6, shift=0.0)
    cur["f2"] = cur["f2"] + 1.0  # a feature the model ignores moves
    report = _monitor(ref, cur)
    assert report.verdict is not None
    assert report.verdict.decision == "investigate"
    assert report.verdict.reasons[0].source == "data_drift"
    assert "f2" in report.verdict.reasons[0].message


def test_benchmark_and_floor_set_the_baseline() -> None:
    ref, cur = _classification(3000, 7), _classification(3000, 8)
    report = _monitor(ref, cur, benchmarks={"accuracy": 0.99}, floors={"f1_macro": 0.95})
    assert report.performance is not None
    accuracy = report.performance.metric("accuracy")
    assert accuracy.baseline == 0.99
    assert accuracy.baseline_source == "benchmark"
    assert accuracy.status == "alert"
    f1 = report.performance.metric("f1_macro")
    assert f1.status == "alert"
    assert "below the floor 0.95" in f1.message


# --- a benchmark or floor for a metric the task never computes is refused ---------------------


def _label_only(n: int, seed: int) -> pd.DataFrame:
    """A binary classifier's frame without probability columns."""
    frame = _classification(n, seed)
    return frame.drop(columns=["proba_0", "proba_1", "timestamp"])


@pytest.mark.parametrize(
    ("argument", "values", "reason"),
    [
        ("benchmarks", {"f1_micro": 0.9}, "is not a metric driftscope computes"),
        ("benchmarks", {"mae": 0.5}, "is not computed by a binary_classification task"),
        ("floors", {"wer": 0.2}, "is not computed by a binary_classification task"),
        ("floors", {"roc_auc": 0.7}, "needs probability columns"),
        ("benchmarks", {"pr_auc": 0.7}, "needs probability columns"),
        ("floors", {"mean_error": 0.0}, "is a level with no better direction"),
    ],
)
def test_a_metric_the_task_does_not_compute_is_refused(
    argument: str, values: dict[str, float], reason: str
) -> None:
    ref, cur = _label_only(400, 90), _label_only(400, 91)
    with pytest.raises(driftscope.MetricNotComputedError, match=reason) as caught:
        _monitor(ref, cur, **{argument: values})
    error = caught.value
    assert isinstance(error, driftscope.ParameterError)
    assert error.argument == argument
    assert error.metric == next(iter(values))
    assert f"metric {error.metric!r}" in str(error)
    assert "accuracy, balanced_accuracy, precision_macro" in error.expected


def test_probability_metrics_take_a_benchmark_when_probabilities_are_given() -> None:
    ref, cur = _classification(600, 92), _classification(600, 93)
    report = _monitor(ref, cur, benchmarks={"roc_auc": 0.5}, floors={"brier_score": 0.9})
    assert report.performance is not None
    assert report.performance.metric("roc_auc").baseline_source == "benchmark"
    assert report.performance.metric("brier_score").floor == 0.9


def test_a_classification_metric_is_refused_for_regression() -> None:
    rng = np.random.default_rng(94)
    x = rng.normal(size=600)
    frame = pd.DataFrame({"x": x, "y": x + rng.normal(size=600), "yhat": x})
    with pytest.raises(driftscope.MetricNotComputedError, match="regression task") as caught:
        _monitor(frame[:300], frame[300:], target="y", prediction="yhat",
                 benchmarks={"accuracy": 0.9})  # fmt: skip
    assert "mae, rmse, mape, median_absolute_error, r2" in caught.value.expected


def test_the_metric_names_per_task_are_the_ones_computed() -> None:
    from driftscope.analyses.model import Task
    from driftscope.analyses.performance import TASK_METRICS

    report = _monitor(_classification(400, 97), _classification(400, 98))
    assert report.performance is not None
    assert {m.name for m in report.performance.metrics} == set(TASK_METRICS[Task.BINARY])
    rng = np.random.default_rng(99)
    x = rng.normal(size=600)
    frame = pd.DataFrame({"x": x, "y": x + rng.normal(size=600), "yhat": x})
    report = _monitor(frame[:300], frame[300:], target="y", prediction="yhat")
    assert report.performance is not None
    assert {m.name for m in report.performance.metrics} == set(TASK_METRICS[Task.REGRESSION])


@pytest.mark.parametrize(
    ("option", "value", "listed"),
    [
        ("--benchmark", "f1_micro=0.9", "classification: accuracy"),
        ("--benchmark", "mae=0.5", "one of accuracy, balanced_accuracy"),
        ("--floor", "roc_auc=0.7", "one of accuracy, balanced_accuracy"),
    ],
)
def test_the_command_line_refuses_it_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, listed: str
) -> None:
    from driftscope.cli import main

    paths = [tmp_path / "ref.csv", tmp_path / "cur.csv"]
    _label_only(300, 95).to_csv(paths[0], index=False)
    _label_only(300, 96).to_csv(paths[1], index=False)
    code = main(["report", *map(str, paths), option, value, "-q"])
    assert code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"Invalid value for {option}" in err
    assert f"metric '{value.split('=')[0]}'" in err
    assert listed in err
    assert "Traceback" not in err


def test_regression_task() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(6000, 2))
    y = 3 * x[:, 0] + rng.normal(size=6000)
    pred = 3 * x[:, 0]
    ref = pd.DataFrame({"x0": x[:3000, 0], "x1": x[:3000, 1], "y": y[:3000], "yhat": pred[:3000]})
    cur = pd.DataFrame(
        {"x0": x[3000:, 0], "x1": x[3000:, 1], "y": y[3000:] + 2.0, "yhat": pred[3000:]}
    )
    report = _monitor(ref, cur, target="y", prediction="yhat")
    assert report.model is not None
    assert report.model.task == "regression"
    assert report.performance is not None
    bias = report.performance.metric("mean_error")
    assert bias.current == pytest.approx(-2.0, abs=0.1)
    assert report.performance.metric("mae").status == "alert"
    assert report.verdict is not None
    assert report.verdict.decision == "retrain"


def test_speech_recognition_task() -> None:
    ref = pd.DataFrame(
        {
            "transcript": ["the cat sat", "a dog ran far", "hello world"] * 40,
            "hypothesis": ["the cat sat", "a dog ran far", "hello word"] * 40,
        }
    )
    cur = pd.DataFrame(
        {
            "transcript": ["the cat sat", "a dog ran far", "hello world"] * 40,
            "hypothesis": ["the bat sat", "a dog ran", "yellow word"] * 40,
        }
    )
    report = _monitor(ref, cur, target="transcript", prediction="hypothesis", task="asr")
    assert report.performance is not None
    wer = report.performance.metric("wer")
    assert wer.reference == pytest.approx(1 / 9)
    assert wer.current == pytest.approx(4 / 9)
    assert wer.status == "alert"


def test_segmentation_task_with_masks_in_cells() -> None:
    rng = np.random.default_rng(30)

    def frame(n: int, noise: float) -> pd.DataFrame:
        true = [rng.integers(0, 3, (8, 8)) for _ in range(n)]
        pred = [np.where(rng.random((8, 8)) < noise, rng.integers(0, 3, (8, 8)), m) for m in true]
        return pd.DataFrame({"brightness": rng.normal(size=n), "mask": true, "pred": pred})

    report = _monitor(frame(60, 0.1), frame(60, 0.4), target="mask", prediction="pred",
                      task="segmentation")  # fmt: skip
    assert report.performance is not None
    iou = report.performance.metric("mean_iou")
    assert iou.reference is not None
    assert iou.current is not None
    assert iou.current < iou.reference - 0.2
    assert iou.status == "alert"
    assert [c.name for c in report.drift.columns] == ["brightness"]
    assert report.verdict is not None
    assert report.verdict.decision == "retrain"


def test_target_missing_in_current_skips_performance_with_a_note() -> None:
    ref, cur = _classification(2000, 10), _classification(2000, 11)
    cur["target"] = np.nan
    report = _monitor(ref, cur)
    assert report.performance is None
    assert any("Performance is skipped" in w for w in report.warnings)
    assert report.verdict is not None
    assert report.verdict.decision in ("ok", "investigate")


def test_labels_never_seen_in_training_are_reported() -> None:
    ref, cur = _classification(2000, 12), _classification(2000, 13)
    cur.loc[:50, "target"] = 2
    report = _monitor(ref, cur, proba_prefix="proba_")
    assert any("never seen in the reference: '2'" in w for w in report.warnings)


def test_probabilities_outside_unit_interval_skip_probability_metrics() -> None:
    ref, cur = _classification(2000, 14), _classification(2000, 15)
    cur.loc[:9, "proba_1"] = 1.7
    report = _monitor(ref, cur)
    assert report.performance is not None
    names = {m.name for m in report.performance.metrics if m.current is not None}
    assert "accuracy" in names
    assert "roc_auc" not in names
    assert any("outside [0, 1]" in w and "10 row(s)" in w for w in report.warnings)


def test_probabilities_not_summing_to_one_are_rescaled_with_a_warning() -> None:
    ref, cur = _classification(2000, 16), _classification(2000, 17)
    cur["proba_0"] = cur["proba_0"] * 0.5
    report = _monitor(ref, cur)
    assert any("do not sum to 1" in w for w in report.warnings)
    assert report.performance is not None
    assert report.performance.metric("roc_auc").current is not None


def test_late_labels_join_by_id_and_duplicates_are_an_error() -> None:
    ref, cur = _classification(2000, 18), _classification(2000, 19)
    cur["request"] = np.arange(len(cur))
    ref["request"] = np.arange(len(ref))
    labels = cur[["request", "target"]].iloc[:1500]
    report = _monitor(ref, cur.drop(columns=["target"]), id="request", labels=labels)
    assert report.performance is not None
    assert report.performance.n_current_labelled == 1500
    assert any("1,500 of 2,000 current rows" in w for w in report.warnings)
    # The 500 rows still waiting for a label are not missing data.
    assert report.quality is not None
    [coverage] = [
        c for c in report.quality.checks if (c.check, c.column) == ("missing_share", "target")
    ]
    assert coverage.status == "ok"
    assert coverage.message.startswith("target: 25% of current rows have no label yet")
    assert report.verdict is not None
    assert all("missing" not in r.message for r in report.verdict.reasons)
    with pytest.raises(driftscope.SchemaError, match="duplicated id"):
        _monitor(
            ref,
            cur.drop(columns=["target"]),
            id="request",
            labels=pd.concat([labels, labels.iloc[:3]]),
        )


def test_unparseable_timestamps_and_small_windows_are_marked() -> None:
    ref, cur = _classification(2000, 20), _classification(2000, 21)
    cur["timestamp"] = cur["timestamp"].astype(str)
    cur.loc[:4, "timestamp"] = "not a date"
    report = _monitor(ref, cur, timestamp="timestamp", window_size=900, min_window_rows=500)
    assert any("5 of 2,000 rows have no date (5 unreadable, e.g. 'not a date')" in w
               for w in report.warnings)  # fmt: skip
    assert report.windows is not None
    sizes = [w.n_rows for w in report.windows.windows]
    assert sizes == [900, 900, 200]
    last = report.windows.windows[-1]
    assert last.too_small
    assert last.note is not None
    assert "not analysed" in last.note
    assert any("fewer than 500 rows" in w for w in report.warnings)


def test_period_windows_need_a_timestamp() -> None:
    ref = _classification(500, 22).drop(columns=["timestamp"])
    cur = _classification(500, 23).drop(columns=["timestamp"])
    with pytest.raises(driftscope.ColumnError, match="need a timestamp column"):
        _monitor(ref, cur, period="W")


def test_report_json_round_trip_has_the_verdict() -> None:
    ref, cur = _classification(1500, 24), _classification(1500, 25, flip=True)
    report = _monitor(ref, cur)
    data = json.loads(report.to_json())
    assert data["verdict"]["decision"] == "retrain"
    assert data["verdict"]["reasons"][0]["severity"] == "retrain"
    validate_report(data)


def test_window_drift_equals_a_direct_comparison_with_that_window() -> None:
    # Windows reuse the prepared reference and a different KS/Wasserstein path: same numbers.
    ref, cur = _classification(8000, 40), _classification(2000, 41, shift=0.3)
    report = _monitor(ref, cur, n_windows=4)
    assert report.windows is not None
    first = report.windows.windows[0]
    rows = cur.sort_values("timestamp", kind="stable").iloc[:500]  # windows follow time
    direct = driftscope.compare(ref, rows, target="target", prediction="prediction",
                                multivariate=False)  # fmt: skip
    for column in direct.drift.columns:
        if column.effect_size is None:
            continue
        assert first.drift_scores[column.name] == pytest.approx(column.effect_size, rel=1e-9)
    assert set(first.drifted_columns) == set(direct.drift.drifted_columns)
    accuracy = float((rows["target"] == rows["prediction"]).mean())
    assert first.metrics["accuracy"] == pytest.approx(accuracy)


def test_change_points_mark_when_the_errors_changed() -> None:
    ref = _classification(4000, 50)
    early = _classification(2000, 51, start="2026-01-05")
    late = _classification(2000, 52, flip=True, start="2026-02-02")
    cur = pd.concat([early, late], ignore_index=True)
    report = _monitor(ref, cur, timestamp="timestamp", period="W")
    points = report.change_points
    assert points is not None
    assert points.detector.startswith("HDDM_A(")
    assert points.stream == "error_rate"
    assert points.n_items == 4000
    first = points.drifts[0]
    assert first.timestamp is not None
    assert first.timestamp >= "2026-02-02"
    assert report.windows is not None
    window = report.windows.windows[first.window or 0]
    assert window.start is not None
    assert window.start[:10] >= "2026-02-02"
    assert any(r.source == "change_points" for r in report.verdict.reasons)  # type: ignore[union-attr]
    html = report.to_html()
    assert '"change_points": [{"window"' in html or '"change_points":[{"window"' in html
    validate_report(report.to_dict())


# --- the model's columns: class labels, one probability column, continuous predictions --------


def _labels(n: int, shares: list[float], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.choice(len(shares), size=n, p=shares)
    return pd.DataFrame({"x": rng.normal(size=n), "target": y, "prediction": y})


def test_class_labels_are_drift_tested_as_categories_and_label_drift_is_a_reason() -> None:
    # Class 1 goes 18% -> 4% and class 2 goes 5% -> 19%: as numbers the ids barely move.
    ref, cur = _labels(3000, [0.77, 0.18, 0.05], 60), _labels(3000, [0.77, 0.04, 0.19], 61)
    report = _monitor(ref, cur)
    assert report.model is not None
    assert report.model.task == "multiclass_classification"
    for name in ("target", "prediction"):
        assert report.schema[name].kind == "categorical"
        column = next(c for c in report.drift.columns if c.name == name)
        assert column.method not in ("ks", "wasserstein")
        assert column.drifted
    assert report.verdict is not None
    assert "label_drift" in [r.source for r in report.verdict.reasons]
    validate_report(report.to_dict())


@pytest.mark.parametrize(
    ("task", "kind"),
    [(None, "categorical"), ("classification", "categorical"), ("regression", "numerical")],
)
def test_compare_tests_class_labels_as_categories(task: str | None, kind: str) -> None:
    # compare has no model analysis, but --target/--prediction with class ids are label and
    # prediction drift all the same: the swap of class shares is drift.
    ref, cur = _labels(3000, [0.77, 0.18, 0.05], 60), _labels(3000, [0.77, 0.04, 0.19], 61)
    report = driftscope.compare(
        ref, cur, target="target", prediction="prediction", task=task, multivariate=False
    )
    for name in ("target", "prediction"):
        assert report.schema[name].kind == kind
        column = next(c for c in report.drift.columns if c.name == name)
        if kind == "categorical":
            assert column.method not in ("ks", "wasserstein")
            assert column.drifted
        else:
            assert column.method in ("ks", "wasserstein")
    validate_report(report.to_dict())


def test_compare_refuses_scores_given_as_class_labels() -> None:
    frame = pd.DataFrame({"x": np.arange(200.0), "y": np.linspace(0, 1, 200)})
    with pytest.raises(driftscope.SchemaError, match=r"'y'.*non-integer.*task 'binary'"):
        driftscope.compare(frame, frame, target="y", task="binary", multivariate=False)


@pytest.mark.parametrize("positive", ["1", "yes"])
def test_a_single_probability_column_is_the_class_it_names(positive: str) -> None:
    from sklearn.metrics import log_loss, roc_auc_score

    ref, cur = _classification(2000, 62), _classification(2000, 63)
    names = {0: "0", 1: "1"} if positive == "1" else {0: "no", 1: "yes"}
    for frame in (ref, cur):
        frame["target"] = frame["target"].map(names)
        frame["prediction"] = frame["prediction"].map(names)
        frame[f"proba_{positive}"] = frame.pop("proba_1")
        frame.pop("proba_0")
    report = _monitor(ref, cur, proba_prefix="proba_")
    assert report.model is not None
    assert report.model.labels[1] == positive
    assert report.model.note == f"'proba_{positive}' is the probability of class '{positive}'"
    assert report.performance is not None
    y = (cur["target"] == positive).to_numpy()
    p1 = cur[f"proba_{positive}"].to_numpy()
    expected_auc = roc_auc_score(y, p1)
    assert expected_auc > 0.7
    assert report.performance.metric("roc_auc").current == pytest.approx(expected_auc, abs=1e-12)
    expected_loss = log_loss(y, np.column_stack([1 - p1, p1]))
    assert report.performance.metric("log_loss").current == pytest.approx(expected_loss, rel=1e-9)


def test_a_probability_column_naming_the_first_class_scores_that_class() -> None:
    from sklearn.metrics import roc_auc_score

    ref, cur = _classification(2000, 64), _classification(2000, 65)
    for frame in (ref, cur):
        frame.pop("proba_1")
    report = _monitor(ref, cur, proba_prefix="proba_")
    assert report.model is not None
    assert report.model.labels == ("1", "0")
    assert report.performance is not None
    expected = roc_auc_score(cur["target"] == 0, cur["proba_0"])
    assert report.performance.metric("roc_auc").current == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("task", ["binary", "classification", "multiclass"])
def test_continuous_predictions_of_a_classification_task_are_refused(task: str) -> None:
    rng = np.random.default_rng(66)
    frame = pd.DataFrame(
        {"x": rng.normal(size=400), "target": rng.integers(0, 2, 400), "score": rng.random(400)}
    )
    with pytest.raises(driftscope.SchemaError) as info:
        _monitor(frame, frame, target="target", prediction="score", task=task)
    message = str(info.value)
    assert "prediction column 'score'" in message
    assert "--prediction" in message
    assert f"task '{task}'" in message
    assert "non-integer" in message


def test_more_classes_than_the_limit_are_refused_naming_the_column() -> None:
    from driftscope.analyses.model import MAX_LABELS

    rng = np.random.default_rng(67)
    labels = [f"c{i}" for i in range(MAX_LABELS + 1)]
    frame = pd.DataFrame({"x": rng.normal(size=500), "target": rng.choice(labels, 500)})
    frame["prediction"] = frame["target"]
    with pytest.raises(driftscope.SchemaError, match=r"target column 'target'.*at most 100"):
        _monitor(frame, frame, task="multiclass")


def test_continuous_predictions_exit_two_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driftscope.cli import main

    rng = np.random.default_rng(68)
    frame = pd.DataFrame(
        {"x": rng.normal(size=400), "label": rng.integers(0, 2, 400), "score": rng.random(400)}
    )
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    code = main(["report", str(path), str(path), "--target", "label", "--prediction", "score",
                 "--task", "binary", "-q"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "prediction column 'score'" in err
    assert "Traceback" not in err


# --- calibration error and ranking metrics on multiclass probabilities ------------------------


def _calibrated(n: int, seed: int, k: int = 5) -> pd.DataFrame:
    """A multiclass model whose probabilities are the true posteriors: calibrated exactly."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    x = 1.2 * np.eye(k)[y] + rng.normal(size=(n, k))
    logits = 1.2 * x
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(k)])
    frame["target"], frame["prediction"] = y, proba.argmax(axis=1)
    for j in range(k):
        frame[f"proba_{j}"] = proba[:, j]
    return frame


@pytest.mark.parametrize("seed", range(5))
def test_calibration_error_raises_no_alarm_without_drift(seed: int) -> None:
    # A 20,000-row reference against 2,000 current rows from the same source: the ECE of fewer
    # rows is larger, which must not read as a significant rise.
    ref, cur = _calibrated(20_000, 100 + seed), _calibrated(2_000, 200 + seed)
    report = _monitor(ref, cur, n_resamples=300, seed=seed)
    assert report.performance is not None
    ece = report.performance.metric("ece")
    assert ece.current is not None
    assert ece.current_low is not None
    assert ece.current_high is not None
    assert ece.current_low <= ece.current <= ece.current_high
    assert not ece.significant
    assert ece.status != "alert"
    assert ece.baseline is not None
    assert ece.reference is not None
    assert ece.baseline > ece.reference  # the reference's ECE expected at 2,000 rows
    assert "expected at 2,000 rows" in ece.message
    assert report.verdict is not None
    assert not any("calibration" in r.message for r in report.verdict.reasons)


def test_calibration_error_still_flags_a_miscalibrated_model() -> None:
    ref, cur = _calibrated(20_000, 110), _calibrated(2_000, 210)
    columns = [f"proba_{j}" for j in range(5)]
    sharper = cur[columns].to_numpy() ** 3  # overconfident: same ranking, worse calibration
    cur[columns] = sharper / sharper.sum(axis=1, keepdims=True)
    report = _monitor(ref, cur, n_resamples=300)
    assert report.performance is not None
    ece = report.performance.metric("ece")
    assert ece.significant
    assert ece.status == "alert"


def test_multiclass_roc_auc_equals_scikit_learn_on_rounded_probabilities() -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    ref, cur = _calibrated(3_000, 120, k=10), _calibrated(3_000, 220, k=10)
    columns = [f"proba_{j}" for j in range(10)]
    for frame in (ref, cur):
        # Sharp and rounded as a file holds them: rows sum to 1 within 5e-6 and small scores
        # tie; rescaling each row by its sum would split those ties.
        sharp = frame[columns].to_numpy() ** 3
        frame[columns] = (sharp / sharp.sum(axis=1, keepdims=True)).round(6)
    report = _monitor(ref, cur)
    assert report.performance is not None
    scores = cur[columns].to_numpy()
    expected = roc_auc_score(cur["target"], scores, multi_class="ovr")
    assert report.performance.metric("roc_auc").current == pytest.approx(expected, abs=1e-12)
    onehot = np.eye(10)[cur["target"]]
    expected_ap = average_precision_score(onehot, scores, average="macro")
    assert report.performance.metric("pr_auc").current == pytest.approx(expected_ap, abs=1e-12)


def test_two_current_rows_with_windows_give_notes_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driftscope.cli import main

    ref, cur = _classification(2000, 70), _classification(2, 71)
    cur["target"], cur["prediction"] = [0, 1], [0, 1]
    report = _monitor(ref, cur, timestamp="timestamp", period="W")  # warnings are errors
    assert report.performance is not None
    auc = report.performance.metric("roc_auc")
    assert auc.current is not None
    assert auc.current_low is None
    assert auc.note is not None
    assert "no confidence interval" in auc.note
    assert report.windows is not None
    assert report.windows.n_analysed == 0
    validate_report(report.to_dict())
    paths = [tmp_path / "ref.csv", tmp_path / "cur.csv"]
    ref.to_csv(paths[0], index=False)
    cur.to_csv(paths[1], index=False)
    code = main(["report", *map(str, paths), "--timestamp", "timestamp", "--period", "W",
                 "--json", str(tmp_path / "r.json")])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert "RuntimeWarning" not in captured.err
    assert "Traceback" not in captured.err


# --- what the report shows: baselines, intervals, windows and the performance status ---------


def _terminal(report: driftscope.Report) -> str:
    from rich.console import Console

    from driftscope.report.terminal import render_terminal

    console = Console(width=100, record=True, color_system=None)
    console.print(render_terminal(report.to_dict()))
    return console.export_text()


def test_a_benchmark_change_is_shown_against_the_benchmark() -> None:
    ref, cur = _classification(3000, 80), _classification(3000, 81)
    report = _monitor(ref, cur, benchmarks={"accuracy": 0.7})
    assert report.performance is not None
    accuracy = report.performance.metric("accuracy")
    assert accuracy.baseline == 0.7
    assert accuracy.baseline_source == "benchmark"
    assert accuracy.relative_change == pytest.approx(accuracy.current / 0.7 - 1)
    row = next(line for line in _terminal(report).splitlines() if "accuracy" in line)
    assert f"{accuracy.relative_change:+.1%} vs 0.700 benchmark" in row
    f1_row = next(line for line in _terminal(report).splitlines() if "F1 (macro)" in line)
    assert "vs" not in f1_row  # against the reference shown beside it
    assert "vs benchmark 0.7" in report.to_html()


def test_intervals_with_negative_ends_print_as_brackets() -> None:
    rng = np.random.default_rng(82)
    n = 2000
    frame = pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n)})
    frame["yhat"] = rng.normal(size=n)  # worse than the mean: R² near -1
    report = _monitor(frame, frame.sample(frac=1.0, random_state=1), target="y", prediction="yhat")
    assert report.performance is not None
    r2 = report.performance.metric("r2")
    assert r2.current_high is not None
    assert r2.current_high < 0
    assert "CI [-" in r2.message
    assert "--" not in r2.message
    text = _terminal(report)
    assert "--" not in text.replace("---", "")
    assert f"[{r2.current_low:.3f}, {r2.current_high:.3f}]" in text


def test_performance_status_agrees_with_the_verdict_rule() -> None:
    # Primary metrics ok, a secondary metric past its floor: the verdict says investigate, and
    # the performance status must not say alert (which is the verdict's retrain).
    ref, cur = _classification(3000, 83), _classification(3000, 84)
    report = _monitor(ref, cur, floors={"balanced_accuracy": 0.99})
    assert report.performance is not None
    assert report.performance.metric("balanced_accuracy").status == "alert"
    assert all(m.status == "ok" for m in report.performance.metrics if m.primary)
    assert report.verdict is not None
    assert report.verdict.decision == "investigate"
    assert report.performance.status == "warning"
    retrain = _monitor(ref, cur, floors={"accuracy": 0.99})
    assert retrain.performance is not None
    assert retrain.performance.status == "alert"


def test_bands_of_bounded_metrics_stay_in_their_range() -> None:
    ref, cur = _classification(4000, 85), _classification(1200, 86)
    for frame in (ref, cur):
        frame["prediction"] = frame["target"]  # a near-perfect model: accuracy bands reach 1
        frame.loc[frame.index[::50], "prediction"] = 1 - frame["target"].iloc[::50]
    report = _monitor(ref, cur, n_windows=3, min_window_rows=100)
    assert report.windows is not None
    bands = report.windows.bands
    assert "accuracy" in bands
    for name in ("accuracy", "f1_macro", "roc_auc"):
        assert 0.0 <= bands[name].low <= bands[name].high <= 1.0, name
    assert bands["log_loss"].low >= 0.0


def test_a_window_says_why_a_metric_is_missing() -> None:
    rng = np.random.default_rng(87)

    def frame(n: int, classes: int) -> pd.DataFrame:
        y = rng.integers(0, classes, n)
        proba = np.full((n, 3), 0.1)
        proba[np.arange(n), y] = 0.8
        data = pd.DataFrame({"x": rng.normal(size=n), "target": y, "prediction": y})
        for j in range(3):
            data[f"proba_{j}"] = proba[:, j]
        return data

    cur = pd.concat([frame(400, 3), frame(400, 2)], ignore_index=True)  # class 2 stops
    report = _monitor(frame(2000, 3), cur, n_windows=2)
    assert report.windows is not None
    first, second = report.windows.windows
    assert first.metrics["roc_auc"] is not None
    assert first.note is None
    assert "roc_auc" not in second.metrics
    assert second.note is not None
    assert "ROC-AUC, PR-AUC not computed: class(es) '2' have no row" in second.note
    assert report.windows.n_analysed == 2
    assert "ROC-AUC, PR-AUC not computed" in report.to_html()


def test_no_window_analysed_is_not_shown_as_fine() -> None:
    ref, cur = _classification(2000, 88), _classification(150, 89)
    report = _monitor(ref, cur, n_windows=3)
    assert report.windows is not None
    assert report.windows.n_analysed == 0
    assert report.windows.note is not None
    assert "No window was analysed" in report.windows.note
    html = report.to_html()
    assert "no window analysed" in html
    assert "0 of 3 out of band" not in html
    validate_report(report.to_dict())


def _small_error_rise(seed: int, n: int = 1500) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Same inputs, the prediction flipped on 5% of rows in reference and 7.5% on current."""
    rng = np.random.default_rng(seed)

    def side(flip: float) -> pd.DataFrame:
        x = rng.normal(size=(n, 3))
        target = (x[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
        prediction = (x[:, 0] > 0).astype(int)
        prediction = np.where(rng.random(n) < flip, 1 - prediction, prediction)
        frame = pd.DataFrame(x, columns=["a", "b", "c"])
        return frame.assign(target=target, prediction=prediction)

    return side(0.05), side(0.075)


@pytest.mark.parametrize("seed", range(6))
def test_concept_flag_and_verdict_agree(seed: int) -> None:
    # A small rise in errors that the loss test may call concept drift while the family-wise
    # performance comparison calls it sampling error: the flag must follow the verdict.
    ref, cur = _small_error_rise(seed)
    report = _monitor(ref, cur, target="target", prediction="prediction", quality=False)
    concept, verdict = report.concept_drift, report.verdict
    assert concept is not None
    assert verdict is not None
    counted = any(r.source == "concept_drift" for r in verdict.reasons)
    assert concept.drifted == (counted and not concept.outside), concept.message
    if concept.p_value < 0.05 and not concept.drifted and not concept.inputs_moved:
        assert concept.message.startswith("No concept drift counted"), concept.message


def test_unconfirmed_concept_drift_is_reported_as_not_counted() -> None:
    ref, cur = _small_error_rise(1)
    report = _monitor(ref, cur, target="target", prediction="prediction", quality=False)
    concept = report.concept_drift
    assert concept is not None
    assert report.verdict is not None
    assert concept.p_value < 0.05
    assert not concept.drifted
    assert "no significant drop in accuracy" in concept.message
    assert report.verdict.decision == "ok"
    html = report.to_html()
    nav = html[html.index('data-target="concept"') :]
    nav = nav[: nav.index("</button>")]
    assert "no drift" in nav, nav
    assert "drifted" not in nav, nav


def test_dataset_rule_counts_features_only() -> None:
    # Labels and predictions move (class 1 from 30% to 60%), the three features do not: that is
    # label and prediction drift, each its own reason, and no dataset (input) drift.
    rng = np.random.default_rng(11)

    def side(share: float, n: int = 3000) -> pd.DataFrame:
        frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
        target = (rng.random(n) < share).astype(int)
        prediction = np.where(rng.random(n) < 0.9, target, 1 - target)
        return frame.assign(target=target, prediction=prediction)

    report = _monitor(side(0.3), side(0.6), target="target", prediction="prediction")
    dataset = report.drift.dataset
    assert dataset.n_columns == 3
    assert not dataset.drifted
    assert dataset.summary.startswith("No dataset drift: 0 of 3 features drifted")
    assert report.verdict is not None
    sources = {r.source for r in report.verdict.reasons}
    assert "data_drift" not in sources
    assert {"label_drift", "prediction_drift"} <= sources
    html = report.to_html()
    nav = html[html.index('data-target="drift"') :]
    assert "0 of 3 features" in nav[: nav.index("</button>")]


def test_settings_objects_and_keywords_set_the_same_things_and_messages_name_the_caller() -> None:
    from driftscope.analyses.drift import DriftSettings
    from driftscope.analyses.performance import PerformanceSettings
    from driftscope.analyses.quality import QualitySettings

    ref, cur = _classification(1500, 31), _classification(1500, 32)
    by_object = driftscope.monitor(
        ref,
        cur,
        drift_settings=DriftSettings(
            alpha=0.01,
            categorical_effect_threshold=0.2,
            max_categories=50,
            multivariate=False,
            seed=3,
        ),
        performance_settings=PerformanceSettings(n_resamples=200, seed=3),
        quality_settings=QualitySettings(missing_warning=0.3, missing_alert=0.4),
        seed=3,
    )
    by_keywords = _monitor(
        ref,
        cur,
        alpha=0.01,
        categorical_effect_threshold=0.2,
        max_categories=50,
        n_resamples=200,
        seed=3,
        quality_settings=QualitySettings(missing_warning=0.3, missing_alert=0.4),
    )
    for report in (by_object, by_keywords):
        assert report.metadata.settings["alpha"] == 0.01
        assert report.metadata.settings["categorical_effect_threshold"] == 0.2
        assert report.metadata.settings["max_categories"] == 50
    assert by_object.drift.columns == by_keywords.drift.columns
    with pytest.raises(driftscope.ParameterError, match="'alpha' parameter of monitor"):
        _monitor(ref, cur, alpha=2)
    with pytest.raises(driftscope.ParameterError, match="'alpha' parameter of compare"):
        driftscope.compare(ref, cur, alpha=2)
    with pytest.raises(driftscope.ParameterError, match=r"either as drift_settings= .*alpha="):
        driftscope.monitor(ref, cur, drift_settings=DriftSettings(), alpha=0.01)
