"""The report as one self-contained HTML file (or a Jupyter fragment) that works offline.

Everything the page shows comes from the report dict: this module formats, it computes nothing.
Plotly's JavaScript is inlined once; the per-column plots are drawn in the browser from one
compact JSON blob, and only when a column's details are opened, so a wide report opens fast.
A Content-Security-Policy in the standalone page forbids every network request.
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

__all__ = ["render_html"]

_DASH = "\u2014"

# default-src 'none' blocks fetch, images, fonts and frames from anywhere: the page is offline.
_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)

_CSS = """
.ds-report {
  --ds-fg: #1f2328; --ds-muted: #59636e; --ds-border: #d1d9e0; --ds-bg-soft: #f6f8fa;
  --ds-drift: #b42318; --ds-drift-bg: #fef3f2; --ds-ok: #067647; --ds-ok-bg: #ecfdf3;
  --ds-warn: #93370d; --ds-warn-bg: #fffaeb; --ds-warn-border: #f79009;
  --ds-ref: #4c78a8; --ds-cur: #f58518;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", sans-serif;
  color: var(--ds-fg); font-size: 14px; line-height: 1.45; max-width: 1400px; margin: 0 auto;
}
.ds-report * { box-sizing: border-box; }
.ds-report h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.ds-report h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; padding-bottom: .25rem;
  border-bottom: 1px solid var(--ds-border); }
.ds-report code, .ds-report pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
  "Liberation Mono", monospace; font-size: .85em; }
.ds-report pre { background: var(--ds-bg-soft); padding: .75rem; border-radius: 6px;
  overflow-x: auto; }
.ds-report .ds-muted { color: var(--ds-muted); }
.ds-report .ds-verdict { border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0;
  border: 1px solid; }
.ds-report .ds-verdict.ds-is-drift { background: var(--ds-drift-bg);
  border-color: var(--ds-drift); }
.ds-report .ds-verdict.ds-is-ok { background: var(--ds-ok-bg); border-color: var(--ds-ok); }
.ds-report .ds-verdict-main { font-size: 1.35rem; font-weight: 650; margin: .25rem 0; }
.ds-report .ds-is-drift .ds-verdict-main { color: var(--ds-drift); }
.ds-report .ds-is-ok .ds-verdict-main { color: var(--ds-ok); }
.ds-report .ds-verdict p { margin: .2rem 0; }
.ds-report dl.ds-meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem;
  margin: .5rem 0; }
.ds-report dl.ds-meta dt { color: var(--ds-muted); }
.ds-report dl.ds-meta dd { margin: 0; overflow-wrap: anywhere; }
.ds-report .ds-warnings { background: var(--ds-warn-bg); border: 1px solid var(--ds-warn-border);
  border-left-width: 6px; border-radius: 6px; padding: .75rem 1rem; color: var(--ds-warn); }
.ds-report .ds-warnings ul { margin: 0; padding-left: 1.25rem; }
.ds-report .ds-warnings li { margin: .15rem 0; overflow-wrap: anywhere; }
.ds-report .ds-table-wrap { overflow-x: auto; border: 1px solid var(--ds-border);
  border-radius: 6px; }
.ds-report table { border-collapse: collapse; width: 100%; font-size: 13px; }
.ds-report th, .ds-report td { padding: .3rem .45rem; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--ds-border); }
.ds-report thead th { background: var(--ds-bg-soft); position: sticky; top: 0; z-index: 1;
  white-space: nowrap; font-weight: 600; }
.ds-report td.ds-num, .ds-report th.ds-num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.ds-report th button.ds-sort { all: unset; cursor: pointer; }
.ds-report th button.ds-sort:focus-visible { outline: 2px solid var(--ds-ref); }
.ds-report th button.ds-sort::after { content: "\\2195"; color: var(--ds-muted);
  display: inline-block; width: 1em; text-align: right; visibility: hidden; }
.ds-report th:hover button.ds-sort::after,
.ds-report th button.ds-sort:focus-visible::after { visibility: visible; }
.ds-report th[aria-sort="ascending"] button.ds-sort::after { content: "\\25B2"; color: inherit;
  visibility: visible; }
