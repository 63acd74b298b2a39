"""The dashboard at the top of the model page: its time range picker, a chart container with its
words for each part, the range applied to the text and to the charts' data, clear messages for
a wrong range, an empty state, and the verdict reasons the timeline now carries (SQLite and
PostgreSQL)."""

from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.server.conftest import add_model, as_parquet, breast_cancer_split, run_jobs
from tests.server.test_pages import _log_in

from driftscope.server import db
from driftscope.server.models import Run
from driftscope.server.routes.pages.dashboard import Span, time_range
from driftscope.server.state import State

#: The features moved in the later runs.
SHIFTED = ("mean radius", "worst area")
DATES = ("2026-11-01", "2026-11-02", "2026-11-03")


def _three_runs(admin: TestClient, state: State) -> None:
    """The production rows as they are on 2026-11-01, then with two features moved on the two
    days after; analysed."""
    add_model(admin, benchmarks='{"accuracy": 0.9}')
    _, production = breast_cancer_split()
    shifted = production.copy()
    for column in SHIFTED:
        shifted[column] = shifted[column] * 1.6
    for day, frame in zip(DATES, (production, shifted, shifted), strict=True):
        sent = admin.post(
            "/api/v1/models/cancer/runs",
            files={"data": ("run.parquet", as_parquet(frame))},
            data={"date": day},
        )
        assert sent.status_code == 201, sent.text
    assert run_jobs(state) == 3


def _browser(admin: TestClient) -> TestClient:
    browser = TestClient(admin.app, base_url="http://127.0.0.1")
    assert _log_in(browser).status_code == 303
    return browser


def _section(page: str) -> str:
    return page[page.index('<section class="dashboard"') : page.index("</section>")]


def _data_url(page: str) -> str:
    found = re.search(r'data-src="([^"]+)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def test_the_timeline_keeps_each_runs_verdict_reasons_as_its_report_gives_them(
    admin: TestClient, state: State
) -> None:
    _three_runs(admin, state)
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    runs = timeline["runs"]
    assert runs["date"][0].startswith("2026-11-01")
    for run_id, verdict, reasons in zip(runs["run"], runs["verdict"], runs["reasons"], strict=True):
        report = admin.get(f"/api/v1/models/cancer/runs/{run_id}/report").json()
        assert verdict == report["verdict"]["decision"]
        assert reasons == report["verdict"]["reasons"]
    assert runs["verdict"][0] == "ok"
    assert runs["reasons"][0] == []
    assert runs["verdict"][2] == "investigate"
    assert any("mean radius" in reason["message"] for reason in runs["reasons"][2])
    # The dashboard's own data: the same runs, each with its most severe reason only.
    with _browser(admin) as browser:
        data = browser.get("/models/cancer/dashboard.json").json()
    assert data["timeline"]["runs"]["run"] == runs["run"]
    assert data["timeline"]["runs"]["reasons"] == [r[:1] for r in runs["reasons"]]
    # Its numbers to three decimals: no chart shows more.
    shares = data["timeline"]["runs"]["drift_share"]
    assert shares == [round(share, 3) for share in runs["drift_share"]]
    for name, series in timeline["metrics"].items():
        for field, values in series.items():
            rounded = [round(v, 3) if isinstance(v, float) else v for v in values]
            assert data["timeline"]["metrics"][name][field] == rounded, (name, field)
    columns = admin.get("/api/v1/models/cancer/timeline/features").json()["columns"]
    assert data["features"]["columns"].keys() == columns.keys()
    for name, column in columns.items():
        shown = data["features"]["columns"][name]
        assert shown["drifted"] == column["drifted"]
        assert shown["drifted_runs"] == column["drifted_runs"]
        for field in ("statistic", "p_value"):
            assert shown[field] == [None if v is None else round(v, 3) for v in column[field]]


