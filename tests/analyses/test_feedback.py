"""`analyses.feedback`: the interval and tests against scipy, the windows, segments and proxy on
built cases and on scikit-learn's digits, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps
from sklearn.datasets import load_digits
from sklearn.metrics import matthews_corrcoef
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from driftscope.analyses.feedback import (
    FeedbackColumns,
    FeedbackSettings,
    analyse_feedback,
    read_feedback_values,
    wilson_interval,
)
from driftscope.analyses.status import Status
from driftscope.analyses.windows import WindowSettings
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError

DAILY = FeedbackSettings(WindowSettings(period="D"))


def _daily(rates: list[float], n: int = 300, seed: int = 0, comment: bool = False) -> pd.DataFrame:
    """Feedback over len(rates) days, each day's thumbs down drawn at its rate."""
    rng = np.random.default_rng(seed)
    days = np.repeat(pd.date_range("2026-03-02", periods=len(rates)), n)
    negative = rng.random(days.size) < np.repeat(rates, n)
    frame = pd.DataFrame(
        {"id": np.arange(days.size), "feedback": np.where(negative, -1, 1), "ts": days}
    )
    if comment:
        frame["text"] = np.where(negative, "The answer was wrong and slow", "Great, thanks")
    return frame


# -- the interval ----------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_interval_is_scipys(confidence: float) -> None:
    cases = [(0, 1), (0, 20), (1, 20), (7, 20), (20, 20), (3, 1000), (512, 1000), (999, 1000)]
    k, n = np.array(cases).T
    low, high = wilson_interval(k, n, confidence)
    for i, (ki, ni) in enumerate(cases):
        ci = sps.binomtest(int(ki), int(ni)).proportion_ci(confidence, method="wilson")
        assert low[i] == pytest.approx(ci.low, abs=1e-12)
        assert high[i] == pytest.approx(ci.high, abs=1e-12)
    empty_low, empty_high = wilson_interval([0], [0])
    assert np.isnan(empty_low[0])
    assert np.isnan(empty_high[0])


@given(
    n=st.integers(1, 10_000),
    share=st.floats(0, 1),
    confidence=st.floats(0.5, 0.999),
)
def test_the_interval_holds_the_share_and_narrows_with_confidence(
    n: int, share: float, confidence: float
) -> None:
    k = round(share * n)
    low, high = wilson_interval([k], [n], confidence)
    assert 0.0 <= low[0] <= k / n <= high[0] <= 1.0
    wider_low, wider_high = wilson_interval([k], [n], min(confidence + 0.0005, 0.9995))
    assert wider_low[0] <= low[0] + 1e-12
    assert wider_high[0] >= high[0] - 1e-12


@pytest.mark.parametrize(("rate", "n"), [(0.05, 300), (0.2, 120), (0.5, 60)])
def test_the_95_percent_interval_covers_the_true_rate_95_percent_of_the_time(
    rate: float, n: int
) -> None:
    # 500 seeded windows of n feedback each; the interval's exact coverage (from the binomial
    # law) is near 95%, and the simulated count of covering windows is within the binomial band
    # around it.
    k = np.arange(n + 1)
    low, high = wilson_interval(k, np.full(n + 1, n))
    exact = float(sps.binom.pmf(k, n, rate)[(low <= rate) & (rate <= high)].sum())
    assert 0.93 <= exact <= 0.97
    draws = np.random.default_rng(42).binomial(n, rate, size=500)
    low, high = wilson_interval(draws, np.full(500, n))
    covered = int(((low <= rate) & (rate <= high)).sum())
    band = 3 * np.sqrt(500 * exact * (1 - exact))
    assert abs(covered - 500 * exact) <= band, (covered, exact)


# -- reading values --------------------------------------------------------------------------


def test_every_logged_form_of_thumbs_up_and_down_is_read() -> None:
    up = [1, "1", "+1", "up", "UP ", "thumbs_up", "Thumbs Up", "positive", True, "true", "👍",
          "👍🏽", "\U0001f44d\ufe0f", ":+1:", "yes"]  # fmt: skip
    down = [0, "0", "down", "thumbs_down", "negative", False, "False", "👎", "👎🏿", ":-1:", "no"]
    values, missing = read_feedback_values(pd.Series(up + down + [None, ""], dtype=object), "fb")
    assert values[: len(up)].tolist() == [0.0] * len(up)
    assert values[len(up) : len(up) + len(down)].tolist() == [1.0] * len(down)
    assert missing == 2
    minus, _ = read_feedback_values(pd.Series([1, -1, -1.0, 1.0]), "fb")
    assert minus.tolist() == [0.0, 1.0, 1.0, 0.0]
    booleans, _ = read_feedback_values(pd.Series([True, False]), "fb")
    assert booleans.tolist() == [0.0, 1.0]


