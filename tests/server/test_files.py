"""Image and audio models in the service: zips of files with the table naming them, unpacked
safely, analysed by the same `monitor_images` and `monitor_asr` as the library."""

from __future__ import annotations

import dataclasses
import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from tests.onnx_models import digits_classifier
from tests.server.conftest import run_jobs

from driftscope.server.errors import Invalid, TooLarge
from driftscope.server.services.archives import unpack
from driftscope.server.state import State
from driftscope.workflows.images import monitor_images


def _digits_zip(folder: Path, name: str, rotate: int, seed: int, n: int = 120) -> bytes:
    """``n`` of scikit-learn's digits as PNG files (rotated by ``rotate`` degrees) and a table
    naming them with their labels, zipped; also left unpacked in ``folder/name``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    chosen = np.random.default_rng(seed).choice(len(digits.images), n, replace=False)
    root = folder / name
    (root / "images").mkdir(parents=True)
    rows = []
    for k, i in enumerate(chosen):
        pixels = np.clip(np.rint(digits.images[i] * 255 / 16), 0, 255).astype(np.uint8)
        Image.fromarray(pixels, mode="L").rotate(rotate).save(root / "images" / f"{k}.png")
        rows.append({"inputs": f"images/{k}.png", "labels": str(digits.target[i])})
    pd.DataFrame(rows).to_csv(root / "table.csv", index=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for path in sorted(root.rglob("*")):
            zipped.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def _zip(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, content in members.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(info, content)
    return buffer.getvalue()


def test_an_image_model_is_monitored_from_zips_as_the_library_does(
    admin: TestClient, state: State, tmp_path: Path
) -> None:
    model = digits_classifier(tmp_path / "digits.onnx")
    baseline = _digits_zip(tmp_path, "base", 0, seed=0)
    rotated = _digits_zip(tmp_path, "rotated", 90, seed=2)
    admin.post("/api/v1/models", json={"name": "digits", "task": "image_classification"})
    version = admin.post(
        "/api/v1/models/digits/versions",
        files={
            "baseline": ("base.zip", baseline),
            "model_file": ("digits.onnx", model.read_bytes()),
        },
        data={"target": "labels"},
    )
    assert version.status_code == 201, version.text
    assert version.json()["inputs_column"] == "inputs"
    run = admin.post("/api/v1/models/digits/runs", files={"data": ("rotated.zip", rotated)})
    assert run.status_code == 201, run.text
    run_jobs(state)
    shown = admin.get(f"/api/v1/models/digits/runs/{run.json()['id']}").json()
    assert shown["status"] == "analysed", shown["error"]
    expected = monitor_images(
        tmp_path / "base" / "table.csv", tmp_path / "rotated" / "table.csv", model
    )
    assert shown["verdict"] == expected.verdict.decision == "retrain"
    report = admin.get(f"/api/v1/models/digits/runs/{run.json()['id']}/report").json()
    served = {m["name"]: m["current"] for m in report["performance"]["metrics"]}
    wanted = {m.name: m.current for m in expected.performance.metrics}
    assert served["accuracy"] == pytest.approx(wanted["accuracy"])
    assert report["inputs"]["current"]["n_read"] == 120


def test_a_speech_recognizer_is_monitored_from_its_transcripts(
    admin: TestClient, state: State
) -> None:
    rng = np.random.default_rng(0)
    words = ["yes", "no", "stop", "go", "left", "right", "up", "down"]

    def transcripts(error_rate: float, n: int = 150) -> bytes:
        rows = []
        for _ in range(n):
            said = " ".join(rng.choice(words, 4))
            heard = [w if rng.uniform() > error_rate else "uh" for w in said.split()]
            rows.append({"reference": said, "hypothesis": " ".join(heard)})
        return _zip({"table.csv": pd.DataFrame(rows).to_csv(index=False).encode()})

    admin.post("/api/v1/models", json={"name": "asr", "task": "speech_recognition"})
    version = admin.post(
        "/api/v1/models/asr/versions",
        files={"baseline": ("base.zip", transcripts(0.05))},
        data={"target": "reference", "prediction": "hypothesis", "benchmarks": '{"wer": 0.1}'},
    )
    assert version.status_code == 201, version.text
    run = admin.post("/api/v1/models/asr/runs", files={"data": ("run.zip", transcripts(0.4))})
    run_jobs(state)
    shown = admin.get(f"/api/v1/models/asr/runs/{run.json()['id']}").json()
    assert shown["status"] == "analysed", shown["error"]
    assert shown["verdict"] == "retrain"
    wer = admin.get("/api/v1/models/asr/timeline").json()["metrics"]["wer"]
    assert 0.3 < wer["value"][0] < 0.5
    assert wer["benchmark"] == [0.1]


@pytest.mark.parametrize(
    ("members", "links", "message"),
    [
        ({"../evil.csv": b"a\n1\n"}, (), "outside the upload's folder"),
        ({"/etc/evil.csv": b"a\n1\n"}, (), "outside the upload's folder"),
        ({"table.csv": b"a\n1\n", "images/x.png": b"/etc/passwd"}, ("images/x.png",), "a link"),
    ],
)
def test_hostile_zips_are_refused_naming_the_member(
    state: State, members: dict[str, bytes], links: tuple[str, ...], message: str
) -> None:
    key = state.artifacts.put_bytes(_zip(members, links))
    with pytest.raises(Invalid, match=message):
        unpack(state, key, "data")
    assert not (state.settings.data_dir / "unpacked" / key).exists()
    assert [p.name for p in (state.settings.data_dir / "unpacked").iterdir()] == []


def test_zip_limits_hold_whatever_the_zip_declares(state: State) -> None:
    small = dataclasses.replace(
        state,
        settings=state.settings.model_copy(update={"max_zip_members": 3, "max_zip_bytes": 2048}),
    )
    many = state.artifacts.put_bytes(_zip({f"f{i}.csv": b"a\n1\n" for i in range(4)}))
    with pytest.raises(TooLarge, match="holds 4 files; the limit is 3"):
        unpack(small, many, "data")
    # 1 MB of zeros compresses to about a kilobyte: counted as it unpacks, refused past 2 KiB.
    bomb = state.artifacts.put_bytes(_zip({"table.csv": b"a\n" + b"0" * 1_000_000}))
    with pytest.raises(TooLarge, match="more than 2,048 bytes"):
        unpack(small, bomb, "data")


def test_bad_zip_uploads_name_the_field(admin: TestClient, tmp_path: Path) -> None:
    model = digits_classifier(tmp_path / "digits.onnx").read_bytes()
    admin.post("/api/v1/models", json={"name": "digits", "task": "image_classification"})

    def version(files: dict[str, Any], **data: str) -> dict[str, Any]:
        response = admin.post("/api/v1/models/digits/versions", files=files, data=data)
        assert response.status_code in (413, 422), response.text
        body: dict[str, Any] = response.json()
        return body

    not_zip = version({"baseline": ("b.csv", b"a\n1\n"), "model_file": ("m.onnx", model)})
    assert "is a zip" in not_zip["detail"]
    broken = version({"baseline": ("b.zip", b"PK not really"), "model_file": ("m.onnx", model)})
    assert "not a zip file" in broken["detail"]
    two = _zip({"a.csv": b"inputs\nx\n", "b.csv": b"inputs\ny\n"})
    assert (
        "exactly one table"
        in version({"baseline": ("b.zip", two), "model_file": ("m.onnx", model)})["detail"]
    )
    empty = version({"baseline": ("b.zip", _zip({"t.csv": b""})), "model_file": ("m.onnx", model)})
    assert "'b.zip: t.csv'" in empty["detail"]  # the table in the client's zip, not a path
    assert "/tmp" not in empty["detail"]
    assert "--" not in empty["detail"]
    one = _zip({"t.csv": b"inputs,labels\nx.png,1\n"})
    no_model = version({"baseline": ("b.zip", one)})
    assert no_model["errors"][0]["field"] == "model_file"
    wrong_column = version(
        {"baseline": ("b.zip", one), "model_file": ("m.onnx", model)}, inputs_column="files"
    )
    assert "no column 'files'" in wrong_column["detail"]
    not_computed = version(
        {"baseline": ("b.zip", one), "model_file": ("m.onnx", model)},
        target="labels",
        benchmarks='{"wer": 0.1}',
    )
    assert not_computed["errors"][0]["field"] == "benchmarks"
    assert admin.get("/api/v1/models/digits").json()["n_versions"] == 0
