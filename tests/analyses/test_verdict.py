"""`analyses.verdict`: the decision is the most severe reason, reasons ranked, summary worded."""

from __future__ import annotations

import pytest

from driftscope.analyses.verdict import INVESTIGATE, OK, RETRAIN, Reason, decide


def test_no_reason_is_ok_and_the_note_is_added() -> None:
    verdict = decide([], note="two features drifted on their own tests")
    assert verdict.decision == OK
    assert verdict.reasons == ()
    assert verdict.summary.endswith("Two features drifted on their own tests")


def test_the_most_severe_reason_decides_and_leads() -> None:
    reasons = [
        Reason("data_drift", INVESTIGATE, "3 of 10 features drifted", 0.3),
        Reason("performance", RETRAIN, "F1 fell", 0.1),
        Reason("quality", INVESTIGATE, "missing values", 0.9),
    ]
    verdict = decide(reasons)
    assert verdict.decision == RETRAIN
    # Severity first, then size within a severity.
    assert [r.source for r in verdict.reasons] == ["performance", "quality", "data_drift"]
    assert verdict.summary.startswith("Retrain: the model's performance has dropped. F1 fell")


def test_ok_reasons_are_not_dropped_by_decide_but_do_not_raise_the_decision() -> None:
    verdict = decide([Reason("performance", OK, "fine", 0.0)])
    assert verdict.decision == OK


@pytest.mark.parametrize(
    ("decision", "level", "expected"),
    [
        (OK, OK, True),
        (OK, INVESTIGATE, False),
        (INVESTIGATE, INVESTIGATE, True),
        (INVESTIGATE, RETRAIN, False),
        (RETRAIN, INVESTIGATE, True),
    ],
)
def test_at_least_orders_the_decisions(decision: str, level: str, expected: bool) -> None:
    verdict = decide([Reason("x", decision, "m", 0.0)] if decision != OK else [])
    assert verdict.at_least(level) is expected


def test_the_verdict_serialises_its_reasons_in_order() -> None:
    verdict = decide([Reason("a", INVESTIGATE, "first", 0.2), Reason("b", INVESTIGATE, "2nd", 0.5)])
    data = verdict.to_dict()
    assert data["decision"] == INVESTIGATE
    assert [r["source"] for r in data["reasons"]] == ["b", "a"]
    assert data["summary"] == verdict.summary


def test_the_monitoring_verdict_counts_features_beyond_chance_only() -> None:
    import numpy as np
    import pandas as pd

    from driftscope.analyses.drift import DriftSettings, run_drift
    from driftscope.analyses.model import ModelColumns
    from driftscope.analyses.verdict import monitoring_verdict
    from driftscope.data.infer import infer_schema

    rng = np.random.default_rng(0)
    ref = pd.DataFrame(rng.normal(size=(3000, 4)), columns=list("abcd"))
    cur = pd.DataFrame(rng.normal(size=(3000, 4)), columns=list("abcd"))
    none = ModelColumns(None, None, None, (), (), None, None, "no target or prediction")
    schema, _ = infer_schema(ref, cur)
    quiet, _ = run_drift(ref, cur, schema, DriftSettings(multivariate=False))
    assert monitoring_verdict(quiet, None, None, None, None, None, none).decision == OK
    cur["a"] += 0.5
    moved, _ = run_drift(ref, cur, schema, DriftSettings(multivariate=False))
    verdict = monitoring_verdict(moved, None, None, None, None, None, none)
    assert verdict.decision == INVESTIGATE
    assert verdict.reasons[0].source == "data_drift"
    assert "'a'" in verdict.reasons[0].message


def test_the_largest_drift_starts_its_own_sentence_after_the_dataset_headline() -> None:
    import numpy as np
    import pandas as pd

    from driftscope.analyses.drift import DriftSettings, run_drift
    from driftscope.analyses.model import ModelColumns
    from driftscope.analyses.verdict import monitoring_verdict
    from driftscope.data.infer import infer_schema

    rng = np.random.default_rng(1)
    ref = pd.DataFrame(rng.normal(size=(2000, 3)), columns=list("abc"))
    cur = pd.DataFrame(rng.normal(size=(2000, 3)), columns=list("abc"))
    cur[["a", "b"]] += [0.3, 0.8]
    none = ModelColumns(None, None, None, (), (), None, None, "no target or prediction")
    schema, _ = infer_schema(ref, cur)
    drift, _ = run_drift(ref, cur, schema, DriftSettings(multivariate=False))
    assert drift.dataset.drifted
    message = monitoring_verdict(drift, None, None, None, None, None, none).reasons[0].message
    assert message.startswith(drift.dataset.summary)
    assert message.endswith(" Largest drift in 'b', wasserstein_normed 0.77."), message