def test_unreadable_values_are_named_with_the_column() -> None:
    with pytest.raises(ColumnError, match=r"'rating': 3 row\(s\).*'meh'.*5.*expected 1/0"):
        read_feedback_values(pd.Series(["up", "meh", 5, "meh", "down"]), "rating")


def test_a_column_mixing_0_and_minus_1_is_refused() -> None:
    with pytest.raises(ColumnError, match="1, 0 and -1"):
        read_feedback_values(pd.Series([1, 0, -1]), "fb")


# -- windows and the tests against the baseline ----------------------------------------------


def test_a_window_where_feedback_rises_is_the_one_in_alert() -> None:
    result = analyse_feedback(
        _daily([0.1] * 6 + [0.25]), columns=FeedbackColumns(timestamp="ts"), settings=DAILY
    )
    assert result.alerts == ("2026-03-08",)
    statuses = [w.status for w in result.windows]
    assert statuses == [Status.OK] * 6 + [Status.ALERT]
    # The p-value is Fisher's exact one-sided test of the window against the other days.
    last = result.windows[-1]
    rest_k = sum(w.n_negative for w in result.windows[:-1])
    rest_n = sum(w.n_feedback for w in result.windows[:-1])
    table = [[last.n_negative, last.n_feedback - last.n_negative], [rest_k, rest_n - rest_k]]
    assert last.p_value == pytest.approx(sps.fisher_exact(table, alternative="greater").pvalue)
    assert last.baseline_share == pytest.approx(rest_k / rest_n)
    ci = sps.binomtest(last.n_negative, last.n_feedback).proportion_ci(method="wilson")
    assert (last.ci_low, last.ci_high) == pytest.approx((ci.low, ci.high))


def test_a_given_rate_is_tested_with_the_exact_binomial_test() -> None:
    settings = FeedbackSettings(WindowSettings(period="D"), baseline=0.1)
    result = analyse_feedback(
        _daily([0.1, 0.1, 0.1, 0.16]), columns=FeedbackColumns(timestamp="ts"), settings=settings
    )
    for w in result.windows:
        expected = sps.binomtest(w.n_negative, w.n_feedback, 0.1, alternative="greater").pvalue
        assert w.p_value == pytest.approx(expected)
    # Bonferroni over the four windows decides alert; the uncorrected level only a warning.
    for w in result.windows:
        assert w.p_value is not None
        if w.p_value < 0.05 / 4:
            assert w.status is Status.ALERT
        elif w.p_value < 0.05:
            assert w.status is Status.WARNING
    assert result.windows[-1].status is Status.ALERT
    assert result.baseline == "rate 0.1"
    assert "below 0.05 / 4 (Bonferroni" in result.rule


def test_a_baseline_window_is_not_tested_and_the_others_are_held_to_it() -> None:
    settings = FeedbackSettings(WindowSettings(period="D"), baseline="first")
    result = analyse_feedback(
        _daily([0.1, 0.1, 0.3]), columns=FeedbackColumns(timestamp="ts"), settings=settings
    )
    first, _, last = result.windows
    assert first.status is Status.SKIPPED
    assert first.note == "the baseline window"
    assert last.status is Status.ALERT
    assert last.baseline_share == pytest.approx(first.negative_share)
    with pytest.raises(ParameterError, match=r"'baseline'.*'2026-03-02'"):
        analyse_feedback(
            _daily([0.1, 0.1]),
            columns=FeedbackColumns(timestamp="ts"),
            settings=FeedbackSettings(WindowSettings(period="D"), baseline="2027-01-01"),
        )


