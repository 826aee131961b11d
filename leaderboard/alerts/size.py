"""Rule 3, too good for its size: general capability far above what models of its parameter count reach.

Uniform inflation (a small model trained on every test set) leaves a model's
benchmarks consistent with each other, so residual rules miss it. It shows
only as a model far above everything of its size.

Terms used here:

- general capability: the first principal component (PC1) of the analysed
  benchmarks, standardized scaling, complete cases, with lower-is-better
  benchmarks negated first so PC1 rises with ability. It is divided by its
  standard deviation over the models, so one unit is one SD of capability.
  `points_per_sd` converts it back to points of the plain mean of the
  analysed benchmarks (the least-squares slope of that mean on capability).
- size: log10 of the validated parameter count in billions; unknown or
  contradicted sizes (NaN) and sizes <= 0 are skipped and counted.
- dominance test: model m is compared with every model at least
  `settings.size_ratio` times its size. The p-value is the rank p-value
  (1 + larger models scoring >= m) / (1 + larger models). It is valid when
  m's capability is exchangeable with the larger models', and conservative
  when smaller models are weaker, which is the usual case. The test needs
  `MIN_LARGER` larger models; with fewer it is not run. A rank p-value
  cannot fall below 1 / (1 + larger models), too weak to survive
  Benjamini-Hochberg over thousands of tests, so for a model that beats
  every larger one the margin is also scored: the top k = max(MIN_LARGER,
  10%) larger models are the tail, u the k-th best of them, and their
  excesses over u are taken as exponential with the mean excess as scale.
  That p-value is (k / larger models) x exp(-(m - u) / scale), a
  parametric extrapolation beyond the best larger model; the smaller of the
  two is used.
- frontier fit: linear quantile regression (statsmodels `QuantReg`) of
  capability on log size at `FRONTIER_QUANTILE`. The excess is capability
  minus the frontier. The tail scale comes from the upper tail only
  (peaks over threshold): excesses above the frontier are taken as
  exponential with scale beta = median(positive excess) / ln 2. The
  p-value of an excess e > 0 is share_above x exp(-e / beta), and of
  e <= 0 the share of models with an excess at least e.
- the finding's p-value is min(1, 2 x min(frontier p, dominance p))
  (Bonferroni over the two tests) where the dominance test runs, otherwise
  the frontier p-value.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.regression.quantile_regression import QuantReg

from leaderboard.aggregate import wide_scores
from leaderboard.alerts.model import Finding
from leaderboard.alerts.settings import AlertSettings
from leaderboard.components import analysable_benchmarks, principal_components
from leaderboard.schema import BoardSchema
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

RULE = "size"
FRONTIER_QUANTILE = 0.9
# Below this many larger models, beating all of them is weak evidence (p >= 1/5).
MIN_LARGER = 5
# A quantile regression with two parameters and its upper-tail scale need a population.
MIN_MODELS = 30
# Models compared at a time in the dominance test; bounds memory to CHUNK x models booleans.
CHUNK = 1024


@dataclass(frozen=True)
class Capability:
    """General capability of the complete-case models.

    `scores` is PC1 in units of its standard deviation, indexed by model key;
    `benchmarks` the benchmarks it was computed from; `points_per_sd` the
    points of the plain benchmark mean per unit of capability (NaN when the
    slope cannot be fitted); `explained` PC1's share of variance.
    """

    scores: pd.Series
    benchmarks: list[str]
    points_per_sd: float
    explained: float


def masked_wide(board: BoardData, snapshot: str | None, muted, columns: list[str] | None = None) -> pd.DataFrame:
    """Return the wide displayed scores with muted cells set to NaN.

    `columns` None keeps the analysable benchmarks (no composites, enough
    scores); otherwise the given benchmark ids that have scores.
    """
    wide = wide_scores(board, snapshot, raw=False)
    if columns is None:
        columns = analysable_benchmarks(board.schema, wide)
    wide = wide[[c for c in columns if c in wide.columns]].copy()
    if not muted or wide.empty:
        return wide

    rows = {key: i for i, key in enumerate(wide.index)}
    cols = {bench: j for j, bench in enumerate(wide.columns)}
    hits = [(rows[k], cols[b]) for k, b in muted if k in rows and b in cols]
    if hits:
        values = wide.to_numpy(dtype="float64", copy=True)
        row_index, col_index = zip(*hits)
        values[list(row_index), list(col_index)] = np.nan
        wide = pd.DataFrame(values, index=wide.index, columns=wide.columns)
    return wide


def oriented(wide: pd.DataFrame, schema: BoardSchema) -> pd.DataFrame:
    """Negate lower-is-better columns so that higher is better everywhere."""
    signs = [1.0 if schema.benchmark(c).higher_is_better else -1.0 for c in wide.columns]
    return wide * np.array(signs)


def general_capability(wide: pd.DataFrame, schema: BoardSchema) -> Capability | None:
    """Compute general capability (module docstring) over the complete rows of `wide`; None if PCA fails."""
    table = oriented(wide, schema).dropna()
    if table.shape[1] < 2 or len(table) < 3:
        return None
    pca = principal_components(table, scaling="standardized")
    if pca.reason is not None:
        logger.info("no general capability for %s: %s", schema.id, pca.reason)
        return None

    pc1 = pca.scores["PC1"]
    spread = float(pc1.std(ddof=1))
    if not spread > 0:
        return None
    scores = pc1 / spread

    mean_score = table[pca.loadings.index].mean(axis=1)
    slope = float(np.polyfit(scores.to_numpy(), mean_score.loc[scores.index].to_numpy(), 1)[0]) if len(scores) > 2 else math.nan
    return Capability(scores, list(pca.loadings.index), slope, float(pca.explained_variance_ratio["PC1"]))


def _dominance(log_size: np.ndarray, capability: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return, per model, the count of models >= ratio x its size, how many of them score >= it, their best score, and the tail p-value of the margin (NaN unless it beats them all)."""
    order = np.argsort(log_size, kind="stable")
    sorted_size = log_size[order]
    sorted_cap = capability[order]
    start = np.searchsorted(sorted_size, log_size + math.log10(ratio), side="left")
    n_larger = len(log_size) - start

    # Best capability among the models from position i on (the larger ones).
    suffix_best = np.maximum.accumulate(sorted_cap[::-1])[::-1]
    best_larger = np.where(start < len(log_size), suffix_best[np.minimum(start, len(log_size) - 1)], np.nan)

    # Margin over the larger models' upper tail, for the models that beat all of them.
    tail_p = np.full(len(log_size), np.nan)
    for i in np.flatnonzero(n_larger >= MIN_LARGER):
        if capability[i] <= best_larger[i]:
            continue
        larger_caps = np.sort(sorted_cap[start[i]:])[::-1]
        k = max(MIN_LARGER, int(math.ceil(0.1 * len(larger_caps))))
        threshold = larger_caps[k - 1]
        scale = float(np.mean(larger_caps[: k - 1] - threshold))
        if scale > 0:
            tail_p[i] = k / len(larger_caps) * math.exp(-(capability[i] - threshold) / scale)

    at_least = np.zeros(len(log_size), dtype="int64")
    positions = np.arange(len(log_size))
    for begin in range(0, len(log_size), CHUNK):
        block = slice(begin, begin + CHUNK)
        larger = positions[None, :] >= start[block, None]
        beaten = sorted_cap[None, :] >= capability[block, None]
        at_least[block] = (larger & beaten).sum(axis=1)
    return n_larger, at_least, best_larger, tail_p


