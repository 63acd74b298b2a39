"""The page templates: escaped by default, strict about names, one body for page and notebook."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from driftscope.report import Report
from driftscope.report.html import (
    _Badge,
    _Body,
    _Layout,
    _Number,
    _Page,
    _run,
    _templates,
    _Tone,
    render_html,
)


class _Title(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data


def _page() -> _Page:
    return _Page(
        title="t",
        monitoring=False,
        css=Markup(""),
        body=_Body(_Layout.QUALITY, run=_run({}), warnings=("<b>x</b>",)),
        data=Markup("{}"),
        script=Markup(""),
        plotly=Markup(""),
    )


def test_the_title_is_escaped_by_the_template(report_dict: dict[str, object]) -> None:
    hostile = """</title><script>alert("x")</script> 'q' & r"""
    report_dict["metadata"] = {"reference": hostile, "current": "cur.csv"}
    page = render_html(report_dict)
    head = page[: page.index("</head>")]
    assert "<script>" not in head
    parser = _Title()
    parser.feed(head)
    assert parser.text == f"driftscope: {hostile} vs cur.csv"


def test_the_page_renders_its_body_in_the_same_pass() -> None:
    """The body is a view model, not markup: the page's template renders it, escaping it."""
    rendered = _templates().get_template("report.html").render(page=_page())
    assert "<li>&lt;b&gt;x&lt;/b&gt;</li>" in rendered
    assert "<b>x</b>" not in rendered


def test_a_plain_string_is_escaped_and_markup_is_kept() -> None:
    """A badge's text is plain text; a number's arrives formatted, as markup."""
    template = _templates().from_string(
        '{% from "sections/cells.html" import badge, num_td %}{{ badge(b) }}{{ num_td(n) }}'
    )
    rendered = template.render(b=_Badge(_Tone.WARN, "<b>x</b>"), n=_Number.of(1e-4, "&lt;0.1%"))
    assert rendered == (
        '<span class="ds-badge ds-badge-warn">&lt;b&gt;x&lt;/b&gt;</span>'
        '<td class="ds-num" data-v="0.0001" title="0.0001">&lt;0.1%</td>'
    )


def test_an_unknown_name_is_an_error() -> None:
    template = _templates().from_string("{{ page.no_such_field }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(page=_page())


@pytest.mark.parametrize("fixture", ["report", "monitor_report"])
def test_the_page_wraps_the_notebook_fragment(fixture: str, request: pytest.FixtureRequest) -> None:
    """One body template: the offline page is the notebook fragment inside the page's body."""
    report: Report = request.getfixturevalue(fixture)
    page, fragment = report.to_html(), report._repr_html_()
    assert page.endswith(f"<body>{fragment}</body></html>\n")
    assert page.startswith("<!DOCTYPE html>\n")


def test_values_are_escaped_as_the_builders_escape_them() -> None:
    """Quotes spelt as `html.escape` spells them, so a section moved to a template keeps its
    bytes; markup passes unchanged."""
    template = _templates().from_string("{{ text }}|{{ markup }}")
    rendered = template.render(text="""<a href="x">'&'</a>""", markup=Markup("<b>&amp;</b>"))
    assert rendered == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;|<b>&amp;</b>"


def test_no_template_marks_a_value_safe() -> None:
    """Only markup built in Python from escaped parts is trusted; a template never says ``|safe``
    of a value (which could be a string from the data)."""
    folder = Path(__file__).parents[2] / "src" / "driftscope" / "report" / "templates"
    templates = sorted(folder.rglob("*.html"))
    assert len(templates) > 2
    for template in templates:
        assert "|safe" not in template.read_text(encoding="utf-8").replace(" ", ""), template
