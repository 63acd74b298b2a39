"""The `driftscope images`, `audio`, `text` and `asr` commands: parse, call the file workflows
(`driftscope.workflows.images`, `audio`, `text`, `asr`), present. `register` adds them to the
main app. `text explain` explains a text classifier word by word (`driftscope.explain_text`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from driftscope.cli._options import (
    AllowRoot,
    Delimiter,
    Encoding,
    Html,
    Json,
    Quiet,
    Seed,
    _check_choice,
    _check_outputs,
    _input_size,
    _present,
    exit_codes_help,
    fail_if,
    fail_on_verdict,
    write_explanation,
)
from driftscope.exceptions import ParameterError

__all__ = ["audio_app", "images_app", "register", "text_app"]

_GROUP_EXIT_CODES = exit_codes_help("", "drift with --fail-on-drift, or a verdict at --fail-on")
images_app = typer.Typer(
    help="Image data drift and image-model drift.",
    epilog=_GROUP_EXIT_CODES,
    no_args_is_help=True,
    rich_markup_mode=None,
)
audio_app = typer.Typer(
    help="Audio data drift.", epilog=_GROUP_EXIT_CODES, no_args_is_help=True, rich_markup_mode=None
)
text_app = typer.Typer(
    help="Text data drift, and which words drive a text classifier.",
    epilog=_GROUP_EXIT_CODES,
    no_args_is_help=True,
    rich_markup_mode=None,
)

Baseline = Annotated[
    Path, typer.Argument(help="Baseline table (CSV, Parquet, JSON Lines) with a column of paths.")
]
New = Annotated[Path, typer.Argument(help="Table of what the model sees now, same layout.")]
Column = Annotated[str, typer.Option(help="Column holding the file paths.")]
TextBaseline = Annotated[
    Path, typer.Argument(help="Baseline table (CSV, Parquet, JSON Lines) with a text column.")
]
Workers = Annotated[int, typer.Option(min=1, help="Worker processes for feature extraction.")]
Model = Annotated[
    str | None,
    typer.Option(help="Model: an .onnx or TorchScript file, or 'package.module:callable'."),
]
ModelOutput = Annotated[str | None, typer.Option(help="ONNX output to use (default: the first).")]
InputSize = Annotated[
    str | None, typer.Option(help="Model input size HxW, e.g. 224x224 (default: the model's).")
]
TextModel = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A text classifier to explain word by word: a scikit-learn pipeline on raw texts "
        "saved with skops (.skops); pickle (.pkl, .joblib) only with --allow-pickle.",
    ),
]
AllowPickle = Annotated[
    bool,
    typer.Option(
        "--allow-pickle", help="Load a pickle or joblib model file (it runs code when loaded)."
    ),
]
FailOnDrift = Annotated[
    bool, typer.Option("--fail-on-drift", help="Exit 1 when the dataset or embeddings drifted.")
]


def _drifted(report: object) -> bool:
    inputs = getattr(report, "inputs", None)
    embedding = getattr(inputs, "embedding", None)
    return bool(getattr(report, "drifted", False) or getattr(embedding, "drifted", False))


IMAGES_EPILOG = """
\b
Examples:
  driftscope images drift baseline.csv new.csv -o report.html --json report.json
  driftscope images drift baseline.csv new.csv --model encoder.onnx --workers 2
  driftscope images drift a.csv b.csv --allow-root /data/images --fail-on-drift

Each table has an `inputs` column of image paths, absolute or relative to the table's file.

""" + exit_codes_help(
    "", "drift with --fail-on-drift", "also when no image of a side could be read"
)


@images_app.command("drift", epilog=IMAGES_EPILOG)
def images_drift(
    baseline: Baseline,
    new: New,
    column: Column = "inputs",
    allow_root: AllowRoot = None,
    workers: Workers = 1,
    model: Model = None,
    model_output: ModelOutput = None,
    input_size: InputSize = None,
    html: Html = None,
    json_path: Json = None,
    fail_on_drift: FailOnDrift = False,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Compare the images listed in NEW with those in BASELINE: image features, and embeddings
    when a model is given."""
    from driftscope.workflows.images import compare_images

    report = compare_images(
        baseline,
        new,
        column=column,
        allow_roots=allow_root,
        workers=workers,
        model=model,
        model_output=model_output,
        input_size=_input_size(input_size),
        seed=seed,
    )
    _present(report, html, json_path, quiet)
    fail_if(fail_on_drift and _drifted(report))