def test_no_change_raises_few_false_alarms() -> None:
    # 120 seeded runs of 7 days at one rate: the share of runs with any alert stays within the
    # binomial band around alpha (Bonferroni keeps the family-wise rate at or below 5%).
    runs = 120
    alarms = sum(
        bool(
            analyse_feedback(
                _daily([0.15] * 7, n=150, seed=seed),
                columns=FeedbackColumns(timestamp="ts"),
                settings=DAILY,
            ).alerts
        )
        for seed in range(runs)
    )
    assert alarms <= runs * 0.05 + 3 * np.sqrt(runs * 0.05 * 0.95)


def test_small_windows_are_skipped_and_increase_floor_holds() -> None:
    frame = _daily([0.1, 0.1, 0.5], n=200)
    small = frame.iloc[:-190]  # the last day keeps 10 rows
    result = analyse_feedback(small, columns=FeedbackColumns(timestamp="ts"), settings=DAILY)
    assert result.windows[-1].status is Status.SKIPPED
    assert "under the minimum 30" in (result.windows[-1].note or "")
    floor = FeedbackSettings(WindowSettings(period="D"), min_increase=0.6)
    found = analyse_feedback(frame, columns=FeedbackColumns(timestamp="ts"), settings=floor)
    assert found.alerts == ()


def test_windows_by_count_and_one_window_by_default() -> None:
    frame = _daily([0.1] * 4)
    by_count = analyse_feedback(
        frame, columns=FeedbackColumns(timestamp="ts"),
        settings=FeedbackSettings(WindowSettings(count=3)),
    )  # fmt: skip
    assert [w.n_feedback for w in by_count.windows] == [400, 400, 400]
    one = analyse_feedback(frame)
    assert len(one.windows) == 1
    assert one.windows[0].status is Status.SKIPPED
    assert any("One window only" in w for w in one.warnings)
    assert one.negative_share == pytest.approx((frame["feedback"] == -1).mean())


# -- joined to the predictions ---------------------------------------------------------------


