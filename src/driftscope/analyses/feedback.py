"""User feedback (thumbs up or down, comments) as a label proxy: the share of negative feedback
per window with its interval and a test against a baseline, where it concentrates (predicted
classes, feature segments), and, where labels exist, how well it tracks the model's errors.

`analyse_feedback` takes a feedback table (an id, a value, optionally a timestamp and a
comment) and, optionally, the predictions it rates (the id, a timestamp, the prediction, the
target and features); `driftscope.feedback` reads files and calls it. The decision rules are
written in docs/feedback.md.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from driftscope._shorten import shorten, shown
from driftscope._validate import check_float, check_int, check_probability
from driftscope.analyses._labels import factorize_labels, value_labels
from driftscope.analyses.results import _clean
from driftscope.analyses.status import Status
from driftscope.analyses.windows import WindowSettings, split_windows
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError, invalid_parameter

__all__ = [
    "FeedbackColumns",
    "FeedbackProxy",
    "FeedbackResult",
    "FeedbackSegment",
    "FeedbackSettings",
    "FeedbackWindow",
    "ProxyStrength",
    "WordCount",
    "analyse_feedback",
    "read_feedback_values",
    "wilson_interval",
]

# The forms users log feedback in, after lower-casing and stripping emoji modifiers.
_UP = frozenset(
    {"up", "thumbs_up", "thumbs up", "thumbs-up", "thumbsup", ":+1:", ":thumbsup:", "👍",
     "+", "positive", "pos", "true", "yes", "y", "good", "like", "liked", "helpful"}
)  # fmt: skip
_DOWN = frozenset(
    {"down", "thumbs_down", "thumbs down", "thumbs-down", "thumbsdown", ":-1:", ":thumbsdown:",
     "👎", "-", "negative", "neg", "false", "no", "n", "bad", "dislike", "disliked", "unhelpful"}
)  # fmt: skip
# Skin-tone modifiers (U+1F3FB..U+1F3FF) and the emoji presentation selector: 👍🏽 is 👍.
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")
_ACCEPTED = "1/0, +1/-1, up/down, thumbs_up/thumbs_down, positive/negative, true/false, 👍/👎"

# Words a comment is made of: letters only, two or more, lower-cased.
_WORD = re.compile(r"[^\W\d_]{2,}")
STOP_WORDS = frozenset(
    [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any",
        "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
        "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
        "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
        "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
        "itself", "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off",
        "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "she",
        "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then",
        "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
        "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your", "yours", "im", "ive", "dont",
        "didnt", "doesnt", "isnt", "wasnt", "cant", "wont", "also", "get", "got", "really",
        "much", "even", "still", "one", "don", "didn", "doesn", "isn", "wasn", "won", "ve", "ll",
        "re",
    ]
)  # fmt: skip

#: A numeric feature with more distinct values than this is cut into quartiles for segments.
_MAX_LEVELS = 10
#: A categorical feature with more distinct values than this (an id, free text) gets no segments.
_MAX_CATEGORIES = 50


def wilson_interval(
    successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of a binomial proportion, elementwise; NaN where ``trials`` is 0.

    It is scipy's ``binomtest(k, n).proportion_ci(method="wilson")``, vectorised, and keeps its
    coverage near the nominal level for small counts and shares near 0 or 1, where the normal
    (Wald) interval collapses.[^1]

    [^1]: E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
        JASA 22 (1927), 209-212.

    >>> low, high = wilson_interval([0, 12], [20, 40])
    >>> [round(float(x), 4) for x in low], [round(float(x), 4) for x in high]
    ([0.0, 0.1807], [0.1611, 0.4543])
    """
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # The interval of a share seen at 0 (or 1) starts exactly there.
    low = np.where((k == 0) & (n > 0), 0.0, low)
    high = np.where((k == n) & (n > 0), 1.0, high)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _token(value: object) -> str | None:
    """What one logged value says: "up", "down", "zero", "minus", "missing" or None (unread)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "missing"
    if isinstance(value, bool | np.bool_):
        return "up" if value else "down"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        if math.isnan(number):
            return "missing"
        return {1.0: "up", 0.0: "zero", -1.0: "minus"}.get(number)
    if isinstance(value, str):
        text = _EMOJI_MODIFIERS.sub("", value).strip().lower()
        if not text:
            return "missing"
        if text in _UP:
            return "up"
        if text in _DOWN:
            return "down"
        try:
            return _token(float(text))
        except ValueError:
            return None
    return None


def read_feedback_values(values: pd.Series, column: str) -> tuple[NDArray[np.float64], int]:
    """Each row's feedback as 1.0 (negative: thumbs down), 0.0 (positive) or NaN (no value), and
    the number of rows without a value. Each distinct value is read once.

    1, +1, "up", "thumbs_up", "positive", true and 👍 are thumbs up; 0, -1, "down",
    "thumbs_down", "negative", false and 👎 thumbs down (case and emoji skin tones ignored). A
    column mixing 0 and -1 is refused: 0 could be "down" or "neutral" there.

    >>> values, n_missing = read_feedback_values(pd.Series(["👍", "Down", -1, None, True]), "fb")
    >>> values.tolist(), n_missing
    ([0.0, 1.0, 1.0, nan, 0.0], 1)
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    tokens = [_token(u) for u in uniques]
    unreadable = [u for u, t in zip(uniques, tokens, strict=True) if t is None]
    if unreadable:
        counts = pd.Series(codes).value_counts()
        n_rows = int(sum(counts.get(i, 0) for i, t in enumerate(tokens) if t is None))
        examples = ", ".join(shown(u, 40) for u in unreadable[:5])
        raise ColumnError(
            f"Feedback column {shown(column)}: {n_rows:,} row(s) hold values that are not thumbs "
            f"up or down ({len(unreadable):,} distinct, e.g. {examples}); expected {_ACCEPTED}."
        )
    if "zero" in tokens and "minus" in tokens:
        raise ColumnError(
            f"Feedback column {shown(column)} holds 1, 0 and -1: 0 could be thumbs down (1/0) or "
            "neutral (+1/-1). Expected one scheme: 1/0 or +1/-1 (drop or recode the 0 rows)."
        )
    meaning = np.array(
        [{"up": 0.0, "down": 1.0, "zero": 1.0, "minus": 1.0}.get(t or "", np.nan) for t in tokens]
        + [np.nan],
        dtype=np.float64,
    )
    out = meaning[codes]  # code -1 (missing) takes the appended NaN
    return out, int(np.isnan(out).sum())


