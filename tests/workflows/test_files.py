"""`workflows/_files.py`: what every file command shares. A column of paths read through one gate
(hostile paths, lone surrogates, a file that may not be read, a side of only hostile paths),
headers checked before decoding under a memory limit, other columns of paths beside the inputs,
and the help, exit codes and refusals of every file command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from tests.onnx_models import brightness_classifier
from tests.workflows._sets import audio_set, image_set, mask_set, read_report

from driftscope.cli import main
from driftscope.workflows.audio import compare_audio
from driftscope.workflows.images import compare_images, monitor_images

# -- hostile paths ------------------------------------------------------------------------------


def _with_hostile_rows(table: Path, extra: dict[str, object]) -> tuple[Path, int]:
    """The table as JSON Lines with rows of paths that name no readable file added (a
    symbolic link loop, a NUL byte, a name and a path too long for the file system, a home
    folder of nobody, a folder, a pipe), and how many were added."""
    folder = table.parent
    os.symlink("loop2", folder / "loop1")
    os.symlink("loop1", folder / "loop2")
    (folder / "a_folder").mkdir()
    hostile = ["loop1", "a\x00b.png", "x" * 5000, "a/" * 3000 + "x", "~nobody_ds/x", "a_folder"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "a_pipe")
        hostile.append("a_pipe")
    frame = pd.read_csv(table)
    rows = [*frame.to_dict("records"), *({**extra, "inputs": h} for h in hostile)]
    out = table.with_suffix(".jsonl")
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out, len(hostile)


def test_hostile_paths_are_counted_by_every_file_command(tmp_path: Path) -> None:
    images = tmp_path / "images"
    base = image_set(images, "base", 16, 0.5, seed=0)
    cur, n_bad = _with_hostile_rows(image_set(images, "cur", 16, 0.5, seed=1), {"camera": "a"})
    model = brightness_classifier(tmp_path / "model.onnx")
    sounds = tmp_path / "sounds"
    a_base, a_cur = (audio_set(sounds, n, 12, 0.01, seed=s) for n, s in (("base", 0), ("cur", 1)))
    for table in (a_base, a_cur):
        pd.read_csv(table).assign(transcript="a b c", asr="a b d").to_csv(table, index=False)
    a_cur, _ = _with_hostile_rows(a_cur, {"transcript": "a b", "asr": "a b"})
    out = tmp_path / "r.json"
    runs = {
        "images drift": ["images", "drift", str(base), str(cur)],
        "images model-drift": [
            *("images", "model-drift", str(base), str(cur)),
            *("--model", str(model)),
        ],
        "audio drift": ["audio", "drift", str(a_base), str(a_cur)],
        "asr": [
            *("asr", str(a_base), str(a_cur)),
            *("--reference-text", "transcript", "--hypothesis-text", "asr"),
        ],
    }
    for name, argv in runs.items():
        assert main([*argv, "--json", str(out), "-q"]) == 0, name
        current = read_report(out)["inputs"]["current"]
        assert current["n_failed"] == n_bad, name
        assert current["n_read"] == current["n_rows"] - n_bad, name
        assert set(current["by_problem"]) == {"unreadable", "missing"}, name
        assert all(len(p["path"]) <= 300 for p in current["examples"]), name


def test_a_path_with_a_lone_surrogate_is_read_and_shown_escaped(tmp_path: Path) -> None:
    # Python hands a file name that is not valid UTF-8 over as lone surrogates; such a name
    # in a DataFrame must still be read, and be shown where a report is written as UTF-8.
    base = image_set(tmp_path, "base", 12, 0.5, seed=0)
    odd = tmp_path / "base" / "odd\udcff.png"
    (tmp_path / "base" / "0.png").rename(odd)
    paths = [str(odd), *(str(tmp_path / "base" / f"{i}.png") for i in range(1, 12))]
    frame = pd.DataFrame({"inputs": pd.Series(np.array(paths, dtype=object), dtype=object)})
    report = compare_images(frame, base, allow_roots=[tmp_path])
    data = report.to_dict()
    assert data["inputs"]["reference"]["n_read"] == 12
    assert data["inputs"]["examples"]["reference"][0]["path"].endswith("odd\\udcff.png")
    report.to_html().encode("utf-8")


# -- forged headers, under a memory limit --------------------------------------------------------

_UNDER_LIMIT = """
import resource, sys

import driftscope.cli.files, driftscope.workflows.images, driftscope.workflows.audio
import driftscope.workflows.asr, driftscope.modalities.audio
import driftscope.modalities.images
from driftscope.cli import main


def address_space() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line[:7] == "VmSize:")


