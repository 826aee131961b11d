"""Principal components of a wide score table, and which benchmarks to analyse.

Scaling (the user chooses):

- standardized: each benchmark is centred on its mean and divided by its
  sample standard deviation (ddof=1), so PCA works on the correlation matrix
  and every benchmark weighs the same whatever its unit.
- centred: each benchmark is only centred, so PCA works on the covariance
  matrix and benchmarks with a wide spread weigh more.

Components come from numpy's SVD of the scaled matrix X = U S V^T. The
explained variance ratio of component k is S_k^2 / sum(S^2). Loadings are the
rows of V^T (unit-length coefficients of each benchmark), and scores are X V.
The sign of an SVD component is arbitrary, so each component is flipped to
make the sum of its loadings non-negative; PC1 then rises with the scores.

Missing values: complete cases (models with every analysed score) by
default. With `impute=True` missing cells are filled by a low-rank model
(see `impute_low_rank`) and every model with at least one score is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leaderboard.correlation import DEFAULT_MIN_OVERLAP
from leaderboard.schema import BoardSchema

logger = logging.getLogger(__name__)

SCALINGS = ("standardized", "centred")
IMPUTE_RANK = 2
IMPUTE_MAX_ITERATIONS = 200
IMPUTE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PCAResult:
    """Principal components of a wide table.

    `explained_variance_ratio` is indexed PC1, PC2, ...; `loadings` has one
    row per benchmark and one column per component; `scores` one row per
    model used. `dropped` maps a benchmark left out to the reason, and
    `reason` gives why no component could be computed (None when they were).
    """

    scaling: str
    explained_variance_ratio: pd.Series
    loadings: pd.DataFrame
    scores: pd.DataFrame
    n_models: int
    imputed_cells: int = 0
    dropped: dict[str, str] = field(default_factory=dict)
    reason: str | None = None


def excluded_benchmarks(schema: BoardSchema, wide: pd.DataFrame, min_overlap: int = DEFAULT_MIN_OVERLAP) -> dict[str, str]:
    """Map each column of `wide` that correlations and components leave out to the reason.

    A composite benchmark is built from the others and would correlate with
    its own parts; a benchmark with fewer than `min_overlap` scores cannot
    reach the minimum overlap with any other. Columns the schema does not
    declare are left out too.
    """
    declared = {b.id: b for b in schema.benchmarks}
    reasons = {}
    for column in wide.columns:
        count = int(wide[column].notna().sum())
        if column not in declared:
            reasons[column] = "not a benchmark of this board"
        elif declared[column].composite:
            reasons[column] = "composite of the other benchmarks"
        elif count < min_overlap:
            reasons[column] = f"only {count} models have a score (minimum {min_overlap})"
    return reasons


def analysable_benchmarks(schema: BoardSchema, wide: pd.DataFrame, min_overlap: int = DEFAULT_MIN_OVERLAP) -> list[str]:
    """Return the columns of `wide` that correlations and components use, in table order."""
    excluded = excluded_benchmarks(schema, wide, min_overlap)
    return [c for c in wide.columns if c not in excluded]


def _scale(values: np.ndarray, scaling: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the scaled matrix and the per-column centre and divisor used."""
    centre = values.mean(axis=0)
    divisor = values.std(axis=0, ddof=1) if scaling == "standardized" else np.ones(values.shape[1])
    divisor = np.where(divisor > 0, divisor, 1.0)
    return (values - centre) / divisor, centre, divisor


