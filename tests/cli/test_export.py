"""`driftscope export prometheus-rules`: the file passes `promtool check rules`, and
`promtool test rules` shows it fire on accuracy below 0.9 for over an hour and only then
(Debian's prometheus package, which `make test` installs). `driftscope export grafana`: the
dashboard's and the provisioning files' structure (their queries run on a real Prometheus in
tests/server/test_metrics.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.server._prometheus import binary
from tests.server._serve import admin_token, serving

from driftscope.cli import main
from driftscope.exceptions import ParameterError
from driftscope.integrations.grafana import panel_queries
from driftscope.integrations.prometheus import RuleSpec, rule_file


def _promtool(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary("promtool"), *argv], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _annotations(metric: str, comparator: str, threshold: str, value: str) -> dict[str, str]:
    return {
        "summary": f"{metric} {comparator} {threshold} for model churn version 1",
        "description": f"{metric} is {value} ({comparator} {threshold}) for 1h or more.",
    }


def _alert(severity: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "exp_labels": {"severity": severity, "model": "churn", "version": "1"},
        "exp_annotations": annotations,
    }


def _series(metric: str, model: str, values: str) -> dict[str, str]:
    return {"series": f'{metric}{{model="{model}",version="1"}}', "values": values}


def _expect(at: str, alert: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {"eval_time": at, "alertname": alert, "exp_alerts": list(alerts)}


def _rule_tests(
    folder: Path, series: list[dict[str, str]], checks: list[dict[str, Any]], name: str
) -> subprocess.CompletedProcess[str]:
    """`promtool test rules` on rules.yml in ``folder``: ``series`` sampled every minute,
    ``checks`` the alerts expected at given times."""
    cases = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": checks}],
    }
    (folder / name).write_text(yaml.safe_dump(cases))
    return _promtool("test", "rules", name, cwd=folder)


def test_the_rules_pass_promtool_and_fire_after_an_hour_below(tmp_path: Path) -> None:
    assert main(["export", "prometheus-rules", "-o", str(tmp_path / "rules.yml")]) == 0
    checked = _promtool("check", "rules", "rules.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "2 rules found" in checked.stdout
    accuracy = "driftscope_model_accuracy"
    share = "driftscope_drift_share"
    low = _alert("critical", _annotations(accuracy, "<", "0.9", "0.85"))
    drifting = _alert("warning", _annotations(share, ">=", "0.5", "0.6"))
    series = [
        # churn: fine for 30 minutes, then below 0.9 from minute 30 on.
        _series(accuracy, "churn", "0.95x29 0.85x120"),
        # steady: never below.
        _series(accuracy, "steady", "0.95x150"),
        # blip: below for 40 minutes only, then back.
        _series(accuracy, "blip", "0.95x29 0.85x39 0.95x80"),
        _series(share, "churn", "0.1x29 0.6x120"),
    ]
    checks = [
        # Below for 50 minutes: pending, not firing yet.
        _expect("80m", "DriftscopeAccuracyLow"),
        # Below for 70 minutes: churn fires; steady never, blip recovered in time.
        _expect("100m", "DriftscopeAccuracyLow", low),
        _expect("100m", "DriftscopeDatasetDrift", drifting),
        _expect("20m", "DriftscopeDatasetDrift"),
    ]
    tested = _rule_tests(tmp_path, series, checks, "tests.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # The harness is not a rubber stamp: expecting the blip to fire fails.
    blip = {**low, "exp_labels": {**low["exp_labels"], "model": "blip"}}
    checks[1] = _expect("100m", "DriftscopeAccuracyLow", low, blip)
    assert _rule_tests(tmp_path, series, checks, "wrong.yml").returncode != 0


def test_a_rule_on_an_alias_fires_only_for_the_version_it_points_at(tmp_path: Path) -> None:
    argv = ["export", "prometheus-rules", "-o", str(tmp_path / "rules.yml"), "--alias"]
    assert main([*argv, "production"]) == 0
    accuracy = "driftscope_model_accuracy"
    low = _alert("critical", _annotations(accuracy, "<", "0.9", "0.85"))
    series = [
        # Version 1 serves and falls; the retired version 0 stays low.
        _series(accuracy, "churn", "0.95x29 0.85x120"),
        {"series": f'{accuracy}{{model="churn",version="0"}}', "values": "0.5x150"},
        {
            "series": 'driftscope_version_alias{model="churn",version="1",alias="production"}',
            "values": "1x150",
        },
    ]
    checks = [
        _expect("20m", "DriftscopeAccuracyLow"),
        _expect("100m", "DriftscopeAccuracyLow", low),
    ]
    tested = _rule_tests(tmp_path, series, checks, "tests.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_options_shape_the_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["export", "prometheus-rules", "--accuracy-below", "0.8", "--for", "30m"]
    assert main([*argv, "--drift-share-at-least", "0.25", "--model", 'sales "eu"']) == 0
    rules = yaml.safe_load(capsys.readouterr().out)["groups"][0]["rules"]
    assert [r["expr"] for r in rules] == [
        'driftscope_model_accuracy{model="sales \\"eu\\""} < 0.8',
        'driftscope_drift_share{model="sales \\"eu\\""} >= 0.25',
    ]
    assert {r["for"] for r in rules} == {"30m"}
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "g", "rules": rules}]}))
    checked = _promtool("check", "rules", "rules.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--for", "1x", "is not a duration"),
        ("--accuracy-below", "1.5", "is not in [0, 1]"),
        ("--drift-share-at-least", "half", "is not a number"),
        ("--alias", "prod", "expected production or staging"),
    ],
)
def test_bad_options_are_named(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "prometheus-rules", option, value]) == 2
    err = capsys.readouterr().err
    assert option in err
    assert message in err
    assert "Traceback" not in err


def test_a_rule_spec_is_checked() -> None:
    with pytest.raises(ParameterError, match="'comparator' parameter of RuleSpec"):
        RuleSpec("Low", "driftscope_model_accuracy", "=<", 0.9, 60)
    with pytest.raises(ParameterError, match="'metric' parameter"):
        RuleSpec("Low", "driftscope:accuracy", "<", 0.9, 60)
    with pytest.raises(ParameterError, match="'for_seconds' parameter"):
        RuleSpec("Low", "driftscope_model_accuracy", "<", 0.9, -1)
    spec = RuleSpec("Low", "driftscope_model_accuracy", "<", 0.9, 60)
    with pytest.raises(ParameterError, match="each rule once"):
        rule_file([spec, spec])


def test_the_grafana_dashboard_provisions_without_uids_of_another_machine(tmp_path: Path) -> None:
    folder = tmp_path / "grafana"
    argv = ["export", "grafana", str(folder), "--prometheus-url", "http://127.0.0.1:9091"]
    assert main(argv) == 0
    model = json.loads((folder / "driftscope-dashboard.json").read_text())
    assert model["id"] is None
    assert model["uid"] == "driftscope"
    assert "__inputs" not in model
    assert "__requires" not in model
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert "label_values(driftscope_drift_share, model)" in variables["model"]["definition"]
    panels = model["panels"]
    assert len(panels) >= 6
    assert len({p["id"] for p in panels}) == len(panels)
    sources = [p["datasource"] for p in panels] + [
        t["datasource"] for p in panels for t in p["targets"]
    ]
    assert all(s == {"type": "prometheus", "uid": "${datasource}"} for s in sources)
    text = json.dumps(model)
    assert "${DS_" not in text
    for panel in panels:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24
        assert {t["refId"] for t in panel["targets"]} == {
            chr(ord("A") + i) for i in range(len(panel["targets"]))
        }
    # The panels overlap nowhere on Grafana's 24-column grid.
    cells = [
        (x, y)
        for p in panels
        for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
        for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells))
    queries = panel_queries(model)
    assert any("driftscope_model_accuracy" in q for q in queries)
    assert any("driftscope_drift_share" in q for q in queries)
    provider = yaml.safe_load((folder / "driftscope-dashboards.yml").read_text())
    assert provider["apiVersion"] == 1
    assert provider["providers"][0]["type"] == "file"
    assert provider["providers"][0]["options"]["path"] == str(folder.resolve())
    source = yaml.safe_load((folder / "driftscope-datasource.yml").read_text())
    assert source["datasources"][0] == {
        "name": "Prometheus",
        "type": "prometheus",
        "access": "proxy",
        "url": "http://127.0.0.1:9091",
        "isDefault": True,
    }


def test_grafana_refuses_a_bad_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["export", "grafana", str(tmp_path), "--prometheus-url", "127.0.0.1:9090"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--prometheus-url" in err
    assert "is not an http:// or https:// URL" in err
    assert not list(tmp_path.iterdir())


#: Stored rules of two models, as the service takes them, and whether each maps (the skipped
#: ones with the words of their reason).
_STORED: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "churn",
        {
            "signal": "metric",
            "subject": "accuracy",
            "comparator": "<",
            "threshold": 0.85,
            "for_seconds": 3600,
            "severity": "critical",
        },
        None,
    ),
    ("churn", {"signal": "drift_share", "comparator": ">=", "threshold": 0.3}, None),
    (
        "churn",
        {"signal": "feature_drift", "subject": "*", "comparator": "==", "threshold": 1},
        None,
    ),
    (
        "churn",
        {"signal": "prediction_drift", "measure": "statistic", "comparator": ">", "threshold": 0.2},
        None,
    ),
    ("churn", {"signal": "verdict", "comparator": ">=", "threshold": 2}, None),
    ("churn", {"signal": "freshness", "comparator": ">", "threshold": 86400}, None),
    (
        "churn",
        {"signal": "metric_drop", "subject": "accuracy", "comparator": ">", "threshold": 0.05},
        "no baseline",
    ),
    (
        "churn",
        {"signal": "quality_check", "subject": "missing_share", "comparator": ">=", "threshold": 1},
        "data-quality",
    ),
    ("churn", {"signal": "change_points", "comparator": ">=", "threshold": 1}, "change-point"),
    (
        "churn",
        {
            "signal": "metric",
            "subject": "accuracy",
            "comparator": "<",
            "threshold": 0.9,
            "for_runs": 3,
        },
        "for_runs 3",
    ),
    (
        "churn",
        {
            "signal": "metric",
            "subject": "f1_macro",
            "comparator": "<",
            "threshold": 0.9,
            "min_labelled_share": 0.5,
        },
        "label policy",
    ),
    (
        "churn",
        {"signal": "freshness", "measure": "labels", "comparator": ">", "threshold": 86400},
        "labelled run",
    ),
    (
        "churn",
        {
            "signal": "feature_drift",
            "subject": "*",
            "measure": "p_value",
            "comparator": "<",
            "threshold": 0.01,
        },
        "p_value",
    ),
    (
        "churn",
        {"signal": "drift_share", "comparator": ">", "threshold": 0.9, "enabled": False},
        "disabled",
    ),
    (
        "steady",
        {"signal": "metric", "subject": "accuracy", "comparator": "<", "threshold": 0.8},
        None,
    ),
]


@pytest.mark.slow
def test_the_services_rules_map_to_prometheus_rules_and_the_rest_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = tmp_path / "service"
    service.mkdir()
    with serving(service) as server:
        token = admin_token(server)
        http = server.client()
        for name in ("churn", "steady"):
            response = http.post("/models", json={"name": name, "task": "binary_classification"})
            assert response.status_code == 201, response.text
        for i, (model, fields, _) in enumerate(_STORED):
            response = http.post(f"/models/{model}/alert-rules", json={"name": f"r{i}", **fields})
            assert response.status_code == 201, (fields, response.text)
        url = server.url.removesuffix("/api/v1")
        remote = ["--from-service", "--url", url, "--token", token]
        rules = tmp_path / "rules.yml"
        assert main(["export", "prometheus-rules", "-o", str(rules), *remote]) == 0
        _, err = capsys.readouterr()
        assert main(["export", "prometheus-rules", *remote, "--model", "steady"]) == 0
        steady, _ = capsys.readouterr()
        refused = main(["export", "prometheus-rules", *remote, "--accuracy-below", "0.8"])
        assert refused == 2
        assert "--accuracy-below" in capsys.readouterr().err
    text = rules.read_text()
    skipped = [words for _, _, words in _STORED if words is not None]
    mapped = len(_STORED) - len(skipped)
    # Every skipped rule is said in the file and on stderr, with its reason.
    comments = [line for line in text.splitlines() if line.startswith("# skipped")]
    said = [line for line in err.splitlines() if line.startswith("skipped")]
    assert len(comments) == len(said) == len(skipped)
    for words, comment, line in zip(skipped, comments, said, strict=True):
        assert words in comment, (words, comment)
        assert words in line
    assert f"wrote {mapped} rules" in err
    checked = _promtool("check", "rules", "rules.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{mapped} rules found" in checked.stdout
    exprs = {rule["alert"]: rule["expr"] for rule in yaml.safe_load(text)["groups"][0]["rules"]}
    assert exprs == {
        "DriftscopeChurnR0": 'driftscope_model_accuracy{model="churn"} < 0.85',
        "DriftscopeChurnR1": 'driftscope_drift_share{model="churn"} >= 0.3',
        "DriftscopeChurnR2": 'driftscope_feature_drifted{model="churn",role="feature"} == 1',
        "DriftscopeChurnR3": (
            'driftscope_feature_drift_score{model="churn",role="prediction"} > 0.2'
        ),
        "DriftscopeChurnR4": 'driftscope_verdict{model="churn",verdict=~"retrain"} == 1',
        "DriftscopeChurnR5": (
            'time() - max by (model) (driftscope_last_run_timestamp_seconds{model="churn"}) > 86400'
        ),
        "DriftscopeSteadyR14": 'driftscope_model_accuracy{model="steady"} < 0.8',
    }
    # --model: that model's rules only.
    assert [r["alert"] for r in yaml.safe_load(steady)["groups"][0]["rules"]] == [
        "DriftscopeSteadyR14"
    ]
    # The accuracy rule fires after an hour below, as the service's for_seconds says; the
    # verdict rule at once on a retrain verdict, not on investigate.
    series = [
        _series("driftscope_model_accuracy", "churn", "0.95x29 0.8x120"),
        {
            "series": 'driftscope_verdict{model="churn",version="1",verdict="retrain"}',
            "values": "0x59 1x60",
        },
        {
            "series": 'driftscope_verdict{model="churn",version="1",verdict="investigate"}',
            "values": "1x59 0x60",
        },
    ]
    accuracy = {
        "exp_labels": {"severity": "critical", "model": "churn", "version": "1"},
        "exp_annotations": {
            "summary": "churn: r0: metric accuracy < 0.85 (driftscope alert rule 1)",
            "description": "driftscope_model_accuracy is 0.8 (< 0.85) for 1h or more.",
        },
    }
    retrain = {
        "exp_labels": {
            "severity": "warning",
            "model": "churn",
            "version": "1",
            "verdict": "retrain",
        },
        "exp_annotations": {
            "summary": "churn: r4: verdict >= 2 (driftscope alert rule 5)",
            "description": "driftscope_verdict is 1 (== 1) for 0s or more.",
        },
    }
    checks = [
        _expect("80m", "DriftscopeChurnR0"),
        _expect("100m", "DriftscopeChurnR0", accuracy),
        _expect("50m", "DriftscopeChurnR4"),
        _expect("70m", "DriftscopeChurnR4", retrain),
    ]
    tested = _rule_tests(tmp_path, series, checks, "tests.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
