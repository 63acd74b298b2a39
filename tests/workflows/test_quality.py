"""`workflows.quality`: the data-quality checks alone, as a typed result."""

from __future__ import annotations

import numpy as np
import pandas as pd

from driftscope.analyses.quality import QualityResult
from driftscope.report._validate import validate_quality_report
from driftscope.workflows.quality import QualityReport, quality_report


def test_quality_report_is_typed_and_its_json_is_the_documented_shape() -> None:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(["a", "b"], 500)})
    current = reference.copy()
    current.loc[:199, "x"] = np.nan  # 40% missing where the reference had none
    found = quality_report(reference, current)
    assert isinstance(found, QualityReport)
    assert isinstance(found.quality, QualityResult)
    assert found.status == "alert"
    assert (found.reference, found.current) == ("DataFrame", "DataFrame")
    data = found.to_dict()
    validate_quality_report(data)
    assert next(iter(data)) == "schema_version"
    assert data["quality"]["status"] == found.status