def _predictions(seed: int = 0, n: int = 4000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions over 8 days of a 3-class model; users complain more on wrong predictions,
    and, on the last day, in region 'south' whatever the prediction."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 8, n)
    ts = pd.Timestamp("2026-03-02") + pd.to_timedelta(day, unit="D")
    region = rng.choice(["north", "south", "east", "west"], n)
    label = rng.choice(["cat", "dog", "bird"], n)
    wrong = rng.random(n) < 0.15
    pred = np.where(wrong, np.roll(label, 1), label)
    wrong = pred != label
    predictions = pd.DataFrame(
        {"id": np.arange(n), "ts": ts, "region": region, "x": rng.normal(size=n),
         "pred": pred, "label": label}
    )  # fmt: skip
    p = np.where(wrong, 0.75, 0.05)
    p = np.where((day == 7) & (region == "south"), 0.6, p)
    rated = rng.random(n) < 0.5
    negative = rng.random(n) < p
    feedback = pd.DataFrame(
        {"request": np.arange(n)[rated].astype(str), "thumb": np.where(negative, "👎", "👍")[rated]}
    )
    return predictions, feedback


COLUMNS = FeedbackColumns(id="id", value="thumb", timestamp="ts", prediction="pred", target="label")


def test_feedback_rising_in_one_window_and_one_segment_is_found_there() -> None:
    predictions, feedback = _predictions()
    feedback = feedback.rename(columns={"request": "id"})
    result = analyse_feedback(feedback, predictions, COLUMNS, DAILY)
    assert result.alerts == ("2026-03-09",)
    top = result.segments[0]
    assert (top.column, top.segment, top.significant) == ("region", "south", True)
    assert not any(s.significant for s in result.segments if s.column == "x")
    # Coverage: rated predictions over predictions, per window and overall.
    for w, split in zip(result.windows, predictions.groupby("ts"), strict=True):
        assert w.n_predictions == len(split[1])
        assert w.coverage == pytest.approx(w.n_feedback / len(split[1]))
        wrong = (split[1]["pred"] != split[1]["label"]).mean()
        assert w.error_rate == pytest.approx(wrong)
    assert result.coverage == pytest.approx(len(feedback) / len(predictions))
    # The class shares are those of a plain groupby (the oracle), each class tested against
    # the other rated rows with Fisher's exact test.
    joined = predictions.merge(feedback.astype({"id": int}), on="id")  # ids logged as text
    expected = (joined["thumb"] == "👎").groupby(joined["pred"]).agg(["mean", "size", "sum"])
    for s in result.by_class:
        assert s.negative_share == pytest.approx(expected.loc[s.segment, "mean"])
        k, n = int(expected.loc[s.segment, "sum"]), int(expected.loc[s.segment, "size"])
        rest_k, rest_n = int(expected["sum"].sum()) - k, len(joined) - n
        table = [[k, n - k], [rest_k, rest_n - rest_k]]
        assert s.p_value == pytest.approx(sps.fisher_exact(table, alternative="greater").pvalue)
    json.dumps(result.to_dict(), allow_nan=False)


def test_negative_feedback_given_mostly_to_wrong_predictions_is_a_strong_proxy() -> None:
    predictions, feedback = _predictions(seed=3)
    feedback = feedback.rename(columns={"request": "id"})
    result = analyse_feedback(feedback, predictions, COLUMNS, DAILY)
    proxy = result.proxy
    assert proxy is not None
    joined = predictions.merge(feedback.astype({"id": int}), on="id")  # ids logged as text
    negative = (joined["thumb"] == "👎").to_numpy()
    wrong = (joined["pred"] != joined["label"]).to_numpy()
    table = pd.crosstab(negative, wrong)
    assert proxy.negative_wrong == table.loc[True, True]
    assert proxy.negative_right == table.loc[True, False]
    assert proxy.positive_wrong == table.loc[False, True]
    assert proxy.positive_right == table.loc[False, False]
    assert proxy.phi == pytest.approx(matthews_corrcoef(wrong, negative))
    ordered = table.reindex(index=[True, False], columns=[True, False]).to_numpy()
    fisher = sps.fisher_exact(ordered, alternative="greater")
    assert proxy.p_value == pytest.approx(fisher.pvalue)
    assert proxy.precision == pytest.approx(wrong[negative].mean())
    assert proxy.recall == pytest.approx(negative[wrong].mean())
    assert proxy.strength == "strong"
    assert 0.55 < proxy.recall < 0.9
    assert proxy.summary.startswith("Feedback is a strong proxy for errors here")
    shares = [w.negative_share for w in result.windows]
    errors = [w.error_rate for w in result.windows]
    assert proxy.window_correlation == pytest.approx(sps.pearsonr(shares, errors).statistic)
    assert proxy.n_windows == 8


def test_feedback_unrelated_to_errors_is_no_proxy() -> None:
    predictions, feedback = _predictions(seed=5)
    rng = np.random.default_rng(5)
    feedback["thumb"] = np.where(rng.random(len(feedback)) < 0.2, "down", "up")
    feedback = feedback.rename(columns={"request": "id"})
    result = analyse_feedback(feedback, predictions, COLUMNS, DAILY)
    assert result.proxy is not None
    assert result.proxy.strength == "none"
    assert abs(result.proxy.phi or 0) < 0.1
    assert result.proxy.summary.startswith("Feedback says little about errors here")


def test_users_of_a_digits_classifier_who_flag_wrong_answers() -> None:
    # A real model on scikit-learn's digits; simulated users give a thumbs down to 80% of the
    # wrong answers and 5% of the right ones, and rate 70% of the predictions.
    x, y = load_digits(return_X_y=True)
    x_fit, x_new, y_fit, y_new = train_test_split(x, y, test_size=0.6, random_state=0)
    model = GaussianNB().fit(x_fit, y_fit)
    pred = model.predict(x_new)
    rng = np.random.default_rng(0)
    n = len(y_new)
    predictions = pd.DataFrame(
        {"id": np.arange(n), "pred": pred, "label": y_new, "pixel_20": x_new[:, 20]}
    )
    wrong = pred != y_new
    negative = rng.random(n) < np.where(wrong, 0.8, 0.05)
    rated = rng.random(n) < 0.7
    feedback = pd.DataFrame({"id": np.arange(n)[rated], "feedback": negative[rated]})
    feedback["feedback"] = np.where(feedback["feedback"], "thumbs_down", "thumbs_up")
    result = analyse_feedback(
        feedback,
        predictions,
        FeedbackColumns(prediction="pred", target="label"),
        FeedbackSettings(WindowSettings(count=5)),
    )
    proxy = result.proxy
    assert proxy is not None
    assert proxy.precision is not None
    assert proxy.strength == "strong"
    # The intervals cover the rates the simulated users acted on.
    e = wrong[rated].mean()
    assert proxy.recall_ci[0] <= 0.8 <= proxy.recall_ci[1]  # type: ignore[operator]
    true_precision = 0.8 * e / (0.8 * e + 0.05 * (1 - e))
    assert proxy.precision_ci[0] <= true_precision <= proxy.precision_ci[1]  # type: ignore[operator]
    # The class users complain about most is the one the model gets wrong most often.
    rated_frame = predictions[np.isin(predictions["id"], feedback["id"])]
    worst = (rated_frame["pred"] != rated_frame["label"]).groupby(rated_frame["pred"]).mean()
    assert result.by_class[0].segment == str(worst.idxmax())


def test_a_regression_model_is_wrong_beyond_the_tolerance() -> None:
    predictions = pd.DataFrame(
        {"id": range(6), "y": [1.0, 2.0, 3.5, 4.0, 5.0, 6.0], "p": [1.1, 2.9, 3.5, 4.6, 5.0, 6.2]}
    )
    feedback = pd.DataFrame({"id": range(6), "feedback": [1, 0, 1, 0, 1, 1]})
    columns = FeedbackColumns(prediction="p", target="y", features=())
    settings = FeedbackSettings(tolerance=0.5, min_segment_rows=1)
    result = analyse_feedback(feedback, predictions, columns, settings)
    assert result.windows[0].error_rate == pytest.approx(2 / 6)
    assert result.proxy is not None
    assert (result.proxy.negative_wrong, result.proxy.positive_right) == (2, 4)
    with pytest.raises(ParameterError, match="tolerance"):
        analyse_feedback(feedback, predictions, columns, FeedbackSettings())


# -- comments --------------------------------------------------------------------------------


def test_comments_are_counted_and_negative_words_ranked_without_stop_words() -> None:
    frame = _daily([0.1, 0.3], n=100, comment=True)
    frame.loc[frame.index[:5], "text"] = "  "  # blank: no comment
    settings = FeedbackSettings(WindowSettings(period="D"), top_words=3)
    result = analyse_feedback(
        frame, columns=FeedbackColumns(timestamp="ts", comment="text"), settings=settings
    )
    assert [w.n_comments for w in result.windows] == [95, 100]
    assert result.n_comments == 195
    words = {w.word: w for w in result.negative_words}
    assert set(words) == {"answer", "wrong", "slow"}  # "the", "was", "and" are stop words
    n_negative_comments = int(((frame["feedback"] == -1) & (frame["text"].str.strip() != "")).sum())
    assert words["wrong"].count == n_negative_comments
    assert words["wrong"].share == pytest.approx(1.0)


# -- bad input -------------------------------------------------------------------------------


def test_missing_columns_are_named() -> None:
    frame = _daily([0.1])
    with pytest.raises(ColumnError, match=r"feedback value column 'thumbs' is not in the feedback"):
        analyse_feedback(frame, columns=FeedbackColumns(value="thumbs"))
    predictions = pd.DataFrame({"id": [1, 2]})
    with pytest.raises(ColumnError, match=r"prediction column 'pred' is not in the predictions"):
        analyse_feedback(frame, predictions, FeedbackColumns(prediction="pred"))
    with pytest.raises(ParameterError, match="predictions table; none was given"):
        analyse_feedback(frame, columns=FeedbackColumns(target="label"))


def test_empty_tables_are_refused() -> None:
    with pytest.raises(EmptyDataError, match="0 rows"):
        analyse_feedback(pd.DataFrame({"id": [], "feedback": []}))
    with pytest.raises(EmptyDataError, match="both an id"):
        analyse_feedback(pd.DataFrame({"id": [1, 2], "feedback": [None, ""]}))


def test_all_one_value_is_said_not_refused() -> None:
    frame = pd.DataFrame({"id": range(50), "feedback": ["up"] * 50})
    result = analyse_feedback(frame)
    assert result.negative_share == 0.0
    assert result.ci_low == 0.0
    assert any("Every one of the 50 feedback is thumbs up" in w for w in result.warnings)
    json.dumps(result.to_dict(), allow_nan=False)


def test_ids_that_match_no_prediction_are_refused_and_some_are_counted() -> None:
    predictions = pd.DataFrame({"id": [10, 11, 12], "pred": [0, 1, 0]})
    with pytest.raises(ColumnError, match=r"None of the 2 feedback ids.*'id' column"):
        analyse_feedback(pd.DataFrame({"id": [1, 2], "feedback": [1, 0]}), predictions)
    partly = pd.DataFrame({"id": ["10", 11.0, 99], "feedback": [1, 0, 0]})
    result = analyse_feedback(partly, predictions, settings=FeedbackSettings(min_segment_rows=1))
    assert (result.n_feedback, result.n_unmatched) == (2, 1)  # "10" and 11.0 are ids 10 and 11
    assert any("1 of 3 feedback row(s) rate an id with no prediction" in w for w in result.warnings)


def test_duplicates_keep_the_last_feedback_in_time() -> None:
    frame = pd.DataFrame(
        {"id": [1, 1, 2, 3], "feedback": ["down", "up", "down", "up"],
         "ts": ["2026-03-02 10:00", "2026-03-02 09:00", "2026-03-02", "2026-03-02"]}
    )  # fmt: skip
    result = analyse_feedback(frame, columns=FeedbackColumns(timestamp="ts"))
    assert (result.n_feedback, result.n_negative, result.n_duplicates) == (3, 2, 1)
    assert any("1 feedback row(s) repeat an id" in w for w in result.warnings)


def test_settings_are_checked_at_construction() -> None:
    with pytest.raises(ParameterError, match="'baseline' parameter of FeedbackSettings"):
        FeedbackSettings(baseline=1.5)
    with pytest.raises(ParameterError, match="'confidence'"):
        FeedbackSettings(confidence=1.0)
    with pytest.raises(ParameterError, match="'min_rows'"):
        FeedbackSettings(min_rows=0)
    with pytest.raises(ParameterError, match="'baseline'"):
        FeedbackSettings(baseline=True)


def test_an_undated_duplicate_counts_as_the_oldest() -> None:
    frame = pd.DataFrame(
        {
            "id": [1, 1, 1],
            "feedback": ["up", "down", "up"],
            "ts": ["2026-03-02", None, "2026-03-01"],
        }
    )
    result = analyse_feedback(frame, columns=FeedbackColumns(timestamp="ts"))
    assert (result.n_feedback, result.n_negative) == (1, 0)  # the 2026-03-02 one
    with pytest.raises(ParameterError, match="give the prediction column too"):
        analyse_feedback(frame, pd.DataFrame({"id": [1], "y": [0]}), FeedbackColumns(target="y"))


def test_days_without_feedback_and_repeated_predictions_give_plain_json() -> None:
    days = pd.to_datetime(["2026-03-02"] * 40 + ["2026-03-03"] * 40 + ["2026-03-04"] * 2)
    predictions = pd.DataFrame({"id": [*range(80), 0, 1], "ts": days, "pred": ["a", "b"] * 41})
    feedback = pd.DataFrame({"id": range(40), "feedback": ["down", "up", "up", "up"] * 10})
    result = analyse_feedback(
        feedback, predictions, FeedbackColumns(timestamp="ts", prediction="pred"), DAILY
    )
    assert any("2 prediction row(s) repeat an id" in w for w in result.warnings)
    # Ids 0 and 1 were predicted again on 2026-03-04: their last prediction is kept there.
    first, second, third = result.windows
    assert (first.n_predictions, first.n_feedback) == (38, 38)
    assert (second.n_predictions, second.n_feedback, second.coverage) == (40, 0, 0.0)
    assert (third.n_predictions, third.n_feedback, third.n_negative) == (2, 2, 1)
    data = result.to_dict()
    assert data["windows"][1]["negative_share"] is None
    json.dumps(data, allow_nan=False)


def test_windows_follow_the_feedback_time_when_the_predictions_have_none() -> None:
    frame = _daily([0.1, 0.4], n=100)
    predictions = pd.DataFrame({"id": frame["id"], "pred": 1})
    result = analyse_feedback(
        frame, predictions, FeedbackColumns(timestamp="ts", prediction="pred"), DAILY
    )
    assert [w.label for w in result.windows] == ["2026-03-02", "2026-03-03"]
    assert [w.n_feedback for w in result.windows] == [100, 100]
