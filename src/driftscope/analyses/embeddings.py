"""Embedding drift: has a set of vectors (image, text or audio embeddings) moved?

One analysis serves every modality. Up to three signals look at the two sets of rows:

- the kernel MMD with a permutation p-value, on the raw embeddings;
- the domain-classifier test, on the raw embeddings (only with at least ``CLASSIFIER_MIN_ROWS``
  rows on each side);
- per-component Kolmogorov-Smirnov tests after a PCA fitted on the reference, with the
  Wasserstein distance in reference standard deviations as effect size, corrected across
  components, so a report can name the components that moved most (only when the reference
  rows the PCA is fitted on vary).

The verdict and its rule are in `embedding_drift` and docs/embeddings.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as sps

from driftscope._validate import check_choice, check_int, check_probability
from driftscope.analyses.results import _clean
from driftscope.exceptions import ColumnError, EmptyDataError
from driftscope.stats import SortedPair, ks_2samp, wasserstein_distance
from driftscope.stats._result import StatResult
from driftscope.stats.multivariate import domain_classifier_test, mmd_rbf

__all__ = [
    "CLASSIFIER_AUC_FLOOR",
    "CLASSIFIER_MIN_ROWS",
    "COMPONENT_EFFECT_FLOOR",
    "MIN_ROWS",
    "ComponentDrift",
    "EmbeddingDrift",
    "embedding_drift",
]

FloatArray = NDArray[np.float64]

#: Fewest current rows, and reference rows in the component tests: below this no test has any
#: power worth reporting.
MIN_ROWS = 10
#: The domain classifier only counts when its held-out ROC-AUC reaches this.
CLASSIFIER_AUC_FLOOR = 0.55
#: Fewest rows on each side for the domain classifier to run. It trains on half of each side
#: and its trees need 20 rows per leaf, so below 20 + 20 training rows it cannot split at all:
#: with 39 rows a side even a 5-sd shift scores ROC-AUC 0.5 (p = 1), with 40 it is found in 20
#: seeds out of 20. Below this the classifier is not run rather than reported as "no drift".
CLASSIFIER_MIN_ROWS = 40
#: A component only counts when it moved by at least this many reference standard deviations
#: (Wasserstein distance), the floor the drift core uses for numerical columns.
COMPONENT_EFFECT_FLOOR = 0.1
_CORRECTIONS = ("bh", "bonferroni")
# Components whose reference variance is below this share of the first one's are numerical noise
# of a rank-deficient reference, not directions: they are dropped.
_RANK_TOLERANCE = 1e-6


def _stat_dict(result: StatResult) -> dict[str, Any]:
    return {"method": result.method, "statistic": result.statistic, "p_value": result.p_value}


@dataclass(frozen=True, slots=True)
class ComponentDrift:
    """One principal component of the reference, compared on both sides.

    ``component`` is its index (0 has the largest reference variance). ``explained_variance``
    is the share of the reference's total variance along it. ``ks_statistic`` and ``p_value``
    come from the two-sample Kolmogorov-Smirnov test of the projected rows, ``adjusted_p_value``
    from the correction across components. ``wasserstein`` (the effect size) is the Wasserstein
    distance between the projections divided by the reference's standard deviation along the
    component; ``mean_shift`` is the difference of means in the same unit (signed, the sign of a
    principal axis is arbitrary), and ``std_ratio`` is current over reference standard deviation.
    """

    component: int
    explained_variance: float
    ks_statistic: float
    p_value: float
    adjusted_p_value: float
    wasserstein: float
    mean_shift: float
    std_ratio: float
    drifted: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True, slots=True)
class EmbeddingDrift:
    """The drift verdict for two sets of embeddings, with every number behind it.

    ``components`` are ranked by effect size (``wasserstein``), largest first, so
    ``components[0]`` is the most changed one. ``signals`` names the signals that fired, among
    ``"mmd"``, ``"domain_classifier"`` and ``"components"``; ``rule`` says in words which signals
    ran and how they were combined. ``domain_classifier`` is None when a side has fewer than
    ``CLASSIFIER_MIN_ROWS`` rows (the classifier was not run); ``components`` is empty when the
    rows the PCA is fitted on are constant (no direction to test). ``n_reference`` and
    ``n_current`` count the rows seen by MMD and the classifier;
    ``n_pca_fit`` rows fitted the PCA (whose variance shares ``explained_variance`` sums) and
    ``n_reference_tested`` reference rows entered the component tests.
    """

    drifted: bool
    signals: tuple[str, ...]
    mmd: StatResult
    domain_classifier: StatResult | None
    components: tuple[ComponentDrift, ...]
    n_reference: int
    n_current: int
    n_features: int
    n_components: int
    n_pca_fit: int
    n_reference_tested: int
    explained_variance: float
    correction: str
    alpha: float
    seed: int
    rule: str

    @property
    def drifted_components(self) -> tuple[int, ...]:
        """Indices of the components that drifted, most changed first."""
        return tuple(c.component for c in self.components if c.drifted)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "drifted": self.drifted,
            "signals": list(self.signals),
            "mmd": _stat_dict(self.mmd),
            "domain_classifier": (
                None if self.domain_classifier is None else _stat_dict(self.domain_classifier)
            ),
            "components": [c.to_dict() for c in self.components],
            "drifted_components": list(self.drifted_components),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "n_features": self.n_features,
            "n_components": self.n_components,
            "n_pca_fit": self.n_pca_fit,
            "n_reference_tested": self.n_reference_tested,
            "explained_variance": self.explained_variance,
            "correction": self.correction,
            "alpha": self.alpha,
            "seed": self.seed,
            "rule": self.rule,
        }
        return dict(_clean(data))


def _matrix(values: ArrayLike, side: str, min_rows: int) -> FloatArray:
    try:
        matrix = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ColumnError(
            f"embedding_drift needs the {side} embeddings as a 2-D array of numbers. "
            f"Got values that are not numbers ({error})."
        ) from None
    if matrix.ndim != 2:
        raise ColumnError(
            f"embedding_drift needs the {side} embeddings as a 2-D array (rows x dimensions). "
            f"Got shape {matrix.shape}."
        )
    if matrix.shape[1] < 1:
        raise ColumnError(
            f"embedding_drift needs at least one dimension in the {side} embeddings. Got 0."
        )
    if matrix.shape[0] < min_rows:
        raise EmptyDataError(
            f"embedding_drift needs at least {min_rows} rows in the {side} embeddings. "
            f"Got {matrix.shape[0]}."
        )
    finite = np.isfinite(matrix)
    if not bool(finite.all()):
        rows, cols = np.nonzero(~finite)
        raise ColumnError(
            f"embedding_drift needs finite values in the {side} embeddings. Got "
            f"{rows.size} NaN or infinite value(s), the first at row {int(rows[0])}, "
            f"dimension {int(cols[0])}."
        )
    return matrix


def _check_inputs(n_components: int, correction: str, alpha: float) -> None:
    owner = "embedding_drift"
    check_int(owner, "n_components", n_components, low=1)
    check_choice(owner, "correction", correction, _CORRECTIONS)
    check_probability(owner, "alpha", alpha)


def _principal_axes(
    fit: FloatArray, n_components: int, seed: int
) -> tuple[Any, NDArray[np.bool_], FloatArray] | None:
    """A PCA fitted on ``fit``, which of its axes to keep, and their variance shares; None when
    ``fit`` is constant (no direction has variance, and scikit-learn would divide by zero)."""
    if not bool(np.ptp(fit, axis=0).any()):
        return None
    from sklearn.decomposition import PCA

    k = min(n_components, fit.shape[1], fit.shape[0] - 1)
    pca = PCA(n_components=k, random_state=seed).fit(fit)
    variance = np.asarray(pca.explained_variance_, dtype=np.float64)
    ratio = np.asarray(pca.explained_variance_ratio_, dtype=np.float64)
    keep = variance > _RANK_TOLERANCE * variance[0] if variance[0] > 0 else variance > 0
    return pca, keep, ratio[keep]


def _adjust(p_values: FloatArray, correction: str) -> FloatArray:
    if p_values.size == 0:
        return p_values
    if correction == "bonferroni":
        return np.minimum(p_values * p_values.size, 1.0)
    adjusted: FloatArray = sps.false_discovery_control(p_values, method="bh")
    return adjusted


def _components(
    ref_scores: FloatArray,
    cur_scores: FloatArray,
    ratios: FloatArray,
    correction: str,
    level: float,
) -> tuple[ComponentDrift, ...]:
    k = ratios.size
    ks = np.empty(k)
    p_values = np.empty(k)
    distance = np.empty(k)
    for j in range(k):
        pair = SortedPair.from_samples(ref_scores[:, j], cur_scores[:, j])
        test = ks_2samp(pair)
        ks[j] = test.statistic
        p_values[j] = 1.0 if test.p_value is None else test.p_value
        distance[j] = wasserstein_distance(pair).statistic
    adjusted = _adjust(p_values, correction)
    ref_std = ref_scores.std(axis=0)
    cur_std = cur_scores.std(axis=0)
    shift = cur_scores.mean(axis=0) - ref_scores.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_shift = np.where(ref_std > 0, shift / ref_std, np.nan)
        std_ratio = np.where(ref_std > 0, cur_std / ref_std, np.nan)
    out = [
        ComponentDrift(
            component=j,
            explained_variance=float(ratios[j]),
            ks_statistic=float(ks[j]),
            p_value=float(p_values[j]),
            adjusted_p_value=float(adjusted[j]),
            wasserstein=float(distance[j]),
            mean_shift=float(mean_shift[j]),
            std_ratio=float(std_ratio[j]),
            drifted=bool(adjusted[j] < level and distance[j] >= COMPONENT_EFFECT_FLOOR),
        )
        for j in range(k)
    ]
    # Most changed first; a stable sort keeps ties in component order.
    out.sort(key=lambda c: -c.wasserstein)
    return tuple(out)


def _rule(alpha: float, correction: str, ran: tuple[str, ...], not_run: tuple[str, ...]) -> str:
    """The decision rule in words, over the signals that ran, and why the others did not."""
    name = "Benjamini-Hochberg" if correction == "bh" else "Bonferroni"
    clauses = {
        "mmd": "the MMD permutation p-value is below it",
        "domain_classifier": (
            "the domain classifier's p-value is below it and its ROC-AUC is at least "
            f"{CLASSIFIER_AUC_FLOOR}"
        ),
        "components": (
            f"a principal component of the reference has a {name}-adjusted Kolmogorov-Smirnov "
            f"p-value below it and a Wasserstein distance of at least {COMPONENT_EFFECT_FLOOR} "
            "reference standard deviations"
        ),
    }
    n = len(ran)
    level = alpha / n
    tests = [clauses[signal] for signal in ran]
    if n == 1:
        head = f"Drifted when the only signal that ran fires, tested at alpha = {level:.4g}: "
    else:
        tests[-1] = "or " + tests[-1]
        head = (
            f"Drifted when any of the {n} signals that ran fires, each tested at "
            f"alpha / {n} = {level:.4g} (Bonferroni across the signals that ran): "
        )
    return head + "; ".join(tests) + "." + "".join(" " + reason for reason in not_run)


def _split(ref: FloatArray, pca_fit: ArrayLike | None, seed: int) -> tuple[FloatArray, FloatArray]:
    """The rows that fit the PCA and the reference rows whose projections are tested."""
    if pca_fit is not None:
        fit = _matrix(pca_fit, "pca_fit", 2)
        if fit.shape[1] != ref.shape[1]:
            raise ColumnError(
                "embedding_drift needs pca_fit embeddings as wide as the reference. "
                f"Got {fit.shape[1]} and {ref.shape[1]} dimensions."
            )
        return fit, ref
    # Projections of the rows a PCA was fitted on are not a fair sample: their variance along
    # the leading axes is inflated (by half or more when dimensions are a tenth of the rows), so
    # comparing them with fresh current rows would flag drift where there is none.
    order = np.random.default_rng(seed).permutation(ref.shape[0])
    half = ref.shape[0] // 2
    return ref[np.sort(order[:half])], ref[np.sort(order[half:])]


def _signals_to_run(
    ref: FloatArray, cur: FloatArray, has_axes: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The signals that can run on these rows, and a sentence for each one that cannot."""
    ran = ["mmd"]
    not_run = []
    smaller = min(ref.shape[0], cur.shape[0])
    if smaller >= CLASSIFIER_MIN_ROWS:
        ran.append("domain_classifier")
    else:
        not_run.append(
            f"The domain classifier was not run: it needs at least {CLASSIFIER_MIN_ROWS} rows "
            f"on each side to train and test on. Got {ref.shape[0]} reference and "
            f"{cur.shape[0]} current rows."
        )
    if has_axes:
        ran.append("components")
    else:
        not_run.append(
            "The components were not tested: the reference embeddings the PCA is fitted on are "
            "constant, so they have no direction of variation."
        )
    return tuple(ran), tuple(not_run)


