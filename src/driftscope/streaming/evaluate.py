"""How well a detector does on a stream whose drift points are known."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from driftscope._validate import check_int
from driftscope.exceptions import invalid_parameter

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """Detection quality against known drift points.

    A detection is a *true detection* when it is the first one at or after a drift point and
    before the next drift point (and within ``max_delay`` items, when given); every other
    detection is a *false alarm*.

    - ``mean_delay``: mean items from a drift point to its true detection (NaN if none found);
    - ``false_alarms_per_10k``: false alarms per 10,000 items of the stream;
    - ``recall``: share of drift points detected; ``missed``: drift points not detected;
    - ``mean_time_between_false_alarms``: items of the stream per false alarm (inf if none);
    - ``mean_time_ratio``: MTFA / mean delay x recall (Bifet et al., 2013): larger is better.
    """

    n_items: int
    n_drifts: int
    n_detections: int
    n_true_detections: int
    n_false_alarms: int
    missed: int
    recall: float
    mean_delay: float
    false_alarms_per_10k: float
    mean_time_between_false_alarms: float
    mean_time_ratio: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(
    detections: ArrayLike,
    drift_points: ArrayLike,
    n_items: int,
    *,
    max_delay: int | None = None,
) -> Evaluation:
    """Score detection indices against the indices where the stream really changed.

    References
    ----------
    .. [1] Bifet, A., Read, J., Pfahringer, B., Holmes, G., Žliobaitė, I. (2013). CD-MOA:
       change detection framework for massive online analysis. IDA 2013.

    >>> e = evaluate([120, 480, 1530], drift_points=[100, 1500], n_items=3000)
    >>> e.n_true_detections, e.n_false_alarms, e.mean_delay, e.recall
    (2, 1, 25.0, 1.0)
    """
    check_int("evaluate", "n_items", n_items, low=1)
    check_int("evaluate", "max_delay", max_delay, low=1, allow_none=True)
    found = np.unique(np.asarray(detections, dtype=np.int64))
    points = np.unique(np.asarray(drift_points, dtype=np.int64))
    for name, arr in (("detections", found), ("drift_points", points)):
        if arr.size and (arr[0] < 0 or arr[-1] >= n_items):
            raise invalid_parameter(
                "evaluate",
                name,
                f"indices in [0, {n_items})",
                arr[(arr < 0) | (arr >= n_items)][:3].tolist(),
            )
    ends = np.append(points[1:], n_items)
    if max_delay is not None:
        ends = np.minimum(ends, points + max_delay)
    # The first detection at or after each drift point, if it comes before the window ends.
    first = np.searchsorted(found, points, side="left")
    hit = first < found.size
    hit[hit] = found[first[hit]] < ends[hit]
    delays = found[first[hit]] - points[hit]
    n_true = int(hit.sum())
    n_false = int(found.size - n_true)
    recall = n_true / points.size if points.size else math.nan
    mean_delay = float(delays.mean()) if delays.size else math.nan
    mtfa = n_items / n_false if n_false else math.inf
    if n_true and mean_delay > 0:
        mtr = mtfa / mean_delay * recall
    else:
        mtr = math.inf if n_true and math.isinf(mtfa) else (0.0 if not n_true else math.inf)
    return Evaluation(
        n_items=n_items,
        n_drifts=int(points.size),
        n_detections=int(found.size),
        n_true_detections=n_true,
        n_false_alarms=n_false,
        missed=int(points.size - n_true),
        recall=recall,
        mean_delay=mean_delay,
        false_alarms_per_10k=n_false / n_items * 10_000,
        mean_time_between_false_alarms=mtfa,
        mean_time_ratio=mtr,
    )
