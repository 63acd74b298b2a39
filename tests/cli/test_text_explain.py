"""`driftscope text explain`, and `driftscope text drift --model`, from the command line: a
TF-IDF + logistic regression pipeline saved with skops, on reviews where only "refund" makes a
complaint."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from driftscope.analyses.text_explanation import explain_text
from driftscope.cli import main
from driftscope.report._validate import validate_report

_WORDS = ["great", "shoes", "fit", "nice", "order", "arrived", "thanks", "size", "color", "box"]


def reviews(rng: np.random.Generator, n: int, refund: float) -> pd.DataFrame:
    """Reviews of six neutral words; a ``refund`` share ask for a refund: the complaints."""
    texts = []
    for _ in range(n):
        words = list(rng.choice(_WORDS, 6))
        if rng.random() < refund:
            words.insert(int(rng.integers(0, 6)), "refund")
        texts.append(" ".join(words))
    labels = ["complaint" if "refund" in t.split() else "other" for t in texts]
    return pd.DataFrame({"review": texts, "label": labels, "stars": rng.integers(1, 6, n)})


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A skops model, a baseline (one complaint in five) and new reviews (three in five)."""
    folder = tmp_path_factory.mktemp("text-explain")
    rng = np.random.default_rng(0)
    train = reviews(rng, 400, 0.5)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(train.review, train.label)
    base, new, path = folder / "base.csv", folder / "new.parquet", folder / "model.skops"
    reviews(rng, 40, 0.2).to_csv(base, index=False)
    reviews(rng, 40, 0.6).to_parquet(new)
    sio.dump(model, path)
    return path, base, new


def _args(files: tuple[Path, Path, Path], *extra: str) -> list[str]:
    model, base, new = files
    return [
        "text",
        "explain",
        str(model),
        str(new),
        "--reference",
        str(base),
        "--column",
        "review",
        "--max-texts",
        "15",
        "--num-samples",
        "100",
        *extra,
    ]


