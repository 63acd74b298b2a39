"""The report as one self-contained HTML file (or a Jupyter fragment) that works offline.

Everything the page shows comes from the report dict: this module formats, it computes nothing.
Plotly's JavaScript is inlined once; the per-column plots are drawn in the browser from one
compact JSON blob, and only when a column's details are opened, so a wide report opens fast.
A Content-Security-Policy in the standalone page forbids every network request.

A monitoring report (`driftscope.monitor`) opens with the verdict, then performance, concept
drift, data quality, time windows and the model's explanations, then the drift sections. Its
handful of charts are drawn from the same blob once Plotly has loaded; those behind a closed
toggle when it is opened. `render_explanation_html` renders an explanation alone (`driftscope
explain -o`). A drift-only report (every monitoring section null) renders exactly as it always
did.

The page is Jinja2 templates, rendered in one pass from one view model. This module builds that
model from the report dict: a `_Body` of frozen dataclasses, one view per section shown
(`_Verdict`, `_Performance`, `_Quality`, `_Windows`, `_Explanations`, ...), its numbers already
formatted (`_fmt`, `_signed`, ...) and its badges given as a tone and a text (`_badge`): the
formatting is Python, the markup is templates. templates/page.html is the offline file around
templates/report.html, which is also the notebook fragment; that includes
templates/sections/body.html, which includes the sections' templates in the order of the
report's kind, each reading its view from the body (cells.html holds the macros they share:
table cells, badges, charts). Only the styles and scripts, files under static/, and the data
blob reach the templates as ready markup.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

import jinja2
from markupsafe import Markup

from driftscope.modalities.text import TOKEN_PATTERN
from driftscope.report._bounds import bound_half_width

__all__ = [
    "render_explanation_html",
    "render_html",
    "render_image_explanation_html",
    "render_text_explanation_html",
]

_DASH = "\u2014"

# The page's own styles and behaviour are files under static/: report.css and report.js (sortable
# tables, the details toggle, lazy plots; the script initialises every report root on the page
# that is not yet initialised, so it needs no element ids and several reports can live in one
# notebook). Monitoring reports (`driftscope.monitor`) add a verdict banner and model sections;
# monitor.css and monitor.js are only included in those reports, so a drift report is unchanged.


@functools.cache
def static_text(name: str) -> str:
    """The text of one file under ``report/static/``, as shipped in the package.

    >>> static_text("report.css").startswith(".ds-report {")
    True
    """
    file = resources.files("driftscope.report").joinpath(f"static/{name}")
    return file.read_text(encoding="utf-8")


@dataclass(frozen=True)
class _Page:
    """What the page templates show (templates/page.html, templates/report.html): the title, a
    plain string the template escapes, the body's view model, and the inlined files and data
    blob as markup already safe to place."""

    title: str
    monitoring: bool
    css: Markup
    body: _Body
    data: Markup
    script: Markup
    plotly: Markup


def _escaped(value: object) -> object:
    """What a template prints: markup as it is, anything else escaped as `_e` escapes it.

    Jinja's own escaping spells quotes ``&#34;`` and ``&#39;``; the pages have always spelt them
    ``&quot;`` and ``&#x27;``, so the templates escape the same way and the pages keep their bytes.
    An undefined name still fails here (its ``str`` raises).
    """
    if hasattr(value, "__html__"):
        return value
    return Markup(_e(value))


@functools.cache
def _templates() -> jinja2.Environment:
    """The report's templates: escaped unless marked safe, and an unknown name is an error."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("driftscope.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_escaped,
    )


def _inline(*names: str) -> str:
    """Files to inline in one ``<style>`` or ``<script>`` element, each starting on a new line."""
    return "".join("\n" + static_text(name) for name in names)


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute.

    >>> _e('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape(str(value), quote=True)


def _fmt(value: object) -> str:
    """Format a number for reading, as HTML-safe text; the exact value stays in the cell's title.

    >>> _fmt(None), _fmt(0.123456), _fmt(3.2e-12), _fmt(12345), _fmt(True)
    ('—', '0.1235', '3.2e-12', '12,345', 'yes')
    """
    if value is None:
        return _DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-4 or abs(value) >= 1e6):
            return f"{value:.3g}"
        return f"{value:.4g}"
    return _e(value)


def _fmt_share(value: object) -> str:
    """Format a share in 0..1 as a percentage, as HTML-safe text.

    >>> _fmt_share(0.25), _fmt_share(0.0004), _fmt_share(0.0), _fmt_share(None)
    ('25.0%', '&lt;0.1%', '0.0%', '—')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _DASH
    if 0 < value < 0.001:
        return "&lt;0.1%"
    return f"{value * 100:.1f}%"


def _raw(value: object) -> str:
    """The exact value, for a sort key or a tooltip; empty for missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class _Number:
    """A number's table cell (the `num_td` macro of templates/sections/cells.html): its text,
    formatted, its exact value for the sort key and the tooltip, and notes in small type."""

    shown: Markup
    exact: str
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, value: object, text: str | None = None, notes: Iterable[str] = ()) -> _Number:
        """``text`` (markup) shows instead of the formatted value; ``notes`` below it, small."""
        return cls(Markup(_fmt(value) if text is None else text), _raw(value), tuple(notes))


def _texts(value: object) -> tuple[str, ...]:
    """A note to show, if there is one (empty and missing show nothing)."""
    return (str(value),) if value else ()


def _text(value: object) -> str | None:
    """A value for a text cell, missing kept missing (the `text_td` macro shows a dash)."""
    return None if value is None else str(value)


def _json_for_script(data: object) -> str:
    """JSON that cannot close or comment out the ``<script>`` element that holds it.

    >>> _json_for_script({"name": "</script><!--"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@dataclass(frozen=True)
class _DatasetHeadline:
    """The dataset drift headline (templates/sections/dataset.html)."""

    label: str
    drifted: bool
    summary: str
    correction: str | None
    rule: str | None
    n_warnings: int


def _dataset_headline(report: Mapping[str, Any], label: str) -> _DatasetHeadline:
    """The dataset drift verdict: the headline of a drift report."""
    dataset: Mapping[str, Any] = report.get("dataset") or {}
    summary = str(dataset.get("summary") or "")
    correction, rule = dataset.get("correction"), dataset.get("rule")
    return _DatasetHeadline(
        label=label,
        drifted=bool(dataset.get("drifted")),
        # The summary's first words say what the headline already says in large type.
        summary=summary.split(": ", 1)[1] if ": " in summary else summary,
        correction=str(correction) if correction else None,
        rule=str(rule) if rule else None,
        n_warnings=len(report.get("warnings") or []),
    )


@dataclass(frozen=True)
class _Model:
    """The model a monitoring report watched: its task, its columns by role, its note."""

    task: str
    columns: tuple[tuple[str, str], ...]
    probabilities: tuple[str, ...]
    note: str | None

    @classmethod
    def of(cls, model: Mapping[str, Any]) -> _Model:
        roles = ("target", "prediction", "timestamp", "id")
        return cls(
            task=str(model.get("task") or "no task").replace("_", " "),
            columns=tuple((r, str(model[r])) for r in roles if model.get(r) is not None),
            probabilities=tuple(str(p) for p in model.get("probabilities") or []),
            note=str(model["note"]) if model.get("note") else None,
        )


@dataclass(frozen=True)
class _Run:
    """The run (templates/sections/run.html): inputs, model, versions, timings and settings."""

    reference: str
    n_reference_rows: Markup
    current: str
    n_current_rows: Markup
    model: _Model | None
    version: str
    schema_version: str
    created_at: str
    timings: tuple[tuple[str, Markup], ...]
    settings: str | None


def _run(report: Mapping[str, Any], with_model: bool = False) -> _Run:
    """The run: inputs, the model (``with_model``), versions, timings, and settings."""
    meta: Mapping[str, Any] = report.get("metadata") or {}
    timings: Mapping[str, Any] = meta.get("timings") or {}
    settings = meta.get("settings") or {}
    model: Mapping[str, Any] | None = report.get("model") if with_model else None
    return _Run(
        reference=str(meta.get("reference", _DASH)),
        n_reference_rows=Markup(_fmt(meta.get("n_reference_rows"))),
        current=str(meta.get("current", _DASH)),
        n_current_rows=Markup(_fmt(meta.get("n_current_rows"))),
        model=_Model.of(model) if model is not None else None,
        version=str(meta.get("driftscope_version", _DASH)),
        schema_version=str(report.get("schema_version", _DASH)),
        created_at=str(meta.get("created_at", _DASH)),
        timings=tuple((str(k), Markup(_fmt(v))) for k, v in timings.items()),
        settings=json.dumps(settings, indent=2, sort_keys=True, default=str) if settings else None,
    )


class _Tone(StrEnum):
    """A badge's colour: its class ``ds-badge-<tone>`` in static/report.css and monitor.css."""

    DRIFT = "drift"
    ALERT = "alert"
    WARN = "warn"
    OK = "ok"
    SKIP = "skip"


@dataclass(frozen=True)
class _Badge:
    """A badge (the `badge` macro of templates/sections/cells.html): its colour and its text."""

    tone: _Tone
    text: str


@dataclass(frozen=True)
class _Status:
    """A status cell (the `status_td` macro): its badge and its sort key."""

    badge: _Badge
    rank: str


def _drift_status(drifted: object, skipped: bool = False) -> _Status:
    """The badge and its sort key: drifted 1, not drifted 0, skipped -1.

    A column whose distribution test was skipped can still drift on another signal (its share
    of missing values), so "drifted" wins over "skipped".
    """
    if drifted:
        return _Status(_Badge(_Tone.DRIFT, "drifted"), "1")
    if skipped:
        return _Status(_Badge(_Tone.SKIP, "skipped"), "-1")
    return _Status(_Badge(_Tone.OK, "no"), "0")


def _drift_badge(drifted: object) -> _Badge:
    return _drift_status(drifted).badge


@dataclass(frozen=True)
class _MultivariateTest:
    """One whole-table test (templates/sections/multivariate.html)."""

    method: str | None
    statistic: _Number
    p_value: _Number
    threshold: _Number
    effect_size: _Number
    effect_size_threshold: _Number
    drifted: _Status
    n_reference: _Number
    n_current: _Number
    columns: tuple[str, ...]
    note: str | None

    @classmethod
    def of(cls, test: Mapping[str, Any]) -> _MultivariateTest:
        return cls(
            method=_text(test.get("method")),
            statistic=_Number.of(test.get("statistic")),
            p_value=_Number.of(test.get("p_value")),
            threshold=_Number.of(test.get("threshold")),
            effect_size=_Number.of(test.get("effect_size")),
            effect_size_threshold=_Number.of(test.get("effect_size_threshold")),
            drifted=_drift_status(test.get("drifted")),
            n_reference=_Number.of(test.get("n_reference")),
            n_current=_Number.of(test.get("n_current")),
            columns=tuple(str(c) for c in test.get("columns") or []),
            note=_text(test.get("note")),
        )


def _multivariate(report: Mapping[str, Any]) -> tuple[_MultivariateTest, ...]:
    tests: Sequence[Mapping[str, Any]] = report.get("multivariate") or []
    return tuple(_MultivariateTest.of(t) for t in tests)


def _warnings(report: Mapping[str, Any]) -> tuple[str, ...]:
    warnings: Sequence[object] = report.get("warnings") or []
    return tuple(str(w) for w in warnings)


@dataclass(frozen=True)
class _DriftColumn:
    """One column's drift (templates/sections/columns.html): its row, and the details under it."""

    name: str
    drifted: bool
    kind: str | None
    role: str | None
    method: str | None
    statistic: _Number
    p_value: _Number
    effect_size: _Number
    threshold: str
    thresholds: tuple[str, ...]
    status: _Status
    signals: tuple[str, ...]
    n_reference: _Number
    n_current: _Number
    missing_reference: _Number
    missing_current: _Number
    note: str | None
    has_summary: bool
    decision_p_value: Markup
    missing_p_value: Markup
    unseen_share: Markup
    unseen_p_value: Markup
    unseen_examples: tuple[str, ...]
    bound_note: str | None = None

    @classmethod
    def of(cls, col: Mapping[str, Any]) -> _DriftColumn:
        decision = col.get("decision_p_value")
        p_value, level = col.get("p_value"), col.get("threshold")
        effect_floor = col.get("effect_size_threshold")
        if decision is not None and decision != p_value:
            p_notes: tuple[str, ...] = (f"decision p {_plain(decision)}",)
        elif (
            decision is None
            and effect_floor is not None
            and p_value is not None
            and level is not None
            and p_value < level
        ):
            # Significant, yet not drift: say why beside the p-value instead of a bare "no".
            p_notes = ("effect below its floor",)
        else:
            p_notes = ()
        # A test's threshold is its significance level; a distance's is a floor on the statistic.
        thresholds = []
        if level is not None:
            label = "p <" if p_value is not None else "stat \u2265"
            thresholds.append(f"{label} {_plain(level)}")
        if effect_floor is not None:
            thresholds.append(f"effect \u2265 {_plain(effect_floor)}")
        missing_ref, missing_cur = (
            col.get("missing_share_reference"),
            col.get("missing_share_current"),
        )
        uncertain = bool(col.get("decision_uncertain"))
        return cls(
            name=str(col.get("name")),
            drifted=bool(col.get("drifted")),
            kind=_text(col.get("kind")),
            role=_text(col.get("role")),
            method=_text(col.get("method")),
            statistic=_Number.of(col.get("statistic"), notes=_bound_notes(col, "statistic_bounds")),
            p_value=_Number.of(
                p_value,
                notes=(
                    *p_notes,
                    *_bound_notes(col, "p_value_bounds"),
                    *(("decision uncertain within the bounds",) if uncertain else ()),
                ),
            ),
            effect_size=_Number.of(
                col.get("effect_size"),
                notes=(
                    *_texts(col.get("effect_size_method")),
                    *_bound_notes(col, "effect_size_bounds"),
                ),
            ),
            threshold=_raw(level if level is not None else effect_floor),
            thresholds=tuple(thresholds),
            status=_drift_status(col.get("drifted"), bool(col.get("skipped"))),
            signals=tuple(str(s) for s in col.get("signals") or []),
            n_reference=_Number.of(col.get("n_reference")),
            n_current=_Number.of(col.get("n_current")),
            missing_reference=_Number.of(missing_ref, _fmt_share(missing_ref)),
            missing_current=_Number.of(missing_cur, _fmt_share(missing_cur)),
            note=_text(col.get("note")),
            has_summary=bool(col.get("summary")),
            decision_p_value=Markup(_fmt(decision)),
            missing_p_value=Markup(_fmt(col.get("missing_p_value"))),
            unseen_share=Markup(_fmt_share(col.get("unseen_share"))),
            unseen_p_value=Markup(_fmt(col.get("unseen_p_value"))),
            unseen_examples=tuple(str(e) for e in col.get("unseen_examples") or []),
            bound_note=_text(col.get("bound_note")),
        )


