"""The explanations section's view model and markup (`report/html.py`,
templates/sections/explanations.html): numbers formatted, bars scaled, the error case, the nav's
badge, and the standalone page of `driftscope explain -o`."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from driftscope.report import Report
from driftscope.report.html import (
    _body,
    _explained_badge,
    _explanation_data,
    _explanations_section,
    _nav,
    _Tone,
    render_explanation_html,
    render_html,
)

HOSTILE = "<b>age</b> & 'x'"


def _explanation() -> dict[str, Any]:
    """An explanation dict in the shape of `Explanation.to_dict()`, small enough to check by
    hand: three features, one row, one dependence (categorical values)."""
    return {
        "explainer": "permutation",
        "model": "model.skops",
        "outputs": ["probability of class '1'"],
        "features": [HOSTILE, "fare", "deck"],
        "base_values": [0.4],
        "importance": [
            {
                "feature": "fare",
                "reference": 0.1,
                "current": 0.25,
                "change": 0.15,
                "reference_rank": 2,
                "current_rank": 1,
            },
            {
                "feature": HOSTILE,
                "reference": 0.2,
                "current": 0.125,
                "change": -0.075,
                "reference_rank": 1,
                "current_rank": 2,
            },
            {
                "feature": "deck",
                "reference": 0.0,
                "current": 0.00001234,
                "change": 0.00001234,
                "reference_rank": 3,
                "current_rank": 3,
            },
        ],
        "rows": [
            {
                "side": "current",
                "row": 17,
                "output": "probability of class '1'",
                "value": 0.9,
                "base_value": 0.4,
                "prediction": 1,
                "actual": 0,
                "loss": 2.302585,
                "contributions": [
                    {"feature": "fare", "value": 512.3292, "contribution": 0.6},
                    {"feature": HOSTILE, "value": 3.0, "contribution": -0.15},
                    {"feature": "deck", "value": "C", "contribution": 0.05},
                ],
            }
        ],
        "dependence": [
            {
                "feature": "deck",
                "reference": {"values": ["A", "B"], "attributions": [0.0, 0.01]},
                "current": {"values": ["C", True], "attributions": [0.02, -0.01]},
            }
        ],
        "bounds": {
            "reference_rows": 100,
            "reference_total": 2500,
            "current_rows": 80,
            "current_total": 80,
            "background_rows": 50,
            "evaluations_per_row": 7,
        },
        "additivity": 2.5e-16,
        "warnings": ["The reference has a constant feature: deck."],
    }


def test_numbers_are_formatted_and_bars_scaled() -> None:
    section = _explanations_section({"explanations": {"explanation": _explanation()}})
    assert section is not None
    assert section.error is None
    assert section.explainer == "SHAP, permutation (sampled)"
    assert section.bounds == (
        "100 of 2,500 reference rows and 80 of 80 current rows explained; 50 background rows; "
        "7 model evaluations per row"
    )
    fare, hostile, deck = section.importance
    assert (fare.reference.shown, fare.current.shown, fare.change.shown) == ("0.1", "0.25", "+0.15")
    assert fare.change.exact == "0.15"
    assert (hostile.change.shown, deck.current.shown) == ("-0.075", "1.23e-05")
    # One scale for both sides: the largest importance (fare on current) is the full bar.
    assert (fare.reference_bar, fare.current_bar) == ("40.0%", "100.0%")
    assert (hostile.reference_bar, deck.reference_bar) == ("80.0%", "0.0%")
    assert (fare.rose, hostile.rose) == (True, False)
    (row,) = section.rows
    assert (row.side, row.row, row.prediction, row.actual) == ("current", "17", "1", "0")
    assert (row.loss, row.value, row.base_value) == ("2.303", "0.9", "0.4")
    first, second, third = row.contributions
    assert (first.contribution.shown, first.positive, first.bar) == ("+0.6", True, "100.0%")
    assert (second.contribution.shown, second.positive, second.bar) == ("-0.15", False, "25.0%")
    assert (first.value, third.value) == ("512.3", "C")
    assert section.additivity == (
        "base value + attributions = output within 2.5e-16 on every explained row"
    )
    assert section.warnings == ("The reference has a constant feature: deck.",)
    assert [c.k for c in section.dependence] == [0]


def test_the_table_shows_fifteen_features_and_folds_the_rest() -> None:
    explanation = _explanation()
    template = explanation["importance"][0]
    explanation["importance"] = [
        {**template, "feature": f"f{i}", "current": 1.0 / (i + 1), "current_rank": i + 1}
        for i in range(20)
    ]
    section = _explanations_section({"explanations": {"explanation": explanation}})
    assert section is not None
    assert [i.feature for i in section.importance] == [f"f{i}" for i in range(15)]
    assert [i.feature for i in section.more_importance] == [f"f{i}" for i in range(15, 20)]
    data = _explanation_data(explanation)
    assert data is not None
    assert data["features"] == [f"f{i}" for i in range(15)]


def test_a_reference_alone_has_no_current_side() -> None:
    explanation = _explanation()
    explanation["bounds"].update(current_rows=0, current_total=0, evaluations_per_row=None)
    for item in explanation["importance"]:
        item.update(current=None, change=None, current_rank=None)
    section = _explanations_section({"explanations": {"explanation": explanation}})
    assert section is not None
    assert not section.has_current
    assert section.bounds.endswith(
        "(no current data); 50 background rows; exact attributions (no sampled evaluations)"
    )
    assert section.importance[0].current.shown == "—"
    assert _explained_badge({"explanation": explanation}).text == "explained"
    data = _explanation_data(explanation)
    assert data is not None
    assert data["current"] is None


def test_categorical_dependence_goes_on_a_category_axis() -> None:
    data = _explanation_data(_explanation())
    assert data is not None
    (deck,) = data["dependence"]
    assert deck["categorical"] is True
    assert deck["current"]["values"] == ["C", "True"]
    numeric = _explanation()
    numeric["dependence"][0]["reference"]["values"] = [1.5, 2]
    numeric["dependence"][0]["current"]["values"] = [3, None]
    data = _explanation_data(numeric)
    assert data is not None
    assert data["dependence"][0]["categorical"] is False


def test_the_error_case_shows_the_reason_and_nothing_else() -> None:
    explanations = {"explanation": None, "error": "The model file <m.skops> does not load."}
    section = _explanations_section({"explanations": explanations})
    assert section is not None
    assert section.error == "The model file <m.skops> does not load."
    assert section.importance == ()
    assert section.rows == ()
    assert section.importance_chart is None
    badge = _explained_badge(explanations)
    assert (badge.tone, badge.text) == (_Tone.WARN, "not made")


@pytest.mark.parametrize(
    ("changes", "text", "tone"),
    [
        ([0.1, 0.3, -0.5], "b rose most", _Tone.SKIP),
        ([-0.1, 0.0, -0.2], "explained", _Tone.OK),
        ([None, None, None], "explained", _Tone.OK),
    ],
)
def test_the_nav_badge_names_the_feature_that_rose_most(
    changes: list[float | None], text: str, tone: _Tone
) -> None:
    importance = [{"feature": f, "change": c} for f, c in zip("abc", changes, strict=True)]
    badge = _explained_badge({"explanation": {"importance": importance}})
    assert (badge.text, badge.tone) == (text, tone)


def test_the_nav_lists_explanations_only_when_the_report_has_them(
    monitor_dict: dict[str, Any],
) -> None:
    assert "explanations" not in [j.target for j in _nav(monitor_dict)]
    assert _body(monitor_dict, monitoring=True).explanations is None
    with_section = copy.deepcopy(monitor_dict)
    with_section["explanations"] = {"explanation": _explanation(), "error": None}
    jumps = {j.target: j for j in _nav(with_section)}
    badge = jumps["explanations"].badge
    assert badge is not None
    assert badge.text == "fare rose most"
    targets = list(jumps)
    assert targets.index("explanations") == targets.index("drift") - 1


def test_the_section_is_escaped_and_linkable(monitor_dict: dict[str, Any]) -> None:
    report = copy.deepcopy(monitor_dict)
    report["explanations"] = {"explanation": _explanation(), "error": None}
    page = render_html(report)
    assert page.count('data-section="explanations" id="explanations"') == 1
    assert '<button type="button" class="ds-jump" data-target="explanations">' in page
    assert HOSTILE not in page
    assert "&lt;b&gt;age&lt;/b&gt; &amp; &#x27;x&#x27;" in page
    assert 'style="width: 100.0%"' in page
    assert "The reference has a constant feature: deck." in page
    report["explanations"] = {"explanation": None, "error": "No <model>."}
    page = render_html(report)
    assert "The model could not be explained: No &lt;model&gt;." in page
    assert "ds-importance-table" not in page


def test_the_standalone_page_has_the_section_alone(explained_report: Report) -> None:
    assert explained_report.explanations is not None
    explanation = explained_report.explanations.to_dict()["explanation"]
    page = render_explanation_html(explanation, "ref <1>.csv", None)
    assert "<h1>driftscope explanation report</h1>" in page
    assert "reference ref &lt;1&gt;.csv · current —" in page
    assert page.count('data-section="explanations"') == 1
    assert '<section class="ds-section" data-section="drift"' not in page
    assert 'data-ds-monitor="1"' in page
    # The worst row first, as the explanation lists them.
    assert f"{explanation['rows'][0]['side']} row {explanation['rows'][0]['row']}" in page


def test_the_explained_report_names_mean_radius(explained_report: Report) -> None:
    """The built case: scaling "mean radius" by 1.3 on current makes it the feature whose
    importance rose most, and the nav says so."""
    report = explained_report.to_dict()
    jumps = {j.target: j for j in _nav(report)}
    badge = jumps["explanations"].badge
    assert badge is not None
    assert badge.text == "mean radius rose most"
    section = _explanations_section(report)
    assert section is not None
    assert section.importance[0].feature == "mean radius"
    assert section.additivity is not None


def test_lime_has_no_base_value_and_no_additivity_line(monitor_dict: dict[str, Any]) -> None:
    explanation = _explanation()
    explanation.update(explainer="lime", base_values=None, additivity=None)
    explanation["rows"][0]["base_value"] = None
    section = _explanations_section({"explanations": {"explanation": explanation}})
    assert section is not None
    assert section.explainer == "LIME (local surrogate)"
    assert section.additivity is None
    assert section.rows[0].base_value == "—"
    report = copy.deepcopy(monitor_dict)
    report["explanations"] = {"explanation": explanation, "error": None}
    page = render_html(report)
    assert "Additivity check" not in page
    assert "from base —" in page
