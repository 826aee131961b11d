"""The leaderboard frame: one row per model of a board snapshot, with scores, aggregate and ranks.

This is the logic table the Leaderboard tab filters, sorts and pages. It keeps
scores numeric and missing values missing; labels, links and "—" are added only
by `leaderboard.render`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from leaderboard.aggregate import aggregate_higher_is_better, aggregate_scores, wide_scores
from leaderboard.state import AGGREGATE_COLUMN
from leaderboard.store import MODEL_BASE_COLUMNS, BoardData

logger = logging.getLogger(__name__)

RANK_PREFIX = "rank_"


def rank_column(column: str) -> str:
    """Return the name of the rank column of a benchmark id or of `aggregate`."""
    return f"{RANK_PREFIX}{column}"


def competition_rank(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """Rank with the competition ("min") method: 1 is best, tied scores share the best rank.

    Scores 90, 80, 80, 70 rank 1, 2, 2, 4. Missing scores get a missing rank.
    Returns an Int64 series.
    """
    ranks = values.rank(method="min", ascending=not higher_is_better, na_option="keep")
    return ranks.astype("Int64")


def leaderboard_frame(board: BoardData, snapshot: str | None, raw: bool, partial: bool) -> pd.DataFrame:
    """Build the leaderboard frame of one board snapshot.

    Columns, in order: `model_key`, `model_id`, `hub_id`, the board's metadata
    columns, one float64 column per benchmark with data in the snapshot (schema
    order), `aggregate`, `coverage`, `coverage_total`, then `rank_<benchmark>`
    for each benchmark column and `rank_aggregate` (Int64).

    Rows are the models with at least one score in the snapshot, sorted by
    model key, with a fresh RangeIndex, so the same inputs always give the same
    frame. `snapshot` None means the latest snapshot; `raw` and `partial` are
    passed to `wide_scores` and `aggregate_scores`.

    Ranks are computed here, over every model of the snapshot, before any
    search or filter: a model keeps its board rank in a filtered view. With
    `raw=True` the ranks are of the raw scores.
    """
    schema = board.schema
    wide = wide_scores(board, snapshot, raw)
    benchmarks = list(wide.columns)
    reserved = {AGGREGATE_COLUMN, "coverage", "coverage_total", *MODEL_BASE_COLUMNS, *schema.metadata}
    clashes = sorted(reserved.intersection(benchmarks))
    if clashes:
        raise ValueError(f"board {schema.id}: benchmark ids {clashes} clash with leaderboard column names; rename them in the schema")

    aggregates = aggregate_scores(wide, schema, partial)

    metadata = [c for c in schema.metadata if c in board.models.columns]
    models = board.models[MODEL_BASE_COLUMNS + metadata].set_index("model_key")
    models = models.reindex(wide.index)

    # build_board gives models without a row in the models table a bare row.
    # The fill below covers tables built some other way, so no name is missing.
    model_id = models["model_id"].astype("object")
    model_id = model_id.where(model_id.notna(), pd.Series(wide.index, index=wide.index))

    frame = pd.DataFrame({"model_key": wide.index.to_numpy(dtype="object")})
    frame["model_id"] = model_id.to_numpy(dtype="object")
    frame["hub_id"] = models["hub_id"].astype("string").to_numpy()
    for column in metadata:
        frame[column] = models[column].reset_index(drop=True)
    for column in benchmarks:
        frame[column] = wide[column].to_numpy(dtype="float64")
    for column in aggregates.columns:
        frame[column] = aggregates[column].to_numpy()

    ranks = {}
    for column in benchmarks:
        ranks[rank_column(column)] = competition_rank(frame[column], schema.benchmark(column).higher_is_better)
    ranks[rank_column(AGGREGATE_COLUMN)] = competition_rank(frame[AGGREGATE_COLUMN], aggregate_higher_is_better(schema, benchmarks))
    frame = pd.concat([frame, pd.DataFrame(ranks, index=frame.index)], axis=1)

    for column in MODEL_BASE_COLUMNS:
        frame[column] = frame[column].astype("string")
    logger.info(
        "built leaderboard frame for board %s snapshot %s (raw=%s, partial=%s): %d models, %d benchmarks",
        schema.id, snapshot or board.latest_snapshot, raw, partial, len(frame), len(benchmarks),
    )
    return frame


def variant_group(frame: pd.DataFrame) -> pd.Series:
    """Return the model each row is a variant of: its `hub_id` where present and not blank, else its `model_id`."""
    hub = frame["hub_id"].astype("string")
    usable = hub.notna() & (hub.str.strip() != "")
    return hub.where(usable.fillna(False), frame["model_id"].astype("string"))


def best_variant(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per model: the variant (precision, revision) with the best aggregate.

    A model is its `hub_id`, or its `model_id` where the hub id is missing.
    "Best" follows `rank_aggregate` (so it respects the aggregate's direction);
    rows without an aggregate come last, and ties are broken by the smaller
    model key. Boards without an aggregate therefore keep the smallest model
    key per model. The kept rows stay in their input order.
    """
    if frame.empty:
        return frame

    rank = frame[rank_column(AGGREGATE_COLUMN)].astype("Float64").fillna(np.inf).to_numpy(dtype="float64")
    group, _ = pd.factorize(variant_group(frame))
    keys, _ = pd.factorize(frame["model_key"], sort=True)

    # Lexicographic order: group, then rank (missing as +inf, i.e. last), then key.
    order = np.lexsort((keys, rank, group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    keep = np.sort(order[first])
    return frame.iloc[keep]
