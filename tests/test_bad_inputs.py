"""The bad-input suite: every command and the public API, fed what users actually feed them.

Each case asserts the exit code (or the exception), that no traceback is printed, that the
message names the culprit (the option, file or column), and that no report file is left partial:
outputs are absent, or complete and valid. The files are generated once per module; the CLI runs
in-process through `driftscope.cli.main`, except the hostile inputs (a YAML alias bomb, huge
cells), which run in one subprocess under an address-space limit, as on a user's small machine.
A case for a known, not yet fixed defect may be marked with the issue that fixes it (``xfail``,
strict, so the mark goes when the fix lands); none is marked today.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from PIL import Image

import driftscope
from driftscope.cli import main
from driftscope.exceptions import DriftscopeError
from driftscope.workflows.quality import quality_report

ROWS = 120


# ---------------------------------------------------------------------------------------------
# generated inputs


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "age": rng.normal(40, 10, n).round(1),
            "city": rng.choice(["paris", "lyon", "nice"], n),
            "x": x.round(3),
            "y": (x + rng.normal(scale=0.5, size=n) > 0).astype(int),
            "p": (x > 0).astype(int),
            "ts": pd.date_range("2026-01-01", periods=n, freq="h").astype(str),
            "text": [" ".join(rng.choice(["good", "bad", "fine", "slow"], 5)) for _ in range(n)],
            "hyp": [" ".join(rng.choice(["good", "bad", "fine"], 4)) for _ in range(n)],
        }
    )


def _write_inputs(d: Path) -> None:
    ref, cur = _table(ROWS, 1), _table(ROWS, 2)
    ref.to_csv(d / "ref.csv", index=False)
    cur.to_csv(d / "cur.csv", index=False)
    ref.to_parquet(d / "ref.parquet")
    cur.to_json(d / "cur.jsonl", orient="records", lines=True)
    # Inputs that are not tables, or broken ones.
    (d / "empty.csv").write_bytes(b"")
    (d / "header.csv").write_text("age,city,x,y,p,ts,text,hyp\n")
    (d / "latin.csv").write_bytes("age,city\n1,stra\xdfe\n2,b\n".encode("latin-1"))
    (d / "bad.parquet").write_bytes(b"PAR1 not a parquet file at all")
    (d / "bad.jsonl").write_text('{"age": 1}\n{"age": \n')
    (d / "folder.csv").mkdir()
    (d / "data.xlsx").write_text("not supported")
    (d / "quote.csv").write_text('age,city\n1,"never closed\n2,b\n')
    (d / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (d / "dupcols.csv").write_text("age,age\n1,2\n3,4\n")
    # Tables whose content is odd, for the runs that must go on.
    odd = cur.copy()
    odd["ts"] = "not a date"
    odd.to_csv(d / "badts.csv", index=False)
    odd["ts"] = np.nan
    odd.to_csv(d / "emptyts.csv", index=False)
    # Some dates, and the words people write for none: pandas reads n/a as missing, the rest
    # stay text.
    odd["ts"] = cur["ts"]
    odd.loc[::4, "ts"] = "n/a"
    odd.loc[1::8, "ts"] = "none"
    odd.loc[3::8, "ts"] = "-"
    odd.to_csv(d / "partts.csv", index=False)
    nan = cur.copy()
    nan["age"] = np.nan
    nan.to_csv(d / "nan_age.csv", index=False)
    inf = cur.copy()
    inf.loc[::3, "age"] = np.inf
    inf.to_csv(d / "inf_age.csv", index=False)
    huge = cur.copy()
    huge["age"] = huge["age"] * 1e300
    huge.to_csv(d / "huge_age.csv", index=False)
    mixed = cur.astype({"age": object})
    mixed.loc[::4, "age"] = "unknown"
    mixed.to_csv(d / "mixed_age.csv", index=False)
    cur.head(1).to_csv(d / "one_row.csv", index=False)
    cur.to_csv(d / "stream_victim.csv", index=False)
    cur[["age", "city"]].rename(columns={"age": "a2", "city": "c2"}).to_csv(
        d / "other_cols.csv", index=False
    )
    cur.head(2).to_csv(d / "two_rows.csv", index=False)
    blob = cur.assign(blob=[bytes([i % 256, 0xFF, 0xFE]) for i in range(ROWS)])
    blob.to_parquet(d / "blob_ref.parquet")
    blob.to_parquet(d / "blob_cur.parquet")
    rng = np.random.default_rng(5)
    scores = cur.head(30).assign(p=rng.random(30))
    scores.to_csv(d / "scores.csv", index=False)
    # Two id-like columns (an order reference, a session): both ids, neither the id.
    for name, frame, start in (("ids_ref.csv", ref, 0), ("ids_cur.csv", cur, 10_000)):
        frame.assign(
            ref_id=[f"u{i}" for i in range(start, start + ROWS)],
            session=[f"s{7 * i + start}" for i in range(ROWS)],
        ).to_csv(d / name, index=False)
    labels = pd.DataFrame({"rid": range(ROWS), "y": cur["y"]})
    labels.to_csv(d / "labels.csv", index=False)
    _write_schemas(d)
    _write_files(d)


def _write_schemas(d: Path) -> None:
    # The "billion laughs": nine levels of nine aliases, 387 million nodes from ~500 bytes.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    schemas = {
        "bomb.yaml": "\n".join(lines) + "\n",
        "alias.yaml": "columns:\n  age: &k {kind: numerical}\n  x: *k\n",
        "magic.yaml": "columns:\n  age:\n    method: magic\n",
        "neg_threshold.yaml": "columns:\n  age:\n    threshold: -3\n",
        "seven_threshold.yaml": "columns:\n  age:\n    threshold: 7\n",
        "nan_threshold.yaml": "columns:\n  age:\n    threshold: .nan\n",
        "inf_threshold.yaml": "columns:\n  age:\n    threshold: .inf\n",
        "word_threshold.yaml": "columns:\n  age:\n    threshold: high\n",
        "bad_kind.yaml": "columns:\n  age:\n    kind: blob\n",
        "bad_role.yaml": "columns:\n  age:\n    role: boss\n",
        "unknown_key.yaml": "colums:\n  age: numerical\n",
        "unknown_field.yaml": "columns:\n  age:\n    colour: red\n",
        "list_top.yaml": "- age\n- x\n",
        "scalar_top.yaml": "just a string\n",
        "broken.yaml": "columns: [age\n",
        "python_tag.yaml": "columns: !!python/object/apply:os.system ['echo hi']\n",
        "deep.yaml": "[" * 5000 + "]" * 5000 + "\n",
        "twice.yaml": "columns:\n  - {name: age}\n  - {name: age}\n",
        "columns_scalar.yaml": "columns: 3\n",
        "target_number.yaml": "target: 3\n",
        "two_ids.yaml": "id: [ref_id, session]\n",
    }
    for name, text in schemas.items():
        (d / name).write_text(text)
    (d / "latin.yaml").write_bytes("columns:\n  stra\xdfe: categorical\n".encode("latin-1"))
    big = "columns:\n" + "".join(f"  c{i}: numerical\n" for i in range(80_000))
    (d / "big.yaml").write_text(big)
    (d / "schemas").mkdir()


def _write_files(d: Path) -> None:
    rng = np.random.default_rng(0)
    (d / "img").mkdir()
    rows = []
    for i in range(8):
        pixels = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(d / "img" / f"{i}.png")
        rows.append({"inputs": f"img/{i}.png", "labels": i % 2})
    pd.DataFrame(rows).drop(columns="labels").to_csv(d / "images.csv", index=False)
    # One bad path among good ones: a symlink loop, a NUL byte, a 5,000-character name.
    (d / "img" / "loop.png").symlink_to(d / "img" / "loop.png")
    odd_paths = ["img/loop.png", "img/a\x00b.png", "img/" + "n" * 5000 + ".png"]
    for i, odd in enumerate(odd_paths):
        good = pd.DataFrame(rows).drop(columns="labels")
        good.loc[0, "inputs"] = odd
        good.to_csv(d / f"images_odd_path_{i}.csv", index=False)
    pd.DataFrame(rows).to_csv(d / "images_labels.csv", index=False)
    (d / "wav").mkdir()
    rows = []
    for i in range(4):
        sf.write(d / "wav" / f"{i}.wav", rng.normal(scale=0.1, size=4000), 8000)
        rows.append({"inputs": f"wav/{i}.wav", "text": "a b c", "hyp": "a b d"})
    pd.DataFrame(rows).to_csv(d / "audio.csv", index=False)
    # A classifier as a callable, named module:attribute on the command line.
    (d / "bad_input_models.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            def classify(batch):
                score = batch.reshape(len(batch), -1).mean(axis=1)
                return np.stack([score, 1 - score], axis=1)

            def strings(batch):
                return np.array([["cat", "dog"]] * len(batch))
            """
        )
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bad_inputs")
    _write_inputs(d)
    return d