def test_refund_ranks_first_in_the_output_and_the_json_is_explain_texts(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "e.json"
    assert main(_args(files, "--json", str(out))) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "EXPLANATIONS lime on model.skops (text)" in printed
    assert "explained 15 of 40 texts, 15 of 40 reference texts" in printed
    assert "top words on current: refund," in printed
    assert "top words on reference: refund," in printed
    assert "rose most: refund (+" in printed
    data = json.loads(out.read_text())
    # The numbers are driftscope.explain_text's with the same settings, exactly.
    model, base, new = files
    expected = explain_text(
        model,
        list(pd.read_parquet(new).review),
        reference=list(pd.read_csv(base).review),
        max_texts=15,
        num_samples=100,
    )
    assert data == json.loads(json.dumps(expected.to_dict()))
    assert expected.top(1) == ["refund"]
    assert expected.top(1, side="reference") == ["refund"]
    assert expected.rising(1) == ["refund"]


def test_seeded_runs_give_identical_json_and_another_seed_other_weights(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    paths = [tmp_path / f"{k}.json" for k in range(3)]
    for path, seed in zip(paths, ("3", "3", "4"), strict=True):
        assert main(_args(files, "--seed", seed, "--json", str(path), "-q")) == 0
    first, second, other = (p.read_text() for p in paths)
    assert first == second
    assert first != other


def test_html_page_highlights_the_words(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    page = tmp_path / "e.html"
    assert main(_args(files, "--class", "complaint", "-o", str(page), "-q")) == 0
    text = page.read_text()
    assert "<h1>driftscope explanation report</h1>" in text
    assert 'data-part="text-explanation"' in text
    assert "explained: probability of class &#x27;complaint&#x27;" in text
    # "refund" raises the complaint: it is marked green with its weight in the tooltip.
    assert 'class="ds-token-up"' in text
    assert ">refund</mark>" in text
    assert 'data-part="reference-texts"' in text
    # Offline: nothing is fetched.
    assert 'src="http' not in text
    assert "<link" not in text


def test_shap_on_new_texts_alone(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    model, _, new = files
    out = tmp_path / "shap.json"
    args = ["text", "explain", str(model), str(new), "--column", "review", "--method", "shap"]
    assert main([*args, "--max-texts", "4", "--num-samples", "60", "--json", str(out), "-q"]) == 0
    data = json.loads(out.read_text())
    assert data["explainer"] == "shap"
    assert data["bounds"]["reference_total"] == 0
    assert data["additivity"] < 1e-6


def test_fail_on_change(files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    # "refund" is in three texts in five now, one in five before: its importance rose by far
    # more than a tenth of the reference's total.
    assert main(_args(files, "--fail-on-change", "0.1")) == 1
    assert "importance rose by more than 0.1 of the total: refund" in capsys.readouterr().err
    assert main(_args(files, "--fail-on-change", "50", "-q")) == 0


def test_a_pickle_needs_allow_pickle(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, _, new = files
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(sio.load(model, trusted=sio.get_untrusted_types(file=model))))
    args = ["text", "explain", str(pickled), str(new), "--column", "review", "--max-texts", "2"]
    assert main([*args, "-q"]) == 2
    assert "runs code when loaded" in " ".join(capsys.readouterr().err.split())
    assert main([*args, "--num-samples", "20", "--allow-pickle", "-q"]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--column", "body"], "has no text column 'body'"),
        (["--column", "review", "--class", "spam"], "explained_class 'spam' is not one"),
        (["--column", "review", "--method", "magic"], "--method"),
        (["--column", "review", "--fail-on-change", "0.1"], "give --reference BASELINE too"),
        (["--column", "review", "--reference", "missing.csv"], "missing.csv"),
    ],
)
def test_bad_input_is_one_line(
    files: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    model, _, new = files
    code = main(["text", "explain", str(model), str(new), *extra, "--max-texts", "2"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    # One line (a usage error also prints the usage above it, as every command does).
    assert message in err.strip().splitlines()[-1]


def test_a_missing_model_file_is_one_line(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, new = files
    missing = tmp_path / "missing.skops"
    assert main(["text", "explain", str(missing), str(new), "--column", "review"]) == 2
    err = capsys.readouterr().err
    assert f"model file {missing} does not exist" in " ".join(err.split())
    assert len(err.strip().splitlines()) == 1


def test_text_drift_with_a_model_has_the_explanations(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, base, new = files
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    args = ["text", "drift", str(base), str(new), "--column", "review", "--model", str(model)]
    assert main([*args, "--max-texts", "10", "--json", str(out), "-o", str(page)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "EXPLANATIONS lime on model.skops (text)" in printed
    data = json.loads(out.read_text())
    validate_report(data)
    text = data["explanations"]["text"]
    assert text["bounds"]["current_texts"] == 10
    top = min(text["importance"], key=lambda i: i["current_rank"] or len(text["importance"]))
    assert top["token"] == "refund"
    html = page.read_text()
    assert 'data-part="text-explanation"' in html
    assert html.index('data-section="explanations"') < html.index("<h2>Texts</h2>")


def test_report_with_a_text_model_explains_its_words(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `driftscope report --model` on a text pipeline: monitor explains it on the text column,
    # --explain-rows texts a side, instead of feeding it a table of columns.
    model, base, new = files
    out = tmp_path / "r.json"
    args = ["report", str(base), str(new), "--target", "label", "--model", str(model)]
    assert main([*args, "--explain-rows", "8", "--no-multivariate", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    validate_report(data)
    section = data["explanations"]
    assert section["explanation"] is None
    assert section["error"] is None
    assert section["text"]["bounds"]["current_texts"] == 8
    assert "EXPLANATIONS lime on model.skops (text)" in " ".join(capsys.readouterr().out.split())