def _bound_notes(col: Mapping[str, Any], field: str) -> tuple[str, ...]:
    """ "± 0.033, from sketches" under a number computed from a sketch (nothing when exact)."""
    half = bound_half_width(col, field)
    return () if half is None else (f"\u00b1 {_plain(half)}, from sketches",)


@dataclass(frozen=True)
class _Profiles:
    """The sides given as profiles and what was not run for want of rows
    (templates/sections/profiles.html)."""

    sides: tuple[tuple[str, str], ...]
    not_run: tuple[str, ...]


def _profiles_section(report: Mapping[str, Any]) -> _Profiles | None:
    profiles = report.get("profiles")
    if not profiles:
        return None
    sides = []
    for side in ("reference", "current"):
        found = profiles.get(side)
        if found is None:
            continue
        held = (
            "every tested column exact"
            if found.get("exact")
            else f"sketched, rank error up to {_plain(found.get('rank_error'))}"
        )
        sides.append(
            (side, f"{found.get('name')}: {_plain(found.get('n_rows'))} rows profiled, {held}")
        )
    return _Profiles(tuple(sides), tuple(str(line) for line in profiles.get("not_run") or []))


def _drift_columns(report: Mapping[str, Any]) -> tuple[_DriftColumn, ...]:
    columns: Sequence[Mapping[str, Any]] = report.get("columns") or []
    return tuple(_DriftColumn.of(col) for col in columns)


@dataclass(frozen=True)
class _SchemaColumn:
    """One row of the schema table (templates/sections/schema.html)."""

    name: str
    kind: str | None
    role: str | None
    method: str | None
    threshold: _Number
    note: str | None

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> _SchemaColumn:
        return cls(
            name=str(spec.get("name")),
            kind=_text(spec.get("kind")),
            role=_text(spec.get("role")),
            method=_text(spec.get("method")),
            threshold=_Number.of(spec.get("threshold")),
            note=_text(spec.get("note")),
        )


def _schema_columns(report: Mapping[str, Any]) -> tuple[_SchemaColumn, ...]:
    specs: Sequence[Mapping[str, Any]] = (report.get("schema") or {}).get("columns") or []
    return tuple(_SchemaColumn.of(spec) for spec in specs)


def _rules(report: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The decision rule of each kind of column."""
    rules: Mapping[str, Any] = report.get("rules") or {}
    return tuple((str(k), str(v)) for k, v in rules.items())


# ---------------------------------------------------------------------------------------------
# Monitoring reports: the verdict, performance, concept drift, data quality and time windows.

_MONITOR_KEYS = ("model", "performance", "concept_drift", "quality", "windows", "verdict")
_DECISIONS = {
    "retrain": ("ds-dec-retrain", "Retrain"),
    "investigate": ("ds-dec-investigate", "Investigate"),
    "ok": ("ds-dec-ok", "OK"),
}
# Badge colour and sort rank (worst first) of every status word the sections use.
_BADGES = {
    "alert": (_Tone.ALERT, 0),
    "retrain": (_Tone.ALERT, 0),
    "warning": (_Tone.WARN, 1),
    "investigate": (_Tone.WARN, 1),
    "ok": (_Tone.OK, 2),
    "skipped": (_Tone.SKIP, 3),
}
_REASONS_SHOWN = 6
_WINDOW_COLUMNS_SHOWN = 10


def is_monitoring(report: Mapping[str, Any]) -> bool:
    """Whether a report dict comes from `driftscope.monitor` (any monitoring section set).

    >>> is_monitoring({"verdict": None, "model": None}), is_monitoring({"verdict": {}})
    (False, True)
    """
    return any(report.get(key) is not None for key in _MONITOR_KEYS)


def _badge(status: object, text: str | None = None) -> _Badge:
    """A status badge coloured by ``status``, reading ``text`` (the status itself by default).

    >>> _badge("investigate")
    _Badge(tone=<_Tone.WARN: 'warn'>, text='investigate')
    >>> _badge(None, "not measured")
    _Badge(tone=<_Tone.SKIP: 'skip'>, text='not measured')
    """
    tone = _BADGES.get(str(status), (_Tone.SKIP, 9))[0]
    shown = text if text is not None else (_DASH if status is None else str(status))
    return _Badge(tone, shown)


def _status(status: object) -> _Status:
    """A status cell's badge and sort rank (worst first)."""
    return _Status(_badge(status), str(_BADGES.get(str(status), ("", 9))[1]))


def _words(value: object) -> str:
    """A machine name for reading: ``binary_classification`` -> ``binary classification``."""
    return _e(str(value).replace("_", " ")) if value is not None else _DASH


def _plain(value: object) -> str:
    """A number as plain text for a plot label (the browser escapes it)."""
    return html.unescape(_fmt(value))


def _signed(value: object, percent: bool = False) -> str:
    """A change with its sign: ``+0.0041``, ``-13.7%``.

    >>> _signed(0.004105), _signed(-0.1367, percent=True), _signed(None)
    ('+0.004105', '-13.7%', '—')
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return _fmt(value)
    if percent:
        return f"{value * 100:+.1f}%"
    return f"{value:+.4g}"


@dataclass(frozen=True)
class _Reason:
    """One reason of the verdict: its severity's badge, where it comes from, what it says."""

    badge: _Badge
    source: Markup
    message: str

    @classmethod
    def of(cls, reason: Mapping[str, Any]) -> _Reason:
        return cls(
            badge=_badge(reason.get("severity")),
            source=Markup(_words(reason.get("source"))),
            message=str(reason.get("message", "")),
        )


@dataclass(frozen=True)
class _Jump:
    """A jump button of the nav: the section it scrolls to, its name, its status badge."""

    target: str
    label: str
    badge: _Badge | None


def _nav(report: Mapping[str, Any]) -> tuple[_Jump, ...]:
    """Jump buttons to each section, each with the section's status."""
    items: list[tuple[str, str, _Badge | None]] = []
    performance = report.get("performance")
    if performance is not None or report.get("model") is not None:
        status = _badge(performance.get("status")) if performance else _badge(None, "not measured")
        items.append(("performance", "Performance", status))
    estimated = report.get("estimated_performance")
    if estimated is not None:
        items.append(("estimated", "Performance (estimated)", _badge(estimated.get("status"))))
    concept = report.get("concept_drift")
    if concept is not None:
        if concept.get("drifted"):
            badge = _badge("alert", "drifted")
        elif concept.get("outside"):
            badge = _badge("warning", "outside the reference")
        elif concept.get("separable") is False:
            badge = _badge(None, "not determined")
        else:
            badge = _badge("ok", "no drift")
        items.append(("concept", "Concept drift", badge))
    quality = report.get("quality")
    if quality is not None:
        items.append(("quality", "Data quality", _badge(quality.get("status"))))
    windows = report.get("windows")
    if windows is not None:
        items.append(("windows", "Time windows", _windows_badge(windows)))
    explanations = report.get("explanations")
    if explanations is not None:
        items.append(("explanations", "Explanations", _explained_badge(explanations)))
    items += _section_jumps(report)
    dataset = report.get("dataset") or {}
    roles = {c.get("role") for c in report.get("columns") or []}
    noun = "columns" if roles <= {"feature"} else "features"
    text = f"{dataset.get('n_drifted', _DASH)} of {dataset.get('n_columns', _DASH)} {noun}"
    items.append(("drift", "Data drift", _badge("alert" if dataset.get("drifted") else "ok", text)))
    n_warnings = len(report.get("warnings") or [])
    if n_warnings:
        items.append(("warnings", f"Warnings ({n_warnings})", None))
    return tuple(_Jump(target, label, badge) for target, label, badge in items)


@dataclass(frozen=True)
class _Verdict:
    """The verdict banner (templates/sections/verdict.html): the first reasons are listed, the
    rest behind a toggle."""

    css_class: str
    decision: str
    summary: str | None
    reasons: tuple[_Reason, ...]
    more_reasons: tuple[_Reason, ...]


def _verdict_banner(report: Mapping[str, Any]) -> _Verdict:
    verdict: Mapping[str, Any] = report.get("verdict") or {}
    decision = verdict.get("decision")
    css_class, word = _DECISIONS.get(str(decision), ("ds-dec-unknown", "No verdict"))
    if decision is not None and str(decision) not in _DECISIONS:
        word = str(decision)
    reasons = tuple(_Reason.of(r) for r in verdict.get("reasons") or [])
    summary = verdict.get("summary")
    return _Verdict(
        css_class=css_class,
        decision=word,
        summary=str(summary) if summary else None,
        reasons=reasons[:_REASONS_SHOWN],
        more_reasons=reasons[_REASONS_SHOWN:],
    )


def _confidence_label(report: Mapping[str, Any]) -> str:
    settings = (report.get("metadata") or {}).get("settings") or {}
    level = (settings.get("performance") or {}).get("confidence")
    if isinstance(level, int | float) and not isinstance(level, bool) and 0 < level < 1:
        return f"{level * 100:g}% CI"
    return "CI"


@dataclass(frozen=True)
class _Metric:
    """One metric of the performance table (templates/sections/performance.html)."""

    status_word: str
    label: str
    message: str
    notes: str
    note: str | None
    reference: _Number
    current: _Number
    interval: _Number
    baseline: _Number
    change: _Number
    status: _Status
    significant: bool

    @classmethod
    def of(cls, metric: Mapping[str, Any]) -> _Metric:
        higher = metric.get("higher_is_better")
        direction = (
            "no direction"
            if higher is None
            else ("higher is better" if higher else "lower is better")
        )
        low, high = metric.get("current_low"), metric.get("current_high")
        interval = _DASH if low is None or high is None else f"[{_fmt(low)}, {_fmt(high)}]"
        source = metric.get("baseline_source")
        baseline = metric.get("baseline")
        if source == "reference" and baseline is not None and baseline != metric.get("reference"):
            source = "reference, at the current's size"
        baseline_notes = [str(source)] if source else []
        if metric.get("floor") is not None:
            baseline_notes.append(f"floor {_plain(metric['floor'])}")
        delta = metric.get("delta")
        change_notes = [html.unescape(_signed(delta))] if delta is not None else []
        if delta is not None and source:
            change_notes.append(f"vs {str(source).split(',')[0]} {_plain(baseline)}")
        change = metric.get("relative_change")
        return cls(
            status_word=str(metric.get("status")),
            label=str(metric.get("label") or metric.get("name")),
            message=str(metric.get("message", "")),
            notes=("primary · " if metric.get("primary") else "") + direction,
            note=str(metric["note"]) if metric.get("note") else None,
            reference=_Number.of(metric.get("reference")),
            current=_Number.of(metric.get("current")),
            interval=_Number.of(low, text=interval),
            baseline=_Number.of(baseline, notes=baseline_notes),
            change=_Number.of(change, text=_signed(change, percent=True), notes=change_notes),
            status=_status(metric.get("status")),
            significant=bool(metric.get("significant")),
        )


@dataclass(frozen=True)
class _Confusion:
    """One side's confusion matrix: counts by true (rows) and predicted (columns) class."""

    side: str
    n_labelled: Markup
    labels: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Markup, ...]], ...]


def _class_label(labels: Sequence[Any], i: int) -> str:
    return str(labels[i]) if i < len(labels) else str(i)


def _confusions(performance: Mapping[str, Any]) -> tuple[_Confusion, ...]:
    details: Mapping[str, Any] = performance.get("details") or {}
    labels = performance.get("labels") or []
    matrices = []
    for side, name, n in (
        ("reference", "Reference", performance.get("n_reference_labelled")),
        ("current", "Current", performance.get("n_current_labelled")),
    ):
        matrix = (details.get(side) or {}).get("confusion_matrix")
        if matrix:
            rows = tuple(
                (_class_label(labels, i), tuple(Markup(_fmt(v)) for v in row))
                for i, row in enumerate(matrix)
            )
            heads = tuple(_class_label(labels, j) for j in range(len(matrix)))
            matrices.append(_Confusion(name, Markup(_fmt(n)), heads, rows))
    return tuple(matrices)


