"""Glue between the loaded data and the tabs, with no Gradio in it.

`LeaderboardService` computes what a view shows, for the UI and for tests: it
checks a view against the loaded data, looks up the cached leaderboard frame
for (board, data revision, snapshot, score kind, aggregate mode), then
filters, sorts, pages and renders it.
"""

from __future__ import annotations

import csv
import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from leaderboard.cache import LRUCache
from leaderboard.filters import apply_view, page_rows
from leaderboard.render import RenderedTable, export_frame, render_page
from leaderboard.state import AGGREGATE_COLUMN, MAX_PAGE_SIZE, LeaderboardView
from leaderboard.store import BoardData, Dataset
from leaderboard.table import leaderboard_frame
from leaderboard.uncertainty import RankIntervals, aggregate_rank_intervals, benchmark_rank_intervals

logger = logging.getLogger(__name__)

FILTER_COLUMNS = {
    "model_types": "model_type",
    "precisions": "precision",
    "licenses": "license",
}


@dataclass(frozen=True)
class TablePage:
    """One rendered page of the leaderboard and the facts the UI shows around it.

    `model_keys` are the keys of the rows on this page, in display order, so a
    row click is resolved by key and never by values read back from the table.
    """

    view: LeaderboardView
    table: RenderedTable
    model_keys: tuple[str, ...]
    page: int
    pages: int
    total: int
    board_total: int
    notices: tuple[str, ...]


def remove_old_exports(folder: Path, max_age_seconds: float) -> None:
    """Delete export subfolders of `folder` last changed more than `max_age_seconds` ago."""
    cutoff = time.time() - max_age_seconds
    for child in folder.iterdir():
        try:
            if child.is_dir() and child.stat().st_mtime < cutoff:
                shutil.rmtree(child)
        except OSError as exc:
            logger.warning("could not remove old export folder %s: %s", child, exc)


RANK_RANGE_DRAWS = 1000


def with_rank_ranges(rows: pd.DataFrame, ranges: RankIntervals) -> pd.DataFrame:
    """Add `rank_range_low` / `rank_range_high` to page rows, and `rank_range_help` stating the method or the reason."""
    table = ranges.table
    if ranges.reason or table.empty:
        low = high = pd.Series(float("nan"), index=rows.index)
        help_text = f"No rank range: {ranges.reason}" if ranges.reason else "No rank range."
    else:
        low = rows["model_key"].map(table["rank_low"]).astype("float64")
        high = rows["model_key"].map(table["rank_high"]).astype("float64")
        help_text = f"{ranges.level:.0%} interval of the rank over {ranges.draws} bootstrap draws ({ranges.method})"
    return rows.assign(rank_range_low=low.to_numpy(), rank_range_high=high.to_numpy(), rank_range_help=help_text)


