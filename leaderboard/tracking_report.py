"""Everything the Tracking tab shows for one view, computed without Gradio.

`tracking_report` picks the benchmark and time axis, restricts the points to a
cohort, and calls the statistics of `leaderboard.tracking` and
`leaderboard.trends`. Each part that cannot be computed carries a sentence
saying why, so the tab never draws an empty chart without explanation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from leaderboard.store import BoardData
from leaderboard.timeaxis import time_points
from leaderboard.tracking import bands, common_benchmarks, deviations, frontier, model_histories, saturation
from leaderboard.trends import COST_DESCRIPTIONS, change_points, mann_kendall

logger = logging.getLogger(__name__)

MAX_DEVIATIONS = 15
MAX_TIME_NOTES = 5
AXIS_LABELS = {
    "snapshot": "snapshot date",
    "submission_date": "submission date",
    "upload_date": "upload date",
    "release_date": "release date",
}


@dataclass
class TrackingReport:
    """The Tracking tab's content for one (board, benchmark, axis, cohort)."""

    benchmark: str | None
    axis: str | None
    points: pd.DataFrame = field(default_factory=pd.DataFrame)
    frontier: pd.DataFrame = field(default_factory=pd.DataFrame)
    bands: pd.DataFrame = field(default_factory=pd.DataFrame)
    histories: pd.DataFrame = field(default_factory=pd.DataFrame)
    change_dates: list = field(default_factory=list)
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)
    deviations: pd.DataFrame = field(default_factory=pd.DataFrame)
    messages: list[str] = field(default_factory=list)


def analysable_benchmarks(board: BoardData) -> list[str]:
    """Return the benchmark ids with data, composite benchmarks excluded."""
    present = set(board.results["benchmark"])
    return [b.id for b in board.schema.benchmarks if b.id in present and not b.composite]


def trend_table(points: pd.DataFrame, board: BoardData, per_snapshot: bool = False) -> pd.DataFrame:
    """Run Mann-Kendall with Sen's slope for every benchmark of `points`; one row per benchmark.

    With `per_snapshot`, the test runs on the median of each snapshot: the same
    models reappear in every snapshot, so their rows are not independent
    observations and a test on them would overstate the evidence.
    """
    names = {b.id: b.name for b in board.schema.benchmarks}
    rows = []
    if per_snapshot and not points.empty:
        points = points.groupby(["benchmark", "time"], as_index=False)["score"].median()
    for benchmark, group in points.groupby("benchmark", sort=False):
        result = mann_kendall(group["time"], group["score"])
        if result.unavailable:
            rows.append({"Benchmark": names.get(benchmark, benchmark), "n": result.n, "Kendall tau": None,
                         "p-value": None, "Sen slope per year": None, "95% interval": result.unavailable})
            continue
        rows.append({
            "Benchmark": names.get(benchmark, benchmark),
            "n": result.n,
            "Kendall tau": round(result.tau, 3),
            "p-value": float(f"{result.p_value:.3g}"),
            "Sen slope per year": float(f"{result.slope_per_year:.4g}"),
            "95% interval": f"{result.slope_low:.3g} to {result.slope_high:.3g}",
        })
    return pd.DataFrame(rows)


