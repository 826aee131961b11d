"""The loaded data: long results tables, model tables and their revision.

Every source (embedded files, a Hub results repo) produces the same two tables
per board, checked by `validate_results` and `validate_models`:

- results: one row per (model_key, snapshot, benchmark) with `score`, and where
  known `score_raw` (the raw score of boards that publish a normalized one),
  `stderr`, `ci_low` / `ci_high` (the data's own interval) and `n_samples`.
- models: one row per model_key with `model_id` (the name shown), `hub_id`
  (the Hugging Face repo id, missing for models not on the Hub) and the
  board's metadata columns.

Snapshots are ISO dates (`YYYY-MM-DD`) as text, so they sort chronologically.

A problem shared by many rows of one file gets at most `ROW_NOTE_LIMIT` notes
naming a row, then one note that counts the remaining rows.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

from leaderboard.notes import DataNote, make_note
from leaderboard.schema import METADATA_COLUMNS, BoardSchema

logger = logging.getLogger(__name__)

RESULT_COLUMNS = ["model_key", "snapshot", "benchmark", "score", "score_raw", "stderr", "ci_low", "ci_high", "n_samples"]
RESULT_FLOAT_COLUMNS = ["score", "score_raw", "stderr", "ci_low", "ci_high"]
MODEL_BASE_COLUMNS = ["model_key", "model_id", "hub_id"]
_SNAPSHOT_FORMAT = "%Y-%m-%d"
KEY_COLUMNS = ["model_key", "snapshot", "benchmark"]

# Maximum rows noted one by one for each problem of a file. One more note counts
# the rest, so a file with a wrong column type does not flood the notes panel.
ROW_NOTE_LIMIT = 20


@dataclass
class BoardData:
    """One board's schema with its validated tables."""

    schema: BoardSchema
    results: pd.DataFrame
    models: pd.DataFrame
    notes: list[DataNote] = field(default_factory=list)

    @property
    def snapshots(self) -> list[str]:
        """Snapshot dates, oldest first."""
        return sorted(self.results["snapshot"].dropna().unique().tolist())

    @property
    def latest_snapshot(self) -> str | None:
        snaps = self.snapshots
        return snaps[-1] if snaps else None


@dataclass
class Dataset:
    """All boards from one source at one revision.

    `revision` is the Hub commit sha, or a content hash of the embedded files;
    caches are keyed on it.
    """

    boards: dict[str, BoardData]
    revision: str
    source: str
    loaded_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    notes: list[DataNote] = field(default_factory=list)

    @property
    def default_board(self) -> str:
        for board_id, board in self.boards.items():
            if board.schema.is_default:
                return board_id
        return next(iter(self.boards))

    def all_notes(self) -> list[DataNote]:
        collected = list(self.notes)
        for board in self.boards.values():
            collected.extend(board.notes)
        return collected


