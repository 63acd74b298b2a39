"""Explanations of a text classifier: which words drive its predictions, and how that changed.

Each text is explained by LIME's text explainer (through the lime library: a seeded sample of
copies of the text with words removed, and a weighted linear fit of the class probability on
which words were kept) or by shap's partition explainer with a text masker (Owen values, which
add up to the probability of the text minus that of the text with every word masked). Words are
driftscope's tokens (`driftscope.modalities.text.TOKEN_PATTERN`), kept as spelt in the text;
the global view groups them lower-cased. See docs/explain-text.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope._validate import check_choice, check_int
from driftscope.analyses._explain_model import FILE_FORMATS
from driftscope.analyses._shap import import_lime, import_shap
from driftscope.exceptions import DriftscopeError, EmptyDataError, InputTypeError, ParameterError
from driftscope.models._tabular import ModelRunError, load_object

__all__ = [
    "TextExplainBounds",
    "TextExplainSettings",
    "TextExplainer",
    "TextExplanation",
    "TextRowExplanation",
    "TokenImportance",
    "TokenWeight",
    "explain_text",
    "explain_text_column",
    "is_text_model",
]

#: What separates two tokens: anything but word characters and the apostrophes inside a word,
#: so the words between separators are exactly the matches of `TOKEN_PATTERN`
#: (``\w+(?:['’]\w+)*``). LIME and shap both split on a pattern, so they are given this one.
_SEPARATOR = r"(?:[^\w'’]|(?<!\w)['’]|['’](?!\w))+"
_WORD = re.compile(r"\w+(?:['’]\w+)*")
#: Texts run through the model to check its output before explaining.
_PROBE = 8
#: The module of scikit-learn's text vectorizers: a pipeline that starts with one reads raw texts.
_VECTORIZERS = "sklearn.feature_extraction.text"


class TextExplainer(StrEnum):
    LIME = "lime"
    SHAP = "shap"


@dataclass(frozen=True)
class TextExplainSettings:
    """How much to explain, and how.

    ``max_texts`` texts of each side are explained (a seeded sample when there are more);
    ``num_samples`` bounds the model calls per text (LIME's perturbed copies, shap's masked
    evaluations); ``num_features`` the words LIME weighs per text (shap weighs every word).
    """

    method: str = "lime"
    num_features: int = 10
    num_samples: int = 500
    max_texts: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("TextExplainSettings", "method", self.method, [str(e) for e in TextExplainer])
        check_int("TextExplainSettings", "num_features", self.num_features, low=1)
        check_int("TextExplainSettings", "num_samples", self.num_samples, low=10)
        check_int("TextExplainSettings", "max_texts", self.max_texts, low=1)
        check_int("TextExplainSettings", "seed", self.seed, low=0)


@dataclass(frozen=True)
class TokenWeight:
    token: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"token": self.token, "weight": self.weight}


@dataclass(frozen=True)
class TextRowExplanation:
    """One text explained: its position in the list given (``index``), the class explained and
    its probability, the class predicted, and each word's weight on that probability (largest
    ``|weight|`` first). ``base_value`` is the probability with every word masked (shap only)."""

    side: str
    index: int
    text: str
    explained_class: str
    probability: float
    predicted_class: str
    base_value: float | None
    weights: tuple[TokenWeight, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "index": self.index,
            "text": self.text,
            "explained_class": self.explained_class,
            "probability": self.probability,
            "predicted_class": self.predicted_class,
            "base_value": self.base_value,
            "weights": [w.to_dict() for w in self.weights],
        }


@dataclass(frozen=True)
class TokenImportance:
    """A word's global importance (lower-cased): its mean ``|weight|`` over the explained texts
    of each side (a text without it counts 0; None where that side was not explained), the
    change, the number of explained texts holding it, and its rank on each side (1 = most
    important)."""

    token: str
    reference: float | None
    current: float
    change: float | None
    reference_texts: int | None
    current_texts: int
    reference_rank: int | None
    current_rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "reference": self.reference,
            "current": self.current,
            "change": self.change,
            "reference_texts": self.reference_texts,
            "current_texts": self.current_texts,
            "reference_rank": self.reference_rank,
            "current_rank": self.current_rank,
        }


@dataclass(frozen=True)
class TextExplainBounds:
    """What was explained of what was given, so a report can print it."""

    current_texts: int
    current_total: int
    reference_texts: int
    reference_total: int
    samples_per_text: int
    features_per_text: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "current_texts": self.current_texts,
            "current_total": self.current_total,
            "reference_texts": self.reference_texts,
            "reference_total": self.reference_total,
            "samples_per_text": self.samples_per_text,
            "features_per_text": self.features_per_text,
        }

    def describe(self) -> str:
        parts = [f"{self.current_texts:,} of {self.current_total:,} texts"]
        if self.reference_total:
            parts.append(f"{self.reference_texts:,} of {self.reference_total:,} reference texts")
        parts.append(f"at most {self.samples_per_text:,} model calls per text")
        if self.features_per_text is not None:
            parts.append(f"the {self.features_per_text:,} strongest words of each text")
        return "explained " + ", ".join(parts)


@dataclass(frozen=True)
class TextExplanation:
    """Word attributions of a text classifier on ``texts`` and (optionally) on reference texts.

    ``explainer`` says which method made them; ``classes`` the model's classes;
    ``explained_class`` the class asked for (None: each text's predicted class); ``importance``
    each word's global importance, the words whose importance rose most first when a reference
    was given, else the most important first; ``texts``/``reference_texts`` every explained text
    with its word weights; ``additivity`` the largest gap between a text's probability and its
    base value plus its weights (shap only: LIME's weights are not meant to add up).
    """

    explainer: str
    model: str
    classes: tuple[str, ...]
    explained_class: str | None
    importance: tuple[TokenImportance, ...]
    texts: tuple[TextRowExplanation, ...]
    reference_texts: tuple[TextRowExplanation, ...]
    bounds: TextExplainBounds
    additivity: float | None
    warnings: tuple[str, ...] = ()

    def top(self, n: int = 10, side: str = "current") -> list[str]:
        """The ``n`` most important words on ``side`` (``"current"`` or ``"reference"``)."""
        key = "current" if side == "current" else "reference"
        ranked = sorted(
            (i for i in self.importance if getattr(i, key)),
            key=lambda i: -float(getattr(i, key)),
        )
        return [i.token for i in ranked[:n]]

    def rising(self, n: int = 10) -> list[str]:
        """The ``n`` words whose importance rose most from the reference (empty without one)."""
        return [i.token for i in self.importance if i.change is not None and i.change > 0][:n]

    def risen(self, share: float) -> list[str]:
        """The words whose importance rose by more than ``share`` of the reference's total
        importance (the sum over its words), as `Explanation.risen` for features: what the model
        leans on now that it did not before. Empty without a reference.

        >>> up = TokenImportance("refund", 0.1, 0.5, 0.4, 5, 9, 3, 1)
        >>> flat = TokenImportance("shoes", 0.4, 0.4, 0.0, 8, 8, 1, 2)
        >>> bounds = TextExplainBounds(10, 10, 10, 10, 500, 10)
        >>> TextExplanation("lime", "m", ("a", "b"), None, (up, flat), (), (), bounds,
        ...                 None).risen(0.5)
        ['refund']
        """
        total = sum(i.reference or 0.0 for i in self.importance)
        return [
            i.token
            for i in self.importance
            if i.change is not None and total > 0 and i.change > share * total
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "explainer": self.explainer,
            "model": self.model,
            "classes": list(self.classes),
            "explained_class": self.explained_class,
            "importance": [i.to_dict() for i in self.importance],
            "texts": [t.to_dict() for t in self.texts],
            "reference_texts": [t.to_dict() for t in self.reference_texts],
            "bounds": self.bounds.to_dict(),
            "additivity": self.additivity,
            "warnings": list(self.warnings),
        }


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _TextModel:
    """``proba(texts)``: class probabilities, texts x classes, in the order of ``classes``."""

    name: str
    classes: tuple[str, ...]
    proba: Callable[[list[str]], NDArray[np.float64]]


def _runner(function: Callable[[Any], Any], name: str) -> Callable[[list[str]], NDArray[Any]]:
    def proba(texts: list[str]) -> NDArray[Any]:
        try:
            out = function(texts)
        except Exception as exc:  # the user's model: any failure on the texts is its message
            raise ModelRunError(
                f"model {name} failed on the texts: {type(exc).__name__}: {exc}"
            ) from None
        try:
            return np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError) as exc:  # text or ragged rows
            raise ModelRunError(
                f"model {name} returned something that is not numbers: {exc}"
            ) from None

    return proba


def _load(model: str | Path, allow_pickle: bool = False) -> tuple[Any, str]:
    path = Path(model)
    if not path.is_file():
        raise ModelRunError(f"model file {path} does not exist.")
    fmt = FILE_FORMATS.get(path.suffix.lower())
    if fmt is None or (fmt != "skops" and not allow_pickle):
        why = (
            ", which runs code when loaded (allow it with allow_pickle=True, --allow-pickle, "
            "if you trust the file)"
            if fmt is not None
            else ""
        )
        raise ModelRunError(
            f"model {path}: expected a .skops file of a scikit-learn pipeline, got a "
            f"{path.suffix or 'file without a suffix'}{why}."
        )
    return load_object(path, fmt, f"model {path.name}"), path.name


def is_text_model(model: Any, allow_pickle: bool = False) -> bool:
    """Whether ``model`` reads raw texts: a scikit-learn pipeline whose first step is one of
    scikit-learn's text vectorizers (``TfidfVectorizer``, ``CountVectorizer``,
    ``HashingVectorizer``), or a ``.skops`` file (a pickle with ``allow_pickle``) of one. A file
    that does not load is not one (the tabular explainer then says why it does not load).

    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> is_text_model(make_pipeline(TfidfVectorizer(), LogisticRegression()))
    True
    >>> is_text_model(LogisticRegression())
    False
    """
    if isinstance(model, str | Path):
        try:
            model, _ = _load(model, allow_pickle)
        except DriftscopeError:
            return False
    steps = getattr(model, "steps", None)
    if not isinstance(steps, list) or not steps:
        return False
    first = steps[0][1] if isinstance(steps[0], tuple) else steps[0]
    return type(first).__module__.startswith(_VECTORIZERS)


def _text_model(
    model: Any,
    probe: list[str],
    class_names: Sequence[str] | None,
    allow_pickle: bool = False,
) -> _TextModel:
    name = getattr(model, "__name__", type(model).__name__)
    if isinstance(model, str | Path):
        model, name = _load(model, allow_pickle)
    if hasattr(model, "predict_proba"):
        proba = _runner(model.predict_proba, name)
        own = getattr(model, "classes_", None)
    elif hasattr(model, "predict"):
        raise ModelRunError(
            f"model {name}: a {type(model).__name__} has predict but no predict_proba; text "
            "explanations weigh words by their effect on class probabilities. Use a classifier "
            "with predict_proba (e.g. LogisticRegression) or pass a callable returning them."
        )
    elif callable(model):
        proba = _runner(model, name)
        own = None
    else:
        raise InputTypeError(
            f"model: expected a scikit-learn pipeline with predict_proba on raw texts, a path "
            f"to a .skops file of one, or a callable taking a list of str and returning class "
            f"probabilities; got a {type(model).__name__}."
        )
    out = proba(probe)
    if out.ndim != 2 or out.shape[0] != len(probe) or out.shape[1] < 2:
        raise ModelRunError(
            f"model {name} returned shape {out.shape} for {len(probe)} texts; expected class "
            f"probabilities ({len(probe)}, classes) with at least 2 classes (for one "
            "probability p per text, return np.column_stack([1 - p, p]))."
        )
    if not np.isfinite(out).all():
        raise ModelRunError(f"model {name} returned NaN or infinite probabilities.")
    classes = tuple(str(c) for c in own) if own is not None else ()
    if len(classes) != out.shape[1]:
        classes = tuple(str(k) for k in range(out.shape[1]))
    if class_names is not None:
        if len(class_names) != len(classes):
            raise ParameterError(
                f"class_names has {len(class_names)} names for the model's {len(classes)} classes."
            )
        classes = tuple(str(c) for c in class_names)
    return _TextModel(name, classes, proba)


def _class_index(model: _TextModel, explained_class: str | int | None) -> int | None:
    if explained_class is None:
        return None
    if str(explained_class) in model.classes:
        return model.classes.index(str(explained_class))
    if isinstance(explained_class, int) and 0 <= explained_class < len(model.classes):
        return explained_class
    raise ParameterError(
        f"explained_class {explained_class!r} is not one of the model's classes "
        f"{list(model.classes)} (nor a position in them)."
    )


# --- inputs -------------------------------------------------------------------------------


def _checked_texts(name: str, texts: Any) -> list[str]:
    if isinstance(texts, str | bytes) or not hasattr(texts, "__iter__"):
        raise InputTypeError(
            f"{name}: expected a list (or pandas Series) of str, got a {type(texts).__name__}."
        )
    values = list(texts)
    if not values:
        raise EmptyDataError(f"{name} is empty; explanations need at least one text.")
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise InputTypeError(
                f"{name}[{i}] is a {type(value).__name__}, not a str; drop missing texts and "
                "convert the others to str first."
            )
    return values


def _sample(n: int, limit: int, seed: int) -> NDArray[np.int64]:
    if n <= limit:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=limit, replace=False))


# --- explainers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Weights:
    """One text's weights for the explained class, its words, and (shap) the base value."""

    weights: tuple[TokenWeight, ...]
    words: tuple[str, ...]
    base: float | None


def _sorted(pairs: Sequence[tuple[str, float]]) -> tuple[TokenWeight, ...]:
    ordered = sorted(pairs, key=lambda p: -abs(p[1]))
    return tuple(TokenWeight(str(t), float(w)) for t, w in ordered)


def _one_word(
    text: str, words: list[re.Match[str]], model: _TextModel, k: int, masked: str
) -> _Weights:
    """A text of at most one word: its weight is exactly the probability lost by masking it
    (LIME cannot fit a line to one feature, shap's partition tree needs two)."""
    if not words:
        return _Weights((), (), None)
    word = words[0].group()
    out = model.proba([text, masked])
    return _Weights(_sorted([(word, out[0, k] - out[1, k])]), (word,), float(out[1, k]))


def _lime(
    model: _TextModel, texts: list[str], labels: list[int], settings: TextExplainSettings
) -> list[_Weights]:
    explainer = import_lime("lime_text").LimeTextExplainer(
        class_names=list(model.classes),
        split_expression=_SEPARATOR,
        random_state=settings.seed,
    )
    out = []
    for text, k in zip(texts, labels, strict=True):
        words = list(_WORD.finditer(text))
        if len({w.group() for w in words}) <= 1:
            # one word, perhaps repeated: LIME removes every copy of a word at once
            masked = _WORD.sub("", text)
            one = _one_word(text, words, model, k, masked)
            out.append(_Weights(one.weights, one.words, None))
            continue
        explained = explainer.explain_instance(
            text,
            model.proba,
            labels=(k,),
            num_features=settings.num_features,
            num_samples=settings.num_samples,
        )
        vocabulary = tuple(str(w) for w in explained.domain_mapper.indexed_string.inverse_vocab)
        out.append(_Weights(_sorted(explained.as_list(label=k)), vocabulary, None))
    return out


def _shap(
    model: _TextModel, texts: list[str], labels: list[int], settings: TextExplainSettings
) -> list[_Weights]:
    shap = import_shap()
    masker = shap.maskers.Text(_SEPARATOR)

    def function(masked: Any) -> NDArray[np.float64]:
        return model.proba([str(t) for t in masked])

    explainer = shap.Explainer(
        function, masker, output_names=list(model.classes), seed=settings.seed
    )
    out: list[_Weights] = []
    for text, k in zip(texts, labels, strict=True):
        words = list(_WORD.finditer(text))
        if len(words) <= 1:
            masked = str(masker(np.zeros(len(words), dtype=bool), text)[0][0])
            out.append(_one_word(text, words, model, k, masked))
            continue
        # shap's text masker asks for 5 masked texts per model call by default: larger batches
        # give the same values with a fifth of the calls (each call costs a pipeline's overhead)
        result = explainer([text], max_evals=settings.num_samples, batch_size=50, silent=True)
        tokens = [str(t).strip() for t in result.data[0]]
        values = np.asarray(result.values[0], dtype=np.float64)[:, k]
        base = float(np.asarray(result.base_values[0], dtype=np.float64)[k])
        # a word twice in a text is two tokens to shap: its weight is their sum, as in LIME
        summed: dict[str, float] = {}
        for token, value in zip(tokens, values, strict=True):
            summed[token] = summed.get(token, 0.0) + float(value)
        out.append(_Weights(_sorted(list(summed.items())), tuple(summed), base))
    return out


# --- assembly -----------------------------------------------------------------------------


def _explain_side(
    side: str,
    model: _TextModel,
    texts: list[str],
    keep: NDArray[np.int64],
    k: int | None,
    settings: TextExplainSettings,
) -> tuple[tuple[TextRowExplanation, ...], float | None]:
    chosen = [texts[i] for i in keep]
    probabilities = model.proba(chosen)
    predicted = probabilities.argmax(axis=1)
    labels = [int(p) if k is None else k for p in predicted]
    run = _lime if settings.method == TextExplainer.LIME else _shap
    weights = run(model, chosen, labels, settings)
    rows = []
    gaps = []
    for j, (i, w) in enumerate(zip(keep, weights, strict=True)):
        probability = float(probabilities[j, labels[j]])
        if w.base is not None:
            gaps.append(abs(w.base + sum(t.weight for t in w.weights) - probability))
        rows.append(
            TextRowExplanation(
                side=side,
                index=int(i),
                text=chosen[j],
                explained_class=model.classes[labels[j]],
                probability=probability,
                predicted_class=model.classes[int(predicted[j])],
                base_value=w.base,
                weights=w.weights,
            )
        )
    additivity = max(gaps) if gaps and settings.method == TextExplainer.SHAP else None
    return tuple(rows), additivity


def _side_importance(
    rows: Sequence[TextRowExplanation],
) -> tuple[dict[str, float], dict[str, int]]:
    total: dict[str, float] = {}
    counts: dict[str, int] = {}
    for row in rows:
        per_text: dict[str, float] = {}
        for w in row.weights:
            key = w.token.lower()
            per_text[key] = per_text.get(key, 0.0) + w.weight
        for key, value in per_text.items():
            total[key] = total.get(key, 0.0) + abs(value)
        for key in {m.group().lower() for m in _WORD.finditer(row.text)}:
            counts[key] = counts.get(key, 0) + 1
    n = max(len(rows), 1)
    return {key: value / n for key, value in total.items()}, counts


def _ranks(values: dict[str, float]) -> dict[str, int]:
    ordered = sorted(values, key=lambda t: (-values[t], t))
    return {token: rank for rank, token in enumerate(ordered, start=1)}


def _importance(
    current: Sequence[TextRowExplanation], reference: Sequence[TextRowExplanation] | None
) -> tuple[TokenImportance, ...]:
    cur, cur_counts = _side_importance(current)
    cur_rank = _ranks(cur)
    if reference is None:
        items = [
            TokenImportance(t, None, cur.get(t, 0.0), None, None, n, None, cur_rank.get(t))
            for t, n in cur_counts.items()
        ]
        return tuple(sorted(items, key=lambda i: (-i.current, i.token)))
    ref, ref_counts = _side_importance(reference)
    ref_rank = _ranks(ref)
    tokens = set(cur_counts) | set(ref_counts) | set(cur) | set(ref)
    items = [
        TokenImportance(
            token=t,
            reference=ref.get(t, 0.0),
            current=cur.get(t, 0.0),
            change=cur.get(t, 0.0) - ref.get(t, 0.0),
            reference_texts=ref_counts.get(t, 0),
            current_texts=cur_counts.get(t, 0),
            reference_rank=ref_rank.get(t),
            current_rank=cur_rank.get(t),
        )
        for t in tokens
    ]
    return tuple(sorted(items, key=lambda i: (-(i.change or 0.0), -i.current, i.token)))


def explain_text(
    model: Any,
    texts: Sequence[str],
    *,
    reference: Sequence[str] | None = None,
    method: str = "lime",
    class_names: Sequence[str] | None = None,
    explained_class: str | int | None = None,
    num_features: int = 10,
    num_samples: int = 500,
    max_texts: int = 200,
    seed: int = 0,
    settings: TextExplainSettings | None = None,
    allow_pickle: bool = False,
) -> TextExplanation:
    """Explain a text classifier's predictions on ``texts`` and, when given, on ``reference``.

    ``model`` is a scikit-learn estimator or pipeline with ``predict_proba`` on raw strings
    (e.g. ``TfidfVectorizer`` + ``LogisticRegression``), a path to a ``.skops`` file of one
    (loaded safely: only scikit-learn, numpy and scipy types), or a callable taking a list of
    str and returning class probabilities (texts x classes). ``method`` is ``lime`` or
    ``shap``. Each text is explained for ``explained_class`` (a class name, or its position),
    by default for the class the model predicts for it. At most ``max_texts`` texts per side
    are explained (a seeded sample). The flat keywords build a `TextExplainSettings` unless
    ``settings`` is given. A pickle or joblib file is loaded only with ``allow_pickle`` (it runs
    code when loaded).

    >>> import numpy as np
    >>> def model(texts):  # the probability of a complaint rises with "refund"
    ...     p = np.array([0.9 if "refund" in t else 0.2 for t in texts])
    ...     return np.column_stack([1 - p, p])
    >>> result = explain_text(model, ["I want a refund now", "nice shoes thanks"],
    ...                       reference=["nice shoes", "great fit thanks"],
    ...                       class_names=["other", "complaint"], explained_class="complaint")
    >>> result.top(1), result.rising(1)
    (['refund'], ['refund'])
    >>> result.bounds.reference_texts, result.bounds.samples_per_text
    (2, 500)
    """
    settings = settings or TextExplainSettings(
        method=method,
        num_features=num_features,
        num_samples=num_samples,
        max_texts=max_texts,
        seed=seed,
    )
    current = _checked_texts("texts", texts)
    before = None if reference is None else _checked_texts("reference", reference)
    explained = _text_model(model, current[:_PROBE], class_names, allow_pickle)
    k = _class_index(explained, explained_class)
    cur_keep = _sample(len(current), settings.max_texts, settings.seed + 1)
    cur_rows, cur_gap = _explain_side("current", explained, current, cur_keep, k, settings)
    ref_rows: tuple[TextRowExplanation, ...] = ()
    ref_gap = None
    if before is not None:
        ref_keep = _sample(len(before), settings.max_texts, settings.seed)
        ref_rows, ref_gap = _explain_side("reference", explained, before, ref_keep, k, settings)
    notes = []
    if k is None:
        notes.append(
            "each text is explained for the class the model predicts for it; pass "
            "explained_class (--class on the command line) to weigh every text on the same "
            "class"
        )
    gaps = [g for g in (cur_gap, ref_gap) if g is not None]
    lime = settings.method == TextExplainer.LIME
    return TextExplanation(
        explainer=str(settings.method),
        model=explained.name,
        classes=explained.classes,
        explained_class=None if k is None else explained.classes[k],
        importance=_importance(cur_rows, None if before is None else ref_rows),
        texts=cur_rows,
        reference_texts=ref_rows,
        bounds=TextExplainBounds(
            current_texts=len(cur_rows),
            current_total=len(current),
            reference_texts=len(ref_rows),
            reference_total=0 if before is None else len(before),
            samples_per_text=settings.num_samples,
            features_per_text=settings.num_features if lime else None,
        ),
        additivity=max(gaps) if gaps else None,
        warnings=tuple(notes),
    )


# --- a column of a table ------------------------------------------------------------------


def _present(name: str, values: Any) -> tuple[list[str], NDArray[np.int64]]:
    """The texts of a column without its missing values (as str), and their positions in it."""
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise InputTypeError(
            f"{name}: expected a list (or pandas Series) of texts, got a {type(values).__name__}."
        )
    series = pd.Series(list(values), dtype=object)
    kept = np.flatnonzero(series.notna().to_numpy())
    if len(kept) == 0:
        rows = f"{len(series):,} rows, all missing" if len(series) else "no rows"
        raise EmptyDataError(f"{name} has no texts ({rows}); explanations need at least one.")
    return [str(v) for v in series.iloc[kept]], kept


def _placed(
    rows: tuple[TextRowExplanation, ...], positions: NDArray[np.int64]
) -> tuple[TextRowExplanation, ...]:
    return tuple(replace(r, index=int(positions[r.index])) for r in rows)


def explain_text_column(
    model: Any,
    current: Any,
    reference: Any = None,
    *,
    column: str = "texts",
    explained_class: str | int | None = None,
    settings: TextExplainSettings | None = None,
    allow_pickle: bool = False,
) -> TextExplanation:
    """`explain_text` on a column of texts of a table (a pandas Series, or a list), the
    reference's optional: missing values (None, NaN) are left out with a warning, other values
    read as text, and each explained text's ``index`` is its row position in the column.

    >>> import numpy as np, pandas as pd
    >>> def model(texts):
    ...     p = np.array([0.9 if "refund" in t else 0.2 for t in texts])
    ...     return np.column_stack([1 - p, p])
    >>> result = explain_text_column(model, pd.Series([None, "a refund please", "thanks"]),
    ...                              column="review", explained_class=1)
    >>> [row.index for row in result.texts], result.top(1)
    ([1, 2], ['refund'])
    >>> result.warnings[-1]
    "1 of 3 current texts of column 'review' are missing and were left out"
    """
    settings = settings or TextExplainSettings()
    texts, at = _present(f"column {column!r} of current", current)
    before = None if reference is None else _present(f"column {column!r} of reference", reference)
    result = explain_text(
        model,
        texts,
        reference=None if before is None else before[0],
        explained_class=explained_class,
        settings=settings,
        allow_pickle=allow_pickle,
    )
    notes = list(result.warnings)
    totals = {"current": (len(texts), len(current))}
    if before is not None:
        totals["reference"] = (len(before[0]), len(reference))
    for side, (kept, total) in totals.items():
        if kept < total:
            notes.append(
                f"{total - kept:,} of {total:,} {side} texts of column {column!r} are missing "
                "and were left out"
            )
    return replace(
        result,
        texts=_placed(result.texts, at),
        reference_texts=result.reference_texts
        if before is None
        else _placed(result.reference_texts, before[1]),
        bounds=replace(
            result.bounds,
            current_total=len(current),
            reference_total=0 if reference is None else len(reference),
        ),
        warnings=tuple(notes),
    )
