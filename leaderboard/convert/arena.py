"""Convert the LMArena text leaderboard history (63 snapshots) to the `lmarena_text` board.

Choices, one per trap in the raw file:

- Key: `normalize_name(model)`, because 31 display names differ only in case
  or separators between snapshots (`Gemma-2-9B-it` and `Gemma-2-9b-it`) and
  would otherwise split a model's history. `model_id` is the spelling of the
  model's latest snapshot.
- One benchmark, `arena_score` (Bradley-Terry rating on the Elo scale, an
  integer). `ci_95` is asymmetric text `+P/-M`; it becomes the absolute
  bounds `ci_low = score - M` and `ci_high = score + P`. `n_samples` is the
  number of votes at that snapshot.
- `rank` and `rank_stylectrl` are not kept: `rank` is an upper-bound rank
  with ties, and style-control ranks are missing in early snapshots.
- Licenses are spelled several ways ("Apache 2.0" / "Apache-2.0",
  "Propretary"); `LICENSE_NAMES` folds only spellings of the same license.
  The models table keeps each model's latest organization, license and votes.
- `knowledge_cutoff` mixes dates with "Online" and "Unknown" and has no
  metadata column; it is not kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from leaderboard.convert.common import ConvertedBoard, info_note, models_frame, read_csv, results_frame
from leaderboard.keys import normalize_name
from leaderboard.notes import DataNote, make_note

logger = logging.getLogger(__name__)

BOARD_ID = "lmarena_text"
FOLDER = "chatbot_arena"
FILE = "arena_text_leaderboard_history.csv"
METADATA = ["organization", "license", "votes"]
_CI_PATTERN = r"^\+(?P<plus>\d+(?:\.\d+)?)/-(?P<minus>\d+(?:\.\d+)?)$"

# Spellings of the same license, keyed by the lowercased raw text.
LICENSE_NAMES = {
    "apache 2.0": "Apache-2.0",
    "apache-2.0": "Apache-2.0",
    "propretary": "Proprietary",
    "proprietary": "Proprietary",
    "deepseek": "DeepSeek License",
    "deepseek license": "DeepSeek License",
    "gemma": "Gemma license",
    "gemma license": "Gemma license",
    "llama 3.1": "Llama 3.1 Community",
    "llama 3.1 community": "Llama 3.1 Community",
    "llama-3.3": "Llama 3.3",
    "qianwen license": "Qwen license",
    "qwen": "Qwen license",
}


def normalize_license(values: pd.Series) -> pd.Series:
    """Fold known spellings of one license to one name; other values stay as published."""
    def fold(value):
        if pd.isna(value):
            return pd.NA
        text = str(value).strip()
        return LICENSE_NAMES.get(text.lower(), text)

    return values.map(fold).astype("string")


def parse_ci(ci_text: pd.Series, score: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Turn `+P/-M` interval text into absolute bounds (score - M, score + P); unparsable text gives missing."""
    parts = ci_text.astype("string").str.strip().str.extract(_CI_PATTERN)
    plus = pd.to_numeric(parts["plus"], errors="coerce").astype("float64")
    minus = pd.to_numeric(parts["minus"], errors="coerce").astype("float64")
    return score - minus, score + plus


def convert(raw_dir: Path) -> ConvertedBoard:
    """Read `chatbot_arena/arena_text_leaderboard_history.csv` under `raw_dir` and build the board tables."""
    raw = read_csv(raw_dir / FOLDER / FILE)
    notes: list[DataNote] = []

    frame = raw.copy()
    frame["model_key"] = frame["model"].map(normalize_name)
    spellings = frame.groupby("model_key")["model"].nunique()
    split = spellings[spellings > 1]
    notes.append(info_note(BOARD_ID, FILE, f"{len(split)} models appear under more than one spelling; they share a key", column="model", value=", ".join(split.index[:5])))

    duplicated = frame.duplicated(["snapshot_date", "model_key"], keep="first")
    for row in frame.index[duplicated]:
        notes.append(make_note(BOARD_ID, FILE, "two spellings of one model in the same snapshot; the first row is kept", row=int(row) + 1, column="model", value=frame.at[row, "model"]))
    frame = frame[~duplicated]

    score = pd.to_numeric(frame["arena_score"], errors="coerce").astype("float64")
    ci_low, ci_high = parse_ci(frame["ci_95"], score)
    bad_ci = ci_low.isna() & frame["ci_95"].notna()
    for row in frame.index[bad_ci]:
        notes.append(make_note(BOARD_ID, FILE, "ci_95 is not of the form +P/-M; interval left missing", row=int(row) + 1, column="ci_95", value=frame.at[row, "ci_95"]))

    results = results_frame(pd.DataFrame({
        "model_key": frame["model_key"],
        "snapshot": frame["snapshot_date"],
        "benchmark": "arena_score",
        "score": score,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "n_samples": frame["votes"],
    }).dropna(subset=["score"]))

    missing_style = int(frame["rank_stylectrl"].isna().sum())
    notes.append(info_note(BOARD_ID, FILE, f"style-control rank is missing in {missing_style} rows; ranks are not kept", column="rank_stylectrl"))
    return ConvertedBoard(BOARD_ID, results, _models(frame, notes), notes)


def _models(frame: pd.DataFrame, notes: list[DataNote]) -> pd.DataFrame:
    latest = frame.sort_values(["model_key", "snapshot_date"], kind="stable").drop_duplicates("model_key", keep="last")
    licenses = normalize_license(frame["license"])
    changed = licenses.groupby(frame["model_key"]).nunique()
    changed = changed[changed > 1]
    if len(changed):
        notes.append(info_note(BOARD_ID, FILE, f"{len(changed)} models changed license between snapshots; the latest is shown", column="license", value=", ".join(changed.index)))
    folded = int((licenses != frame["license"]).sum())
    notes.append(info_note(BOARD_ID, FILE, f"{folded} license values were folded to a common spelling", column="license"))

    models = pd.DataFrame({
        "model_key": latest["model_key"],
        "model_id": latest["model"],
        "organization": latest["organization"].astype("string"),
        "license": normalize_license(latest["license"]),
        "votes": pd.to_numeric(latest["votes"], errors="coerce").astype("float64"),
    })
    return models_frame(models, METADATA)
