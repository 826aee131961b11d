"""Named cohorts of models, defined as data over a board's models table.

Cohort ids and their rules:

- `all`: every model of the board.
- `official`: `official_provider` is true.
- `merged`: the `merged` flag is true (the flag, not the model type, because
  the two disagree on some rows of the Open LLM boards).
- `finetuned`: `model_type` contains "fine", case-insensitive.
- `size:<bucket>`: parameter count in billions (`params_b`) in a half-open
  bucket: `lt3` [0, 3), `3to10` [3, 10), `10to35` [10, 35), `ge35` [35, inf).
  Models of unknown size are in no bucket.
- `date:<axis>:<YYYY>Q<q>`: models whose date on the time axis `<axis>` (a
  date metadata column) falls in that calendar quarter, in UTC.

Dates are parsed by `model_dates`: ISO 8601 text only, naive times read as
UTC; anything else (such as `01/05/2024`, which is ambiguous) becomes missing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leaderboard.schema import METADATA_COLUMNS
from leaderboard.store import BoardData
from leaderboard.timeaxis import parse_times

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SizeBucket:
    """A parameter-count bucket [low, high) in billions."""

    id: str
    label: str
    low: float
    high: float


SIZE_BUCKETS = (
    SizeBucket("lt3", "Under 3B parameters", 0.0, 3.0),
    SizeBucket("3to10", "3B to under 10B parameters", 3.0, 10.0),
    SizeBucket("10to35", "10B to under 35B parameters", 10.0, 35.0),
    SizeBucket("ge35", "35B parameters or more", 35.0, np.inf),
)

FIXED_COHORTS = {
    "all": "All models",
    "official": "Official providers",
    "merged": "Merges",
    "finetuned": "Fine-tunes",
}


def model_dates(board: BoardData, column: str) -> pd.Series:
    """Parse one date column of the models table to UTC timestamps, indexed by model key.

    Uses the Tracking tab's rule (`leaderboard.timeaxis.parse_times`): ISO 8601
    only, naive times are UTC, ambiguous forms such as 01/05/2024 become NaT.
    Rejected values are logged as warnings through their data notes.
    """
    models = board.models
    index = pd.Index(models["model_key"].astype(str), name="model_key")
    if column not in models.columns:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]", name=column)
    parsed, _ = parse_times(models[column].astype("string"), board.schema.id, "models", column)
    return pd.Series(parsed.to_numpy(), index=index, name=column)


def date_axes(board: BoardData) -> list[str]:
    """Return the board's time axes that are date columns of the models table."""
    return [a for a in board.schema.time_axes if METADATA_COLUMNS.get(a) == "date" and a in board.models.columns]


def _quarters(dates: pd.Series) -> pd.Series:
    return dates.dropna().dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("Q").astype(str)


def _bool_column(board: BoardData, column: str) -> pd.Series | None:
    if column not in board.models.columns:
        return None
    values = board.models[column].astype("boolean").fillna(False).astype(bool)
    return pd.Series(values.to_numpy(), index=board.models["model_key"])


def cohort_keys(board: BoardData, cohort_id: str) -> set[str]:
    """Return the model keys of one cohort (rules in the module docstring).

    Raises ValueError for an id this board cannot form, naming the id.
    """
    models = board.models
    keys = models["model_key"].astype(str)

    if cohort_id == "all":
        return set(keys)

    if cohort_id in ("official", "merged"):
        column = "official_provider" if cohort_id == "official" else "merged"
        flags = _bool_column(board, column)
        if flags is None:
            raise ValueError(f"cohort {cohort_id!r} needs the {column} column, which board {board.schema.id} lacks")
        return set(flags.index[flags.to_numpy()])

    if cohort_id == "finetuned":
        if "model_type" not in models.columns:
            raise ValueError(f"cohort 'finetuned' needs the model_type column, which board {board.schema.id} lacks")
        fine = models["model_type"].astype("string").str.contains("fine", case=False, regex=False).fillna(False).astype(bool)
        return set(keys[fine.to_numpy()])

    if cohort_id.startswith("size:"):
        bucket = next((b for b in SIZE_BUCKETS if f"size:{b.id}" == cohort_id), None)
        if bucket is None or "params_b" not in models.columns:
            raise ValueError(f"unknown size cohort {cohort_id!r} for board {board.schema.id}")
        params = pd.to_numeric(models["params_b"], errors="coerce")
        inside = ((params >= bucket.low) & (params < bucket.high)).fillna(False).astype(bool)
        return set(keys[inside.to_numpy()])

    if cohort_id.startswith("date:"):
        parts = cohort_id.split(":")
        if len(parts) != 3 or parts[1] not in date_axes(board):
            raise ValueError(f"unknown date cohort {cohort_id!r} for board {board.schema.id}; expected date:<axis>:<YYYY>Q<q>")
        quarters = _quarters(model_dates(board, parts[1]))
        return set(quarters.index[quarters.to_numpy() == parts[2]])

    raise ValueError(f"unknown cohort id {cohort_id!r}")


def available_cohorts(board: BoardData) -> list[tuple[str, str]]:
    """List (label, id) for every cohort this board can form with at least one model, in a fixed order."""
    cohorts = []
    for cohort_id, label in FIXED_COHORTS.items():
        try:
            count = len(cohort_keys(board, cohort_id))
        except ValueError:
            continue
        if count:
            cohorts.append((label, cohort_id))

    if "params_b" in board.models.columns:
        for bucket in SIZE_BUCKETS:
            if cohort_keys(board, f"size:{bucket.id}"):
                cohorts.append((bucket.label, f"size:{bucket.id}"))

    for axis in date_axes(board):
        quarters = _quarters(model_dates(board, axis))
        axis_label = axis.replace("_", " ").capitalize()
        for quarter in sorted(quarters.unique()):
            cohorts.append((f"{axis_label} in {quarter}", f"date:{axis}:{quarter}"))
    return cohorts