def test_the_dashboard_has_the_picker_and_a_chart_with_its_words_for_each_part(
    admin: TestClient, state: State
) -> None:
    _three_runs(admin, state)
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    features = admin.get("/api/v1/models/cancer/timeline/features").json()["columns"]
    with _browser(admin) as browser:
        page = browser.get("/models/cancer")
        by_name = _section(browser.get("/models/cancer", params={"order": "name"}).text)
    assert page.status_code == 200
    dashboard = _section(page.text)
    # Above the versions and the runs.
    assert page.text.index('<section class="dashboard"') < page.text.index("<h2>Versions</h2>")
    # The picker: a GET form with the presets, custom dates, each field labelled.
    assert '<form class="range" method="get" action="/models/cancer"' in dashboard
    for value in ("7d", "30d", "90d", "all", "custom"):
        assert f'<option value="{value}"' in dashboard
    assert '<option value="all" selected>All runs</option>' in dashboard
    for field in ("range", "since", "until"):
        assert f'<label for="{field}">' in dashboard
        assert f'id="{field}"' in dashboard
    # A container per chart, each named by its words, and the script that draws them.
    for chart in ("drift", "verdict", "features", "outputs", "quality"):
        assert f'id="chart-{chart}" role="img" aria-labelledby="{chart}-caption"' in dashboard
    for metric in timeline["metrics"]:
        assert f'data-metric="{metric}"' in dashboard
    assert _data_url(page.text) == "/models/cancer/dashboard.json?"
    assert '<script src="/static/vendor/plotly-cartesian-4.1.1.min.js" defer>' in dashboard
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in dashboard
    # The words say the latest numbers of the stored runs.
    runs = timeline["runs"]
    assert "3 analysed run(s)" in dashboard
    assert f"Latest run (2026-11-03): {runs['drift_share'][-1] * 100:.0f}% of the columns" in (
        dashboard
    )
    accuracy = timeline["metrics"]["accuracy"]
    assert f"<strong>accuracy</strong>\n    {accuracy['value'][-1]:.3f}" in dashboard
    assert "benchmark 0.900" in dashboard
    assert f"of {len(DATES)} run(s) had an alert" in dashboard
    # The verdict history: the first run and each change, newest first, with the reasons.
    history = dashboard[dashboard.index('<table class="verdicts">') :].split("</table>")[0]
    assert history.index("2026-11-02") < history.index("2026-11-01")
    assert "2026-11-03" not in history  # the same verdict as the day before
    assert html.escape(runs["reasons"][1][0]["message"]) in history
    assert "No reason: nothing moved." in history
    assert "the verdict changed 1 time(s) in these runs" in dashboard
    # Each feature's drift count, most drifting first (or by name when asked).
    rows = re.findall(r'<tr data-name="([^"]+)" data-drifted="(\d+)">', dashboard)
    assert len(rows) == sum(c["role"] == "feature" for c in features.values())
    assert {name for name, _ in rows[:2]} == set(SHIFTED)
    assert all(int(n) == features[name]["drifted_runs"] for name, n in rows)
    names = re.findall(r'<tr data-name="([^"]+)" data-drifted', by_name)
    assert names == sorted(name for name, _ in rows)
    assert "prediction (prediction): drifted in" in dashboard


def test_the_range_applies_to_the_words_and_to_the_charts_data(
    admin: TestClient, state: State
) -> None:
    _three_runs(admin, state)
    with _browser(admin) as browser:
        page = browser.get(
            "/models/cancer",
            params={"range": "custom", "since": "2026-11-02", "until": "2026-11-02"},
        )
        dashboard = _section(page.text)
        assert "1 analysed run(s) from 2026-11-02 up to 2026-11-02" in dashboard
        assert 'value="2026-11-02"' in dashboard
        assert '<option value="custom" selected>' in dashboard
        data = browser.get(_data_url(page.text)).json()
        # A link with dates only means those dates; the last date is included.
        later = _section(browser.get("/models/cancer", params={"since": "2026-11-02"}).text)
        empty = _section(browser.get("/models/cancer", params={"until": "2026-10-31"}).text)
    assert data["timeline"]["runs"]["date"] == ["2026-11-02T00:00:00+00:00"]
    assert data["features"]["runs"]["date"] == ["2026-11-02T00:00:00+00:00"]
    assert unquote(_data_url(page.text)) == (
        "/models/cancer/dashboard.json?since=2026-11-02T00:00:00+00:00"
        "&until=2026-11-03T00:00:00+00:00"
    )
    assert "2 analysed run(s) from 2026-11-02" in later
    assert "No analysed run in this range." in empty
    assert "data-src" not in empty


