"""The report JSON Schema: real reports validate, broken ones fail, and nothing drifts unseen."""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from driftscope.analyses.concept import ConceptDrift
from driftscope.analyses.model import ModelColumns
from driftscope.analyses.performance import MetricResult, PerformanceResult
from driftscope.analyses.quality import QualityCheck, QualityResult
from driftscope.analyses.results import ColumnDrift, ColumnSummary, DatasetDrift, MultivariateDrift
from driftscope.analyses.verdict import Reason, Verdict
from driftscope.analyses.windows import MetricBand, Window, WindowsResult
from driftscope.data.schema import ColumnSpec
from driftscope.metrics.classification import ReliabilityCurve
from driftscope.metrics.regression import ErrorDistribution
from driftscope.report import SCHEMA_VERSION, Report
from driftscope.report._validate import (
    report_schema,
    validate_quality_report,
    validate_report,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def _defs() -> dict[str, Any]:
    defs: dict[str, Any] = report_schema()["$defs"]
    return defs


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_report_validates(report_dict: dict[str, Any]) -> None:
    validate_report(report_dict)


def test_report_validates_after_a_json_round_trip(report: Report) -> None:
    validate_report(json.loads(report.to_json()))


def test_wide_report_validates(wide_report: Report) -> None:
    validate_report(wide_report.to_dict())


def test_schema_version_is_one_dot_something(report_dict: dict[str, Any]) -> None:
    assert report_dict["schema_version"] == SCHEMA_VERSION
    assert SCHEMA_VERSION.split(".")[0] == "1"


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "missing column field": (
        _drop(("columns", 0, "p_value")),
        "columns/0: 'p_value' is a required",
    ),
    "extra column field": (
        _set(("columns", 1, "pvalue"), 0.1),
        "columns/1: Additional properties are not allowed ('pvalue' was unexpected)",
    ),
    "wrong type count": (_set(("columns", 0, "n_reference"), "12000"), "columns/0/n_reference"),
    "wrong type drifted": (_set(("columns", 2, "drifted"), "no"), "columns/2/drifted"),
    "null where not nullable": (
        _set(("columns", 0, "missing_share_current"), None),
        "columns/0/missing_share_current",
    ),
    "p-value above 1": (_set(("columns", 0, "p_value"), 1.5), "columns/0/p_value"),
    "negative count": (
        _set(("columns", 0, "summary", "reference_counts", 0), -1),
        "columns/0/summary/reference_counts/0",
    ),
    "extra summary field": (_set(("columns", 0, "summary", "bins"), 10), "columns/0/summary"),
    "signals not a list": (_set(("columns", 0, "signals"), "distribution"), "columns/0/signals"),
    "missing dataset field": (_drop(("dataset", "drift_share")), "dataset: 'drift_share'"),
    "multivariate extra field": (_set(("multivariate", 0, "auc"), 0.7), "multivariate/0"),
    "schema column missing kind": (_drop(("schema", "columns", 0, "kind")), "schema/columns/0"),
    "rules not strings": (_set(("rules", "numerical"), 3), "rules/numerical"),
    "warning not a string": (_set(("warnings", 0), {"text": "x"}), "warnings/0"),
    "timing not a number": (_set(("metadata", "timings", "load"), "fast"), "metadata/timings/load"),
    "missing metadata": (_drop(("metadata",)), "'metadata' is a required property"),
    "major version 2": (_set(("schema_version",), "2.0"), "schema_version"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_report_fails_with_its_path(report_dict: dict[str, Any], case: str) -> None:
    edit, expected = BROKEN[case]
    broken = copy.deepcopy(report_dict)
    edit(broken)
    with pytest.raises(jsonschema.ValidationError) as info:
        validate_report(broken)
    assert expected in str(info.value)
    assert str(info.value).startswith("The report does not match report-schema.json (1 problem)")


def test_every_problem_is_listed(report_dict: dict[str, Any]) -> None:
    broken = copy.deepcopy(report_dict)
    for col in broken["columns"]:
        col["drifted"] = "?"
    with pytest.raises(jsonschema.ValidationError) as info:
        validate_report(broken)
    message = str(info.value)
    assert f"({len(broken['columns'])} problems)" in message
    for i in range(len(broken["columns"])):
        assert f"columns/{i}/drifted" in message


def test_missing_jsonschema_gives_an_install_hint(
    monkeypatch: pytest.MonkeyPatch, report_dict: dict[str, Any]
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(ImportError, match=r"pip install 'driftscope\[dev\]'"):
        validate_report(report_dict)


# Each object in the JSON, the dataclass it comes from, and its definition in the schema.
SHAPES: list[tuple[str, type]] = [
    ("column", ColumnDrift),
    ("summary", ColumnSummary),
    ("dataset", DatasetDrift),
    ("multivariate", MultivariateDrift),
    ("column_spec", ColumnSpec),
    ("model", ModelColumns),
    ("performance", PerformanceResult),
    ("metric", MetricResult),
    ("reliability", ReliabilityCurve),
    ("error_distribution", ErrorDistribution),
    ("concept_drift", ConceptDrift),
    ("quality", QualityResult),
    ("quality_check", QualityCheck),
    ("windows", WindowsResult),
    ("window", Window),
    ("metric_band", MetricBand),
    ("verdict", Verdict),
    ("reason", Reason),
]
# Dataclass fields that are deliberately not written to the JSON.
NOT_SERIALIZED = {"reason": {"score"}}


def _serialized_fields(definition: str, cls: type) -> list[dataclasses.Field[Any]]:
    skip = NOT_SERIALIZED.get(definition, set())
    return [f for f in dataclasses.fields(cls) if f.name not in skip]


@pytest.mark.parametrize(("definition", "cls"), SHAPES)
def test_schema_lists_exactly_the_dataclass_fields(definition: str, cls: type) -> None:
    spec = _defs()[definition]
    names = {f.name for f in _serialized_fields(definition, cls)}
    assert set(spec["properties"]) == names
    assert set(spec["required"]) == names
    assert spec["additionalProperties"] is False


def test_a_reason_leaves_out_its_ranking_score() -> None:
    assert set(Reason("quality", "investigate", "m", 0.5).to_dict()) == {
        "source",
        "severity",
        "message",
    }


def _samples(
    report_dict: dict[str, Any], monitor_dict: dict[str, Any], regression: dict[str, Any]
) -> dict[str, Any]:
    """One object of each shape, from the fixture reports."""
    performance = monitor_dict["performance"]
    windows = monitor_dict["windows"]
    return {
        "column": report_dict["columns"][0],
        "summary": report_dict["columns"][0]["summary"],
        "dataset": report_dict["dataset"],
        "multivariate": report_dict["multivariate"][0],
        "column_spec": report_dict["schema"]["columns"][0],
        "model": monitor_dict["model"],
        "performance": performance,
        "metric": performance["metrics"][0],
        "reliability": performance["details"]["current"]["reliability"],
        "error_distribution": regression["performance"]["details"]["current"]["error_distribution"],
        "concept_drift": monitor_dict["concept_drift"],
        "quality": monitor_dict["quality"],
        "quality_check": monitor_dict["quality"]["checks"][0],
        "windows": windows,
        "window": windows["windows"][0],
        "metric_band": next(iter(windows["bands"].values())),
        "verdict": monitor_dict["verdict"],
        "reason": monitor_dict["verdict"]["reasons"][0],
    }


@pytest.mark.parametrize(("definition", "cls"), SHAPES)
def test_nullable_exactly_where_the_dataclass_allows_none(
    report_dict: dict[str, Any],
    monitor_dict: dict[str, Any],
    regression_report: Report,
    definition: str,
    cls: type,
) -> None:
    sample = _samples(report_dict, monitor_dict, regression_report.to_dict())[definition]
    validator = jsonschema.Draft202012Validator({"$defs": _defs(), "$ref": f"#/$defs/{definition}"})
    assert validator.is_valid(sample)
    hints = typing.get_type_hints(cls)
    for field in _serialized_fields(definition, cls):
        allows_none = type(None) in typing.get_args(hints[field.name])
        candidate = {**sample, field.name: None}
        assert validator.is_valid(candidate) == allows_none, field.name


def test_metadata_keys_match_run_metadata(report_dict: dict[str, Any]) -> None:
    spec = _defs()["metadata"]
    assert set(spec["properties"]) == set(report_dict["metadata"]) == set(spec["required"])
    assert set(report_schema()["required"]) == set(report_dict)


# The section of docs/report-schema.md that describes each definition, one table row a field.
DOC_SECTIONS = {
    "metadata": "metadata",
    "column_spec": "schema",
    "column": "columns",
    "summary": "summary",
    "dataset": "dataset",
    "multivariate": "multivariate",
    "model": "model",
    "performance": "performance",
    "metric": "metric",
    "performance_side_details": "details",
    "per_class": "details",
    "reliability": "details",
    "error_distribution": "details",
    "concept_drift": "concept_drift",
    "quality": "quality",
    "quality_check": "quality_check",
    "quality_report": "quality_report",
    "windows": "windows",
    "window": "window",
    "metric_band": "metric_band",
    "verdict": "verdict",
    "reason": "reason",
    "change_points": "change_points",
    "inputs": "inputs",
    "input_files": "input_files",
    "input_problem": "input_problem",
    "input_example": "input_example",
    "embedding_drift": "embedding",
    "embedding_test": "embedding_test",
    "embedding_component": "embedding_component",
    "term_drift": "terms",
    "term_change": "term_change",
    "explanations": "explanations",
    "explanation": "explanation",
    "feature_importance": "feature_importance",
    "row_explanation": "row_explanation",
    "contribution": "contribution",
    "dependence": "dependence",
    "explain_bounds": "explain_bounds",
    "image_explanation": "image_explanation",
    "explained_image": "explained_image",
    "image_region": "image_region",
    "image_explain_bounds": "image_explain_bounds",
    "text_explanation": "text_explanation",
    "token_importance": "token_importance",
    "text_row_explanation": "text_row_explanation",
    "token_weight": "token_weight",
    "text_explain_bounds": "text_explain_bounds",
    "loss_attribution": "loss_attribution",
    "feature_contribution": "feature_contribution",
    "importance_weighted_drift": "importance_weighted_drift",
    "weighted_drift": "weighted_drift",
    "prediction_attribution": "prediction_attribution",
    "feature_shift": "feature_shift",
    "estimated_performance": "estimated_performance",
    "estimation_window": "estimation_window",
    "estimated_metric": "estimated_metric",
    "estimate_check": "estimate_check",
    "estimation_calibration": "estimation_calibration",
    "feedback": "feedback",
    "feedback_window": "feedback_window",
    "feedback_segment": "feedback_segment",
    "feedback_proxy": "feedback_proxy",
    "word_count": "word_count",
    "shadow": "shadow",
    "agreement": "agreement",
    "output_divergence": "output_divergence",
    "shadow_window": "shadow_window",
    "segment_disagreement": "segment_disagreement",
    "who_was_right": "who_was_right",
    "ab_test": "ab_test",
    "metric_difference": "metric_difference",
    "split_check": "split_check",
    "profiles": "profiles",
    "profile_side": "profile_side",
}


def _doc_sections(text: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            sections.setdefault(title, "")
        else:
            sections[title] = sections.get(title, "") + line + "\n"
    return sections


def test_docs_describe_every_field() -> None:
    text = DOCS.read_text(encoding="utf-8")
    defs = _defs()
    top = sorted(n for n in report_schema()["properties"] if f"| `{n}` |" not in text)
    assert not top, f"docs/report-schema.md does not describe: {top}"
    # Every definition with properties is documented, each field in its own section's table
    # ("schema" only wraps `columns`, described in prose).
    objects = {name for name, spec in defs.items() if "properties" in spec}
    assert set(DOC_SECTIONS) | {"schema"} == objects
    sections = _doc_sections(text)
    missing = []
    for definition, title in DOC_SECTIONS.items():
        body = sections.get(title, "")
        missing += [
            f"{title}: {field}"
            for field in defs[definition]["properties"]
            if f"| `{field}` |" not in body
        ]
    assert not missing, f"docs/report-schema.md does not describe: {missing}"


def test_a_real_run_validates() -> None:
    # The contract end to end: whatever the analyses produce must match the published schema.
    import numpy as np
    import pandas as pd

    import driftscope

    rng = np.random.default_rng(0)
    n = 600

    def frame(shift: float, categories: list[str], missing: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "x": rng.normal(shift, size=n),
                "c": rng.choice(categories, n),
                "m": np.where(rng.random(n) < missing, np.nan, rng.normal(size=n)),
                "id": np.arange(n),
            }
        )

    report = driftscope.compare(frame(0.0, ["a", "b", "c"], 0.1), frame(0.5, ["a", "b", "d"], 0.3))
    data = json.loads(report.to_json())
    validate_report(data)
    assert {c["name"] for c in data["columns"]} >= {"x", "c", "m"}
    assert data["multivariate"], "the default run includes the multivariate tests"


# ---------------------------------------------------------------------------------------------
# monitoring reports


def test_every_monitor_fixture_validates(any_monitor_report: Report) -> None:
    validate_report(any_monitor_report.to_dict())
    validate_report(json.loads(any_monitor_report.to_json()))


def test_a_drift_only_report_has_every_monitoring_section_null(compare_report: Report) -> None:
    data = json.loads(compare_report.to_json())
    validate_report(data)
    for key in ("model", "performance", "concept_drift", "quality", "windows", "verdict"):
        assert data[key] is None, key


def test_the_fixtures_cover_every_section(
    monitor_dict: dict[str, Any], regression_report: Report, unlabelled_report: Report
) -> None:
    # The schema tests above are only as strong as the fixtures: make sure they hold the
    # interesting cases, not empty lists.
    assert monitor_dict["verdict"]["decision"] == "retrain"
    assert monitor_dict["concept_drift"]["drifted"] is True
    assert any(w["too_small"] for w in monitor_dict["windows"]["windows"])
    assert any(w["out_of_band"] for w in monitor_dict["windows"]["windows"])
    assert monitor_dict["windows"]["bands"]
    assert {c["status"] for c in monitor_dict["quality"]["checks"]} >= {"ok", "warning"}
    assert "reliability" in monitor_dict["performance"]["details"]["current"]
    regression = regression_report.to_dict()
    assert "error_distribution" in regression["performance"]["details"]["reference"]
    unlabelled = unlabelled_report.to_dict()
    assert unlabelled["model"] is not None
    assert unlabelled["performance"] is None
    assert unlabelled["verdict"] is not None


def test_performance_details_keys_are_all_documented(any_monitor_report: Report) -> None:
    performance = any_monitor_report.to_dict()["performance"]
    if performance is None:
        return
    known = set(_defs()["performance_side_details"]["properties"])
    assert set(performance["details"]) <= {"reference", "current"}
    for side in performance["details"].values():
        assert set(side) <= known


MONITOR_BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "unknown decision": (_set(("verdict", "decision"), "maybe"), "verdict/decision"),
    "reason with its score": (_set(("verdict", "reasons", 0, "score"), 0.3), "verdict/reasons/0"),
    "reason without a source": (_drop(("verdict", "reasons", 1, "source")), "verdict/reasons/1"),
    "model probabilities not a list": (
        _set(("model", "probabilities"), "proba_1"),
        "model/probabilities",
    ),
    "unknown task": (_set(("model", "task"), "ranking"), "model/task"),
    "performance as a list": (_set(("performance",), []), "performance"),
    "extra metric field": (_set(("performance", "metrics", 0, "p_value"), 0.1), "metrics/0"),
    "metric status unknown": (
        _set(("performance", "metrics", 2, "status"), "bad"),
        "performance/metrics/2/status",
    ),
    "negative confusion count": (
        _set(("performance", "details", "current", "confusion_matrix", 0, 0), -1),
        "performance/details/current/confusion_matrix/0/0",
    ),
    "extra reliability field": (
        _set(("performance", "details", "reference", "reliability", "bins"), 10),
        "performance/details/reference/reliability",
    ),
    "concept p-value above 1": (_set(("concept_drift", "p_value"), 2.0), "concept_drift/p_value"),
    "concept without its message": (_drop(("concept_drift", "message")), "concept_drift"),
    "quality check without status": (
        _drop(("quality", "checks", 0, "status")),
        "quality/checks/0",
    ),
    "quality status unknown": (_set(("quality", "status"), "fine"), "quality/status"),
    "window drift share above 1": (
        _set(("windows", "windows", 0, "drift_share"), 1.5),
        "windows/windows/0/drift_share",
    ),
    "window metric not a number": (
        _set(("windows", "windows", 0, "metrics", "accuracy"), "high"),
        "windows/windows/0/metrics/accuracy",
    ),
    "band without its low end": (
        _drop(("windows", "bands", "accuracy", "low")),
        "windows/bands/accuracy",
    ),
}


@pytest.mark.parametrize("case", sorted(MONITOR_BROKEN))
def test_broken_monitor_report_fails_with_its_path(monitor_dict: dict[str, Any], case: str) -> None:
    edit, expected = MONITOR_BROKEN[case]
    broken = copy.deepcopy(monitor_dict)
    validate_report(broken)
    edit(broken)
    with pytest.raises(jsonschema.ValidationError) as info:
        validate_report(broken)
    assert expected in str(info.value)
    assert str(info.value).startswith("The report does not match report-schema.json (1 problem)")


# ---------------------------------------------------------------------------------------------
# the quality JSON (`driftscope quality --json`)


def _quality_json(tmp_path: Path) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from driftscope.cli import main

    rng = np.random.default_rng(3)
    for name, shift in (("ref.csv", 0.0), ("cur.csv", 2.0)):
        pd.DataFrame({"x": rng.normal(shift, size=300), "c": rng.choice(["a", "b"], 300)}).to_csv(
            tmp_path / name, index=False
        )
    out = tmp_path / "q.json"
    argv = [
        "quality",
        str(tmp_path / "ref.csv"),
        str(tmp_path / "cur.csv"),
        "-q",
        "--json",
        str(out),
        "-o",
        str(tmp_path / "q.html"),
    ]
    assert main(argv) == 0
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def test_the_quality_json_carries_the_report_schema_version_and_validates(
    tmp_path: Path,
) -> None:
    data = _quality_json(tmp_path)
    assert data["schema_version"] == SCHEMA_VERSION
    assert next(iter(data)) == "schema_version"
    validate_quality_report(data)
    assert f"report schema {SCHEMA_VERSION}" in (tmp_path / "q.html").read_text()
    spec = _defs()["quality_report"]
    assert set(spec["properties"]) == set(spec["required"]) == set(data)


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (_drop(("schema_version",)), "'schema_version' is a required property"),
        (_set(("schema_version",), "2.0"), "schema_version"),
        (_set(("quality", "checks", 0, "status"), "fine"), "quality/checks/0/status"),
        (_set(("extra",), 1), "('extra' was unexpected)"),
    ],
    ids=["no-version", "major-2", "bad-status", "extra-field"],
)
def test_a_broken_quality_json_fails_with_its_path(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], where: str
) -> None:
    data = _quality_json(tmp_path)
    edit(data)
    with pytest.raises(
        jsonschema.ValidationError, match="The quality report does not match"
    ) as info:
        validate_quality_report(data)
    assert where in str(info.value)
