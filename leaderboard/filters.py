"""Search, filters, sort and paging of a leaderboard frame, all vectorized.

Every function takes the frame built by `leaderboard.table.leaderboard_frame`
and returns a new frame or page; the input, which callers cache, is never
modified. Ranks are not recomputed: a filtered view shows each model's rank on
the whole board snapshot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from leaderboard.schema import BoardSchema
from leaderboard.state import AGGREGATE_COLUMN, MAX_PAGE_SIZE, LeaderboardView
from leaderboard.table import RANK_PREFIX, best_variant, rank_column

SEARCH_SEPARATOR = ";"


@dataclass(frozen=True)
class Page:
    """One page of rows.

    `page` is 1-based and already clamped to 1..`pages`; `pages` is at least 1,
    also for an empty table; `total` counts the rows of every page.
    """

    rows: pd.DataFrame
    page: int
    pages: int
    total: int
    page_size: int


def search_terms(query: str) -> list[str]:
    """Split a search query on ';' into lowercase terms, trimmed, with empty terms dropped."""
    terms = (term.strip().casefold() for term in str(query or "").split(SEARCH_SEPARATOR))
    return [term for term in terms if term]


def search_mask(ids: pd.Series, query: str) -> pd.Series:
    """Return which ids contain any term of `query`, as a boolean Series on the index of `ids`.

    Matching is a case-insensitive literal substring test (no regex, so `(`,
    `[`, `*` and `\\` match themselves and never raise). Terms are separated
    by ';'; a query without terms matches every row, and a missing id matches
    no term.
    """
    terms = search_terms(query)
    if not terms:
        return pd.Series(True, index=ids.index)

    folded = ids.astype("string").str.casefold()
    mask = pd.Series(False, index=ids.index)
    for term in terms:
        mask |= folded.str.contains(term, regex=False).fillna(False).astype(bool)
    return mask


def _is_true(column: pd.Series) -> np.ndarray:
    """Return a bool array that is True where the value is True; missing counts as not True."""
    return column.astype("boolean").fillna(False).to_numpy(dtype=bool)


def filter_mask(frame: pd.DataFrame, view: LeaderboardView) -> np.ndarray:
    """Return the rows of `frame` that pass the view's search and filters, as a bool array.

    - search: `search_mask` over `model_id` or `hub_id`.
    - `model_types`, `precisions`, `licenses`: exact values; an empty tuple
      means no filter, and a row with a missing value fails an active filter.
    - `params_min` / `params_max` (billions, inclusive): rows of unknown size
      (missing `params_b`) are kept when no bound is given, and with a bound
      only when `include_unknown_size` is set.
    - `official_only`: `official_provider` is True.
    - `hub_only`: `available_on_hub` is True where the board has that column,
      else the row has a `hub_id`.
    - `hide_flagged`, `hide_merged`, `hide_moe`: drop rows where the column is
      True; a missing value is kept. `hide_merged` also drops rows whose
      `model_type` contains "merge".

    A filter whose column the board lacks is ignored.
    """
    columns = frame.columns
    mask = np.ones(len(frame), dtype=bool)

    if search_terms(view.search):
        by_id = search_mask(frame["model_id"], view.search)
        by_hub = search_mask(frame["hub_id"], view.search)
        mask &= (by_id | by_hub).to_numpy(dtype=bool)

    for values, column in ((view.model_types, "model_type"), (view.precisions, "precision"), (view.licenses, "license")):
        if values and column in columns:
            mask &= frame[column].isin(set(values)).fillna(False).to_numpy(dtype=bool)

    if "params_b" in columns:
        params = frame["params_b"].to_numpy(dtype="float64", na_value=np.nan)
        unknown = np.isnan(params)
        in_range = ~unknown
        with np.errstate(invalid="ignore"):
            if view.params_min is not None:
                in_range &= params >= view.params_min
            if view.params_max is not None:
                in_range &= params <= view.params_max
        if view.params_min is not None or view.params_max is not None:
            mask &= in_range | (unknown & view.include_unknown_size)

    if view.official_only and "official_provider" in columns:
        mask &= _is_true(frame["official_provider"])
    if view.hub_only:
        if "available_on_hub" in columns:
            mask &= _is_true(frame["available_on_hub"])
        else:
            mask &= frame["hub_id"].notna().to_numpy(dtype=bool)

    for hide, column in ((view.hide_flagged, "flagged"), (view.hide_merged, "merged"), (view.hide_moe, "moe")):
        if hide and column in columns:
            mask &= ~_is_true(frame[column])
    if view.hide_merged and "model_type" in columns:
        # Boards publish a merge flag and a model type that disagree on many rows
        # (513 on Open LLM Leaderboard v2), so either one marks a merge.
        mask &= ~frame["model_type"].astype("string").str.contains("merge", case=False, regex=False).fillna(False).to_numpy(dtype=bool)
    return mask


def apply_view(frame: pd.DataFrame, view: LeaderboardView, schema: BoardSchema) -> pd.DataFrame:
    """Filter (see `filter_mask`), keep the best variant if asked, then sort by the view's column."""
    mask = filter_mask(frame, view)
    rows = frame if mask.all() else frame[mask]
    if view.best_variant:
        rows = best_variant(rows)
    benchmarks = [b for b in schema.benchmark_ids if b in frame.columns]
    return sort_rows(rows, view.sort_by, view.sort_descending, benchmarks=benchmarks)