.ds-report th[aria-sort="descending"] button.ds-sort::after { content: "\\25BC"; color: inherit;
  visibility: visible; }
.ds-report tbody.ds-drifted > tr.ds-row { background: var(--ds-drift-bg); }
.ds-report tbody.ds-drifted > tr.ds-row > :first-child {
  box-shadow: inset 4px 0 0 var(--ds-drift); }
.ds-report tr.ds-row:hover { background: #eef2f6; }
.ds-report tbody.ds-drifted > tr.ds-row:hover { background: #fde4e1; }
.ds-report .ds-drift-table th[scope="row"] { min-width: 9rem; max-width: 20rem; }
.ds-report button.ds-toggle { all: unset; cursor: pointer; font-weight: 600;
  overflow-wrap: break-word; }
.ds-report button.ds-toggle:focus-visible { outline: 2px solid var(--ds-ref); }
.ds-report .ds-caret { display: inline-block; width: 1em; color: var(--ds-muted);
  transition: transform .1s; }
.ds-report button.ds-toggle[aria-expanded="true"] .ds-caret { transform: rotate(90deg); }
.ds-report .ds-badge { display: inline-block; padding: 0 .45rem; border-radius: 999px;
  font-size: 12px; font-weight: 600; white-space: nowrap; }
.ds-report .ds-badge-drift { background: var(--ds-drift); color: #fff; }
.ds-report .ds-badge-ok { background: var(--ds-ok-bg); color: var(--ds-ok); }
.ds-report .ds-badge-skip { background: #eaeef2; color: var(--ds-muted); }
.ds-report .ds-tag { display: inline-block; background: #eaeef2; border-radius: 4px;
  padding: 0 .3rem; margin: 0 .2rem .1rem 0; font-size: 12px; white-space: nowrap; }
.ds-report small { color: var(--ds-muted); display: block; font-size: 11.5px; }
.ds-report tr.ds-details > td { background: #fbfcfd; padding: .75rem 1rem; }
.ds-report .ds-detail-grid { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr);
  gap: 1rem; align-items: start; position: sticky; left: 1rem; }
@media (max-width: 900px) { .ds-report .ds-detail-grid { grid-template-columns: 1fr; } }
.ds-report .ds-plot { min-height: 280px; }
.ds-report .ds-plot-empty { min-height: 0; color: var(--ds-muted); font-style: italic; }
.ds-report .ds-toolbar { display: flex; gap: 1rem; align-items: center; margin: .5rem 0; }
.ds-report .ds-note { overflow-wrap: break-word; min-width: 10rem; max-width: 28rem; }
.ds-report dl.ds-rules dt { font-weight: 600; margin-top: .5rem; }
.ds-report dl.ds-rules dd { margin: .1rem 0 0 1rem; }
"""

# The page's own behaviour: sortable tables, the details toggle, lazy plots. It initialises
# every report root on the page that is not yet initialised, so it needs no element ids and
# several reports can live in one notebook.
_JS = r"""
(function () {
  "use strict";
  function parseData(root) {
    var node = root.querySelector("script.ds-data");
    return node ? JSON.parse(node.textContent) : { columns: [] };
  }
  function sortKey(unit, index, type) {
    var row = unit.tagName === "TBODY" ? unit.rows[0] : unit;
    var cell = row.cells[index];
    if (!cell) { return null; }
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    if (raw === "") { return null; }
    if (type === "num") { var x = parseFloat(raw); return isNaN(x) ? null : x; }
    return raw.toLowerCase();
  }
  function sortTable(th) {
    var table = th.closest("table");
    var headers = Array.prototype.slice.call(th.parentNode.children);
    var index = headers.indexOf(th);
    var type = th.getAttribute("data-type") || "str";
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var sign = dir === "ascending" ? 1 : -1;
    var byGroup = table.getAttribute("data-sort-unit") === "tbody";
    var parent = byGroup ? table : table.tBodies[0];
    var units = Array.prototype.slice.call(byGroup ? table.tBodies : table.tBodies[0].rows);
    var keyed = units.map(function (u, i) {
      return { unit: u, key: sortKey(u, index, type), pos: i };
    });
    keyed.sort(function (a, b) {
      // Missing values go last in both directions; ties keep their current order.
      if (a.key === null && b.key === null) { return a.pos - b.pos; }
      if (a.key === null) { return 1; }
      if (b.key === null) { return -1; }
      var c = type === "num" ? a.key - b.key : a.key.localeCompare(b.key);
      return c !== 0 ? sign * c : a.pos - b.pos;
    });
    keyed.forEach(function (k) { parent.appendChild(k.unit); });
  }
  function plotText(s) {
    // Plotly reads a subset of HTML in labels; entities make user strings literal.
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function shares(counts) {
    var total = counts.reduce(function (a, b) { return a + b; }, 0);
    return counts.map(function (c) { return total > 0 ? c / total : 0; });
  }
  function drawPlot(root, target, col) {
    if (!window.Plotly) {
      target.textContent = "The plotting library did not load, so this plot cannot be shown.";
      return;
    }
    var style = getComputedStyle(root);
    var colors = [style.getPropertyValue("--ds-ref").trim() || "#4c78a8",
                  style.getPropertyValue("--ds-cur").trim() || "#f58518"];
    var sides = [["reference", col.ref], ["current", col.cur]];
    var numerical = Array.isArray(col.edges) && col.edges.length === col.ref.length + 1;
    var traces = sides.map(function (side, i) {
      var counts = side[1];
      var trace = { type: "bar", name: side[0], y: shares(counts), marker: { color: colors[i] } };
      if (numerical) {
        trace.x = col.edges.slice(0, -1);
        trace.width = col.edges.slice(1).map(function (hi, j) { return hi - col.edges[j]; });
        trace.offset = 0;
        trace.opacity = 0.55;
        trace.customdata = counts.map(function (c, j) {
          return [col.edges[j], col.edges[j + 1], c];
        });
        trace.hovertemplate = "[%{customdata[0]:.4~g}, %{customdata[1]:.4~g}]<br>" +
          "%{y:.2%} of rows (%{customdata[2]:,})<extra>" + side[0] + "</extra>";
      } else {
        var labels = Array.isArray(col.cats) && col.cats.length === counts.length
          ? col.cats : counts.map(function (_, j) { return "bin " + (j + 1); });
        trace.x = labels.map(plotText);
        trace.customdata = counts;
        trace.hovertemplate = "%{x}<br>%{y:.2%} of rows (%{customdata:,})<extra>" +
          side[0] + "</extra>";
      }
      return trace;
    });
    var layout = {
      barmode: numerical ? "overlay" : "group", bargap: numerical ? 0 : 0.2, height: 300,
      margin: { l: 60, r: 10, t: 30, b: 50 },
      legend: { orientation: "h", x: 0, y: 1.15 },
      font: { family: style.fontFamily, size: 12 },
      xaxis: numerical ? { automargin: true } : { type: "category", automargin: true },
      yaxis: { title: { text: "share of non-missing rows" }, tickformat: ".0%",
               rangemode: "tozero" },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"
    };
    window.Plotly.newPlot(target, traces, layout,
                          { responsive: true, displaylogo: false, showLink: false });
  }
  function fitDetails(root) {
    // The drift table may be wider than its scrolling box: keep an open column's details as
    // wide as the visible part, pinned to its left edge, so the plot and facts stay in view.
    Array.prototype.forEach.call(root.querySelectorAll(".ds-table-wrap"), function (wrap) {
      var width = Math.max(320, wrap.clientWidth - 48) + "px";
      var open = wrap.querySelectorAll("tr.ds-details:not([hidden]) .ds-detail-grid");
      Array.prototype.forEach.call(open, function (grid) { grid.style.width = width; });
    });
  }
  function toggle(root, data, button) {
    var unit = button.closest("tbody");
    var details = unit.querySelector("tr.ds-details");
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    details.hidden = !open;
    if (!open) { return; }
    fitDetails(root);
    var target = details.querySelector(".ds-plot");
    if (!target || target.getAttribute("data-drawn") === "1") { return; }
    var col = data.columns[parseInt(unit.getAttribute("data-i"), 10)];
    if (col) {
      target.setAttribute("data-drawn", "1");
      drawPlot(root, target, col);
    }
  }
  function init(root) {
    root.setAttribute("data-ds-init", "1");
    var data = parseData(root);
    window.addEventListener("resize", function () { fitDetails(root); });
    root.addEventListener("click", function (event) {
      var sortButton = event.target.closest("button.ds-sort");
      if (sortButton && root.contains(sortButton)) { sortTable(sortButton.closest("th")); return; }
      var toggleButton = event.target.closest("button.ds-toggle");
      if (toggleButton && root.contains(toggleButton)) { toggle(root, data, toggleButton); }
    });
    root.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.classList || !box.classList.contains("ds-only-drifted")) { return; }
      var table = root.querySelector("table.ds-drift-table");
      Array.prototype.forEach.call(table.tBodies, function (b) {
        b.hidden = box.checked && !b.classList.contains("ds-drifted");
      });
    });
  }
  Array.prototype.forEach.call(
    document.querySelectorAll(".ds-report:not([data-ds-init])"), init);
})();
"""


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


def _num_td(value: object, text: str | None = None, extra: str = "") -> str:
    shown = _fmt(value) if text is None else text
    raw = _e(_raw(value))
    return f'<td class="ds-num" data-v="{raw}" title="{raw}">{shown}{extra}</td>'


def _text_td(value: object, cls: str = "") -> str:
    shown = _DASH if value is None else _e(value)
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{shown}</td>"


def _tags(items: Iterable[object]) -> str:
    return "".join(f'<span class="ds-tag">{_e(item)}</span>' for item in items)


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


def _sortable_header(labels: Sequence[tuple[str, str]]) -> str:
    cells = []
    for label, kind in labels:
        cls = ' class="ds-num"' if kind == "num" else ""
        cells.append(
            f'<th scope="col" data-type="{kind}"{cls}>'
            f'<button type="button" class="ds-sort" title="Sort by {_e(label)}">'
            f"{_e(label)}</button></th>"
        )
    return f"<thead><tr>{''.join(cells)}</tr></thead>"


def _header(report: Mapping[str, Any]) -> str:
    dataset: Mapping[str, Any] = report.get("dataset") or {}
    meta: Mapping[str, Any] = report.get("metadata") or {}
    drifted = bool(dataset.get("drifted"))
    verdict = "Dataset drift detected" if drifted else "No dataset drift"
    correction = dataset.get("correction")
    n_warnings = len(report.get("warnings") or [])
    facts = (
        f"{_fmt(dataset.get('n_drifted'))} of {_fmt(dataset.get('n_columns'))} columns drifted"
        f" · drift share {_fmt(dataset.get('drift_share'))}"
        f" (threshold {_fmt(dataset.get('drift_share_threshold'))})"
        f" · correction for multiple tests: {_e(correction) if correction else 'none'}"
    )
    warn_line = (
        f"<p><strong>{n_warnings} warning{'s' if n_warnings != 1 else ''}</strong>: see below.</p>"
        if n_warnings
        else ""
    )
    rule = dataset.get("rule")
    rule_line = f'<p class="ds-muted">{_e(rule)}</p>' if rule else ""

    timings: Mapping[str, Any] = meta.get("timings") or {}
    timing_text = (
        " · ".join(f"{_e(k)} {_fmt(v)} s" for k, v in timings.items()) if timings else _DASH
    )
    settings = meta.get("settings") or {}
    settings_html = (
        "<details><summary>Settings</summary>"
        f"<pre>{_e(json.dumps(settings, indent=2, sort_keys=True, default=str))}</pre></details>"
        if settings
        else ""
    )
    status = "ds-is-drift" if drifted else "ds-is-ok"
    return (
        "<header>"
        "<h1>driftscope drift report</h1>"
        f'<section class="ds-verdict {status}" aria-label="Verdict">'
        f'<p class="ds-verdict-main">{verdict}</p>'
        f"<p>{facts}</p>{rule_line}{warn_line}</section>"
        '<dl class="ds-meta">'
        f"<dt>Reference</dt><dd><code>{_e(meta.get('reference', _DASH))}</code>"
        f" · {_fmt(meta.get('n_reference_rows'))} rows</dd>"
        f"<dt>Current</dt><dd><code>{_e(meta.get('current', _DASH))}</code>"
        f" · {_fmt(meta.get('n_current_rows'))} rows</dd>"
        f"<dt>driftscope</dt><dd>{_e(meta.get('driftscope_version', _DASH))}"
        f" · report schema {_e(report.get('schema_version', _DASH))}</dd>"
        f"<dt>Created</dt><dd>{_e(meta.get('created_at', _DASH))}</dd>"
        f"<dt>Timings</dt><dd>{timing_text}</dd>"
        "</dl>"
        f"{settings_html}"
        "</header>"
    )


def _drift_badge(drifted: object, skipped: bool = False) -> tuple[str, str]:
    """The badge and its sort key: drifted 1, not drifted 0, skipped -1.

    A column whose distribution test was skipped can still drift on another signal (its share
    of missing values), so "drifted" wins over "skipped".
    """
    if drifted:
        return '<span class="ds-badge ds-badge-drift">drifted</span>', "1"
    if skipped:
        return '<span class="ds-badge ds-badge-skip">skipped</span>', "-1"
    return '<span class="ds-badge ds-badge-ok">no</span>', "0"


def _multivariate(report: Mapping[str, Any]) -> str:
    tests: Sequence[Mapping[str, Any]] = report.get("multivariate") or []
    head = "<h2>Multivariate tests</h2>"
    if not tests:
        return f'<section>{head}<p class="ds-muted">No multivariate test was run.</p></section>'
    rows = []
    for test in tests:
        badge, key = _drift_badge(test.get("drifted"))
        columns = test.get("columns") or []
        rows.append(
            "<tr>"
            + _text_td(test.get("method"))
            + _num_td(test.get("statistic"))
            + _num_td(test.get("p_value"))
            + _num_td(test.get("threshold"))
            + f'<td data-v="{key}">{badge}</td>'
            + _num_td(test.get("n_reference"))
            + _num_td(test.get("n_current"))
            + f'<td class="ds-note"><span class="ds-muted">{len(columns)}:</span> '
            + f"{_tags(columns)}</td>"
            + _text_td(test.get("note"), "ds-note")
            + "</tr>"
        )
    header = _sortable_header(
        [
            ("Method", "str"),
            ("Statistic", "num"),
            ("p-value", "num"),
            ("Threshold", "num"),
            ("Drifted", "num"),
            ("n ref", "num"),
            ("n cur", "num"),
            ("Columns", "str"),
            ("Note", "str"),
        ]
    )
    return (
        f"<section>{head}"
        '<p class="ds-muted">Each test compares all usable columns at once, on a bounded, '
        "seeded subsample (the row counts below).</p>"
        f'<div class="ds-table-wrap"><table class="ds-table">{header}'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _warnings(report: Mapping[str, Any]) -> str:
    warnings: Sequence[str] = report.get("warnings") or []
    if not warnings:
        return '<section><h2>Warnings</h2><p class="ds-muted">No warnings.</p></section>'
    items = "".join(f"<li>{_e(w)}</li>" for w in warnings)
    return (
        f'<section><h2>Warnings ({len(warnings)})</h2><div class="ds-warnings" role="alert">'
        f"<ul>{items}</ul></div></section>"
    )


_DRIFT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Column", "str"),
    ("Kind", "str"),
    ("Role", "str"),
    ("Method", "str"),
    ("Statistic", "num"),
    ("p-value", "num"),
    ("Effect size", "num"),
    ("Threshold(s)", "num"),
    ("Drifted", "num"),
    ("Signals", "str"),
    ("n ref", "num"),
    ("n cur", "num"),
    ("Missing ref", "num"),
    ("Missing cur", "num"),
    ("Note", "str"),
)


def _facts(col: Mapping[str, Any]) -> str:
    """The per-column numbers that do not fit in the table row."""
    items: list[tuple[str, str]] = [
        ("Decision p-value", _fmt(col.get("decision_p_value"))),
        ("Missing-share change p-value", _fmt(col.get("missing_p_value"))),
        ("Unseen categories (share of current)", _fmt_share(col.get("unseen_share"))),
        ("Unseen categories p-value", _fmt(col.get("unseen_p_value"))),
    ]
    examples = col.get("unseen_examples") or []
    if examples:
        items.append(("Unseen examples", _tags(examples)))
    if col.get("note"):
        items.append(("Note", _e(col["note"])))
    body = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in items)
    return f'<dl class="ds-meta">{body}</dl>'


def _drift_row(index: int, col: Mapping[str, Any]) -> str:
    skipped = bool(col.get("skipped"))
    badge, key = _drift_badge(col.get("drifted"), skipped)
    effect_method = col.get("effect_size_method")
    effect_extra = f"<small>{_e(effect_method)}</small>" if effect_method else ""
    decision = col.get("decision_p_value")
    p_extra = (
        f"<small>decision {_fmt(decision)}</small>"
        if decision is not None and decision != col.get("p_value")
        else ""
    )
    # A test's threshold is its significance level; a distance's is a floor on the statistic.
    thresholds = []
    if col.get("threshold") is not None:
        label = "p &lt;" if col.get("p_value") is not None else "stat \u2265"
        thresholds.append(f"{label} {_fmt(col['threshold'])}")
    if col.get("effect_size_threshold") is not None:
        thresholds.append(f"effect \u2265 {_fmt(col['effect_size_threshold'])}")
    threshold_text = "<br>".join(thresholds) if thresholds else _DASH
    threshold_key = col.get("threshold")
    if threshold_key is None:
        threshold_key = col.get("effect_size_threshold")

    cells = [
        f'<th scope="row" data-v="{_e(col.get("name"))}">'
        '<button type="button" class="ds-toggle" aria-expanded="false">'
        f'<span class="ds-caret" aria-hidden="true">\u25b8</span>{_e(col.get("name"))}'
        "</button></th>",
        _text_td(col.get("kind")),
        _text_td(col.get("role")),
        _text_td(col.get("method")),
        _num_td(col.get("statistic")),
        _num_td(col.get("p_value"), extra=p_extra),
        _num_td(col.get("effect_size"), extra=effect_extra),
        _num_td(threshold_key, text=threshold_text),
        f'<td data-v="{key}">{badge}</td>',
        f"<td>{_tags(col.get('signals') or [])}</td>",
        _num_td(col.get("n_reference")),
        _num_td(col.get("n_current")),
        _num_td(col.get("missing_share_reference"), _fmt_share(col.get("missing_share_reference"))),
        _num_td(col.get("missing_share_current"), _fmt_share(col.get("missing_share_current"))),
        _text_td(col.get("note"), "ds-note"),
    ]
    plot = (
        '<div class="ds-plot" role="img" aria-label="Reference and current distributions"></div>'
        if col.get("summary")
        else '<p class="ds-plot ds-plot-empty">No distribution summary for this column.</p>'
    )
    details = (
        f'<tr class="ds-details" hidden><td colspan="{len(_DRIFT_COLUMNS)}">'
        f'<div class="ds-detail-grid"><div>{plot}</div>{_facts(col)}</div></td></tr>'
    )
    drifted_cls = " ds-drifted" if col.get("drifted") else ""
    return (
        f'<tbody class="ds-col{drifted_cls}" data-i="{index}">'
        f'<tr class="ds-row">{"".join(cells)}</tr>{details}</tbody>'
    )


def _drift_table(report: Mapping[str, Any]) -> str:
    columns: Sequence[Mapping[str, Any]] = report.get("columns") or []
    head = "<h2>Column drift</h2>"
    if not columns:
        return f'<section>{head}<p class="ds-muted">No columns were compared.</p></section>'
    body = "".join(_drift_row(i, col) for i, col in enumerate(columns))
    return (
        f"<section>{head}"
        '<div class="ds-toolbar"><label><input type="checkbox" class="ds-only-drifted"> '
        "Show drifted columns only</label>"
        '<span class="ds-muted">Click a header to sort; click a column name for its '
        "distributions. Missing shares and plots are shares of rows (0–100%).</span></div>"
        '<div class="ds-table-wrap"><table class="ds-table ds-drift-table" '
        f'data-sort-unit="tbody">{_sortable_header(_DRIFT_COLUMNS)}{body}</table></div>'
        "</section>"
    )


def _schema_table(report: Mapping[str, Any]) -> str:
    specs: Sequence[Mapping[str, Any]] = (report.get("schema") or {}).get("columns") or []
    head = "<h2>Schema</h2>"
    if not specs:
        return f'<section>{head}<p class="ds-muted">The schema is empty.</p></section>'
    rows = "".join(
        "<tr>"
        + f"<td>{_e(spec.get('name'))}</td>"
        + _text_td(spec.get("kind"))
        + _text_td(spec.get("role"))
        + _text_td(spec.get("method"))
        + _num_td(spec.get("threshold"))
        + _text_td(spec.get("note"), "ds-note")
        + "</tr>"
        for spec in specs
    )
    header = _sortable_header(
        [
            ("Column", "str"),
            ("Kind", "str"),
            ("Role", "str"),
            ("Method", "str"),
            ("Threshold", "num"),
            ("Note", "str"),
        ]
    )
    return (
        f"<section>{head}"
        '<p class="ds-muted">What each column is and how it was tested; inferred unless set.</p>'
        f'<div class="ds-table-wrap"><table class="ds-table ds-schema-table">{header}'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _rules(report: Mapping[str, Any]) -> str:
    rules: Mapping[str, Any] = report.get("rules") or {}
    head = "<h2>Decision rules</h2>"
    if not rules:
        return f'<section>{head}<p class="ds-muted">No rules recorded.</p></section>'
    body = "".join(f"<dt>{_e(kind)}</dt><dd>{_e(rule)}</dd>" for kind, rule in rules.items())
    return f'<section>{head}<dl class="ds-rules">{body}</dl></section>'


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
    return {"columns": out}


@functools.cache
def plotly_js() -> str:
    """Plotly's basic bundle (bar, scatter, pie), shipped with driftscope; see assets/README.md."""
    bundle = resources.files("driftscope.report").joinpath("assets/plotly-basic.min.js")
    # Today's bundle never spells "</script"; if one ever does, "<\/" means the same to JS.
    return bundle.read_text(encoding="utf-8").replace("</script", "<\\/script")


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
    body = (
        _header(report)
        + _multivariate(report)
        + _warnings(report)
        + _drift_table(report)
        + _schema_table(report)
        + _rules(report)
    )
    fragment = (
        '<div class="ds-report">'
        f"<style>{_CSS}</style>"
        f"{body}"
        f'<script type="application/json" class="ds-data">{_json_for_script(_plot_data(report))}'
        "</script>"
        f"<script>{_JS}</script>"
        # Plotly last: the table is usable while the browser still parses ~1 MB of script.
        f"<script>{plotly_js()}</script>"
        "</div>"
    )
    if not standalone:
        return fragment
    meta: Mapping[str, Any] = report.get("metadata") or {}
    title = f"driftscope: {meta.get('reference', '?')} vs {meta.get('current', '?')}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="driftscope">'
        f"<title>{_e(title)}</title>"
        "<style>body { margin: 0; padding: 1rem 1.5rem 3rem; background: #fff; }</style>"
        f"</head><body>{fragment}</body></html>\n"
    )