@pytest.fixture
def models_importable(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(data))


# ---------------------------------------------------------------------------------------------
# one case, and the checks every case gets


@dataclass(frozen=True)
class Case:
    """A command line with ``{d}`` (the inputs folder) and ``{o}`` (a fresh output folder)."""

    id: str
    argv: tuple[str, ...]
    code: int
    # Each of these must appear in what the user reads (stderr, or the JSON report's warnings).
    culprit: tuple[str, ...]
    xfail: str | None = None

    def param(self) -> Any:
        marks = (
            [pytest.mark.xfail(strict=True, reason=f"known defect, fixed by {self.xfail}")]
            if self.xfail
            else []
        )
        return pytest.param(self, id=self.id, marks=marks)


def _argv(case: Case, d: Path, o: Path) -> list[str]:
    return [a.format(d=d, o=o) for a in case.argv]


def _outputs_are_whole(folder: Path, code: int) -> None:
    """No temporary left; on failure no report at all; on success every report is complete."""
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert not [n for n in names if Path(n).name.startswith(".")], names
    if code == 2:
        assert names == [], names
        return
    for path in (p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".html":
            assert text.rstrip().endswith("</html>")


def _isolated_inputs(case: Case, data: Path, folder: Path) -> Path:
    """A copy of the inputs a case names, for the cases that aim an output at an input: were
    the input overwritten, only this case would see it, not every case after it."""
    folder.mkdir()
    for arg in case.argv:
        if arg.startswith("{d}/"):
            source = data / arg.removeprefix("{d}/")
            if source.is_file():
                shutil.copy(source, folder / source.name)
    for media in ("img", "wav"):  # the files the image and audio tables list
        shutil.copytree(data / media, folder / media, symlinks=True)
    return folder


def _contents(argv: list[str], out_dir: Path) -> dict[str, bytes]:
    return {
        a: Path(a).read_bytes()
        for a in argv
        if os.path.isfile(a) and not Path(a).resolve().is_relative_to(out_dir.resolve())
    }


def _run(
    case: Case, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    if "-is-" in case.id:  # an output path that names an input
        data = _isolated_inputs(case, data, tmp_path / "inputs")
    argv = _argv(case, data, out_dir)
    inputs = _contents(argv, out_dir)
    code = main(argv)
    captured = capsys.readouterr()
    assert _contents(argv, out_dir) == inputs, "an input file was changed"
    assert "Traceback" not in captured.out + captured.err
    assert "internal error" not in captured.err
    assert code == case.code, captured.err
    _outputs_are_whole(out_dir, code)
    told = captured.err
    for path in out_dir.glob("*.json"):
        told += "\n".join(json.loads(path.read_text()).get("warnings") or [])
    for culprit in case.culprit:
        assert culprit.format(d=data, o=out_dir) in told, told
    return captured.out, captured.err


# ---------------------------------------------------------------------------------------------
# 1. bad input files, for every command and each input position

BAD_FILES = {
    "missing.csv": "'{d}/missing.csv' does not exist",
    "folder.csv": "'{d}/folder.csv' is a directory",
    "empty.csv": "empty.csv",
    "header.csv": "header.csv",
    "latin.csv": "latin.csv",
    "bad.parquet": "bad.parquet",
    "bad.jsonl": "bad.jsonl",
    "data.xlsx": "unsupported extension '.xlsx'",
    "quote.csv": "quote.csv",
    "binary.csv": "binary.csv",
    "dupcols.csv": "dupcols.csv",
}
COMMANDS = {
    "drift": ("drift", "{a}", "{b}", "-q", "--json", "{o}/r.json"),
    "report": (
        "report", "{a}", "{b}", "-q", "--target", "y", "--prediction", "p", "-o", "{o}/r.html",
    ),
    "quality": ("quality", "{a}", "{b}", "-q", "--json", "{o}/q.json"),
    "text": ("text", "drift", "{a}", "{b}", "-q", "--column", "text", "--json", "{o}/r.json"),
    "asr": (
        "asr", "{a}", "{b}", "-q", "--reference-text", "text", "--hypothesis-text", "hyp",
        "--json", "{o}/r.json",
    ),
    "images": ("images", "drift", "{a}", "{b}", "-q", "--json", "{o}/r.json"),
    "model": (
        "images", "model-drift", "{a}", "{b}", "-q", "--model", "bad_input_models:classify",
        "--input-size", "4x4", "--json", "{o}/r.json",
    ),
    "audio": ("audio", "drift", "{a}", "{b}", "-q", "--json", "{o}/r.json"),
    "feedback": (
        "feedback", "{a}", "{b}", "-q", "--id", "age", "--value", "p", "--json", "{o}/f.json",
    ),
    "estimate": (
        "estimate", "{a}", "{b}", "-q", "--target", "y", "--prediction", "p", "--task",
        "regression", "--json", "{o}/e.json",
    ),
}  # fmt: skip
GOOD = {"images": "images.csv", "model": "images.csv", "audio": "audio.csv"}


def _file_cases() -> list[Any]:
    cases = []
    for command, template in COMMANDS.items():
        good = "{d}/" + GOOD.get(command, "ref.csv")
        for bad, culprit in BAD_FILES.items():
            for side in ("reference", "current"):
                a, b = ("{d}/" + bad, good) if side == "reference" else (good, "{d}/" + bad)
                argv = tuple(t.replace("{a}", a).replace("{b}", b) for t in template)
                cases.append(Case(f"{command}-{side}-{bad}", argv, 2, (culprit,)).param())
    for bad, culprit in BAD_FILES.items():
        argv = ("stream", "{d}/" + bad, "--column", "age", "-q", "--json", "{o}/s.json")
        cases.append(Case(f"stream-{bad}", argv, 2, (culprit,)).param())
    return cases


@pytest.mark.usefixtures("models_importable")
@pytest.mark.parametrize("case", _file_cases())
def test_a_bad_input_file_stops_with_its_name(
    case: Case, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(case, data, tmp_path, capsys)


# ---------------------------------------------------------------------------------------------
# 2. bad option values, each refused with the option's name

DRIFT = ("drift", "{d}/ref.csv", "{d}/cur.csv", "-q", "--json", "{o}/r.json")
REPORT = (
    "report", "{d}/ref.csv", "{d}/cur.csv", "-q", "--target", "y", "--prediction", "p",
    "--json", "{o}/r.json",
)  # fmt: skip
QUALITY = ("quality", "{d}/ref.csv", "{d}/cur.csv", "-q", "--json", "{o}/q.json")
SHARED_BAD_OPTIONS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("threshold-negative-column", ("--threshold", "age=-1"), ("--threshold", "age=-1")),
    ("threshold-nan-column", ("--threshold", "age=nan"), ("--threshold", "finite")),
    ("threshold-word-column", ("--threshold", "age=high"), ("--threshold", "'high'")),
    ("threshold-above-one-test", ("--threshold", "age=7"), ("--threshold", "(0, 1]")),
    ("threshold-five", ("--threshold", "5"), ("--threshold", "significance level")),
    ("threshold-zero", ("--threshold", "0"), ("--threshold", "(0, 1]")),
    ("threshold-nan", ("--threshold", "nan"), ("--threshold",)),
    ("threshold-no-column", ("--threshold", "=0.1"), ("--threshold", "COLUMN=VALUE")),
    ("threshold-no-value", ("--threshold", "age="), ("--threshold", "COLUMN=VALUE")),
    ("threshold-distance-zero", ("--method", "age=psi", "--threshold", "age=0"), ("--threshold",)),
    ("threshold-unknown-column", ("--threshold", "nope=0.1"), ("'nope'",)),
    ("method-magic", ("--method", "age=magic"), ("--method", "'magic'", "'age'")),
    ("method-no-value", ("--method", "age"), ("--method", "COLUMN=VALUE")),
    ("method-unknown-column", ("--method", "nope=ks"), ("'nope'",)),
    ("kind-blob", ("--kind", "age=blob"), ("'age'", "'blob'")),
    ("correction-holm", ("--correction", "holm"), ("--correction", "'holm'")),
    ("drift-share-zero", ("--drift-share", "0"), ("--drift-share",)),
    ("drift-share-above-one", ("--drift-share", "1.5"), ("--drift-share",)),
    ("drift-share-nan", ("--drift-share", "nan"), ("--drift-share",)),
    ("drift-share-word", ("--drift-share", "half"), ("--drift-share",)),
    ("seed-negative", ("--seed", "-5"), ("--seed",)),
    ("seed-huge", ("--seed", str(2**80)), ("--seed",)),
    ("seed-word", ("--seed", "abc"), ("--seed",)),
    ("delimiter-empty", ("--delimiter", ""), ("--delimiter",)),
    ("delimiter-two", ("--delimiter", ";;"), ("--delimiter", "';;'")),
    ("encoding-unknown", ("--encoding", "klingon"), ("'klingon'",)),
    ("encoding-wrong", ("--encoding", "utf-16"), ("utf-16",)),
    ("columns-unknown", ("--columns", "nope"), ("'nope'",)),
    ("target-unknown", ("--target", "nope"), ("'nope'",)),
    ("unknown-option", ("--frobnicate",), ("--frobnicate",)),
    ("schema-missing", ("--schema", "{d}/missing.yaml"), ("missing.yaml", "does not exist")),
    ("schema-folder", ("--schema", "{d}/schemas"), ("schemas'", "is a folder")),
    ("schema-bomb", ("--schema", "{d}/bomb.yaml"), ("bomb.yaml", "alias")),
    ("schema-alias", ("--schema", "{d}/alias.yaml"), ("alias.yaml", "line 3", "alias")),
    ("schema-magic", ("--schema", "{d}/magic.yaml"), ("'age'", "'magic'", "psi")),
    ("schema-threshold-negative", ("--schema", "{d}/neg_threshold.yaml"), ("'age'", "-3")),
    ("schema-threshold-seven", ("--schema", "{d}/seven_threshold.yaml"), ("'age'", "(0, 1]")),
    ("schema-threshold-nan", ("--schema", "{d}/nan_threshold.yaml"), ("'age'", "finite")),
    ("schema-threshold-inf", ("--schema", "{d}/inf_threshold.yaml"), ("'age'", "finite")),
    ("schema-threshold-word", ("--schema", "{d}/word_threshold.yaml"), ("'age'", "'high'")),
    ("schema-kind", ("--schema", "{d}/bad_kind.yaml"), ("'age'", "'blob'")),
    ("schema-role", ("--schema", "{d}/bad_role.yaml"), ("'age'", "'boss'")),
    ("schema-unknown-key", ("--schema", "{d}/unknown_key.yaml"), ("'colums'",)),
    ("schema-unknown-field", ("--schema", "{d}/unknown_field.yaml"), ("'colour'",)),
    ("schema-list", ("--schema", "{d}/list_top.yaml"), ("list_top.yaml", "mapping")),
    ("schema-scalar", ("--schema", "{d}/scalar_top.yaml"), ("scalar_top.yaml", "mapping")),
    ("schema-broken", ("--schema", "{d}/broken.yaml"), ("broken.yaml", "not valid YAML")),
    ("schema-python-tag", ("--schema", "{d}/python_tag.yaml"), ("python_tag.yaml",)),
    ("schema-deep", ("--schema", "{d}/deep.yaml"), ("deep.yaml",)),
    ("schema-latin", ("--schema", "{d}/latin.yaml"), ("latin.yaml", "UTF-8")),
    ("schema-big", ("--schema", "{d}/big.yaml"), ("big.yaml", "bytes")),
    ("schema-twice", ("--schema", "{d}/twice.yaml"), ("'age'", "twice")),
    ("schema-columns-scalar", ("--schema", "{d}/columns_scalar.yaml"), ("'columns'",)),
    ("schema-target-number", ("--schema", "{d}/target_number.yaml"), ("'target'",)),
    ("json-is-reference", ("--json", "{d}/ref.csv"), ("--json", "input file")),
    ("json-is-current", ("--json", "{d}/cur.csv"), ("--json", "input file")),
    ("html-is-reference", ("-o", "{d}/ref.csv"), ("--html", "input file")),
    ("json-is-schema", ("--schema", "{d}/magic.yaml", "--json", "{d}/magic.yaml"), ("--json",)),
    ("html-and-json-same", ("-o", "{o}/same", "--json", "{o}/same"), ("same file",)),
    ("json-folder", ("--json", "{o}"), ("--json", "is a folder")),
    ("html-folder", ("-o", "{d}/schemas"), ("--html", "is a folder")),
]


def _option_cases() -> list[Any]:
    cases = []
    for command, base in (("drift", DRIFT), ("report", REPORT)):
        for name, extra, culprit in SHARED_BAD_OPTIONS:
            cases.append(Case(f"{command}-{name}", (*base, *extra), 2, culprit).param())
    for name, extra, culprit in SHARED_BAD_OPTIONS:
        if name.startswith(("schema", "kind", "delimiter", "encoding", "json", "html", "unk")):
            cases.append(Case(f"quality-{name}", (*QUALITY, *extra), 2, culprit).param())
    return cases


REPORT_ONLY: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("window-size-zero", ("--window-size", "0"), ("--window-size",)),
    ("windows-zero", ("--windows", "0"), ("--windows",)),
    ("windows-negative", ("--windows", "-3"), ("--windows",)),
    ("min-window-rows-zero", ("--min-window-rows", "0"), ("--min-window-rows",)),
    ("window-size-and-count", ("--window-size", "10", "--windows", "3"), ("size/count",)),
    ("period-quarter", ("--period", "Q", "--timestamp", "ts"), ("--period", "'Q'")),
    ("period-without-timestamp", ("--period", "W"), ("--timestamp",)),
    ("timestamp-unknown", ("--timestamp", "nope", "--period", "W"), ("'nope'",)),
    ("benchmark-accuracy-seven", ("--benchmark", "accuracy=7"), ("--benchmark", "accuracy")),
    ("benchmark-accuracy-negative", ("--benchmark", "accuracy=-1"), ("--benchmark", "[0, 1]")),
    ("benchmark-nan", ("--benchmark", "accuracy=nan"), ("--benchmark", "finite")),
    ("benchmark-inf", ("--benchmark", "f1_macro=inf"), ("--benchmark", "finite")),
    ("benchmark-wer-negative", ("--benchmark", "wer=-0.1"), ("--benchmark", "wer")),
    ("benchmark-word", ("--benchmark", "accuracy=high"), ("--benchmark", "'high'")),
    ("benchmark-unknown-metric", ("--benchmark", "speed=0.9"), ("'speed'",)),
    ("benchmark-no-value", ("--benchmark", "accuracy"), ("--benchmark",)),
    ("floor-above-one", ("--floor", "f1_macro=2"), ("--floor", "f1_macro")),
    ("floor-r2-above-one", ("--floor", "r2=3"), ("--floor", "r2")),
    ("floor-nan", ("--floor", "roc_auc=nan"), ("--floor",)),
    ("fail-on-panic", ("--fail-on", "panic"), ("--fail-on", "'panic'")),
    ("task-bogus", ("--task", "bogus"), ("'bogus'",)),
    ("labels-missing", ("--labels", "{d}/missing.csv", "--id", "rid"), ("missing.csv",)),
    ("labels-without-id", ("--labels", "{d}/labels.csv"), ("--id",)),
    ("labels-folder", ("--labels", "{d}/folder.csv", "--id", "rid"), ("folder.csv",)),
    ("json-is-labels", ("--labels", "{d}/labels.csv", "--id", "rid", "--json", "{d}/labels.csv"),
     ("--json", "input file")),
    ("proba-prefix-unknown", ("--proba-prefix", "nope_", "--task", "binary"), ("nope_",)),
    ("feedback-without-id", ("--feedback", "{d}/labels.csv"), ("--feedback", "--id")),
    ("feedback-lacks-the-id", ("--id", "age", "--feedback", "{d}/labels.csv"),
     ("'age'", "--id", "labels.csv")),
    ("feedback-value-unknown", ("--id", "age", "--feedback", "{d}/labels.csv",
     "--feedback-value", "nope"), ("'age'",)),
    ("json-is-feedback", ("--id", "age", "--feedback", "{d}/labels.csv", "--json",
     "{d}/labels.csv"), ("--json", "input file")),
    ("arm-unknown", ("--arm", "nope"), ("'nope'", "--arm")),
    ("arms-without-arm", ("--arms", "a,b"), ("--arms", "--arm")),
    ("shadow-prediction-unknown", ("--shadow-prediction", "nope"),
     ("'nope'", "--shadow-prediction")),
    ("shadow-proba-prefix-alone", ("--shadow-proba-prefix", "c_"), ("--shadow-prediction",)),
]  # fmt: skip
# Every bad file as the feedback of a report.
REPORT_ONLY += [
    (f"feedback-{bad}", ("--id", "age", "--feedback", "{d}/" + bad), (culprit,))
    for bad, culprit in BAD_FILES.items()
]
QUALITY_ONLY: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("fail-on-panic", ("--fail-on", "panic"), ("--fail-on", "'panic'")),
    ("html-is-current", ("-o", "{d}/cur.csv"), ("--html", "input file")),
    ("html-and-json-same", ("-o", "{o}/q.json"), ("same file",)),
]
FILES_BAD_OPTIONS: list[tuple[str, tuple[str, ...], int, tuple[str, ...], str | None]] = [
    ("images-workers-zero", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--workers", "0"), 2, ("--workers",), None),
    ("images-input-size-zero", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--input-size", "0x0"), 2, ("--input-size",), None),
    ("images-input-size-word", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--input-size", "big"), 2, ("--input-size", "'big'"), None),
    ("images-column-unknown", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--column", "nope"), 2, ("'nope'",), None),
    ("images-seed-negative", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--seed", "-1"), 2, ("--seed",), None),
    ("images-json-is-input", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--json", "{d}/images.csv"), 2, ("--json", "input file"), None),
    ("images-model-missing", ("images", "drift", "{d}/images.csv", "{d}/images.csv",
     "--model", "{d}/missing.onnx"), 2, ("missing.onnx",), None),
    ("model-drift-task-bogus", ("images", "model-drift", "{d}/images.csv", "{d}/images.csv",
     "--model", "bad_input_models:classify", "--task", "bogus"), 2, ("'bogus'",), None),
    ("model-drift-fail-on-panic", ("images", "model-drift", "{d}/images.csv",
     "{d}/images.csv", "--model", "bad_input_models:classify", "--fail-on", "panic"), 2,
     ("--fail-on", "'panic'"), None),
    ("model-drift-batch-zero", ("images", "model-drift", "{d}/images.csv", "{d}/images.csv",
     "--model", "bad_input_models:classify", "--batch-size", "0"), 2, ("--batch-size",), None),
    ("model-drift-model-missing", ("images", "model-drift", "{d}/images.csv",
     "{d}/images.csv", "--model", "{d}/missing.onnx"), 2, ("missing.onnx",), None),
    ("model-drift-module-missing", ("images", "model-drift", "{d}/images.csv",
     "{d}/images.csv", "--model", "no_such_module_here:f"), 2, ("no_such_module_here",), None),
    ("model-drift-html-is-input", ("images", "model-drift", "{d}/images.csv",
     "{d}/images.csv", "--model", "bad_input_models:classify", "--input-size", "4x4",
     "-o", "{d}/images.csv"), 2, ("--html", "input file"), None),
    ("audio-workers-zero", ("audio", "drift", "{d}/audio.csv", "{d}/audio.csv",
     "--workers", "0"), 2, ("--workers",), None),
    ("audio-column-unknown", ("audio", "drift", "{d}/audio.csv", "{d}/audio.csv",
     "--column", "nope"), 2, ("'nope'",), None),
    ("audio-json-and-html-same", ("audio", "drift", "{d}/audio.csv", "{d}/audio.csv",
     "--json", "{o}/x", "-o", "{o}/x"), 2, ("same file",), None),
    ("text-embedding-unknown", ("text", "drift", "{d}/ref.csv", "{d}/cur.csv", "--column",
     "text", "--embedding", "w2v"), 2, ("--embedding", "'w2v'"), None),
    ("text-top-terms-zero", ("text", "drift", "{d}/ref.csv", "{d}/cur.csv", "--column",
     "text", "--top-terms", "0"), 2, ("--top-terms",), None),
    ("text-column-unknown", ("text", "drift", "{d}/ref.csv", "{d}/cur.csv", "--column",
     "nope"), 2, ("'nope'",), None),
    ("text-column-missing", ("text", "drift", "{d}/ref.csv", "{d}/cur.csv"), 2,
     ("--column",), None),
    ("text-json-is-input", ("text", "drift", "{d}/ref.csv", "{d}/cur.csv", "--column", "text",
     "--json", "{d}/cur.csv"), 2, ("--json", "input file"), None),
    ("asr-benchmark-wer-negative", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text",
     "text", "--hypothesis-text", "hyp", "--benchmark-wer", "-1"), 2, ("--benchmark-wer",),
     None),
    ("asr-benchmark-wer-nan", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text",
     "text", "--hypothesis-text", "hyp", "--benchmark-wer", "nan"), 2, ("--benchmark-wer",),
     None),
    ("asr-period-quarter", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text", "text",
     "--hypothesis-text", "hyp", "--timestamp", "ts", "--period", "Q"), 2, ("'Q'",), None),
    ("asr-fail-on-panic", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text", "text",
     "--hypothesis-text", "hyp", "--fail-on", "panic"), 2, ("--fail-on", "'panic'"), None),
    ("asr-reference-text-unknown", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text",
     "nope", "--hypothesis-text", "hyp"), 2, ("'nope'",), None),
    ("asr-same-text-columns", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text",
     "text", "--hypothesis-text", "text"), 2, ("--reference-text", "--hypothesis-text"),
     None),
    ("asr-json-is-input", ("asr", "{d}/ref.csv", "{d}/cur.csv", "--reference-text", "text",
     "--hypothesis-text", "hyp", "--json", "{d}/ref.csv"), 2, ("--json", "input file"), None),
    ("stream-column-unknown", ("stream", "{d}/ref.csv", "--column", "nope"), 2, ("'nope'",),
     None),
    ("stream-column-text", ("stream", "{d}/ref.csv", "--column", "city"), 2,
     ("'city'", "row 0"), None),
    ("stream-detector-unknown", ("stream", "{d}/ref.csv", "--column", "x", "--detector",
     "magic"), 2, ("'magic'",), None),
    ("stream-param-word", ("stream", "{d}/ref.csv", "--column", "x", "--detector", "adwin",
     "--param", "delta=abc"), 2, ("--param", "delta"), None),
    ("stream-param-unknown", ("stream", "{d}/ref.csv", "--column", "x", "--detector", "adwin",
     "--param", "speed=3"), 2, ("speed",), None),
    ("stream-param-no-value", ("stream", "{d}/ref.csv", "--column", "x", "--param", "delta"),
     2, ("--param",), None),
    ("stream-param-out-of-range", ("stream", "{d}/ref.csv", "--column", "x", "--detector",
     "adwin", "--param", "delta=7"), 2, ("delta",), None),
    ("stream-timestamp-unknown", ("stream", "{d}/ref.csv", "--column", "x", "--timestamp",
     "nope"), 2, ("'nope'",), None),
    # Its own input: refused before anything is read or written.
    ("stream-json-is-input", ("stream", "{d}/stream_victim.csv", "--column", "x", "--json",
     "{d}/stream_victim.csv"), 2, ("--json", "input file"), None),
    ("stream-delimiter-two", ("stream", "{d}/ref.csv", "--column", "x", "--delimiter", ";;"),
     2, ("--delimiter",), None),
]  # fmt: skip


