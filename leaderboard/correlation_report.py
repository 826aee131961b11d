"""Everything the Correlations tab shows for one view, computed without Gradio.

`correlation_report` covers the fast parts: matrix, partial correlations,
principal components, and the pair scatter with its bootstrap interval.
`agreement_report` covers the slow bootstrap parts, benchmark agreement and
its drift over time, which the tab runs on request with a progress bar.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import pandas as pd

from leaderboard.aggregate import wide_scores
from leaderboard.agreement import agreement_drift, benchmark_agreement
from leaderboard.cohorts import date_axes, model_dates
from leaderboard.components import PCAResult, analysable_benchmarks, excluded_benchmarks, principal_components
from leaderboard.correlation import (
    MIN_OVERLAP_FLOOR,
    CorrelationResult,
    PairInterval,
    bootstrap_pair_ci,
    cluster_order,
    correlation_matrix,
    partial_correlations,
)
from leaderboard.state import CorrelationView
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

METHOD_LABELS = {"kendall": "Kendall tau-b", "spearman": "Spearman rho", "pearson": "Pearson r"}
AGREEMENT_HEADERS = {
    "mean_agreement": "Mean tau-b",
    "sd_agreement": "SD over draws",
    "low": "2.5% draw",
    "high": "97.5% draw",
    "draws_used": "Draws",
    "relative_z": "Relative z",
}
PAIR_DRAWS = 1000
AGREEMENT_DRAWS = 100
DRIFT_DRAWS = 200


@dataclass
class CorrelationReport:
    """The Correlations tab's fast content; `unavailable` explains a board the tab cannot analyse."""

    benchmarks: list[str] = field(default_factory=list)
    matrix: CorrelationResult | None = None
    partial: CorrelationResult | None = None
    components: PCAResult | None = None
    pair: tuple[str, str] | None = None
    pair_points: pd.DataFrame = field(default_factory=pd.DataFrame)
    pair_interval: PairInterval | None = None
    messages: list[str] = field(default_factory=list)
    unavailable: str | None = None


def analysed_wide(board: BoardData, view: CorrelationView, cohort_keys: set[str] | None) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Return the wide score table of the view's cohort, the benchmarks analysed, and the reasons for the rest."""
    wide = wide_scores(board, view.snapshot, raw=False)
    if cohort_keys is not None:
        wide = wide[wide.index.isin(cohort_keys)]
    kept = analysable_benchmarks(board.schema, wide, view.min_overlap)
    return wide[kept], kept, excluded_benchmarks(board.schema, wide, view.min_overlap)


def correlation_report(board: BoardData, view: CorrelationView, cohort_keys: set[str] | None,
                       cohort_labels: pd.Series | None = None) -> CorrelationReport:
    """Compute the matrix (ordered by hierarchical clustering), partial correlations, components and the pair.

    Boards with fewer than two analysable benchmarks, or where no pair of
    benchmarks reaches the minimum overlap, get `unavailable` with the reason.
    Components also need `view.min_overlap` models, otherwise they carry a reason.
    `cohort_labels` (model key to label) colours the pair scatter.
    """
    report = CorrelationReport()
    if view.min_overlap < MIN_OVERLAP_FLOOR:
        report.messages.append(f"A minimum overlap of {view.min_overlap} was raised to {MIN_OVERLAP_FLOOR}: "
                               "any two models correlate at exactly +1 or -1.")
        view = replace(view, min_overlap=MIN_OVERLAP_FLOOR)
    wide, kept, excluded = analysed_wide(board, view, cohort_keys)
    names = {b.id: b.name for b in board.schema.benchmarks}
    if excluded:
        shown = "; ".join(f"{names.get(b, b)}: {reason}" for b, reason in list(excluded.items())[:8])
        more = f" (and {len(excluded) - 8} more)" if len(excluded) > 8 else ""
        report.messages.append(f"Left out of correlations and components: {shown}{more}.")
    if len(kept) < 2:
        if len(board.schema.benchmarks) == 1:
            report.unavailable = (f"{board.schema.title} publishes a single score, so there is no pair to correlate "
                                  "between its benchmarks; the Tracking tab follows it over time instead.")
        else:
            report.unavailable = (f"Only {len(kept)} benchmark(s) of {board.schema.title} have at least {view.min_overlap} "
                                  "scored models in this cohort, so there is no pair to correlate. Lower the minimum "
                                  "overlap or choose a larger cohort.")
        return report

    matrix = correlation_matrix(wide, view.method, view.min_overlap)
    off_diagonal = ~np.eye(len(kept), dtype=bool)
    if matrix.insufficient.to_numpy()[off_diagonal].all():
        report.unavailable = (f"No two benchmarks of {board.schema.title} share {view.min_overlap} or more models in this "
                              "cohort, so every cell would read 'insufficient overlap'. Lower the minimum overlap, "
                              "or pick a board with denser results.")
        return report

    order = cluster_order(matrix.estimate)
    report.benchmarks = order
    report.matrix = _reordered(matrix, order)
    report.partial = _reordered(partial_correlations(wide, view.method, view.min_overlap), order)
    components = principal_components(wide, scaling=view.scaling, impute=view.impute)
    if components.reason is None and components.n_models < view.min_overlap:
        # Components of a handful of models mislead as a 2-model correlation does:
        # two models always give one component with 100% of the variance.
        where = "with at least one score" if view.impute else "with every score (complete cases)"
        components = replace(components, reason=f"needs the minimum overlap of {view.min_overlap} models {where}, "
                                                f"found {components.n_models}")
    report.components = components

    pair = view.pair if view.pair and all(b in kept for b in view.pair) and view.pair[0] != view.pair[1] else None
    report.pair = pair or _strongest_pair(report.matrix)
    if report.pair is not None:
        a, b = report.pair
        both = wide[[a, b]].dropna()
        model_ids = board.models.set_index("model_key")["model_id"]
        report.pair_points = pd.DataFrame({
            "x": both[a].to_numpy(),
            "y": both[b].to_numpy(),
            "model_id": model_ids.reindex(both.index).fillna(pd.Series(both.index, index=both.index)).to_numpy(),
            "cohort": (cohort_labels.reindex(both.index).fillna("other") if cohort_labels is not None
                       else pd.Series("all models", index=both.index)).to_numpy(),
        })
        report.pair_interval = bootstrap_pair_ci(wide, a, b, view.method, draws=PAIR_DRAWS, seed=0,
                                                 min_overlap=view.min_overlap)
    return report


