"""Tracking statistics: how one benchmark's scores move over time.

Every function takes time points as built by `leaderboard.timeaxis.time_points`
(columns `model_key`, `benchmark`, `time`, `score`, ...) and works per
benchmark. "Best" follows the benchmark's direction: the highest score when
higher is better, the lowest otherwise. Missing scores never enter a
statistic. Quantiles use numpy's default linear interpolation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leaderboard.aggregate import aggregate_scores, wide_scores
from leaderboard.schema import Benchmark
from leaderboard.store import BoardData
from leaderboard.timeaxis import parse_times, years_since_epoch
from leaderboard.trends import sen_slope

logger = logging.getLogger(__name__)

# Scale factor from the median absolute deviation to a normal standard deviation.
MAD_TO_SD = 1.4826
# Conventional cut-off for a modified (robust) z-score; callers may pass another.
DEFAULT_Z_THRESHOLD = 3.5
Z_95 = 1.959964


def _best(values: pd.Series, higher_is_better: bool) -> pd.Series:
    return values.cummax() if higher_is_better else values.cummin()


def frontier(points: pd.DataFrame, higher_is_better: bool) -> pd.DataFrame:
    """Compute the best-to-date score per benchmark, a step function over time.

    One row per (benchmark, distinct time) with `best` (the best score at or
    before that time), `holder` (the model that first reached `best`),
    `holder_time` (when it did) and `new_record` (True where `best` improved).
    A tie with the current best is not a new record, so the earlier model
    keeps it. Among models that reach a new best at the same time, the
    smallest model key is the holder.
    """
    columns = ["benchmark", "time", "best", "holder", "holder_time", "new_record"]
    rows = points.dropna(subset=["score", "time"])
    if rows.empty:
        return pd.DataFrame(columns=columns)

    # Best score per (benchmark, time), keeping the model that achieved it.
    ordered = rows.sort_values(["benchmark", "time", "score", "model_key"], ascending=[True, True, not higher_is_better, True], kind="stable")
    per_time = ordered.drop_duplicates(["benchmark", "time"], keep="first")

    pieces = []
    for bench, group in per_time.groupby("benchmark", sort=True):
        group = group.reset_index(drop=True)
        best = _best(group["score"], higher_is_better)
        improved = best.ne(best.shift()) & (group["score"] == best)
        improved.iloc[0] = True
        record_row = pd.Series(np.where(improved, group.index, np.nan)).ffill().astype("int64")
        pieces.append(pd.DataFrame({
            "benchmark": bench,
            "time": group["time"],
            "best": best.astype("float64"),
            "holder": group["model_key"].to_numpy()[record_row],
            "holder_time": group["time"].to_numpy()[record_row],
            "new_record": improved.to_numpy(dtype=bool),
        }))
    result = pd.concat(pieces, ignore_index=True)
    result["holder_time"] = pd.to_datetime(result["holder_time"], utc=True)
    return result[columns]


def bands(points: pd.DataFrame, higher_is_better: bool = True, freq: str | None = "MS", window: str | None = None) -> pd.DataFrame:
    """Compute the median and top-decile score per benchmark and period, with counts.

    `freq` is a pandas offset alias for calendar periods ("MS" month start,
    "QS" quarter start, "YS" year start); None makes each distinct time its
    own period, which suits snapshot axes. Without `window`, a period's
    statistics use the points inside it, and empty periods are left out.
    With `window` (a Timedelta string such as "90D"), the statistics at each
    grid time t use the points with t - window < time <= t, a trailing
    window. The grid is every `freq` boundary from the first point's day to
    the first boundary at or after the last point, so every point is counted.

    The top decile is the 90th percentile when higher is better and the 10th
    percentile otherwise. Columns: `benchmark`, `period`, `n`, `median`,
    `top_decile`.
    """
    columns = ["benchmark", "period", "n", "median", "top_decile"]
    rows = points.dropna(subset=["score", "time"])
    top_q = 0.9 if higher_is_better else 0.1
    out = []
    for bench, group in rows.groupby("benchmark", sort=True):
        times = group["time"]
        scores = group["score"].to_numpy(dtype="float64")
        if window is None:
            keys = times if freq is None else times.dt.floor("D").dt.tz_localize(None).dt.to_period(_period_alias(freq)).dt.start_time.dt.tz_localize("UTC")
            for period, part in pd.Series(scores, index=times.index).groupby(keys.to_numpy(), sort=True):
                out.append((bench, period, len(part), float(part.median()), float(np.quantile(part, top_q))))
            continue
        span = pd.Timedelta(window)
        if freq is None:
            grid = sorted(times.unique())
        else:
            step = pd.tseries.frequencies.to_offset(freq)
            grid = pd.date_range(times.min().floor("D"), times.max() + step, freq=freq)
            grid = grid[: int(np.searchsorted(grid, times.max())) + 1]
        for period in grid:
            inside = ((times > period - span) & (times <= period)).to_numpy()
            if inside.any():
                part = scores[inside]
                out.append((bench, period, int(inside.sum()), float(np.median(part)), float(np.quantile(part, top_q))))
    frame = pd.DataFrame(out, columns=columns)
    frame["period"] = pd.to_datetime(frame["period"], utc=True)
    return frame


def _period_alias(freq: str) -> str:
    # Period frequencies are named without the "start" suffix of offset aliases.
    return {"MS": "M", "QS": "Q", "YS": "Y", "W": "W", "D": "D"}.get(freq, freq)


def model_histories(board: BoardData, model_keys, benchmark: str) -> pd.DataFrame:
    """Return the chosen models' scores on `benchmark` across every snapshot, with intervals.

    Columns: `model_key`, `model_id`, `snapshot`, `time` (UTC), `score`,
    `low`, `high`, `interval`. The interval is the data's own (`ci_low`,
    `ci_high`, as LMArena's 95% intervals) where present. Otherwise it is
    score +/- 1.96 x `stderr`. `interval` names the source, or is "none".
    """
    results = board.results
    rows = results[results["model_key"].isin(list(model_keys)) & (results["benchmark"] == benchmark)].copy()
    rows["time"], _ = parse_times(rows["snapshot"], board.schema.id, f"{board.schema.id} results", "snapshot")

    has_ci = rows["ci_low"].notna() & rows["ci_high"].notna()
    has_se = rows["stderr"].notna() & ~has_ci
    rows["low"] = np.where(has_ci, rows["ci_low"], np.where(has_se, rows["score"] - Z_95 * rows["stderr"], np.nan))
    rows["high"] = np.where(has_ci, rows["ci_high"], np.where(has_se, rows["score"] + Z_95 * rows["stderr"], np.nan))
    rows["interval"] = np.where(has_ci, "data's 95% interval", np.where(has_se, "score +/- 1.96 x stderr", "none"))

    names = board.models.set_index("model_key")["model_id"]
    rows["model_id"] = rows["model_key"].map(names).fillna(rows["model_key"])
    columns = ["model_key", "model_id", "snapshot", "time", "score", "low", "high", "interval"]
    return rows[columns].sort_values(["model_key", "time"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Saturation:
    """Saturation of one benchmark over time.

    `headroom` has columns `time`, `best`, `headroom`, where headroom =
    (ceiling - best) / (ceiling - chance): 1 at chance, 0 at the ceiling.
    `spread` has columns `time`, `n_top`, `spread`, `se_first`, `se_last`,
    `spread_z`: the gap between the best and the 10th-best model at that time
    in score units, and that gap divided by sqrt(se_first^2 + se_last^2), the
    standard error of the difference of two independent scores. A `spread_z`
    below 1.96 means the top 10 are not separated at the 95% level. Each
    table is None when unavailable, and the matching `*_unavailable` gives the reason.
    """

    benchmark: str
    headroom: pd.DataFrame | None
    headroom_unavailable: str | None
    spread: pd.DataFrame | None
    spread_unavailable: str | None
    se_source: str | None


def saturation(board: BoardData, points: pd.DataFrame, benchmark: str, top_n: int = 10, latest_only: bool = False) -> Saturation:
    """Compute headroom and top-`top_n` spread over time for one benchmark.

    At each distinct time t, the models compared are each model's latest
    point at or before t. Headroom needs the schema's `chance` and `ceiling`.
    Standard errors come from, in order: the data's `stderr`; the data's
    `ci_low`/`ci_high` as (ci_high - ci_low) / (2 x 1.96); or the binomial
    standard error from the schema's `items` (see `binomial_se`).
    `latest_only` computes the spread at the latest time only: each time
    re-sorts every earlier point, so the full series is quadratic in the
    number of distinct times (3.6 s measured at 2,000 distinct submission
    times, so an estimated minute or more at 10,000).
    """
    bench = board.schema.benchmark(benchmark)
    rows = points[(points["benchmark"] == benchmark)].dropna(subset=["score", "time"])
    if rows.empty:
        reason = f"{benchmark} has no scores on this time axis"
        return Saturation(benchmark, None, reason, None, reason, None)

    best = frontier(rows, bench.higher_is_better)
    chance, ceiling = bench.scale.chance, bench.scale.ceiling
    if chance is None or ceiling is None:
        missing = " and ".join(name for name, value in (("chance level", chance), ("ceiling", ceiling)) if value is None)
        headroom, headroom_reason = None, f"unavailable: the schema of {benchmark} declares no {missing}"
    else:
        headroom = best[["time", "best"]].assign(headroom=(ceiling - best["best"]) / (ceiling - chance)).reset_index(drop=True)
        headroom_reason = None

    se, se_source = _standard_errors(rows, bench)
    if se_source is None:
        return Saturation(benchmark, headroom, headroom_reason, None, se, None)

    rows = rows.assign(se=se)
    out = []
    times = sorted(rows["time"].unique())
    for time in times[-1:] if latest_only else times:
        latest = rows[rows["time"] <= time].sort_values("time", kind="stable").drop_duplicates("model_key", keep="last")
        latest = latest.sort_values("score", ascending=not bench.higher_is_better, kind="stable").head(top_n)
        if len(latest) < 2:
            continue
        first, last = latest.iloc[0], latest.iloc[-1]
        gap = abs(first["score"] - last["score"])
        joint = float(np.hypot(first["se"], last["se"]))
        out.append((time, len(latest), gap, first["se"], last["se"], gap / joint if joint > 0 else np.nan))
    spread = pd.DataFrame(out, columns=["time", "n_top", "spread", "se_first", "se_last", "spread_z"])
    return Saturation(benchmark, headroom, headroom_reason, spread, None, se_source)


def binomial_se(bench: Benchmark, score: pd.Series, score_raw: pd.Series) -> tuple[pd.Series | str, str | None]:
    """Return the binomial standard error of each displayed score, or (reason, None).

    SE of a proportion p over n items is sqrt(p (1 - p) / n), computed on the
    0-1 scale and converted back:

    - a plain proportion scale, range [0, 1] or [0, 100]: p = score / range
      width, and SE_displayed = SE_p x range width (x100 for percentages);
    - a normalized scale with a raw score (`raw` in the schema, as Open LLM
      v2): p = score_raw on [0, 1] with raw chance c, the displayed score is
      (p - c) / (1 - c) x (ceiling - chance), so SE_displayed = SE_p x
      (ceiling - chance) / (1 - c). Without a raw chance level no conversion
      exists and the SE is unavailable.

    NOTE: the binomial SE treats all items as one pool; benchmarks averaged
    over subtasks of different sizes have a somewhat different true SE.
    """
    if bench.items is None:
        return f"unavailable: the schema declares no item count for {bench.id}, and the data has no stderr or interval", None
    n = bench.items
    if bench.raw is not None:
        raw = bench.raw
        if raw.chance is None or raw.valid_range is None or bench.scale.ceiling is None or bench.scale.chance is None:
            return f"unavailable: {bench.id} is on a normalized scale without a single raw chance level, so its binomial SE cannot be converted", None
        low, width = raw.valid_range[0], raw.valid_range[1] - raw.valid_range[0]
        p = ((score_raw - low) / width).clip(0, 1)
        factor = (bench.scale.ceiling - bench.scale.chance) / (1 - (raw.chance - low) / width)
        return np.sqrt(p * (1 - p) / n) * factor, f"binomial from {n} items, raw score converted to the normalized scale"
    if bench.scale.valid_range not in ((0.0, 1.0), (0.0, 100.0)):
        return f"unavailable: {bench.id} is not on a 0-1 or 0-100 proportion scale, so a binomial SE does not apply", None
    width = bench.scale.valid_range[1]
    p = (score / width).clip(0, 1)
    return np.sqrt(p * (1 - p) / n) * width, f"binomial from {n} items"


def _standard_errors(rows: pd.DataFrame, bench: Benchmark) -> tuple[pd.Series | str, str | None]:
    if rows["stderr"].notna().all():
        return rows["stderr"], "data's stderr"
    if (rows["ci_low"].notna() & rows["ci_high"].notna()).all():
        return (rows["ci_high"] - rows["ci_low"]) / (2 * Z_95), "data's 95% interval width / 3.92"
    return binomial_se(bench, rows["score"], rows["score_raw"])


@dataclass(frozen=True)
class CommonTasks:
    """Benchmarks present in every chosen snapshot, and the aggregate over them only.

    `aggregate` has columns `model_key`, `snapshot`, `aggregate` (the board's
    rule applied to `tasks` only, complete rows only), `coverage`. When no
    benchmark is common, `comparable` is False, `aggregate` is empty and
    `reason` states why. `missing` maps each left-out benchmark to the chosen
    snapshots that lack it.
    """

    snapshots: list[str]
    tasks: list[str]
    missing: dict[str, list[str]]
    aggregate: pd.DataFrame
    comparable: bool
    reason: str | None


def common_benchmarks(board: BoardData, snapshots) -> CommonTasks:
    """Find the benchmarks scored in all `snapshots` and recompute the aggregate over them.

    A benchmark counts as present in a snapshot when it has at least one
    score there. Raises ValueError for a snapshot the board does not have.
    """
    snapshots = sorted(snapshots)
    unknown = sorted(set(snapshots) - set(board.snapshots))
    if unknown:
        raise ValueError(f"board {board.schema.id} has no snapshots {unknown}; its snapshots are {board.snapshots}")

    results = board.results.dropna(subset=["score"])
    present = {snap: set(results.loc[results["snapshot"] == snap, "benchmark"]) for snap in snapshots}
    ids = board.schema.benchmark_ids
    tasks = [b for b in ids if all(b in present[s] for s in snapshots)]
    missing = {b: [s for s in snapshots if b not in present[s]] for b in ids if b not in tasks and any(b in present[s] for s in snapshots)}

    columns = ["model_key", "snapshot", "aggregate", "coverage"]
    if not tasks:
        reason = f"no benchmark is scored in all of {', '.join(snapshots)}; aggregates of these snapshots are not comparable"
        return CommonTasks(snapshots, [], missing, pd.DataFrame(columns=columns), False, reason)

    parts = []
    for snap in snapshots:
        wide = wide_scores(board, snap, raw=False)[tasks]
        scored = aggregate_scores(wide, board.schema, partial=False)
        parts.append(scored.reset_index().assign(snapshot=snap)[columns])
    aggregate = pd.concat(parts, ignore_index=True)
    return CommonTasks(snapshots, tasks, missing, aggregate, True, None)


@dataclass(frozen=True)
class Deviations:
    """Points far from their cohort's Sen trend line, per benchmark.

    `table` has columns `model_key`, `benchmark`, `time`, `score`, `trend`
    (the Sen line at that time), `residual` (score - trend) and `z`, the
    robust z = (residual - median of residuals) / (1.4826 x MAD of
    residuals), sorted by |z| descending. `skipped` maps a benchmark to the
    reason it has no z-scores (fewer than 3 points, one date only, or
    MAD 0).
    """

    table: pd.DataFrame
    skipped: dict[str, str]
    threshold: float


def deviations(points: pd.DataFrame, threshold: float = DEFAULT_Z_THRESHOLD, all_rows: bool = False) -> Deviations:
    """Score each point against its benchmark's Sen trend line and list those with |z| >= `threshold`.

    `points` should hold one cohort (the caller filters). The trend is Sen's
    line (`leaderboard.trends.sen_slope`) of score on years since 1970. With
    `all_rows=True` every scored point is returned, not only the deviations.
    """
    columns = ["model_key", "benchmark", "time", "score", "trend", "residual", "z"]
    skipped: dict[str, str] = {}
    parts = []
    for bench, group in points.dropna(subset=["score", "time"]).groupby("benchmark", sort=True):
        years = years_since_epoch(group["time"])
        scores = group["score"].to_numpy(dtype="float64")
        if len(scores) < 3 or np.unique(years).size < 2:
            skipped[bench] = f"needs at least 3 scores on 2 or more dates, got {len(scores)} on {np.unique(years).size}"
            continue
        sen, _ = sen_slope(years, scores)
        trend = sen.intercept + sen.slope * years
        residual = scores - trend
        center = np.median(residual)
        spread = MAD_TO_SD * np.median(np.abs(residual - center))
        # A MAD within rounding error of 0 would turn float noise into huge z-scores.
        if spread <= 1e-9 * max(1.0, float(np.abs(scores).max())):
            skipped[bench] = "the median absolute deviation of residuals is 0, so robust z is undefined"
            continue
        parts.append(pd.DataFrame({
            "model_key": group["model_key"].to_numpy(), "benchmark": bench, "time": group["time"].to_numpy(),
            "score": scores, "trend": trend, "residual": residual, "z": (residual - center) / spread,
        }))

    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    if not all_rows:
        table = table[table["z"].abs() >= threshold]
    table = table.iloc[np.argsort(-table["z"].abs().to_numpy(dtype="float64"), kind="stable")].reset_index(drop=True)
    if len(table):
        table["time"] = pd.to_datetime(table["time"], utc=True)
    return Deviations(table[columns], skipped, threshold)
