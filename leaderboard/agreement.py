"""Benchmark agreement: does a benchmark still order models as the others do?

Terms used here:

- win rate of a model on a benchmark: among the other models of the sample
  that have a score on that benchmark, the share it beats, a tie counting
  one half. Direction follows `higher_is_better`. With m scored models and
  average rank r (1 = worst) the win rate is (r - 1) / (m - 1); a benchmark
  scored by a single model gives no win rate.
- aggregate of the others: for benchmark b, each model's mean win rate over
  the remaining benchmarks on which it has a score.
- agreement of b: Kendall's tau-b (`scipy.stats.kendalltau`, variant "b")
  between b's scores, oriented so that higher is better, and the aggregate
  of the others, over the models that have both. Below `min_overlap` models
  there is no agreement for that draw.
- draws: agreement is computed on `draws` random subsets of half the models,
  drawn without replacement (numpy `default_rng(seed)`); win rates are
  computed within each subset.
- relative z of b: (b's mean agreement - the mean of the other benchmarks'
  mean agreements) / the sample standard deviation (ddof=1) of those other
  means. It needs at least 2 other benchmarks with a mean agreement.

Win rates, the drift bootstrap and its p-value are written by hand: no
maintained package computes benchmark agreement in this form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from leaderboard.correlation import DEFAULT_MIN_OVERLAP

logger = logging.getLogger(__name__)

DEFAULT_DRAWS = 100
AGREEMENT_COLUMNS = ["mean_agreement", "sd_agreement", "low", "high", "draws_used", "relative_z"]
DRIFT_COLUMNS = [
    "window_start", "window_end", "benchmark", "n_models", "estimate", "low", "high",
    "previous_estimate", "p_value", "q_value", "flagged", "reason",
]


@dataclass(frozen=True)
class AgreementResult:
    """Agreement per benchmark over the random half-subsets.

    `table` is indexed by benchmark with `AGREEMENT_COLUMNS`: the mean and
    sample standard deviation of tau-b over the draws that had one, the 2.5%
    and 97.5% quantiles over those draws, their count, and the relative z.
    `draws` contains every draw's tau-b (rows are draws, NaN where none).
    """

    table: pd.DataFrame
    draws: pd.DataFrame


def oriented_values(wide: pd.DataFrame, higher_is_better: Mapping[str, bool] | None) -> np.ndarray:
    """Return the scores as a float array, negated for lower-is-better columns so higher is always better."""
    values = wide.to_numpy(dtype="float64", na_value=np.nan)
    if higher_is_better:
        signs = np.array([1.0 if higher_is_better.get(c, True) else -1.0 for c in wide.columns])
        values = values * signs
    return values


def win_rates(values: np.ndarray) -> np.ndarray:
    """Compute each model's win rate per column of oriented scores (NaN where unscored or alone)."""
    rates = np.full(values.shape, np.nan)
    for column in range(values.shape[1]):
        scored = ~np.isnan(values[:, column])
        count = int(scored.sum())
        if count < 2:
            continue
        ranks = stats.rankdata(values[scored, column], method="average")
        rates[scored, column] = (ranks - 1) / (count - 1)
    return rates


def agreement_once(values: np.ndarray, min_overlap: int = DEFAULT_MIN_OVERLAP) -> np.ndarray:
    """Compute each column's tau-b against the mean win rate of the other columns, on one sample."""
    rates = win_rates(values)
    has_rate = ~np.isnan(rates)
    rate_sum = np.where(has_rate, rates, 0.0).sum(axis=1)
    rate_count = has_rate.sum(axis=1)
    result = np.full(values.shape[1], np.nan)

    for column in range(values.shape[1]):
        own = np.where(has_rate[:, column], rates[:, column], 0.0)
        others = rate_count - has_rate[:, column]
        with np.errstate(invalid="ignore", divide="ignore"):
            aggregate = np.where(others > 0, (rate_sum - own) / others, np.nan)
        usable = ~np.isnan(values[:, column]) & ~np.isnan(aggregate)
        if usable.sum() < min_overlap:
            continue
        x, y = values[usable, column], aggregate[usable]
        if np.all(x == x[0]) or np.all(y == y[0]):
            continue
        result[column] = stats.kendalltau(x, y, variant="b").statistic
    return result


def relative_z(means: pd.Series) -> pd.Series:
    """Compute each benchmark's (mean - mean of the others) / sample sd of the others."""
    z = pd.Series(np.nan, index=means.index, dtype="float64")
    for name in means.index:
        others = means.drop(name).dropna()
        if np.isnan(means[name]) or len(others) < 2:
            continue
        spread = others.std(ddof=1)
        if spread > 0:
            z[name] = (means[name] - others.mean()) / spread
    return z


def benchmark_agreement(
    wide: pd.DataFrame,
    higher_is_better: Mapping[str, bool] | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    subset_fraction: float = 0.5,
    min_overlap: int = DEFAULT_MIN_OVERLAP,
    progress: Callable[[float], None] | None = None,
) -> AgreementResult:
    """Compute each benchmark's agreement with the aggregate of the others (see the module docstring).

    `wide` contains the analysed benchmarks only (no composites). A subset has
    round(subset_fraction x models) models, at least 2. A benchmark with no
    draw reaching `min_overlap` models gets NaN everywhere. `progress`, if
    given, is called with the fraction of draws done (for `gr.Progress`).
    """
    values = oriented_values(wide, higher_is_better)
    models = len(values)
    size = max(2, int(round(subset_fraction * models)))
    rng = np.random.default_rng(seed)
    samples = np.full((draws, values.shape[1]), np.nan)
    if models >= 2:
        for draw in range(draws):
            rows = rng.choice(models, size=min(size, models), replace=False)
            samples[draw] = agreement_once(values[rows], min_overlap)
            if progress is not None:
                progress((draw + 1) / draws)

    frame = pd.DataFrame(samples, columns=list(wide.columns))
    used = frame.notna().sum()
    means = frame.mean()
    table = pd.DataFrame(
        {
            "mean_agreement": means,
            "sd_agreement": frame.std(ddof=1),
            "low": frame.quantile(0.025),
            "high": frame.quantile(0.975),
            "draws_used": used.astype("int64"),
            "relative_z": relative_z(means),
        }
    )
    return AgreementResult(table=table[AGREEMENT_COLUMNS], draws=frame)