def _per_class(
    performance: Mapping[str, Any],
) -> tuple[tuple[str, tuple[_Number, ...]], ...] | None:
    """Precision, recall, F1 and support per class, reference and current side by side."""
    details: Mapping[str, Any] = performance.get("details") or {}
    labels = performance.get("labels") or []
    sides = [(details.get(s) or {}).get("per_class") or {} for s in ("reference", "current")]
    if not any(sides):
        return None
    keys = ("precision", "recall", "f1", "support")
    n = max(len(side.get(key) or []) for side in sides for key in keys)

    def value(side: Mapping[str, Any], key: str, i: int) -> object:
        values = side.get(key) or []
        return values[i] if i < len(values) else None

    return tuple(
        (
            _class_label(labels, i),
            tuple(_Number.of(value(side, key, i)) for key in keys for side in sides),
        )
        for i in range(n)
    )


def _errors(performance: Mapping[str, Any]) -> tuple[tuple[str, _Number, _Number], ...] | None:
    """The error distribution's rows (mean, spread, quantiles), reference and current; ``None``
    without errors, empty when neither side has one."""
    details: Mapping[str, Any] = performance.get("details") or {}
    if not any("error_distribution" in (details.get(s) or {}) for s in ("reference", "current")):
        return None
    sides = [(details.get(s) or {}).get("error_distribution") for s in ("reference", "current")]
    if not any(sides):
        return ()
    levels: Sequence[Any] = next((s.get("quantile_levels") or [] for s in sides if s), [])

    def numbers(key: str, i: int | None = None) -> tuple[_Number, _Number]:
        found = []
        for s in sides:
            value = (s or {}).get(key)
            if i is not None:
                value = value[i] if value and i < len(value) else None
            found.append(_Number.of(value))
        return found[0], found[1]

    rows = [("mean (bias)", *numbers("mean")), ("standard deviation", *numbers("std"))]
    for i, level in enumerate(levels):
        shown = f"{level * 100:g}%" if isinstance(level, int | float) else str(level)
        rows.append((f"quantile {shown}", *numbers("quantiles", i)))
    return tuple(rows)


@dataclass(frozen=True)
class _Performance:
    """The performance section (templates/sections/performance.html)."""

    badge: _Badge
    task: Markup
    labels: tuple[str, ...]
    n_reference_labelled: Markup
    n_reference: Markup
    n_current_labelled: Markup
    n_current: Markup
    note: str | None
    confidence: str
    metrics: tuple[_Metric, ...]
    confusions: tuple[_Confusion, ...]
    per_class: tuple[tuple[str, tuple[_Number, ...]], ...] | None
    reliability: bool
    errors: tuple[tuple[str, _Number, _Number], ...] | None


def _performance_section(report: Mapping[str, Any]) -> _Performance | None:
    performance: Mapping[str, Any] | None = report.get("performance")
    if performance is None:
        return None
    details: Mapping[str, Any] = performance.get("details") or {}
    metrics: Sequence[Mapping[str, Any]] = performance.get("metrics") or []

    def number(key: str) -> Markup:
        return Markup(_fmt(performance.get(key)))

    return _Performance(
        badge=_badge(performance.get("status")),
        task=Markup(_words(performance.get("task"))),
        labels=tuple(str(label) for label in performance.get("labels") or []),
        n_reference_labelled=number("n_reference_labelled"),
        n_reference=number("n_reference"),
        n_current_labelled=number("n_current_labelled"),
        n_current=number("n_current"),
        note=str(performance["note"]) if performance.get("note") else None,
        confidence=_confidence_label(report),
        metrics=tuple(_Metric.of(m) for m in sorted(metrics, key=lambda m: not m.get("primary"))),
        confusions=_confusions(performance),
        per_class=_per_class(performance),
        reliability=any("reliability" in (details.get(s) or {}) for s in ("reference", "current")),
        errors=_errors(performance),
    )


@dataclass(frozen=True)
class _Concept:
    """The concept drift section (templates/sections/concept.html), its numbers formatted."""

    css_class: str
    message: str
    loss: Markup
    reference_loss: Markup
    expected_loss: Markup
    current_loss: Markup
    covariate_effect: Markup
    concept_effect: Markup
    p_value: Markup
    domain_auc: Markup
    inputs_moved: bool
    effective_n_reference: Markup
    n_reference: Markup
    n_current: Markup
    separable: Markup
    outside: Markup
    method: str


def _concept_section(report: Mapping[str, Any]) -> _Concept | None:
    concept: Mapping[str, Any] | None = report.get("concept_drift")
    if concept is None:
        return None
    if concept.get("drifted"):
        css_class = "ds-is-drift"
    elif concept.get("separable") is False:
        css_class = ""
    else:
        css_class = "ds-is-ok"

    def number(key: str) -> Markup:
        return Markup(_fmt(concept.get(key)))

    return _Concept(
        css_class=css_class,
        message=str(concept.get("message", "")),
        loss=Markup(_words(concept.get("loss"))),
        reference_loss=number("reference_loss"),
        expected_loss=number("expected_loss"),
        current_loss=number("current_loss"),
        covariate_effect=Markup(_signed(concept.get("covariate_effect"))),
        concept_effect=Markup(_signed(concept.get("concept_effect"))),
        p_value=number("p_value"),
        domain_auc=number("domain_auc"),
        inputs_moved=bool(concept.get("inputs_moved")),
        effective_n_reference=number("effective_n_reference"),
        n_reference=number("n_reference"),
        n_current=number("n_current"),
        separable=number("separable"),
        outside=number("outside"),
        method=str(concept.get("method", _DASH)),
    )


@dataclass(frozen=True)
class _EstimatedRow:
    """One window of the estimated-performance table (templates/sections/estimated.html):
    each metric's estimate with its band, and the realised value below it where labels came."""

    label: str
    n_rows: _Number
    n_labelled: _Number
    metrics: tuple[_Number, ...]
    status: _Status
    status_word: str
    is_reference: bool


@dataclass(frozen=True)
class _Estimated:
    """The "performance (estimated)" section: the estimate's headline, method and calibration,
    a table of windows (the reference first) for the primary metric and a few others, the
    checks against realised values, and the assumption."""

    badge: _Badge
    headline: str
    method: str
    calibration: str | None
    confidence: str
    headers: tuple[tuple[str, str], ...]
    rows: tuple[_EstimatedRow, ...]
    checks: tuple[tuple[bool, str], ...]
    assumption: str
    warnings: tuple[str, ...]


#: Metrics shown per window in the estimated-performance table (the primary first).
_ESTIMATED_SHOWN = 3


def _estimated_row(
    window: Mapping[str, Any], names: Sequence[str], is_reference: bool
) -> _EstimatedRow:
    metrics: Mapping[str, Any] = window.get("metrics") or {}
    cells = []
    for name in names:
        m: Mapping[str, Any] = metrics.get(name) or {}
        band = f"[{_fmt(m.get('low'))}, {_fmt(m.get('high'))}]"
        notes = [band]
        if m.get("realised") is not None:
            outside = "" if m.get("within_band") in (None, True) else " (outside the band)"
            notes.append(f"realised {_fmt(m.get('realised'))}{outside}")
        cells.append(_Number.of(m.get("estimate"), notes=notes))
    return _EstimatedRow(
        label=str(window.get("label")),
        n_rows=_Number.of(window.get("n_rows")),
        n_labelled=_Number.of(window.get("n_labelled")),
        metrics=tuple(cells),
        status=_status(window.get("status")),
        status_word=str(window.get("status")),
        is_reference=is_reference,
    )


def _estimated_section(report: Mapping[str, Any]) -> _Estimated | None:
    estimated: Mapping[str, Any] | None = report.get("estimated_performance")
    if estimated is None:
        return None
    primary = str(estimated.get("primary"))
    names = [primary, *(str(m) for m in estimated.get("metrics") or [] if m != primary)]
    names = names[:_ESTIMATED_SHOWN]
    reference: Mapping[str, Any] = estimated.get("reference") or {}
    labels = {
        n: str(((reference.get("metrics") or {}).get(n) or {}).get("label", n)) for n in names
    }
    windows = list(estimated.get("windows") or []) or [estimated.get("overall") or {}]
    calibration = estimated.get("calibration")
    method = (
        "confidence-based performance estimation (CBPE)"
        if estimated.get("method") == "cbpe"
        else "direct loss estimation (DLE)"
    )
    confidence = estimated.get("confidence")
    return _Estimated(
        badge=_badge(estimated.get("status")),
        headline=str(estimated.get("headline", "")),
        method=method,
        calibration=None if calibration is None else str(calibration.get("reason", "")),
        confidence=f"{confidence:.0%}" if isinstance(confidence, float) else _DASH,
        headers=(
            ("Window", "str"),
            ("Rows", "num"),
            ("Labelled", "num"),
            *((f"{labels[n]} estimate [band]", "num") for n in names),
            ("Status", "num"),
        ),
        rows=(
            _estimated_row(reference, names, True),
            *(_estimated_row(w, names, False) for w in windows),
        ),
        # The primary metric's check, and any other that found the estimates wrong.
        checks=tuple(
            (bool(c.get("holds")), str(c.get("message", "")))
            for c in estimated.get("checks") or []
            if c.get("metric") == primary or not c.get("holds")
        ),
        assumption=str(estimated.get("assumption", "")),
        warnings=tuple(str(w) for w in estimated.get("warnings") or []),
    )


@dataclass(frozen=True)
class _Check:
    """One data-quality check (templates/sections/quality.html)."""

    status: _Status
    status_word: str
    check: Markup
    column: str | None
    share: _Number
    reference_share: _Number
    levels: _Number
    count: _Number
    message: str
    examples: tuple[str, ...]

    @classmethod
    def of(cls, check: Mapping[str, Any]) -> _Check:
        threshold, alert = check.get("threshold"), check.get("alert_threshold")
        both = (
            _DASH if threshold is None and alert is None else f"{_fmt(threshold)} / {_fmt(alert)}"
        )
        share, reference_share = check.get("share"), check.get("reference_share")
        return cls(
            status=_status(check.get("status")),
            status_word=str(check.get("status")),
            check=Markup(_words(check.get("check"))),
            column=_text(check.get("column")),
            share=_Number.of(share, _fmt_share(share)),
            reference_share=_Number.of(reference_share, _fmt_share(reference_share)),
            levels=_Number.of(threshold if threshold is not None else alert, text=both),
            count=_Number.of(check.get("count")),
            message=str(check.get("message", "")),
            examples=tuple(str(e) for e in check.get("examples") or []),
        )


@dataclass(frozen=True)
class _Quality:
    """The data-quality section (templates/sections/quality.html): counts for its lead, the
    checks in warning or alert (worst first), and those that are ok."""

    badge: _Badge
    n_alerts: Markup
    one_alert: bool
    n_warnings: Markup
    one_warning: bool
    n_checks: int
    n_current_rows: Markup
    n_reference_rows: Markup
    problems: tuple[_Check, ...]
    fine: tuple[_Check, ...]


def _quality_section(report: Mapping[str, Any]) -> _Quality | None:
    quality: Mapping[str, Any] | None = report.get("quality")
    if quality is None:
        return None
    checks: Sequence[Mapping[str, Any]] = quality.get("checks") or []
    problems = sorted(
        (c for c in checks if c.get("status") != "ok"),
        key=lambda c: _BADGES.get(str(c.get("status")), ("", 9))[1],
    )
    return _Quality(
        badge=_badge(quality.get("status")),
        n_alerts=Markup(_fmt(quality.get("n_alerts"))),
        one_alert=quality.get("n_alerts") == 1,
        n_warnings=Markup(_fmt(quality.get("n_warnings"))),
        one_warning=quality.get("n_warnings") == 1,
        n_checks=len(checks),
        n_current_rows=Markup(_fmt(quality.get("n_current_rows"))),
        n_reference_rows=Markup(_fmt(quality.get("n_reference_rows"))),
        problems=tuple(_Check.of(c) for c in problems),
        fine=tuple(_Check.of(c) for c in checks if c.get("status") == "ok"),
    )