def sort_column(frame: pd.DataFrame, column: str, benchmarks: Sequence[str] = ()) -> str:
    """Return the column to sort by: `column` if the frame has it, else the default column.

    The default is `aggregate` when it has any value, else the first benchmark
    (`benchmarks`, or the benchmarks named by the frame's rank columns), else
    `model_key`.
    """
    if column in frame.columns:
        return column
    if AGGREGATE_COLUMN in frame.columns and frame[AGGREGATE_COLUMN].notna().any():
        return AGGREGATE_COLUMN
    if not benchmarks:
        aggregate_rank = rank_column(AGGREGATE_COLUMN)
        benchmarks = [c[len(RANK_PREFIX):] for c in frame.columns if c.startswith(RANK_PREFIX) and c != aggregate_rank]
    for benchmark in benchmarks:
        if benchmark in frame.columns:
            return benchmark
    return "model_key"


def sort_rows(frame: pd.DataFrame, column: str, descending: bool, benchmarks: Sequence[str] = ()) -> pd.DataFrame:
    """Sort rows by one column, missing values last in both directions, ties by model key.

    Numbers and booleans sort numerically, text sorts case-insensitively.
    An unknown `column` falls back as `sort_column` describes. The sort is
    stable on a frame ordered by model key, and a frame in any other order is
    put in model-key order first, so equal values always come out in model-key
    order.
    """
    column = sort_column(frame, column, benchmarks)
    if not frame["model_key"].is_monotonic_increasing:
        frame = frame.iloc[np.argsort(frame["model_key"].to_numpy(dtype="object"), kind="stable")]

    values = frame[column]
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        # NaN sorts last in numpy's argsort; negating keeps it last for descending.
        order = np.argsort(-numbers if descending else numbers, kind="stable")
        return frame.iloc[order]

    text = values.astype("string").str.casefold().reset_index(drop=True)
    order = text.sort_values(ascending=not descending, kind="stable", na_position="last").index
    return frame.iloc[order.to_numpy()]


def page_rows(frame: pd.DataFrame, page: int, page_size: int) -> Page:
    """Cut one page out of the sorted rows.

    `page_size` is clamped to 1..`MAX_PAGE_SIZE` and `page` to 1..`pages`, so a
    stale page number from a link still returns a page.
    """
    page_size = min(max(int(page_size), 1), MAX_PAGE_SIZE)
    total = len(frame)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(int(page), 1), pages)
    start = (page - 1) * page_size
    return Page(rows=frame.iloc[start:start + page_size], page=page, pages=pages, total=total, page_size=page_size)
