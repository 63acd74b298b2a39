"""The HTML report: self-contained, escaped, complete, in the documented order."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from driftscope.report import Report
from driftscope.report.html import plotly_js, render_html

PLOTLY_JS = plotly_js()


class _Markup(HTMLParser):
    """Collects tags, attributes and script bodies, the way a browser tokenizes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._open: str | None = None
        self._attrs: dict[str, str | None] = {}
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open, self._attrs, self._buf = tag, dict(attrs), []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._buf.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            text = "".join(self._buf)
            if tag == "script":
                self.scripts.append((self._attrs, text))
            else:
                self.styles.append(text)
            self._open = None


def _parse(text: str) -> _Markup:
    parser = _Markup()
    parser.feed(text)
    parser.close()
    return parser


def _without_plotly(text: str) -> str:
    assert text.count(PLOTLY_JS) == 1
    return text.replace(PLOTLY_JS, "")


def _data_blob(text: str) -> dict[str, Any]:
    blobs = [
        body for attrs, body in _parse(text).scripts if attrs.get("type") == "application/json"
    ]
    assert len(blobs) == 1
    data: dict[str, Any] = json.loads(blobs[0])
    return data


@pytest.fixture
def page(report: Report) -> str:
    return render_html(report.to_dict())


@pytest.mark.parametrize("standalone", [True, False])
def test_no_network_reference_and_plotly_inlined_once(report: Report, standalone: bool) -> None:
    text = render_html(report.to_dict(), standalone=standalone)
    markup = _parse(text)

    assert text.count(PLOTLY_JS) == 1
    assert text.count("plotly.js (basic - minified) v") == 1
    for tag, attrs in markup.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            assert attrs.get(name) is None, (tag, name, attrs[name])
    # Scripts are all inline: the app, Plotly, and the JSON data blob.
    assert [attrs for attrs, _ in markup.scripts] == [
        {"type": "application/json", "class": "ds-data"},
        {},
        {},
    ]
    for style in markup.styles:
        assert "@import" not in style
        assert "url(" not in style
    # Outside Plotly's bundle (whose comments name its licences' sites) there is no URL at all.
    own = _without_plotly(text)
    assert not re.search(r"https?:|//[a-z]|ftp:|@import", own, flags=re.IGNORECASE)


def test_standalone_forbids_network_by_content_security_policy(page: str) -> None:
    head = page[: page.index("</head>")]
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', head)
    assert csp is not None
    assert "default-src 'none'" in csp.group(1)
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")


def test_fragment_is_not_a_document(report: Report) -> None:
    fragment = render_html(report.to_dict(), standalone=False)
    assert fragment.startswith('<div class="ds-report">')
    assert fragment.endswith("</div>")
    own = _without_plotly(fragment).lower()
    for tag in ("<!doctype", "<html", "<head", "<body", "<meta"):
        assert not re.search(tag + r"[\s>]", own), tag
    assert report._repr_html_() == fragment


def test_report_methods_use_the_renderer(report: Report, tmp_path: Any) -> None:
    path = report.save_html(tmp_path / "out" / "report.html")
    assert path.read_text(encoding="utf-8") == report.to_html() == render_html(report.to_dict())


def test_user_strings_are_escaped(page: str, hostile: dict[str, str]) -> None:
    own = _without_plotly(page)
    for raw in (*hostile.values(), "<b>vip</b>", "<2026-01>"):
        assert raw not in own, raw
    for key in ("name", "note", "warning"):
        assert html.escape(hostile[key]) in own
    assert html.escape("<b>vip</b>") in own
    assert (
        "<title>driftscope: data/reference.parquet vs data/current &lt;2026-01&gt;.parquet" in own
    )
    # The only tags are the renderer's own: no <script> or <img> smuggled in by a name or note.
    tags = {tag for tag, _ in _parse(page).tags}
    assert "img" not in tags
    assert len([1 for tag, _ in _parse(page).tags if tag == "script"]) == 3


