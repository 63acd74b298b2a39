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
    assert f"drift share {dataset['drift_share']:.4g} (threshold 0.3)" in page
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
    assert ">1.2e-09<small>decision 6e-09</small>" in age
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