MODEL_DRIFT_EPILOG = """
\b
Examples:
  driftscope images model-drift baseline.csv new.csv --model classifier.onnx --classes cat,dog
  driftscope images model-drift baseline.csv new.csv --model segmenter.onnx \\
      --task segmentation --fail-on retrain -o report.html
  driftscope images model-drift baseline.csv new.csv --model classifier.onnx --explain 6

Ground truth, when the tables have it: a `labels` column (classification) or a `masks` column
of mask paths, PNG or .npy (segmentation); --labels-column names another.

""" + exit_codes_help(" (verdict below --fail-on)", "verdict at --fail-on or worse")

_DECISIONS = ("retrain", "investigate")


@images_app.command("model-drift", epilog=MODEL_DRIFT_EPILOG)
def images_model_drift(
    baseline: Baseline,
    new: New,
    model: Annotated[
        str, typer.Option(help="Model: an .onnx or TorchScript file, or 'package.module:callable'.")
    ],
    task: Annotated[str, typer.Option(help="classification or segmentation.")] = "classification",
    classes: Annotated[
        str | None, typer.Option(help="Class names in the model's output order, comma-separated.")
    ] = None,
    labels_column: Annotated[
        str | None, typer.Option(help="Ground-truth column (default labels, or masks).")
    ] = None,
    column: Column = "inputs",
    allow_root: AllowRoot = None,
    workers: Workers = 1,
    model_output: ModelOutput = None,
    input_size: InputSize = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per model call.")] = 32,
    explain: Annotated[
        int,
        typer.Option(
            min=0,
            help="Explain a classifier on this many images a side, the worst first (SHAP "
            "partition, 200 model calls per image); 0: no explanations.",
        ),
    ] = 0,
    html: Html = None,
    json_path: Json = None,
    fail_on: Annotated[
        str | None, typer.Option(help="Exit 1 at this verdict or worse: investigate, retrain.")
    ] = None,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Run MODEL on both sets of images and compare its outputs and, with ground truth, its
    accuracy or IoU; end with a verdict (ok, investigate, retrain)."""
    from driftscope.workflows.images import monitor_images

    _check_choice(fail_on, _DECISIONS, "--fail-on")
    report = monitor_images(
        baseline,
        new,
        model,
        task=task,
        column=column,
        labels_column=labels_column,
        classes=[c.strip() for c in classes.split(",")] if classes else None,
        allow_roots=allow_root,
        workers=workers,
        model_output=model_output,
        input_size=_input_size(input_size),
        batch_size=batch_size,
        seed=seed,
        explain=explain,
    )
    _present(report, html, json_path, quiet)
    fail_on_verdict(report.verdict, fail_on)


AUDIO_EPILOG = """
\b
Examples:
  driftscope audio drift baseline.csv new.csv -o report.html --json report.json
  driftscope audio drift baseline.csv new.csv --workers 2 --fail-on-drift
  driftscope audio drift a.csv b.csv --column wav --allow-root /data/audio

Each table has an `inputs` column of WAV, FLAC or OGG paths, absolute or relative to the
table's file. A file that cannot be used (missing, corrupt, a header beyond the limits of
docs/audio.md) is counted in the report, not fatal.

""" + exit_codes_help("", "drift with --fail-on-drift", "also when no file of a side could be read")


@audio_app.command("drift", epilog=AUDIO_EPILOG)
def audio_drift(
    baseline: Baseline,
    new: New,
    column: Column = "inputs",
    allow_root: AllowRoot = None,
    workers: Workers = 1,
    html: Html = None,
    json_path: Json = None,
    fail_on_drift: FailOnDrift = False,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Compare the audio files (WAV, FLAC, OGG) listed in NEW with those in BASELINE."""
    from driftscope.workflows.audio import compare_audio

    report = compare_audio(
        baseline, new, column=column, allow_roots=allow_root, workers=workers, seed=seed
    )
    _present(report, html, json_path, quiet)
    fail_if(fail_on_drift and _drifted(report))


TEXT_EPILOG = """
\b
Examples:
  driftscope text drift baseline.csv new.csv --column review -o report.html
  driftscope text drift train.parquet today.parquet --column query --top-terms 40 \\
      --json report.json --fail-on-drift
  driftscope text drift a.csv b.csv --column body --embedding minilm
  driftscope text drift a.csv b.csv --column review --model sentiment.skops -o report.html

The texts are read from the --column of both tables; the other columns are compared too.

""" + exit_codes_help("", "drift (features, embeddings or terms) with --fail-on-drift")


