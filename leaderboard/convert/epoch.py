"""Convert the Epoch AI Benchmarking Hub export (43 benchmarks) to the `epoch` board.

Choices, one per trap in the raw file:

- Each benchmark keeps its own published scale (0-1, 0-100, Elo, minutes,
  points). The schema declares scale and direction per benchmark, and this
  converter never rescales.
- Key: Epoch's `model_version` as published. Rows without a model version
  (401) cannot be joined across benchmarks and are skipped, with a count per
  benchmark. Rows without a score (312) are skipped.
- Duplicates: 643 rows repeat a (benchmark, model version) pair with other
  shots or sources. Rule: keep the highest score, because that is the best
  result reported for the model, the same convention as Epoch's own
  "best score across scorers". Ties keep the first row in file order. The
  number of pairs resolved, and how many of them mixed shot settings, is
  reported.
- `shots` mixes formats ('5', '5.0', '5-shot', '0\\n', 'few'). `parse_shots`
  folds them only to count mixed settings, because the results table has no
  shots column.
- `epoch_capabilities_index` is a composite of the other benchmarks; the
  schema marks it `composite: true` so analyses can exclude it.
- The models table keeps each version's release date (`YYYY-MM-DD`, missing
  for 489 rows) and organisation.
- Snapshot: 2025-10-31, the latest evaluation start date in the export.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from leaderboard.convert.common import ConvertedBoard, info_note, models_frame, read_csv, results_frame, to_utc_date
from leaderboard.notes import DataNote

logger = logging.getLogger(__name__)

BOARD_ID = "epoch"
FOLDER = "epoch_ai_benchmarks"
FILE = "epoch_benchmarks_long.csv"
EXPORT_DATE = "2025-10-31"
METADATA = ["release_date", "organization"]
_SHOTS = re.compile(r"^(\d+)(?:\.0+)?(?:-shot)?$")


def parse_shots(value) -> str | None:
    """Fold a shots entry to a count as text ('5') or 'few'; None when missing or unreadable."""
    if pd.isna(value):
        return None
    text = str(value).strip().lower()
    match = _SHOTS.match(text)
    if match:
        return str(int(match.group(1)))
    return "few" if text == "few" else None


def resolve_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Keep the highest score per (benchmark, model_version); ties keep the first row.

    Returns the kept rows, the number of pairs that had more than one row, and
    how many of those pairs mixed shot settings.
    """
    ordered = frame.assign(_order=range(len(frame)))
    groups = ordered.groupby(["benchmark", "model_version"])
    sizes = groups["score"].transform("size")
    repeated = ordered[sizes > 1]
    pairs = repeated.groupby(["benchmark", "model_version"]).ngroups
    shot_kinds = repeated.assign(_shots=repeated["shots"].map(parse_shots)).groupby(["benchmark", "model_version"])["_shots"].nunique(dropna=False)
    mixed = int((shot_kinds > 1).sum())

    ordered = ordered.sort_values(["benchmark", "model_version", "score", "_order"], ascending=[True, True, False, True], kind="stable")
    best_rows = ordered.drop_duplicates(["benchmark", "model_version"], keep="first").drop(columns="_order")
    return best_rows, pairs, mixed


def convert(raw_dir: Path) -> ConvertedBoard:
    """Read `epoch_ai_benchmarks/epoch_benchmarks_long.csv` under `raw_dir` and build the board tables."""
    raw = read_csv(raw_dir / FOLDER / FILE)
    notes: list[DataNote] = []
    frame = raw.copy()

    no_version = frame["model_version"].isna()
    for bench, count in frame.loc[no_version, "benchmark"].value_counts().sort_index().items():
        notes.append(info_note(BOARD_ID, FILE, f"{count} rows have no model version and are skipped", column="model_version", value=bench))
    frame = frame[~no_version]

    no_score = frame["score"].isna()
    if no_score.any():
        notes.append(info_note(BOARD_ID, FILE, f"{int(no_score.sum())} rows with a model version have no score and are skipped", column="score"))
    frame = frame[~no_score]

    before = len(frame)
    frame, pairs, mixed = resolve_duplicates(frame)
    notes.append(info_note(
        BOARD_ID, FILE,
        f"{before - len(frame)} rows repeat a (benchmark, model version) pair; {pairs} pairs resolved by keeping the highest score ({mixed} of them mixed shot settings)",
        column="score",
    ))

    results = results_frame(pd.DataFrame({
        "model_key": frame["model_version"],
        "snapshot": EXPORT_DATE,
        "benchmark": frame["benchmark"],
        "score": frame["score"],
    }))

    attributes = raw.assign(release_date=to_utc_date(raw["release_date"])).dropna(subset=["model_version"])
    versions = pd.Series(sorted(frame["model_version"].unique()))
    models = pd.DataFrame({
        "model_key": versions,
        "model_id": versions,
        "release_date": versions.map(_first_value(attributes, "release_date")).astype("string"),
        "organization": versions.map(_first_value(attributes, "organization")).astype("string"),
    })
    no_date = int(models["release_date"].isna().sum())
    notes.append(info_note(BOARD_ID, FILE, f"{no_date} of {len(models)} model versions have no release date", column="release_date"))
    return ConvertedBoard(BOARD_ID, results, models_frame(models, METADATA), notes)


def _first_value(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return the first non-missing `column` value of each model version, indexed by version."""
    known = frame.dropna(subset=[column]).drop_duplicates("model_version")
    return known.set_index("model_version")[column]