limit = address_space() + int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.exit(main(sys.argv[2:]))
"""
#: What a run may add to the address space of the interpreter with driftscope imported.
MEMORY_BUDGET = 3 << 29  # 1.5 GiB


def _under_memory_limit(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter whose address space is limited, as a user's machine
    would limit it, to what it has after its imports plus `MEMORY_BUDGET`."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        # Thread pools and malloc arenas reserve address space they never use; kept small, so
        # that the limit measures the data.
        "MALLOC_ARENA_MAX": "2",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    command = [sys.executable, "-c", _UNDER_LIMIT, str(MEMORY_BUDGET), *argv]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="the limit is set from /proc/self/status"
)


@pytest.mark.slow
@needs_proc
def test_forged_wav_headers_are_per_file_problems_under_a_memory_limit(tmp_path: Path) -> None:
    from tests.modalities.forged import forged_wav

    base = audio_set(tmp_path, "base", 10, 0.01, seed=0)
    cur = audio_set(tmp_path, "cur", 10, 0.01, seed=1)
    forged = [forged_wav(tmp_path / f"{rate}.wav", rate) for rate in (10**8, 10**9)]
    frame = pd.concat([pd.read_csv(cur), pd.DataFrame({"inputs": [p.name for p in forged]})])
    for table in (base, cur):
        (frame if table == cur else pd.read_csv(base)).assign(
            transcript="a b c", asr="a b d"
        ).to_csv(table, index=False)
    out = tmp_path / "r.json"
    texts = ["--reference-text", "transcript", "--hypothesis-text", "asr"]
    for argv in (["audio", "drift", str(base), str(cur)], ["asr", str(base), str(cur), *texts]):
        run = _under_memory_limit([*argv, "--json", str(out), "-q"])
        assert run.returncode == 0, run.stderr
        current = read_report(out)["inputs"]["current"]
        assert (current["n_read"], current["by_problem"]) == (10, {"unreadable": 2})
        details = [p["detail"] for p in current["examples"]]
        assert "declares a sample rate of 100,000,000 Hz" in details[0]


@pytest.mark.slow
@needs_proc
def test_forged_image_headers_are_per_file_problems_under_a_memory_limit(tmp_path: Path) -> None:
    from tests.modalities.forged import forged_jpeg, forged_png, forged_tiff
    from tests.onnx_models import brightness_segmenter

    # Just past Pillow's limit of 89.5 million pixels (refused, not warned about), far past it,
    # and just under it (declared, not in the file: the decode fails on the missing data).
    images = tmp_path / "cur"
    images.mkdir()
    forged = [
        forged_png(images / "over.png", 9000, 10000),
        forged_png(images / "huge.png", 30000, 30000),
        forged_jpeg(images / "over.jpg", 9500, 9500),
        forged_tiff(images / "over.tif", 9500, 9500),
        forged_png(images / "under.png", 9400, 9500),
        forged_tiff(images / "under.tif", 9400, 9500),
    ]
    base = mask_set(tmp_path, "base", 12, 32, seed=0)
    cur = mask_set(tmp_path, "cur", 12, 32, seed=1)
    # A mask within Pillow's limit that compresses to 90 kB and would be 700 MB as int64.
    Image.fromarray(np.zeros((9500, 9400), np.uint8)).save(images / "zeros_mask.png")
    masks = [forged_png(images / "over_mask.png", 9000, 10000, "L"), images / "zeros_mask.png"]
    frame = pd.read_csv(cur)
    frame.loc[[0, 1], "masks"] = [f"cur/{m.name}" for m in masks]
    extra = pd.DataFrame({"inputs": [f"cur/{p.name}" for p in forged], "masks": "cur/0_mask.png"})
    pd.concat([frame, extra]).to_csv(cur, index=False)
    model = brightness_segmenter(tmp_path / "seg.onnx")
    out = tmp_path / "r.json"
    runs = (
        ["images", "drift", str(base), str(cur), "--model", str(model)],
        ["images", "model-drift", str(base), str(cur), "--model", str(model)],
    )
    for argv in runs:
        argv += ["--task", "segmentation"] if "model-drift" in argv else []
        run = _under_memory_limit([*argv, "--json", str(out), "-q"])
        assert run.returncode == 0, run.stderr
        current = read_report(out)["inputs"]["current"]
        assert current["n_read"] == 12
        problems = {p["path"]: p["detail"] for p in current["examples"]}
        assert {f"cur/{p.name}" for p in forged} <= set(problems)
        assert "exceeds limit of 89478485 pixels" in problems["cur/over.tif"]
    assert "exceeds limit" in problems["cur/over_mask.png"]
    assert "a mask may have at most 16,777,216 pixels" in problems["cur/zeros_mask.png"]


# -- help and refusals of every file command -------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["images", "drift"],
        ["images", "model-drift"],
        ["audio", "drift"],
        ["text", "drift"],
        ["asr"],
    ],
)
def test_every_files_command_has_examples_and_exit_codes_in_its_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as wrapped for any terminal width
    assert f"Examples: driftscope {' '.join(command)} " in out
    assert "Exit codes: 0 it ran" in out
    assert "2 usage or input error" in out


def test_cli_refusals_name_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = audio_set(tmp_path, "base", 12, 0.01, seed=0)
    texts = tmp_path / "texts.csv"
    pd.DataFrame({"transcript": ["a b"] * 12, "asr": ["a b"] * 12}).to_csv(texts, index=False)
    with_text = pd.read_csv(base).assign(transcript="a b", asr="a b")
    with_text.to_csv(base, index=False)
    argv = ["asr", str(base), str(texts), "--reference-text", "transcript"]
    assert main([*argv, "--hypothesis-text", "asr"]) == 2
    assert "has no audio column 'inputs' while the other table has one" in capsys.readouterr().err
    assert main([*argv, "--hypothesis-text", "asr", "--benchmark-wer", "-1"]) == 2
    assert (
        main(["text", "drift", str(texts), str(texts), "--column", "asr", "--embedding", "w2v"])
        == 2
    )
    assert "--embedding must be one of tfidf-svd, minilm" in capsys.readouterr().err
    # A callable model in a module of the current folder, named as module:attribute.
    (tmp_path / "my_models.py").write_text(
        "import numpy as np\n\ndef embed(batch):\n    return batch.reshape(len(batch), -1)[:, :4]\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", list(__import__("sys").path))  # the loader adds the cwd
    images = image_set(tmp_path, "imgs", 24, 0.5, seed=0)
    out = tmp_path / "r.json"
    argv = ["images", "drift", str(images), str(images), "--model", "my_models:embed"]
    assert main([*argv, "--input-size", "8x8", "--json", str(out), "-q"]) == 0
    assert read_report(out)["inputs"]["embedding_source"] == "callable model my_models:embed"


# -- columns of paths beside the inputs -----------------------------------------------------------


def test_a_column_of_mask_paths_is_listed_not_tested_on_a_split_without_drift(
    tmp_path: Path,
) -> None:
    # Two samples of one source, each image with its mask path: a classifier's run (the masks
    # are not its ground truth) and the image features must not drift because every row has its
    # own mask path.
    base = mask_set(tmp_path, "base", 60, 32, seed=0)
    cur = mask_set(tmp_path, "cur", 60, 32, seed=1)
    model = brightness_classifier(tmp_path / "clf.onnx")
    monitored = monitor_images(base, cur, model, n_resamples=200).to_dict()
    compared = compare_images(base, cur).to_dict()
    assert monitored["verdict"]["decision"] == "ok", monitored["verdict"]["reasons"]
    for data in (monitored, compared):
        (masks,) = (c for c in data["columns"] if c["name"] == "masks")
        assert (masks["kind"], masks["skipped"], masks["drifted"]) == ("id", True, False)
        assert masks["note"] == "file paths, one per input: excluded from drift"
        assert all("masks" not in test["columns"] for test in data["multivariate"])
        assert not any(test["drifted"] for test in data["multivariate"])
    assert compared["dataset"]["drifted"] is False


def test_a_file_that_may_not_be_read_is_unreadable_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root reads any file, so the refusal a user would meet is simulated where the file is
    # opened: by Pillow (Python's open) and by libsndfile (soundfile.SoundFile).
    import builtins

    import soundfile

    images = image_set(tmp_path, "imgs", 12, 0.5, seed=0)
    sounds = audio_set(tmp_path, "wavs", 12, 0.01, seed=0)
    opened, sound_file = builtins.open, soundfile.SoundFile

    def refuse(path: object) -> None:
        if Path(str(path)).name in ("3.png", "3.wav"):
            raise PermissionError(13, "Permission denied", str(path))

    def guarded_open(file: object, *args: object, **kwargs: object) -> object:
        refuse(file)
        return opened(file, *args, **kwargs)  # type: ignore[call-overload]

    def guarded_sound(file: object, *args: object, **kwargs: object) -> object:
        refuse(file)
        return sound_file(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(soundfile, "SoundFile", guarded_sound)
    for report in (compare_images(images, images), compare_audio(sounds, sounds)):
        current = report.to_dict()["inputs"]["current"]
        (problem,) = current["examples"]
        assert (current["n_read"], problem["row"], problem["problem"]) == (11, 3, "unreadable")
        assert "Permission denied" in problem["detail"]


def test_a_side_of_only_hostile_paths_is_a_short_error_naming_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = image_set(tmp_path, "base", 10, 0.5, seed=0)
    hostile = tmp_path / "hostile.jsonl"
    cells = ["x" * 5000, "a\x00b.png", "y" * 100_000, "z" * 100_000]
    hostile.write_text("".join(json.dumps({"inputs": c}) + "\n" for c in cells))
    assert main(["images", "drift", str(base), str(hostile)]) == 2
    err = capsys.readouterr().err
    bare = "".join(err.split())  # as wrapped for any terminal width
    expected = f"None of the 4 files in column 'inputs' of '{hostile}' could be read"
    assert "".join(expected.split()) in bare
    assert "NUL byte" in err
    assert len(err) < 2000