def _reordered(result: CorrelationResult, order: list[str]) -> CorrelationResult:
    """Return `result` with every frame in the clustering order."""
    frames = {name: getattr(result, name).loc[order, order] for name in ("estimate", "n", "p_value", "q_value", "insufficient")}
    return CorrelationResult(method=result.method, min_overlap=result.min_overlap, reasons=result.reasons, **frames)


def _strongest_pair(result: CorrelationResult) -> tuple[str, str] | None:
    """Return the pair with the largest estimate off the diagonal, as the scatter's default."""
    values = result.estimate.to_numpy(dtype="float64").copy()
    np.fill_diagonal(values, np.nan)
    if np.isnan(values).all():
        return None
    i, j = np.unravel_index(np.nanargmax(values), values.shape)
    return result.estimate.index[i], result.estimate.columns[j]


@dataclass
class AgreementReport:
    """Benchmark agreement (tau-b with the others' mean win rate) and its drift over time."""

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift: pd.DataFrame = field(default_factory=pd.DataFrame)
    messages: list[str] = field(default_factory=list)


def agreement_report(board: BoardData, view: CorrelationView, cohort_keys: set[str] | None, window_days: int,
                     min_models: int, progress: Callable[[float], None] | None = None) -> AgreementReport:
    """Run benchmark agreement on half-subsets and its drift in rolling date windows.

    Drift needs a model date column (submission, upload or release date); the
    first one the board declares as a time axis is used.
    """
    report = AgreementReport()
    view = replace(view, min_overlap=max(view.min_overlap, MIN_OVERLAP_FLOOR))
    wide, kept, _ = analysed_wide(board, view, cohort_keys)
    if len(kept) < 3:
        report.messages.append("Agreement needs at least three benchmarks: each one is compared with the mean win rate "
                               f"over the others, and this board has {len(kept)} with enough scores.")
        return report

    directions = {b: board.schema.benchmark(b).higher_is_better for b in kept}
    names = {b.id: b.name for b in board.schema.benchmarks}

    def part(start: float, span: float):
        return None if progress is None else (lambda fraction: progress(start + span * fraction))

    result = benchmark_agreement(wide, directions, draws=AGREEMENT_DRAWS, seed=0, min_overlap=view.min_overlap,
                                 progress=part(0.0, 0.4))
    table = result.table.reset_index().rename(columns={"index": "benchmark"})
    table.insert(0, "Benchmark", table["benchmark"].map(names))
    report.table = table.drop(columns=["benchmark"]).round(3).rename(columns=AGREEMENT_HEADERS)

    axes = date_axes(board)
    if not axes:
        report.messages.append("Agreement drift needs a date per model (submission, upload or release date), "
                               "which this board does not have.")
        return report
    dates = model_dates(board, axes[0])
    drift = agreement_drift(wide, dates, directions, window_days=window_days, step_days=max(window_days // 2, 1),
                            min_models=min_models, draws=DRIFT_DRAWS, seed=0, min_overlap=view.min_overlap,
                            progress=part(0.4, 0.6))
    drift = drift.assign(benchmark_name=drift["benchmark"].map(names))
    report.drift = drift
    flagged = drift[drift["flagged"]]
    if flagged.empty:
        report.messages.append(f"No window's upper 95% bound lies below the previous window's estimate ({axes[0]}, "
                               f"{window_days}-day windows, at least {min_models} models).")
    else:
        items = [f"{row.benchmark_name} in the window ending {pd.Timestamp(row.window_end):%Y-%m-%d} (q={row.q_value:.2g})"
                 for row in flagged.itertuples()]
        report.messages.append("Agreement fell below the previous window: " + "; ".join(items) + ".")
    return report
