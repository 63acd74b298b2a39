"""The runs in the app: uploading a run through the model page's form (editors only, a refusal
told beside its field), the run's page with its status, verdict, metrics, job log and report
(the HTML `driftscope report` writes), the JSON download, and the fragments a pending run's
pages poll until its analysis ends (286)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from tests.server.conftest import add_model, as_csv, as_parquet, breast_cancer_split, run_jobs
from tests.server.test_pages import _form_token, _log_in

from driftscope.report.html import render_html
from driftscope.server import jobs
from driftscope.server.models import Version
from driftscope.server.state import State
from driftscope.server.worker import JOB_KINDS

READER_PASSWORD = "a reader's long password"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def browser(admin: TestClient) -> Iterator[TestClient]:
    """The admin in a browser session of its own (the model "cancer" made)."""
    add_model(admin)
    with TestClient(admin.app, base_url="http://127.0.0.1") as session:
        assert _log_in(session).status_code == 303
        yield session


def _upload(
    browser: TestClient, production: pd.DataFrame | None = None, **fields: str
) -> tuple[int, str]:
    """Post the model page's form with the production rows (and ``fields``); the status and
    where it leads (or the page shown)."""
    token = _form_token(browser.get("/models/cancer").text)
    if production is None:
        production = breast_cancer_split()[1]
    answer = browser.post(
        "/models/cancer/runs",
        data={"csrf_token": token, **fields},
        files={"data": ("run.parquet", as_parquet(production))},
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("location") or answer.text


def _between(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end, html.index(start))]


def test_an_editor_uploads_a_run_and_sees_it_analysed_without_reloading(
    browser: TestClient, admin: TestClient, state: State
) -> None:
    page = browser.get("/models/cancer").text
    form = _between(page, '<form class="upload"', "</form>")
    assert 'enctype="multipart/form-data"' in form
    for field in ("data", "labels", "date", "version"):
        assert f'<label for="upload-{field}">' in form
        assert f'id="upload-{field}"' in form
    assert 'type="datetime-local"' in form
    assert '<option value="1">v1</option>' in form
    status, location = _upload(browser, date="2026-11-03T09:30", version="1")
    assert (status, location) == (303, "/models/cancer/runs/1")
    [stored] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert (stored["date"], stored["status"], stored["version"]) == (
        "2026-11-03T09:30:00Z",
        "pending",
        1,
    )

    # Pending: the run's page and the model page poll their fragments, and say so.
    pending = browser.get(location).text
    assert 'hx-get="/models/cancer/runs/1/live" hx-trigger="every 2s"' in pending
    assert '<a href="/models/cancer/runs/1">Refresh</a>' in pending
    assert "Queued." in pending
    assert "<iframe" not in pending
    live = browser.get(f"{location}/live", headers=HTMX)
    assert live.status_code == 200
    assert '<span class="badge status-pending">pending</span> queued' in live.text
    assert "<html" not in live.text  # a fragment, not a page
    model_page = browser.get("/models/cancer").text
    assert 'hx-get="/models/cancer/runs?offset=0"' in model_page
    table = browser.get("/models/cancer/runs", headers=HTMX)
    assert table.status_code == 200
    assert "1 run(s) being analysed" in table.text
    # Asked for as a page, the table's address is the model's page.
    assert browser.get("/models/cancer/runs", follow_redirects=False).headers["location"] == (
        "/models/cancer"
    )

    run_jobs(state)
    # Analysed: both fragments answer 286 (htmx stops polling) with the outcome.
    done = browser.get(f"{location}/live", headers=HTMX)
    assert done.status_code == 286
    assert '<span class="badge status-analysed">analysed</span>' in done.text
    assert (
        '<iframe class="report" src="/models/cancer/runs/1/report.html" '
        'title="The full report of run 1" sandbox="allow-scripts"></iframe>'
    ) in done.text
    assert "Refresh" not in done.text
    table = browser.get("/models/cancer/runs", headers=HTMX)
    assert table.status_code == 286
    shown = admin.get("/api/v1/models/cancer/runs/1").json()
    row = _between(table.text, "<tbody>", "</tbody>")
    assert f'<span class="badge {shown["verdict"]}">' in row
    primary = [m for m in shown["metrics"] if m["primary"]]
    assert [m["name"] for m in primary] == ["accuracy", "f1_macro", "roc_auc"]
    assert f"accuracy {primary[0]['value']:.4g}" in row
    # Loaded now, the pages no longer poll.
    assert "hx-get" not in browser.get(location).text
    assert "hx-get" not in browser.get("/models/cancer").text


def test_a_bad_file_date_or_version_is_told_beside_its_field_with_the_form_again(
    browser: TestClient, admin: TestClient
) -> None:
    _, production = breast_cancer_split()
    token = _form_token(browser.get("/models/cancer").text)

    def post(files: dict[str, tuple[str, bytes]], **fields: str) -> tuple[int, str]:
        answer = browser.post(
            "/models/cancer/runs", data={"csrf_token": token, **fields}, files=files
        )
        return answer.status_code, answer.text

    def error(html: str, field: str) -> str:
        found = re.search(rf'<p id="upload-{field}-error" class="field-error">([^<]*)</p>', html)
        assert found is not None, html
        return found.group(1)

    good = {"data": ("run.parquet", as_parquet(production))}
    status, html = post({"data": ("run.xlsx", b"not a table")}, date="2026-11-03T09:30")
    assert status == 422
    assert error(html, "data").startswith("&#39;data&#39; must be a table file (")
    assert 'aria-invalid="true"' in html
    assert 'value="2026-11-03T09:30"' in html  # what was given is kept
    assert "choose the file(s) again" in html
    no_prediction = {"data": ("run.csv", as_csv(production.drop(columns=["prediction"])))}
    status, html = post(no_prediction)
    assert status == 422
    assert "prediction" in error(html, "data")
    status, html = post(good, date="the third of November")
    assert status == 422
    assert error(html, "date") == (
        "&#39;date&#39; must be a date and time such as 2026-11-01T09:30 (UTC); "
        "got &#39;the third of November&#39;."
    )
    assert 'value="the third of November"' in html
    status, html = post(good, version="9")
    assert status == 404
    assert error(html, "version") == "Model &#39;cancer&#39; has no version 9."
    status, html = post({"data": ("", b"")})  # no file chosen
    assert status == 422
    assert error(html, "data") == "&#39;data&#39; is needed: choose the production data file."
    labels = {"labels": ("labels.csv", as_csv(production[["target"]]))}
    status, html = post({**good, **labels})
    assert status == 422
    assert "id column" in error(html, "labels")
    assert admin.get("/api/v1/models/cancer/runs").json()["total"] == 0  # nothing stored
    forged = browser.post("/models/cancer/runs", data={"csrf_token": "forged"}, files=good)
    assert forged.status_code == 403
    assert "The form has expired" in forged.text
    missing = browser.post("/models/nope/runs", data={"csrf_token": token}, files=good)
    assert missing.status_code == 404
    assert "No model named &#39;nope&#39;." in missing.text


def test_a_viewer_sees_no_upload_form_nor_retry_and_is_refused_if_it_posts(
    browser: TestClient, admin: TestClient, state: State
) -> None:
    made = admin.post(
        "/api/v1/users", json={"username": "reader", "password": READER_PASSWORD, "role": "viewer"}
    )
    assert made.status_code == 201, made.text
    _, production = breast_cancer_split()
    labels = production[["id", "target"]]
    twice = labels.assign(target=1 - labels.target)  # two labels for each id: fails
    admin.post(
        "/api/v1/models/cancer/runs",
        files={
            "data": ("run.parquet", as_parquet(production.drop(columns=["target"]))),
            "labels": ("labels.parquet", as_parquet(pd.concat([labels, twice]))),
        },
    )
    run_jobs(state)
    assert "Retry the analysis" in browser.get("/models/cancer/runs/1").text
    with TestClient(admin.app, base_url="http://127.0.0.1") as viewer:
        assert _log_in(viewer, READER_PASSWORD, username="reader").status_code == 303
        page = viewer.get("/models/cancer").text
        assert "Upload a run" not in page
        assert 'action="/models/cancer/runs"' not in page
        run_page = viewer.get("/models/cancer/runs/1").text
        assert "Retry the analysis" not in run_page
        token = _form_token(page)  # the logout form's
        refused = viewer.post(
            "/models/cancer/runs",
            data={"csrf_token": token},
            files={"data": ("run.parquet", as_parquet(production))},
        )
        assert refused.status_code == 403
        assert "Your role may only read." in refused.text
        retry = viewer.post("/models/cancer/runs/1/retry", data={"csrf_token": token})
        assert retry.status_code == 403
    listed = admin.get("/api/v1/models/cancer/runs").json()
    assert (listed["total"], listed["items"][0]["status"]) == (1, "failed")


def test_the_run_page_shows_the_run_verdict_metrics_and_job_with_its_report_and_json(
    browser: TestClient, admin: TestClient, state: State
) -> None:
    _, production = breast_cancer_split()
    drifted = production.assign(**{"mean radius": production["mean radius"] * 1.5})
    assert _upload(browser, drifted, date="2026-11-03T09:30")[0] == 303
    run_jobs(state)
    run = admin.get("/api/v1/models/cancer/runs/1").json()
    report = admin.get("/api/v1/models/cancer/runs/1/report").json()
    answer = browser.get("/models/cancer/runs/1")
    assert "frame-src 'self'" in answer.headers["content-security-policy"]
    page = answer.text
    facts = _between(page, '<dl class="facts">', "</dl>")
    assert '<dt>Date</dt><dd><time datetime="2026-11-03T09:30:00+00:00">' in facts
    assert "<dt>Version</dt><dd>v1</dd>" in facts
    assert f"<dt>Rows</dt><dd>{run['n_rows']:,}</dd>" in facts
    assert "uploaded by admin" in facts
    verdict = report["verdict"]
    assert f'<span class="badge {verdict["decision"]}">{verdict["decision"]}</span>' in page
    assert verdict["reasons"], "a run with drift has reasons"
    for reason in verdict["reasons"]:
        assert str(escape(reason["message"])) in page
    metrics = _between(page, '<table class="metrics">', "</table>")
    for metric in run["metrics"]:
        assert f"<td>{metric['name']}{' (primary)' if metric['primary'] else ''}</td>" in metrics
    job = _between(page, "<h2>Job</h2>", "</dl>")
    assert f"<dt>Job</dt><dd>{run['job']['id']} (analyse run)</dd>" in job
    assert "<dt>Status</dt><dd>done: done</dd>" in job
    assert "<dt>Attempts</dt><dd>1 of 3</dd>" in job
    log = _between(page, '<table class="log">', "</table>")
    for line in run["job"]["log"]:
        assert f"<td>{escape(line['message'])}</td>" in log
    assert [line["message"] for line in run["job"]["log"]][-4:] == [
        "Step: reading.",
        "Step: analysing.",
        "Step: storing.",
        "Done.",
    ]

    # The JSON to keep is the API's report; the report page is what `driftscope report` writes.
    download = browser.get("/models/cancer/runs/1/report.json")
    assert download.headers["content-disposition"] == 'attachment; filename="cancer-run-1.json"'
    assert download.json() == report
    served = browser.get("/models/cancer/runs/1/report.html")
    assert served.status_code == 200
    assert served.text == render_html(report)
    policy = served.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    script_src = policy.split("script-src ")[1].split(";")[0]
    assert "unsafe" not in script_src
    assert len(script_src.split()) == 2  # the report's script and Plotly, nothing else
    assert "frame-ancestors 'self'" in policy
    assert "connect-src" not in policy  # no request to anywhere (default-src 'none')
    missing = browser.get("/models/cancer/runs/9")
    assert missing.status_code == 404
    assert "Model &#39;cancer&#39; has no run 9." in missing.text


def test_a_failed_attempt_is_in_the_job_log_and_an_editor_retries_a_failed_analysis(
    browser: TestClient, admin: TestClient, state: State
) -> None:
    with state.sessions() as session:
        baseline = state.artifacts.path(str(session.scalar(select(Version.baseline))))
    assert _upload(browser)[0] == 303
    # The baseline's file is away during the first attempt: it fails and is queued again.
    aside = baseline.with_suffix(".aside")
    shutil.move(baseline, aside)
    assert jobs.run_one(state, JOB_KINDS, "test-worker")
    shutil.move(aside, baseline)
    page = browser.get("/models/cancer/runs/1/live", headers=HTMX)
    assert page.status_code == 200  # still pending: polling goes on
    assert "Attempt 1 failed: " in page.text
    assert "; queued again." in page.text
    run_jobs(state)
    run = admin.get("/api/v1/models/cancer/runs/1").json()
    messages = [(line["attempt"], line["message"]) for line in run["job"]["log"]]
    assert messages[:2] == [(0, "Queued."), (1, "Attempt 1 of 3 started by worker test-worker.")]
    assert (2, "Attempt 2 of 3 started by worker test-worker.") in messages
    assert messages[-1] == (2, "Done.")
    assert "<td>2</td><td>Done.</td>" in browser.get("/models/cancer/runs/1").text

    # An analysis that fails for good (two labels for each id) is retried from its page.
    _, production = breast_cancer_split()
    labels = production[["id", "target"]]
    twice = labels.assign(target=1 - labels.target)
    token = _form_token(browser.get("/models/cancer").text)
    made = browser.post(
        "/models/cancer/runs",
        data={"csrf_token": token},
        files={
            "data": ("run.parquet", as_parquet(production.drop(columns=["target"]))),
            "labels": ("labels.parquet", as_parquet(pd.concat([labels, twice]))),
        },
        follow_redirects=False,
    )
    assert made.headers["location"] == "/models/cancer/runs/2"
    run_jobs(state)
    failed = browser.get("/models/cancer/runs/2/live", headers=HTMX)
    assert failed.status_code == 286
    assert '<span class="badge status-failed">failed</span>' in failed.text
    assert "Failed: The labels hold 171 duplicated id(s)" in failed.text
    assert "Retry the analysis" in failed.text
    assert browser.get("/models/cancer/runs/2/report.html").status_code == 404
    retried = browser.post(
        "/models/cancer/runs/2/retry", data={"csrf_token": token}, follow_redirects=False
    )
    assert (retried.status_code, retried.headers["location"]) == (303, "/models/cancer/runs/2")
    again = browser.get("/models/cancer/runs/2").text
    assert 'hx-get="/models/cancer/runs/2/live"' in again  # pending again: polled
    assert "Queued again by admin, with 3 new attempts." in again
    assert "Retry the analysis" not in again
    twice_retried = browser.post("/models/cancer/runs/2/retry", data={"csrf_token": token})
    assert twice_retried.status_code == 409
    assert "only a failed job is retried" in twice_retried.text


def test_a_fragment_after_the_session_ended_says_so_and_stops_polling(
    browser: TestClient,
) -> None:
    assert _upload(browser)[0] == 303
    token = _form_token(browser.get("/models/cancer").text)
    browser.post("/logout", data={"csrf_token": token})
    ended = browser.get("/models/cancer/runs/1/live", headers=HTMX)
    assert ended.status_code == 286
    assert "Your session has ended." in ended.text
    assert '<a href="/login?next=/models/cancer/runs/1">Log in again</a>' in ended.text
    page = browser.get("/models/cancer/runs/1", follow_redirects=False)
    assert page.headers["location"] == "/login?next=/models/cancer/runs/1"
