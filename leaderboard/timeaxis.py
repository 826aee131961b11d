"""Time axes: one parsing rule for dates and times, and scores placed on a time axis.

Parsing rule (`parse_time`), applied to every date or time the tracking
statistics use:

- Accepted: ISO 8601 calendar dates `YYYY-MM-DD`, and date-times
  `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS` or `YYYY-MM-DDTHH:MM:SS.ffffff`
  (a space may replace the `T`), optionally followed by `Z`, `+HH:MM`,
  `-HH:MM`, `+HHMM` or `+HH`. A date without a time is midnight.
- A time without an offset (naive) is read as UTC. A time with an offset is
  converted to UTC. The result is always a UTC-aware `pandas.Timestamp`.
- Day-month-year or month-day-year text such as `01/05/2024`, `01-05-2024`
  or `1.5.24` is rejected, because `01/05` is 1 May in one convention and
  5 January in the other. It is rejected even when one part exceeds 12,
  because a column that mixes both conventions cannot be detected value by
  value.
- Any other text is rejected. `datetime`, `date` and `Timestamp` objects are
  accepted under the same naive-is-UTC rule.

A rejected value never becomes a guessed date: `parse_times` leaves it
missing and returns a `DataNote` naming the value and the fix.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd

from leaderboard.notes import DataNote, make_note
from leaderboard.store import BoardData, ROW_NOTE_LIMIT

logger = logging.getLogger(__name__)

POINT_COLUMNS = ["model_key", "benchmark", "time", "snapshot", "score", "score_raw", "stderr", "ci_low", "ci_high"]

_ISO_PATTERN = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_AMBIGUOUS_PATTERN = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(?:[T ].*)?$")

FIX_HINT = "write it as YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS with Z or an offset such as +02:00"


class TimeParseError(ValueError):
    """A value does not follow the parsing rule; `reason` gives the cause and the fix."""

    def __init__(self, value, reason: str):
        self.value = value
        self.reason = reason
        super().__init__(f"cannot read {value!r} as a date: {reason}")


class TimePoints(NamedTuple):
    """Scores placed on one time axis.

    `frame` has the columns of `POINT_COLUMNS`, with `time` a UTC-aware
    datetime column. `undated` lists the model keys left out because their
    date is missing or rejected, and `notes` gives the reasons, at most
    `ROW_NOTE_LIMIT` notes per reason plus one note counting the rest.
    """

    frame: pd.DataFrame
    undated: list[str]
    notes: list[DataNote]


def parse_time(value) -> pd.Timestamp:
    """Parse one date or time to a UTC-aware Timestamp by the module's rule; raise `TimeParseError` otherwise."""
    if isinstance(value, (pd.Timestamp, datetime, date)) and not pd.isna(value):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")

    text = str(value).strip()
    if _AMBIGUOUS_PATTERN.match(text):
        raise TimeParseError(value, f"day and month order is ambiguous; {FIX_HINT}")
    if not _ISO_PATTERN.match(text):
        raise TimeParseError(value, f"not an ISO 8601 date or time; {FIX_HINT}")

    try:
        stamp = pd.Timestamp(text)
    except ValueError as exc:
        raise TimeParseError(value, f"not a valid calendar date or time ({exc}); {FIX_HINT}") from exc
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def parse_times(values: pd.Series, board: str, file: str, column: str) -> tuple[pd.Series, list[DataNote]]:
    """Parse a column by `parse_time`, returning UTC datetimes (missing where rejected) and notes.

    Missing values stay missing without a note; the caller decides whether a
    missing date matters. Each distinct rejected value gets one note, at most
    `ROW_NOTE_LIMIT`, then one note counting the remaining distinct values.
    """
    parsed: dict[object, pd.Timestamp | None] = {}
    rejected: list[TimeParseError] = []
    for value in pd.unique(values.dropna()):
        try:
            parsed[value] = parse_time(value)
        except TimeParseError as exc:
            parsed[value] = None
            rejected.append(exc)

    notes = [
        make_note(board, file, f"date rejected: {error.reason}; the model is left off this time axis", column=column, value=error.value)
        for error in rejected[:ROW_NOTE_LIMIT]
    ]
    if len(rejected) > ROW_NOTE_LIMIT:
        notes.append(make_note(board, file, f"{len(rejected) - ROW_NOTE_LIMIT} more distinct dates rejected for the same kinds of reasons", column=column))

    stamps = [parsed.get(value) if not pd.isna(value) else None for value in values]
    series = pd.Series(pd.to_datetime([s if s is not None else pd.NaT for s in stamps], utc=True), index=values.index, name=column)
    return series.astype("datetime64[ns, UTC]"), notes


def time_points(board: BoardData, axis: str) -> TimePoints:
    """Place a board's scores on one of its time axes (`board.schema.time_axes`).

    - `axis == "snapshot"`: every results row, at its snapshot date (midnight UTC).
    - a date metadata column (`submission_date`, `upload_date`, `release_date`):
      the latest snapshot's rows, each at its model's date from the models
      table. Models whose date is missing or rejected are left out, listed in
      `undated` and counted in `notes`.

    Rows without a displayed `score` (raw-only rows) are left out with one note.
    Raises ValueError when `axis` is not one of the board's time axes.
    """
    schema = board.schema
    if axis not in schema.time_axes:
        axes = ", ".join(schema.time_axes) or "none"
        raise ValueError(f"board {schema.id} has no time axis {axis!r}; its time axes are: {axes}")

    results = board.results
    file = f"{schema.id} results"
    notes: list[DataNote] = []
    undated: list[str] = []

    if axis == "snapshot":
        rows = results.copy()
        rows["time"], snapshot_notes = parse_times(rows["snapshot"], schema.id, file, "snapshot")
        notes.extend(snapshot_notes)
    else:
        rows = results[results["snapshot"] == board.latest_snapshot].copy()
        models = board.models.set_index("model_key")
        dates, date_notes = parse_times(models[axis], schema.id, f"{schema.id} models", axis)
        notes.extend(date_notes)
        rows["time"] = rows["model_key"].map(dates).astype("datetime64[ns, UTC]")

        scored = rows["model_key"].unique()
        undated = sorted(str(key) for key in scored if pd.isna(dates.get(key, pd.NaT)))
        if undated:
            shown = ", ".join(undated[:5]) + (", ..." if len(undated) > 5 else "")
            notes.append(make_note(schema.id, f"{schema.id} models", f"{len(undated)} of {len(scored)} scored models have no usable {axis} and are left off this axis: {shown}", column=axis))

    unscored = rows["score"].isna()
    if unscored.any():
        notes.append(make_note(schema.id, file, f"{int(unscored.sum())} rows have only a raw score and are left off the time axis", column="score"))

    rows = rows[rows["time"].notna() & ~unscored]
    frame = rows[POINT_COLUMNS].sort_values(["benchmark", "time", "model_key"], kind="stable").reset_index(drop=True)
    for column in ("score", "score_raw", "stderr", "ci_low", "ci_high"):
        frame[column] = frame[column].astype("float64")
    logger.info("time points for %s on %s: %d rows, %d undated models", schema.id, axis, len(frame), len(undated))
    return TimePoints(frame=frame, undated=undated, notes=notes)


def years_since_epoch(times) -> np.ndarray:
    """Convert UTC times to years since 1970-01-01 UTC: elapsed days / 365.25 (Julian years)."""
    stamps = pd.to_datetime(pd.Series(times), utc=True)
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return ((stamps - epoch) / pd.Timedelta(days=1)).to_numpy(dtype="float64") / 365.25
