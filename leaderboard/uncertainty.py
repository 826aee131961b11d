"""Rank intervals: how far a model's rank could move given its scores' standard errors.

Terms used here:

- competition rank: 1 + the number of models with a strictly better score,
  so tied models share the best rank of their group (1, 2, 2, 4).
- rank interval: the 2.5% and 97.5% quantiles (`level` 0.95) of a model's
  competition rank over a parametric bootstrap. Each draw adds independent
  normal noise N(0, se^2) to every score and re-ranks all models. Quantiles
  use numpy's "inverted_cdf" method, so bounds are ranks that occurred.

Standard errors of one benchmark, in this order of preference:

1. `stderr` from the results table, on the displayed scale.
2. The data's own 95% interval: se = (ci_high - ci_low) / (2 x 1.96), with
   1.96 the normal 97.5% quantile. This uses the mean of the two half-widths,
   so an asymmetric interval (LMArena's +3/-4) is made symmetric.
3. Binomial, where the schema gives the item count: se = sqrt(p (1 - p) / items)
   with p the proportion correct. If the benchmark has a 0-1 raw scale and
   raw scores, p is the raw score and ranks are taken on the raw scale (the
   normalized score is a monotone map of it, except that clipped scores tie).
   For the aggregate, which is on the displayed scale, that se is multiplied
   by the slope of displayed on raw scores (see `_display_slope`).
   Otherwise p = (score - low) / (high - low) over the displayed valid range,
   and se is multiplied back by (high - low); this assumes the displayed
   score is a linear map of a proportion correct.

A model with a score but no standard error keeps its score fixed in every
draw and its `note` states so. Where a benchmark has no error information at all,
no interval is computed and `reason` gives why.

The parametric bootstrap is written by hand: scipy's `bootstrap` resamples
data, it does not draw from given standard errors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from leaderboard.aggregate import aggregate_benchmarks, wide_scores
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

Z_95 = 1.959963984540054
RANK_COLUMNS = ["score", "se", "rank", "rank_low", "rank_high", "note"]
_DRAW_BLOCK = 100


@dataclass(frozen=True)
class StandardErrors:
    """Per-model scores and standard errors of one benchmark, on the scale used for ranking.

    `scale` is "displayed" or "raw"; `method` names the source of the errors.
    `reason` is set, and `se` all NaN, when the benchmark has no error
    information.
    """

    benchmark: str
    scores: pd.Series
    se: pd.Series
    scale: str
    method: str
    reason: str | None = None


@dataclass(frozen=True)
class RankIntervals:
    """Rank intervals of one ranking, indexed by model key with `RANK_COLUMNS`.

    `rank` is the competition rank of the observed scores. `rank_low` and
    `rank_high` are NaN, and `reason` gives why, when there is no error
    information; `note` marks a model whose score was held fixed.
    """

    table: pd.DataFrame
    method: str
    level: float
    draws: int
    reason: str | None = None


def competition_ranks(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Rank each row of a 2-D array by competition rank (1 = best), via `scipy.stats.rankdata(method="min")`."""
    oriented = -values if higher_is_better else values
    return stats.rankdata(oriented, method="min", axis=-1)


def rank_intervals(
    scores: pd.Series,
    se: pd.Series | None,
    higher_is_better: bool = True,
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    method: str = "given standard errors",
    reason: str | None = None,
) -> RankIntervals:
    """Bootstrap each model's rank interval from scores and their standard errors.

    Models with a missing score are dropped. `se` None (or all missing) gives
    point ranks only, NaN bounds and `reason`. A missing or negative se for
    one model holds that model's score fixed. Noise is drawn with numpy
    `default_rng(seed)` in blocks of 100 draws.
    """
    scores = scores.dropna().astype("float64")
    observed = competition_ranks(scores.to_numpy(), higher_is_better)
    table = pd.DataFrame({"score": scores, "se": np.nan, "rank": observed.astype("int64"), "rank_low": np.nan, "rank_high": np.nan, "note": None}, index=scores.index)

    errors = se.reindex(scores.index).astype("float64") if se is not None else pd.Series(np.nan, index=scores.index)
    if errors.isna().all() or scores.empty:
        return RankIntervals(table[RANK_COLUMNS], method, level, 0, reason or "no standard errors for these scores")

    usable = errors.notna() & (errors >= 0)
    table["se"] = errors.where(usable)
    table.loc[~usable, "note"] = "no standard error; score held fixed"
    sigma = errors.where(usable, 0.0).to_numpy()
    centre = scores.to_numpy()

    rng = np.random.default_rng(seed)
    ranks = np.empty((draws, len(centre)), dtype="int32")
    for start in range(0, draws, _DRAW_BLOCK):
        block = min(_DRAW_BLOCK, draws - start)
        noisy = centre + rng.standard_normal((block, len(centre))) * sigma
        ranks[start:start + block] = competition_ranks(noisy, higher_is_better)

    tail = (1 - level) / 2
    table["rank_low"] = np.quantile(ranks, tail, axis=0, method="inverted_cdf")
    table["rank_high"] = np.quantile(ranks, 1 - tail, axis=0, method="inverted_cdf")
    return RankIntervals(table[RANK_COLUMNS], method, level, draws)


def _results_of(board: BoardData, benchmark_id: str, snapshot: str | None) -> pd.DataFrame:
    snapshot = snapshot or board.latest_snapshot
    results = board.results
    rows = results[(results["snapshot"] == snapshot) & (results["benchmark"] == benchmark_id)]
    return rows.set_index("model_key")