def test_json_blob_cannot_break_out_of_its_script(
    page: str, report: Report, hostile: dict[str, str]
) -> None:
    start = page.index('<script type="application/json" class="ds-data">')
    body = page[start : page.index("</script>", start)]
    blob = body[body.index(">") + 1 :]
    assert "</" not in blob
    assert "<!--" not in blob
    assert "<" not in blob
    data = json.loads(blob)
    plan = next(i for i, c in enumerate(report.drift.columns) if c.name == "plan")
    assert data["columns"][plan]["cats"][-1] == hostile["category"]


def test_plot_data_is_the_summaries_verbatim(page: str, report_dict: dict[str, Any]) -> None:
    data = _data_blob(page)
    assert len(data["columns"]) == len(report_dict["columns"])
    for col, plot in zip(report_dict["columns"], data["columns"], strict=True):
        summary = col["summary"]
        if summary is None:
            assert plot is None
            continue
        assert plot == {
            "ref": summary["reference_counts"],
            "cur": summary["current_counts"],
            "edges": summary["edges"],
            "cats": summary["categories"],
        }


def test_every_column_appears_once_in_the_drift_table(page: str, report: Report) -> None:
    assert page.count('<tbody class="ds-col') == len(report.drift.columns)
    for col in report.drift.columns:
        assert f'<th scope="row" data-v="{html.escape(col.name)}">' in page


def test_every_column_of_a_wide_report_appears(wide_report: Report) -> None:
    page = render_html(wide_report.to_dict())
    assert page.count('<tbody class="ds-col') == 100
    assert page.count('<tr class="ds-details" hidden>') == 100
    for col in wide_report.drift.columns:
        assert f'data-v="{col.name}"' in page
    # Lazy plots: no figure is drawn server-side; the blob holds the counts once.
    assert page.count("Plotly.newPlot") == 1 + PLOTLY_JS.count("Plotly.newPlot")
    assert len(_data_blob(page)["columns"]) == 100


def test_wide_report_adds_little_beyond_plotly(wide_report: Report) -> None:
    # A size guard, not a timing: 100 columns of table, details and counts stay small.
    own = _without_plotly(render_html(wide_report.to_dict()))
    assert len(own.encode("utf-8")) < 500_000


def test_sections_come_in_the_documented_order(page: str) -> None:
    marks = [
        '<p class="ds-verdict-main">Dataset drift detected</p>',
        "<dt>Reference</dt><dd><code>data/reference.parquet</code>",
        "<h2>Multivariate tests</h2>",
        "<h2>Warnings (2)</h2>",
        "<h2>Column drift</h2>",
        "<h2>Schema</h2>",
        "<h2>Decision rules</h2>",
    ]
    positions = [page.index(mark) for mark in marks]
    assert positions == sorted(positions)


def test_header_states_the_verdict_from_the_dict(page: str, report_dict: dict[str, Any]) -> None:
    dataset = report_dict["dataset"]
    assert f"{dataset['n_drifted']} of {dataset['n_columns']} columns drifted" in page
    # The headline is the dataset's own summary sentence, so it cannot say another thing.
    assert html.escape(dataset["summary"].split(": ", 1)[1]) in page
    assert "correction for multiple tests: bh" in page
    assert '<section class="ds-verdict ds-is-drift"' in page
    meta = report_dict["metadata"]
    for text in ("48,000 rows", "4,000 rows", meta["created_at"], meta["driftscope_version"]):
        assert text in page
    for step in ("read 0.12 s", "columns 0.8 s", "total 1.35 s"):
        assert step in page
    assert "2 warnings</strong>" in page


def test_no_drift_verdict(report: Report) -> None:
    data = report.to_dict()
    data["dataset"] = {**data["dataset"], "drifted": False, "correction": None}
    page = render_html(data)
    assert '<section class="ds-verdict ds-is-ok"' in page
    assert "No dataset drift" in page
    assert "correction for multiple tests: none" in page


def test_warnings_one_per_line(page: str, report: Report) -> None:
    block = page[page.index('<div class="ds-warnings"') :]
    block = block[: block.index("</div>")]
    assert block.count("<li>") == len(report.warnings) == 2


def test_drifted_rows_are_highlighted(page: str, report: Report) -> None:
    drifted = [c for c in report.drift.columns if c.drifted]
    assert page.count('<tbody class="ds-col ds-drifted"') == len(drifted) == 3
    assert page.count('<span class="ds-badge ds-badge-drift">drifted</span>') == 4  # + multivariate


