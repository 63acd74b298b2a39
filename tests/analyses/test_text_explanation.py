"""Text explanations: LIME and shap word weights checked against the model's own coefficients,
an exact one-word model and shap's additivity; seeding; reference against current; skops files;
bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

import driftscope
from driftscope.analyses.text_explanation import (
    TextExplainSettings,
    TokenWeight,
    explain_text,
)
from driftscope.exceptions import EmptyDataError, InputTypeError, ParameterError
from driftscope.models._tabular import ModelRunError

#: Word -> how much it pushes a review towards positive (the data's truth).
_SENTIMENT = {
    "excellent": 4.0,
    "superb": 2.0,
    "good": 1.0,
    "bad": -0.7,
    "awful": -1.5,
    "terrible": -3.0,
}
_NEUTRAL = ["the", "film", "plot", "actor", "was", "and", "music", "ending", "scene", "today"]


def _reviews(n: int, seed: int) -> tuple[list[str], NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    words = list(_SENTIMENT)
    texts, labels = [], []
    for _ in range(n):
        chosen = list(rng.choice(words, size=rng.integers(1, 4), replace=False))
        chosen += list(rng.choice(_NEUTRAL, size=rng.integers(2, 6), replace=False))
        rng.shuffle(chosen)
        score = sum(_SENTIMENT.get(w, 0.0) for w in chosen) + rng.normal(scale=0.5)
        texts.append(" ".join(chosen))
        labels.append(int(score > 0))
    return texts, np.array(labels)


def _sentiment_model() -> tuple[Pipeline, list[str]]:
    texts, labels = _reviews(2000, seed=0)
    model = make_pipeline(CountVectorizer(binary=True), LogisticRegression(C=10.0))
    model.fit(texts, labels)
    return model, texts


def _refund(texts: list[str]) -> NDArray[np.float64]:
    """A complaint classifier that reads one word (shap's masker glues its "..." to the next
    word, so words are found as a vectorizer would, not by splitting on spaces)."""
    p = np.array([0.9 if "refund" in re.findall(r"\w+", t.lower()) else 0.1 for t in texts])
    return np.column_stack([1 - p, p])


def test_lime_weights_follow_the_logistic_coefficients() -> None:
    model, _ = _sentiment_model()
    vectorizer, classifier = model[0], model[-1]
    coef = dict(zip(vectorizer.get_feature_names_out(), classifier.coef_[0], strict=True))
    texts, _ = _reviews(30, seed=1)
    result = explain_text(model, texts, explained_class=1, num_samples=300, seed=0)
    assert result.explainer == "lime"
    assert result.explained_class == "1"
    assert result.classes == ("0", "1")
    checked = 0
    for row in result.texts:
        weights = {w.token: w.weight for w in row.weights}
        for token, weight in weights.items():
            if abs(coef[token]) > 1.0:  # the sentiment words; neutral ones are ~0 either way
                assert np.sign(weight) == np.sign(coef[token]), (row.text, token)
        strongest, second = sorted(set(row.text.split()), key=lambda t: -abs(coef[t]))[:2]
        if abs(coef[strongest]) > 1.3 * abs(coef[second]):
            # (a word only a little stronger can weigh less where the sigmoid flattens it)
            assert row.weights[0].token == strongest, row.text
            checked += 1
        assert row.probability == pytest.approx(model.predict_proba([row.text])[0, 1])
    assert checked >= 20
    # globally the strongest words lead too
    assert set(result.top(6)) == set(_SENTIMENT)
    assert result.top(1) == ["excellent"]


def test_predicted_class_by_default() -> None:
    model, _ = _sentiment_model()
    texts = ["excellent film and music", "terrible plot today"]
    result = explain_text(model, texts, num_samples=200)
    assert result.explained_class is None
    assert [r.explained_class for r in result.texts] == ["1", "0"]
    assert [r.predicted_class for r in result.texts] == ["1", "0"]
    # each text's decisive word raises the probability of its own predicted class
    assert result.texts[0].weights[0].token == "excellent"
    assert result.texts[0].weights[0].weight > 0
    assert result.texts[1].weights[0].token == "terrible"
    assert result.texts[1].weights[0].weight > 0
    assert any("predicts" in w for w in result.warnings)


@pytest.mark.parametrize("method", ["lime", "shap"])
def test_a_model_that_reads_one_word(method: str) -> None:
    texts = [
        "I want a refund for this order",
        "please send my refund today",
        "the parcel came late and broken",
        "refund",
    ]
    result = explain_text(
        _refund, texts, method=method, explained_class=1, class_names=["other", "complaint"]
    )
    assert result.explained_class == "complaint"
    for row in result.texts:
        if "refund" in row.text:
            assert row.weights[0].token == "refund"
            assert row.weights[0].weight == pytest.approx(0.8, abs=0.05)
            assert all(abs(w.weight) < 0.02 for w in row.weights[1:])
        else:
            assert all(abs(w.weight) < 0.02 for w in row.weights)
    assert result.top(1) == ["refund"]
    refund = next(i for i in result.importance if i.token == "refund")
    assert refund.current_texts == 3
    assert refund.current_rank == 1


def test_seeded() -> None:
    model, _ = _sentiment_model()
    texts, _ = _reviews(8, seed=2)
    first = explain_text(model, texts, explained_class=1, num_samples=100, seed=3)
    again = explain_text(model, texts, explained_class=1, num_samples=100, seed=3)
    other = explain_text(model, texts, explained_class=1, num_samples=100, seed=4)
    assert first == again
    assert first.to_dict() == again.to_dict()
    weights = [[w.weight for w in r.weights] for r in first.texts]
    assert weights != [[w.weight for w in r.weights] for r in other.texts]


def test_a_new_strong_word_in_current_ranks_first_in_change() -> None:
    def model(texts: list[str]) -> NDArray[np.float64]:
        scores = np.array(
            [2.5 * ("refund" in t.split()) + 0.5 * ("late" in t.split()) - 1.0 for t in texts]
        )
        p = 1 / (1 + np.exp(-scores))
        return np.column_stack([1 - p, p])

    rng = np.random.default_rng(0)
    filler = ["my", "order", "was", "late", "box", "arrived", "today", "thanks"]
    reference = [" ".join(rng.choice(filler, 5, replace=False)) for _ in range(30)]
    current = [
        " ".join(
            [*rng.choice(filler, 4, replace=False), "refund"]
            if i % 2
            else rng.choice(filler, 5, replace=False)
        )
        for i in range(30)
    ]
    result = explain_text(model, current, reference=reference, explained_class=1, num_samples=200)
    assert result.rising(1) == ["refund"]
    assert result.importance[0].token == "refund"
    first = result.importance[0]
    assert first.reference == 0.0
    assert first.reference_texts == 0
    assert first.current_texts == 15
    assert first.change is not None
    assert first.change > 0.1
    assert "late" in result.top(3, side="reference")
    assert result.bounds.reference_total == 30
    assert len(result.reference_texts) == 30
    json.dumps(result.to_dict())


def test_shap_values_add_up_to_the_probability_change() -> None:
    model, _ = _sentiment_model()
    texts = ["excellent film but awful music", "the plot was good and the ending bad today"]
    result = explain_text(model, texts, method="shap", explained_class=1, num_samples=500)
    assert result.explainer == "shap"
    assert result.additivity is not None
    assert result.additivity < 1e-6
    assert result.bounds.features_per_text is None
    for row in result.texts:
        assert row.base_value is not None
        # the oracle: the model on the text, and on the text with every word masked by shap
        masked = "..."
        full, empty = model.predict_proba([row.text, masked])[:, 1]
        assert row.base_value == pytest.approx(empty, abs=1e-9)
        assert sum(w.weight for w in row.weights) == pytest.approx(full - empty, abs=1e-6)
    assert result.texts[0].weights[0].token in ("excellent", "awful")


def test_max_texts_is_a_seeded_bound() -> None:
    texts = [f"refund number {i}" if i % 3 == 0 else f"hello number {i}" for i in range(40)]
    result = explain_text(_refund, texts, max_texts=10, num_samples=50)
    assert len(result.texts) == 10
    assert result.bounds.current_texts == 10
    assert result.bounds.current_total == 40
    assert "10 of 40 texts" in result.bounds.describe()
    again = explain_text(_refund, texts, max_texts=10, num_samples=50)
    assert [r.index for r in result.texts] == [r.index for r in again.texts]
    assert all(result.texts[j].text == texts[r.index] for j, r in enumerate(result.texts))


def test_empty_texts_have_no_weights() -> None:
    result = explain_text(
        _refund, ["", "!!!", "refund please", "Refund, refund!"], explained_class=1
    )
    assert result.texts[0].weights == ()
    assert result.texts[1].weights == ()
    assert result.texts[2].weights[0].token == "refund"
    # one word (in two spellings: LIME tells them apart, the global view does not)
    weights = {w.token: w.weight for w in result.texts[3].weights}
    assert set(weights) == {"Refund", "refund"}
    refund = next(i for i in result.importance if i.token == "refund")
    assert refund.current_texts == 2
    assert "Refund" not in [i.token for i in result.importance]


def test_one_word_repeated_gets_its_exact_effect() -> None:
    result = explain_text(_refund, ["refund refund", "refund"], explained_class=1)
    for row in result.texts:
        assert row.weights == (TokenWeight("refund", pytest.approx(0.8)),)


# --- skops ---------------------------------------------------------------------------------


def test_skops_round_trip(tmp_path: Path) -> None:
    import skops.io as sio

    texts, labels = _reviews(300, seed=5)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    path = tmp_path / "sentiment.skops"
    sio.dump(model, path)
    sample = texts[:5]
    from_file = explain_text(path, sample, num_samples=100)
    in_memory = explain_text(model, sample, num_samples=100)
    assert from_file.model == "sentiment.skops"
    assert from_file.texts == in_memory.texts
    assert from_file.importance == in_memory.importance


class Shouty:
    """A foreign type inside a pipeline: skops must not load it."""

    def fit(self, X: Any, y: Any = None) -> Shouty:
        return self

    def transform(self, X: Any) -> Any:
        return [str(x).upper() for x in X]


def test_skops_with_a_foreign_type_is_refused(tmp_path: Path) -> None:
    import skops.io as sio

    texts, labels = _reviews(100, seed=6)
    model = make_pipeline(Shouty(), CountVectorizer(lowercase=False), LogisticRegression()).fit(
        texts, labels
    )
    path = tmp_path / "foreign.skops"
    sio.dump(model, path)
    with pytest.raises(ModelRunError, match=r"outside scikit-learn.*Shouty"):
        explain_text(path, texts[:3])


# --- bad input -----------------------------------------------------------------------------


def test_bad_input() -> None:
    with pytest.raises(EmptyDataError, match="texts is empty"):
        explain_text(_refund, [])
    with pytest.raises(InputTypeError, match=r"texts\[1\] is a float"):
        explain_text(_refund, ["fine", float("nan")])  # type: ignore[list-item]
    with pytest.raises(InputTypeError, match="texts: expected a list"):
        explain_text(_refund, "just one string")
    with pytest.raises(EmptyDataError, match="reference is empty"):
        explain_text(_refund, ["fine"], reference=[])
    with pytest.raises(ParameterError, match="'method' parameter"):
        explain_text(_refund, ["fine"], method="anchors")
    with pytest.raises(ParameterError, match="'num_samples' parameter"):
        explain_text(_refund, ["fine"], num_samples=0)
    with pytest.raises(ParameterError, match="explained_class 'spam'"):
        explain_text(_refund, ["fine"], explained_class="spam")
    with pytest.raises(ParameterError, match="class_names has 3 names"):
        explain_text(_refund, ["fine"], class_names=["a", "b", "c"])


def test_bad_models(tmp_path: Path) -> None:
    texts = ["a refund", "fine thanks"]
    regressor = make_pipeline(CountVectorizer(), LinearRegression()).fit(texts, [1.0, 0.0])
    with pytest.raises(ModelRunError, match="no predict_proba"):
        explain_text(regressor, texts)
    with pytest.raises(InputTypeError, match="got a int"):
        explain_text(42, texts)
    with pytest.raises(ModelRunError, match=r"returned shape \(2,\)"):
        explain_text(lambda t: np.full(len(t), 0.5), texts)
    with pytest.raises(ModelRunError, match=r"returned shape \(1, 2\) for 2 texts"):
        explain_text(lambda t: np.array([[0.5, 0.5]]), texts)
    with pytest.raises(ModelRunError, match="not numbers"):
        explain_text(lambda t: [["yes", "no"] for _ in t], texts)
    with pytest.raises(ModelRunError, match="failed on the texts: ZeroDivisionError"):
        explain_text(lambda t: 1 / 0, texts)
    with pytest.raises(ModelRunError, match="does not exist"):
        explain_text(tmp_path / "missing.skops", texts)
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(ModelRunError, match="could not be loaded"):
        explain_text(broken, texts)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"")
    with pytest.raises(ModelRunError, match=r"expected a \.skops file"):
        explain_text(pickled, texts)


def test_settings_and_public_name() -> None:
    assert driftscope.explain_text is explain_text
    settings = TextExplainSettings(method="shap", num_samples=50)
    result = explain_text(_refund, ["refund it now"], settings=settings, method="lime")
    assert result.explainer == "shap"
    with pytest.raises(ParameterError, match="'max_texts' parameter"):
        TextExplainSettings(max_texts=0)


# --- text models, table columns and report sections ---------------------------------------


def test_is_text_model_reads_the_first_step(tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.preprocessing import StandardScaler

    from driftscope.analyses.text_explanation import is_text_model

    texts = ["a refund please", "nice shoes", "refund now", "great fit"]
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [1, 0, 1, 0])
    assert is_text_model(pipeline)
    assert is_text_model(make_pipeline(CountVectorizer(), LogisticRegression()))
    assert not is_text_model(make_pipeline(StandardScaler(), LogisticRegression()))
    assert not is_text_model(LogisticRegression())
    assert not is_text_model(_refund)
    path = tmp_path / "text.skops"
    sio.dump(pipeline, path)
    assert is_text_model(path)
    assert is_text_model(str(path))
    # A file that does not load, or a pickle not allowed, is not one: the tabular explainer
    # then says why it does not load.
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"not a zip")
    assert not is_text_model(broken)
    pickled = tmp_path / "text.pkl"
    import pickle

    pickled.write_bytes(pickle.dumps(pipeline))
    assert not is_text_model(pickled)
    assert is_text_model(pickled, allow_pickle=True)


def test_a_pickle_loads_with_allow_pickle_and_keeps_its_file_name(tmp_path: Path) -> None:
    import pickle

    model, _ = _sentiment_model()
    path = tmp_path / "sentiment.pkl"
    path.write_bytes(pickle.dumps(model))
    texts = ["excellent film", "terrible plot and music"]
    with pytest.raises(ModelRunError, match=r"runs code when loaded.*allow_pickle"):
        explain_text(path, texts)
    result = explain_text(path, texts, allow_pickle=True, num_samples=50)
    assert result.model == "sentiment.pkl"
    assert (
        result.to_dict()["texts"] == explain_text(model, texts, num_samples=50).to_dict()["texts"]
    )


def test_risen_is_a_share_of_the_reference_total() -> None:
    current = ["refund now", "refund it", "nice shoes", "great fit"]
    reference = ["nice shoes", "great fit", "nice fit", "great shoes"]
    result = explain_text(_refund, current, reference=reference, explained_class=1)
    total = sum(i.reference or 0.0 for i in result.importance)
    refund = next(i for i in result.importance if i.token == "refund")
    assert refund.change is not None
    assert result.risen(0.0)[0] == "refund"
    assert result.risen(refund.change / total * 0.99) == ["refund"]
    assert result.risen(refund.change / total * 1.01) == []
    assert explain_text(_refund, current, explained_class=1).risen(0.0) == []


def test_explain_text_column_leaves_out_missing_texts() -> None:
    import pandas as pd

    from driftscope.analyses.text_explanation import explain_text_column

    current = pd.Series(["refund now", None, "nice shoes", np.nan, 12])
    reference = ["nice shoes", None, "great fit"]
    result = explain_text_column(_refund, current, reference, column="review", explained_class=1)
    assert [r.index for r in result.texts] == [0, 2, 4]
    assert [r.text for r in result.texts] == ["refund now", "nice shoes", "12"]
    assert [r.index for r in result.reference_texts] == [0, 2]
    assert (result.bounds.current_total, result.bounds.current_texts) == (5, 3)
    assert (result.bounds.reference_total, result.bounds.reference_texts) == (3, 2)
    assert result.warnings[-2:] == (
        "2 of 5 current texts of column 'review' are missing and were left out",
        "1 of 3 reference texts of column 'review' are missing and were left out",
    )
    # The weights are explain_text's on the texts that are there.
    direct = explain_text(
        _refund, ["refund now", "nice shoes", "12"], reference=reference[::2], explained_class=1
    )
    assert [r.weights for r in result.texts] == [r.weights for r in direct.texts]
    assert result.importance == direct.importance
    with pytest.raises(EmptyDataError, match=r"column 'review' of current has no texts \(2 rows"):
        explain_text_column(_refund, [None, np.nan], column="review")
    with pytest.raises(InputTypeError, match="column 'review' of current: expected a list"):
        explain_text_column(_refund, "refund", column="review")


def test_the_report_section_carries_the_error_not_the_report() -> None:
    from driftscope.analyses.explanation import text_explanations_section

    section = text_explanations_section(LinearRegression(), ["a text"], column="review")
    assert section.text is None
    assert section.explanation is None
    assert section.error is not None
    assert section.error.startswith("text column 'review': model LinearRegression: a ")
    assert "no predict_proba" in section.error
    assert section.to_dict()["text"] is None
    found = text_explanations_section(_refund, ["refund now"], column="review")
    assert found.error is None
    assert found.text is not None
    assert found.to_dict()["text"] == found.text.to_dict()