def _bootstrap_window(values: np.ndarray, draws: int, rng: np.random.Generator, min_overlap: int) -> np.ndarray:
    """Recompute agreement on `draws` resamples of the window's models, drawn with replacement."""
    samples = np.full((draws, values.shape[1]), np.nan)
    for draw in range(draws):
        rows = rng.integers(0, len(values), size=len(values))
        samples[draw] = agreement_once(values[rows], min_overlap)
    return samples


def agreement_drift(
    wide: pd.DataFrame,
    dates: pd.Series,
    higher_is_better: Mapping[str, bool] | None = None,
    window_days: int = 180,
    step_days: int = 90,
    min_models: int = 30,
    draws: int = 200,
    seed: int = 0,
    level: float = 0.95,
    min_overlap: int = DEFAULT_MIN_OVERLAP,
    progress: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Track each benchmark's agreement across rolling date windows, flagging drops.

    `dates` maps model keys (the index of `wide`) to timestamps; models
    without a date are left out. Windows are [start, start + window_days),
    starting at the earliest date and moving by `step_days`. A window with
    fewer than `min_models` dated models gets a reason and no numbers.

    In each window the estimate is agreement on all of its models (no
    subsetting) and the band is the percentile bootstrap over `draws`
    resamples of its models with replacement, at `level`. A window is
    `flagged` when its upper bound lies below the previous window's estimate.
    `p_value` tests "agreement fell below the previous estimate", one-sided:
    (1 + resamples whose agreement >= the previous estimate) / (1 + resamples
    used). `q_value` is the Benjamini-Hochberg adjustment of those p-values
    across the windows of each benchmark (statsmodels `fdr_bh`). Returns a
    long table with `DRIFT_COLUMNS`, one row per window and benchmark.
    `progress`, if given, is called with the fraction of the date span done.
    """
    if window_days <= 0 or step_days <= 0:
        raise ValueError(f"window_days and step_days must be positive, got {window_days} and {step_days}")
    dated = pd.to_datetime(dates.reindex(wide.index), utc=True, errors="coerce")
    keep = dated.notna().to_numpy()
    values = oriented_values(wide, higher_is_better)[keep]
    stamps = dated[keep]
    benchmarks = list(wide.columns)
    if stamps.empty:
        return pd.DataFrame(columns=DRIFT_COLUMNS)

    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    rows = []
    previous = {b: np.nan for b in benchmarks}
    start = first = stamps.min().normalize()
    last = stamps.max()
    span = max(last - first, pd.Timedelta(days=1))
    window = pd.Timedelta(days=window_days)

    while start <= last:
        end = start + window
        inside = ((stamps >= start) & (stamps < end)).to_numpy()
        count = int(inside.sum())
        if count < min_models:
            for bench in benchmarks:
                rows.append(_drift_row(start, end, bench, count, reason=f"{count} dated models in the window (minimum {min_models})"))
                previous[bench] = np.nan
            start += pd.Timedelta(days=step_days)
            if progress is not None:
                progress(min(1.0, (start - first) / span))
            continue

        window_values = values[inside]
        estimate = agreement_once(window_values, min_overlap)
        samples = _bootstrap_window(window_values, draws, rng, min_overlap)
        for k, bench in enumerate(benchmarks):
            column = samples[:, k]
            column = column[~np.isnan(column)]
            if np.isnan(estimate[k]) or len(column) == 0:
                rows.append(_drift_row(start, end, bench, count, reason=f"fewer than {min_overlap} models score {bench} and the others"))
                previous[bench] = np.nan
                continue
            low, high = np.quantile(column, [tail, 1 - tail])
            before = previous[bench]
            p_value = np.nan
            if not np.isnan(before):
                p_value = (1 + int((column >= before).sum())) / (1 + len(column))
            rows.append(_drift_row(start, end, bench, count, estimate[k], low, high, before, p_value, flagged=bool(high < before)))
            previous[bench] = estimate[k]
        start += pd.Timedelta(days=step_days)
        if progress is not None:
            progress(min(1.0, (start - first) / span))

    table = pd.DataFrame(rows, columns=DRIFT_COLUMNS)
    for bench, group in table.groupby("benchmark"):
        tested = group["p_value"].notna()
        if tested.any():
            _, adjusted, _, _ = multipletests(group.loc[tested, "p_value"], method="fdr_bh")
            table.loc[group.index[tested], "q_value"] = adjusted
    logger.info("agreement drift: %d windows of %d days for %d benchmarks", table["window_start"].nunique(), window_days, len(benchmarks))
    return table


def _drift_row(start, end, bench, count, estimate=np.nan, low=np.nan, high=np.nan, previous=np.nan, p_value=np.nan, flagged=False, reason=None) -> dict:
    return {
        "window_start": start, "window_end": end, "benchmark": bench, "n_models": count,
        "estimate": estimate, "low": low, "high": high, "previous_estimate": previous,
        "p_value": p_value, "q_value": np.nan, "flagged": flagged, "reason": reason,
    }