def rule_size(board: BoardData, snapshot: str | None, settings: AlertSettings, muted, sizes: pd.Series) -> list[Finding]:
    """Test every model of known size for capability far above its size (module docstring).

    Returns one finding per tested model. Models with a muted cell are left
    out of the complete cases; unknown or contradicted sizes are skipped and
    counted in each finding's evidence and in the log.
    """
    schema = board.schema
    wide = masked_wide(board, snapshot, muted)
    capability = general_capability(wide, schema)
    if capability is None:
        logger.info("size rule skipped on %s: no general capability could be computed", schema.id)
        return []

    size = pd.to_numeric(sizes.reindex(capability.scores.index), errors="coerce")
    known = (size > 0) & np.isfinite(size)
    n_unknown = int((~known).sum())
    n_incomplete = int(len(wide) - len(capability.scores))
    if n_unknown:
        logger.info("size rule on %s: %d models skipped for unknown or contradicted size", schema.id, n_unknown)
    if int(known.sum()) < MIN_MODELS:
        logger.info("size rule skipped on %s: %d models of known size (minimum %d)", schema.id, int(known.sum()), MIN_MODELS)
        return []

    keys = capability.scores.index[known.to_numpy()]
    cap = capability.scores.loc[keys].to_numpy(dtype="float64")
    params = size.loc[keys].to_numpy(dtype="float64")
    log_size = np.log10(params)

    # Upper frontier and its upper-tail scale.
    design = np.column_stack([np.ones(len(log_size)), log_size])
    fit = QuantReg(cap, design).fit(q=FRONTIER_QUANTILE)
    intercept, slope = (float(v) for v in fit.params)
    frontier = intercept + slope * log_size
    excess = cap - frontier
    above = excess[excess > 0]
    share_above = len(above) / len(excess)
    beta = float(np.median(above) / math.log(2)) if len(above) else math.nan
    if not beta > 0:
        logger.info("size rule skipped on %s: no spread above the frontier", schema.id)
        return []

    sorted_excess = np.sort(excess)
    share_at_least = (len(excess) - np.searchsorted(sorted_excess, excess, side="left")) / len(excess)
    p_frontier = np.where(excess > 0, share_above * np.exp(-np.clip(excess, 0, None) / beta), share_at_least)

    n_larger, at_least, best_larger, tail_p = _dominance(log_size, cap, settings.size_ratio)
    p_dominance = np.fmin((1 + at_least) / (1 + n_larger), tail_p)
    runs_dominance = n_larger >= MIN_LARGER
    p_value = np.where(runs_dominance, np.minimum(1.0, 2 * np.minimum(p_frontier, p_dominance)), p_frontier)

    method = (
        f"capability = PC1 of {len(capability.benchmarks)} benchmarks in SD units (PC1 explains {capability.explained:.0%}); "
        f"frontier = {FRONTIER_QUANTILE:.0%} quantile regression on log10 size; tail scale from excesses above it; "
        f"dominance over models >= {settings.size_ratio:g}x the size (run with at least {MIN_LARGER})"
    )
    findings = []
    for i, key in enumerate(keys):
        cells = tuple((key, bench) for bench in capability.benchmarks)
        evidence = {
            "observed": float(cap[i]),
            "predicted": float(frontier[i]),
            "excess_sd": float(excess[i]),
            "excess_points": float(excess[i] * capability.points_per_sd),
            "params_b": float(params[i]),
            "tail_scale_sd": beta,
            "share_above_frontier": share_above,
            "p_frontier": float(p_frontier[i]),
            "n_larger": int(n_larger[i]),
            "n_larger_at_least_as_good": int(at_least[i]),
            "best_larger": float(best_larger[i]),
            "beats_every_larger": bool(n_larger[i] > 0 and at_least[i] == 0),
            "p_dominance": float(p_dominance[i]) if runs_dominance[i] else None,
            "p_margin_over_larger": None if np.isnan(tail_p[i]) else float(tail_p[i]),
            "n_reference": len(keys),
            "n_unknown_size": n_unknown,
            "n_incomplete": n_incomplete,
            "frontier_intercept": intercept,
            "frontier_slope_per_decade": slope,
            "method": method,
            "thresholds": {"size_ratio": settings.size_ratio, "min_larger": MIN_LARGER, "quantile": FRONTIER_QUANTILE},
        }
        dominance_text = (
            f"beats all {n_larger[i]} models >= {settings.size_ratio:g}x its size" if evidence["beats_every_larger"]
            else f"{at_least[i]} of {n_larger[i]} models >= {settings.size_ratio:g}x its size score at least as high"
        )
        findings.append(Finding(
            rule=RULE, board=schema.id, model_key=key, benchmark=None,
            effect=float(excess[i]), effect_unit="SD of general capability",
            statistic=float(excess[i] / beta), p_value=float(p_value[i]),
            cells=cells, evidence=evidence,
            summary=f"capability {excess[i]:+.2f} SD above the {FRONTIER_QUANTILE:.0%} frontier for {params[i]:g}B; {dominance_text}",
        ))
    logger.info("size rule on %s: %d models tested, %d skipped for size, %d incomplete", schema.id, len(findings), n_unknown, n_incomplete)
    return findings
