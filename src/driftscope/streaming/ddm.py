"""DDM, the Drift Detection Method of Gama et al. (2004), on a stream of errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError
from driftscope.streaming._base import Detections, DriftDetector

__all__ = ["DDM"]

#: Fewest values looked at in one vectorised step. After a drift the next window is twice the
#: length of the segment that just ended (at least this), and it doubles while no drift shows
#: up, so a stream with many drifts costs O(n), not O(n * drifts).
_MIN_WINDOW = 64
#: Windows shorter than this go through `update` one value at a time: with drifts every few
#: values, numpy's per-call overhead costs more than the loop.
_LOOP_BELOW = 256

_Advance = Callable[[NDArray[np.float64]], tuple[NDArray[np.int64], int]]


def _check_bit(detector: DriftDetector, x: float) -> None:
    """Reject anything but 0/1 in ``update`` (``update_many`` goes through `_check_values`)."""
    if x != 0 and x != 1:  # also catches nan
        raise ColumnError(
            f"{type(detector).__name__} watches an error stream and needs 0/1 values; got {x!r}."
        )


def _scan(detector: DriftDetector, values: NDArray[np.float64], advance: _Advance) -> Detections:
    """Drive a vectorised ``advance`` over windows of ``values``.

    ``advance(window)`` consumes the window up to and including its first drift (or all of
    it), updates the detector's state and returns the warning positions and the drift position
    (-1 when none) within the window.
    """
    warnings: list[NDArray[np.int64]] = []
    drifts: list[int] = []
    pos, size, segment_start = 0, 16 * _MIN_WINDOW, 0
    while pos < values.size:
        window = values[pos : pos + size]
        step = advance if size >= _LOOP_BELOW else partial(_one_by_one, detector)
        window_warnings, drift = step(window)
        warnings.append(window_warnings + pos)
        if drift >= 0:
            drifts.append(pos + drift)
            pos += drift + 1
            size = max(_MIN_WINDOW, 2 * (pos - segment_start))
            segment_start = pos
        else:
            pos += size
            size *= 2
    return Detections(
        np.concatenate(warnings) if warnings else np.zeros(0, np.int64),
        np.asarray(drifts, np.int64),
    )


def _one_by_one(
    detector: DriftDetector, window: NDArray[np.float64]
) -> tuple[NDArray[np.int64], int]:
    """What ``advance`` does, by calling ``update`` on each value up to the first drift."""
    warnings = []
    for i, x in enumerate(window.tolist()):
        detector.update(x)
        if detector.warning_detected:
            warnings.append(i)
        if detector.drift_detected:
            return np.asarray(warnings, np.int64), i
    return np.asarray(warnings, np.int64), -1


def _last_event(event: NDArray[np.bool_]) -> NDArray[np.int64]:
    """For each position, the index of the latest ``True`` at or before it (-1 if none)."""
    idx = np.where(event, np.arange(event.size, dtype=np.int64), np.int64(-1))
    return np.maximum.accumulate(idx) if idx.size else idx


class DDM(DriftDetector):
    """Drift Detection Method: the error rate of a learner should only fall while the data
    are stationary.

    With :math:`p_i` the error rate after :math:`i` values and
    :math:`s_i = \\sqrt{p_i (1 - p_i) / i}`, DDM remembers :math:`p_{min}` and :math:`s_{min}`
    where :math:`p_i + s_i` was lowest, warns when
    :math:`p_i + s_i > p_{min} + w \\, s_{min}` and signals a drift when
    :math:`p_i + s_i > p_{min} + d \\, s_{min}`, after which it starts afresh [1]_. The
    statistics and thresholds are River's ``drift.binary.DDM``.

    Parameters
    ----------
    warm_start
        Values seen (since the start or the last drift) before a warning or drift can be
        signalled.
    warning_threshold
        :math:`w`, in standard deviations; 2 is about 95% confidence.
    drift_threshold
        :math:`d`, in standard deviations; 3 is about 99% confidence.

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction.

    References
    ----------
    .. [1] J. Gama, P. Medas, G. Castillo, P. Rodrigues. "Learning with Drift Detection".
       SBIA 2004, LNCS 3171, pp. 286-295.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.ddm import DDM
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.2, rng.random(1000) < 0.5])
    >>> found = DDM().update_many(errors)
    >>> found.drifts.tolist()
    [1457]
    """

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = ("_n", "_n_errors", "_p_min", "_s_min", "_ps_min")

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        self.warm_start = warm_start
        self.warning_threshold = warning_threshold
        self.drift_threshold = drift_threshold
        if isinstance(warm_start, bool) or not isinstance(warm_start, int) or warm_start < 0:
            raise self._invalid("warm_start", "an int in [0, inf)")
        for name in ("warning_threshold", "drift_threshold"):
            value: Any = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 < value < math.inf
            ):
                raise self._invalid(name, "a float in (0, inf)")
        super().__init__()

    def _restart(self) -> None:
        """Forget the statistics, as after a drift (the count of values seen is kept)."""
        self._drift_detected = False
        self._warning_detected = False
        self._n = 0
        self._n_errors = 0
        # p_min and s_min are read only after the first update past the warm start, which
        # always sets them, since p + s <= inf.
        self._p_min = math.inf
        self._s_min = math.inf
        self._ps_min = math.inf

    def update(self, x: float) -> None:
        """Take one value of the error stream (1 = error, 0 = correct)."""
        _check_bit(self, x)
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        self._n += 1
        self._n_errors += int(x == 1)
        p = self._n_errors / self._n
        s = math.sqrt(p * (1 - p) / self._n)
        if self._n > self.warm_start:
            if p + s <= self._ps_min:
                self._p_min = p
                self._s_min = s
                self._ps_min = p + s
            self._warning_detected = p + s > self._p_min + self.warning_threshold * self._s_min
            if p + s > self._p_min + self.drift_threshold * self._s_min:
                self._drift_detected = True
                self._warning_detected = False

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array, vectorised; the same detections and final state as calling
        `update` on each value."""
        return _scan(self, self._check_values(values), self._advance)

    def _advance(self, window: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
        if self._drift_detected:
            self._restart()
        # The same float operations, in the same order, as `update`, so results are identical.
        n = self._n + np.arange(1, window.size + 1, dtype=np.int64)
        k = self._n_errors + np.cumsum(window == 1, dtype=np.int64)
        p = k / n
        s = np.sqrt(p * (1 - p) / n)
        ps = p + s
        first = min(max(self.warm_start - self._n, 0), window.size)  # first index past warm-up
        p, s, ps = p[first:], s[first:], ps[first:]
        before = np.minimum.accumulate(np.concatenate([[self._ps_min], ps]))[:-1]
        last = _last_event(ps <= before)
        p_min = np.where(last >= 0, p[last], self._p_min)
        s_min = np.where(last >= 0, s[last], self._s_min)
        warning = ps > p_min + self.warning_threshold * s_min
        drift = ps > p_min + self.drift_threshold * s_min
        end = int(np.argmax(drift)) if drift.any() else ps.size - 1  # last index consumed
        consumed = first + end + 1 if ps.size else window.size
        self._n_seen += consumed
        self._n = int(n[consumed - 1])
        self._n_errors = int(k[consumed - 1])
        if ps.size:
            if last[end] >= 0:
                self._p_min = float(p[last[end]])
                self._s_min = float(s[last[end]])
                self._ps_min = self._p_min + self._s_min
            self._drift_detected = bool(drift[end])
            self._warning_detected = bool(warning[end]) and not self._drift_detected
        warnings = np.flatnonzero(warning[: end + 1] & ~drift[: end + 1]) + first
        return warnings.astype(np.int64), (first + end if self._drift_detected else -1)
