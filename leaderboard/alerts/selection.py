"""Rule 6, selection pressure: an organisation that submits many variants in a short window.

Submitting N variants and keeping the best one inflates the best score even
when no variant is better than the others: the maximum of N noisy draws lies
above their mean. This rule is descriptive (p-value None) and shows the
expected size of that inflation.

Terms used here:

- organisation: the part of the model name (`model_id`) before the first
  '/'. Names without '/' belong to no organisation and are not checked.
- window: `settings.selection_window_days` days starting at one of the
  organisation's submission dates (`submission_date`, ISO 8601, as parsed by
  `leaderboard.cohorts.model_dates`). The window with the most submissions
  is used, the earliest on a tie. It qualifies with at least
  `settings.selection_min_variants` variants scored in the snapshot.
- variant score: the board average over the scores present of each
  variant in the window (`leaderboard.aggregate.aggregate_scores`,
  partial); variants with a muted cell are left out, because a broken
  evaluation would widen the spread.
- expected inflation: sigma x E[max of N standard normals], with the
  expected maximum computed by numerical integration
  (`expected_max_normal`). sigma is the pooled within-size standard
  deviation of the variant scores: variants are grouped by the size buckets
  of `leaderboard.cohorts.SIZE_BUCKETS` (unknown sizes form one group),
  and sigma^2 = sum of squared deviations from each group's mean / (N -
  groups). An organisation releasing 0.5B to 72B models in one month would
  otherwise show the spread of sizes as selection noise. With no group of 2
  or more variants, sigma is the plain sample SD (ddof=1). It assumes the
  variants are N independent normal draws around their group means.
The finding is attached to the organisation's best variant in the window.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import integrate, stats

from leaderboard.aggregate import aggregate_higher_is_better, aggregate_scores
from leaderboard.alerts.model import Finding
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.size import masked_wide
from leaderboard.cohorts import SIZE_BUCKETS, model_dates
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

RULE = "selection"
DATE_COLUMN = "submission_date"


@lru_cache(maxsize=1024)
def expected_max_normal(n: int) -> float:
    """Return E[max of n independent standard normal draws].

    Computed as the integral of x n phi(x) Phi(x)^(n-1) over the real line
    (`scipy.integrate.quad`); 0 for n = 1. Raises ValueError for n < 1.
    """
    if n < 1:
        raise ValueError(f"expected_max_normal needs n >= 1, got {n}")
    if n == 1:
        return 0.0

    def density(x: float) -> float:
        return x * n * stats.norm.pdf(x) * stats.norm.cdf(x) ** (n - 1)

    value, _ = integrate.quad(density, -np.inf, np.inf)
    return float(value)


def pooled_sd(scores: np.ndarray, groups: np.ndarray) -> float:
    """Return the pooled within-group standard deviation, or the plain SD when no group has 2 members."""
    labels, codes = np.unique(groups, return_inverse=True)
    if len(labels) == len(scores):
        return float(np.std(scores, ddof=1))
    means = np.bincount(codes, weights=scores) / np.bincount(codes)
    squares = float(np.sum((scores - means[codes]) ** 2))
    return float(np.sqrt(squares / (len(scores) - len(labels))))


def _size_groups(params: pd.Series) -> np.ndarray:
    groups = np.full(len(params), "unknown", dtype=object)
    values = params.to_numpy(dtype="float64")
    for bucket in SIZE_BUCKETS:
        groups[(values >= bucket.low) & (values < bucket.high)] = bucket.id
    return groups


def _busiest_window(dates: np.ndarray, days: int) -> tuple[int, int]:
    """Return (start index, count) of the window of `days` days, starting at a date, with the most dates (sorted input)."""
    span = np.timedelta64(days, "D")
    ends = np.searchsorted(dates, dates + span, side="left")
    counts = ends - np.arange(len(dates))
    start = int(np.argmax(counts))
    return start, int(counts[start])


def rule_selection(board: BoardData, snapshot: str | None, settings: AlertSettings, muted, sizes: pd.Series) -> list[Finding]:
    """Flag each organisation with a window of many submissions and show its expected best-of-N inflation; `sizes` is unused.

    Returns one descriptive finding per qualifying organisation; boards
    without `submission_date` return none.
    """
    schema = board.schema
    if DATE_COLUMN not in board.models.columns:
        logger.info("selection rule skipped on %s: no %s column", schema.id, DATE_COLUMN)
        return []

    wide = masked_wide(board, snapshot, muted=())
    average = aggregate_scores(wide, schema, partial=True)["aggregate"]
    muted_models = {key for key, _ in muted}
    names = board.models.set_index("model_key")["model_id"].astype(str)
    dates = model_dates(board, DATE_COLUMN)

    frame = pd.DataFrame({"average": average})
    frame["org"] = names.reindex(frame.index).str.split("/", n=1).str[0].where(names.reindex(frame.index).str.contains("/", regex=False))
    frame["date"] = dates.reindex(frame.index)
    frame = frame.dropna(subset=["average", "org", "date"])
    frame = frame[~frame.index.isin(muted_models)]
    if not aggregate_higher_is_better(schema, wide.columns):
        frame["average"] = -frame["average"]

    findings = []
    for org, group in frame.groupby("org", sort=True):
        if len(group) < settings.selection_min_variants:
            continue
        group = group.sort_values("date", kind="stable")
        stamps = group["date"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        start, count = _busiest_window(stamps, settings.selection_window_days)
        if count < settings.selection_min_variants:
            continue
        window = group.iloc[start:start + count]
        scores = window["average"].to_numpy(dtype="float64")
        sigma = pooled_sd(scores, _size_groups(pd.to_numeric(sizes.reindex(window.index), errors="coerce")))
        factor = expected_max_normal(count)
        inflation = sigma * factor
        best_key = str(window["average"].idxmax())
        evidence = {
            "organisation": org,
            "n_variants": count,
            "window_start": str(window["date"].iloc[0].date()),
            "window_days": settings.selection_window_days,
            "mean": float(scores.mean()),
            "sd": sigma,
            "sd_all_sizes": float(np.std(scores, ddof=1)),
            "observed": float(scores.max()),
            "predicted": float(scores.mean() + inflation),
            "best_minus_mean": float(scores.max() - scores.mean()),
            "expected_max_factor": factor,
            "expected_inflation": inflation,
            "best_variant": best_key,
            "variants": [str(k) for k in window.index],
            "n_reference": count,
            "method": "pooled within-size sd of the variants' board averages x E[max of N standard normals] (numerical integration)",
            "thresholds": {"selection_min_variants": settings.selection_min_variants, "selection_window_days": settings.selection_window_days},
        }
        cells = tuple((str(key), bench) for key in window.index for bench in wide.columns if not pd.isna(wide.at[key, bench]))
        findings.append(Finding(
            rule=RULE, board=schema.id, model_key=best_key, benchmark=None,
            effect=inflation, effect_unit="points of the board average",
            statistic=float(count), p_value=None, cells=cells, evidence=evidence,
            summary=f"{org} submitted {count} variants within {settings.selection_window_days} days; expected best-of-{count} inflation {inflation:.1f} points",
        ))
    logger.info("selection rule on %s: %d organisations flagged", schema.id, len(findings))
    return findings
