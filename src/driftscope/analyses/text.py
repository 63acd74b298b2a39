"""Text drift: text features, term drift and embedding drift of two sets of texts together
(`driftscope.modalities.text` turns texts into features, terms and embeddings; this module adds
the embedding-drift test, an analysis)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope._validate import check_choice, check_int, check_probability
from driftscope.analyses.embeddings import MIN_ROWS, EmbeddingDrift, embedding_drift
from driftscope.exceptions import EmptyDataError
from driftscope.modalities.text import (
    EMBEDDING_METHODS,
    TermDrift,
    _embed,
    _features,
    _minilm_embed,
    _minilm_model,
    _term_drift,
    _Texts,
    _texts,
    _tfidf_svd,
    _vocabulary,
)

__all__ = ["TextDrift", "text_drift"]


@dataclass(frozen=True, eq=False)
class TextDrift:
    """Everything `text_drift` found.

    ``reference_features`` and ``current_features`` are `text_features` tables to pass to
    `driftscope.compare` (the reference's ``oov_rate`` is leave-one-out, see `text_drift`).
    ``embeddings`` is None when too few non-empty texts were left to embed and test; ``notes``
    say why.
    """

    reference_features: pd.DataFrame
    current_features: pd.DataFrame
    vocabulary_size: int
    terms: TermDrift
    embeddings: EmbeddingDrift | None
    embedding_method: str
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers (the feature tables are left to the drift core)."""
        return {
            "vocabulary_size": self.vocabulary_size,
            "terms": self.terms.to_dict(),
            "embedding_method": self.embedding_method,
            "embeddings": None if self.embeddings is None else self.embeddings.to_dict(),
            "notes": list(self.notes),
        }


def _embedding_drift(
    ref: _Texts,
    cur: _Texts,
    empty_ref: NDArray[np.bool_],
    empty_cur: NDArray[np.bool_],
    *,
    method: str,
    n_components: int,
    pca_components: int,
    alpha: float,
    seed: int,
) -> tuple[EmbeddingDrift | None, str | None]:
    ref_rows = np.flatnonzero(~empty_ref)
    cur_rows = np.flatnonzero(~empty_cur)
    if cur_rows.size < MIN_ROWS:
        return None, (
            f"Embedding drift needs at least {MIN_ROWS} non-empty current texts. "
            f"Got {cur_rows.size}."
        )
    if ref_rows.size < 2 * MIN_ROWS:
        return None, (
            f"Embedding drift needs at least {2 * MIN_ROWS} non-empty reference texts (half "
            f"fit the model, half are tested). Got {ref_rows.size}."
        )
    if method == "minilm":
        model = _minilm_model()
        ref_emb = _minilm_embed(model, ref.values.iloc[ref_rows])
        cur_emb = _minilm_embed(model, cur.values.iloc[cur_rows])
        result = embedding_drift(
            ref_emb, cur_emb, n_components=pca_components, alpha=alpha, seed=seed
        )
        return result, None
    # TF-IDF + SVD is fitted on a seeded half of the reference; the other half is compared with
    # the current, so both tested sides are equally new to the model.
    order = np.random.default_rng(seed).permutation(ref_rows)
    half = ref_rows.size // 2
    fit_rows, test_rows = np.sort(order[:half]), np.sort(order[half:])
    try:
        pipeline = _tfidf_svd(ref.tokens.iloc[fit_rows], n_components, seed)
    except EmptyDataError as error:
        return None, f"Embedding drift was not run: {error}"
    result = embedding_drift(
        _embed(pipeline, ref.tokens.iloc[test_rows]),
        _embed(pipeline, cur.tokens.iloc[cur_rows]),
        n_components=pca_components,
        alpha=alpha,
        seed=seed,
        pca_fit=_embed(pipeline, ref.tokens.iloc[fit_rows]),
    )
    return result, None


def text_drift(
    reference_texts: Sequence[str | None] | pd.Series,
    current_texts: Sequence[str | None] | pd.Series,
    *,
    embedding_method: str = "tfidf-svd",
    n_components: int = 64,
    pca_components: int = 10,
    top: int = 20,
    min_count: int = 5,
    vocabulary_min_count: int = 1,
    n_permutations: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> TextDrift:
    """Features, term drift and embedding drift of two sets of texts, tokenised once.

    - Features: `text_features` of both sides against the reference vocabulary
      (`build_vocabulary` with ``vocabulary_min_count``). For the *reference* rows the
      ``oov_rate`` is leave-one-out: a token counts as known when the *other* reference texts
      hold it at least ``vocabulary_min_count`` times. Against its own full vocabulary the
      reference would score 0 while fresh texts from the same source do not (every corpus has
      rare words), a difference that the drift core would report as drift.
    - Terms: `term_drift` with ``top``, ``min_count``, ``n_permutations``, ``alpha``, ``seed``.
    - Embeddings: of the non-empty texts (``empty`` is its own feature). With ``"tfidf-svd"``,
      TF-IDF + SVD (``n_components``) is fitted on a seeded half of the reference; the other
      half and the current are embedded and compared by
      `driftscope.analyses.embeddings.embedding_drift` (``pca_components``, with its PCA fitted
      on the first half's embeddings). With ``"minilm"``, all texts are embedded and
      `embedding_drift` splits the reference itself. Skipped, with a note, when fewer than 20
      non-empty reference or 10 non-empty current texts remain.

    >>> ref = [f"the {a} cat sat on the mat" for a in ("black", "white", "grey")] * 20
    >>> cur = [f"the {a} dog ran in the park" for a in ("black", "white", "grey")] * 20
    >>> result = text_drift(ref, cur, n_components=8, pca_components=4)
    >>> result.terms.drifted, result.embeddings.drifted
    (True, True)
    >>> float(result.current_features["oov_rate"].iloc[0])  # "dog", "ran", "in", "park"
    0.5714285714285714
    """
    owner = "text_drift"
    check_choice(owner, "embedding_method", embedding_method, EMBEDDING_METHODS)
    n_components = check_int(owner, "n_components", n_components, low=1)
    pca_components = check_int(owner, "pca_components", pca_components, low=1)
    top = check_int(owner, "top", top, low=0)
    min_count = check_int(owner, "min_count", min_count, low=1)
    vocabulary_min_count = check_int(owner, "vocabulary_min_count", vocabulary_min_count, low=1)
    n_permutations = check_int(owner, "n_permutations", n_permutations, low=1)
    alpha = check_probability(owner, "alpha", alpha)
    ref = _texts(reference_texts, owner, "reference_texts")
    cur = _texts(current_texts, owner, "current_texts")
    vocabulary = _vocabulary(ref.tokens, vocabulary_min_count)
    ref_features = _features(ref, vocabulary, leave_one_out_min_count=vocabulary_min_count)
    cur_features = _features(cur, vocabulary)
    terms = _term_drift(
        ref,
        cur,
        top=top,
        min_count=min_count,
        max_terms=1000,
        n_permutations=n_permutations,
        alpha=alpha,
        seed=seed,
    )
    embeddings, note = _embedding_drift(
        ref,
        cur,
        ref_features["empty"].to_numpy(dtype=bool),
        cur_features["empty"].to_numpy(dtype=bool),
        method=embedding_method,
        n_components=n_components,
        pca_components=pca_components,
        alpha=alpha,
        seed=seed,
    )
    notes = tuple(n for n in (terms.note, note) if n)
    return TextDrift(
        reference_features=ref_features,
        current_features=cur_features,
        vocabulary_size=len(vocabulary),
        terms=terms,
        embeddings=embeddings,
        embedding_method=embedding_method,
        notes=notes,
    )