def test_a_skipped_column_can_still_drift(report: Report) -> None:
    data = report.to_dict()
    user_id = next(c for c in data["columns"] if c["name"] == "user_id")
    user_id.update(drifted=True, signals=["missing_share"], missing_p_value=1e-5)
    page = render_html(data)
    row = page[page.index('data-v="user_id"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="ds-badge ds-badge-drift">drifted</span>' in row
    assert page.count('<tbody class="ds-col ds-drifted"') == 4


def test_numbers_come_from_the_dict(page: str) -> None:
    age = page[page.index('data-v="age"') :]
    age = age[: age.index("</tr>")]
    cells = re.findall(r'<td class="ds-num" data-v="([^"]*)"', age)
    # statistic, p-value, effect size, threshold, n ref, n cur, missing ref, missing cur
    assert cells == ["0.2134", "1.2e-09", "0.35", "0.05", "48000", "4000", "0.01", "0.052"]
    assert ">1.2e-09<small>decision p 6e-09</small>" in age
    assert "<small>wasserstein_normed</small>" in age
    assert "p &lt; 0.05<br>effect \u2265 0.1" in age
    psi = page[page.index('data-v="basket_value"') :]
    psi = psi[: psi.index("</tr>")]
    assert "stat \u2265 0.2<" in psi
    assert "5.2%" in age


def test_skipped_column_shows_its_note_and_no_plot(page: str) -> None:
    row = page[page.index('data-v="user_id"') :]
    row = row[: row.index("</tbody>")]
    assert "ds-badge-skip" in row
    assert "an id: excluded from drift" in row
    assert "No distribution summary for this column." in row
    assert '<div class="ds-plot"' not in row


def test_schema_and_rules_are_listed(
    page: str, report_dict: dict[str, Any], hostile: dict[str, str]
) -> None:
    schema = page[page.index("<h2>Schema</h2>") : page.index("<h2>Decision rules</h2>")]
    assert schema.count("<tr>") == len(report_dict["schema"]["columns"]) + 1
    assert html.escape(hostile["name"]) in schema
    rules = page[page.index("<h2>Decision rules</h2>") :]
    for kind, sentence in report_dict["rules"].items():
        assert f"<dt>{html.escape(kind)}</dt><dd>{html.escape(sentence)}</dd>" in rules


def test_empty_report_renders(report_dict: dict[str, Any]) -> None:
    data = {
        **report_dict,
        "columns": [],
        "multivariate": [],
        "warnings": [],
        "schema": {"columns": []},
        "rules": {},
    }
    page = render_html(data)
    for text in (
        "No columns were compared.",
        "No multivariate test was run.",
        "No warnings.",
        "The schema is empty.",
        "No rules recorded.",
    ):
        assert text in page
    assert _data_blob(page) == {"columns": []}


def test_even_a_malformed_dict_cannot_inject_markup(report_dict: dict[str, Any]) -> None:
    # Renderers trust the shape, not the content: a string where a number belongs stays text.
    data = json.loads(json.dumps(report_dict))
    evil = "<i>x</i>"
    data["columns"][0].update(statistic=evil, threshold=evil, decision_p_value=evil)
    data["dataset"].update(n_drifted=evil, drift_share=evil)
    data["metadata"]["timings"] = {evil: evil}
    data["metadata"]["n_reference_rows"] = evil
    page = _without_plotly(render_html(data))
    assert evil not in page
    assert html.escape(evil) in page


# ---------------------------------------------------------------------------------------------
# Monitoring reports (`driftscope.monitor`): verdict first, then the model sections.

MONITOR_KEYS = ("model", "performance", "concept_drift", "quality", "windows", "verdict")


@pytest.fixture(scope="module")
def monitor_page(monitor_report: Report) -> str:
    return render_html(monitor_report.to_dict())


def _between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


def _section_html(page: str, name: str) -> str:
    return _between(page, f'<section class="ds-section" data-section="{name}">', "</section>")


def test_a_drift_report_has_no_monitoring_markup(report: Report, compare_report: Report) -> None:
    from driftscope.report.html import static_text

    for data in (report.to_dict(), compare_report.to_dict()):
        assert all(data[key] is None for key in MONITOR_KEYS)
        page = render_html(data)
        # Null sections are as good as absent: the page is the drift report, byte for byte.
        absent = {k: v for k, v in data.items() if k not in MONITOR_KEYS}
        assert page == render_html(absent)
        own = _without_plotly(page)
        for mark in ("ds-decision", "data-section", "data-ds-monitor", "ds-chart", "Performance"):
            assert mark not in own, mark
        assert static_text("monitor.css") not in own
        assert static_text("monitor.js") not in own
        assert set(_data_blob(page)) == {"columns"}
        assert "<h1>driftscope drift report</h1>" in own


@pytest.mark.parametrize("standalone", [True, False])
def test_monitoring_report_is_self_contained(monitor_report: Report, standalone: bool) -> None:
    text = render_html(monitor_report.to_dict(), standalone=standalone)
    markup = _parse(text)
    assert text.count(PLOTLY_JS) == 1
    assert [attrs for attrs, _ in markup.scripts] == [
        {"type": "application/json", "class": "ds-data"},
        {},
        {},
    ]
    for tag, attrs in markup.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            assert attrs.get(name) is None, (tag, name, attrs[name])
        assert "style" not in attrs, tag  # no inline styles: the CSP allows them, taste does not
    own = _without_plotly(text)
    assert not re.search(r"https?:|//[a-z]|ftp:|@import", own, flags=re.IGNORECASE)
    if not standalone:
        assert text.startswith('<div class="ds-report" data-ds-monitor="1">')


def test_monitoring_sections_come_in_order(monitor_page: str) -> None:
    marks = [
        "<h1>driftscope monitoring report</h1>",
        '<section class="ds-decision ds-dec-retrain" aria-label="Verdict">',
        '<nav class="ds-nav"',
        "<dt>Reference</dt>",
        "<dt>Model</dt>",
        "<h2>Performance</h2>",
        "<h2>Concept drift</h2>",
        "<h2>Data quality</h2>",
        "<h2>Time windows</h2>",
        "<h2>Data drift</h2>",
        "<h2>Multivariate tests</h2>",
        "<h2>Warnings (",
        "<h2>Column drift</h2>",
        "<h2>Schema</h2>",
        "<h2>Decision rules</h2>",
    ]
    positions = [monitor_page.index(mark) for mark in marks]
    assert positions == sorted(positions)
    # The verdict is the first thing after the title.
    assert monitor_page.index('class="ds-decision') < monitor_page.index("<h2>")


@pytest.mark.parametrize(
    ("decision", "cls", "word"),
    [
        ("retrain", "ds-dec-retrain", "Retrain"),
        ("investigate", "ds-dec-investigate", "Investigate"),
        ("ok", "ds-dec-ok", "OK"),
    ],
)
def test_verdict_banner_colour_follows_the_decision(
    monitor_dict: dict[str, Any], decision: str, cls: str, word: str
) -> None:
    monitor_dict["verdict"]["decision"] = decision
    page = render_html(monitor_dict)
    banner = _between(page, '<section class="ds-decision', "</section>")
    assert f'class="ds-decision {cls}"' in banner
    assert f'<p class="ds-decision-main">{word}</p>' in banner


def test_verdict_lists_every_reason_ranked_with_its_source(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    verdict = monitor_dict["verdict"]
    banner = _between(monitor_page, '<section class="ds-decision', "</section>")
    assert f'<p class="ds-decision-summary">{html.escape(verdict["summary"])}</p>' in banner
    reasons = verdict["reasons"]
    assert len(reasons) > 6, "the fixture should have more reasons than are shown up front"
    assert banner.count("<li>") == len(reasons)
    positions = [banner.index(html.escape(r["message"])) for r in reasons]
    assert positions == sorted(positions)
    shown = banner[: banner.index('<details class="ds-more-reasons">')]
    assert shown.count("<li>") == 6
    assert f"<summary>{len(reasons) - 6} more reasons</summary>" in banner
    first = reasons[0]
    assert (
        f'<li><span class="ds-badge ds-badge-alert">{first["severity"]}</span>'
        f'<span class="ds-tag ds-src">{first["source"].replace("_", " ")}</span>'
    ) in banner
    assert 'ds-src">concept drift</span>' in banner


def test_metrics_table_primary_first_with_numbers_from_the_dict(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    performance = monitor_dict["performance"]
    table = _between(monitor_page, '<table class="ds-table ds-metrics-table">', "</table>")
    assert "95% CI" in table
    rows = re.findall(r'<tr class="ds-st-[a-z]+"><th scope="row" data-v="([^"]*)"', table)
    primary = [m["label"] for m in performance["metrics"] if m["primary"]]
    others = [m["label"] for m in performance["metrics"] if not m["primary"]]
    assert rows == [html.escape(label) for label in primary + others]
    for metric in performance["metrics"]:
        start = table.index(f'data-v="{html.escape(metric["label"])}"')
        row = table[start : table.index("</tr>", start)]
        cells = re.findall(r'<td class="ds-num" data-v="([^"]*)"', row)
        assert cells[:3] == [
            repr(metric["reference"]),
            repr(metric["current"]),
            repr(metric["current_low"]),
        ]
        assert f"[{metric['current_low']:.4g}, {metric['current_high']:.4g}]" in row
        assert f"{metric['relative_change'] * 100:+.1f}%" in row
        badge = {"alert": "alert", "warning": "warn", "ok": "ok"}[metric["status"]]
        assert f'<span class="ds-badge ds-badge-{badge}">{metric["status"]}</span>' in row
        assert html.escape(metric["message"]) in row  # the finding, as the row's tooltip


def test_confusion_matrices_and_per_class_scores(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    performance = monitor_dict["performance"]
    section = _section_html(monitor_page, "performance")
    tables = re.findall(r'<table class="ds-table ds-compact ds-cm-table">.*?</table>', section)
    assert len(tables) == 2
    for table, side in zip(tables, ("reference", "current"), strict=True):
        matrix = performance["details"][side]["confusion_matrix"]
        numbers = [
            int(x.replace(",", "")) for x in re.findall(r'<td class="ds-num[^"]*">([\d,]+)<', table)
        ]
        assert numbers == [v for row in matrix for v in row]
        assert table.count("ds-diag") == len(matrix)
    per_class = _between(section, '<table class="ds-table ds-per-class">', "</table>")
    first = performance["details"]["reference"]["per_class"]
    assert f'data-v="{first["precision"][0]!r}"' in per_class
    assert f'data-v="{performance["details"]["current"]["per_class"]["support"][1]!r}"' in per_class


def test_charts_are_drawn_from_the_blob_verbatim(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    blob = _data_blob(monitor_page)["monitor"]
    details = monitor_dict["performance"]["details"]
    sides = blob["reliability"]["sides"]
    assert [s["side"] for s in sides] == ["reference", "current"]
    for s in sides:
        curve = details[s["side"]]["reliability"]
        assert s["x"] == curve["mean_confidence"]
        assert s["y"] == curve["accuracy"]
        assert s["n"] == curve["count"]
    assert blob["errors"] is None
    concept = monitor_dict["concept_drift"]
    assert blob["concept"]["values"] == [
        concept["reference_loss"],
        concept["expected_loss"],
        concept["current_loss"],
    ]
    windows = blob["windows"]
    listed = monitor_dict["windows"]["windows"]
    assert windows["labels"] == [w["label"] for w in listed]
    assert windows["too_small"] == [w["too_small"] for w in listed]
    assert windows["drift_share"] == [w["drift_share"] for w in listed]
    assert windows["threshold"] == monitor_dict["dataset"]["drift_share_threshold"]
    bands = monitor_dict["windows"]["bands"]
    names = [m["name"] for m in windows["metrics"]]
    assert names[:3] == ["accuracy", "f1_macro", "roc_auc"]
    for metric in windows["metrics"]:
        assert metric["values"] == [w["metrics"].get(metric["name"]) for w in listed]
        assert metric["out"] == [metric["name"] in w["out_of_band"] for w in listed]
        band = bands[metric["name"]]
        assert metric["band"] == {"low": band["low"], "high": band["high"], "mean": band["mean"]}
    # The per-column lines: the columns with the largest peak score, scores as given.
    peaks = {}
    for w in listed:
        for name, score in w["drift_scores"].items():
            if score is not None:
                peaks[name] = max(peaks.get(name, score), score)
    expected = sorted(peaks, key=lambda n: -peaks[n])[:10]
    assert [c["name"] for c in windows["columns"]] == expected
    for column in windows["columns"]:
        assert column["scores"] == [w["drift_scores"].get(column["name"]) for w in listed]


def test_charts_on_load_and_the_rest_behind_a_toggle(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    section = _section_html(monitor_page, "windows")
    more = _between(section, '<details class="ds-more-metrics">', "</details>")
    n_metrics = len(_data_blob(monitor_page)["monitor"]["windows"]["metrics"])
    up_front = section.replace(more, "")
    assert up_front.count('data-chart="metric"') == 3  # the primary metrics
    assert more.count('data-chart="metric"') == n_metrics - 3
    assert up_front.count('data-chart="drift-share"') == 1
    assert up_front.count('data-chart="column-scores"') == 1
    assert monitor_page.count('class="ds-chart"') == n_metrics + 4  # + reliability, concept
    # Only a handful of charts draw on load.
    assert monitor_page.count('class="ds-chart"') - more.count('class="ds-chart"') <= 7


def test_quality_problems_first_and_ok_checks_collapsed(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    quality = monitor_dict["quality"]
    section = _section_html(monitor_page, "quality")
    problems = [c for c in quality["checks"] if c["status"] != "ok"]
    fine = [c for c in quality["checks"] if c["status"] == "ok"]
    main = section[: section.index('<details class="ds-ok-checks">')]
    collapsed = section[section.index('<details class="ds-ok-checks">') :]
    assert main.count('<tr class="ds-st-') == len(problems) == 2
    assert collapsed.count('<tr class="ds-st-ok">') == len(fine)
    assert f"<summary>{len(fine)} checks that are ok</summary>" in collapsed
    assert f"{quality['n_alerts']} alerts · {quality['n_warnings']} warnings" in main
    for check in problems:
        assert html.escape(check["message"]) in main
    assert "8.8%" in main  # income's missing share, as a percentage


def test_quality_alerts_come_before_warnings(monitor_dict: dict[str, Any]) -> None:
    checks = monitor_dict["quality"]["checks"]
    warning = next(c for c in checks if c["status"] == "warning")
    alert = {**checks[-1], "status": "alert", "message": "THE ALERT"}
    monitor_dict["quality"]["checks"] = [warning, *checks[:-1], alert]
    section = _section_html(render_html(monitor_dict), "quality")
    assert section.index("THE ALERT") < section.index(html.escape(warning["message"]))


def test_windows_table_marks_small_and_out_of_band_windows(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    listed = monitor_dict["windows"]["windows"]
    table = _between(monitor_page, '<table class="ds-table ds-window-table">', "</table>")
    body = table[table.index("<tbody>") :]
    assert body.count("<tr") == len(listed)
    assert body.count('<tr class="ds-small">') == sum(w["too_small"] for w in listed) == 1
    out_cells = sum(
        name in w["out_of_band"] for w in listed for name in ("accuracy", "f1_macro", "roc_auc")
    )
    assert out_cells > 0
    assert body.count('class="ds-num ds-out"') == out_cells
    small = next(w for w in listed if w["too_small"])
    assert html.escape(small["note"]) in body
    lead = _section_html(monitor_page, "windows")
    out = sum(bool(w["out_of_band"]) for w in listed)
    analysed = len(listed) - 1
    assert (
        f"{len(listed)} windows (period W) · {analysed} analysed · {out} out of band · 1 too small"
        in lead
    )
    assert f"{out} of {analysed} analysed out of band" in lead


def test_concept_section_shows_the_decomposition(
    monitor_page: str, monitor_dict: dict[str, Any]
) -> None:
    concept = monitor_dict["concept_drift"]
    section = _section_html(monitor_page, "concept")
    assert '<div class="ds-callout ds-is-drift">' in section
    assert html.escape(concept["message"]) in section
    for key in ("reference_loss", "expected_loss", "current_loss", "domain_auc"):
        assert f"{concept[key]:.4g}" in section, key
    assert f"{concept['concept_effect']:+.4g}" in section
    assert f"{concept['covariate_effect']:+.4g}" in section
    assert f"{concept['p_value']:.3g}" in section
    assert f"{round(concept['effective_n_reference'])} of {concept['n_reference']:,}" in section


def test_regression_report_shows_errors_not_classes(regression_report: Report) -> None:
    data = regression_report.to_dict()
    page = render_html(data)
    section = _section_html(page, "performance")
    assert 'data-chart="errors"' in section
    assert 'data-chart="reliability"' not in section
    assert "ds-cm-table" not in section
    assert "ds-per-class" not in section
    blob = _data_blob(page)["monitor"]
    for side in blob["errors"]["sides"]:
        dist = data["performance"]["details"][side["side"]]["error_distribution"]
        assert side["edges"] == dist["bin_edges"]
        assert side["counts"] == dist["counts"]
    table = _between(section, '<table class="ds-table ds-compact ds-error-table">', "</table>")
    assert table.count("quantile ") == len(dist["quantile_levels"])
    assert "quantile 50%" in table
    # Row windows: labels as given, and the primary regression metrics charted up front.
    assert [m["name"] for m in blob["windows"]["metrics"]][:3] == ["mae", "rmse", "r2"]


def test_unlabelled_report_says_performance_was_not_measured(unlabelled_report: Report) -> None:
    page = render_html(unlabelled_report.to_dict())
    assert "Not measured in this run" in _section_html(page, "performance")
    for name in ("concept", "windows"):
        assert f'data-section="{name}"' not in page
    assert '<section class="ds-section" data-section="quality">' in page
    assert "ds-dec-investigate" in page
    blob = _data_blob(page)["monitor"]
    assert blob == {"reliability": None, "errors": None, "concept": None, "windows": None}


def test_monitoring_strings_are_escaped(monitor_page: str, monitor_hostile: dict[str, str]) -> None:
    feature, plan = monitor_hostile["feature"], monitor_hostile["plan"]
    own = _without_plotly(monitor_page)
    for raw in (feature, plan, "<2025-11>"):
        assert raw not in own, raw
    assert html.escape(feature) in own
    assert html.escape(plan) in own
    tags = [tag for tag, _ in _parse(monitor_page).tags]
    assert not set(tags) & {"img", "iframe"}
    assert tags.count("script") == 3
    blob = own[
        own.index('class="ds-data">') : own.index("</script>", own.index('class="ds-data">'))
    ]
    assert "<" not in blob[blob.index(">") + 1 :]
    columns = _data_blob(monitor_page)["monitor"]["windows"]["columns"]
    assert feature in [c["name"] for c in columns]  # raw in the JSON; the browser escapes it


def test_a_malformed_monitoring_dict_cannot_inject_markup(monitor_dict: dict[str, Any]) -> None:
    evil = "<i>x</i>"
    data = json.loads(json.dumps(monitor_dict))
    data["verdict"].update(decision=evil, summary=evil)
    data["verdict"]["reasons"][0].update(source=evil, severity=evil, message=evil)
    data["model"].update(task=evil, target=evil, note=evil)
    data["performance"].update(task=evil, status=evil, labels=[evil, "1"])
    data["performance"]["metrics"][0].update(label=evil, status=evil, message=evil, current=evil)
    data["concept_drift"].update(message=evil, loss=evil, p_value=evil)
    data["quality"]["checks"][0].update(check=evil, column=evil, status=evil, examples=[evil])
    data["windows"].update(by=evil, note=evil)
    data["windows"]["windows"][0].update(label=evil, note=evil, quality_status=evil)
    data["windows"]["windows"][0]["out_of_band"] = [evil]
    page = _without_plotly(render_html(data))
    assert evil not in page
    assert html.escape(evil) in page


def test_monitoring_report_adds_little_beyond_plotly(monitor_page: str) -> None:
    # A size guard, not a timing: tables, charts' data and the extra script stay small.
    own = _without_plotly(monitor_page)
    assert len(own.encode("utf-8")) < 250_000
    assert len(json.dumps(_data_blob(monitor_page)["monitor"])) < 30_000