def test_the_presets_count_back_from_today() -> None:
    today = date(2026, 11, 30)
    week = time_range("7d", "2020-01-01", "", today)  # a preset ignores the date fields
    assert (week.span, week.since_text, week.until_text) == (Span.WEEK, "2026-11-24", "2026-11-30")
    assert (
        unquote(week.query()) == "since=2026-11-24T00:00:00+00:00&until=2026-12-01T00:00:00+00:00"
    )
    assert time_range("90d", "", "", today).since_text == "2026-09-02"  # 90 days with today
    everything = time_range("", "", "", today)
    assert (everything.span, everything.since, everything.until) == (Span.ALL, None, None)
    assert time_range("nonsense", "", "", today).span is Span.ALL


def test_a_wrong_range_is_told_next_to_its_field_with_the_input_kept(admin: TestClient) -> None:
    add_model(admin)
    with _browser(admin) as browser:
        wrong = browser.get("/models/cancer", params={"range": "custom", "since": "11/02/2026"})
        backwards = browser.get(
            "/models/cancer",
            params={"range": "custom", "since": "2026-11-05", "until": "2026-11-01"},
        )
        bare = browser.get("/models/cancer", params={"range": "custom"})
    assert wrong.status_code == 422
    dashboard = _section(wrong.text)
    assert 'value="11/02/2026" aria-invalid="true" aria-describedby="since-error"' in dashboard
    assert (
        '<p class="field-error" id="since-error">Since: expected a date as YYYY-MM-DD; '
        "got &#39;11/02/2026&#39;.</p>"
    ) in dashboard
    assert "Fix the time range above" in dashboard
    assert "data-src" not in dashboard
    assert backwards.status_code == 422
    assert "Until: expected a date on or after 2026-11-05; got 2026-11-01." in backwards.text
    assert 'id="until" name="until" value="2026-11-01" aria-invalid="true"' in backwards.text
    assert "a custom range needs a first date, a last date, or both" in bare.text


def test_a_model_without_runs_shows_an_empty_dashboard(admin: TestClient) -> None:
    add_model(admin)
    with _browser(admin) as browser:
        page = browser.get("/models/cancer")
        data = browser.get("/models/cancer/dashboard.json").json()
    assert page.status_code == 200
    dashboard = _section(page.text)
    assert "No analysed run yet" in dashboard
    assert "chart-drift" not in dashboard
    assert "plotly" not in dashboard
    assert data["timeline"]["runs"]["run"] == []
    assert data["features"]["columns"] == {}


def test_a_run_analysed_before_reasons_were_kept_says_so(admin: TestClient, state: State) -> None:
    _three_runs(admin, state)
    with db.transaction(state.writers) as session:
        session.execute(update(Run).values(verdict_reasons=None))
    assert admin.get("/api/v1/models/cancer/timeline").json()["runs"]["reasons"] == [None] * 3
    with _browser(admin) as browser:
        page = browser.get("/models/cancer")
        data = browser.get("/models/cancer/dashboard.json").json()
    assert "Not kept for this run" in _section(page.text)
    assert data["timeline"]["runs"]["reasons"] == [None] * 3


def test_the_charts_data_needs_a_session_and_plotly_is_kept_by_the_browser(
    admin: TestClient, client: TestClient
) -> None:
    add_model(admin)
    with TestClient(admin.app, base_url="http://127.0.0.1") as anonymous:
        assert anonymous.get("/models/cancer/dashboard.json").status_code == 401
    with _browser(admin) as browser:
        assert browser.get("/models/nope/dashboard.json").status_code == 404
        plotly = browser.get("/static/vendor/plotly-cartesian-4.1.1.min.js")
        css = browser.get("/static/vendor/plotly-4.1.1.css")
        assert browser.get("/static/vendor/nothing.js").status_code == 404
        assert browser.get("/static/vendor/..%2F..%2Fapp.py").status_code == 404
    assert plotly.status_code == 200
    assert plotly.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert plotly.text.startswith("/**\n* plotly.js (cartesian - minified) v4.1.1")
    assert css.headers["content-type"].startswith("text/css")
    assert ".js-plotly-plot .plotly .main-svg{position:absolute" in css.text
    script = browser.get("/static/dashboard.js")
    assert script.status_code == 200
    assert "Plotly.newPlot" in script.text