def content_revision(chunks: list[bytes]) -> str:
    """Return a short SHA-256 over the given byte strings, in order, as a data revision."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)
    return digest.hexdigest()[:12]


def _is_iso_date(value) -> bool:
    try:
        datetime.strptime(str(value), _SNAPSHOT_FORMAT)
    except ValueError:
        return False
    return True


def _note_rows(notes: list[DataNote], board: str, file: str, reason: str, frame: pd.DataFrame, rows, column: str, value_column: str | None = None) -> None:
    """Append one note per row in `rows` (labels of `frame`), capped at `ROW_NOTE_LIMIT` plus one count of the rest.

    Row numbers are the 1-based data rows of the file, from `frame`'s index.
    """
    rows = list(rows)
    value_column = value_column or column
    for row in rows[:ROW_NOTE_LIMIT]:
        notes.append(make_note(board, file, reason, row=int(row) + 1, column=column, value=frame.at[row, value_column]))
    rest = len(rows) - ROW_NOTE_LIMIT
    if rest > 0:
        notes.append(make_note(board, file, f"{reason} (and {rest} more rows with the same problem)", column=column))


def _non_scalar(series: pd.Series) -> pd.Series:
    """Mark values that are lists, arrays or mappings (parquet list or struct cells), which cannot be keys."""
    return series.map(lambda value: not pd.api.types.is_scalar(value)).astype(bool)


def _dates_as_text(series: pd.Series) -> pd.Series:
    """Turn datetime values into `YYYY-MM-DD` text, so a parquet snapshot column of timestamps is read as dates.

    Timezone-aware times are converted to UTC first; the time of day is dropped.
    Other values are returned unchanged.
    """
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.dt.strftime(_SNAPSHOT_FORMAT).astype(object)

    def convert(value):
        if isinstance(value, pd.Timestamp) and value.tzinfo is not None:
            value = value.tz_convert("UTC")
        elif isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        if isinstance(value, date):
            return value.strftime(_SNAPSHOT_FORMAT)
        return value

    return series.map(convert)


def validate_results(results: pd.DataFrame, schema: BoardSchema, file: str) -> tuple[pd.DataFrame, list[DataNote]]:
    """Check a long results table against its board schema.

    Returns the rows that pass, with numeric dtypes, and one note per rejected
    row or column. A score that is missing, not a number, infinite or outside
    the benchmark's valid range is rejected (the row is dropped, so the cell
    stays missing and is never replaced by 0). A row with only a raw score
    (`score_raw`) is kept with `score` missing. A published 0 inside the range
    is kept. Duplicate (model_key, snapshot, benchmark) rows keep the first.
    A key that is a list or a mapping skips its row. A snapshot stored as a
    date or timestamp is read as its `YYYY-MM-DD` date (UTC).
    """
    notes: list[DataNote] = []
    board = schema.id
    frame = results.copy()

    missing = [c for c in ("model_key", "snapshot", "benchmark", "score") if c not in frame.columns]
    if missing:
        notes.append(make_note(board, file, f"results table lacks the required columns {missing}; file skipped"))
        return pd.DataFrame(columns=RESULT_COLUMNS), notes
    for column in RESULT_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan

    frame = frame[RESULT_COLUMNS].reset_index(drop=True)

    # Rows whose keys cannot be hashed are dropped first: every later step groups or compares keys.
    # The index keeps the file's row numbers for the notes.
    for column in KEY_COLUMNS:
        non_scalar = _non_scalar(frame[column])
        _note_rows(notes, board, file, f"{column} is a list or mapping, not a single value; row skipped", frame, frame.index[non_scalar], column)
        frame = frame[~non_scalar]
    frame["snapshot"] = _dates_as_text(frame["snapshot"])

    # Masks are built as plain bool: on an empty frame, or a text column read with
    # pandas 3's `str` dtype, an element-wise result can otherwise take a dtype that `&` rejects.
    keep = pd.Series(True, index=frame.index, dtype=bool)

    known = set(schema.benchmark_ids)
    unknown = ~frame["benchmark"].isin(known).astype(bool)
    for bench, count in frame.loc[unknown, "benchmark"].value_counts(dropna=False).items():
        notes.append(make_note(board, file, f"benchmark is not declared in the board schema; {count} rows skipped", column="benchmark", value=bench))
    keep &= ~unknown

    bad_key = (frame["model_key"].isna() | (frame["model_key"].astype(str).str.strip() == "")).astype(bool)
    _note_rows(notes, board, file, "empty model key; row skipped", frame, frame.index[bad_key], "model_key")
    keep &= ~bad_key

    bad_snapshot = ~frame["snapshot"].map(_is_iso_date).astype(bool)
    _note_rows(notes, board, file, "snapshot is not a YYYY-MM-DD date; row skipped", frame, frame.index[bad_snapshot & keep], "snapshot")
    keep &= ~bad_snapshot

    for column in RESULT_FLOAT_COLUMNS:
        original = frame[column]
        numeric = pd.to_numeric(original, errors="coerce").astype("float64")
        not_numeric = original.notna() & numeric.isna()
        numeric[~np.isfinite(numeric.fillna(0.0))] = np.nan
        infinite = original.notna() & numeric.isna() & ~not_numeric
        reason = "value is not a finite number"
        if column == "score":
            reason += "; row skipped, the cell stays missing"
        invalid = (not_numeric | infinite).astype(bool) & keep
        _note_rows(notes, board, file, reason, frame.assign(_original=original), frame.index[invalid], column, "_original")
        frame[column] = numeric

    # A row needs a displayed score or, on boards that publish both, a raw one:
    # a results file may carry only the raw value (see `template_format`).
    missing_score = frame["score"].isna() & frame["score_raw"].isna()
    keep &= ~missing_score

    for column, scale_of in (("score", lambda b: b.scale), ("score_raw", lambda b: b.raw)):
        ranges = {b.id: scale_of(b).valid_range for b in schema.benchmarks if scale_of(b) is not None}
        low = frame["benchmark"].map(lambda b: (ranges.get(b) or (-np.inf, np.inf))[0]).astype("float64")
        high = frame["benchmark"].map(lambda b: (ranges.get(b) or (-np.inf, np.inf))[1]).astype("float64")
        out_of_range = keep & ((frame[column] < low) | (frame[column] > high)).astype(bool)
        flagged = frame[out_of_range]
        for (bench, bench_low, bench_high), group in flagged.groupby([flagged["benchmark"], low[out_of_range], high[out_of_range]], sort=False, dropna=False):
            reason = f"{column} outside the valid range [{bench_low:g}, {bench_high:g}] of {bench}; row skipped"
            _note_rows(notes, board, file, reason, frame, group.index, column)
        keep &= ~out_of_range

    frame["n_samples"] = pd.to_numeric(frame["n_samples"], errors="coerce").astype("Int64")
    frame = frame[keep]

    duplicated = frame.duplicated(KEY_COLUMNS, keep="first")
    _note_rows(notes, board, file, "duplicate (model_key, snapshot, benchmark); the first row is kept", frame, frame.index[duplicated], "model_key")
    frame = frame[~duplicated].reset_index(drop=True)

    for column in KEY_COLUMNS:
        frame[column] = frame[column].astype(str)
    return frame, notes


def validate_models(models: pd.DataFrame, schema: BoardSchema, file: str) -> tuple[pd.DataFrame, list[DataNote]]:
    """Check a models table: unique non-empty keys, and the declared metadata columns typed.

    Missing declared columns are added as all-missing with a note. Values of a
    number column that do not parse become missing with a note; unknown sizes
    stay missing, never 0.
    """
    notes: list[DataNote] = []
    board = schema.id
    frame = models.copy().reset_index(drop=True)

    if "model_key" not in frame.columns:
        notes.append(make_note(board, file, "models table lacks the model_key column; file skipped"))
        return pd.DataFrame(columns=MODEL_BASE_COLUMNS + list(schema.metadata)), notes
    if "model_id" not in frame.columns:
        frame["model_id"] = frame["model_key"]
    if "hub_id" not in frame.columns:
        frame["hub_id"] = pd.NA

    non_scalar = _non_scalar(frame["model_key"])
    _note_rows(notes, board, file, "model_key is a list or mapping, not a single value; row skipped", frame, frame.index[non_scalar], "model_key")
    frame = frame[~non_scalar]

    duplicated = frame.duplicated("model_key", keep="first")
    _note_rows(notes, board, file, "duplicate model key; the first row is kept", frame, frame.index[duplicated], "model_key")
    frame = frame[~duplicated]

    for column in schema.metadata:
        kind = METADATA_COLUMNS[column]
        if column not in frame.columns:
            notes.append(make_note(board, file, "declared metadata column is absent; shown as missing", column=column))
            frame[column] = pd.NA
        original = frame[column]
        if kind == "number":
            numeric = pd.to_numeric(original, errors="coerce").astype("float64")
            invalid = (original.notna() & numeric.isna()).astype(bool)
            _note_rows(notes, board, file, "not a number; treated as unknown", frame, frame.index[invalid], column)
            frame[column] = numeric
        elif kind == "bool":
            frame[column] = original.map(_to_bool).astype("boolean")
        else:
            frame[column] = original.astype("string")

    for column in ("model_key", "model_id"):
        frame[column] = frame[column].astype(str)
    frame["hub_id"] = frame["hub_id"].astype("string")
    return frame.reset_index(drop=True), notes


def _to_bool(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    return pd.NA


def build_board(schema: BoardSchema, results: pd.DataFrame, models: pd.DataFrame, file: str) -> BoardData:
    """Validate both tables of a board; results of models absent from `models` get a bare model row."""
    results, notes = validate_results(results, schema, file)
    models, model_notes = validate_models(models, schema, file)
    notes.extend(model_notes)

    orphans = sorted(set(results["model_key"]) - set(models["model_key"]))
    if orphans:
        notes.append(make_note(schema.id, file, f"{len(orphans)} model keys have results but no model row; shown with their key as name", column="model_key", value=orphans[0]))
        extra = pd.DataFrame({"model_key": orphans, "model_id": orphans})
        models = pd.concat([models, extra], ignore_index=True)
        models, _ = validate_models(models, schema, file)

    return BoardData(schema=schema, results=results, models=models, notes=notes)