def _fired(
    mmd: StatResult,
    classifier: StatResult | None,
    components: tuple[ComponentDrift, ...],
    level: float,
) -> tuple[str, ...]:
    """The signals that fired at ``level``; a signal that was not run never fires."""
    signals: list[str] = []
    if mmd.p_value is not None and mmd.p_value < level:
        signals.append("mmd")
    if (
        classifier is not None
        and classifier.p_value is not None
        and classifier.p_value < level
        and classifier.statistic >= CLASSIFIER_AUC_FLOOR
    ):
        signals.append("domain_classifier")
    if any(c.drifted for c in components):
        signals.append("components")
    return tuple(signals)


def embedding_drift(
    reference: ArrayLike,
    current: ArrayLike,
    *,
    n_components: int = 10,
    correction: str = "bh",
    alpha: float = 0.05,
    seed: int = 0,
    pca_fit: ArrayLike | None = None,
) -> EmbeddingDrift:
    """Test whether two sets of embeddings (rows x dimensions) come from the same distribution.

    Up to three signals, each a valid two-sample test:

    1. **MMD** (`driftscope.stats.mmd_rbf`): RBF-kernel maximum mean discrepancy on the raw
       embeddings (at most 1,000 seeded rows per side), 200 permutations.
    2. **Domain classifier** (`driftscope.stats.domain_classifier_test`): held-out ROC-AUC of
       a classifier telling current rows from reference rows (at most 5,000 rows per side).
       Run only when each side has at least ``CLASSIFIER_MIN_ROWS`` (40) rows: below that its
       trees cannot split, and it would report ROC-AUC 0.5 whatever the data.
    3. **Components**: a PCA fitted on reference rows keeps ``n_components`` axes (fewer when
       those rows have fewer dimensions, rows or non-zero variance directions; none, and the
       signal is not run, when those rows are constant). The PCA is
       fitted on a seeded half of the reference, and the other half is compared with the
       current: projections of the rows a PCA was fitted on are inflated along its leading
       axes, so testing them would raise false alarms. Each component gets a two-sample
       Kolmogorov-Smirnov test (`driftscope.stats.ks_2samp`) and, as effect size, the
       Wasserstein distance in reference standard deviations. P-values are adjusted across
       components (Benjamini-Hochberg by default, or Bonferroni). Embeddings are not rescaled
       before the PCA: their dimensions share one unit.

    **Rule.** The signals that ran share ``alpha`` by Bonferroni, each tested at ``alpha / k``
    with ``k`` the number of signals that ran (3, or fewer when the classifier or the components
    were not run). The embeddings drifted when the MMD p-value is below ``alpha / k``; or the
    classifier's p-value is below ``alpha / k`` and its ROC-AUC is at least 0.55; or at least one
    component has an adjusted p-value below ``alpha / k`` and a Wasserstein distance of at least
    0.1 reference standard deviations (that component is ``drifted``). Under no drift the
    verdict is a false alarm with probability at most ``alpha``: Bonferroni holds under any
    dependence, and Benjamini-Hochberg controls the family-wise error when no component moved.
    The effect floors keep large samples from flagging negligible moves; MMD needs none because
    it never sees more than 1,000 rows per side. ``rule`` states the rule in force and names the
    signals that did not run, and why.

    Parameters
    ----------
    reference, current
        2-D arrays of finite numbers with the same number of columns. ``current`` needs at least
        ``MIN_ROWS`` (10) rows; ``reference`` twice as many, or ``MIN_ROWS`` when ``pca_fit`` is
        given.
    n_components
        Principal components to test.
    correction
        ``"bh"`` (Benjamini-Hochberg) or ``"bonferroni"``, across components.
    alpha
        Family-wise significance level of the verdict.
    seed
        Seed of the split, subsampling, permutations, classifier and PCA: equal seeds give equal
        results.
    pca_fit
        Rows from the reference distribution, disjoint from ``reference``, to fit the PCA on
        (at least 2). Then every reference row is tested. Use it when the embedding model was
        itself fitted on reference rows (as TF-IDF + SVD is): fit the PCA on those rows and
        pass held-out ones as ``reference``.

    Returns
    -------
    EmbeddingDrift
        With ``components`` ranked by effect size, most changed first.

    Raises
    ------
    ColumnError
        If an input is not 2-D, the widths differ, or a value is NaN or infinite.
    EmptyDataError
        If a side has too few rows.

    >>> rng = np.random.default_rng(0)
    >>> scale = [4.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    >>> ref = rng.normal(size=(400, 8)) * scale
    >>> cur = rng.normal(size=(200, 8)) * scale
    >>> cur[:, 1] += 2.0  # move along the second principal axis
    >>> result = embedding_drift(ref, cur, n_components=4)
    >>> result.drifted, result.components[0].component, result.drifted_components
    (True, 1, (1,))
    """
    _check_inputs(n_components, correction, alpha)
    ref = _matrix(reference, "reference", MIN_ROWS if pca_fit is not None else 2 * MIN_ROWS)
    cur = _matrix(current, "current", MIN_ROWS)
    if ref.shape[1] != cur.shape[1]:
        raise ColumnError(
            "embedding_drift needs reference and current embeddings of the same width. "
            f"Got {ref.shape[1]} and {cur.shape[1]} dimensions."
        )
    fit, tested = _split(ref, pca_fit, seed)
    axes = _principal_axes(fit, int(n_components), seed)
    ran, not_run = _signals_to_run(ref, cur, axes is not None)
    level = alpha / len(ran)
    mmd = mmd_rbf(ref, cur, seed=seed)
    classifier = None
    if "domain_classifier" in ran:
        classifier = domain_classifier_test(ref, cur, seed=seed)
    components: tuple[ComponentDrift, ...] = ()
    ratios = np.empty(0)
    if axes is not None:
        pca, keep, ratios = axes
        ref_scores = np.asarray(pca.transform(tested), dtype=np.float64)[:, keep]
        cur_scores = np.asarray(pca.transform(cur), dtype=np.float64)[:, keep]
        components = _components(ref_scores, cur_scores, ratios, correction, level)
    signals = _fired(mmd, classifier, components, level)
    return EmbeddingDrift(
        drifted=bool(signals),
        signals=signals,
        mmd=mmd,
        domain_classifier=classifier,
        components=components,
        n_reference=int(ref.shape[0]),
        n_current=int(cur.shape[0]),
        n_features=int(ref.shape[1]),
        n_components=int(ratios.size),
        n_pca_fit=int(fit.shape[0]),
        n_reference_tested=int(tested.shape[0]),
        explained_variance=float(ratios.sum()),
        correction=correction,
        alpha=float(alpha),
        seed=int(seed),
        rule=_rule(float(alpha), correction, ran, not_run),
    )