class ProxyStrength(StrEnum):
    """How well thumbs down stand for wrong predictions, from the association of the two on
    the rows that have both: none (not significant, or not positive), weak (phi < 0.3),
    moderate (phi < 0.5), strong."""

    NONE = "none"
    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"

    def __repr__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class FeedbackColumns:
    """Which columns hold what. ``id``, ``value`` (and ``comment``) are read in the feedback
    table; ``prediction``, ``target`` and ``features`` in the predictions table; ``timestamp``
    in the predictions table when it has it (the windows follow the time of the prediction), in
    the feedback table otherwise. ``features`` None: every predictions column that is not one of
    the others."""

    id: str = "id"
    value: str = "feedback"
    timestamp: str | None = None
    comment: str | None = None
    prediction: str | None = None
    target: str | None = None
    features: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FeedbackSettings:
    """How feedback is windowed, tested and segmented.

    ``windows`` cuts the rows (the predictions when given, else the feedback) by period, size
    or count; none given: one window. ``baseline`` is what a window's negative share is held
    to: a rate in (0, 1) (an exact one-sided binomial test), the label of a window (Fisher's
    exact one-sided test against it; "first" names the first window), or None, each window
    against all the others pooled. A window is ``alert`` when its share is above the baseline's
    by at least ``min_increase`` and its p-value is below ``alpha`` divided by the number of
    windows tested (Bonferroni), ``warning`` when only below ``alpha``; windows with fewer than
    ``min_rows`` feedback rows are ``skipped``. Segments need ``min_segment_rows`` rated rows;
    the ``top_segments`` with the highest interval's lower end are kept. A regression model's
    prediction is wrong when it misses the target by more than ``tolerance``.
    """

    windows: WindowSettings = field(default_factory=WindowSettings)
    baseline: float | str | None = None
    confidence: float = 0.95
    alpha: float = 0.05
    min_increase: float = 0.0
    min_rows: int = 30
    min_segment_rows: int = 30
    top_segments: int = 5
    top_words: int = 10
    tolerance: float | None = None

    def __post_init__(self) -> None:
        owner = "FeedbackSettings"
        if not isinstance(self.windows, WindowSettings):
            raise invalid_parameter(owner, "windows", "a WindowSettings", self.windows)
        if isinstance(self.baseline, bool) or not (
            self.baseline is None or isinstance(self.baseline, str | int | float)
        ):
            raise invalid_parameter(
                owner, "baseline", "a rate in (0, 1), a window's label or None", self.baseline
            )
        if isinstance(self.baseline, int | float):
            object.__setattr__(
                self, "baseline", check_probability(owner, "baseline", self.baseline)
            )
        check_probability(owner, "confidence", self.confidence)
        check_probability(owner, "alpha", self.alpha)
        check_float(owner, "min_increase", self.min_increase, low=0, high=1, closed="left")
        check_int(owner, "min_rows", self.min_rows, low=1)
        check_int(owner, "min_segment_rows", self.min_segment_rows, low=1)
        check_int(owner, "top_segments", self.top_segments, low=0)
        check_int(owner, "top_words", self.top_words, low=0)
        check_float(owner, "tolerance", self.tolerance, low=0, allow_none=True)


@dataclass(frozen=True)
class FeedbackWindow:
    """One window: its feedback, the share of it that is negative with its interval, the
    predictions it covers, their realised error rate (with labels), and the test against the
    baseline. ``status`` is what alert rules read, with ``negative_share``."""

    index: int
    label: str
    start: str | None
    end: str | None
    n_feedback: int
    n_negative: int
    negative_share: float | None
    ci_low: float | None
    ci_high: float | None
    n_predictions: int | None = None
    coverage: float | None = None
    n_labelled: int | None = None
    error_rate: float | None = None
    n_comments: int = 0
    baseline_share: float | None = None
    increase: float | None = None
    p_value: float | None = None
    status: Status = Status.SKIPPED
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        return dict(_clean(data))


