"""Wide score tables and the board aggregate ("Average") with its coverage.

Terms used here:

- wide table: one row per model key and one float64 column per benchmark id,
  built from the long results table of one snapshot. A missing cell means the
  model has no accepted score for that benchmark; it is never filled with 0.
- aggregate benchmarks: the board's benchmarks that are not composite (a
  composite such as the Epoch Capabilities Index is built from the others and
  would count them twice) and that have data in the snapshot.
- coverage: how many aggregate benchmarks a model has a score for;
  `coverage_total` is the number of aggregate benchmarks in the snapshot.

Aggregate rules (the schema's `aggregate.rule`):

- `mean`: arithmetic mean of the aggregate benchmarks.
- `weighted_mean`: sum of weight x score over the sum of the weights present,
  with weights from `Benchmark.weight` (MTEB uses dataset counts).
- `category_mean`: mean of the per-category means (LiveBench), so a category
  with many tasks counts as much as one with few.
- `none`: the board has no aggregate; every aggregate is missing.

By default the aggregate is computed over complete rows only: a model missing
any aggregate benchmark gets a missing aggregate, so a model with 2 of 4 scores
never outranks a complete one. With `partial=True` it uses the scores present
(for `category_mean`, the mean of the categories present, each over its
present benchmarks) and `coverage` shows how much of the board it covers.

Scores are averaged as stored, also for lower-is-better benchmarks, so the
aggregate of a lower-is-better board is itself lower-is-better. A schema that
mixes directions among its aggregate benchmarks gets missing aggregates and a
logged reason (see `aggregate_problem`), because an average of accuracy and
error rate has no direction. No shipped board does this.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from leaderboard.schema import BoardSchema
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

AGGREGATE_COLUMNS = ["aggregate", "coverage", "coverage_total"]


def wide_scores(board: BoardData, snapshot: str | None, raw: bool) -> pd.DataFrame:
    """Pivot one snapshot of the long results table into a wide table.

    `snapshot` None means the board's latest snapshot. The index is the model
    key (sorted, named `model_key`) and contains every model with at least one
    score in the snapshot. Columns are the benchmark ids that have at least one
    score in the snapshot, in schema order, all float64.

    With `raw=True`, benchmarks that declare a raw scale take `score_raw` and
    the others `score`. A raw benchmark whose `score_raw` is missing stays
    missing rather than falling back to the normalized score, because the two
    are on different scales.
    """
    schema = board.schema
    snapshot = snapshot or board.latest_snapshot
    results = board.results
    rows = results[results["snapshot"] == snapshot]

    values = rows["score"].to_numpy(dtype="float64", na_value=np.nan)
    if raw:
        raw_ids = [b.id for b in schema.benchmarks if b.raw is not None]
        uses_raw = rows["benchmark"].isin(raw_ids).to_numpy()
        raw_values = rows["score_raw"].to_numpy(dtype="float64", na_value=np.nan)
        values = np.where(uses_raw, raw_values, values)

    present = ~np.isnan(values) & rows["benchmark"].isin(schema.benchmark_ids).to_numpy(dtype=bool)
    rows, values = rows[present], values[present]

    # Scatter into a dense array by integer codes rather than DataFrame.pivot,
    # which converts the string columns to Python objects and was about 8
    # times slower at 100,000 models x 34 benchmarks.
    # validate_results already dropped duplicate (model, snapshot, benchmark)
    # rows, so no cell is written twice.
    key_codes, keys = pd.factorize(rows["model_key"], sort=True)
    seen_codes, seen = pd.factorize(rows["benchmark"])
    seen = [str(b) for b in seen]
    order = [b for b in schema.benchmark_ids if b in seen]
    position = np.array([order.index(b) for b in seen], dtype="int64")
    bench_codes = position[seen_codes] if len(seen) else seen_codes
    grid = np.full((len(keys), len(order)), np.nan)
    grid[key_codes, bench_codes] = values

    index = pd.Index(np.asarray(keys, dtype="object"), name="model_key")
    return pd.DataFrame(grid, index=index, columns=order, dtype="float64")


def aggregate_benchmarks(schema: BoardSchema, columns) -> list[str]:
    """Return the non-composite benchmark ids among `columns`, in schema order."""
    available = set(columns)
    return [b.id for b in schema.benchmarks if not b.composite and b.id in available]


def aggregate_problem(schema: BoardSchema, columns) -> str | None:
    """Return why the board's aggregate cannot be computed over `columns`, or None if it can."""
    ids = aggregate_benchmarks(schema, columns)
    directions = {schema.benchmark(b).higher_is_better for b in ids}
    if len(directions) > 1:
        return (
            f"board {schema.id} averages higher-is-better and lower-is-better benchmarks; "
            "the aggregate is left missing because such an average has no direction"
        )
    return None


def aggregate_higher_is_better(schema: BoardSchema, columns) -> bool:
    """Return the direction of the aggregate: that of its benchmarks, higher-is-better if there are none."""
    ids = aggregate_benchmarks(schema, columns)
    if not ids:
        return True
    return schema.benchmark(ids[0]).higher_is_better


def aggregate_scores(wide: pd.DataFrame, schema: BoardSchema, partial: bool) -> pd.DataFrame:
    """Compute the aggregate, coverage and coverage_total of each row of a wide table.

    Returns a frame with the index of `wide` and the columns `aggregate`
    (float64), `coverage` and `coverage_total` (int64). The module docstring
    defines the rules and the complete-rows default.
    """
    ids = aggregate_benchmarks(schema, wide.columns)
    values = wide[ids].to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(values)
    coverage = present.sum(axis=1).astype("int64")
    total = len(ids)

    aggregate = np.full(len(wide), np.nan)
    problem = aggregate_problem(schema, wide.columns)
    if problem is not None:
        logger.warning("%s", problem)
    elif schema.aggregate != "none" and total > 0:
        aggregate = _apply_rule(values, present, ids, schema)
        usable = coverage == total if not partial else coverage > 0
        aggregate = np.where(usable, aggregate, np.nan)

    return pd.DataFrame(
        {
            "aggregate": aggregate.astype("float64"),
            "coverage": coverage,
            "coverage_total": np.full(len(wide), total, dtype="int64"),
        },
        index=wide.index,
    )


def _apply_rule(values: np.ndarray, present: np.ndarray, ids: list[str], schema: BoardSchema) -> np.ndarray:
    """Apply the schema's rule to the scores present in each row; rows with no score get NaN."""
    filled = np.where(present, values, 0.0)

    if schema.aggregate == "mean":
        weights = np.ones(len(ids))
        return _weighted_row_mean(filled, present, weights)

    if schema.aggregate == "weighted_mean":
        weights = np.array([schema.benchmark(b).weight for b in ids], dtype="float64")
        return _weighted_row_mean(filled, present, weights)

    # category_mean: average within each category first, then across the
    # categories that have at least one score.
    categories = [schema.benchmark(b).category for b in ids]
    category_means = []
    for category in dict.fromkeys(categories):
        columns = [i for i, c in enumerate(categories) if c == category]
        weights = np.ones(len(columns))
        category_means.append(_weighted_row_mean(filled[:, columns], present[:, columns], weights))
    stacked = np.column_stack(category_means)
    stacked_present = ~np.isnan(stacked)
    return _weighted_row_mean(np.where(stacked_present, stacked, 0.0), stacked_present, np.ones(stacked.shape[1]))


def _weighted_row_mean(filled: np.ndarray, present: np.ndarray, weights: np.ndarray) -> np.ndarray:
    weight_sum = (present * weights).sum(axis=1)
    total = (filled * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight_sum > 0, total / weight_sum, np.nan)