class LeaderboardService:
    """Views over the dataset held by `holder` (an object with a `dataset` attribute)."""

    def __init__(self, holder, cache: LRUCache | None = None, export_dir: Path | None = None, alerts=None):
        self.holder = holder
        self.cache = cache or LRUCache(max_entries=48)
        self._export_dir = export_dir
        # An `AlertService`, or None: the leaderboard then has no alert column.
        self.alerts = alerts

    @property
    def dataset(self) -> Dataset:
        return self.holder.dataset

    def board(self, board_id: str) -> BoardData:
        return self.dataset.boards[board_id]

    def frame(self, board_id: str, snapshot: str | None, raw: bool, partial: bool) -> pd.DataFrame:
        """Return the full leaderboard frame of one board snapshot, cached per data revision."""
        dataset = self.dataset
        board = dataset.boards[board_id]
        snapshot = snapshot or board.latest_snapshot
        raw = raw and board.schema.has_raw_scores
        key = ("frame", board_id, dataset.revision, snapshot, raw, partial)
        return self.cache.get_or_compute(key, lambda: leaderboard_frame(board, snapshot, raw, partial))

    def rank_ranges(self, board_id: str, snapshot: str | None, column: str) -> RankIntervals:
        """Return 95% rank intervals for the ranking by `column` (a benchmark id or the aggregate), cached.

        Parametric bootstrap from standard errors (see `leaderboard.uncertainty`).
        Aggregates other than the plain mean get a reason instead, because the
        bootstrap perturbs a plain mean.
        """
        dataset = self.dataset
        board = dataset.boards[board_id]
        snapshot = snapshot or board.latest_snapshot
        key = ("rank_ranges", board_id, dataset.revision, snapshot, column)

        def compute() -> RankIntervals:
            if column != AGGREGATE_COLUMN:
                return benchmark_rank_intervals(board, column, snapshot, draws=RANK_RANGE_DRAWS, seed=0)
            if board.schema.aggregate != "mean":
                reason = f"rank ranges are computed for plain means, and this board's aggregate is a {board.schema.aggregate.replace('_', ' ')}"
                return RankIntervals(pd.DataFrame(), "none", 0.95, 0, reason)
            return aggregate_rank_intervals(board, snapshot, draws=RANK_RANGE_DRAWS, seed=0)

        return self.cache.get_or_compute(key, compute)

    def check_view(self, view: LeaderboardView) -> tuple[LeaderboardView, list[str]]:
        """Replace values of `view` that the loaded data does not have, with a notice for each.

        Unknown boards fall back to the default board, unknown snapshots to the
        latest one, unknown benchmark columns and sort keys are dropped. Nothing
        here raises: a stale link still opens a working view.
        """
        notices: list[str] = []
        dataset = self.dataset

        if view.board not in dataset.boards:
            notices.append(f"Board '{view.board}' is not in the loaded data; showing '{dataset.default_board}' instead.")
            view = LeaderboardView(board=dataset.default_board)
        board = dataset.boards[view.board]

        if view.snapshot is not None and view.snapshot not in board.snapshots:
            notices.append(f"Snapshot '{view.snapshot}' does not exist for this board; showing the latest ({board.latest_snapshot}).")
            view = replace(view, snapshot=None)

        known = set(board.schema.benchmark_ids)
        dropped = [c for c in view.columns if c not in known]
        if dropped:
            notices.append(f"Unknown benchmark columns ignored: {', '.join(dropped)}.")
            view = replace(view, columns=tuple(c for c in view.columns if c in known))

        sortable = known | {AGGREGATE_COLUMN, "model_id"} | set(board.schema.metadata)
        if view.sort_by not in sortable:
            notices.append(f"Cannot sort by '{view.sort_by}'; sorting by the default column instead.")
            view = replace(view, sort_by=self.default_sort(board))
        if view.sort_by == AGGREGATE_COLUMN and board.schema.aggregate == "none":
            view = replace(view, sort_by=self.default_sort(board))

        if view.params_min is not None and view.params_max is not None and view.params_min > view.params_max:
            notices.append(f"Minimum size {view.params_min:g}B is above maximum {view.params_max:g}B; the two were swapped.")
            view = replace(view, params_min=view.params_max, params_max=view.params_min)

        page_size = min(max(int(view.page_size), 1), MAX_PAGE_SIZE)
        if page_size != view.page_size:
            view = replace(view, page_size=page_size)
        return view, notices

    def _with_alerts(self, rows: pd.DataFrame, view: LeaderboardView) -> tuple[pd.DataFrame, str | None]:
        """Add `alert_count` / `alert_severity` from the board's alert pass, hiding alerted models if asked.

        The pass runs in the background: until it is done the rows are returned
        unchanged with a notice, so the table never waits for it.
        """
        if self.alerts is None:
            return rows, None
        summary = self.alerts.model_summary(view.board)
        if summary is None:
            notice = "Alerts are still being computed; the alert column appears when they are ready."
            if view.hide_alerted:
                notice += " Until then, hiding alerted models has no effect."
            return rows, notice
        counts = rows["model_key"].map(summary["alert_count"]).fillna(0).astype(int)
        if view.hide_alerted:
            keep = (counts == 0).to_numpy()
            rows, counts = rows[keep], counts[keep]
        severity = rows["model_key"].map(summary["alert_severity"])
        worst = rows["model_key"].map(summary["alert_id"])
        return rows.assign(alert_count=counts.to_numpy(), alert_severity=severity.to_numpy(), alert_id=worst.to_numpy()), None

    @staticmethod
    def default_sort(board: BoardData) -> str:
        """Sort by the aggregate where the board has one, else by its first benchmark."""
        if board.schema.aggregate != "none":
            return AGGREGATE_COLUMN
        return board.schema.benchmark_ids[0]

    def filtered(self, view: LeaderboardView) -> pd.DataFrame:
        """Return every row of the view after search, filters and sort, before paging."""
        board = self.board(view.board)
        frame = self.frame(view.board, view.snapshot, view.raw_scores, view.partial_aggregate)
        return apply_view(frame, view, board.schema)

    def table_page(self, view: LeaderboardView) -> TablePage:
        """Check the view, then filter, sort, page and render it."""
        view, notices = self.check_view(view)
        board = self.board(view.board)
        frame = self.frame(view.board, view.snapshot, view.raw_scores, view.partial_aggregate)
        if view.sort_by in board.schema.benchmark_ids and view.sort_by not in frame.columns:
            fallback = self.default_sort(board)
            notices.append(f"{board.schema.benchmark(view.sort_by).name} has no scores in this snapshot; sorting by {fallback} instead.")
            view = replace(view, sort_by=fallback)
        rows = apply_view(frame, view, board.schema)
        rows, alert_notice = self._with_alerts(rows, view)
        if alert_notice:
            notices.append(alert_notice)
        page = page_rows(rows, view.page, view.page_size)
        view = replace(view, page=page.page)
        page_frame = page.rows
        if view.show_ranks:
            ranges = self.rank_ranges(view.board, view.snapshot, view.sort_by if view.sort_by in frame.columns else self.default_sort(board))
            page_frame = with_rank_ranges(page_frame, ranges)
            if ranges.reason:
                notice = f"No rank ranges: {ranges.reason}."
                with_ranges = [b.name for b in board.schema.benchmarks if b.id in frame.columns
                               and not self.rank_ranges(view.board, view.snapshot, b.id).reason]
                if with_ranges and view.sort_by == AGGREGATE_COLUMN:
                    notice += f" Sort by a benchmark to see its ranges: {', '.join(with_ranges)}."
                notices.append(notice)
        rendered = render_page(page_frame, board.schema, view)
        return TablePage(
            view=view,
            table=rendered,
            model_keys=tuple(page.rows["model_key"].tolist()),
            page=page.page,
            pages=page.pages,
            total=page.total,
            board_total=len(frame),
            notices=tuple(notices),
        )

    def export_csv(self, view: LeaderboardView, directory: Path | None = None) -> Path:
        """Write every row of the view (not only the page) to a CSV file that is safe in spreadsheets.

        Without `directory`, each export gets a fresh subfolder of one temporary
        folder per service, so two visitors exporting at once never overwrite
        each other's file. Subfolders older than an hour are removed.
        """
        view, _ = self.check_view(view)
        board = self.board(view.board)
        rows = self.filtered(view)
        table = export_frame(rows, board.schema)

        if directory is None:
            if self._export_dir is None:
                self._export_dir = Path(tempfile.mkdtemp(prefix="goodhart-export-"))
            remove_old_exports(self._export_dir, max_age_seconds=3600)
            directory = Path(tempfile.mkdtemp(dir=self._export_dir))
        directory = Path(directory)
        snapshot = view.snapshot or board.latest_snapshot or "latest"
        # Board ids from a Hub repo are untrusted text: keep the file name to safe characters.
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{view.board}_{snapshot}_{self.dataset.revision}")
        path = directory / f"{stem}.csv"
        table.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)
        logger.info("exported %d rows of board %s to %s", len(table), view.board, path)
        return path

    def filter_choices(self, board_id: str) -> dict[str, list[str]]:
        """Return the distinct values of each text filter column the board has, sorted."""
        board = self.board(board_id)
        choices: dict[str, list[str]] = {}
        for field_name, column in FILTER_COLUMNS.items():
            if column in board.models.columns and column in board.schema.metadata:
                values = board.models[column].dropna().astype(str)
                choices[field_name] = sorted(v for v in values.unique() if v.strip())
            else:
                choices[field_name] = []
        return choices
