"""Mergeable per-column profiles: numpy arrays in, frozen summaries out.

Each profile type has ``merge(other)`` (pure, associative and commutative: exact parts exactly,
sketched parts within their documented bounds), ``to_dict()`` for JSON, and ``to_state()`` /
``from_state()`` for the binary format of `driftscope.Profile` (docs/profiles.md).
"""

from driftscope.profiles._moments import Moments
from driftscope.profiles._settings import ProfileSettings
from driftscope.profiles.categorical import BooleanProfile, CategoricalProfile
from driftscope.profiles.model import ConfusionCounts, ModelProfile, RegressionSums
from driftscope.profiles.numerical import DatetimeProfile, NumericalProfile
from driftscope.profiles.text import TextProfile

#: Any one column's profile.
ColumnProfile = (
    NumericalProfile | DatetimeProfile | CategoricalProfile | BooleanProfile | TextProfile
)

#: Each column profile type by the ``kind`` it is saved under.
PROFILE_TYPES: dict[str, type[ColumnProfile]] = {
    cls.kind: cls
    for cls in (NumericalProfile, DatetimeProfile, CategoricalProfile, BooleanProfile, TextProfile)
}

__all__ = [
    "PROFILE_TYPES",
    "BooleanProfile",
    "CategoricalProfile",
    "ColumnProfile",
    "ConfusionCounts",
    "DatetimeProfile",
    "ModelProfile",
    "Moments",
    "NumericalProfile",
    "ProfileSettings",
    "RegressionSums",
    "TextProfile",
]