def _metric_labels(report: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """Name, label and primary flag of each metric the windows hold, primary metrics first."""
    performance: Mapping[str, Any] = report.get("performance") or {}
    windows: Mapping[str, Any] = report.get("windows") or {}
    known = {
        m.get("name"): (m.get("label") or m.get("name"), bool(m.get("primary")))
        for m in performance.get("metrics") or []
    }
    names: dict[str, None] = {}
    for w in windows.get("windows") or []:
        for name, value in (w.get("metrics") or {}).items():
            if value is not None:
                names[name] = None
    found = [(n, *known.get(n, (n, False))) for n in names]
    order = list(known)
    found.sort(key=lambda m: (not m[2], order.index(m[0]) if m[0] in order else len(order)))
    if found and not any(m[2] for m in found):
        # No metric is marked primary: show the first three up front.
        found = [(n, label, i < 3) for i, (n, label, _) in enumerate(found)]
    return [(str(n), str(label), primary) for n, label, primary in found]


@dataclass(frozen=True)
class _Chart:
    """A figure the browser draws from the data blob (the `chart` macro)."""

    kind: str
    caption: str
    k: int | None = None
    wide: bool = False


@dataclass(frozen=True)
class _Window:
    """One row of the windows table (templates/sections/windows.html)."""

    index: str
    span: str
    label: str
    too_small: bool
    n_rows: _Number
    drift_share: _Number
    n_drifted: Markup
    n_columns: Markup
    drifted_columns: tuple[str, ...]
    metrics: tuple[tuple[_Number, bool], ...]
    out_of_band: tuple[str, ...]
    quality: _Status | None
    note: str | None

    @classmethod
    def of(cls, w: Mapping[str, Any], metrics: Sequence[str], labels: Mapping[str, str]) -> _Window:
        """The window ``w`` with the values of ``metrics`` (names), out-of-band ones by label."""
        out = w.get("out_of_band") or []
        values: Mapping[str, Any] = w.get("metrics") or {}
        quality = w.get("quality_status")
        return cls(
            index=str(w.get("index")),
            span=f"{w.get('start') or ''} – {w.get('end') or ''}" if w.get("start") else "",
            label=str(w.get("label")),
            too_small=bool(w.get("too_small")),
            n_rows=_Number.of(w.get("n_rows")),
            drift_share=_Number.of(w.get("drift_share"), _fmt_share(w.get("drift_share"))),
            n_drifted=Markup(_fmt(w.get("n_drifted"))),
            n_columns=Markup(_fmt(w.get("n_columns"))),
            drifted_columns=tuple(str(c) for c in w.get("drifted_columns") or []),
            metrics=tuple((_Number.of(values.get(name)), name in out) for name in metrics),
            out_of_band=tuple(str(labels.get(n, n)) for n in out),
            quality=_status(quality) if quality is not None else None,
            note=_text(w.get("note")),
        )


def _windows_badge(windows: Mapping[str, Any]) -> _Badge:
    """Out-of-band windows among the analysed ones; no green badge when none was analysed.

    >>> _windows_badge({"windows": [{"too_small": True}], "n_analysed": 0})
    _Badge(tone=<_Tone.SKIP: 'skip'>, text='no window analysed')
    """
    listed: Sequence[Mapping[str, Any]] = windows.get("windows") or []
    analysed = windows.get("n_analysed", sum(not w.get("too_small") for w in listed))
    out = sum(bool(w.get("out_of_band")) for w in listed)
    if not analysed:
        return _badge("skipped", "no window analysed")
    return _badge("warning" if out else "ok", f"{out} of {analysed} analysed out of band")


@dataclass(frozen=True)
class _Windows:
    """The time-windows section (templates/sections/windows.html)."""

    badge: _Badge
    by: str
    n_analysed: int
    n_out: int
    n_small: int
    note: str | None
    charts: tuple[_Chart, ...]
    more_charts: tuple[_Chart, ...]
    metric_columns: tuple[tuple[str, str], ...]
    rows: tuple[_Window, ...]


def _windows_section(report: Mapping[str, Any]) -> _Windows | None:
    windows: Mapping[str, Any] | None = report.get("windows")
    if windows is None:
        return None
    listed: Sequence[Mapping[str, Any]] = windows.get("windows") or []
    metrics = _metric_labels(report)
    n_small = sum(bool(w.get("too_small")) for w in listed)
    charts = [
        _Chart("metric", f"{label}{' (primary)' if primary else ''}", k)
        for k, (_, label, primary) in enumerate(metrics)
    ]
    first = [c for c, (_, _, primary) in zip(charts, metrics, strict=True) if primary]
    later = [c for c, (_, _, primary) in zip(charts, metrics, strict=True) if not primary]
    data = (_windows_data(report) or {}) if listed else {}
    n_scored, n_shown = data.get("n_scored", 0), len(data.get("columns") or [])
    first.append(_Chart("drift-share", "Share of columns drifted"))
    if n_shown:
        caption = (
            f"Drift score per column: the {n_shown} with the largest score, of {n_scored}"
            if n_shown < n_scored
            else "Drift score per column"
        )
        first.append(_Chart("column-scores", caption, wide=True))
    # The table shows the primary metrics; every metric has its chart.
    shown = [name for name, _, primary in metrics if primary]
    labels = {name: label for name, label, _ in metrics}
    return _Windows(
        badge=_windows_badge(windows),
        by=str(windows.get("by", _DASH)),
        n_analysed=len(listed) - n_small,
        n_out=sum(bool(w.get("out_of_band")) for w in listed),
        n_small=n_small,
        note=str(windows["note"]) if windows.get("note") else None,
        charts=tuple(first),
        more_charts=tuple(later),
        metric_columns=tuple((labels[name], "num") for name in shown),
        rows=tuple(_Window.of(w, shown, labels) for w in listed),
    )


_MODALITY_WORDS = {"image": "Images", "audio": "Audio files", "text": "Texts"}


@dataclass(frozen=True)
class _InputFiles:
    """One side's input files: how many rows, read, not used, and why."""

    side: str
    table: str | None
    n_rows: _Number
    n_read: _Number
    n_failed: _Number
    problems: str


@dataclass(frozen=True)
class _InputProblem:
    """One input that could not be used."""

    side: str
    row: _Number
    path: str | None
    problem: str | None
    detail: str | None


@dataclass(frozen=True)
class _EmbeddingTest:
    label: str
    statistic: _Number
    p_value: _Number


@dataclass(frozen=True)
class _Component:
    """A principal component of the embeddings: its number, its tests, its drift badge."""

    component: str
    numbers: tuple[_Number, ...]
    badge: _Badge


@dataclass(frozen=True)
class _Embedding:
    badge: _Badge
    source: str
    n_reference: Markup
    n_current: Markup
    n_features: Markup
    tests: tuple[_EmbeddingTest, ...]
    components: tuple[_Component, ...]
    rule: str


@dataclass(frozen=True)
class _Term:
    term: str | None
    reference_count: _Number
    current_count: _Number
    reference_share: Markup
    current_share: Markup
    log_ratio: _Number


@dataclass(frozen=True)
class _Terms:
    badge: _Badge
    method: str
    statistic: Markup
    p_value: Markup
    cramers_v: Markup
    rule: str
    rows: tuple[_Term, ...]


@dataclass(frozen=True)
class _Example:
    preview: str | None
    path: str
    name: str


@dataclass(frozen=True)
class _Inputs:
    """The inputs section (templates/sections/inputs.html)."""

    title: str
    column: str
    n_features: int
    files: tuple[_InputFiles, ...]
    problems: tuple[_InputProblem, ...]
    embedding: _Embedding | None
    terms: _Terms | None
    examples: tuple[tuple[str, tuple[_Example, ...]], ...]
    notes: tuple[str, ...]


_SIDES = ("reference", "current")


def _input_files(inputs: Mapping[str, Any]) -> tuple[_InputFiles, ...]:
    rows = []
    for side in _SIDES:
        files: Mapping[str, Any] = inputs.get(side) or {}
        problems = ", ".join(f"{n} {kind}" for kind, n in (files.get("by_problem") or {}).items())
        rows.append(
            _InputFiles(
                side=side,
                table=_text(files.get("table")),
                n_rows=_Number.of(files.get("n_rows")),
                n_read=_Number.of(files.get("n_read")),
                n_failed=_Number.of(files.get("n_failed")),
                problems=problems,
            )
        )
    return tuple(rows)


def _input_problems(inputs: Mapping[str, Any]) -> tuple[_InputProblem, ...]:
    return tuple(
        _InputProblem(
            side=side,
            row=_Number.of(p.get("row")),
            path=_text(p.get("path")),
            problem=_text(p.get("problem")),
            detail=_text(p.get("detail")),
        )
        for side in _SIDES
        for p in (inputs.get(side) or {}).get("examples") or []
    )


def _embedding(inputs: Mapping[str, Any]) -> _Embedding | None:
    emb = inputs.get("embedding")
    if not emb:
        return None
    tests = []
    for key, label in (("mmd", "MMD"), ("domain_classifier", "domain classifier (AUC)")):
        test = emb.get(key)
        if test:
            tests.append(
                _EmbeddingTest(
                    label, _Number.of(test.get("statistic")), _Number.of(test.get("p_value"))
                )
            )
    keys = (
        "explained_variance",
        "ks_statistic",
        "adjusted_p_value",
        "wasserstein",
        "mean_shift",
        "std_ratio",
    )
    components = tuple(
        _Component(
            component=str(c.get("component")),
            numbers=tuple(_Number.of(c.get(key)) for key in keys),
            badge=_drift_badge(c.get("drifted")),
        )
        for c in (emb.get("components") or [])[:5]
    )
    return _Embedding(
        badge=_drift_badge(emb.get("drifted")),
        source=str(inputs.get("embedding_source") or "embeddings"),
        n_reference=Markup(_fmt(emb.get("n_reference"))),
        n_current=Markup(_fmt(emb.get("n_current"))),
        n_features=Markup(_fmt(emb.get("n_features"))),
        tests=tuple(tests),
        components=components,
        rule=str(emb.get("rule", "")),
    )


def _terms(inputs: Mapping[str, Any]) -> _Terms | None:
    terms = inputs.get("terms")
    if not terms:
        return None
    rows = tuple(
        _Term(
            term=_text(t.get("term")),
            reference_count=_Number.of(t.get("reference_count")),
            current_count=_Number.of(t.get("current_count")),
            reference_share=Markup(_fmt_share(t.get("reference_share"))),
            current_share=Markup(_fmt_share(t.get("current_share"))),
            log_ratio=_Number.of(t.get("log_ratio")),
        )
        for t in terms.get("top_terms") or []
    )
    return _Terms(
        badge=_drift_badge(terms.get("drifted")),
        method=str(terms.get("method")),
        statistic=Markup(_fmt(terms.get("statistic"))),
        p_value=Markup(_fmt(terms.get("p_value"))),
        cramers_v=Markup(_fmt(terms.get("cramers_v"))),
        rule=str(terms.get("rule", "")),
        rows=rows,
    )


def _examples(inputs: Mapping[str, Any]) -> tuple[tuple[str, tuple[_Example, ...]], ...]:
    examples: Mapping[str, Any] = inputs.get("examples") or {}
    found = []
    for side in _SIDES:
        items = tuple(
            _Example(
                preview=str(item["preview"]) if item.get("preview") else None,
                path=str(item.get("path")),
                name=Path(str(item.get("path"))).name,
            )
            for item in examples.get(side) or []
        )
        if items:
            found.append((side, items))
    return tuple(found)


def _inputs_section(report: Mapping[str, Any]) -> _Inputs | None:
    """What the inputs behind the feature columns were: files read and not, embedding drift,
    term drift, examples; none for a plain table."""
    inputs = report.get("inputs")
    if not inputs:
        return None
    return _Inputs(
        title=_MODALITY_WORDS.get(str(inputs.get("modality")), "Inputs"),
        column=str(inputs.get("column")),
        n_features=len(inputs.get("features") or []),
        files=_input_files(inputs),
        problems=_input_problems(inputs),
        embedding=_embedding(inputs),
        terms=_terms(inputs),
        examples=_examples(inputs),
        notes=tuple(str(n) for n in inputs.get("notes") or []),
    )


# ---------------------------------------------------------------------------------------------
# Explanations: the model's attributions on reference and current (`driftscope.explain`).

_IMPORTANCE_SHOWN = 15
_CONTRIBUTIONS_SHOWN = 6
_EXPLAINER_WORDS = {
    "tree": "SHAP, exact for trees",
    "linear": "SHAP, exact for a linear model",
    "permutation": "SHAP, permutation (sampled)",
    "lime": "LIME (local surrogate)",
}


def _width(value: object, top: float) -> str:
    """A bar's length, in percent of the longest (``top``), as a CSS width."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not top > 0:
        return "0%"
    return f"{max(0.0, min(100.0, abs(value) / top * 100)):.1f}%"


def _value_text(value: object) -> str:
    """A feature value, a prediction or a label as plain text: numbers formatted, missing a dash."""
    if value is None or isinstance(value, int | float):
        return html.unescape(_fmt(value))
    return str(value)


@dataclass(frozen=True)
class _Importance:
    """One feature of the importance table: both sides, the change, the ranks, the bars'
    lengths (relative to the largest importance on either side)."""

    feature: str
    reference: _Number
    current: _Number
    change: _Number
    reference_rank: _Number
    current_rank: _Number
    reference_bar: str
    current_bar: str
    rose: bool

    @classmethod
    def of(cls, item: Mapping[str, Any], top: float) -> _Importance:
        change = item.get("change")
        return cls(
            feature=str(item.get("feature")),
            reference=_Number.of(item.get("reference")),
            current=_Number.of(item.get("current")),
            change=_Number.of(change, text=_signed(change)),
            reference_rank=_Number.of(item.get("reference_rank")),
            current_rank=_Number.of(item.get("current_rank")),
            reference_bar=_width(item.get("reference"), top),
            current_bar=_width(item.get("current"), top),
            rose=_is_number(change) and change > 0,
        )


@dataclass(frozen=True)
class _Contribution:
    """One feature's push on one row's output: its value there, its signed attribution, the
    bar's length relative to the row's largest push."""

    feature: str
    value: str
    contribution: _Number
    positive: bool
    bar: str


@dataclass(frozen=True)
class _ExplainedRow:
    """A row explained one by one (the worst errors first): its numbers and its largest
    contributions, the rest counted."""

    side: str
    row: str
    output: str
    prediction: str
    actual: str
    loss: Markup
    value: Markup
    base_value: Markup
    contributions: tuple[_Contribution, ...]
    n_more: int

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> _ExplainedRow:
        listed: Sequence[Mapping[str, Any]] = row.get("contributions") or []
        shown = listed[:_CONTRIBUTIONS_SHOWN]
        pushes = [c.get("contribution") for c in shown]
        top = max((abs(p) for p in pushes if _is_number(p)), default=0.0)
        contributions = tuple(
            _Contribution(
                feature=str(c.get("feature")),
                value=_value_text(c.get("value")),
                contribution=_Number.of(push, text=_signed(push)),
                positive=_is_number(push) and push >= 0,
                bar=_width(push, top),
            )
            for c, push in zip(shown, pushes, strict=True)
        )
        return cls(
            side=str(row.get("side")),
            row=_value_text(row.get("row")),
            output=str(row.get("output") or ""),
            prediction=_value_text(row.get("prediction")),
            actual=_value_text(row.get("actual")),
            loss=Markup(_fmt(row.get("loss"))),
            value=Markup(_fmt(row.get("value"))),
            base_value=Markup(_fmt(row.get("base_value"))),
            contributions=contributions,
            n_more=len(listed) - len(shown),
        )


@dataclass(frozen=True)
class _Explanations:
    """The explanations section (templates/sections/explanations.html): ``error`` alone when the
    model could not be explained; otherwise the lead, the importance table (the first features
    shown, the rest behind a toggle), the charts, the worst rows, the checks and warnings.

    A later block (what the change is attributed to) becomes one more field here and one more
    include in the template."""

    badge: _Badge
    error: str | None
    explainer: str = ""
    model: str = ""
    outputs: tuple[str, ...] = ()
    bounds: str = ""
    has_current: bool = False
    importance: tuple[_Importance, ...] = ()
    more_importance: tuple[_Importance, ...] = ()
    importance_chart: _Chart | None = None
    dependence: tuple[_Chart, ...] = ()
    rows: tuple[_ExplainedRow, ...] = ()
    additivity: str | None = None
    warnings: tuple[str, ...] = ()
    attribution: _Attribution | None = None
    images: _ImageExplanations | None = None
    text: _TextExplained | None = None


@dataclass(frozen=True)
class _ExplainedImage:
    """One explained image (templates/sections/image_explanations.html): its overlay (a PNG
    data URI, or none), where it came from, the class explained, its score and its top
    regions."""

    source: str
    overlay: str | None
    class_name: str
    score: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class _ImageSide:
    """The explained images of one side, what was explained of it, and the unreadable ones."""

    side: str
    bounds: str
    images: tuple[_ExplainedImage, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class _ImageExplanations:
    """An image model's explanations: the method, the model, the mask, the cost per image,
    and each side's images (current first)."""

    explainer: str
    model: str
    mask: str
    cost: str
    sides: tuple[_ImageSide, ...]


_IMAGE_EXPLAINER_WORDS = {
    "partition": "SHAP, partition explainer",
    "lime": "LIME on superpixels",
}


def _image_side(explanation: Mapping[str, Any], side: str) -> _ImageSide:
    bounds: Mapping[str, Any] = explanation.get("bounds") or {}
    text = f"{_fmt(bounds.get('images'))} of {_fmt(bounds.get('images_total'))} {side} images"
    if bounds.get("unreadable"):
        text += f" ({_fmt(bounds.get('unreadable'))} unreadable)"
    images = []
    for image in explanation.get("images") or []:
        regions: Sequence[Mapping[str, Any]] = image.get("regions") or []
        images.append(
            _ExplainedImage(
                source=str(image.get("source")),
                overlay=image.get("overlay"),
                class_name=str(image.get("class_name")),
                score=_fmt(image.get("score")),
                regions=tuple(
                    f"x {r['box'][0]}-{r['box'][2]}, y {r['box'][1]}-{r['box'][3]}: "
                    f"{100 * float(r['share']):.0f}% of the attribution"
                    for r in regions
                ),
            )
        )
    return _ImageSide(
        side=side,
        bounds=text,
        images=tuple(images),
        problems=tuple(
            f"{p.get('path')}: {p.get('detail')}" for p in explanation.get("problems") or []
        ),
    )


def _image_explanations_view(explanation: Mapping[str, Any]) -> _ImageExplanations:
    """The view of `ImageExplanation.to_dict()` (with its overlays)."""
    bounds: Mapping[str, Any] = explanation.get("bounds") or {}
    cost = f"at most {_fmt(bounds.get('evaluations_per_image'))} model calls per image"
    if bounds.get("segments") is not None:
        cost += f", about {_fmt(bounds.get('segments'))} superpixels each"
    sides = [_image_side(explanation, "current")]
    reference: Mapping[str, Any] | None = explanation.get("reference")
    if reference is not None:
        sides.append(_image_side(reference, "reference"))
    explainer = str(explanation.get("explainer"))
    return _ImageExplanations(
        explainer=_IMAGE_EXPLAINER_WORDS.get(explainer, explainer),
        model=str(explanation.get("model")),
        mask=str(explanation.get("mask")),
        cost=cost,
        sides=tuple(sides),
    )


@dataclass(frozen=True)
class _AttributedFeature:
    """One feature of an attribution table: its part (a loss contribution or a distance), its
    share, and a note (its noise, or whether it shifted beyond the threshold)."""

    feature: str
    part: _Number
    share: _Number
    note: str


@dataclass(frozen=True)
class _Attribution:
    """Why it changed (docs/attribution.md): the sentence the verdict quotes, the method, the
    features (the largest first, at most 10) and a note on the parts no feature explains."""

    title: str
    sentence: str
    method: str
    part_label: str
    features: tuple[_AttributedFeature, ...]
    note: str
    second: tuple[_AttributedFeature, ...] = ()
    second_method: str = ""


def _attribution_view(explanations: Mapping[str, Any]) -> _Attribution | None:
    """The loss attribution, or the prediction attribution, of an explanations section."""
    loss: Mapping[str, Any] | None = explanations.get("loss")
    if loss is not None:
        weighted: Mapping[str, Any] = loss.get("importance_weighted") or {}
        return _Attribution(
            title="Why the loss changed",
            sentence=str(loss.get("reason", "")),
            method=str(loss.get("method", "")),
            part_label=f"contribution to the {_words(loss.get('loss'))} change",
            features=tuple(
                _AttributedFeature(
                    str(f.get("feature")),
                    _Number.of(f.get("contribution"), _signed(f.get("contribution"))),
                    _Number.of(f.get("share"), _signed(f.get("share"), percent=True)),
                    f"± {_fmt(f.get('noise'))}",
                )
                for f in (loss.get("features") or [])[:10]
            ),
            note=(
                f"Mean {_words(loss.get('loss'))}: reference {_fmt(loss.get('reference_loss'))}, "
                f"current {_fmt(loss.get('current_loss'))}, change "
                f"{_signed(loss.get('change'))} (± {_fmt(loss.get('noise'))}); the labels' own "
                f"shift makes {_signed(loss.get('labels'))} of it, which no feature explains."
            ),
            second=tuple(
                _AttributedFeature(
                    str(w.get("feature")),
                    _Number.of(w.get("score")),
                    _Number.of(w.get("share"), _fmt_share(w.get("share"))),
                    f"drift {_fmt(w.get('drift'))} × importance {_fmt(w.get('importance'))}",
                )
                for w in (weighted.get("features") or [])[:5]
            ),
            second_method=(
                f"{_e(weighted.get('drift_score', ''))} × {_e(weighted.get('importance', ''))}"
            ),
        )
    prediction: Mapping[str, Any] | None = explanations.get("prediction")
    if prediction is None:
        return None
    return _Attribution(
        title="Why the predictions moved",
        sentence=str(prediction.get("reason", "")),
        method=str(prediction.get("method", "")),
        part_label="shift of its attributions (Wasserstein)",
        features=tuple(
            _AttributedFeature(
                str(f.get("feature")),
                _Number.of(f.get("distance")),
                _Number.of(f.get("share"), _fmt_share(f.get("share"))),
                "shifted" if f.get("shifted") else f"below {_fmt(f.get('threshold'))}",
            )
            for f in (prediction.get("features") or [])[:10]
        ),
        note=(
            "Mean output: "
            + ", ".join(
                f"{_e(o)} {_fmt(r)} → {_fmt(c)}"
                for o, r, c in zip(
                    prediction.get("outputs") or [],
                    prediction.get("reference_mean") or [],
                    prediction.get("current_mean") or [],
                    strict=False,
                )
            )
            + "."
        ),
    )


def _bounds_words(bounds: Mapping[str, Any]) -> str:
    """The bounds of an explanation in words.

    >>> words = _bounds_words({"reference_rows": 100, "reference_total": 285, "current_rows": 0,
    ...                        "current_total": 0, "background_rows": 50, "evaluations_per_row": 4})
    >>> for part in words.split("; "):
    ...     print(part)
    100 of 285 reference rows explained (no current data)
    50 background rows
    4 model evaluations per row
    """
    n_rows, n_total = _fmt(bounds.get("reference_rows")), _fmt(bounds.get("reference_total"))
    sides = f"{n_rows} of {n_total} reference rows"
    if bounds.get("current_total"):
        sides += (
            f" and {_fmt(bounds.get('current_rows'))} of {_fmt(bounds.get('current_total'))}"
            " current rows explained"
        )
    else:
        sides += " explained (no current data)"
    evaluations = bounds.get("evaluations_per_row")
    cost = (
        "exact attributions (no sampled evaluations)"
        if evaluations is None
        else f"{_fmt(evaluations)} model evaluations per row"
    )
    return f"{sides}; {_fmt(bounds.get('background_rows'))} background rows; {cost}"


def _explained_badge(explanations: Mapping[str, Any]) -> _Badge:
    """The nav's badge: the feature a drift attribution puts first (what the change comes
    from), else the feature whose importance rose most, else "explained" or "not made".

    >>> _explained_badge({"explanation": None, "error": "no model"}).text
    'not made'
    >>> imp = [{"feature": "age", "change": 0.2}, {"feature": "fare", "change": 0.5}]
    >>> _explained_badge({"explanation": {"importance": imp}}).text
    'fare rose most'
    >>> loss = {"attributable": True, "features": [{"feature": "age"}]}
    >>> _explained_badge({"explanation": {"importance": imp}, "loss": loss}).text
    'change from age'
    """
    explanation: Mapping[str, Any] | None = explanations.get("explanation")
    images: Mapping[str, Any] | None = explanations.get("images")
    if explanation is None and images is not None:
        shown = len(images.get("images") or []) + len(
            (images.get("reference") or {}).get("images") or []
        )
        return _badge("ok", f"{shown} image{'' if shown == 1 else 's'} explained")
    text: Mapping[str, Any] | None = explanations.get("text")
    if explanation is None and text is not None:
        explanation = {
            "importance": [
                {"feature": repr(i.get("token")), "change": i.get("change")}
                for i in text.get("importance") or []
            ]
        }
    if explanation is None:
        return _badge("warning", "not made")
    attributed = explanations.get("loss") or explanations.get("prediction")
    if attributed and attributed.get("attributable") and attributed.get("features"):
        return _badge("warning", f"change from {attributed['features'][0].get('feature')}")
    risen = [
        item
        for item in explanation.get("importance") or []
        if isinstance(item.get("change"), int | float) and item.get("change") > 0
    ]
    if not risen:
        return _badge("ok", "explained")
    top = max(risen, key=lambda item: item["change"])
    return _badge(None, f"{top.get('feature')} rose most")


def _largest(importance: Sequence[Mapping[str, Any]]) -> float:
    """The largest importance on either side: the importance bars' full length."""
    sizes = [
        float(item[side])
        for item in importance
        for side in ("reference", "current")
        if _is_number(item.get(side))
    ]
    return max(sizes, default=0.0)


def _explanation_view(explanation: Mapping[str, Any], badge: _Badge) -> _Explanations:
    importance: Sequence[Mapping[str, Any]] = explanation.get("importance") or []
    top = _largest(importance)
    items = tuple(_Importance.of(item, top) for item in importance)
    bounds: Mapping[str, Any] = explanation.get("bounds") or {}
    has_current = bool(bounds.get("current_total"))
    n_plotted = min(len(items), _IMPORTANCE_SHOWN)
    additivity = explanation.get("additivity")
    dependence: Sequence[Mapping[str, Any]] = explanation.get("dependence") or []
    return _Explanations(
        badge=badge,
        error=None,
        explainer=_EXPLAINER_WORDS.get(
            str(explanation.get("explainer")), str(explanation.get("explainer"))
        ),
        model=str(explanation.get("model")),
        outputs=tuple(str(o) for o in explanation.get("outputs") or []),
        bounds=_bounds_words(bounds),
        has_current=has_current,
        importance=items[:_IMPORTANCE_SHOWN],
        more_importance=items[_IMPORTANCE_SHOWN:],
        importance_chart=_Chart(
            "importance",
            f"Mean |attribution|, reference vs current: the {n_plotted} most important features"
            if has_current
            else f"Mean |attribution| on reference: the {n_plotted} most important features",
            wide=True,
        )
        if items
        else None,
        dependence=tuple(
            _Chart("dependence", f"{d.get('feature')}: value vs attribution", k)
            for k, d in enumerate(dependence)
        ),
        rows=tuple(_ExplainedRow.of(r) for r in explanation.get("rows") or []),
        additivity=None
        if additivity is None
        else (
            f"base value + attributions = output within {_plain(additivity)} on every explained row"
        ),
        warnings=tuple(str(w) for w in explanation.get("warnings") or []),
    )


def _explanations_section(report: Mapping[str, Any]) -> _Explanations | None:
    """The explanations section; none when the run was not asked to explain a model."""
    explanations: Mapping[str, Any] | None = report.get("explanations")
    if explanations is None:
        return None
    badge = _explained_badge(explanations)
    explanation: Mapping[str, Any] | None = explanations.get("explanation")
    images: Mapping[str, Any] | None = explanations.get("images")
    if explanation is None and images is not None:
        return _Explanations(badge=badge, error=None, images=_image_explanations_view(images))
    text: Mapping[str, Any] | None = explanations.get("text")
    if explanation is None and text is not None:
        return _Explanations(badge=badge, error=None, text=_text_explained(text))
    if explanation is None:
        return _Explanations(badge=badge, error=str(explanations.get("error") or "not explained"))
    return replace(
        _explanation_view(explanation, badge), attribution=_attribution_view(explanations)
    )


#: Texts of each side shown highlighted word by word (all are in the JSON).
_TEXTS_SHOWN = 5
_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(frozen=True)
class _TokenRow:
    """One word of a text explanation's importance table: its importance as a feature's (both
    sides, the change, the ranks, the bars) and the explained texts holding it on each side."""

    word: _Importance
    current_texts: _Number
    reference_texts: _Number

    @classmethod
    def of(cls, item: Mapping[str, Any], top: float) -> _TokenRow:
        return cls(
            word=_Importance.of({**item, "feature": item.get("token")}, top),
            current_texts=_Number.of(item.get("current_texts")),
            reference_texts=_Number.of(item.get("reference_texts")),
        )


@dataclass(frozen=True)
class _Piece:
    """A piece of a highlighted text: a weighted word (its weight in the tooltip, its colour's
    strength relative to the text's strongest word) or the text between words."""

    text: str
    weight: str | None = None
    up: bool = False
    strength: str = "0"


@dataclass(frozen=True)
class _ExplainedText:
    side: str
    index: int
    explained_class: str
    probability: str
    predicted_class: str
    pieces: tuple[_Piece, ...]


def _pieces(text: str, weights: Sequence[Mapping[str, Any]]) -> tuple[_Piece, ...]:
    """``text`` cut into words and what lies between, each weighted word with its weight.

    >>> [(p.text, p.weight, p.up, p.strength)
    ...  for p in _pieces("a refund, now", [{"token": "refund", "weight": 0.5},
    ...                                     {"token": "now", "weight": -0.25}])]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('a ', None, False, '0'), ('refund', '+0.5', True, '0.6'), (', ', None, False, '0'),
     ('now', '-0.25', False, '0.3')]
    """
    found = {str(w.get("token")): w.get("weight") for w in weights}
    top = max((abs(float(v)) for v in found.values() if _is_number(v)), default=0.0)
    pieces: list[_Piece] = []
    at = 0
    for match in _TOKEN.finditer(text):
        word = match.group()
        weight = found.get(word)
        if not _is_number(weight) or not top > 0:
            continue
        if match.start() > at:
            pieces.append(_Piece(text[at : match.start()]))
        # at most 0.6 of full colour, so that the word stays readable
        strength = f"{0.6 * abs(float(weight)) / top:.3g}"
        pieces.append(_Piece(word, _signed(weight), float(weight) > 0, strength))
        at = match.end()
    if at < len(text):
        pieces.append(_Piece(text[at:]))
    return tuple(pieces)


def _explained_texts(rows: Sequence[Mapping[str, Any]]) -> tuple[_ExplainedText, ...]:
    return tuple(
        _ExplainedText(
            side=str(r.get("side")),
            index=int(r.get("index") or 0),
            explained_class=str(r.get("explained_class")),
            probability=_plain(r.get("probability")),
            predicted_class=str(r.get("predicted_class")),
            pieces=_pieces(str(r.get("text") or ""), r.get("weights") or []),
        )
        for r in rows[:_TEXTS_SHOWN]
    )


@dataclass(frozen=True)
class _TextExplained:
    """A text classifier's word attributions (templates/sections/text_explanation.html): the
    lead, the words by importance (the first shown, the rest behind a toggle), the top words of
    each side and those that rose most, texts highlighted word by word, checks and warnings."""

    explainer: str
    model: str
    explained: str
    bounds: str
    has_reference: bool
    tokens: tuple[_TokenRow, ...]
    more_tokens: tuple[_TokenRow, ...]
    top_current: tuple[str, ...]
    top_reference: tuple[str, ...]
    rising: tuple[str, ...]
    texts: tuple[_ExplainedText, ...]
    reference_texts: tuple[_ExplainedText, ...]
    n_texts: int
    n_reference_texts: int
    additivity: str | None
    warnings: tuple[str, ...]


def _text_bounds_words(bounds: Mapping[str, Any]) -> str:
    """The bounds of a text explanation in words.

    >>> words = _text_bounds_words({"current_texts": 200, "current_total": 5000,
    ...     "reference_texts": 0, "reference_total": 0, "samples_per_text": 500,
    ...     "features_per_text": 10})
    >>> for part in words.split("; "):
    ...     print(part)
    200 of 5,000 texts explained (no reference)
    at most 500 model calls per text
    the 10 strongest words of each text
    """
    sides = f"{_fmt(bounds.get('current_texts'))} of {_fmt(bounds.get('current_total'))} texts"
    if bounds.get("reference_total"):
        sides += (
            f" and {_fmt(bounds.get('reference_texts'))} of "
            f"{_fmt(bounds.get('reference_total'))} reference texts explained"
        )
    else:
        sides += " explained (no reference)"
    parts = [sides, f"at most {_fmt(bounds.get('samples_per_text'))} model calls per text"]
    features = bounds.get("features_per_text")
    parts.append(
        "every word weighed"
        if features is None
        else f"the {_fmt(features)} strongest words of each text"
    )
    return html.unescape("; ".join(parts))


def _text_explained(text: Mapping[str, Any]) -> _TextExplained:
    importance: Sequence[Mapping[str, Any]] = text.get("importance") or []
    bounds: Mapping[str, Any] = text.get("bounds") or {}
    has_reference = bool(bounds.get("reference_total"))
    top = _largest(importance)
    rows = tuple(_TokenRow.of(item, top) for item in importance)

    def ranked(side: str) -> tuple[str, ...]:
        key = f"{side}_rank"
        have = [i for i in importance if _is_number(i.get(key))]
        return tuple(str(i.get("token")) for i in sorted(have, key=lambda i: i[key])[:5])

    explained = text.get("explained_class")
    additivity = text.get("additivity")
    texts: Sequence[Mapping[str, Any]] = text.get("texts") or []
    reference_texts: Sequence[Mapping[str, Any]] = text.get("reference_texts") or []
    return _TextExplained(
        explainer="LIME" if text.get("explainer") == "lime" else "SHAP, partition (text masker)",
        model=str(text.get("model")),
        explained="each text's predicted class"
        if explained is None
        else f"probability of class '{explained}'",
        bounds=_text_bounds_words(bounds),
        has_reference=has_reference,
        tokens=rows[:_IMPORTANCE_SHOWN],
        more_tokens=rows[_IMPORTANCE_SHOWN:],
        top_current=ranked("current"),
        top_reference=ranked("reference") if has_reference else (),
        rising=tuple(
            str(i.get("token"))
            for i in importance
            if _is_number(i.get("change")) and i["change"] > 0
        )[:5],
        texts=_explained_texts(texts),
        reference_texts=_explained_texts(reference_texts),
        n_texts=len(texts),
        n_reference_texts=len(reference_texts),
        additivity=None
        if additivity is None
        else f"base value + weights = probability within {_plain(additivity)} on every text",
        warnings=tuple(str(w) for w in text.get("warnings") or []),
    )


def _is_number(value: object) -> TypeGuard[int | float]:
    """A number, not a boolean."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_categorical(values: Sequence[Any]) -> bool:
    """Whether a feature's values go on a category axis (any value that is not a number).

    >>> _is_categorical([1, 2.5, None]), _is_categorical([1, "a"]), _is_categorical([True])
    (False, True, True)
    """
    return any(not _is_number(v) for v in values if v is not None)


def _explanation_data(explanation: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the explanation charts draw: the top importances and the dependence points."""
    if explanation is None:
        return None
    shown = (explanation.get("importance") or [])[:_IMPORTANCE_SHOWN]
    bounds: Mapping[str, Any] = explanation.get("bounds") or {}
    dependence = []
    for d in explanation.get("dependence") or []:
        sides = {side: d.get(side) or {} for side in _SIDES}
        values = [v for side in sides.values() for v in side.get("values") or []]
        dependence.append(
            {
                "feature": str(d.get("feature")),
                "categorical": _is_categorical(values),
                **{
                    side: {
                        "values": [
                            v if v is None or _is_number(v) else str(v)
                            for v in part.get("values") or []
                        ],
                        "attributions": list(part.get("attributions") or []),
                    }
                    for side, part in sides.items()
                },
            }
        )
    return {
        "features": [str(i.get("feature")) for i in shown],
        "reference": [i.get("reference") for i in shown],
        "current": [i.get("current") for i in shown] if bounds.get("current_total") else None,
        "dependence": dependence,
    }


# ---------------------------------------------------------------------------------------------
# Feedback, shadow model and A/B test (`monitor(..., feedback=, shadow_prediction=, arm=)`).

_SECTION_SEGMENTS_SHOWN = 10


def _interval_text(low: object, high: object, share: bool = True) -> Markup:
    """An interval as ``[12.0%, 15.5%]`` (shares) or ``[-0.031, 0.031]``, a dash without one.

    >>> str(_interval_text(0.12, 0.155)), str(_interval_text(-0.0308, 0.0308, share=False))
    ('[12.0%, 15.5%]', '[-0.0308, 0.0308]')
    """
    if not _is_number(low) or not _is_number(high):
        return Markup(_DASH)
    if share:
        return Markup(f"[{_fmt_share(low)}, {_fmt_share(high)}]")
    return Markup(f"[{_fmt(low)}, {_fmt(high)}]")


def _share_number(value: object, interval: str | None = None) -> _Number:
    """A share's cell: a percentage, its interval (markup) in small type below it."""
    return _Number.of(value, _fmt_share(value), notes=() if interval is None else (interval,))


def _p_text(value: object) -> str:
    return "&lt;0.001" if _is_number(value) and value < 0.001 else _fmt(value)


@dataclass(frozen=True)
class _FeedbackWindow:
    """One window row of the feedback section."""

    label: str
    index: int
    n_feedback: _Number
    negative_share: _Number
    coverage: _Number
    error_rate: _Number
    baseline_share: _Number
    p_value: _Number
    status: _Status
    status_word: str
    note: str | None

    @classmethod
    def of(cls, w: Mapping[str, Any]) -> _FeedbackWindow:
        share = w.get("negative_share")
        interval = _interval_text(w.get("ci_low"), w.get("ci_high"))
        return cls(
            label=str(w.get("label")),
            index=int(w.get("index") or 0),
            n_feedback=_Number.of(w.get("n_feedback")),
            negative_share=_share_number(share, interval),
            coverage=_share_number(w.get("coverage")),
            error_rate=_share_number(w.get("error_rate")),
            baseline_share=_share_number(w.get("baseline_share")),
            p_value=_Number.of(w.get("p_value"), _p_text(w.get("p_value"))),
            status=_status(w.get("status")),
            status_word=str(w.get("status")),
            note=_text(w.get("note")),
        )


@dataclass(frozen=True)
class _FeedbackSegment:
    """A predicted class or feature segment row of the feedback section."""

    column: str
    segment: str
    n_feedback: _Number
    negative_share: _Number
    lift: _Number
    p_value: _Number
    significant: bool

    @classmethod
    def of(cls, s: Mapping[str, Any]) -> _FeedbackSegment:
        share = s.get("negative_share")
        lift = s.get("lift")
        return cls(
            column=str(s.get("column")),
            segment=str(s.get("segment")),
            n_feedback=_Number.of(s.get("n_feedback")),
            negative_share=_share_number(share, _interval_text(s.get("ci_low"), s.get("ci_high"))),
            lift=_Number.of(lift, f"{lift:.2f}×" if _is_number(lift) else None),
            p_value=_Number.of(s.get("p_value"), _p_text(s.get("p_value"))),
            significant=bool(s.get("significant")),
        )


@dataclass(frozen=True)
class _Feedback:
    """The feedback section (templates/sections/feedback.html)."""

    badge: _Badge
    summary: str
    coverage: str | None
    windows_by: str
    baseline: str
    rule: str
    with_coverage: bool
    with_errors: bool
    windows: tuple[_FeedbackWindow, ...]
    segments: tuple[_FeedbackSegment, ...]
    proxy: str | None
    words: tuple[str, ...]
    warnings: tuple[str, ...]


def _feedback_badge(feedback: Mapping[str, Any]) -> _Badge:
    """Windows in alert, or ok.

    >>> _feedback_badge({"alerts": ["2026-03-05"]}).text, _feedback_badge({"alerts": []}).text
    ('1 window up', 'ok')
    """
    alerts = feedback.get("alerts") or []
    if alerts:
        return _badge("alert", f"{len(alerts)} window{'' if len(alerts) == 1 else 's'} up")
    return _badge("ok")


def _feedback_section(report: Mapping[str, Any]) -> _Feedback | None:
    feedback: Mapping[str, Any] | None = report.get("feedback")
    if feedback is None:
        return None
    windows: Sequence[Mapping[str, Any]] = feedback.get("windows") or []
    coverage = None
    if feedback.get("coverage") is not None:
        coverage = (
            f"{_fmt(feedback.get('n_feedback'))} of {_fmt(feedback.get('n_predictions'))} current "
            f"rows rated ({_fmt_share(feedback.get('coverage'))})"
        )
    segments = [*(feedback.get("by_class") or []), *(feedback.get("segments") or [])]
    proxy = feedback.get("proxy")
    return _Feedback(
        badge=_feedback_badge(feedback),
        summary=str(feedback.get("summary", "")),
        coverage=Markup(coverage) if coverage else None,
        windows_by=str(feedback.get("windows_by", _DASH)),
        baseline=str(feedback.get("baseline", _DASH)),
        rule=str(feedback.get("rule", "")),
        with_coverage=any(w.get("coverage") is not None for w in windows),
        with_errors=any(w.get("error_rate") is not None for w in windows),
        windows=tuple(_FeedbackWindow.of(w) for w in windows),
        segments=tuple(_FeedbackSegment.of(s) for s in segments[:_SECTION_SEGMENTS_SHOWN]),
        proxy=str(proxy["summary"]) if proxy else None,
        words=tuple(f"{w['word']} ({w['count']})" for w in feedback.get("negative_words") or []),
        warnings=tuple(str(w) for w in feedback.get("warnings") or []),
    )


@dataclass(frozen=True)
class _MetricDifference:
    """One metric row of an A/B comparison: A, B, B - A with its interval, p, who is better."""

    label: str
    primary: bool
    value_a: _Number
    value_b: _Number
    difference: _Number
    p_value: _Number
    better: _Badge | None
    rows_needed: _Number
    test: str

    @classmethod
    def of(cls, m: Mapping[str, Any]) -> _MetricDifference:
        difference = m.get("difference")
        better = m.get("better")
        return cls(
            label=str(m.get("label") or m.get("name")),
            primary=bool(m.get("primary")),
            value_a=_Number.of(m.get("value_a")),
            value_b=_Number.of(m.get("value_b")),
            difference=_Number.of(
                difference,
                _signed(difference),
                notes=(_interval_text(m.get("low"), m.get("high"), share=False),),
            ),
            p_value=_Number.of(m.get("p_value"), _p_text(m.get("p_value"))),
            better=_badge("ok", f"{better} better") if better else None,
            rows_needed=_Number.of(m.get("rows_needed_per_arm")),
            test=Markup(_words(m.get("test"))),
        )


@dataclass(frozen=True)
class _ABTest:
    """An A/B test (templates/sections/ab_test.html; also who was right in shadow.html)."""

    badge: _Badge
    verdict: str
    arm_a: str
    arm_b: str
    design: str
    n_labelled_a: Markup
    n_labelled_b: Markup
    confidence: str
    metrics: tuple[_MetricDifference, ...]
    split: str | None
    unbalanced: bool
    discordant: str | None
    drifted_features: tuple[str, ...]
    warnings: tuple[str, ...]


def _ab_badge(ab: Mapping[str, Any]) -> _Badge:
    """The arm that wins on the primary metric, or no difference.

    >>> _ab_badge({"winner": "B", "arms": ["v1", "v2"]}).text
    'v2 better'
    """
    winner, arms = ab.get("winner"), ab.get("arms") or ["A", "B"]
    if winner in ("A", "B"):
        return _badge("ok", f"{arms[0 if winner == 'A' else 1]} better")
    return _badge(None, "no significant difference")


def _ab_view(ab: Mapping[str, Any]) -> _ABTest:
    arms = [str(a) for a in ab.get("arms") or ["A", "B"]]
    split: Mapping[str, Any] | None = ab.get("split")
    split_text = None
    if split is not None:
        split_text = (
            f"B got {_fmt_share(split.get('share_b'))} of the rows "
            f"({_fmt_share(split.get('expected_share_b'))} expected; binomial p = "
            f"{_p_text(split.get('p_value'))})"
        )
    discordant = ab.get("discordant")
    confidence = ab.get("confidence")
    return _ABTest(
        badge=_ab_badge(ab),
        verdict=str(ab.get("verdict", "")),
        arm_a=arms[0],
        arm_b=arms[1],
        design=str(ab.get("design", _DASH)),
        n_labelled_a=Markup(_fmt(ab.get("n_labelled_a"))),
        n_labelled_b=Markup(_fmt(ab.get("n_labelled_b"))),
        confidence=f"{confidence * 100:g}% CI" if _is_number(confidence) else "CI",
        metrics=tuple(_MetricDifference.of(m) for m in ab.get("metrics") or []),
        split=Markup(split_text) if split_text else None,
        unbalanced=bool(split and split.get("unbalanced")),
        discordant=(
            f"rows only A got right: {discordant[0]:,}; only B: {discordant[1]:,}"
            if discordant
            else None
        ),
        drifted_features=tuple(str(f) for f in ab.get("drifted_features") or []),
        warnings=tuple(str(w) for w in ab.get("warnings") or []),
    )


def _ab_test_section(report: Mapping[str, Any]) -> _ABTest | None:
    ab: Mapping[str, Any] | None = report.get("ab_test")
    return None if ab is None else _ab_view(ab)


@dataclass(frozen=True)
class _Divergence:
    """One output's divergence row of the shadow section."""

    output: str
    method: str
    statistic: _Number
    p_value: _Number
    distance_method: str
    distance: _Number

    @classmethod
    def of(cls, d: Mapping[str, Any]) -> _Divergence:
        return cls(
            output=str(d.get("output")),
            method=Markup(_words(d.get("method"))),
            statistic=_Number.of(d.get("statistic")),
            p_value=_Number.of(d.get("p_value"), _p_text(d.get("p_value"))),
            distance_method=Markup(_words(d.get("distance_method"))),
            distance=_Number.of(d.get("distance")),
        )


@dataclass(frozen=True)
class _ShadowWindow:
    """One window row of the shadow section."""

    label: str
    index: int
    n_rows: _Number
    agreement: _Number
    distance: _Number
    too_small: bool

    @classmethod
    def of(cls, w: Mapping[str, Any]) -> _ShadowWindow:
        agreement = w.get("agreement") or {}
        distances = [d.get("distance") for d in w.get("divergence") or []]
        largest = max((d for d in distances if _is_number(d)), default=None)
        rate = agreement.get("rate")
        return cls(
            label=str(w.get("label")),
            index=int(w.get("index") or 0),
            n_rows=_Number.of(w.get("n_rows")),
            agreement=_share_number(
                rate, _interval_text(agreement.get("low"), agreement.get("high"))
            ),
            distance=_Number.of(largest),
            too_small=bool(w.get("too_small")),
        )


@dataclass(frozen=True)
class _Disagreement:
    """A feature segment where production and the candidate disagree."""

    feature: str
    segment: str
    n_rows: _Number
    disagreement: _Number
    lift: _Number
    notable: bool

    @classmethod
    def of(cls, s: Mapping[str, Any]) -> _Disagreement:
        rate, lift = s.get("disagreement"), s.get("lift")
        return cls(
            feature=str(s.get("feature")),
            segment=str(s.get("segment")),
            n_rows=_Number.of(s.get("n_rows")),
            disagreement=_share_number(rate, _interval_text(s.get("low"), s.get("high"))),
            lift=_Number.of(lift, f"{lift:.2f}×" if _is_number(lift) else None),
            notable=bool(s.get("notable")),
        )


@dataclass(frozen=True)
class _Shadow:
    """The shadow-model section (templates/sections/shadow.html)."""

    badge: _Badge
    verdict: str
    production: str
    candidate: str
    n_rows: Markup
    agreement: str
    regression: str | None
    divergence: tuple[_Divergence, ...]
    windows: tuple[_ShadowWindow, ...]
    segments: tuple[_Disagreement, ...]
    who_was_right: _ABTest | None
    counts: str | None
    warnings: tuple[str, ...]


def _shadow_section(report: Mapping[str, Any]) -> _Shadow | None:
    shadow: Mapping[str, Any] | None = report.get("shadow")
    if shadow is None:
        return None
    agreement: Mapping[str, Any] = shadow.get("agreement") or {}
    rate = agreement.get("rate")
    regression = None
    if shadow.get("mean_abs_difference") is not None:
        regression = (
            f"mean |production - candidate| {_plain(shadow.get('mean_abs_difference'))}, "
            f"correlation {_plain(shadow.get('correlation'))}, agreement within "
            f"{_plain(shadow.get('tolerance'))}"
        )
    who: Mapping[str, Any] | None = shadow.get("who_was_right")
    counts = None
    if who is not None and who.get("only_candidate") is not None:
        counts = (
            f"both right {who['both_right']:,} · only production {who['only_production']:,} · "
            f"only the candidate {who['only_candidate']:,} · neither {who['neither']:,}"
        )
    full = rate is not None and rate >= 1.0
    return _Shadow(
        badge=_badge("ok" if full else "warning", f"{html.unescape(_fmt_share(rate))} agree"),
        verdict=str(shadow.get("verdict", "")),
        production=str(shadow.get("production")),
        candidate=str(shadow.get("candidate")),
        n_rows=Markup(_fmt(shadow.get("n_rows"))),
        agreement=Markup(
            f"{_fmt_share(rate)} {_interval_text(agreement.get('low'), agreement.get('high'))}"
        ),
        regression=regression,
        divergence=tuple(_Divergence.of(d) for d in shadow.get("divergence") or []),
        windows=tuple(_ShadowWindow.of(w) for w in shadow.get("windows") or []),
        segments=tuple(_Disagreement.of(s) for s in shadow.get("segments") or []),
        who_was_right=None if who is None else _ab_view(who["comparison"]),
        counts=counts,
        warnings=tuple(str(w) for w in shadow.get("warnings") or []),
    )


def _section_jumps(report: Mapping[str, Any]) -> list[tuple[str, str, _Badge | None]]:
    """The nav's jump buttons to the feedback, shadow-model and A/B sections a report has."""
    items: list[tuple[str, str, _Badge | None]] = []
    feedback = report.get("feedback")
    if feedback is not None:
        items.append(("feedback", "Feedback", _feedback_badge(feedback)))
    shadow = _shadow_section(report)
    if shadow is not None:
        items.append(("shadow", "Shadow model", shadow.badge))
    ab = report.get("ab_test")
    if ab is not None:
        items.append(("ab_test", "A/B test", _ab_badge(ab)))
    return items


class _Layout(StrEnum):
    """Which sections a report shows, in which order (templates/sections/body.html)."""

    DRIFT = "drift"
    MONITORING = "monitoring"
    QUALITY = "quality"
    EXPLANATION = "explanation"


@dataclass(frozen=True)
class _Body:
    """The whole report's view model (templates/sections/body.html): the view of each section
    its layout shows, each section's template reading its own; ``None`` for a section the
    layout does not show, or the report does not have."""

    layout: _Layout
    run: _Run
    warnings: tuple[str, ...]
    dataset: _DatasetHeadline | None = None
    verdict: _Verdict | None = None
    nav: tuple[_Jump, ...] | None = None
    performance: _Performance | None = None
    estimated: _Estimated | None = None
    concept: _Concept | None = None
    quality: _Quality | None = None
    windows: _Windows | None = None
    explanations: _Explanations | None = None
    feedback: _Feedback | None = None
    shadow: _Shadow | None = None
    ab_test: _ABTest | None = None
    inputs: _Inputs | None = None
    multivariate: tuple[_MultivariateTest, ...] | None = None
    columns: tuple[_DriftColumn, ...] | None = None
    schema: tuple[_SchemaColumn, ...] | None = None
    rules: tuple[tuple[str, str], ...] | None = None
    profiles: _Profiles | None = None


def _body(report: Mapping[str, Any], monitoring: bool) -> _Body:
    if not monitoring:
        layout = _Layout.DRIFT
    elif report.get("verdict") is None and report.get("dataset") is None:
        layout = _Layout.QUALITY
    else:
        layout = _Layout.MONITORING
    # The model's sections are a monitoring report's, the drift sections every report's but data
    # quality alone; data quality is every monitoring report's. A drift report's headline is its
    # verdict, a monitoring report's has a verdict of its own.
    model, drift = layout == _Layout.MONITORING, layout != _Layout.QUALITY
    headline = "Dataset drift" if model else "Verdict"
    return _Body(
        layout,
        run=_run(report, with_model=model),
        warnings=_warnings(report),
        dataset=_dataset_headline(report, headline) if drift else None,
        verdict=_verdict_banner(report) if model else None,
        nav=_nav(report) if model else None,
        performance=_performance_section(report) if model else None,
        estimated=_estimated_section(report) if model else None,
        concept=_concept_section(report) if model else None,
        quality=_quality_section(report) if monitoring else None,
        windows=_windows_section(report) if model else None,
        explanations=_explanations_section(report) if drift else None,
        feedback=_feedback_section(report) if model else None,
        shadow=_shadow_section(report) if model else None,
        ab_test=_ab_test_section(report) if model else None,
        inputs=_inputs_section(report) if drift else None,
        multivariate=_multivariate(report) if drift else None,
        columns=_drift_columns(report) if drift else None,
        schema=_schema_columns(report) if drift else None,
        rules=_rules(report) if drift else None,
        profiles=_profiles_section(report) if drift else None,
    )


def _reliability_data(report: Mapping[str, Any]) -> dict[str, Any] | None:
    performance: Mapping[str, Any] = report.get("performance") or {}
    details: Mapping[str, Any] = performance.get("details") or {}
    labels = performance.get("labels") or []
    sides = []
    kind = None
    for side in ("reference", "current"):
        curve = (details.get(side) or {}).get("reliability")
        if not curve:
            continue
        kind = curve.get("kind")
        sides.append(
            {
                "side": side,
                "name": f"{side} (ECE {_plain(curve.get('expected_calibration_error'))})",
                "x": curve.get("mean_confidence") or [],
                "y": curve.get("accuracy") or [],
                "n": curve.get("count") or [],
            }
        )
    if not sides:
        return None
    if kind == "positive_class":
        positive = f" {labels[-1]!s}" if labels else ""
        x_title, y_title = f"predicted probability of class{positive}", "observed share of class"
    else:
        x_title, y_title = "confidence (highest probability)", "share predicted right"
    return {"sides": sides, "x_title": x_title, "y_title": y_title}


def _errors_data(report: Mapping[str, Any]) -> dict[str, Any] | None:
    details: Mapping[str, Any] = (report.get("performance") or {}).get("details") or {}
    sides = []
    for side in ("reference", "current"):
        dist = (details.get(side) or {}).get("error_distribution")
        if dist:
            sides.append(
                {
                    "side": side,
                    "name": f"{side} (mean {_plain(dist.get('mean'))})",
                    "edges": dist.get("bin_edges") or [],
                    "counts": dist.get("counts") or [],
                }
            )
    return {"sides": sides} if sides else None


def _concept_data(report: Mapping[str, Any]) -> dict[str, Any] | None:
    concept: Mapping[str, Any] | None = report.get("concept_drift")
    if concept is None:
        return None
    return {
        "loss": str(concept.get("loss") or "loss").replace("_", " "),
        "steps": ["reference", "expected on current inputs", "observed on current"],
        "values": [
            concept.get("reference_loss"),
            concept.get("expected_loss"),
            concept.get("current_loss"),
        ],
    }


def _windows_data(report: Mapping[str, Any]) -> dict[str, Any] | None:
    windows: Mapping[str, Any] | None = report.get("windows")
    if windows is None:
        return None
    listed: Sequence[Mapping[str, Any]] = windows.get("windows") or []
    bands: Mapping[str, Any] = windows.get("bands") or {}
    references = {
        m.get("name"): m.get("reference")
        for m in (report.get("performance") or {}).get("metrics") or []
    }
    metrics = []
    for name, label, primary in _metric_labels(report):
        band = bands.get(name)
        metrics.append(
            {
                "name": name,
                "label": label,
                "primary": primary,
                "values": [(w.get("metrics") or {}).get(name) for w in listed],
                "out": [name in (w.get("out_of_band") or []) for w in listed],
                "band": None
                if not band
                else {"low": band.get("low"), "high": band.get("high"), "mean": band.get("mean")},
                "reference": references.get(name),
            }
        )
    # The columns whose largest score over the windows is highest: the ones worth a line.
    peaks: dict[str, float] = {}
    for w in listed:
        for name, score in (w.get("drift_scores") or {}).items():
            if isinstance(score, int | float) and not isinstance(score, bool):
                peaks[name] = max(peaks.get(name, -math.inf), score)
    top = sorted(peaks, key=lambda n: -peaks[n])[:_WINDOW_COLUMNS_SHOWN]
    columns = [
        {
            "name": name,
            "scores": [(w.get("drift_scores") or {}).get(name) for w in listed],
            "drifted": [name in (w.get("drifted_columns") or []) for w in listed],
        }
        for name in top
    ]
    return {
        "labels": [str(w.get("label")) for w in listed],
        "too_small": [bool(w.get("too_small")) for w in listed],
        "metrics": metrics,
        "drift_share": [w.get("drift_share") for w in listed],
        "dataset_drifted": [bool(w.get("dataset_drifted")) for w in listed],
        "threshold": (report.get("dataset") or {}).get("drift_share_threshold"),
        "columns": columns,
        "n_scored": len(peaks),
        # Drifts of the streaming detector over the time-ordered errors, by window.
        "change_points": [
            {"window": e.get("window"), "timestamp": e.get("timestamp")}
            for e in (report.get("change_points") or {}).get("events") or []
            if e.get("kind") == "drift" and e.get("window") is not None
        ],
        "change_detector": (report.get("change_points") or {}).get("detector"),
    }


def _monitor_data(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the monitoring charts draw: curves, histograms and per-window series, as given."""
    data = {
        "reliability": _reliability_data(report),
        "errors": _errors_data(report),
        "concept": _concept_data(report),
        "windows": _windows_data(report),
    }
    explanations: Mapping[str, Any] | None = report.get("explanations")
    if explanations is not None:
        # Only in reports that have the section, so that the others' pages keep their bytes.
        data["explanations"] = _explanation_data(explanations.get("explanation"))
    return data


def _plot_data(report: Mapping[str, Any]) -> dict[str, Any]:
    """The compact blob the browser draws from: counts and bins only, by row index."""
    out: list[dict[str, Any] | None] = []
    for col in report.get("columns") or []:
        summary = col.get("summary")
        if not summary:
            out.append(None)
            continue
        out.append(
            {
                "ref": list(summary.get("reference_counts") or []),
                "cur": list(summary.get("current_counts") or []),
                "edges": summary.get("edges"),
                "cats": summary.get("categories"),
            }
        )
    data: dict[str, Any] = {"columns": out}
    if is_monitoring(report):
        data["monitor"] = _monitor_data(report)
    return data


@functools.cache
def plotly_js() -> str:
    """Plotly's basic bundle (bar, scatter, pie), shipped with driftscope; see assets/README.md."""
    bundle = resources.files("driftscope.report").joinpath("assets/plotly-basic.min.js")
    # Today's bundle never spells "</script"; if one ever does, "<\/" means the same to JS.
    return bundle.read_text(encoding="utf-8").replace("</script", "<\\/script")


def _styles(report: Mapping[str, Any], monitoring: bool) -> tuple[str, ...]:
    """The style files a report's page inlines: image explanations' only where it shows some,
    so that every other page keeps its bytes. A drift report with explanations (`compare_text`
    with a model) takes the monitoring styles they use."""
    explanations: Mapping[str, Any] | None = report.get("explanations")
    if not monitoring and explanations is None:
        return ("report.css",)
    explanations = explanations or {}
    images = ("image_explanations.css",) if explanations.get("images") is not None else ()
    return ("report.css", "monitor.css", *images)


def render_html(report: Mapping[str, Any], standalone: bool = True) -> str:
    """Render a report dict as self-contained HTML that needs no network.

    Parameters
    ----------
    report
        The report as plain data, in the shape of ``Report.to_dict()`` (see
        docs/report-schema.md). Every number shown is read from it.
    standalone
        ``True`` for a whole HTML document; ``False`` for a fragment to embed, as Jupyter
        does with ``_repr_html_``. Both inline Plotly's JavaScript exactly once.

    Examples
    --------
    >>> from driftscope.report.html import _e
    >>> _e("<b>age</b>")
    '&lt;b&gt;age&lt;/b&gt;'
    """
    monitoring = is_monitoring(report)
    meta: Mapping[str, Any] = report.get("metadata") or {}
    page = _Page(
        title=f"driftscope: {meta.get('reference', '?')} vs {meta.get('current', '?')}",
        monitoring=monitoring,
        css=Markup(_inline(*_styles(report, monitoring))),
        body=_body(report, monitoring),
        data=Markup(_json_for_script(_plot_data(report))),
        script=Markup(_inline("report.js", "monitor.js") if monitoring else _inline("report.js")),
        plotly=Markup(plotly_js()),
    )
    template = _templates().get_template("page.html" if standalone else "report.html")
    return template.render(page=page)


def render_image_explanation_html(
    explanation: Mapping[str, Any], current: str, reference: str | None = None
) -> str:
    """Render one image explanation as a self-contained HTML page that needs no network.

    The page `driftscope images explain -o` writes: each image with its overlay and top
    regions, current first, then reference, under a header naming the inputs.

    Parameters
    ----------
    explanation
        ``ImageExplanation.to_dict(overlay_side=...)`` (see docs/report-schema.md,
        "image_explanation"); an image without an overlay is listed without a picture.
    current, reference
        The names of the inputs, shown in the header (``reference`` none when only the current
        images were explained).

    Examples
    --------
    >>> image = {"source": "a.png", "class_name": "cat", "class_index": 0, "score": 0.9,
    ...          "overlay": None, "regions": [{"box": [0, 0, 8, 8], "share": 0.5}]}
    >>> page = render_image_explanation_html({"explainer": "partition", "model": "m.onnx",
    ...     "mask": "constant 0", "images": [image], "problems": [], "reference": None,
    ...     "bounds": {"images": 1, "images_total": 4, "unreadable": 0,
    ...                "evaluations_per_image": 200, "segments": None}}, current="new/")
    >>> 'data-section="explanations"' in page, "1 of 4 current images" in page
    (True, True)
    """
    images = _image_explanations_view(explanation)
    shown = sum(len(side.images) for side in images.sides)
    body = _Body(
        _Layout.EXPLANATION,
        run=_run({"metadata": {"reference": reference or _DASH, "current": current}}),
        warnings=(),
        explanations=_Explanations(
            badge=_badge("ok", f"{shown} image{'' if shown == 1 else 's'} explained"),
            error=None,
            images=images,
        ),
    )
    page = _Page(
        title=f"driftscope: explanation of {explanation.get('model', '?')} on {current}",
        monitoring=True,
        css=Markup(_inline("report.css", "monitor.css", "image_explanations.css")),
        body=body,
        data=Markup(_json_for_script({"columns": [], "monitor": {"explanations": None}})),
        script=Markup(_inline("report.js", "monitor.js")),
        plotly=Markup(plotly_js()),
    )
    return _templates().get_template("page.html").render(page=page)


def render_explanation_html(
    explanation: Mapping[str, Any], reference: str | None = None, current: str | None = None
) -> str:
    """Render one explanation as a self-contained HTML page that needs no network.

    The page `driftscope explain -o` writes: the explanations section of a monitoring report
    on its own, under a header naming the inputs.

    Parameters
    ----------
    explanation
        The explanation as plain data, in the shape of ``Explanation.to_dict()`` (see
        docs/report-schema.md, "explanation").
    reference, current
        The names of the inputs, shown in the header (``current`` none when only the reference
        was explained).

    Examples
    --------
    >>> page = render_explanation_html({"explainer": "linear", "model": "Pipeline",
    ...     "outputs": ["predicted value"], "features": ["x"], "base_values": [0.5],
    ...     "importance": [{"feature": "x", "reference": 0.25, "current": None, "change": None,
    ...                     "reference_rank": 1, "current_rank": None}],
    ...     "rows": [], "dependence": [], "additivity": 0.0, "warnings": [],
    ...     "bounds": {"reference_rows": 8, "reference_total": 8, "current_rows": 0,
    ...                "current_total": 0, "background_rows": 8, "evaluations_per_row": None}},
    ...     reference="train.csv")
    >>> 'data-section="explanations"' in page, "8 of 8 reference rows" in page
    (True, True)
    """
    badge = _explained_badge({"explanation": explanation})
    body = _Body(
        _Layout.EXPLANATION,
        run=_run({"metadata": {"reference": reference or _DASH, "current": current or _DASH}}),
        warnings=(),
        explanations=_explanation_view(explanation, badge),
    )
    page = _Page(
        title=f"driftscope: explanation of {explanation.get('model', '?')} on {reference or '?'}",
        monitoring=True,
        css=Markup(_inline("report.css", "monitor.css")),
        body=body,
        data=Markup(
            _json_for_script(
                {"columns": [], "monitor": {"explanations": _explanation_data(explanation)}}
            )
        ),
        script=Markup(_inline("report.js", "monitor.js")),
        plotly=Markup(plotly_js()),
    )
    return _templates().get_template("page.html").render(page=page)


def render_text_explanation_html(
    explanation: Mapping[str, Any], reference: str | None = None, current: str | None = None
) -> str:
    """Render a text classifier's explanation as a self-contained HTML page that needs no
    network: the page `driftscope text explain -o` writes (the words by importance on both
    sides and their change, texts highlighted word by word).

    Parameters
    ----------
    explanation
        The explanation as plain data, in the shape of ``TextExplanation.to_dict()`` (see
        docs/report-schema.md, "text_explanation").
    reference, current
        The names of the inputs, shown in the header (``reference`` none without one).

    Examples
    --------
    >>> page = render_text_explanation_html({"explainer": "lime", "model": "m.skops",
    ...     "classes": ["no", "yes"], "explained_class": "yes", "additivity": None,
    ...     "importance": [{"token": "refund", "reference": None, "current": 0.5,
    ...                     "change": None, "reference_texts": None, "current_texts": 1,
    ...                     "reference_rank": None, "current_rank": 1}],
    ...     "texts": [{"side": "current", "index": 0, "text": "a refund", "probability": 0.9,
    ...                "explained_class": "yes", "predicted_class": "yes", "base_value": None,
    ...                "weights": [{"token": "refund", "weight": 0.5}]}],
    ...     "reference_texts": [], "warnings": [],
    ...     "bounds": {"current_texts": 1, "current_total": 1, "reference_texts": 0,
    ...                "reference_total": 0, "samples_per_text": 500, "features_per_text": 10}},
    ...     current="new.csv")
    >>> 'data-part="text-explanation"' in page, 'title="+0.5">refund</mark>' in page
    (True, True)
    """
    badge = _explained_badge({"explanation": None, "text": explanation})
    body = _Body(
        _Layout.EXPLANATION,
        run=_run({"metadata": {"reference": reference or _DASH, "current": current or _DASH}}),
        warnings=(),
        explanations=_Explanations(badge=badge, error=None, text=_text_explained(explanation)),
    )
    page = _Page(
        title=f"driftscope: explanation of {explanation.get('model', '?')} on {current or '?'}",
        monitoring=True,
        css=Markup(_inline("report.css", "monitor.css")),
        body=body,
        data=Markup(_json_for_script({"columns": [], "monitor": {}})),
        script=Markup(_inline("report.js", "monitor.js")),
        plotly=Markup(plotly_js()),
    )
    return _templates().get_template("page.html").render(page=page)
