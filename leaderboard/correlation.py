"""Correlations between benchmarks over the models that have both scores.

Terms used here:

- wide table: one row per model key, one float column per benchmark, NaN for
  a missing score (see `leaderboard.aggregate.wide_scores`).
- pairwise-complete: each pair of benchmarks is compared on the models that
  have a score on both; `n` is that count and is reported for every cell.
- minimum overlap: a pair with n below `min_overlap` (one setting for every
  method) gets no estimate and is flagged `insufficient`, so two benchmarks
  that share 2 models never read as a perfect 1.0.

Methods, all from `scipy.stats` (scipy 1.17):

- kendall: Kendall's tau-b (`kendalltau(variant="b")`), which corrects for
  ties in either variable; the p-value is scipy's default (exact for small
  tie-free samples, otherwise the normal approximation).
- spearman: Spearman's rho (`spearmanr`), Pearson on average ranks of ties.
- pearson: Pearson's r (`pearsonr`) on the scores as stored.

P-values are two-sided. `q_value` is the Benjamini-Hochberg adjusted p-value
(`statsmodels` `multipletests(method="fdr_bh")`) over the upper-triangle cells
that have an estimate, mirrored to the lower triangle.

Composite benchmarks must be dropped before calling these functions (see
`leaderboard.components.analysable_benchmarks`), or they correlate with their
own parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from statsmodels.stats.multitest import multipletests

logger = logging.getLogger(__name__)

METHODS = ("kendall", "spearman", "pearson")
DEFAULT_MIN_OVERLAP = 10
# Two models always rank-correlate at exactly +1 or -1, so an estimate needs at least three.
MIN_OVERLAP_FLOOR = 3


@dataclass(frozen=True)
class CorrelationResult:
    """A symmetric correlation matrix with its per-cell counts and tests.

    All frames share the benchmark ids as index and columns. `reasons` maps a
    (row, column) pair, in both orders, to why its estimate is missing.
    """

    method: str
    min_overlap: int
    estimate: pd.DataFrame
    n: pd.DataFrame
    p_value: pd.DataFrame
    q_value: pd.DataFrame
    insufficient: pd.DataFrame
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class PairInterval:
    """A percentile bootstrap interval of one pair's correlation.

    `draws_used` counts the resamples that gave an estimate; a resample in
    which either benchmark is constant has none and is left out.
    """

    a: str
    b: str
    method: str
    estimate: float
    low: float
    high: float
    level: float
    n: int
    draws_used: int
    reason: str | None = None


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown correlation method {method!r}; use one of {', '.join(METHODS)}")


def correlate(x: np.ndarray, y: np.ndarray, method: str) -> tuple[float, float]:
    """Return (estimate, two-sided p-value) of two complete, non-constant arrays."""
    if method == "kendall":
        result = stats.kendalltau(x, y, variant="b")
    elif method == "spearman":
        result = stats.spearmanr(x, y)
    else:
        result = stats.pearsonr(x, y)
    return float(result.statistic), float(result.pvalue)


def _is_constant(values: np.ndarray) -> bool:
    return bool(len(values) == 0 or np.all(values == values[0]))


def correlation_matrix(wide: pd.DataFrame, method: str = "kendall", min_overlap: int = DEFAULT_MIN_OVERLAP) -> CorrelationResult:
    """Correlate every pair of columns of a wide table over pairwise-complete models.

    A cell with n < `min_overlap` has a NaN estimate and `insufficient` True.
    A cell where either column is constant over the shared models has a NaN
    estimate, `insufficient` False and a reason. The diagonal is 1 with n =
    the column's count of scores, unless that count is below `min_overlap` or
    the column is constant, which gives NaN and a reason as above.
    """
    _check_method(method)
    if min_overlap < MIN_OVERLAP_FLOOR:
        raise ValueError(f"min_overlap must be at least {MIN_OVERLAP_FLOOR}, got {min_overlap}: "
                         "any two models correlate at exactly +1 or -1")

    columns = [str(c) for c in wide.columns]
    values = wide.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(values)
    size = len(columns)
    estimate = np.full((size, size), np.nan)
    counts = np.zeros((size, size), dtype="int64")
    p_values = np.full((size, size), np.nan)
    insufficient = np.zeros((size, size), dtype=bool)
    reasons: dict[tuple[str, str], str] = {}

    def mark(i: int, j: int, reason: str) -> None:
        reasons[(columns[i], columns[j])] = reason
        reasons[(columns[j], columns[i])] = reason

    for i in range(size):
        column = values[present[:, i], i]
        counts[i, i] = len(column)
        if len(column) < min_overlap:
            insufficient[i, i] = True
            mark(i, i, f"insufficient overlap (n={len(column)})")
        elif _is_constant(column):
            mark(i, i, f"{columns[i]} is constant over its {len(column)} models")
        else:
            estimate[i, i] = 1.0

    for i in range(size):
        for j in range(i + 1, size):
            shared = present[:, i] & present[:, j]
            n = int(shared.sum())
            counts[i, j] = counts[j, i] = n
            if n < min_overlap:
                insufficient[i, j] = insufficient[j, i] = True
                mark(i, j, f"insufficient overlap (n={n})")
                continue
            x, y = values[shared, i], values[shared, j]
            constant = [columns[k] for k, v in ((i, x), (j, y)) if _is_constant(v)]
            if constant:
                mark(i, j, f"{' and '.join(constant)} constant over the {n} shared models")
                continue
            estimate[i, j], p_values[i, j] = correlate(x, y, method)
            estimate[j, i], p_values[j, i] = estimate[i, j], p_values[i, j]

    q_values = bh_upper_triangle(p_values)

    def frame(data: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(data, index=columns, columns=columns)

    return CorrelationResult(
        method=method,
        min_overlap=min_overlap,
        estimate=frame(estimate),
        n=frame(counts),
        p_value=frame(p_values),
        q_value=frame(q_values),
        insufficient=frame(insufficient),
        reasons=reasons,
    )


def bh_upper_triangle(p_values: np.ndarray) -> np.ndarray:
    """Adjust the finite upper-triangle p-values by Benjamini-Hochberg and mirror them."""
    q_values = np.full(p_values.shape, np.nan)
    rows, cols = np.triu_indices(p_values.shape[0], k=1)
    tested = np.isfinite(p_values[rows, cols])
    if tested.any():
        _, adjusted, _, _ = multipletests(p_values[rows, cols][tested], method="fdr_bh")
        q_values[rows[tested], cols[tested]] = adjusted
        q_values[cols[tested], rows[tested]] = adjusted
    return q_values


def cell_text(result: CorrelationResult, a: str, b: str, digits: int = 2) -> str:
    """Format one cell for display: the estimate with its n, or the reason it has none."""
    value = result.estimate.at[a, b]
    n = int(result.n.at[a, b])
    if np.isnan(value):
        return result.reasons.get((a, b), f"no estimate (n={n})")
    return f"{value:.{digits}f} (n={n})"


def bootstrap_pair_ci(
    wide: pd.DataFrame,
    a: str,
    b: str,
    method: str = "kendall",
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    min_overlap: int = DEFAULT_MIN_OVERLAP,
) -> PairInterval:
    """Estimate a percentile bootstrap interval for the correlation of columns `a` and `b`.

    Resamples the pairwise-complete models with replacement `draws` times
    (numpy `default_rng(seed)`), recomputes the correlation on each resample
    and takes the (1 - level) / 2 and (1 + level) / 2 quantiles of the
    estimates. Written by hand because `scipy.stats.bootstrap` resamples each
    argument separately unless `paired=True` and gives no control over
    dropping the resamples in which a column is constant.
    """
    _check_method(method)
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level}")
    pair = wide[[a, b]].dropna()
    x = pair[a].to_numpy(dtype="float64")
    y = pair[b].to_numpy(dtype="float64")
    n = len(pair)

    def missing(reason: str) -> PairInterval:
        return PairInterval(a, b, method, np.nan, np.nan, np.nan, level, n, 0, reason)

    if n < min_overlap:
        return missing(f"insufficient overlap (n={n})")
    if _is_constant(x) or _is_constant(y):
        return missing(f"a benchmark is constant over the {n} shared models")

    estimate, _ = correlate(x, y, method)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(draws):
        rows = rng.integers(0, n, size=n)
        xs, ys = x[rows], y[rows]
        if _is_constant(xs) or _is_constant(ys):
            continue
        samples.append(correlate(xs, ys, method)[0])
    if not samples:
        return PairInterval(a, b, method, estimate, np.nan, np.nan, level, n, 0, "every resample had a constant benchmark")

    tail = (1 - level) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return PairInterval(a, b, method, estimate, float(low), float(high), level, n, len(samples))


def cluster_order(estimate: pd.DataFrame) -> list[str]:
    """Order benchmarks by average-linkage hierarchical clustering (scipy `linkage`).

    The distance between two benchmarks is 1 - estimate, so it runs from 0
    (identical order) to 2 (reversed order). A missing estimate (insufficient
    overlap or a constant column) counts as distance 1, the distance of
    uncorrelated benchmarks, so it neither pulls nor pushes. The result is the
    leaf order of the dendrogram (`leaves_list`).
    """
    labels = [str(c) for c in estimate.columns]
    if len(labels) < 3:
        return labels
    distance = 1.0 - estimate.to_numpy(dtype="float64", na_value=np.nan)
    distance = np.where(np.isnan(distance), 1.0, distance)
    distance = np.clip((distance + distance.T) / 2, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return [labels[i] for i in leaves_list(tree)]


def first_component_residuals(wide: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Remove the first principal component from the complete cases of a wide table.

    Steps: keep the models with every score; standardize each column (mean 0,
    sample standard deviation 1, ddof=1; a constant column becomes all 0);
    take the first principal component score s = Z v1 from numpy's SVD of the
    standardized matrix Z; regress each standardized column on s by least
    squares (no intercept is needed because both have mean 0) and keep the
    residuals. Returns the residual table and the share of variance PC1
    explains.
    """
    complete = wide.dropna()
    if len(complete) < 2 or complete.shape[1] == 0:
        return complete.iloc[:0], float("nan")
    values = complete.to_numpy(dtype="float64")
    centred = values - values.mean(axis=0)
    spread = values.std(axis=0, ddof=1)
    standardized = np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 0)

    _, singular, vt = np.linalg.svd(standardized, full_matrices=False)
    total = float((singular**2).sum())
    explained = float(singular[0] ** 2 / total) if total > 0 else float("nan")
    score = standardized @ vt[0]
    norm = float(score @ score)
    slopes = (score @ standardized) / norm if norm > 0 else np.zeros(values.shape[1])
    residuals = standardized - np.outer(score, slopes)
    return pd.DataFrame(residuals, index=complete.index, columns=complete.columns), explained