def tracking_report(board: BoardData, benchmark: str | None, axis: str | None, cohort_keys: set[str] | None,
                    model_keys: tuple[str, ...] = ()) -> TrackingReport:
    """Compute the Tracking tab's content.

    `benchmark` None picks the board's first non-composite benchmark, `axis`
    None the first time axis the schema declares. `cohort_keys` None means
    every model. Composite benchmarks are left out of trends and deviations.
    """
    schema = board.schema
    if not schema.time_axes:
        return TrackingReport(None, None, messages=[f"{schema.title} declares no time axis, so there is nothing to track."])

    axis = axis if axis in schema.time_axes else schema.time_axes[0]
    candidates = analysable_benchmarks(board)
    if not candidates:
        return TrackingReport(None, axis, messages=["This board has no benchmark with scores to track."])
    if benchmark not in set(board.results["benchmark"]):
        benchmark = candidates[0]
        if axis == "snapshot" and len(board.snapshots) > 1:
            # Default to a benchmark scored in every snapshot, so the first chart compares like with like.
            common = common_benchmarks(board, board.snapshots)
            benchmark = next((b for b in candidates if b in common.tasks), candidates[0])
    bench = schema.benchmark(benchmark)
    report = TrackingReport(benchmark, axis)

    timed = time_points(board, axis)
    all_points = timed.frame
    if timed.undated:
        report.messages.append(f"{len(timed.undated)} models have no usable {AXIS_LABELS.get(axis, axis)} and are not drawn.")
    for note in timed.notes[:MAX_TIME_NOTES]:
        # Rejected date values (such as the ambiguous 01/05/2024) are named with the fix.
        if note.value is not None:
            report.messages.append(f"Date value '{note.value}': {note.reason}")
    if cohort_keys is not None:
        all_points = all_points[all_points["model_key"].isin(cohort_keys)]
    points = all_points[all_points["benchmark"] == benchmark].dropna(subset=["score", "time"])
    if points.empty:
        report.messages.append(f"No model in this cohort has a {bench.name} score with a {AXIS_LABELS.get(axis, axis)}.")
        return report

    names = board.models.set_index("model_key")["model_id"]
    report.points = points.assign(model_id=points["model_key"].map(names).fillna(points["model_key"]))

    record = frontier(points, bench.higher_is_better)
    report.frontier = record.rename(columns={"holder": "model_key"}).assign(
        model_id=lambda f: f["model_key"].map(names).fillna(f["model_key"]))
    per_snapshot = axis == "snapshot"
    period = bands(points, bench.higher_is_better, freq=None if per_snapshot else "MS")
    report.bands = period.rename(columns={"period": "time", "top_decile": "p90"})

    if model_keys:
        history = model_histories(board, list(model_keys), benchmark)
        report.histories = history.rename(columns={"model_id": "model_id"})

    report.change_dates, change_text = _change_points(report.frontier, report.bands, None if per_snapshot else "MS")
    report.messages.append(change_text)

    analysable = set(candidates)
    report.trends = trend_table(all_points[all_points["benchmark"].isin(analysable)].dropna(subset=["score", "time"]), board,
                                per_snapshot=per_snapshot)
    report.messages.append(_saturation_text(board, points, benchmark))

    found = deviations(points)
    table = found.table.head(MAX_DEVIATIONS)
    if not table.empty:
        report.deviations = pd.DataFrame({
            "Model": table["model_key"].map(names).fillna(table["model_key"]),
            "Time": pd.to_datetime(table["time"]).dt.strftime("%Y-%m-%d"),
            "Score": table["score"].round(3),
            "Cohort trend": table["trend"].round(3),
            "Residual": table["residual"].round(3),
            "Robust z": table["z"].round(2),
        })
    elif benchmark in found.skipped:
        report.messages.append(f"Deviations unavailable: {found.skipped[benchmark]}.")
    else:
        report.messages.append(f"No model is more than {found.threshold:g} robust standard deviations off the cohort trend.")

    if per_snapshot and len(board.snapshots) > 1:
        common = common_benchmarks(board, board.snapshots)
        if not common.comparable:
            report.messages.append(f"Across snapshots: {common.reason}")
        elif benchmark not in common.tasks:
            report.messages.append(f"{bench.name} is not scored in every snapshot, so its history is not comparable "
                                   f"across all of them ({len(common.tasks)} benchmarks are).")
    return report


def _change_points(record: pd.DataFrame, period: pd.DataFrame, freq: str | None) -> tuple[list, str]:
    """Run PELT on the frontier and on the cohort median; return change dates and a sentence stating the method.

    With `freq` set (only "MS", month start, is labelled in the text), the
    frontier is first reduced to its last value per period, the periods of
    the median bands. PELT here costs up to n^2 cost
    evaluations, and a frontier with one point per distinct submission time
    took about 6 s at 2,000 models.
    """
    dates: list = []
    parts = []
    best = record.set_index("time")["best"] if not record.empty else None
    if best is not None and freq is not None:
        best = best.resample(freq).last().dropna()
    for label, series in (("frontier" if freq is None else "monthly frontier", best),
                          ("cohort median", period.set_index("time")["median"] if not period.empty else None)):
        if series is None or series.empty:
            continue
        found = change_points(series.dropna())
        if found.unavailable:
            parts.append(f"{label}: {found.unavailable}")
            continue
        dates.extend(found.times)
        when = ", ".join(pd.Timestamp(t).strftime("%Y-%m-%d") for t in found.times) or "none"
        parts.append(f"{label}: {when} (penalty {found.penalty:.3g}, {found.penalty_rule})")
    cost = COST_DESCRIPTIONS.get("l2", "l2")
    return dates, f"Change points by PELT (ruptures), cost {cost}. " + "; ".join(parts) + "."


def _saturation_text(board: BoardData, points: pd.DataFrame, benchmark: str) -> str:
    """Describe headroom and the top-10 spread at the latest time, or why they are unavailable."""
    result = saturation(board, points, benchmark, latest_only=True)
    parts = []
    if result.headroom is not None and not result.headroom.empty:
        last = result.headroom.iloc[-1]
        parts.append(f"headroom {last['headroom']:.1%} of the way from chance to ceiling is left (best {last['best']:.4g})")
    else:
        parts.append(f"headroom {result.headroom_unavailable}")
    if result.spread is not None and not result.spread.empty:
        last = result.spread.iloc[-1]
        parts.append(f"the top 10 span {last['spread']:.3g} points, {last['spread_z']:.2f} standard errors "
                     f"({result.se_source})")
    else:
        parts.append(f"top-10 spread: {result.spread_unavailable}")
    return "Saturation at the latest time: " + "; ".join(parts) + "."
