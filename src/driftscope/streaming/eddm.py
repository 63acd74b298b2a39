"""EDDM, the Early Drift Detection Method of Baena-García et al. (2006), on a stream of
errors."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.streaming._base import Detections, DriftDetector, is_real
from driftscope.streaming.ddm import _check_bit, _last_event, _one_by_one, _scan

__all__ = ["EDDM"]

#: The vectorised variance uses exact int64 sums; past this size of
#: ``errors * sum(distance ** 2)`` a window falls back to the per-value loop.
_EXACT_LIMIT = 2.0**62


class EDDM(DriftDetector):
    """Early Drift Detection Method: watches the distance between consecutive errors, which
    shrinks when the error rate rises, so gradual drifts show up earlier than with DDM.

    With :math:`p'_i` and :math:`s'_i` the mean and standard deviation of the distances
    between errors so far, EDDM remembers the largest :math:`p'_i + 2 s'_i` and, at each error
    once ``warm_start`` values and errors are seen, compares the ratio of the current value to
    it: below ``beta`` is a drift (after which it starts afresh), below ``alpha`` a warning,
    at or above ``alpha`` ends the warning [1]_. The statistics are River's
    ``drift.binary.EDDM``; like River, the warning state is only updated at errors and holds
    in between.

    Parameters
    ----------
    warm_start
        Values, and errors, seen (since the start or the last drift) before a warning or drift
        can be signalled.
    alpha
        Warning level, in (0, 1]; the smaller, the more conservative.
    beta
        Drift level, in (0, alpha]; the smaller, the more conservative.

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction.

    References
    ----------
    .. [1] M. Baena-García, J. del Campo-Ávila, R. Fidalgo, A. Bifet, R. Gavaldà,
       R. Morales-Bueno. "Early Drift Detection Method". Fourth International Workshop on
       Knowledge Discovery from Data Streams, 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.eddm import EDDM
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.2, rng.random(1000) < 0.5])
    >>> found = EDDM().update_many(errors)
    >>> found.drifts[:3].tolist()
    [139, 268, 416]
    """

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = (
        "_n",
        "_n_errors",
        "_last_error",
        "_distance_sum",
        "_distance_square_sum",
        "_p2s_max",
    )

    def __init__(self, warm_start: int = 30, alpha: float = 0.95, beta: float = 0.9) -> None:
        self.warm_start = warm_start
        self.alpha = alpha
        self.beta = beta
        if isinstance(warm_start, bool) or not isinstance(warm_start, int) or warm_start < 0:
            raise self._invalid("warm_start", "an int in [0, inf)")
        if not is_real(alpha) or not 0 < alpha <= 1:
            raise self._invalid("alpha", "a float in (0, 1]")
        if not is_real(beta) or not 0 < beta <= alpha:
            raise self._invalid("beta", f"a float in (0, alpha] = (0, {alpha!r}]")
        super().__init__()

    def _restart(self) -> None:
        """Forget the statistics, as after a drift (the count of values seen is kept)."""
        self._drift_detected = False
        self._warning_detected = False
        self._n = 0
        self._n_errors = 0
        self._last_error = 0  # position (1-based, since the restart) of the last error
        # Exact integer sums of the distances between errors and of their squares.
        self._distance_sum = 0
        self._distance_square_sum = 0
        self._p2s_max = -1.0

    def update(self, x: float) -> None:
        """Take one value of the error stream (1 = error, 0 = correct)."""
        _check_bit(self, x)
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        self._n += 1
        if x != 1:
            return
        self._n_errors += 1
        distance = self._n - self._last_error
        self._distance_sum += distance
        self._distance_square_sum += distance * distance
        self._last_error = self._n
        if self._n <= self.warm_start:
            return
        # The same float operations, in the same order, as `_advance`.
        n, s1, s2 = self._n_errors, self._distance_sum, self._distance_square_sum
        mean = float(s1) / float(n)
        var = float(n * s2 - s1 * s1) / float(n * (n - 1)) if n > 1 else 0.0
        p2s = mean + 2 * math.sqrt(var)
        if p2s > self._p2s_max:
            self._p2s_max = p2s
        elif self._n_errors > self.warm_start:
            level = p2s / self._p2s_max
            if level < self.beta:
                self._drift_detected = True
            else:
                self._warning_detected = level < self.alpha

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array, vectorised; the same detections and final state as calling
        `update` on each value."""
        return _scan(self, self._check_values(values), self._advance)

    def _advance(self, window: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
        if self._drift_detected:
            self._restart()
        at = np.flatnonzero(window == 1)  # positions of the errors in the window
        n_at = self._n + at + 1  # their positions since the restart
        n_errors = self._n_errors + np.arange(1, at.size + 1, dtype=np.int64)
        distance = np.diff(n_at, prepend=self._last_error)
        s1 = self._distance_sum + np.cumsum(distance)
        s2 = self._distance_square_sum + np.cumsum(distance * distance)
        if at.size and float(n_errors[-1]) * float(s2[-1]) >= _EXACT_LIMIT:
            return _one_by_one(self, window)

        first = int(np.searchsorted(n_at, self.warm_start, side="right"))  # past warm-up
        n, s1e, s2e = n_errors[first:], s1[first:], s2[first:]
        mean = s1e.astype(np.float64) / n.astype(np.float64)
        var_num = (n * s2e - s1e * s1e).astype(np.float64)
        var_den = (n * (n - 1)).astype(np.float64)
        var = np.divide(var_num, var_den, out=np.zeros_like(var_num), where=n > 1)
        p2s = mean + 2 * np.sqrt(var)
        running = np.maximum.accumulate(np.concatenate([[self._p2s_max], p2s]))
        before = running[:-1]
        judged = (p2s <= before) & (n > self.warm_start)
        level = np.divide(p2s, before, out=np.ones_like(p2s), where=judged)
        drift = judged & (level < self.beta)
        end_error = int(np.argmax(drift)) if drift.any() else -1  # among judged errors
        end = int(at[first + end_error]) if end_error >= 0 else window.size - 1

        # The warning state changes only at judged errors that are not drifts, and holds.
        setting = judged & ~drift
        if end_error >= 0:
            setting[end_error:] = False
        state = np.full(end + 1, -1, np.int8)
        state[at[first:][setting]] = (level[setting] < self.alpha).astype(np.int8)
        last = _last_event(state >= 0)
        warning = np.where(last >= 0, state[last] == 1, self._warning_detected)

        errors_seen = int(np.searchsorted(at, end, side="right"))
        self._n_seen += end + 1
        self._n += end + 1
        if errors_seen:
            self._n_errors = int(n_errors[errors_seen - 1])
            self._last_error = int(n_at[errors_seen - 1])
            self._distance_sum = int(s1[errors_seen - 1])
            self._distance_square_sum = int(s2[errors_seen - 1])
        if errors_seen > first:
            self._p2s_max = float(running[errors_seen - first])
        self._warning_detected = bool(warning[end])
        self._drift_detected = end_error >= 0
        return np.flatnonzero(warning).astype(np.int64), (end if end_error >= 0 else -1)
