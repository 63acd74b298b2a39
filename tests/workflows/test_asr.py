"""`workflows/asr.py`: monitor_asr and the `asr` command: word error rates by side and by
window, and the columns it is given; transcripts are text by their role, however short."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.workflows._sets import audio_set, read_report

import driftscope
from driftscope.cli import main
from driftscope.data.infer import infer_schema
from driftscope.data.schema import ColumnKind
from driftscope.exceptions import ParameterError, SchemaError
from driftscope.workflows.asr import monitor_asr

# A home voice assistant's commands: 2 to 6 words from a vocabulary of about 250, a few
# sentences said very often ("next song", "stop"), most of them rare. Slot values are drawn with
# Zipf weights, as people ask for some artists, rooms and contacts far more than others.
SLOTS = {
    "room": "kitchen bedroom bathroom office garage hallway garden basement attic nursery porch "
    "study lounge landing pantry",
    "device": "lights lamp fan heater tv speaker plug blinds radio kettle oven fridge dishwasher "
    "projector",
    "genre": "jazz rock pop classical country blues reggae folk metal soul disco techno punk "
    "gospel funk",
    "artist": "adele drake queen coldplay nirvana madonna beyonce eminem shakira prince oasis "
    "abba rihanna metallica radiohead blondie",
    "contact": "mum dad alice bob charlie dana emma frank grace henry isla jack kate leo maria "
    "nina oscar paul quinn rosa sam tom uma victor grandma",
    "number": "one two three four five six seven eight nine ten twelve fifteen twenty thirty "
    "forty sixty",
    "day": "today tomorrow tonight monday tuesday wednesday thursday friday saturday sunday",
    "city": "london paris berlin madrid rome tokyo sydney dublin oslo vienna lisbon prague "
    "cairo lima toronto boston chicago seattle denver miami athens warsaw zurich helsinki",
    "item": "milk eggs bread butter cheese apples bananas rice pasta coffee tea sugar flour "
    "onions tomatoes carrots yogurt chicken salmon lemons oranges cereal honey garlic potatoes "
    "spinach soap toothpaste",
}
COMMANDS = {
    "turn on the {room} {device}": 8,
    "turn off the {room} {device}": 8,
    "play {artist}": 6,
    "play some {genre}": 6,
    "set a timer for {number} minutes": 6,
    "weather {day}": 5,
    "call {contact}": 5,
    "stop": 4,
    "next song": 4,
    "volume up": 3,
    "volume down": 3,
    "what time is it": 3,
    "add {item} to my list": 3,
    "weather in {city}": 2,
    "remind me {day}": 2,
    "pause": 2,
    "dim the {room} lights": 2,
    "wake me at {number} {day}": 2,
    "text {contact} on my way": 1,
    "drive to {city}": 1,
}
#: From week to week people start ordering food: words the recognizer never learnt.
FOOD = {"order {dish} from {shop}": 6, "track my {dish} order": 3}
DISHES = {
    "dish": "pizza sushi burrito ramen falafel curry noodles",
    "shop": "dominos deliveroo wagamama nandos",
}


def _say(rng: np.random.Generator, n: int, commands: dict[str, int]) -> list[str]:
    templates = list(commands)
    weights = np.array(list(commands.values()), dtype=np.float64)
    slots = {name: words.split() for name, words in {**SLOTS, **DISHES}.items()}
    said = []
    for i in rng.choice(len(templates), n, p=weights / weights.sum()):
        fill = {k: v[min(int(rng.zipf(1.5)), len(v)) - 1] for k, v in slots.items()}
        said.append(templates[i].format(**fill))
    return said


def _hear(rng: np.random.Generator, said: str, error: float, unknown: dict[str, float]) -> str:
    """What the recognizer writes: each word wrong with probability ``error`` (``unknown``
    words at their own rate): another word of the vocabulary, dropped, or followed by "uh"."""
    vocabulary = sorted({w for words in SLOTS.values() for w in words.split()})
    heard: list[str] = []
    for word in said.split():
        if rng.random() >= unknown.get(word, error):
            heard.append(word)
        elif (kind := rng.random()) < 0.6:
            heard.append(str(rng.choice(vocabulary)))
        elif kind >= 0.85:
            heard += [word, "uh"]
    return " ".join(heard)


def _commands(
    seed: int,
    n: int = 1500,
    error: float = 0.05,
    commands: dict[str, int] = COMMANDS,
    unknown: dict[str, float] | None = None,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    said = _say(rng, n, commands)
    heard = [_hear(rng, s, error, unknown or {}) for s in said]
    return pd.DataFrame({"transcript": said, "hypothesis": heard})


def test_asr_cli_says_the_recognizer_degraded(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    words = [
        "the",
        "quick",
        "brown",
        "fox",
        "jumps",
        "over",
        "a",
        "lazy",
        "dog",
        "while",
        "birds",
        "sing",
    ]

    def add_text(table: Path, error_rate: float) -> None:
        frame = pd.read_csv(table)
        refs = [" ".join(rng.choice(words, 8)) for _ in range(len(frame))]
        frame["transcript"] = refs
        frame["asr"] = [
            " ".join(w if rng.random() > error_rate else "uh" for w in r.split()) for r in refs
        ]
        frame.to_csv(table, index=False)

    base = audio_set(tmp_path, "base", 60, 0.005, seed=0)
    new = audio_set(tmp_path, "new", 60, 0.08, seed=1)
    add_text(base, 0.05)
    add_text(new, 0.3)
    out = tmp_path / "asr.json"
    argv = [
        "asr",
        str(base),
        str(new),
        "--reference-text",
        "transcript",
        "--hypothesis-text",
        "asr",
    ]
    assert main([*argv, "--json", str(out), "-q", "--fail-on", "retrain"]) == 1
    data = read_report(out)
    assert data["verdict"]["decision"] == "retrain"
    assert data["inputs"]["modality"] == "audio"
    wer = next(m for m in data["performance"]["metrics"] if m["name"] == "wer")
    assert wer["current"] > wer["reference"]
    assert main([*argv[:5], "missing_col", "--hypothesis-text", "asr"]) == 2


def test_asr_windows_by_week(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = []
    for week in range(4):
        error = 0.05 if week < 2 else 0.35
        for i in range(110):  # windows need 100 rows to be analysed
            ref = " ".join(rng.choice(["yes", "no", "maybe", "later", "now", "stop"], 6))
            hyp = " ".join(w if rng.random() > error else "uh" for w in ref.split())
            day = pd.Timestamp("2026-03-02") + pd.Timedelta(days=7 * week + i % 7)
            rows.append({"ref": ref, "hyp": hyp, "ts": day.isoformat()})
    frame = pd.DataFrame(rows)
    base, new = tmp_path / "base.csv", tmp_path / "new.csv"
    frame.iloc[:220].to_csv(base, index=False)
    frame.to_csv(new, index=False)
    out = tmp_path / "asr.json"
    argv = ["asr", str(base), str(new), "--reference-text", "ref", "--hypothesis-text", "hyp"]
    assert main([*argv, "--timestamp", "ts", "--period", "W", "--json", str(out), "-q"]) == 0
    data = read_report(out)
    windows = data["windows"]["windows"]
    assert len(windows) == 4
    wer = [w["metrics"]["wer"] for w in windows]
    assert max(wer[:2]) < 0.1 < 0.25 < min(wer[2:])
    assert data["inputs"] is None  # no audio column: transcripts only


def test_the_same_column_as_reference_and_hypothesis_is_refused_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = tmp_path / "texts.csv"
    pd.DataFrame({"transcript": ["a b"] * 4, "asr": ["a b"] * 4}).to_csv(texts, index=False)
    options = ["--reference-text", "transcript", "--hypothesis-text", "transcript"]
    assert main(["asr", str(texts), str(texts), *options]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --reference-text and --hypothesis-text both name the column 'transcript'; "
        "expected the reference transcripts and the recognizer's output in two columns."
    )
    with pytest.raises(ParameterError, match=r"^reference_text and hypothesis_text both name"):
        monitor_asr(texts, texts, reference_text="asr", hypothesis_text="asr")


def test_healthy_short_commands_are_ok_and_their_transcripts_text() -> None:
    reference, current = _commands(1), _commands(2)
    # The premise: short, repeated sentences that the data alone would call categories (every
    # sentence the reference lacks would then be an unseen category, in a healthy week).
    words = reference["transcript"].str.split().str.len()
    assert 2 <= words.mean() <= 6
    assert 0.05 < reference["transcript"].nunique() / len(reference) < 0.5
    assert reference["transcript"].value_counts().iloc[0] > 50
    inferred, _ = infer_schema(reference, current)
    assert {s.kind for s in inferred} == {ColumnKind.CATEGORICAL}

    report = monitor_asr(
        reference, current, reference_text="transcript", hypothesis_text="hypothesis", seed=1
    )

    assert report.verdict is not None
    assert report.verdict.decision == "ok", report.verdict.reasons
    for name in ("transcript", "hypothesis"):
        assert report.schema[name].kind is ColumnKind.TEXT
        assert report.schema[name].note is not None
        assert report.schema[name].note.startswith("transcripts of a speech recognizer")
    assert report.quality is not None
    assert [c for c in report.quality.checks if c.check == "unseen_categories"] == []
    assert report.performance is not None
    assert report.performance.metric("wer").status == "ok"


@pytest.mark.parametrize(
    ("current", "low"),
    [
        pytest.param(_commands(3, error=0.15), 0.12, id="a noisier channel"),
        pytest.param(
            _commands(4, commands={**COMMANDS, **FOOD}, unknown=dict.fromkeys(
                " ".join(DISHES.values()).split(), 0.6)),
            0.07,
            id="new words the recognizer never learnt",
        ),
    ],
)  # fmt: skip
def test_a_real_shift_in_short_commands_is_a_wer_rise_and_retrain(
    current: pd.DataFrame, low: float
) -> None:
    report = monitor_asr(
        _commands(1), current, reference_text="transcript", hypothesis_text="hypothesis"
    )

    assert report.performance is not None
    wer = report.performance.metric("wer")
    assert wer.reference is not None
    assert wer.reference < 0.06
    assert wer.current is not None
    assert wer.current > low
    assert wer.status == "alert"
    assert report.verdict is not None
    assert report.verdict.decision == "retrain"
    assert report.schema["transcript"].kind is ColumnKind.TEXT


def test_a_kind_the_user_gives_a_transcript_column_still_wins() -> None:
    reference, current = _commands(1), _commands(2)
    schema = {"columns": {"transcript": {"kind": "categorical", "note": "mine"}}}

    report = driftscope.monitor(
        reference,
        current,
        schema,
        target="transcript",
        prediction="hypothesis",
        task="asr",
        n_resamples=200,
    )

    assert report.schema["transcript"].kind is ColumnKind.CATEGORICAL
    assert report.schema["transcript"].note == "mine"
    assert report.schema["hypothesis"].kind is ColumnKind.TEXT
    assert report.quality is not None
    # Categories by the user's word: the sentences the reference lacks are unseen categories.
    unseen = [c for c in report.quality.checks if c.check == "unseen_categories"]
    assert [c.column for c in unseen] == ["transcript"]


def test_compare_and_prepare_with_the_asr_task_test_transcripts_as_text() -> None:
    reference, current = _commands(1), _commands(2)
    options = {"target": "transcript", "prediction": "hypothesis", "task": "asr"}

    compared = driftscope.compare(reference, current, multivariate=False, **options)
    prepared = driftscope.compare(driftscope.prepare(reference, multivariate=False, **options),
                                  current, multivariate=False)  # fmt: skip

    for report in (compared, prepared):
        assert [(c.name, c.kind) for c in report.drift.columns] == [
            ("transcript", "text"),
            ("hypothesis", "text"),
        ]
    # Without the task nothing says these are transcripts: read as class labels, they are
    # too many, and the message names the task that fits.
    with pytest.raises(SchemaError, match=r"holds \d+ distinct values.*--task asr for speech"):
        driftscope.compare(reference, current, target="transcript", multivariate=False)