@dataclass(frozen=True)
class FeedbackSegment:
    """The feedback on one predicted class or one feature segment, against the rest of the
    rated rows: ``lift`` is its negative share over the overall one; ``significant`` when its
    share is above the rest's at ``alpha`` over the segments tested (Bonferroni)."""

    column: str
    segment: str
    n_feedback: int
    n_negative: int
    negative_share: float
    ci_low: float
    ci_high: float
    lift: float | None
    p_value: float
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True)
class FeedbackProxy:
    """How well negative feedback stands for a wrong prediction, on the rows that have both a
    feedback and a label: the 2x2 table, the ``precision`` of a thumbs down as an error signal
    (share of thumbs down on wrong predictions) and its ``recall`` (share of wrong predictions
    that got one), each with its interval, their association (``phi``, Fisher's exact p-value),
    and, over the windows, the correlation of the negative share with the realised error rate.
    ``strength`` (strong, moderate, weak, none) follows from ``phi`` (docs/feedback.md);
    ``summary`` says it in one sentence."""

    n_rows: int
    negative_wrong: int
    negative_right: int
    positive_wrong: int
    positive_right: int
    error_rate: float
    negative_share: float
    precision: float | None
    precision_ci: tuple[float | None, float | None]
    recall: float | None
    recall_ci: tuple[float | None, float | None]
    phi: float | None
    p_value: float | None
    strength: ProxyStrength
    n_windows: int
    window_correlation: float | None
    window_spearman: float | None
    summary: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["precision_ci"] = list(self.precision_ci)
        data["recall_ci"] = list(self.recall_ci)
        data["strength"] = str(self.strength)
        return dict(_clean(data))


@dataclass(frozen=True)
class WordCount:
    """A word of the negative comments: in ``count`` of them, a ``share`` of them all."""

    word: str
    count: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FeedbackResult:
    """Feedback as a time series and a label proxy. Counts are after duplicates were dropped
    (the last feedback per id wins) and feedback on unknown ids left out; ``alerts`` names the
    windows whose negative share is significantly above the baseline."""

    n_feedback: int
    n_negative: int
    negative_share: float
    ci_low: float
    ci_high: float
    confidence: float
    baseline: str
    rule: str
    windows_by: str
    windows: tuple[FeedbackWindow, ...]
    n_predictions: int | None = None
    coverage: float | None = None
    by_class: tuple[FeedbackSegment, ...] = ()
    segments: tuple[FeedbackSegment, ...] = ()
    proxy: FeedbackProxy | None = None
    n_comments: int = 0
    negative_words: tuple[WordCount, ...] = ()
    n_duplicates: int = 0
    n_unmatched: int = 0
    n_without_value: int = 0
    warnings: tuple[str, ...] = ()
    alerts: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        alerted = tuple(w.label for w in self.windows if w.status is Status.ALERT)
        object.__setattr__(self, "alerts", alerted)

    @property
    def summary(self) -> str:
        """One sentence: the overall share and the windows in alert."""
        head = (
            f"{self.n_negative:,} of {self.n_feedback:,} feedback negative "
            f"({self.negative_share:.1%}, {self.confidence:.0%} CI "
            f"{self.ci_low:.1%}-{self.ci_high:.1%})"
        )
        if self.alerts:
            return f"{head}; negative share significantly up in {', '.join(self.alerts)}."
        return f"{head}; no window significantly above the baseline ({self.baseline})."

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "n_feedback": self.n_feedback,
            "n_negative": self.n_negative,
            "negative_share": self.negative_share,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confidence": self.confidence,
            "baseline": self.baseline,
            "rule": self.rule,
            "n_predictions": self.n_predictions,
            "coverage": self.coverage,
            "windows_by": self.windows_by,
            "windows": [w.to_dict() for w in self.windows],
            "alerts": list(self.alerts),
            "by_class": [s.to_dict() for s in self.by_class],
            "segments": [s.to_dict() for s in self.segments],
            "proxy": None if self.proxy is None else self.proxy.to_dict(),
            "n_comments": self.n_comments,
            "negative_words": [w.to_dict() for w in self.negative_words],
            "n_duplicates": self.n_duplicates,
            "n_unmatched": self.n_unmatched,
            "n_without_value": self.n_without_value,
            "warnings": list(self.warnings),
        }


# -- reading and joining ---------------------------------------------------------------------


def _need(frame: pd.DataFrame, column: str | None, what: str, table: str) -> None:
    if column is not None and column not in frame.columns:
        listed = ", ".join(shown(str(c), 40) for c in list(frame.columns)[:10])
        raise ColumnError(
            f"The {what} column {shown(column)} is not in the {table} table; its columns are "
            f"{listed}{' ...' if frame.shape[1] > 10 else ''}."
        )


def _ids(values: pd.Series) -> NDArray[np.object_]:
    """Ids as text, so 7, 7.0 and "7" are one id (a column read with a gap holds floats);
    missing ids are None. Numbers are written by numpy at once; other ids once per distinct
    value."""
    if values.dtype.kind in "iu":
        return np.asarray(values.to_numpy().astype(str), dtype=object)
    if values.dtype.kind == "f":
        labels = value_labels(values)
        labels[values.isna().to_numpy()] = None
        return labels
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [
        str(int(v)) if isinstance(v, float | np.floating) and float(v).is_integer() else str(v)
        for v in uniques
    ]
    return np.asarray([*texts, None], dtype=object)[codes]


