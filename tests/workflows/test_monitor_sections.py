"""`driftscope.monitor` with feedback, a shadow model and an A/B arm: the report's three
sections, their verdict lines, their JSON, and the bad inputs that name their argument."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope.analyses.feedback import FeedbackSettings
from driftscope.exceptions import ColumnError, ParameterError
from driftscope.report._validate import validate_report

N_REF, N_CUR, N_WINDOWS = 1500, 2000, 4
# Feedback turns sour in the last of the four windows (rows 1500-1999).
NEGATIVE_RATES = (0.08, 0.08, 0.08, 0.30)


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (x + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return pd.DataFrame(
        {
            "x": x,
            "city": rng.choice(["a", "b", "c"], n),
            "target": y,
            "prediction": (x > 0).astype(int),
        }
    )


def _current(seed: int = 2) -> pd.DataFrame:
    cur = _frame(N_CUR, seed)
    rng = np.random.default_rng(seed + 100)
    cur["request_id"] = np.arange(10_000, 10_000 + N_CUR)
    cur["candidate"] = cur["prediction"]
    # Arm v2 serves a better model: right 95% of the time against v1's production model.
    cur["version"] = np.where(np.arange(N_CUR) % 2, "v2", "v1")
    better = np.where(rng.random(N_CUR) < 0.95, cur["target"], 1 - cur["target"])
    cur["served"] = np.where(cur["version"] == "v2", better, cur["prediction"])
    return cur


def _feedback(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rates = np.repeat(NEGATIVE_RATES, N_CUR // N_WINDOWS)
    down = rng.random(N_CUR) < rates
    frame = pd.DataFrame(
        {
            "request_id": np.arange(10_000, 10_000 + N_CUR),
            "thumb": np.where(down, "down", "up"),
            "comment": np.where(down, "wrong answer, again", ""),
        }
    )
    # Feedback arrives in its own order, not the predictions'.
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _monitor(ref: pd.DataFrame, cur: pd.DataFrame, **options: Any) -> driftscope.Report:
    options.setdefault("multivariate", False)
    options.setdefault("n_resamples", 200)
    options.setdefault("target", "target")
    options.setdefault("prediction", "prediction")
    options.setdefault("id", "request_id")
    options.setdefault("n_windows", N_WINDOWS)
    return driftscope.monitor(ref, cur, **options)


@pytest.fixture(scope="module")
def plain() -> driftscope.Report:
    """The same run without the three sections."""
    return _monitor(_frame(N_REF, 1), _current().drop(columns=["candidate", "version", "served"]))


@pytest.fixture(scope="module")
def full() -> driftscope.Report:
    return _monitor(
        _frame(N_REF, 1),
        _current(),
        feedback=_feedback(),
        feedback_value="thumb",
        feedback_comment="comment",
        shadow_prediction="candidate",
        arm="version",
    )


def test_feedback_windows_are_the_monitors_and_their_shares_match_pandas(
    full: driftscope.Report,
) -> None:
    assert full.feedback is not None
    assert full.windows is not None
    assert [w.label for w in full.feedback.windows] == [w.label for w in full.windows.windows]
    # Oracle: the share of thumbs down per window of current rows, joined by pandas.
    joined = _current().merge(_feedback(), on="request_id", how="left")
    window = np.arange(N_CUR) // (N_CUR // N_WINDOWS)
    expected = (joined["thumb"] == "down").groupby(window).mean().to_numpy()
    shares = [w.negative_share for w in full.feedback.windows]
    np.testing.assert_allclose(shares, expected, rtol=0, atol=1e-12)
    assert full.feedback.coverage == 1.0
    assert full.feedback.n_unmatched == 0


def test_the_window_where_feedback_sours_is_flagged_and_the_verdict_says_so(
    full: driftscope.Report, plain: driftscope.Report
) -> None:
    assert full.feedback is not None
    assert full.verdict is not None
    assert plain.verdict is not None
    assert [w.status for w in full.feedback.windows] == ["ok", "ok", "ok", "alert"]
    assert full.feedback.alerts == ("rows 1500-1999",)
    reasons = [r for r in full.verdict.reasons if r.source == "feedback"]
    assert len(reasons) == 1
    assert reasons[0].severity == "investigate"
    assert "rows 1500-1999" in reasons[0].message
    # The run without feedback is ok; feedback alone asks to investigate, never to retrain.
    assert plain.verdict.decision == "ok"
    assert full.verdict.decision == "investigate"


def test_feedback_is_compared_with_the_realised_errors(full: driftscope.Report) -> None:
    assert full.feedback is not None
    assert full.feedback.proxy is not None
    errors = (_current()["prediction"] != _current()["target"]).to_numpy()
    assert full.feedback.proxy.n_rows == N_CUR
    assert full.feedback.proxy.error_rate == pytest.approx(errors.mean(), abs=1e-12)
    assert sorted(w.word for w in full.feedback.negative_words) == ["answer", "wrong"]


def test_an_identical_shadow_agrees_on_every_row_and_changes_no_decision(
    full: driftscope.Report, plain: driftscope.Report
) -> None:
    assert full.shadow is not None
    assert full.verdict is not None
    assert plain.verdict is not None
    assert full.shadow.agreement.rate == 1.0
    assert full.shadow.n_rows == N_CUR
    assert [w.label for w in full.shadow.windows] == [w.label for w in full.windows.windows]  # type: ignore[union-attr]
    (line,) = [r for r in full.verdict.reasons if r.source == "shadow"]
    assert line.severity == "ok"
    assert "100.0%" in line.message


def test_the_ab_line_names_both_arms(full: driftscope.Report) -> None:
    ab = full.ab_test
    assert ab is not None
    assert full.verdict is not None
    assert ab.arms == ("v1", "v2")
    # Both arms hold the same model's predictions here: no winner, and the line says so.
    assert ab.winner is None
    (line,) = [r for r in full.verdict.reasons if r.source == "ab_test"]
    assert line.severity == "ok"
    assert "'v1' (A)" in line.message
    assert "'v2' (B)" in line.message
    assert "No significant difference" in line.message


def test_an_ab_test_with_a_better_arm_names_it_without_changing_the_decision() -> None:
    ref = _frame(N_REF, 1).rename(columns={"prediction": "served"})
    cur = _current().drop(columns=["prediction", "candidate"])
    without = _monitor(ref, cur.drop(columns=["version"]), prediction="served", id=None)
    report = _monitor(ref, cur, prediction="served", id=None, arm="version")
    ab = report.ab_test
    assert ab is not None
    assert report.verdict is not None
    assert without.verdict is not None
    # Oracle: the accuracy of each arm, by pandas.
    right = cur["served"] == cur["target"]
    by_arm = right.groupby(cur["version"]).mean()
    assert ab.metric("accuracy").value_a == pytest.approx(by_arm["v1"], abs=1e-12)
    assert ab.metric("accuracy").value_b == pytest.approx(by_arm["v2"], abs=1e-12)
    assert ab.winner == "B"
    (line,) = [r for r in report.verdict.reasons if r.source == "ab_test"]
    assert line.severity == "ok"
    assert "B ('v2') is better on accuracy" in line.message
    assert report.verdict.decision == without.verdict.decision
    # The arm is bookkeeping, not a feature that drifted.
    assert "version" not in {c.name for c in report.drift.columns}


def test_a_shadow_that_differs_agrees_as_often_as_numpy_counts() -> None:
    cur = _current()
    rng = np.random.default_rng(9)
    flip = rng.random(N_CUR) < 0.1
    cur["candidate"] = np.where(flip, 1 - cur["prediction"], cur["prediction"])
    ref = _frame(N_REF, 1)
    ref["candidate"] = ref["prediction"]
    report = _monitor(ref, cur, shadow_prediction="candidate", id=None)
    assert report.shadow is not None
    assert report.shadow.agreement.rate == pytest.approx(1 - flip.mean(), abs=1e-12)
    # A shadow column both tables have is in the schema, ignored, with a note; never tested.
    spec = report.schema["candidate"]
    assert spec.role == "ignored"
    assert spec.note is not None
    assert "shadow" in spec.note
    assert "candidate" not in {c.name for c in report.drift.columns}


def test_the_json_has_the_three_sections_and_validates(full: driftscope.Report) -> None:
    data = json.loads(full.to_json())
    validate_report(data)
    assert data["schema_version"] == "1.7"
    assert data["feedback"]["alerts"] == ["rows 1500-1999"]
    assert data["shadow"]["kind"] == "shadow"
    assert data["ab_test"]["kind"] == "ab_test"
    for column in ("candidate", "version", "request_id"):
        assert column not in {c["name"] for c in data["columns"]}


def test_a_report_without_them_has_them_null(plain: driftscope.Report) -> None:
    data = plain.to_dict()
    validate_report(data)
    assert data["feedback"] is None
    assert data["shadow"] is None
    assert data["ab_test"] is None


def test_feedback_joins_by_the_id_of_late_labels() -> None:
    cur = _current().drop(columns=["candidate", "version", "served"])
    labels = cur[["request_id", "target"]]
    report = _monitor(
        _frame(N_REF, 1),
        cur.drop(columns=["target"]),
        labels=labels,
        feedback=_feedback(),
        feedback_value="thumb",
    )
    assert report.feedback is not None
    assert report.feedback.proxy is not None
    assert report.feedback.coverage == 1.0
    assert report.feedback.alerts == ("rows 1500-1999",)


def test_feedback_settings_cut_their_own_windows() -> None:
    report = _monitor(
        _frame(N_REF, 1),
        _current().drop(columns=["candidate", "version", "served"]),
        feedback=_feedback(),
        feedback_value="thumb",
        feedback_settings=FeedbackSettings(baseline=0.08, min_increase=0.1),
        n_windows=None,
    )
    assert report.feedback is not None
    assert report.feedback.windows_by == "one window"
    assert report.feedback.baseline == "rate 0.08"


# -- bad inputs ------------------------------------------------------------------------------


def test_feedback_without_its_id_column_names_it() -> None:
    fb = _feedback().rename(columns={"request_id": "rid"})
    with pytest.raises(ColumnError, match=r"'request_id' \(id= / --id\) is not in the feedback"):
        _monitor(_frame(N_REF, 1), _current(), feedback=fb, feedback_value="thumb")


def test_feedback_without_an_id_argument_asks_for_it() -> None:
    with pytest.raises(ParameterError, match=r"id= \(--id\)"):
        _monitor(_frame(N_REF, 1), _current(), feedback=_feedback(), id=None)


def test_a_feedback_value_column_that_is_not_there_is_named() -> None:
    with pytest.raises(ColumnError, match=r"'feedback' \(feedback_value= / --feedback-value\)"):
        _monitor(_frame(N_REF, 1), _current(), feedback=_feedback())


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"arm": "branch"}, r"'branch' \(arm= / --arm\) is not in the current data"),
        (
            {"shadow_prediction": "cand"},
            r"'cand' \(shadow_prediction= / --shadow-prediction\) is not in the current data",
        ),
        ({"shadow_prediction": "candidate", "shadow_proba_prefix": "cand_"}, r"'cand_'"),
    ],
)
def test_an_absent_section_column_is_named_with_its_option(
    options: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ColumnError, match=expected):
        _monitor(_frame(N_REF, 1), _current(), **options)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"arms": ("v1", "v2")}, r"arms= \(--arms\).*arm= \(--arm\)"),
        ({"arm": "version", "arms": ("v1", "v1")}, r"'arms' parameter of monitor"),
        ({"arm": "version", "arms": "v1"}, r"'arms' parameter of monitor"),
        ({"shadow_proba_prefix": "p_"}, r"shadow_prediction= \(--shadow-prediction\)"),
        ({"arm": "request_id"}, r"different columns"),
        ({"feedback_settings": FeedbackSettings()}, r"feedback= \(--feedback\)"),
    ],
)
def test_inconsistent_section_arguments_are_refused_before_reading(
    options: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ParameterError, match=expected):
        _monitor(_frame(N_REF, 1), _current(), **options)


def test_an_ab_test_needs_a_target() -> None:
    ref, cur = _frame(N_REF, 1).drop(columns=["target"]), _current().drop(columns=["target"])
    with pytest.raises(ParameterError, match=r"arm= \(--arm\) 'version'.*target="):
        _monitor(ref, cur, target=None, arm="version")


def test_the_terminal_prints_the_three_sections_within_100_columns(
    full: driftscope.Report,
) -> None:
    from rich.console import Console

    console = Console(width=160, record=True, color_system=None)
    console.print(full)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    for heading in ("FEEDBACK", "SHADOW MODEL", "A/B TEST", "[feedback]", "[shadow]", "[ab test]"):
        assert heading in text


def test_a_shadow_with_probabilities_compares_them_too() -> None:
    ref = _frame(N_REF, 1)
    cur = _current().drop(columns=["version", "served"])
    for frame in (ref, cur):
        p1 = 1 / (1 + np.exp(-3 * frame["x"]))
        frame["proba_0"], frame["proba_1"] = 1 - p1, p1
    cur["cand_0"], cur["cand_1"] = cur["proba_0"], cur["proba_1"]
    report = _monitor(
        ref, cur, proba_prefix="proba_", shadow_prediction="candidate", shadow_proba_prefix="cand_"
    )
    assert report.shadow is not None
    outputs = [d.output for d in report.shadow.divergence]
    # A binary model's two probabilities move as one: the positive class's is compared.
    assert outputs == ["prediction", "probability of 1"]
    assert all(d.distance == 0 for d in report.shadow.divergence)
    tested = {c.name for c in report.drift.columns}
    assert {"proba_0", "proba_1"} <= tested
    assert not {"cand_0", "cand_1", "candidate"} & tested


def test_regression_feedback_needs_a_tolerance_to_meet_the_errors() -> None:
    rng = np.random.default_rng(6)

    def frame(n: int) -> pd.DataFrame:
        x = rng.normal(size=n)
        return pd.DataFrame({"x": x, "target": 2 * x + rng.normal(size=n), "prediction": 2 * x})

    ref, cur = frame(N_REF), frame(N_CUR)
    cur["request_id"] = np.arange(10_000, 10_000 + N_CUR)
    feedback = _feedback()
    without = _monitor(ref, cur, feedback=feedback, feedback_value="thumb")
    assert without.feedback is not None
    assert without.feedback.proxy is None
    assert any("tolerance" in w for w in without.feedback.warnings)
    settings = FeedbackSettings(tolerance=1.0)
    report = _monitor(
        ref, cur, feedback=feedback, feedback_value="thumb", feedback_settings=settings
    )
    assert report.feedback is not None
    assert report.feedback.proxy is not None
    missed = (cur["target"] - cur["prediction"]).abs() > 1.0
    assert report.feedback.proxy.error_rate == pytest.approx(missed.mean(), abs=1e-12)