def _more_option_cases() -> list[Any]:
    cases = [
        Case(f"report-{name}", (*REPORT, *extra), 2, culprit).param()
        for name, extra, culprit in REPORT_ONLY
    ]
    cases += [
        Case(f"quality-{name}", (*QUALITY, *extra), 2, culprit).param()
        for name, extra, culprit in QUALITY_ONLY
    ]
    cases += [
        Case(name, argv, code, culprit, xfail).param()
        for name, argv, code, culprit, xfail in FILES_BAD_OPTIONS
    ]
    return cases


@pytest.mark.usefixtures("models_importable")
@pytest.mark.parametrize("case", _option_cases() + _more_option_cases())
def test_a_bad_option_value_is_refused_by_name(
    case: Case, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(case, data, tmp_path, capsys)


# ---------------------------------------------------------------------------------------------
# 3. odd data: the run goes on, and says what it left out

RUNS_THAT_GO_ON: list[tuple[str, tuple[str, ...], tuple[str, ...], str | None]] = [
    ("report-unparseable-timestamps", ("report", "{d}/ref.csv", "{d}/badts.csv", "--target",
     "y", "--prediction", "p", "--timestamp", "ts", "-q", "--json", "{o}/r.json"),
     ("'ts'", "skipped"), None),
    ("report-unparseable-timestamps-period", ("report", "{d}/ref.csv", "{d}/badts.csv",
     "--target", "y", "--prediction", "p", "--timestamp", "ts", "--period", "W", "-q",
     "--json", "{o}/r.json"), ("'ts'", "none of its 120 rows has a date (120 unreadable, e.g. "
     "'not a date')", "No time windows by period 'W'"), None),
    ("report-empty-timestamps-period", ("report", "{d}/ref.csv", "{d}/emptyts.csv",
     "--target", "y", "--prediction", "p", "--timestamp", "ts", "--period", "D", "-q",
     "--json", "{o}/r.json"), ("'ts'", "none of its 120 rows has a date (120 empty",
     "No time windows by period 'D'"), None),
    ("report-some-timestamps-say-none-period", ("report", "{d}/ref.csv", "{d}/partts.csv",
     "--target", "y", "--prediction", "p", "--timestamp", "ts", "--period", "D", "-q",
     "--json", "{o}/r.json"), ("'ts'", "60 of 120 rows have no date", "30 unreadable, e.g. "
     "'none', '-'", "30 empty or marked missing"), None),
    ("quality-unparseable-timestamps", ("quality", "{d}/ref.csv", "{d}/badts.csv", "-q",
     "--json", "{o}/q.json"), (), None),
    ("report-unparseable-timestamps-rows", ("report", "{d}/ref.csv", "{d}/badts.csv",
     "--target", "y", "--prediction", "p", "--timestamp", "ts", "--windows", "2", "-q",
     "--json", "{o}/r.json"), ("'ts'", "skipped"), None),
    ("asr-unparseable-timestamps-period", ("asr", "{d}/ref.csv", "{d}/badts.csv",
     "--reference-text", "text", "--hypothesis-text", "hyp", "--timestamp", "ts", "--period",
     "W", "-q", "--json", "{o}/r.json"), ("'ts'", "No time windows by period 'W'"), None),
    ("report-two-id-columns", ("report", "{d}/ids_ref.csv", "{d}/ids_cur.csv", "--target", "y",
     "--prediction", "p", "-q", "--json", "{o}/r.json", "-o", "{o}/r.html"), (), None),
    ("drift-two-id-columns", ("drift", "{d}/ids_ref.csv", "{d}/ids_cur.csv", "-q", "--json",
     "{o}/r.json", "-o", "{o}/r.html", "--no-multivariate"), (), None),
    ("quality-two-id-columns", ("quality", "{d}/ids_ref.csv", "{d}/ids_cur.csv", "-q", "--json",
     "{o}/q.json"), (), None),
    ("drift-nan-column", ("drift", "{d}/ref.csv", "{d}/nan_age.csv", "-q", "--json",
     "{o}/r.json", "--no-multivariate"), ("age",), None),
    ("drift-infinite-values", ("drift", "{d}/ref.csv", "{d}/inf_age.csv", "-q", "--json",
     "{o}/r.json", "--no-multivariate"), ("'age'", "infinite"), None),
    ("drift-huge-values", ("drift", "{d}/ref.csv", "{d}/huge_age.csv", "-q", "--json",
     "{o}/r.json", "-o", "{o}/r.html", "--no-multivariate"), (), None),
    ("drift-mixed-types", ("drift", "{d}/ref.csv", "{d}/mixed_age.csv", "-q", "--json",
     "{o}/r.json", "--no-multivariate"), ("'age'", "'unknown'"), None),
    ("drift-one-row", ("drift", "{d}/ref.csv", "{d}/one_row.csv", "-q", "--json",
     "{o}/r.json", "--no-multivariate"), (), None),
    ("quality-huge-values", ("quality", "{d}/ref.csv", "{d}/huge_age.csv", "-q", "--json",
     "{o}/q.json", "-o", "{o}/q.html"), (), None),
    ("quality-one-row", ("quality", "{d}/ref.csv", "{d}/one_row.csv", "-q", "--json",
     "{o}/q.json"), (), None),
    ("drift-parquet-and-jsonl", ("drift", "{d}/ref.parquet", "{d}/cur.jsonl", "-q", "--json",
     "{o}/r.json", "--no-multivariate"), (), None),
    ("drift-json-in-new-folder", ("drift", "{d}/ref.csv", "{d}/cur.csv", "-q", "--json",
     "{o}/deeper/r.json", "--no-multivariate"), (), None),
]  # fmt: skip


@pytest.mark.parametrize(
    "case",
    [Case(name, argv, 0, culprit, xfail).param() for name, argv, culprit, xfail in RUNS_THAT_GO_ON]
    + [
        Case(
            "drift-no-shared-columns",
            ("drift", "{d}/ref.csv", "{d}/other_cols.csv", "-q", "--json", "{o}/r.json"),
            2,
            ("share no columns",),
        ).param(),
        Case(
            "report-two-declared-ids",
            ("report", "{d}/ids_ref.csv", "{d}/ids_cur.csv", "--target", "y", "--prediction", "p",
             "--schema", "{d}/two_ids.yaml", "-q", "--json", "{o}/r.json"),
            2,
            ("'ref_id', 'session'", "--id", "--schema"),
        ).param(),
        Case(
            "report-one-row-windows",
            ("report", "{d}/ref.csv", "{d}/one_row.csv", "--target", "y", "--prediction", "p",
             "--windows", "2", "-q", "--json", "{o}/r.json"),
            0,
            (),
        ).param(),
        Case(
            "report-two-current-rows-windows",
            ("report", "{d}/ref.csv", "{d}/two_rows.csv", "--target", "y", "--prediction", "p",
             "--windows", "2", "-q", "--json", "{o}/r.json"),
            0,
            (),
        ).param(),
        Case(
            "report-continuous-predictions-binary-task",
            ("report", "{d}/ref.csv", "{d}/scores.csv", "--target", "y", "--prediction", "p",
             "--task", "binary", "-q", "--json", "{o}/r.json"),
            2,
            ("--prediction", "binary"),
        ).param(),
        *(
            Case(
                f"{command}-binary-column",
                (command, "{d}/blob_ref.parquet", "{d}/blob_cur.parquet", "-q", "--json",
                 "{o}/r.json"),
                0,
                (),
            ).param()
            for command in ("drift", "report", "quality")
        ),
        *(
            Case(
                f"images-drift-odd-path-{i}",
                ("images", "drift", "{d}/images.csv", f"{{d}}/images_odd_path_{i}.csv", "-q",
                 "--json", "{o}/r.json"),
                0,
                (),
            ).param()
            for i in range(3)
        ),
        Case(
            "model-drift-model-returns-strings",
            ("images", "model-drift", "{d}/images.csv", "{d}/images.csv", "-q", "--model",
             "bad_input_models:strings", "--input-size", "4x4", "--json", "{o}/r.json"),
            2,
            ("bad_input_models:strings",),
        ).param(),
        Case(
            "stream-param-not-a-boolean",
            ("stream", "{d}/ref.csv", "--column", "y", "--detector", "hddm_a", "--param",
             "two_sided_test=maybe"),
            2,
            ("--param", "two_sided_test", "'maybe'"),
        ).param(),
        Case(
            "model-drift-few-labelled-images",
            ("images", "model-drift", "{d}/images_labels.csv", "{d}/images_labels.csv", "-q",
             "--model", "bad_input_models:classify", "--input-size", "4x4", "--json",
             "{o}/r.json"),
            0,
            (),
        ).param(),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("models_importable")
def test_odd_data_runs_on_or_stops_by_name(
    case: Case, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(case, data, tmp_path, capsys)


@pytest.mark.parametrize("current", ["badts.csv", "emptyts.csv"])
def test_unreadable_and_empty_timestamps_give_the_same_kind_of_outcome(
    current: str, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", str(data / "ref.csv"), str(data / current), "--target", "y",
            "--prediction", "p", "--timestamp", "ts", "--period", "D", "-q",
            "--json", str(tmp_path / "r.json")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["windows"] is None
    about_ts = [w for w in report["warnings"] if "'ts'" in w]
    assert len(about_ts) == 1, report["warnings"]
    assert about_ts[0].startswith("Timestamp column 'ts' (current): none of its 120 rows has")
    assert "No time windows by period 'D' and no change points." in about_ts[0]
    # Either way the quality checks flag the column and the verdict says to look.
    assert report["verdict"]["decision"] == "investigate"
    reasons = " ".join(r["message"] for r in report["verdict"]["reasons"])
    assert "ts" in reasons


def test_quality_says_timestamps_could_not_be_read_as_dates(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["quality", str(data / "ref.csv"), str(data / "badts.csv"), "-q", "--json",
            str(tmp_path / "q.json")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    checks = json.loads((tmp_path / "q.json").read_text())["quality"]["checks"]
    (check,) = [c for c in checks if c["column"] == "ts" and c["check"] == "type_change"]
    assert check["message"] == (
        "ts: 100% of current values could not be read as dates (reference 0%; e.g. 'not a date')."
    )
    assert check["status"] == "alert"
    assert check["examples"] == ["not a date"]


def test_two_id_like_columns_are_listed_untested_in_every_report(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", str(data / "ids_ref.csv"), str(data / "ids_cur.csv"), "--target", "y",
            "--prediction", "p", "-q", "--json", str(tmp_path / "r.json"),
            "-o", str(tmp_path / "r.html")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text())
    columns = {c["name"]: c for c in report["columns"]}
    for name in ("ref_id", "session"):
        assert columns[name]["kind"] == "id"
        assert columns[name]["skipped"]
        assert "excluded from drift" in columns[name]["note"]
    assert report["model"]["id"] is None
    html = (tmp_path / "r.html").read_text()
    assert "ref_id" in html
    assert "session" in html


# ---------------------------------------------------------------------------------------------
# 4. output paths: symlinks kept, both reports or neither, the user's path in every message


def test_a_json_symlink_is_written_through_and_kept(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["drift", str(data / "ref.csv"), str(data / "cur.csv"), "-q", "--json",
                 str(link), "--no-multivariate"]) == 0  # fmt: skip
    assert link.is_symlink()
    assert json.loads(target.read_text())["metadata"]["reference"].endswith("ref.csv")


def test_a_symlink_to_an_input_is_refused(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "innocent.json"
    link.symlink_to(data / "cur.csv")
    before = (data / "cur.csv").read_bytes()
    assert main(["drift", str(data / "ref.csv"), str(data / "cur.csv"), "-q", "--json",
                 str(link)]) == 2  # fmt: skip
    assert "--json" in capsys.readouterr().err
    assert (data / "cur.csv").read_bytes() == before


def test_when_the_json_cannot_be_written_no_html_is_left_and_the_users_path_is_named(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = tmp_path / "r.html"
    # A regular file where a folder is needed: the JSON write fails, whoever runs the test.
    (tmp_path / "blocker").write_text("")
    bad_json = tmp_path / "blocker" / "r.json"
    code = main(["drift", str(data / "ref.csv"), str(data / "cur.csv"), "-q", "-o", str(html),
                 "--json", str(bad_json), "--no-multivariate"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert str(bad_json) in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_an_old_report_survives_a_failed_run(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "r.json"
    old.write_text('{"old": true}')
    code = main(["drift", str(data / "ref.csv"), str(data / "empty.csv"), "-q", "--json",
                 str(old)])  # fmt: skip
    assert code == 2
    assert "empty.csv" in capsys.readouterr().err
    assert json.loads(old.read_text()) == {"old": True}


# ---------------------------------------------------------------------------------------------
# 5. the Python API: a driftscope error naming the argument, never a foreign exception


def _frames(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(data / "ref.csv"), pd.read_csv(data / "cur.csv")


def _multiindex(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.columns = pd.MultiIndex.from_tuples([("features", c) for c in frame.columns])
    return out


API_CALLS: list[tuple[str, Callable[[pd.DataFrame, pd.DataFrame, Path], Any], tuple[str, ...]]]
API_CALLS = [
    ("compare-none", lambda r, c, d: driftscope.compare(None, c), ("'reference'", "NoneType")),
    ("compare-list", lambda r, c, d: driftscope.compare(r, [1, 2]), ("'current'", "list")),
    ("compare-dict", lambda r, c, d: driftscope.compare({"a": [1]}, c), ("'reference'", "dict")),
    ("compare-bytes", lambda r, c, d: driftscope.compare(r, b"a,b\n1,2"), ("'current'", "bytes")),
    ("compare-int", lambda r, c, d: driftscope.compare(3, c), ("'reference'", "int")),
    ("compare-series", lambda r, c, d: driftscope.compare(r["age"], c), ("'reference'", "Series")),
    ("compare-ndarray", lambda r, c, d: driftscope.compare(r.to_numpy(), c), ("ndarray",)),
    ("compare-multiindex", lambda r, c, d: driftscope.compare(_multiindex(r), c), ("MultiIndex",)),
    ("compare-seed-negative", lambda r, c, d: driftscope.compare(r, c, seed=-5), ("'seed'",)),
    ("compare-seed-huge", lambda r, c, d: driftscope.compare(r, c, seed=2**80), ("'seed'",)),
    ("compare-seed-float", lambda r, c, d: driftscope.compare(r, c, seed=1.5), ("'seed'",)),
    ("compare-seed-string", lambda r, c, d: driftscope.compare(r, c, seed="1"), ("'seed'",)),
    ("compare-alpha-five", lambda r, c, d: driftscope.compare(r, c, alpha=5), ("'alpha'",)),
    ("compare-threshold-negative",
     lambda r, c, d: driftscope.compare(r, c, thresholds={"age": -1}), ("'age'", "thresholds")),
    ("compare-threshold-nan",
     lambda r, c, d: driftscope.compare(r, c, thresholds={"age": math.nan}), ("'age'",)),
    ("compare-threshold-string",
     lambda r, c, d: driftscope.compare(r, c, thresholds={"age": "0.1"}), ("'age'",)),
    ("compare-schema-spec-threshold",
     lambda r, c, d: driftscope.compare(r, c, driftscope.Schema(
         (driftscope.ColumnSpec("age", threshold=7),))), ("'age'", "(schema)", "(0, 1]")),
    ("compare-method-magic",
     lambda r, c, d: driftscope.compare(r, c, methods={"age": "magic"}), ("'age'", "'magic'")),
    ("compare-methods-list",
     lambda r, c, d: driftscope.compare(r, c, methods=["ks"]), ("'methods'",)),
    ("compare-unknown-column",
     lambda r, c, d: driftscope.compare(r, c, columns=["nope"]), ("'nope'",)),
    ("compare-delimiter",
     lambda r, c, d: driftscope.compare(d / "ref.csv", d / "cur.csv", delimiter=";;"),
     ("'delimiter'", "';;'")),
    ("compare-missing-file",
     lambda r, c, d: driftscope.compare(d / "missing.csv", c), ("missing.csv",)),
    ("compare-folder", lambda r, c, d: driftscope.compare(d / "folder.csv", c), ("folder.csv",)),
    ("compare-schema-bomb",
     lambda r, c, d: driftscope.compare(r, c, d / "bomb.yaml"), ("bomb.yaml", "alias")),
    ("compare-schema-folder",
     lambda r, c, d: driftscope.compare(r, c, d / "schemas"), ("is a folder",)),
    ("compare-schema-number", lambda r, c, d: driftscope.compare(r, c, 3), ("schema", "int")),
    ("compare-empty-frame",
     lambda r, c, d: driftscope.compare(r.iloc[:0], c), ("0 rows",)),
    ("compare-no-columns",
     lambda r, c, d: driftscope.compare(pd.DataFrame(index=range(3)), c), ("no columns",)),
    ("compare-encoding-unknown",
     lambda r, c, d: driftscope.compare(d / "ref.csv", d / "cur.csv", encoding="klingon"),
     ("'klingon'",)),
    ("monitor-none", lambda r, c, d: driftscope.monitor(r, None), ("'current'", "monitor")),
    ("monitor-bytes", lambda r, c, d: driftscope.monitor(b"x", c), ("'reference'",)),
    ("monitor-multiindex",
     lambda r, c, d: driftscope.monitor(r, _multiindex(c)), ("MultiIndex",)),
    ("monitor-seed-negative", lambda r, c, d: driftscope.monitor(r, c, seed=-1), ("'seed'",)),
    ("monitor-window-size-zero",
     lambda r, c, d: driftscope.monitor(r, c, window_size=0), ("'window_size'",)),
    ("monitor-n-windows-zero",
     lambda r, c, d: driftscope.monitor(r, c, n_windows=0), ("'n_windows'",)),
    ("monitor-min-window-rows-zero",
     lambda r, c, d: driftscope.monitor(r, c, min_window_rows=0), ("'min_window_rows'",)),
    ("monitor-period-quarter",
     lambda r, c, d: driftscope.monitor(r, c, period="Q", timestamp="ts"), ("'period'",)),
    ("monitor-benchmark-seven",
     lambda r, c, d: driftscope.monitor(r, c, target="y", prediction="p",
                                        benchmarks={"accuracy": 7}), ("benchmarks", "accuracy")),
    ("monitor-floor-nan",
     lambda r, c, d: driftscope.monitor(r, c, target="y", prediction="p",
                                        floors={"f1_macro": math.nan}), ("floors", "f1_macro")),
    ("monitor-threshold-unknown-column",
     lambda r, c, d: driftscope.monitor(r, c, thresholds={"nope": 0.1}), ("'nope'",)),
    ("monitor-columns-unknown",
     lambda r, c, d: driftscope.monitor(r, c, columns=["nope"]), ("'nope'",)),
    ("monitor-labels-missing",
     lambda r, c, d: driftscope.monitor(r, c, labels=d / "missing.csv", id="rid"),
     ("missing.csv",)),
    ("quality-none", lambda r, c, d: quality_report(None, c), ("'reference'",)),
    ("quality-list", lambda r, c, d: quality_report(r, [[1]]), ("'current'",)),
    ("quality-multiindex", lambda r, c, d: quality_report(_multiindex(r), c), ("MultiIndex",)),
    ("quality-empty-file",
     lambda r, c, d: quality_report(d / "empty.csv", c), ("empty.csv",)),
]  # fmt: skip


@pytest.mark.parametrize(("call", "culprit"), [pytest.param(f, c, id=i) for i, f, c in API_CALLS])
def test_the_api_raises_a_driftscope_error_naming_the_argument(
    call: Callable[[pd.DataFrame, pd.DataFrame, Path], Any],
    culprit: tuple[str, ...],
    data: Path,
) -> None:
    reference, current = _frames(data)
    with pytest.raises(DriftscopeError) as caught:
        call(reference, current, data)
    for text in culprit:
        assert text in str(caught.value)
    assert len(str(caught.value)) < 2000


def test_a_wrong_table_type_is_still_a_type_error() -> None:
    with pytest.raises(TypeError, match="'reference'"):
        driftscope.compare(None, None)


def test_timestamps_that_mix_utc_offsets_are_dates(data: Path) -> None:
    reference, current = _frames(data)
    stamps = [f"2026-01-0{1 + i % 4}T0{i % 9}:00{'+01:00' if i % 2 else '-05:00'}"
              for i in range(ROWS)]  # fmt: skip
    reference["ts"], current["ts"] = stamps, stamps
    assert driftscope.compare(reference, current, multivariate=False).drift.columns
    report = driftscope.monitor(
        reference, current, target="y", prediction="p", timestamp="ts", period="D",
        min_window_rows=5, multivariate=False, n_resamples=100,
    )  # fmt: skip
    assert report.windows is not None
    assert len(report.windows.windows) == 4
    assert any("mixes time zones" in w for w in report.warnings)


# ---------------------------------------------------------------------------------------------
# 6. segmentation masks: read only under the allowed roots, as images are

#: The ways a mask path in a table leads out of the table's folder.
MASK_ESCAPES = {"dotdot": 3, "absolute": 7, "symlink": 11}


@pytest.fixture(scope="module")
def masks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """``tables/ref.csv`` and ``tables/cur.csv`` (target ``mask``, prediction ``pred``: paths of
    .npy masks under ``tables/``), and ``secret/``, beside it, with a mask of class 7. Three rows
    of current name the secret mask: by ``..``, by an absolute path and by a symbolic link inside
    ``tables/`` that points out."""
    root = tmp_path_factory.mktemp("masks")
    tables, secret = root / "tables", root / "secret"
    (tables / "m").mkdir(parents=True)
    secret.mkdir()
    np.save(secret / "leak.npy", np.full((8, 8), 7, dtype=np.int64))
    (tables / "m" / "link.npy").symlink_to(secret / "leak.npy")
    rng = np.random.default_rng(5)
    for side in ("ref", "cur"):
        rows = []
        for i in range(30):
            true = rng.integers(0, 3, (8, 8))
            pred = np.where(rng.random((8, 8)) < 0.2, rng.integers(0, 3, (8, 8)), true)
            np.save(tables / "m" / f"{side}{i}.npy", true)
            np.save(tables / "m" / f"{side}{i}_pred.npy", pred)
            rows.append({"x": rng.normal(), "mask": f"m/{side}{i}.npy",
                         "pred": f"m/{side}{i}_pred.npy"})  # fmt: skip
        frame = pd.DataFrame(rows)
        if side == "cur":
            escapes = {
                "dotdot": "../secret/leak.npy",
                "absolute": str(secret / "leak.npy"),
                "symlink": "m/link.npy",
            }
            for how, row in MASK_ESCAPES.items():
                frame.loc[row, "mask"] = escapes[how]
        frame.to_csv(tables / f"{side}.csv", index=False)
    return tables, secret, escapes


def _refused(warnings: Sequence[str], tables: Path, escapes: dict[str, str]) -> None:
    """The three escapes are refused in one warning naming each row, path and the roots."""
    (told,) = [w for w in warnings if w.startswith("Masks (current)")]
    assert "3 mask file(s) in column 'mask'" in told
    for how, row in MASK_ESCAPES.items():
        assert f"row {row}: outside allowed roots: mask (mask): " in told, how
    assert told.count(f"is not under {tables}") == 3
    assert "--allow-root" in told
    assert "allow_roots=" in told
    assert not any(w.startswith("Masks (reference)") for w in warnings)


def test_masks_outside_the_allowed_roots_are_refused_by_monitor(
    masks: tuple[Path, Path, dict[str, str]],
) -> None:
    tables, secret, escapes = masks
    run = functools.partial(
        driftscope.monitor, tables / "ref.csv", tables / "cur.csv", target="mask",
        prediction="pred", task="segmentation", n_resamples=100, multivariate=False,
    )  # fmt: skip
    report = run()
    _refused(report.warnings, tables, escapes)
    # The masks inside are read; the refused rows are left out of performance, not scored.
    assert report.performance is not None
    assert report.performance.n_reference_labelled == 30
    assert report.performance.n_current_labelled == 30 - len(MASK_ESCAPES)
    assert report.performance.metric("mean_iou").current is not None
    # Allowing the secret folder reads all three (and their class 7 lowers the current IoU).
    allowed = run(allow_roots=[tables, secret])
    assert not any(w.startswith("Masks") for w in allowed.warnings)
    assert allowed.performance is not None
    assert allowed.performance.n_current_labelled == 30
    scored = allowed.performance.metric("mean_iou").current
    assert scored is not None
    assert scored < report.performance.metric("mean_iou").current


def test_masks_outside_the_allowed_roots_are_refused_from_a_dataframe(
    masks: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table given in memory reads relative paths from the current folder, under it only."""
    tables, _, escapes = masks
    monkeypatch.chdir(tables)
    report = driftscope.monitor(
        pd.read_csv(tables / "ref.csv"), pd.read_csv(tables / "cur.csv"), target="mask",
        prediction="pred", task="segmentation", n_resamples=100, multivariate=False,
    )  # fmt: skip
    _refused(report.warnings, tables, escapes)


def test_masks_outside_the_allowed_roots_are_refused_by_the_cli(
    masks: tuple[Path, Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables, secret, escapes = masks
    argv = ["report", str(tables / "ref.csv"), str(tables / "cur.csv"), "--target", "mask",
            "--prediction", "pred", "--task", "segmentation", "--no-multivariate",
            "-q"]  # fmt: skip
    assert main([*argv, "--json", str(tmp_path / "r.json")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    report = json.loads((tmp_path / "r.json").read_text())
    _refused(report["warnings"], tables, escapes)
    assert report["performance"]["n_current_labelled"] == 30 - len(MASK_ESCAPES)
    # --allow-root, repeatable, admits them.
    roots = ["--allow-root", str(tables), "--allow-root", str(secret)]
    assert main([*argv, *roots, "--json", str(tmp_path / "all.json")]) == 0
    report = json.loads((tmp_path / "all.json").read_text())
    assert not any(w.startswith("Masks") for w in report["warnings"])
    assert report["performance"]["n_current_labelled"] == 30


# ---------------------------------------------------------------------------------------------
# 7. hostile inputs, in one subprocess under an address-space limit

# Enough for the runs (about 750 MB resident with a 50 MB cell; pyarrow's thread pools reserve
# more address space than they use); far below the 6.8 GB the alias bomb reached.
ADDRESS_SPACE = 3 * 2**30
HUGE_CELL = 50_000_000

_HOSTILE_RUNNER = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from driftscope.cli import main
for line in sys.stdin:
    case = json.loads(line)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(case["argv"])
    print(json.dumps({{"id": case["id"], "code": code, "err": err.getvalue()[:5000]}}), flush=True)
"""


def _hostile_cases(d: Path, o: Path) -> dict[str, list[str]]:
    ref, cur, huge = str(d / "ref.csv"), str(d / "cur.csv"), str(o / "huge_cell.csv")
    bomb = str(d / "bomb.yaml")
    return {
        "drift-yaml-bomb": ["drift", ref, cur, "-q", "--schema", bomb],
        "report-yaml-bomb": ["report", ref, cur, "-q", "--schema", bomb, "--target", "y"],
        "quality-yaml-bomb": ["quality", ref, cur, "-q", "--schema", bomb],
        "drift-huge-cell": ["drift", ref, huge, "-q", "--no-multivariate",
                            "--json", str(o / "drift.json"), "-o", str(o / "drift.html")],
        "quality-huge-cell": ["quality", ref, huge, "-q", "--json", str(o / "quality.json"),
                              "-o", str(o / "quality.html")],
        "report-huge-cell": ["report", ref, huge, "-q", "--no-multivariate", "--target", "y",
                             "--prediction", "p", "--json", str(o / "report.json")],
    }  # fmt: skip


@pytest.fixture(scope="module")
def hostile(data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("hostile")
    table = _table(ROWS, 3).astype({"city": object})
    table.loc[3, "city"] = "Q" * HUGE_CELL  # one cell of 50 MB, in a categorical column
    table.to_csv(out / "huge_cell.csv", index=False)
    cases = _hostile_cases(data, out)
    lines = "".join(json.dumps({"id": k, "argv": v}) + "\n" for k, v in cases.items())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _HOSTILE_RUNNER.format(limit=ADDRESS_SPACE)],
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    results = {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}
    results["_stderr"] = done.stderr[-3000:]
    return out, results


@pytest.mark.parametrize("name", ["drift-yaml-bomb", "report-yaml-bomb", "quality-yaml-bomb"])
def test_a_yaml_alias_bomb_is_refused_within_the_memory_limit(
    name: str, hostile: tuple[Path, dict[str, Any]]
) -> None:
    _, results = hostile
    assert name in results, results["_stderr"]
    result = results[name]
    assert result["code"] == 2
    assert "bomb.yaml" in result["err"]
    assert "alias" in result["err"]
    assert "Traceback" not in result["err"]
    assert len(result["err"]) < 1000


@pytest.mark.parametrize(
    ("name", "outputs"),
    [
        ("drift-huge-cell", ("drift.json", "drift.html")),
        ("quality-huge-cell", ("quality.json", "quality.html")),
        ("report-huge-cell", ("report.json",)),
    ],
)
def test_a_huge_cell_is_quoted_truncated_within_the_memory_limit(
    name: str, outputs: tuple[str, ...], hostile: tuple[Path, dict[str, Any]]
) -> None:
    folder, results = hostile
    assert name in results, results["_stderr"]
    assert results[name]["code"] == 0, results[name]["err"]
    assert "Traceback" not in results[name]["err"]
    for output in outputs:
        text = (folder / output).read_text(encoding="utf-8")
        # The reports quote the cell (an unseen category, a quality example), cut short.
        assert len(text) < 4_000_000, (output, len(text))
        assert "Q" * 1000 not in text
        assert f"({HUGE_CELL:,} characters, truncated)" in text, output
        if output.endswith(".json"):
            json.loads(text)