def _id_keys(
    feedback: pd.Series, predictions: pd.Series | None
) -> tuple[NDArray[np.intp], NDArray[np.intp] | None]:
    """Both tables' ids as one set of integer keys (-1: no id), so that duplicates and the join
    hash integers; integer ids are keyed as they are, others as `_ids` text."""
    sides = [feedback] if predictions is None else [feedback, predictions]
    if all(side.dtype.kind in "iu" for side in sides) and len({s.dtype for s in sides}) == 1:
        values = np.concatenate([side.to_numpy() for side in sides])
    else:
        values = np.concatenate([_ids(side) for side in sides])
    keys, _ = pd.factorize(values, use_na_sentinel=True)
    keys = keys.astype(np.intp)
    if predictions is None:
        return keys, None
    return keys[: len(feedback)], keys[len(feedback) :]


def _prepared_feedback(
    feedback: pd.DataFrame, columns: FeedbackColumns, timestamp: str | None, keys: NDArray[np.intp]
) -> tuple[pd.DataFrame, int, int, list[str]]:
    """The feedback table as ``_id`` (its `_id_keys`), ``_row`` (its row in ``feedback``),
    ``_negative``, ``_comment`` (and the timestamp), one row per id (the last one), with the
    counts of rows without a value and of duplicates."""
    warnings: list[str] = []
    negative, n_missing = read_feedback_values(feedback[columns.value], columns.value)
    out = pd.DataFrame({"_id": keys, "_row": np.arange(len(feedback)), "_negative": negative})
    if columns.comment is not None:
        text = feedback[columns.comment].astype("string").str.strip()
        present = text.fillna("").ne("").to_numpy(dtype=bool)
        comments = np.asarray(text.to_numpy(dtype=object), dtype=object)
        comments[~present] = None
        out["_comment"] = comments
    if timestamp is not None:
        out[timestamp] = feedback[timestamp].to_numpy()
    no_id = keys < 0
    if no_id.any():
        warnings.append(
            f"{int(no_id.sum()):,} feedback row(s) have no id in {shown(columns.id)}; left out."
        )
    keep = ~no_id & ~np.isnan(negative)
    if n_missing:
        warnings.append(
            f"{n_missing:,} feedback row(s) have no value in {shown(columns.value)}; left out."
        )
    out = out[keep]
    if out.empty:
        raise EmptyDataError(
            f"No feedback row has both an id ({shown(columns.id)}) and a value "
            f"({shown(columns.value)}): there is nothing to analyse."
        )
    if timestamp is not None and timestamp in out.columns:
        # The last feedback in time wins; rows without a date count as oldest.
        times = pd.to_datetime(out[timestamp], errors="coerce", format="mixed", utc=True)
        # NaT is the smallest int64, so an undated row sorts first.
        instants = times.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)
        out = out.iloc[np.argsort(instants, kind="stable")]
    before = len(out)
    out = out.drop_duplicates("_id", keep="last")
    n_duplicates = before - len(out)
    if n_duplicates:
        warnings.append(
            f"{n_duplicates:,} feedback row(s) repeat an id already rated; the last feedback per "
            "id is kept."
        )
    return out.reset_index(drop=True), n_missing, n_duplicates, warnings


def _join(
    rated: pd.DataFrame,
    predictions: pd.DataFrame,
    keys: NDArray[np.intp],
    given_ids: pd.Series,
    id_column: str,
) -> tuple[pd.DataFrame, int, list[str]]:
    """The predictions (one row per id, the last) with their feedback (``rated``, one row per
    key), and the number of feedback ids that match no prediction. ``given_ids`` are the ids as
    the feedback table wrote them, for messages."""
    warnings: list[str] = []
    keep = keys >= 0
    repeated = pd.Series(keys).duplicated(keep="last").to_numpy() & keep
    if repeated.any():
        warnings.append(
            f"{int(repeated.sum()):,} prediction row(s) repeat an id; the last prediction per id "
            "is kept."
        )
    keep &= ~repeated
    frame = predictions[keep].reset_index(drop=True)
    # Each feedback's row in `frame`, -1 when its id has no prediction.
    position = pd.Index(keys[keep]).get_indexer(pd.Index(rated["_id"]))
    matched = position >= 0
    n_unmatched = int((~matched).sum())
    shown_ids = given_ids.iloc[rated["_row"].to_numpy()]
    if not matched.any():
        examples = ", ".join(shown(str(i), 40) for i in shown_ids.iloc[:3])
        theirs = ", ".join(shown(str(i), 40) for i in frame[id_column].iloc[:3])
        raise ColumnError(
            f"None of the {len(rated):,} feedback ids (e.g. {examples}) is in the predictions' "
            f"{shown(id_column)} column (e.g. {theirs}): expected the ids the predictions were "
            "logged under."
        )
    if n_unmatched:
        examples = ", ".join(shown(str(i), 40) for i in shown_ids[~matched].iloc[:3])
        warnings.append(
            f"{n_unmatched:,} of {len(rated):,} feedback row(s) rate an id with no prediction "
            f"(e.g. {examples}); left out."
        )
    # The feedback's columns, aligned on the predictions' rows (missing where none rated).
    on = pd.Index(position[matched])
    extra = {
        c: pd.Series(rated[c].to_numpy()[matched], index=on).reindex(frame.index)
        for c in rated.columns
        if c not in ("_id", "_row") and c not in frame.columns
    }
    return frame.assign(**extra), n_unmatched, warnings