def partial_correlations(wide: pd.DataFrame, method: str = "kendall", min_overlap: int = DEFAULT_MIN_OVERLAP) -> CorrelationResult:
    """Correlate benchmarks after removing the general factor (the first principal component).

    Uses `first_component_residuals` (complete cases only, standardized,
    residuals of each benchmark regressed on the PC1 score), then
    `correlation_matrix` of the residuals with `method`. Every cell's n is the
    number of complete cases. With fewer than 3 benchmarks the residuals of
    two columns are forced to be perfectly related, so every off-diagonal
    cell is left missing with that reason.
    """
    _check_method(method)
    residuals, explained = first_component_residuals(wide)
    logger.info("partial correlations on %d complete models; PC1 explains %.3f", len(residuals), explained)
    result = correlation_matrix(residuals, method=method, min_overlap=min_overlap)
    if wide.shape[1] >= 3:
        return result

    estimate = result.estimate.copy()
    p_value = result.p_value.copy()
    reasons = dict(result.reasons)
    for a in estimate.index:
        for b in estimate.columns:
            if a != b:
                estimate.at[a, b] = np.nan
                p_value.at[a, b] = np.nan
                reasons[(a, b)] = "partial correlation needs at least 3 benchmarks"
    return CorrelationResult(method, min_overlap, estimate, result.n, p_value, p_value.copy(), result.insufficient, reasons)