@text_app.command("drift", epilog=TEXT_EPILOG)
def text_drift(
    baseline: TextBaseline,
    new: New,
    column: Annotated[str, typer.Option(help="The column of texts, in both tables.")],
    embedding: Annotated[
        str, typer.Option(help="tfidf-svd, or minilm with the [text] extra.")
    ] = "tfidf-svd",
    top_terms: Annotated[int, typer.Option(min=1, help="Most changed terms listed.")] = 20,
    html: Html = None,
    json_path: Json = None,
    fail_on_drift: Annotated[
        bool,
        typer.Option(
            "--fail-on-drift", help="Exit 1 when the text features, embeddings or terms drifted."
        ),
    ] = False,
    model: TextModel = None,
    allow_pickle: AllowPickle = False,
    max_texts: Annotated[
        int, typer.Option(min=1, help="With --model: texts explained per side (a seeded sample).")
    ] = 200,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Compare a text column of NEW with BASELINE: text features, terms and embeddings; with
    --model, which words drive the model on both sides (LIME)."""
    from driftscope.analyses.text_explanation import TextExplainSettings
    from driftscope.modalities.text import EMBEDDING_METHODS
    from driftscope.workflows.text import compare_text

    if embedding not in EMBEDDING_METHODS:
        raise ParameterError(
            f"--embedding must be one of {', '.join(EMBEDDING_METHODS)}; got {embedding!r}."
        )
    report = compare_text(
        baseline,
        new,
        column=column,
        embedding_method=embedding,
        top_terms=top_terms,
        seed=seed,
        model=model,
        explain_settings=TextExplainSettings(max_texts=max_texts, seed=seed),
        allow_pickle=allow_pickle,
    )
    _present(report, html, json_path, quiet)
    terms = getattr(report.inputs, "terms", None)
    fail_if(fail_on_drift and (_drifted(report) or getattr(terms, "drifted", False)))


TEXT_EXPLAIN_EPILOG = """
\b
Examples:
  driftscope text explain sentiment.skops new.csv --column review
  driftscope text explain sentiment.skops new.csv --reference baseline.csv --column review \\
      -o explanation.html --json explanation.json
  driftscope text explain model.skops new.parquet --column body --method shap --class complaint
  driftscope text explain model.skops new.csv --reference base.csv --column review \\
      --fail-on-change 0.1

MODEL predicts class probabilities from raw texts (e.g. TfidfVectorizer + LogisticRegression).

""" + exit_codes_help(
    " (and no word's importance rose by more than --fail-on-change)",
    "a word's importance rose by more than --fail-on-change",
    "a model that does not load or fails on the texts, a column the tables lack",
)


@text_app.command("explain", epilog=TEXT_EXPLAIN_EPILOG)
def text_explain(
    model: Annotated[
        Path,
        typer.Argument(
            help="The text classifier: a scikit-learn pipeline on raw texts saved with skops "
            "(.skops); pickle (.pkl, .joblib) only with --allow-pickle."
        ),
    ],
    new: Annotated[
        Path, typer.Argument(help="Table of the texts the model sees now (CSV, Parquet, JSONL).")
    ],
    column: Annotated[str, typer.Option(help="The column of texts, in both tables.")],
    reference: Annotated[
        Path | None,
        typer.Option("--reference", help="Baseline table, same layout: explained too, to compare."),
    ] = None,
    method: Annotated[str, typer.Option("--method", help="lime or shap.")] = "lime",
    explained_class: Annotated[
        str | None,
        typer.Option(
            "--class",
            help="Explain this class's probability in every text (default: each text's "
            "predicted class).",
        ),
    ] = None,
    num_features: Annotated[
        int, typer.Option(min=1, help="Words LIME weighs per text (shap weighs every word).")
    ] = 10,
    num_samples: Annotated[int, typer.Option(min=10, help="Model calls per text at most.")] = 500,
    max_texts: Annotated[
        int, typer.Option(min=1, help="Texts explained per side (a seeded sample).")
    ] = 200,
    allow_pickle: AllowPickle = False,
    fail_on_change: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help="Exit 1 when a word's importance on NEW rose by more than this share of the "
            "reference's total importance (e.g. 0.1); needs --reference.",
        ),
    ] = None,
    html_path: Html = None,
    json_path: Json = None,
    seed: Seed = 0,
    encoding: Encoding = "utf-8",
    delimiter: Delimiter = None,
    quiet: Quiet = False,
) -> None:
    """Explain the text classifier MODEL word by word on the --column texts of NEW and, with
    --reference, of the baseline: each word's importance on both sides and its change, the
    words that rose most, with the bounds used."""
    from driftscope.analyses.text_explanation import TextExplainSettings
    from driftscope.report.explanation_terminal import render_text_explanation
    from driftscope.report.html import render_text_explanation_html
    from driftscope.workflows.text import explain_text_tables

    _check_choice(method, ("lime", "shap"), "--method")
    if fail_on_change is not None and reference is None:
        raise ParameterError(
            "--fail-on-change compares the words' importance with the reference's; give "
            "--reference BASELINE too."
        )
    _check_outputs({"-o/--html": html_path, "--json": json_path}, [model, new, reference])
    result = explain_text_tables(
        new,
        reference,
        model=model,
        column=column,
        explained_class=explained_class,
        settings=TextExplainSettings(
            method=method,
            num_features=num_features,
            num_samples=num_samples,
            max_texts=max_texts,
            seed=seed,
        ),
        allow_pickle=allow_pickle,
        encoding=encoding,
        delimiter=delimiter,
    )
    data = result.to_dict()
    write_explanation(
        data,
        html_path,
        json_path,
        quiet,
        page=lambda: render_text_explanation_html(
            data, reference.name if reference is not None else None, new.name
        ),
        summary=lambda: render_text_explanation(data),
        fail_on_change=fail_on_change,
        risen=result.risen,
    )


ASR_EPILOG = """
\b
Examples:
  driftscope asr baseline.csv new.csv --reference-text transcript --hypothesis-text asr_output
  driftscope asr baseline.csv new.csv --reference-text ref --hypothesis-text hyp \\
      --timestamp ts --period W --benchmark-wer 0.12 --fail-on retrain -o report.html

With an `inputs` column of WAV/FLAC paths, the audio is compared too.

""" + exit_codes_help(" (verdict below --fail-on)", "verdict at --fail-on or worse")


def asr(
    baseline: Baseline,
    new: New,
    reference_text: Annotated[str, typer.Option(help="Column of reference transcripts.")],
    hypothesis_text: Annotated[str, typer.Option(help="Column of the recognizer's output.")],
    column: Annotated[str, typer.Option(help="Column of audio paths, if any.")] = "inputs",
    allow_root: AllowRoot = None,
    workers: Workers = 1,
    timestamp: Annotated[str | None, typer.Option(help="Timestamp column for windows.")] = None,
    period: Annotated[str | None, typer.Option(help="Window period: D, W or M.")] = None,
    benchmark_wer: Annotated[
        float | None,
        typer.Option(min=0.0, help="Compare WER with this value instead of the baseline."),
    ] = None,
    html: Html = None,
    json_path: Json = None,
    fail_on: Annotated[
        str | None, typer.Option(help="Exit 1 at this verdict or worse: investigate, retrain.")
    ] = None,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Has the speech recognizer degraded? WER and CER against the baseline (or a benchmark),
    per window, with the audio's drift and a verdict."""
    from driftscope.workflows.asr import monitor_asr

    if reference_text == hypothesis_text:
        raise ParameterError(
            f"--reference-text and --hypothesis-text both name the column {reference_text!r}; "
            "expected the reference transcripts and the recognizer's output in two columns."
        )
    _check_choice(fail_on, _DECISIONS, "--fail-on")
    report = monitor_asr(
        baseline,
        new,
        reference_text=reference_text,
        hypothesis_text=hypothesis_text,
        column=column,
        allow_roots=allow_root,
        workers=workers,
        timestamp=timestamp,
        period=period,
        benchmark_wer=benchmark_wer,
        seed=seed,
    )
    _present(report, html, json_path, quiet)
    fail_on_verdict(report.verdict, fail_on)


def register(app: typer.Typer) -> None:
    """Add the image, audio and text groups and the `asr` command to ``app``."""
    from driftscope.cli import images_explain

    images_explain.register(images_app)
    app.add_typer(images_app, name="images")
    app.add_typer(audio_app, name="audio")
    app.add_typer(text_app, name="text")
    app.command("asr", epilog=ASR_EPILOG)(asr)