def _wrong(
    frame: pd.DataFrame, columns: FeedbackColumns, tolerance: float | None
) -> NDArray[np.float64] | None:
    """1.0 where the prediction is wrong, 0.0 where right, NaN without a target or prediction."""
    if columns.target is None or columns.prediction is None:
        return None
    target, prediction = frame[columns.target], frame[columns.prediction]
    known = np.array((target.notna() & prediction.notna()).to_numpy(), dtype=bool)
    if tolerance is not None:
        y = pd.to_numeric(target, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        p = pd.to_numeric(prediction, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        known &= np.isfinite(y) & np.isfinite(p)
        with np.errstate(invalid="ignore"):
            wrong = (np.abs(y - p) > tolerance).astype(np.float64)
    else:
        numeric = pd.api.types.is_float_dtype(target.dtype)
        if numeric and (np.mod(target.dropna().to_numpy(dtype=np.float64), 1) != 0).any():
            raise ParameterError(
                f"The target {shown(columns.target)} holds non-whole numbers: for a regression "
                "model give a tolerance (a prediction is wrong when it misses by more)."
            )
        target_codes, target_labels = factorize_labels(target)
        predicted_codes, predicted_labels = factorize_labels(prediction)
        # One vocabulary for both sides, so each row compares two integers.
        vocabulary = pd.Index(np.concatenate([target_labels, predicted_labels])).unique()
        on_target = vocabulary.get_indexer(target_labels)[target_codes]
        on_prediction = vocabulary.get_indexer(predicted_labels)[predicted_codes]
        wrong = (on_target != on_prediction).astype(np.float64)
    return np.where(known, wrong, np.nan)


# -- tests -----------------------------------------------------------------------------------


def _above_rate(k: NDArray[np.float64], n: NDArray[np.float64], rate: float) -> NDArray[Any]:
    """One-sided exact binomial p-values, P(X >= k) for X ~ Bin(n, rate): scipy's
    ``binomtest(k, n, rate, alternative="greater")``."""
    return np.asarray(sps.binom.sf(k - 1, n, rate), dtype=np.float64)


def _above_other(k: ArrayLike, n: ArrayLike, k0: ArrayLike, n0: ArrayLike) -> NDArray[Any]:
    """One-sided Fisher exact p-values that share k/n is above k0/n0: P(X >= k) for the
    hypergeometric count of negatives among n of the pooled n + n0 rows; scipy's
    ``fisher_exact([[k, n - k], [k0, n0 - k0]], alternative="greater")``."""
    k, n, k0, n0 = (np.asarray(x, dtype=np.float64) for x in (k, n, k0, n0))
    return np.asarray(sps.hypergeom.sf(k - 1, n + n0, k + k0, n), dtype=np.float64)


def _segment(
    column: str,
    codes: NDArray[np.intp],
    uniques: Sequence[str],
    negative: NDArray[np.float64],
    min_rows: int,
    confidence: float,
    overall: float,
) -> list[FeedbackSegment]:
    """Per segment (``codes`` into ``uniques``; -1: a row left out): the feedback count,
    negative share and interval, and the test against the other rated rows (not yet corrected:
    `_correct` sets ``significant``)."""
    valid = codes >= 0
    n = np.bincount(codes[valid], minlength=len(uniques)).astype(np.float64)
    k = np.bincount(codes[valid], weights=negative[valid], minlength=len(uniques))
    n_all, k_all = float(valid.sum()), float(negative[valid].sum())
    keep = n >= min_rows
    low, high = wilson_interval(k, n, confidence)
    p = _above_other(k, n, k_all - k, n_all - n)
    return [
        FeedbackSegment(
            column=column,
            segment=str(uniques[int(i)]),
            n_feedback=int(n[i]),
            n_negative=int(k[i]),
            negative_share=float(k[i] / n[i]),
            ci_low=float(low[i]),
            ci_high=float(high[i]),
            lift=float(k[i] / n[i] / overall) if overall > 0 else None,
            p_value=float(min(p[i], 1.0)) if n_all > n[i] else 1.0,
            significant=False,
        )
        for i in np.flatnonzero(keep)
    ]


def _correct(segments: list[FeedbackSegment], alpha: float) -> list[FeedbackSegment]:
    """``significant`` set under Bonferroni over ``segments``, ranked by the interval's low end."""
    m = max(len(segments), 1)
    marked = [
        FeedbackSegment(**{**asdict(s), "significant": s.p_value < alpha / m}) for s in segments
    ]
    return sorted(marked, key=lambda s: (-s.ci_low, -s.negative_share, s.column, s.segment))


def _feature_segments(
    values: pd.Series, rated: NDArray[np.bool_]
) -> tuple[NDArray[np.intp], list[str]] | None:
    """Each row's segment of one feature (a code, -1 for a missing value) and the segments'
    names: its category, or its quartile of the rated rows for a numeric feature with many
    values; None for a column with too many categories or a single one."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        x = values.to_numpy(dtype=np.float64, na_value=np.nan)
        seen = x[rated & np.isfinite(x)]
        if np.unique(seen).size > _MAX_LEVELS:
            edges = np.unique(np.quantile(seen, [0.25, 0.5, 0.75]))
            bins = np.searchsorted(edges, x, side="right")
            names = [f"< {edges[0]:.4g}"]
            names += [f"[{a:.4g}, {b:.4g})" for a, b in itertools.pairwise(edges)]
            names.append(f">= {edges[-1]:.4g}")
            return np.where(np.isfinite(x), bins, -1).astype(np.intp), names
    codes, labels = factorize_labels(values)
    n_distinct = np.unique(codes[rated & (codes >= 0)]).size
    if n_distinct > _MAX_CATEGORIES or n_distinct < 2:
        return None
    return codes, [shorten(str(v), 80) for v in labels]


def _proxy(
    negative: NDArray[np.float64],
    wrong: NDArray[np.float64],
    windows: Sequence[FeedbackWindow],
    settings: FeedbackSettings,
) -> FeedbackProxy | None:
    both = ~np.isnan(negative) & ~np.isnan(wrong)
    if not both.any():
        return None
    neg, err = negative[both] == 1, wrong[both] == 1
    a = int((neg & err).sum())  # thumbs down, wrong
    b = int((neg & ~err).sum())  # thumbs down, right
    c = int((~neg & err).sum())  # thumbs up, wrong
    d = int((~neg & ~err).sum())  # thumbs up, right
    n = a + b + c + d
    (p_low, r_low), (p_high, r_high) = wilson_interval([a, a], [a + b, a + c], settings.confidence)
    precision = a / (a + b) if a + b else None
    recall = a / (a + c) if a + c else None
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(margins) if margins else None
    p_value = float(sps.hypergeom.sf(a - 1, n, a + c, a + b)) if margins else None
    if phi is None or p_value is None or p_value >= settings.alpha or phi <= 0:
        strength = ProxyStrength.NONE
    elif phi >= 0.5:
        strength = ProxyStrength.STRONG
    elif phi >= 0.3:
        strength = ProxyStrength.MODERATE
    else:
        strength = ProxyStrength.WEAK
    usable = [
        w
        for w in windows
        if w.error_rate is not None
        and w.negative_share is not None
        and w.n_feedback >= settings.min_rows
    ]
    r = rho = None
    if len(usable) >= 3:
        x = np.array([w.negative_share for w in usable], dtype=np.float64)
        y = np.array([w.error_rate for w in usable], dtype=np.float64)
        # A constant series has no correlation (scipy would warn and return NaN).
        if np.ptp(x) > 0 and np.ptp(y) > 0:
            r = float(sps.pearsonr(x, y).statistic)
            rho = float(sps.spearmanr(x, y).statistic)
    error_rate = (a + c) / n
    parts = [
        f"Feedback is a {strength} proxy for errors here"
        if strength is not ProxyStrength.NONE
        else "Feedback says little about errors here"
    ]
    if precision is not None:
        parts.append(
            f"{precision:.0%} of thumbs down were on wrong predictions "
            f"({error_rate:.0%} of the {n:,} rated, labelled ones were wrong)"
        )
    if recall is not None:
        parts.append(f"{recall:.0%} of wrong predictions got a thumbs down")
    if r is not None:
        parts.append(
            f"over {len(usable)} windows the negative share "
            f"{'follows' if r >= 0.5 else 'barely follows' if r > 0 else 'does not follow'} "
            f"the error rate (Pearson r = {r:.2f})"
        )
    summary = parts[0] + (": " + "; ".join(parts[1:]) if len(parts) > 1 else "") + "."
    return FeedbackProxy(
        n_rows=n,
        negative_wrong=a,
        negative_right=b,
        positive_wrong=c,
        positive_right=d,
        error_rate=error_rate,
        negative_share=(a + b) / n,
        precision=precision,
        precision_ci=(_float(p_low), _float(p_high)),
        recall=recall,
        recall_ci=(_float(r_low), _float(r_high)),
        phi=phi,
        p_value=p_value,
        strength=strength,
        n_windows=len(usable),
        window_correlation=r,
        window_spearman=rho,
        summary=summary,
    )


def _float(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _negative_words(
    comments: NDArray[np.object_], negative: NDArray[np.float64], top: int
) -> tuple[WordCount, ...]:
    """The words found in most negative comments (each comment counts a word once)."""
    chosen = pd.Series(comments[(negative == 1) & pd.notna(comments)], dtype="string")
    if chosen.empty or top == 0:
        return ()
    words = chosen.str.lower().str.findall(_WORD).explode().dropna()
    words = words[~words.isin(STOP_WORDS)]
    counts = (
        words.reset_index().drop_duplicates().iloc[:, 1].value_counts().sort_index(kind="stable")
    )
    ranked = counts.sort_values(ascending=False, kind="stable").head(top)
    return tuple(
        WordCount(str(w), int(c), float(c) / len(chosen)) for w, c in ranked.items() if c > 0
    )


# -- the analysis ----------------------------------------------------------------------------


def _baseline_tests(
    k_rows: NDArray[np.float64],
    n_rows: NDArray[np.float64],
    labels: Sequence[str],
    settings: FeedbackSettings,
) -> tuple[str, NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_], int | None]:
    """The baseline each window is held to (its description and share per window), the
    one-sided p-value against it, which windows are tested, and the baseline window's index."""
    tested = n_rows >= settings.min_rows
    base_index: int | None = None
    if isinstance(settings.baseline, float):
        text = f"rate {settings.baseline:g}"
        base_share = np.full(len(labels), settings.baseline)
        return text, base_share, _above_rate(k_rows, n_rows, settings.baseline), tested, None
    if isinstance(settings.baseline, str):
        base_index = _baseline_window(settings.baseline, labels)
        text = f"window {labels[base_index]}"
        k0, n0 = np.full(len(labels), k_rows[base_index]), np.full(len(labels), n_rows[base_index])
    else:
        text = "the other windows pooled"
        k0, n0 = k_rows.sum() - k_rows, n_rows.sum() - n_rows
    with np.errstate(invalid="ignore", divide="ignore"):
        base_share = k0 / n0
    tested &= n0 >= settings.min_rows
    if base_index is not None:
        tested[base_index] = False
    return text, base_share, _above_other(k_rows, n_rows, k0, n0), tested, base_index


def _where_users_complain(
    frame: pd.DataFrame,
    names: list[str],
    columns: FeedbackColumns,
    settings: FeedbackSettings,
    negative: NDArray[np.float64],
    overall: float,
) -> tuple[list[FeedbackSegment], list[FeedbackSegment]]:
    """The predicted classes, and the top feature segments, each with its negative share and
    its test against the other rated rows (Bonferroni over the classes, over the segments)."""
    has = ~np.isnan(negative)
    rated = np.nan_to_num(negative)
    common = (settings.min_segment_rows, settings.confidence, overall)
    by_class: list[FeedbackSegment] = []
    if columns.prediction is not None:
        codes, classes = factorize_labels(frame[columns.prediction])
        found = _segment(
            columns.prediction, np.where(has, codes, -1), [str(c) for c in classes], rated, *common
        )
        by_class = _correct(found, settings.alpha)
    used = {columns.id, columns.prediction, columns.target, columns.timestamp}
    features = (
        list(columns.features)
        if columns.features is not None
        else [c for c in names if c not in used]
    )
    segments: list[FeedbackSegment] = []
    for name in features:
        feature = _feature_segments(frame[name], has)
        if feature is not None:
            segments += _segment(name, np.where(has, feature[0], -1), feature[1], rated, *common)
    return by_class, _correct(segments, settings.alpha)[: settings.top_segments]


def _baseline_window(label: str, labels: Sequence[str]) -> int:
    if label == "first" and labels:
        return 0
    if label not in labels:
        listed = ", ".join(shown(x, 40) for x in labels[:10])
        raise invalid_parameter(
            "feedback", "baseline", f"'first' or a window's label ({listed})", label
        )
    return list(labels).index(label)


def analyse_feedback(
    feedback: pd.DataFrame,
    predictions: pd.DataFrame | None = None,
    columns: FeedbackColumns | None = None,
    settings: FeedbackSettings | None = None,
) -> FeedbackResult:
    """Feedback per window (share negative, Wilson interval, coverage, the test against the
    baseline), by predicted class and feature segment, against the realised errors when the
    predictions carry labels, and the words of negative comments.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> days = np.repeat(pd.date_range("2026-03-02", periods=4), 200)
    >>> bad = rng.random(800) < np.repeat([0.1, 0.1, 0.1, 0.3], 200)
    >>> fb = pd.DataFrame({"id": range(800), "feedback": np.where(bad, "👎", "👍"), "ts": days})
    >>> result = analyse_feedback(fb, columns=FeedbackColumns(timestamp="ts"),
    ...                           settings=FeedbackSettings(WindowSettings(period="D")))
    >>> result.alerts
    ('2026-03-05',)
    >>> [round(w.negative_share, 3) for w in result.windows]
    [0.105, 0.105, 0.06, 0.33]
    """
    columns = columns or FeedbackColumns()
    settings = settings or FeedbackSettings()
    if len(feedback) == 0:
        raise EmptyDataError("The feedback table has 0 rows: there is nothing to analyse.")
    _need(feedback, columns.id, "id", "feedback")
    _need(feedback, columns.value, "feedback value", "feedback")
    _need(feedback, columns.comment, "comment", "feedback")
    timestamp = columns.timestamp
    if predictions is not None:
        if len(predictions) == 0:
            raise EmptyDataError("The predictions table has 0 rows: there is nothing to join.")
        _need(predictions, columns.id, "id", "predictions")
        _need(predictions, columns.prediction, "prediction", "predictions")
        _need(predictions, columns.target, "target", "predictions")
        if columns.target is not None and columns.prediction is None:
            raise ParameterError(
                f"The target {shown(columns.target)} is compared with a prediction: give the "
                "prediction column too."
            )
        for name in columns.features or ():
            _need(predictions, name, "feature", "predictions")
        if timestamp is not None and timestamp not in predictions.columns:
            _need(feedback, timestamp, "timestamp", "predictions or the feedback")
    else:
        for given, what in ((columns.prediction, "prediction"), (columns.target, "target")):
            if given is not None:
                raise ParameterError(
                    f"A {what} column ({shown(given)}) is read in the predictions table; "
                    "none was given."
                )
        _need(feedback, timestamp, "timestamp", "feedback")
    feedback_time = timestamp if timestamp is not None and timestamp in feedback.columns else None
    feedback_keys, prediction_keys = _id_keys(
        feedback[columns.id], None if predictions is None else predictions[columns.id]
    )
    rated, n_missing, n_duplicates, warnings = _prepared_feedback(
        feedback, columns, feedback_time, feedback_keys
    )
    n_unmatched = 0
    if predictions is not None and prediction_keys is not None:
        frame, n_unmatched, join_warnings = _join(
            rated, predictions, prediction_keys, feedback[columns.id], columns.id
        )
        warnings += join_warnings
    else:
        frame = rated
    negative = frame["_negative"].to_numpy(dtype=np.float64)
    has = ~np.isnan(negative)
    wrong = _wrong(frame, columns, settings.tolerance) if predictions is not None else None

    window_settings = settings.windows
    if not window_settings.active:
        window_settings = WindowSettings(count=1)
    side = "predictions" if predictions is not None else "feedback"
    splits, time_warnings = split_windows(frame, window_settings, timestamp, side)
    warnings += time_warnings
    comments = frame["_comment"].to_numpy(dtype=object) if "_comment" in frame else None

    n_rows = np.array([has[s.rows].sum() for s in splits], dtype=np.float64)
    k_rows = np.array([np.nansum(negative[s.rows]) for s in splits], dtype=np.float64)
    low, high = wilson_interval(k_rows, n_rows, settings.confidence)
    labels = [s.label for s in splits]

    baseline_text, base_share, p_values, tested, base_index = _baseline_tests(
        k_rows, n_rows, labels, settings
    )
    m = max(int(tested.sum()), 1)
    windows: list[FeedbackWindow] = []
    for i, split in enumerate(splits):
        rows = split.rows
        n, k = int(n_rows[i]), int(k_rows[i])
        share = k / n if n else None
        note = None
        increase = share - float(base_share[i]) if share is not None else None
        if increase is not None and not math.isfinite(increase):
            increase = None
        if i == base_index:
            status, note = Status.SKIPPED, "the baseline window"
        elif not tested[i]:
            status = Status.SKIPPED
            if n < settings.min_rows:
                note = f"{n} feedback row(s), under the minimum {settings.min_rows}: not tested"
            else:
                note = "the baseline has too few feedback rows: not tested"
        elif increase is None or increase < settings.min_increase:
            status = Status.OK
        elif p_values[i] < settings.alpha / m:
            status = Status.ALERT
        elif p_values[i] < settings.alpha:
            status = Status.WARNING
            note = f"significant alone, not after Bonferroni over {m} windows"
        else:
            status = Status.OK
        n_pred = len(rows) if predictions is not None else None
        n_lab = err = None
        if wrong is not None:
            labelled = ~np.isnan(wrong[rows])
            n_lab = int(labelled.sum())
            err = float(wrong[rows][labelled].mean()) if n_lab else None
        windows.append(
            FeedbackWindow(
                index=i,
                label=split.label,
                start=split.start,
                end=split.end,
                n_feedback=n,
                n_negative=k,
                negative_share=share,
                ci_low=_float(low[i]),
                ci_high=_float(high[i]),
                n_predictions=n_pred,
                coverage=n / n_pred if n_pred else None,
                n_labelled=n_lab,
                error_rate=err,
                n_comments=int(pd.notna(comments[rows]).sum()) if comments is not None else 0,
                baseline_share=_float(base_share[i]),
                increase=increase,
                p_value=_float(min(p_values[i], 1.0)) if tested[i] else None,
                status=status,
                note=note,
            )
        )
    if len(splits) == 1 and settings.baseline is None:
        warnings.append(
            "One window only: pass a period, a window size or a number of windows to follow "
            "the negative share over time and test it."
        )

    n_total, k_total = int(has.sum()), int(np.nansum(negative))
    overall = k_total / n_total
    if k_total in (0, n_total):
        warnings.append(
            f"Every one of the {n_total:,} feedback is thumbs {'up' if k_total == 0 else 'down'}: "
            "the negative share cannot vary with the window, class or segment."
        )
    (all_low,), (all_high,) = wilson_interval([k_total], [n_total], settings.confidence)

    by_class: list[FeedbackSegment] = []
    segments: list[FeedbackSegment] = []
    if predictions is not None:
        by_class, segments = _where_users_complain(
            frame, list(predictions.columns), columns, settings, negative, overall
        )

    proxy = None
    if wrong is not None:
        proxy = _proxy(negative, wrong, windows, settings)
        if proxy is None:
            warnings.append(
                "No prediction has both a label and a feedback: feedback is not compared with "
                "the realised errors."
            )
    words: tuple[WordCount, ...] = ()
    n_comments = 0
    if comments is not None:
        n_comments = int(pd.notna(comments[has]).sum())
        words = _negative_words(comments, negative, settings.top_words)
    n_predictions = len(frame) if predictions is not None else None
    return FeedbackResult(
        n_feedback=n_total,
        n_negative=k_total,
        negative_share=overall,
        ci_low=float(all_low),
        ci_high=float(all_high),
        confidence=settings.confidence,
        baseline=baseline_text,
        rule=(
            f"alert when a window's negative share is above the baseline by at least "
            f"{settings.min_increase:g} and its one-sided p-value is below {settings.alpha:g} / "
            f"{m} (Bonferroni over the windows tested); warning when only below "
            f"{settings.alpha:g}; windows with fewer than {settings.min_rows} feedback are not "
            "tested"
        ),
        windows_by=window_settings.describe() if settings.windows.active else "one window",
        windows=tuple(windows),
        n_predictions=n_predictions,
        coverage=n_total / n_predictions if n_predictions else None,
        by_class=tuple(by_class),
        segments=tuple(segments),
        proxy=proxy,
        n_comments=n_comments,
        negative_words=words,
        n_duplicates=n_duplicates,
        n_unmatched=n_unmatched,
        n_without_value=n_missing,
        warnings=tuple(warnings),
    )
