"""A compact terminal summary: the verdict, the drifted columns, and the warnings.

A monitoring report (`driftscope.monitor`) starts with the model verdict and its top reasons,
then the primary performance metrics, then the drift summary, all within 100 columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.constrain import Constrain
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from driftscope.report._bounds import bound_half_width
from driftscope.report.comparison_terminal import render_comparison
from driftscope.report.estimation_terminal import render_estimate
from driftscope.report.explanation_terminal import render_explanation, render_text_explanation
from driftscope.report.feedback_terminal import render_feedback
from driftscope.report.image_explanation_terminal import render_image_explanation

__all__ = ["render_terminal"]

_MAX_ROWS = 25
_MAX_REASONS = 5
_WIDTH = 100
_MONITOR_KEYS = ("model", "performance", "concept_drift", "quality", "windows", "verdict")
_DECISION_STYLE = {"retrain": "bold red", "investigate": "bold yellow", "ok": "bold green"}
_STATUS_STYLE = {"alert": "bold red", "warning": "yellow", "ok": "green", "skipped": "dim"}
_SEVERITY_STYLE = {"retrain": "red", "investigate": "yellow", "ok": "green"}
# Short labels so the table fits an 80-column terminal; the legend is printed below it.
_SHORT = {
    "wasserstein_normed": "W/sd",
    "tv": "TV",
    "distribution": "dist",
    "missing_share": "missing",
    "unseen_categories": "unseen",
}


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def multivariate_line(mv: Mapping[str, Any]) -> str:
    """One whole-table test: its p-value against its level, the effect against its floor."""
    p, level = mv.get("p_value"), mv.get("threshold")
    effect, floor = mv.get("effect_size"), mv.get("effect_size_threshold")
    text = f"{mv['method']}: statistic {_num(mv.get('statistic'))}, p = {_num(p)}"
    if p is None or level is None:
        return text + " (not tested)"
    significant = p < level
    text += f" {'<' if significant else '>='} {level:g}"
    if effect is not None and floor is not None:
        text += f", AUC {effect:.2f} {'>=' if effect >= floor else '<'} {floor:g}"
    if mv.get("drifted"):
        return text + " (drift)"
    if significant:
        return text + " (significant, too small to matter)"
    return text + " (no drift)"


def _verdict(report: Mapping[str, Any]) -> RenderableType:
    """The model verdict: the decision in colour, the summary, and the top reasons."""
    verdict: Mapping[str, Any] = report.get("verdict") or {}
    decision = str(verdict.get("decision") or "no verdict")
    text = Text()
    text.append(decision.upper(), style=_DECISION_STYLE.get(decision, "bold"))
    summary = verdict.get("summary")
    if summary:
        text.append(f"  {summary}")
    reasons = verdict.get("reasons") or []
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for i, reason in enumerate(reasons[:_MAX_REASONS], start=1):
        severity = str(reason.get("severity"))
        grid.add_row(
            Text(f"{i}."),
            Text(severity, style=_SEVERITY_STYLE.get(severity, "")),
            Text.assemble(
                (f"[{str(reason.get('source', '')).replace('_', ' ')}] ", "dim"),
                str(reason.get("message", "")),
            ),
        )
    parts: list[RenderableType] = [text]
    if reasons:
        parts.append(grid)
    if len(reasons) > _MAX_REASONS:
        parts.append(Text(f"... and {len(reasons) - _MAX_REASONS} more reasons", style="dim"))
    return Panel(Group(*parts), title="driftscope verdict", title_align="left", expand=False)


def _confidence(report: Mapping[str, Any]) -> str:
    settings = (report.get("metadata") or {}).get("settings") or {}
    level = (settings.get("performance") or {}).get("confidence")
    if isinstance(level, int | float) and not isinstance(level, bool) and 0 < level < 1:
        return f"{level * 100:g}% CI"
    return "CI"


def _performance(report: Mapping[str, Any]) -> RenderableType | None:
    """The primary metrics, reference against current with the current interval."""
    performance: Mapping[str, Any] | None = report.get("performance")
    if performance is None:
        if report.get("model") is None:
            return None
        return Text("Performance: not measured (no target, or no labelled current rows).", "dim")
    metrics = [m for m in performance.get("metrics") or [] if m.get("primary")]
    if not metrics:
        metrics = list(performance.get("metrics") or [])[:3]
    task = str(performance.get("task") or "").replace("_", " ")
    table = Table(title=f"Performance ({task})", title_justify="left")
    for header, justify in (
        ("metric", "left"),
        ("reference", "right"),
        ("current", "right"),
        (_confidence(report), "right"),
        ("change", "right"),
        ("status", "left"),
    ):
        table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for m in metrics:
        low, high = m.get("current_low"), m.get("current_high")
        ci = "-" if low is None or high is None else f"[{_num(low)}, {_num(high)}]"
        status = str(m.get("status"))
        table.add_row(
            Text(str(m.get("label") or m.get("name"))),
            _num(m.get("reference")),
            _num(m.get("current")),
            ci,
            _change(m),
            Text(status, style=_STATUS_STYLE.get(status, "")),
        )
    lines = [
        f"{performance.get('n_current_labelled', 0):,} labelled current rows; "
        f"overall status {performance.get('status')}; change is against the reference "
        "unless another baseline is named"
    ]
    lines += [f"{m.get('label') or m.get('name')}: {m['note']}" for m in metrics if m.get("note")]
    table.caption = "\n".join(lines)
    return table


def _change(metric: Mapping[str, Any]) -> str:
    """The relative change, naming its baseline when it is not the reference value shown beside
    it (a benchmark, or the reference's ECE at the current's size): ``+0.7% vs 0.920 benchmark``.
    """
    change = metric.get("relative_change")
    if change is None:
        return "-"
    text = f"{change:+.1%}"
    baseline, source = metric.get("baseline"), metric.get("baseline_source")
    if source == "benchmark":
        return f"{text} vs {_num(baseline)} benchmark"
    if baseline is not None and baseline != metric.get("reference"):
        return f"{text} vs {_num(baseline)}"
    return text


def _inputs(report: Mapping[str, Any]) -> RenderableType | None:
    """Files read and not, and the embedding and term tests, of an image/audio/text report."""
    inputs = report.get("inputs")
    if not inputs:
        return None
    lines = []
    for side in ("reference", "current"):
        files = inputs.get(side) or {}
        problems = ", ".join(f"{n} {k}" for k, n in (files.get("by_problem") or {}).items())
        line = (
            f"{side}: {files.get('n_read')} of {files.get('n_rows')} "
            f"{inputs.get('modality')} inputs read"
        )
        lines.append(Text(line + (f" (not used: {problems})" if problems else "")))
    for key, label in (("embedding", "embedding drift"), ("terms", "term drift")):
        found = inputs.get(key)
        if found:
            verdict = "DRIFT" if found.get("drifted") else "no drift"
            style = "bold red" if found.get("drifted") else "green"
            detail = ""
            if key == "embedding":
                mmd, clf = found.get("mmd") or {}, found.get("domain_classifier")
                classifier = (
                    f"classifier AUC {_num(clf.get('statistic'))}"
                    if clf
                    else "classifier not run (too few rows)"
                )
                drifted = found.get("drifted_components") or []
                detail = (
                    f" (MMD p = {_num(mmd.get('p_value'))}, {classifier}, drifted components: "
                    f"{', '.join(map(str, drifted)) or 'none'})"
                )
            else:
                top = ", ".join(t["term"] for t in (found.get("top_terms") or [])[:5])
                detail = f" (p = {_num(found.get('p_value'))}; most changed: {top})"
            lines.append(Text(f"{label}: ").append(verdict, style) + Text(detail))
    return Panel(Group(*lines), title="inputs", title_align="left", expand=False)


def render_terminal(report: Mapping[str, Any], max_rows: int = _MAX_ROWS) -> RenderableType:
    """Build the rich renderable for a report dict (as returned by `Report.to_dict`)."""
    drift = _render_drift(report, max_rows)
    inputs = _inputs(report)
    if not any(report.get(key) is not None for key in _MONITOR_KEYS):
        # A drift report has explanations when a text model was given (`compare_text`).
        shown = [p for p in (_explanations(report), inputs) if p is not None]
        return drift if not shown else Constrain(Group(*shown, drift), width=_WIDTH)
    parts: list[RenderableType] = [_verdict(report)]
    performance = _performance(report)
    if performance is not None:
        parts.append(performance)
    estimated = report.get("estimated_performance")
    if estimated is not None:
        parts.append(
            Panel(
                render_estimate(estimated),
                title="performance (estimated: labels have not arrived)",
                title_align="left",
            )
        )
    explained = _explanations(report)
    if explained is not None:
        parts.append(explained)
    parts += _sections(report)
    if inputs is not None:
        parts.append(inputs)
    parts.append(drift)
    return Constrain(Group(*parts), width=_WIDTH)


def _explanations(report: Mapping[str, Any]) -> RenderableType | None:
    """The explanations section: a model's feature attributions, a text model's word
    attributions, an image model's explained images, or why none was made."""
    explanations = report.get("explanations")
    if explanations is None:
        return None
    if explanations.get("text") is not None:
        return render_text_explanation(explanations["text"], max_tokens=8)
    if explanations["explanation"] is not None:
        return render_explanation(explanations["explanation"], max_features=8)
    if explanations.get("images") is not None:
        return render_image_explanation(explanations["images"], max_images=5)
    return Text(f"EXPLANATIONS not made: {explanations['error']}", style="yellow")


