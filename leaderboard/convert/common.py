"""Helpers shared by the converters from raw public files to the board tables.

A converter reads one source folder and returns a `ConvertedBoard`: a long
results table in the columns of `leaderboard.store.RESULT_COLUMNS`, a models
table (`model_key`, `model_id`, `hub_id` and the board's metadata columns) and
the notes it produced. Notes come in two kinds: `make_note` for rows that were
skipped or changed (logged as warnings), `info_note` for facts about the data
that were kept as published (logged at info level).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from leaderboard.notes import DataNote
from leaderboard.store import RESULT_COLUMNS

logger = logging.getLogger(__name__)

_BENCHMARK_ID_INVALID = re.compile(r"[^a-z0-9_.\-/]+")

# One vocabulary of model types for the Open LLM boards, so the same filter
# works on v1 (emoji labels) and v2 (squashed labels).
MODEL_TYPES = {
    "pretrained": "pretrained",
    "continuouslypretrained": "continuously pretrained",
    "continuously pretrained": "continuously pretrained",
    "fine-tunedondomain-specificdatasets": "fine-tuned",
    "fine-tuned on domain-specific datasets": "fine-tuned",
    "chatmodels": "chat",
    "chat models (rlhf, dpo, ift, ...)": "chat",
    "basemergesandmoerges": "merge",
    "base merges and moerges": "merge",
    "multimodal": "multimodal",
    "other": "other",
}


@dataclass
class ConvertedBoard:
    """One board's tables as produced from its raw files, before validation."""

    board_id: str
    results: pd.DataFrame
    models: pd.DataFrame
    notes: list[DataNote] = field(default_factory=list)


def info_note(board: str, file: str, reason: str, *, row=None, column=None, value=None) -> DataNote:
    """Build a note about data that was kept as published, and log it at info level."""
    text = None if value is None else str(value)
    logger.info("data note: board=%s file=%s column=%s value=%r: %s", board, file, column, text, reason)
    return DataNote(board=board, file=file, reason=reason, row=row, column=column, value=text)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a raw CSV with a real CSV parser (some fields contain quoted line breaks)."""
    frame = pd.read_csv(path)
    logger.info("read %s: %d rows, %d columns", path, len(frame), len(frame.columns))
    return frame


def benchmark_id(text: str) -> str:
    """Fold a task name into a schema benchmark id: lowercase, other characters to '_'."""
    folded = _BENCHMARK_ID_INVALID.sub("_", str(text).strip().lower())
    return folded.strip("_")


def slug(text: str) -> str:
    """Fold a display name into a plain ASCII key: lowercase, other character runs to '-'."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def to_utc_date(values: pd.Series) -> pd.Series:
    """Parse timestamps to `YYYY-MM-DD` text in UTC; missing or unparsable values stay missing.

    Accepts ISO dates, ISO timestamps with `Z` and naive timestamps with
    microseconds. Naive timestamps are taken as UTC, because the sources
    store UTC and give no offset.
    """
    parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    text = parsed.dt.strftime("%Y-%m-%d")
    return text.where(parsed.notna(), pd.NA).astype("string")


def unknown_as_missing(values: pd.Series) -> pd.Series:
    """Return sizes with 0 and negative values replaced by missing: the sources use them for 'unknown'."""
    numeric = pd.to_numeric(values, errors="coerce").astype("float64")
    return numeric.where(numeric > 0, np.nan)


def normalize_model_type(values: pd.Series) -> pd.Series:
    """Map the leaderboards' model-type labels (emoji prefix and spacing vary) to `MODEL_TYPES`."""
    def fold(value):
        if pd.isna(value):
            return pd.NA
        text = re.sub(r"^[^a-z0-9]+", "", str(value).strip().lower())
        return MODEL_TYPES.get(text, text or pd.NA)

    return values.map(fold).astype("string")


def results_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a results table with exactly `RESULT_COLUMNS`, sorted for byte-stable output."""
    out = frame.copy()
    for column in RESULT_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    out = out[RESULT_COLUMNS]
    out["n_samples"] = pd.to_numeric(out["n_samples"], errors="coerce").astype("Int64")
    for column in ("score", "score_raw", "stderr", "ci_low", "ci_high"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("model_key", "snapshot", "benchmark"):
        out[column] = out[column].astype(str)
    return out.sort_values(["model_key", "snapshot", "benchmark"], kind="stable").reset_index(drop=True)


def models_frame(frame: pd.DataFrame, metadata: list[str]) -> pd.DataFrame:
    """Return a models table with the base columns and `metadata`, one row per key, sorted by key."""
    out = frame.copy()
    if "hub_id" not in out.columns:
        out["hub_id"] = pd.NA
    columns = ["model_key", "model_id", "hub_id", *metadata]
    out = out[columns].drop_duplicates("model_key", keep="first")
    out["model_key"] = out["model_key"].astype(str)
    out["model_id"] = out["model_id"].astype(str)
    out["hub_id"] = out["hub_id"].astype("string")
    return out.sort_values("model_key", kind="stable").reset_index(drop=True)


def melt_scores(frame: pd.DataFrame, columns: dict[str, str], raw_columns: dict[str, str] | None = None) -> pd.DataFrame:
    """Turn a wide table (`model_key`, `snapshot`, one column per benchmark) into long results rows.

    `columns` maps a source column to a benchmark id; `raw_columns` maps a
    benchmark id to the source column of its raw score. Rows whose score is
    missing are dropped here, so a missing cell stays missing.
    """
    parts = []
    for source, bench in columns.items():
        part = pd.DataFrame({
            "model_key": frame["model_key"],
            "snapshot": frame["snapshot"],
            "benchmark": bench,
            "score": frame[source],
        })
        if raw_columns and bench in raw_columns:
            part["score_raw"] = frame[raw_columns[bench]]
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long[long["score"].notna()]
