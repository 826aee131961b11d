"""View state of each tab, as small typed objects.

Each tab's state is a frozen dataclass of plain values (no DataFrames), so it
can be kept in `gr.State`, used as a cache key and, later, encoded in a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
AGGREGATE_COLUMN = "aggregate"


@dataclass(frozen=True)
class LeaderboardView:
    """View of the Leaderboard tab.

    `snapshot` None means the board's latest snapshot. `columns` lists the
    benchmark ids shown, empty for all. `sort_by` is a benchmark id,
    `AGGREGATE_COLUMN` or a metadata column; missing values sort last in both
    directions. `params_min` / `params_max` are billions of parameters; with
    either bound set, models of unknown size are kept only when
    `include_unknown_size` is set.
    """

    board: str
    snapshot: str | None = None
    search: str = ""
    model_types: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()
    params_min: float | None = None
    params_max: float | None = None
    include_unknown_size: bool = False
    official_only: bool = False
    hub_only: bool = False
    hide_flagged: bool = False
    hide_merged: bool = False
    hide_moe: bool = False
    hide_alerted: bool = False
    best_variant: bool = False
    raw_scores: bool = False
    partial_aggregate: bool = False
    columns: tuple[str, ...] = ()
    show_ranks: bool = False
    sort_by: str = AGGREGATE_COLUMN
    sort_descending: bool = True
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class CompareView:
    """View of the Compare tab: 2 to 8 model keys of one board snapshot."""

    board: str
    snapshot: str | None = None
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackingView:
    """View of the Tracking tab: one benchmark of one board along a time axis.

    `axis` is "snapshot" or a date metadata column the board declares in
    `time_axes`; `models` are model keys whose own histories are drawn.
    """

    board: str
    benchmark: str | None = None
    axis: str | None = None
    cohort: str = "all"
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorrelationView:
    """View of the Correlations tab for one board snapshot and cohort.

    `method` is "kendall" (tau-b), "spearman" or "pearson"; cells with fewer
    than `min_overlap` models scored on both benchmarks are not estimated.
    `scaling` ("standardized" or "centred") and `impute` set the principal
    components; `pair` names the two benchmarks of the scatter plot.
    """

    board: str
    snapshot: str | None = None
    method: str = "kendall"
    min_overlap: int = 10
    cohort: str = "all"
    scaling: str = "standardized"
    impute: bool = False
    pair: tuple[str, str] | None = None