_SECTION_WINDOWS = 12


def _sections(report: Mapping[str, Any]) -> list[RenderableType]:
    """The feedback, shadow-model and A/B sections, each as `driftscope feedback` and
    `driftscope compare-models` print it (the feedback's first windows only)."""
    parts: list[RenderableType] = []
    feedback = report.get("feedback")
    if feedback is not None:
        parts.append(render_feedback(feedback, max_windows=_SECTION_WINDOWS))
    for key in ("shadow", "ab_test"):
        section = report.get(key)
        if section is not None:
            parts.append(render_comparison(section))
    return parts


def _render_drift(report: Mapping[str, Any], max_rows: int) -> Group:
    """The drift summary: the dataset verdict, the drifted columns, and the warnings."""
    dataset = report["dataset"]
    meta = report["metadata"]
    drifted = dataset["drifted"]
    verdict = Text()
    verdict.append(
        "DATASET DRIFT" if drifted else "NO DATASET DRIFT",
        style="bold red" if drifted else "bold green",
    )
    summary = str(dataset.get("summary") or "")
    verdict.append("  " + (summary.split(": ", 1)[1] if ": " in summary else summary))
    for mv in report.get("multivariate", []):
        verdict.append("\n" + multivariate_line(mv))
    verdict.append(
        f"\nreference {meta['reference']} ({meta['n_reference_rows']:,} rows) vs "
        f"current {meta['current']} ({meta['n_current_rows']:,} rows)",
        style="dim",
    )
    parts: list[RenderableType] = [Panel(verdict, title="driftscope", expand=False)]

    drifted_cols = [c for c in report["columns"] if c["drifted"]]
    drifted_cols.sort(key=lambda c: -(c["effect_size"] or 0.0))
    if drifted_cols:
        table = Table(title="Drifted columns", title_justify="left")
        for header, justify in (
            ("column", "left"),
            ("method", "left"),
            ("statistic", "right"),
            ("p-value", "right"),
            ("effect", "right"),
            ("signals", "left"),
        ):
            table.add_column(header, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for col in drifted_cols[:max_rows]:
            effect = _num(col["effect_size"])
            if col["effect_size_method"]:
                effect += f" {_SHORT.get(col['effect_size_method'], col['effect_size_method'])}"
            statistic = _num(col["statistic"])
            half = bound_half_width(col, "statistic_bounds")
            if half is not None:
                statistic += f" \u00b1 {_num(half)}, from sketches"
            table.add_row(
                Text(col["name"]),
                Text(col["method"]),
                statistic,
                _num(col["p_value"]),
                effect,
                ", ".join(_SHORT.get(s, s) for s in col["signals"]),
            )
        table.caption = (
            "effect: W/sd = Wasserstein in reference sd, TV = total variation between shares"
        )
        if len(drifted_cols) > max_rows:
            table.caption += f"; ... and {len(drifted_cols) - max_rows} more"
        parts.append(table)
    uncertain = [c["name"] for c in report["columns"] if c.get("decision_uncertain")]
    if uncertain:
        parts.append(
            Text(
                "Decision uncertain within the sketches' bounds: "
                + ", ".join(uncertain[:max_rows])
                + (f" and {len(uncertain) - max_rows} more" if len(uncertain) > max_rows else ""),
                style="yellow",
            )
        )
    profiles = report.get("profiles")
    if profiles and profiles.get("not_run"):
        text = Text("Not run from profiles\n", style="bold")
        for line in profiles["not_run"]:
            text.append(f"- {line}\n")
        parts.append(text)
    warnings = report.get("warnings", [])
    if warnings:
        text = Text("Warnings\n", style="bold yellow")
        for w in warnings:
            text.append(f"- {w}\n")
        parts.append(text)
    return Group(*parts)
