"""The detector protocol: one small class per detector, River-style.

Settings are the ``__init__`` arguments, stored verbatim as public attributes; mutable state is
built in ``_reset()``; results come out through read-only properties. ``update_many`` must give
exactly the detections of calling ``update`` once per value. ``state_dict`` / ``from_state_dict``
save and resume a detector with identical later detections.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError, DriftscopeError, ParameterError, invalid_parameter

__all__ = ["Detections", "DriftDetector"]


@dataclass(frozen=True)
class Detections:
    """Positions, within the values given to `DriftDetector.update_many`, where the detector
    signalled a warning or a drift (0-based, ascending)."""

    warnings: NDArray[np.int64]
    drifts: NDArray[np.int64]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Detections):
            return NotImplemented
        return bool(
            np.array_equal(self.warnings, other.warnings)
            and np.array_equal(self.drifts, other.drifts)
        )

    __hash__ = None  # type: ignore[assignment]


def _to_plain(value: Any) -> Any:
    """State values as JSON-ready data (numpy scalars and arrays, deques, tuples)."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, deque):
        return {"__deque__": [_to_plain(v) for v in value], "maxlen": value.maxlen}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    return value


def _from_plain(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        if "__deque__" in value:
            return deque((_from_plain(v) for v in value["__deque__"]), maxlen=value["maxlen"])
        if "__float__" in value:
            return float(value["__float__"])
        return {k: _from_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_plain(v) for v in value]
    return value


#: `DriftDetector.calibration_range` of a significance level: above 0, at most 0.01.
SIGNIFICANCE: tuple[float, float] = (0.0, 0.01)


class DriftDetector:
    """Base class of the streaming detectors."""

    #: Names of the mutable state attributes, saved by `state_dict`.
    _state: ClassVar[tuple[str, ...]] = ()
    #: Whether ``update`` takes only 0/1 values (an error stream).
    binary_input: ClassVar[bool] = False
    #: The setting `calibrate` tunes by default, and whether a ``"higher"`` or ``"lower"`` value
    #: of it gives fewer alarms.
    calibration: ClassVar[tuple[str, str] | None] = None
    #: The values `calibrate` may try for the setting: those that still hold up on new data.
    #: A calibration stream on which nothing fires would otherwise push the search to the
    #: loosest value the setting may take (a significance level near 1), which then raises
    #: many false alarms on the next stream; so significance levels stop at 0.01 (`SIGNIFICANCE`:
    #: KSWIN's authors advise below 0.01, the other detectors' defaults are 0.001-0.003).
    #: Positive numbers when a detector says nothing.
    calibration_range: ClassVar[tuple[float, float]] = (0.0, math.inf)

    def _calibration_bounds(self, parameter: str) -> tuple[float, float]:
        """The values ``parameter`` may take, for `calibrate`; detectors whose bound depends on
        another setting override this."""
        return self.calibration_range

    def __init__(self) -> None:
        self._reset()

    # -- configuration ------------------------------------------------------------------------

    def _reset(self) -> None:
        """Everything fresh: the count of values seen, the flags, then the statistics."""
        self._n_seen = 0
        self._drift_detected = False
        self._warning_detected = False
        self._restart()

    def _restart(self) -> None:
        """Fresh statistics, as after a drift; `n_seen` keeps counting. Detectors with state
        override this."""
        self._drift_detected = False
        self._warning_detected = False

    def reset(self) -> None:
        """Forget everything seen; keep the settings."""
        self._reset()

    def get_params(self) -> dict[str, Any]:
        """The ``__init__`` arguments, read back from the public attributes."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def clone(self) -> DriftDetector:
        """A fresh detector with the same settings."""
        return type(self)(**copy.deepcopy(self.get_params()))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def _invalid(self, name: str, expected: str) -> Exception:
        return invalid_parameter(type(self).__name__, name, expected, getattr(self, name))

    # -- results ---------------------------------------------------------------------------------

    @property
    def drift_detected(self) -> bool:
        """Whether the last update signalled a drift."""
        return self._drift_detected

    @property
    def warning_detected(self) -> bool:
        """Whether the last update signalled a warning (always False for detectors without a
        warning level)."""
        return self._warning_detected

    @property
    def n_seen(self) -> int:
        """Values seen since the detector was created or reset."""
        return self._n_seen

    # -- updates ---------------------------------------------------------------------------------

    def update(self, x: float) -> None:
        raise NotImplementedError

    def _bad_value(self, x: object, index: int | None = None) -> ColumnError:
        """The error for a value the detector cannot take, at ``index`` of `update_many`'s
        values (or given to `update` when None)."""
        where = "got" if index is None else f"value {index} is"
        if self.binary_input and isinstance(x, float) and math.isfinite(x):
            return ColumnError(
                f"{type(self).__name__} watches an error stream and needs 0/1 values; "
                f"{where} {x!r}."
            )
        return ColumnError(f"{type(self).__name__} needs finite numbers; {where} {x!r}.")

    def _as_array(self, values: ArrayLike) -> NDArray[np.float64]:
        """The values of `update_many` as one contiguous float64 array (not yet checked)."""
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            flat = np.asarray(values, dtype=object).ravel()
            for i, x in enumerate(flat.tolist()):
                try:
                    float(x)
                except (TypeError, ValueError):
                    raise ColumnError(
                        f"{type(self).__name__} needs finite numbers; value {i} is {x!r}."
                    ) from None
            raise ColumnError(f"{type(self).__name__} needs a flat array of numbers.") from None
        if sum(length > 1 for length in arr.shape) > 1:
            # Flattening a table would interleave its columns into one stream without a word;
            # a single row or column (shape (n, 1)) is one stream.
            raise ColumnError(
                f"{type(self).__name__} watches one stream and needs a 1-D array of values; got "
                f"an array of shape {arr.shape}. Pass one column, e.g. values[:, 0]."
            )
        return np.ascontiguousarray(arr.ravel())

    def _check_values(self, values: ArrayLike) -> NDArray[np.float64]:
        """`_as_array`, with every value checked (finite, and 0/1 for an error stream)."""
        arr = self._as_array(values)
        ok = np.isfinite(arr)
        if self.binary_input:
            ok &= (arr == 0.0) | (arr == 1.0)
        if not ok.all():
            bad = int(np.flatnonzero(~ok)[0])
            raise self._bad_value(float(arr[bad]), bad)
        return arr

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array; the same detections as calling `update` on each value."""
        arr = self._check_values(values)
        warnings: list[int] = []
        drifts: list[int] = []
        for i, x in enumerate(arr.tolist()):
            self.update(x)
            if self._warning_detected:
                warnings.append(i)
            if self._drift_detected:
                drifts.append(i)
        return Detections(np.asarray(warnings, np.int64), np.asarray(drifts, np.int64))

    @staticmethod
    def _detections(warnings: Iterable[int], drifts: Iterable[int]) -> Detections:
        return Detections(np.fromiter(warnings, np.int64), np.fromiter(drifts, np.int64))

    # -- persistence -----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Settings and state as JSON-ready data; `from_state_dict` resumes from it."""
        names = ("_n_seen", "_drift_detected", "_warning_detected", *self._state)
        return {
            "detector": type(self).__name__,
            "params": _to_plain(self.get_params()),
            "state": {name: _to_plain(getattr(self, name)) for name in names},
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy go through the JSON-ready state, which the compiled kernels expose.
        return (_restore, (type(self), self.state_dict()))

    @classmethod
    def from_state_dict(cls, data: dict[str, Any]) -> DriftDetector:
        """The detector saved by `state_dict`, resumed; a state that is not one is refused
        with the field at fault named."""
        owner = f"{cls.__name__}.from_state_dict"
        if not isinstance(data, dict) or not {"detector", "params", "state"} <= data.keys():
            raise ParameterError(
                f"{owner} needs the dict made by state_dict(), with 'detector', 'params' and "
                f"'state'; got {_short(data)}."
            )
        if data["detector"] != cls.__name__:
            raise ParameterError(
                f"This state is for {_short(data['detector'])}, not {cls.__name__!r}."
            )
        detector = cls._from_params(data["params"], owner)
        detector._load_state(data["state"], owner)
        return detector

    @classmethod
    def _from_params(cls, params: object, owner: str) -> DriftDetector:
        names = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        if not isinstance(params, dict) or not set(params) <= set(names):
            raise ParameterError(
                f"The 'params' field of the state given to {owner} must be a dict of some of "
                f"{', '.join(map(repr, names))}; got {_short(params)}."
            )
        try:
            return cls(**_from_plain(params))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DriftscopeError):
                raise  # already names the parameter
            raise ParameterError(
                f"The 'params' field of the state given to {owner} is not valid: {exc}"
            ) from None

    def _load_state(self, state: object, owner: str) -> None:
        """Set each saved state field, checked against the fresh detector's."""
        fresh = self.state_dict()["state"]
        if not isinstance(state, dict) or set(state) != set(fresh):
            got = sorted(state) if isinstance(state, dict) else _short(state)
            raise ParameterError(
                f"The 'state' field of the state given to {owner} must be a dict of "
                f"{', '.join(map(repr, fresh))}; got {got}."
            )
        for name, value in state.items():
            expected = _kind(fresh[name])
            problem = f"{_kind(value)} {_short(value)}"
            if _kind(value) == expected:
                try:
                    setattr(self, name, _from_plain(value))
                    continue
                except (KeyError, TypeError, ValueError, OverflowError, IndexError) as exc:
                    problem = f"{_short(value)} ({exc})"
            raise ParameterError(
                f"The state field {name!r} given to {owner} must be a {expected}, as saved by "
                f"state_dict(); got {problem}."
            )


def _kind(value: Any) -> str:
    """The JSON shape of a saved state value, to check a state against a fresh one's."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float) or (isinstance(value, dict) and "__float__" in value):
        return "number"
    if isinstance(value, list) or (
        isinstance(value, dict) and ("__ndarray__" in value or "__deque__" in value)
    ):
        return "sequence"  # saved as a list, a deque or an array: each loads as the others
    if isinstance(value, dict):
        return "dict"
    return "none" if value is None else type(value).__name__


def _short(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: messages never echo a huge value."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _restore(cls: type[DriftDetector], state: dict[str, Any]) -> DriftDetector:
    return cls.from_state_dict(state)
