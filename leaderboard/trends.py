"""Trend tests and change points for score series over time.

Time conversion: every statistic here measures time in years since
1970-01-01 UTC, computed as elapsed days / 365.25 (`years_since_epoch`), so a
slope is "score units per year".

- `mann_kendall`: the Mann-Kendall trend test computed as Kendall's tau-b
  between time and value (`scipy.stats.kendalltau`), with Sen's slope and its
  confidence interval (`scipy.stats.theilslopes`).
- `change_points`: PELT (`ruptures.Pelt`) on one series, for example the
  frontier or a cohort's median per period.

Nothing here is written by hand except the default penalty rule and the
checks for series too short or too flat to test.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import ruptures
from scipy import stats

from leaderboard.timeaxis import years_since_epoch

logger = logging.getLogger(__name__)

CHANGE_MODELS = ("l2", "rbf")

# `scipy.stats.theilslopes` builds n x n arrays of pairwise differences, about
# 3.4 s and several GB at n = 10,000. Above this many points Sen's slope is
# computed on a random subsample of this size (fixed seed).
SEN_MAX_POINTS = 2000
SEN_SEED = 0
PENALTY_RULES = {
    "l2": "3 * ln(n) * s^2, with n the series length and s^2 its sample variance (ddof=1)",
    "rbf": "3 * ln(n), because the rbf kernel cost is unitless (each point contributes at most 1)",
}
COST_DESCRIPTIONS = {
    "l2": "l2: sum of squared deviations from each segment's mean (detects shifts in the mean)",
    "rbf": "rbf: Gaussian-kernel cost, bandwidth by ruptures' median heuristic (detects shifts in the distribution)",
}


@dataclass(frozen=True)
class MannKendall:
    """A Mann-Kendall trend test with Sen's slope.

    `tau` is Kendall's tau-b between time and value, and `p_value` is its
    two-sided p-value from scipy 1.17's "auto" method: exact when there are
    no ties and n <= 33 (or at most one discordant pair), otherwise the normal
    approximation with the tie-corrected variance.
    Tied times (several models on one date) and tied values count as ties in
    tau-b. `slope_per_year` is Sen's slope, the median of the pairwise slopes
    between points at different times, with the `confidence` interval
    [`slope_low`, `slope_high`] from `theilslopes`. `intercept` is the value of
    the Sen line at time 0 (1970-01-01). When the test cannot run, every
    number is NaN and `unavailable` gives the reason.
    """

    n: int
    tau: float
    p_value: float
    slope_per_year: float
    slope_low: float
    slope_high: float
    intercept: float
    confidence: float
    sen_points: int = 0
    unavailable: str | None = None


@dataclass(frozen=True)
class ChangePoints:
    """Change points found by PELT in one series.

    `indices` are the positions (0-based, in time order) where a new segment
    starts, and `times` the matching times. `segment_means` has one mean per
    segment. `cost` and `penalty_rule` describe the method so the UI can state
    them. `unavailable` gives the reason no search ran, and the results are empty.
    """

    indices: list[int]
    times: list[pd.Timestamp]
    segment_means: list[float]
    model: str
    cost: str
    penalty: float
    penalty_rule: str
    n: int
    unavailable: str | None = None


def mann_kendall(times, values, confidence: float = 0.95) -> MannKendall:
    """Test for a monotone trend of `values` over `times` (UTC times, any sequence).

    Pairs with a missing time or value are dropped first and `n` counts the
    rest. The test needs at least 3 points, at least two distinct times and
    at least two distinct values; otherwise the result is unavailable.
    """
    frame = pd.DataFrame({"time": pd.to_datetime(pd.Series(list(times)), utc=True), "value": pd.to_numeric(pd.Series(list(values)), errors="coerce")})
    frame = frame.dropna()
    n = len(frame)
    nan = float("nan")

    def unavailable(reason: str) -> MannKendall:
        return MannKendall(n, nan, nan, nan, nan, nan, nan, confidence, unavailable=reason)

    if n < 3:
        return unavailable(f"needs at least 3 dated scores, got {n}")
    years = years_since_epoch(frame["time"])
    scores = frame["value"].to_numpy(dtype="float64")
    if np.unique(years).size < 2:
        return unavailable(f"all {n} scores share one date, so there is no time trend to test")
    if np.unique(scores).size < 2:
        return unavailable(f"all {n} scores are equal ({scores[0]:g}), so tau is undefined")

    tau = stats.kendalltau(years, scores)
    sen, used = sen_slope(years, scores, confidence)
    return MannKendall(
        n=n,
        tau=float(tau.statistic),
        p_value=float(tau.pvalue),
        slope_per_year=float(sen.slope),
        slope_low=float(sen.low_slope),
        slope_high=float(sen.high_slope),
        intercept=float(sen.intercept),
        confidence=confidence,
        sen_points=used,
    )


def sen_slope(years: np.ndarray, scores: np.ndarray, confidence: float = 0.95):
    """Run `scipy.stats.theilslopes(scores, years)`, on a fixed-seed subsample above `SEN_MAX_POINTS`.

    Returns the scipy result and the number of points used.
    """
    if len(scores) > SEN_MAX_POINTS:
        # NOTE: the subsample makes the slope an estimate of the full-data Sen slope.
        chosen = np.random.default_rng(SEN_SEED).choice(len(scores), SEN_MAX_POINTS, replace=False)
        years, scores = years[chosen], scores[chosen]
    return stats.theilslopes(scores, years, alpha=confidence), len(scores)


def default_penalty(values: np.ndarray, model: str) -> float:
    """Return the default PELT penalty for `model` on `values`, by the rule in `PENALTY_RULES`."""
    n = len(values)
    if model == "l2":
        return 3.0 * math.log(n) * float(np.var(values, ddof=1))
    return 3.0 * math.log(n)


def change_points(series: pd.Series, model: str = "l2", penalty: float | None = None, min_size: int = 2) -> ChangePoints:
    """Find change points in `series` (values indexed by time) with PELT.

    The series is sorted by its index and missing values are dropped. PELT
    runs with `jump=1`, so every position is a candidate, and `min_size` is
    the shortest segment allowed. `penalty` None uses `default_penalty`. A
    series shorter than `2 * min_size`, or constant, has no change point, and
    `unavailable` gives the reason. Raises ValueError for an unknown `model` or a
    negative penalty.
    """
    if model not in CHANGE_MODELS:
        raise ValueError(f"unknown change-point cost {model!r}; use one of {', '.join(CHANGE_MODELS)}")
    if penalty is not None and penalty < 0:
        raise ValueError(f"penalty must be zero or positive, got {penalty}")

    clean = series.dropna().sort_index(kind="stable")
    values = clean.to_numpy(dtype="float64")
    n = len(values)
    rule = PENALTY_RULES[model] if penalty is None else "set by the caller"

    def empty(reason: str | None, pen: float) -> ChangePoints:
        means = [float(values.mean())] if n else []
        return ChangePoints([], [], means, model, COST_DESCRIPTIONS[model], pen, rule, n, unavailable=reason)

    if n < 2 * min_size:
        return empty(f"needs at least {2 * min_size} points for two segments of {min_size}, got {n}", float("nan"))
    if np.ptp(values) == 0:
        return empty(f"all {n} values are equal, so there is no change to find", 0.0 if penalty is None else penalty)

    pen = default_penalty(values, model) if penalty is None else float(penalty)
    ends = ruptures.Pelt(model=model, min_size=min_size, jump=1).fit(values).predict(pen=pen)

    # ruptures returns the end of each segment, the last being n; a change point
    # is the start of the next segment.
    starts = [0] + ends[:-1]
    means = [float(values[start:end].mean()) for start, end in zip(starts, ends)]
    indices = [int(i) for i in ends[:-1]]
    times = [clean.index[i] for i in indices]
    logger.info("PELT (%s, penalty %.4g) on %d points: %d change points", model, pen, n, len(indices))
    return ChangePoints(indices, times, means, model, COST_DESCRIPTIONS[model], pen, rule, n)