def benchmark_standard_errors(board: BoardData, benchmark_id: str, snapshot: str | None = None, use_raw: bool = True) -> StandardErrors:
    """Find one benchmark's standard errors by the rules of the module docstring.

    `use_raw` False keeps the binomial errors on the displayed scale even
    where raw scores exist (the aggregate needs one scale).
    """
    bench = board.schema.benchmark(benchmark_id)
    rows = _results_of(board, benchmark_id, snapshot)
    scores = rows["score"].astype("float64")

    if rows["stderr"].notna().any():
        return StandardErrors(benchmark_id, scores, rows["stderr"].astype("float64"), "displayed", "stderr column")

    if (rows["ci_low"].notna() & rows["ci_high"].notna()).any():
        se = (rows["ci_high"] - rows["ci_low"]).astype("float64") / (2 * Z_95)
        return StandardErrors(benchmark_id, scores, se, "displayed", "data interval, se = (high - low) / (2 x 1.96)")

    if bench.items is None:
        none = pd.Series(np.nan, index=scores.index)
        reason = f"{bench.name} has no standard errors, intervals or item count, so its rank uncertainty is unknown"
        return StandardErrors(benchmark_id, scores, none, "displayed", "none", reason)

    raw_range = bench.raw.valid_range if bench.raw is not None else None
    if raw_range == (0.0, 1.0) and rows["score_raw"].notna().any():
        proportion = rows["score_raw"].astype("float64")
        se = np.sqrt(proportion * (1 - proportion) / bench.items)
        if use_raw:
            return StandardErrors(benchmark_id, proportion, se, "raw", f"binomial on the raw score, items={bench.items}")
        slope = _display_slope(scores, proportion, bench.scale.valid_range)
        if slope is not None:
            method = f"binomial on the raw score, items={bench.items}, times the displayed/raw slope {slope:.4g}"
            return StandardErrors(benchmark_id, scores, se * slope, "displayed", method)

    low, high = bench.scale.valid_range or (0.0, 1.0)
    if bench.scale.valid_range is None:
        none = pd.Series(np.nan, index=scores.index)
        reason = f"{bench.name} has an item count but no valid range to turn its scores into proportions"
        return StandardErrors(benchmark_id, scores, none, "displayed", "none", reason)
    proportion = ((scores - low) / (high - low)).clip(0.0, 1.0)
    se = np.sqrt(proportion * (1 - proportion) / bench.items) * (high - low)
    return StandardErrors(benchmark_id, scores, se, "displayed", f"binomial on the displayed score over its range [{low:g}, {high:g}], items={bench.items}")


def _display_slope(displayed: pd.Series, raw: pd.Series, valid_range) -> float | None:
    """Fit displayed = a + slope x raw by least squares over the rows not clipped at the range's low end.

    The fit converts a raw standard error to the displayed scale. It is exact
    for a linear normalization and an average where the board normalizes
    per subtask before averaging (BBH and MuSR on the Open LLM Leaderboard v2).
    """
    low = valid_range[0] if valid_range else -np.inf
    pair = pd.DataFrame({"displayed": displayed, "raw": raw}).dropna()
    pair = pair[pair["displayed"] > low]
    if len(pair) < 2 or pair["raw"].nunique() < 2:
        return None
    return float(np.polyfit(pair["raw"], pair["displayed"], 1)[0])


def benchmark_rank_intervals(board: BoardData, benchmark_id: str, snapshot: str | None = None, draws: int = 1000, seed: int = 0, level: float = 0.95) -> RankIntervals:
    """Compute rank intervals of every model on one benchmark of a board."""
    errors = benchmark_standard_errors(board, benchmark_id, snapshot)
    higher = board.schema.benchmark(benchmark_id).higher_is_better
    se = None if errors.reason else errors.se
    return rank_intervals(errors.scores, se, higher, draws, seed, level, errors.method, errors.reason)


def aggregate_rank_intervals(
    board: BoardData,
    snapshot: str | None = None,
    draws: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    benchmarks: list[str] | None = None,
) -> RankIntervals:
    """Compute rank intervals of the unweighted mean over benchmarks, each score perturbed.

    Uses the complete rows of the displayed wide table over `benchmarks`
    (default: the board's non-composite benchmarks). Each benchmark's errors
    come from `benchmark_standard_errors` on the displayed scale. The mean's
    standard error is sqrt(sum se_b^2) / k for k benchmarks, which equals
    perturbing each score independently and averaging. Needs error
    information for every benchmark, otherwise `reason` names the first one
    without it. NOTE: this is the plain mean; boards whose aggregate rule is
    weighted or by category rank on a different number.
    """
    wide = wide_scores(board, snapshot, raw=False)
    ids = benchmarks or aggregate_benchmarks(board.schema, wide.columns)
    complete = wide[ids].dropna()
    mean = complete.mean(axis=1)
    directions = {board.schema.benchmark(b).higher_is_better for b in ids}
    if not ids or len(directions) > 1:
        reason = "no benchmarks to average" if not ids else "the benchmarks mix higher- and lower-is-better scores"
        return rank_intervals(mean, None, True, draws, seed, level, "none", reason)

    variance = pd.Series(0.0, index=complete.index)
    methods = []
    for bench in ids:
        errors = benchmark_standard_errors(board, bench, snapshot, use_raw=False)
        if errors.reason:
            return rank_intervals(mean, None, directions.pop(), draws, seed, level, "none", errors.reason)
        variance = variance + errors.se.reindex(complete.index) ** 2
        methods.append(f"{bench}: {errors.method}")
    se = np.sqrt(variance) / len(ids)
    return rank_intervals(mean, se, directions.pop(), draws, seed, level, "; ".join(methods))
