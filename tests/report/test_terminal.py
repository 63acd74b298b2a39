"""The terminal summary: the verdict first for a monitoring report, within 100 columns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rich.console import Console

from driftscope.report import Report
from driftscope.report.terminal import render_terminal


def _text(data: dict[str, Any], width: int = 120) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(render_terminal(data))
    return console.export_text()


def _styled(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, style) of every styled segment, to check the colours."""
    console = Console(width=120, color_system="truecolor", force_terminal=True)
    segments = console.render(render_terminal(data), console.options)
    return [(s.text, str(s.style)) for s in segments if s.style is not None and s.text.strip()]


def test_monitoring_report_starts_with_the_verdict(monitor_dict: dict[str, Any]) -> None:
    text = _text(monitor_dict)
    verdict = monitor_dict["verdict"]
    lines = text.splitlines()
    assert "driftscope verdict" in lines[0]
    assert (
        lines[1].lstrip("│ ").startswith("RETRAIN  Retrain: the model's performance has dropped.")
    )
    order = [
        text.index("RETRAIN"),
        text.index("Performance (binary classification)"),
        text.index("DATASET DRIFT"),
        text.index("Drifted columns"),
        text.index("Warnings"),
    ]
    assert order == sorted(order)
    flat = " ".join(text.replace("│", " ").split())
    for i, reason in enumerate(verdict["reasons"][:5], start=1):
        source = reason["source"].replace("_", " ")
        assert f"{i}. {reason['severity']} [{source}] {reason['message']}" in flat
    assert "│ 6. " not in text[: text.index("Performance (")]
    assert f"... and {len(verdict['reasons']) - 5} more reasons" in text


def test_decision_is_coloured(monitor_dict: dict[str, Any]) -> None:
    styles = dict(_styled(monitor_dict))
    assert styles["RETRAIN"] == "bold red"
    monitor_dict["verdict"]["decision"] = "investigate"
    assert dict(_styled(monitor_dict))["INVESTIGATE"] == "bold yellow"
    monitor_dict["verdict"]["decision"] = "ok"
    assert dict(_styled(monitor_dict))["OK"] == "bold green"


def test_performance_table_lists_the_primary_metrics(monitor_dict: dict[str, Any]) -> None:
    text = _text(monitor_dict)
    table = text[text.index("Performance (") : text.index("DATASET DRIFT")]
    assert "95% CI" in table
    primary = [m for m in monitor_dict["performance"]["metrics"] if m["primary"]]
    others = [m for m in monitor_dict["performance"]["metrics"] if not m["primary"]]
    for metric in primary:
        row = next(line for line in table.splitlines() if f" {metric['label']} " in line)
        assert f"{metric['reference']:.3f}" in row
        assert f"{metric['current']:.3f}" in row
        assert f"[{metric['current_low']:.3f}, {metric['current_high']:.3f}]" in row
        assert f"{metric['relative_change']:+.1%}" in row
        assert metric["status"] in row
    for metric in others:
        assert f" {metric['label']} " not in table


@pytest.mark.parametrize("width", [80, 100, 160, 240])
def test_monitoring_output_fits_in_100_columns(any_monitor_report: Report, width: int) -> None:
    text = _text(json.loads(any_monitor_report.to_json()), width=width)
    assert max(len(line) for line in text.splitlines()) <= min(width, 100)


def test_unlabelled_report_says_performance_was_not_measured(unlabelled_report: Report) -> None:
    text = _text(unlabelled_report.to_dict())
    assert text.index("INVESTIGATE") < text.index("Performance: not measured")
    assert "Performance (" not in text


def test_drift_report_is_unchanged(compare_report: Report, report_dict: dict[str, Any]) -> None:
    for data in (compare_report.to_dict(), report_dict):
        text = _text(data, width=200)
        assert "verdict" not in text
        assert text.lstrip().startswith("╭")
        assert "DATASET DRIFT" in text.splitlines()[1]


def test_user_strings_are_not_read_as_markup(
    monitor_dict: dict[str, Any], report_dict: dict[str, Any]
) -> None:
    evil = "[bold red]x[/bold red] [link=file:///etc]y[/link]"
    monitor_dict["verdict"]["reasons"][0]["message"] = evil
    monitor_dict["verdict"]["summary"] = evil
    monitor_dict["performance"]["metrics"][0]["label"] = evil
    monitor_dict["columns"][0]["name"] = evil
    text = _text(monitor_dict, width=100)
    # Summary, reason, metric label and column name, each shown literally.
    assert text.count("[bold red]x[/bold red]") == 4
    assert text.count("[/link]") == 4
    report_dict["columns"][0]["name"] = evil
    assert evil in _text(report_dict, width=200)
