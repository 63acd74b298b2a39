"""WER and CER, checked against jiwer and against hand-counted alignments."""

from __future__ import annotations

import jiwer
import numpy as np
import pytest

from driftscope.exceptions import ColumnError, EmptyDataError
from driftscope.metrics import speech

REFERENCES = [
    "the cat sat on the mat",
    "hello world",
    "a quick brown fox",
    "  spaces   around  ",
    "one",
    "",
    "speech recognition is hard",
]
HYPOTHESES = [
    "the cat sat on mat",
    "hello there world",
    "a quick brown box jumps",
    "spaces around",
    "",
    "noise",
    "speech wreck ignition is hard",
]


def test_wer_and_cer_match_jiwer() -> None:
    wer = speech.word_error_rate(REFERENCES, HYPOTHESES)
    expected = jiwer.process_words(REFERENCES, HYPOTHESES)
    assert wer.rate == pytest.approx(jiwer.wer(REFERENCES, HYPOTHESES), rel=1e-12)
    assert (wer.substitutions, wer.deletions, wer.insertions, wer.hits) == (
        expected.substitutions,
        expected.deletions,
        expected.insertions,
        expected.hits,
    )
    cer = speech.character_error_rate(REFERENCES, HYPOTHESES)
    assert cer.rate == pytest.approx(jiwer.cer(REFERENCES, HYPOTHESES), rel=1e-12)
    assert cer.n_reference_units == cer.hits + cer.substitutions + cer.deletions


def test_hand_counted_cases() -> None:
    # One deletion ("the") out of 6 reference words.
    r = speech.word_error_rate("the cat sat on the mat", "the cat sat on mat")
    assert (r.substitutions, r.deletions, r.insertions, r.hits) == (0, 1, 0, 5)
    assert r.rate == pytest.approx(1 / 6)
    # One substitution and one insertion out of 4 words.
    r = speech.word_error_rate(["a quick brown fox"], ["a quick brown box jumps"])
    assert (r.substitutions, r.deletions, r.insertions, r.hits, r.n_reference_units) == (
        1,
        0,
        1,
        3,
        4,
    )
    assert r.rate == 0.5
    # Characters: "kitten" -> "sitting" is 2 substitutions and 1 insertion over 6 characters.
    c = speech.character_error_rate(["kitten"], ["sitting"])
    assert (c.substitutions, c.deletions, c.insertions, c.hits) == (2, 0, 1, 4)
    assert c.rate == pytest.approx(3 / 6)
    # The rate is a ratio of sums over the corpus, not a mean of per-utterance rates.
    r = speech.word_error_rate(["a", "b c d e f g h i j"], ["x", "b c d e f g h i j"])
    assert r.rate == pytest.approx(1 / 10)


@pytest.mark.parametrize("unit", ["word", "char"])
def test_per_utterance_counts_sum_to_the_corpus_and_match_jiwer(unit: str) -> None:
    per = (
        speech.word_errors_per_utterance
        if unit == "word"
        else speech.character_errors_per_utterance
    )
    process = jiwer.process_words if unit == "word" else jiwer.process_characters
    counts = per(REFERENCES, HYPOTHESES)
    assert counts.n_utterances == len(REFERENCES)
    for i, (ref, hyp) in enumerate(zip(REFERENCES, HYPOTHESES, strict=True)):
        one = process(ref, hyp)
        assert (
            counts.substitutions[i],
            counts.deletions[i],
            counts.insertions[i],
            counts.hits[i],
        ) == (one.substitutions, one.deletions, one.insertions, one.hits)
    total = counts.total()
    assert int(counts.errors.sum()) == total.substitutions + total.deletions + total.insertions
    assert int(counts.n_reference_units.sum()) == total.n_reference_units
    assert counts.errors.dtype == np.int64
    with pytest.raises(ValueError, match="read-only"):
        counts.hits[0] = 5


def test_references_without_words_give_nan_rate() -> None:
    r = speech.word_error_rate(["", "  "], ["extra words", ""])
    assert np.isnan(r.rate)
    assert (r.insertions, r.n_reference_units) == (2, 0)


def test_validation_messages() -> None:
    with pytest.raises(ColumnError, match=r"same length\. Got 2 and 1\."):
        speech.word_error_rate(["a", "b"], ["a"])
    with pytest.raises(ColumnError, match=r"hypotheses as strings\. Got int at index 1\."):
        speech.character_error_rate(["a", "b"], ["a", 3])  # type: ignore[list-item]
    with pytest.raises(EmptyDataError, match="at least one utterance in references"):
        speech.word_error_rate([], [])