def impute_low_rank(
    values: np.ndarray,
    rank: int = IMPUTE_RANK,
    max_iterations: int = IMPUTE_MAX_ITERATIONS,
    tolerance: float = IMPUTE_TOLERANCE,
) -> tuple[np.ndarray, int]:
    """Fill the NaN cells of a matrix by iterative hard-thresholded SVD ("hard impute").

    Starts from each column's observed mean. Each iteration standardizes the
    filled matrix by the observed cells' means and standard deviations, keeps
    the top `rank` singular components of numpy's SVD, and replaces only the
    missing cells with that reconstruction; observed cells never change. It
    stops when the relative change of the filled cells falls below
    `tolerance` or after `max_iterations`. Written by hand because neither
    scipy nor statsmodels offers matrix completion. Returns the filled matrix
    and the iterations run. Raises ValueError for a column with no observed
    value.
    """
    missing = np.isnan(values)
    empty = np.flatnonzero(missing.all(axis=0))
    if len(empty):
        raise ValueError(f"columns {empty.tolist()} have no observed value; drop them before imputing")
    observed_mean = np.nanmean(values, axis=0)
    observed_sd = np.nanstd(values, axis=0, ddof=1) if len(values) > 1 else np.ones(values.shape[1])
    observed_sd = np.where(np.isfinite(observed_sd) & (observed_sd > 0), observed_sd, 1.0)
    filled = np.where(missing, observed_mean, values)
    if not missing.any():
        return filled, 0

    rank = max(1, min(rank, min(values.shape) - 1 if min(values.shape) > 1 else 1))
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        scaled = (filled - observed_mean) / observed_sd
        u, s, vt = np.linalg.svd(scaled, full_matrices=False)
        approximation = (u[:, :rank] * s[:rank]) @ vt[:rank] * observed_sd + observed_mean
        previous = filled[missing]
        filled[missing] = approximation[missing]
        change = np.linalg.norm(filled[missing] - previous) / max(np.linalg.norm(previous), 1e-12)
        if change < tolerance:
            break
    return filled, iterations


def principal_components(
    wide: pd.DataFrame,
    scaling: str = "standardized",
    impute: bool = False,
    rank: int | None = None,
) -> PCAResult:
    """Compute the principal components of a wide table (columns already chosen by the caller).

    `rank` is the rank of the low-rank model used when `impute` is True
    (None means `IMPUTE_RANK`); all components are always returned. Constant
    columns are dropped (they carry no variance and cannot be standardized).
    Needs at least 2 models and 2 benchmarks, otherwise `reason` names which
    is missing and the frames are empty.
    """
    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; use one of {', '.join(SCALINGS)}")

    dropped = {}
    table = wide.dropna(axis=1, how="all")
    for column in wide.columns.difference(table.columns):
        dropped[column] = "no scores"
    table = table.dropna(axis=0, how="all") if impute else table.dropna(axis=0)

    def empty(reason: str) -> PCAResult:
        logger.info("no principal components: %s", reason)
        return PCAResult(scaling, pd.Series(dtype="float64"), pd.DataFrame(), pd.DataFrame(), len(table), 0, dropped, reason)

    if len(table) < 2:
        where = "with at least one score" if impute else "with every score (complete cases)"
        return empty(f"needs at least 2 models {where}, found {len(table)}")

    for column in table.columns:
        if table[column].nunique(dropna=True) < 2:
            dropped[column] = "constant over the models used"
    table = table.drop(columns=[c for c in dropped if c in table.columns])
    if table.shape[1] < 2:
        return empty(f"needs at least 2 non-constant benchmarks, found {table.shape[1]}")

    values = table.to_numpy(dtype="float64", na_value=np.nan)
    imputed_cells = int(np.isnan(values).sum())
    if imputed_cells:
        values, iterations = impute_low_rank(values, rank=rank or IMPUTE_RANK)
        logger.info("imputed %d cells with a rank-%d model in %d iterations", imputed_cells, rank or IMPUTE_RANK, iterations)

    scaled, _, _ = _scale(values, scaling)
    u, singular, vt = np.linalg.svd(scaled, full_matrices=False)
    signs = np.where(vt.sum(axis=1) < 0, -1.0, 1.0)
    vt = vt * signs[:, None]
    u = u * signs[None, :]

    names = [f"PC{k + 1}" for k in range(len(singular))]
    variance = singular**2
    ratio = variance / variance.sum() if variance.sum() > 0 else np.full(len(variance), np.nan)
    return PCAResult(
        scaling=scaling,
        explained_variance_ratio=pd.Series(ratio, index=names, name="explained_variance_ratio"),
        loadings=pd.DataFrame(vt.T, index=table.columns, columns=names),
        scores=pd.DataFrame(u * singular, index=table.index, columns=names),
        n_models=len(table),
        imputed_cells=imputed_cells,
        dropped=dropped,
    )
