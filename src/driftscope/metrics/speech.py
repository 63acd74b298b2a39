"""Speech-recognition error rates (WER, CER) through jiwer's alignment, with per-utterance counts.

The error rate of a corpus is ``(S + D + I) / N``: substitutions, deletions and insertions of the
Levenshtein alignment of each hypothesis to its reference, summed over utterances, over the
number of reference units ``N = H + S + D`` (words or characters). It is a ratio of sums, not a
mean of per-utterance rates, so long utterances weigh more. The per-utterance counts
(`word_errors_per_utterance`, `character_errors_per_utterance`) are what a bootstrap resamples:
``bootstrap_ci_ratio(u.errors, u.n_reference_units)``.

Text is normalised as jiwer does by default: for words, surrounding and repeated spaces are
removed and the text is split on spaces; for characters, surrounding spaces are removed and every
other character, spaces included, is a unit. jiwer is imported on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from driftscope.exceptions import ColumnError, EmptyDataError

if TYPE_CHECKING:
    from jiwer import WordOutput

__all__ = [
    "ASRErrors",
    "UtteranceErrors",
    "character_error_rate",
    "character_errors_per_utterance",
    "word_error_rate",
    "word_errors_per_utterance",
]

CountArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ASRErrors:
    """Corpus-level alignment counts and error rate.

    ``rate = (substitutions + deletions + insertions) / n_reference_units``; it is NaN when the
    references hold no unit at all (then any insertion is an error with nothing to divide by).
    ``n_reference_units = hits + substitutions + deletions`` counts words (WER) or characters
    (CER) in the references.
    """

    rate: float
    substitutions: int
    deletions: int
    insertions: int
    hits: int
    n_reference_units: int


@dataclass(frozen=True, eq=False, slots=True)
class UtteranceErrors:
    """Alignment counts of each utterance, as read-only integer arrays of shape (n_utterances,).

    ``errors`` (S + D + I) and ``n_reference_units`` (H + S + D) are the numerator and the
    denominator of the error rate, per utterance.
    """

    substitutions: CountArray = field(repr=False)
    deletions: CountArray = field(repr=False)
    insertions: CountArray = field(repr=False)
    hits: CountArray = field(repr=False)

    def __post_init__(self) -> None:
        for array in (self.substitutions, self.deletions, self.insertions, self.hits):
            array.flags.writeable = False

    @property
    def errors(self) -> CountArray:
        """Substitutions + deletions + insertions of each utterance."""
        out: CountArray = self.substitutions + self.deletions + self.insertions
        return out

    @property
    def n_reference_units(self) -> CountArray:
        """Words or characters in each reference: hits + substitutions + deletions."""
        out: CountArray = self.hits + self.substitutions + self.deletions
        return out

    @property
    def n_utterances(self) -> int:
        """Number of utterances."""
        return int(self.hits.size)

    def total(self) -> ASRErrors:
        """The corpus-level counts and error rate."""
        s, d, i, h = (
            int(a.sum()) for a in (self.substitutions, self.deletions, self.insertions, self.hits)
        )
        n = h + s + d
        rate = (s + d + i) / n if n > 0 else float("nan")
        return ASRErrors(rate, s, d, i, h, n)


def _texts(values: str | Sequence[str], name: str, owner: str) -> list[str]:
    texts = [values] if isinstance(values, str) else list(values)
    if not texts:
        raise EmptyDataError(f"{owner} needs at least one utterance in {name}. Got none.")
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise ColumnError(
                f"{owner} needs {name} as strings. Got {type(text).__name__} at index {index}."
            )
    return texts


def _per_utterance(
    references: str | Sequence[str], hypotheses: str | Sequence[str], owner: str, unit: str
) -> UtteranceErrors:
    refs = _texts(references, "references", owner)
    hyps = _texts(hypotheses, "hypotheses", owner)
    if len(refs) != len(hyps):
        raise ColumnError(
            f"{owner} needs references and hypotheses of the same length. "
            f"Got {len(refs)} and {len(hyps)}."
        )
    try:
        import jiwer
    except ImportError as error:  # pragma: no cover - jiwer is a dependency
        raise ImportError(f"{owner} needs jiwer: pip install jiwer") from error
    output: WordOutput | jiwer.CharacterOutput
    if unit == "word":
        output = jiwer.process_words(refs, hyps)
    else:
        output = jiwer.process_characters(refs, hyps)
    counts = np.zeros((4, len(refs)), dtype=np.int64)
    # jiwer keeps only corpus totals; each utterance's counts are read off its alignment chunks.
    kinds = {"substitute": 0, "delete": 1, "insert": 2, "equal": 3}
    for index, chunks in enumerate(output.alignments):
        for chunk in chunks:
            row = kinds[chunk.type]
            if row == 2:
                counts[row, index] += chunk.hyp_end_idx - chunk.hyp_start_idx
            else:
                counts[row, index] += chunk.ref_end_idx - chunk.ref_start_idx
    return UtteranceErrors(counts[0], counts[1], counts[2], counts[3])


def word_errors_per_utterance(
    references: str | Sequence[str], hypotheses: str | Sequence[str]
) -> UtteranceErrors:
    """Word-level alignment counts of each utterance (jiwer's ``process_words``).

    >>> u = word_errors_per_utterance(["the cat sat", "a dog"], ["the cat sat down", "a fog"])
    >>> u.errors.tolist(), u.n_reference_units.tolist()
    ([1, 1], [3, 2])
    """
    return _per_utterance(references, hypotheses, "word_errors_per_utterance", "word")


def character_errors_per_utterance(
    references: str | Sequence[str], hypotheses: str | Sequence[str]
) -> UtteranceErrors:
    """Character-level alignment counts of each utterance (jiwer's ``process_characters``).

    >>> character_errors_per_utterance(["abc", "de"], ["abd", "de"]).errors.tolist()
    [1, 0]
    """
    return _per_utterance(references, hypotheses, "character_errors_per_utterance", "char")


def word_error_rate(references: str | Sequence[str], hypotheses: str | Sequence[str]) -> ASRErrors:
    """Word error rate of a corpus, with its substitution, deletion, insertion and hit counts.

    A single string is one utterance. Equal to ``jiwer.wer(references, hypotheses)`` whenever the
    references hold at least one word.

    >>> r = word_error_rate(["the cat sat on the mat"], ["the cat sat on mat today"])
    >>> r.rate, r.substitutions, r.deletions, r.insertions, r.hits, r.n_reference_units
    (0.3333333333333333, 2, 0, 0, 4, 6)
    """
    return _per_utterance(references, hypotheses, "word_error_rate", "word").total()


def character_error_rate(
    references: str | Sequence[str], hypotheses: str | Sequence[str]
) -> ASRErrors:
    """Character error rate of a corpus; spaces inside an utterance count as characters.

    Equal to ``jiwer.cer(references, hypotheses)`` whenever the references hold a character.

    >>> character_error_rate(["hello world"], ["hallo word"]).rate
    0.18181818181818182
    """
    return _per_utterance(references, hypotheses, "character_error_rate", "char").total()
