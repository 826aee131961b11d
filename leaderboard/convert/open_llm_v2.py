"""Convert the Open LLM Leaderboard v2 export (2,674 rows) to the `open_llm_v2` board.

Choices, one per trap in the raw file:

- Scores: `score` is the normalized value shown on the leaderboard (0-100,
  random baseline subtracted, clipped at 0). `score_raw` is the raw accuracy
  (0-1) from the `*_raw` columns. Integrity checks should use `score_raw`,
  because clipping hides below-chance results. IFEval's normalized value is
  raw x 100 with no baseline subtracted.
- Key: `hub_id@model_sha:precision`. The chat-template flag is added as
  `#chat` / `#nochat` only on rows whose key would otherwise collide. None
  collide in this export, and a note records that. Rows without a sha (12) key on
  `hub_id:precision`.
- `features_is_not_available_on_hub` is read as inverted, so
  `available_on_hub` takes its value unchanged: it is True for all 433
  official-provider models, which are on the Hub, and for 75% of all rows.
- Parameters of 0 or -1 mean unknown and become missing, never 0.
- `snapshot_date` is the same for every row, so it is the results' snapshot
  (2025-03-21) and not a time axis. The time axes are `submission_date` and
  `upload_date`, stored as `YYYY-MM-DD` text.
- `features_is_merged` is kept as published even where the model type
  disagrees with it, and the number of disagreeing rows is reported. Base
  models and generations are kept as published, with counts of odd cases.
- MATH Lvl 5 values are the ones after the leaderboard's 2025 parser fix.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from leaderboard.convert.common import (
    ConvertedBoard,
    info_note,
    melt_scores,
    models_frame,
    normalize_model_type,
    read_csv,
    results_frame,
    to_utc_date,
    unknown_as_missing,
)
from leaderboard.keys import hub_model_key
from leaderboard.notes import DataNote, make_note

logger = logging.getLogger(__name__)

BOARD_ID = "open_llm_v2"
FOLDER = "open_llm_leaderboard_v2"
FILE = "open_llm_leaderboard_v2.csv"
EXPORT_DATE = "2025-03-21"

SCORE_COLUMNS = {
    "IFEval": "ifeval",
    "BBH": "bbh",
    "MATH Lvl 5": "math_lvl5",
    "GPQA": "gpqa",
    "MUSR": "musr",
    "MMLU-PRO": "mmlu_pro",
}
RAW_COLUMNS = {
    "ifeval": "ifeval_raw",
    "bbh": "bbh_raw",
    "math_lvl5": "math_lvl5_raw",
    "gpqa": "gpqa_raw",
    "musr": "musr_raw",
    "mmlu_pro": "mmlu_pro_raw",
}
METADATA = [
    "params_b", "model_type", "precision", "revision", "license", "architecture",
    "upload_date", "submission_date", "base_model", "merged", "moe", "flagged",
    "official_provider", "available_on_hub", "chat_template",
]


def build_keys(frame: pd.DataFrame) -> tuple[pd.Series, bool]:
    """Return the model keys and whether the chat-template flag had to be added to some.

    `frame` needs `model_name`, `model_sha`, `model_precision` and
    `model_has_chat_template`.
    """
    keys = pd.Series(
        [
            hub_model_key(name, None if pd.isna(sha) else sha, precision)
            for name, sha, precision in zip(frame["model_name"], frame["model_sha"], frame["model_precision"])
        ],
        index=frame.index,
        dtype=object,
    )
    colliding = keys.duplicated(keep=False)
    if not colliding.any():
        return keys, False
    suffix = frame["model_has_chat_template"].map({True: "#chat", False: "#nochat"}).fillna("")
    keys[colliding] = keys[colliding] + suffix[colliding]
    return keys, True


def convert(raw_dir: Path) -> ConvertedBoard:
    """Read `open_llm_leaderboard_v2/open_llm_leaderboard_v2.csv` under `raw_dir` and build the board tables."""
    raw = read_csv(raw_dir / FOLDER / FILE)
    notes: list[DataNote] = []

    frame = raw.copy()
    frame["model_key"], with_chat = build_keys(frame)
    if with_chat:
        notes.append(info_note(BOARD_ID, FILE, "some (model, sha, precision) keys repeat, so the chat-template flag was added to those keys", column="model_has_chat_template"))
    else:
        notes.append(info_note(BOARD_ID, FILE, "every (model, sha, precision) is unique, so the chat-template flag is not part of the key", column="model_key"))
    missing_sha = int(frame["model_sha"].isna().sum())
    if missing_sha:
        notes.append(info_note(BOARD_ID, FILE, f"{missing_sha} rows have no model sha; their key is hub_id:precision", column="model_sha"))

    duplicated = frame["model_key"].duplicated(keep="first")
    for row in frame.index[duplicated]:
        notes.append(make_note(BOARD_ID, FILE, "model key repeats even with the chat-template flag; row skipped", row=int(row) + 1, column="model_key", value=frame.at[row, "model_key"]))
    frame = frame[~duplicated]

    snapshots = frame["snapshot_date"].dropna().unique().tolist()
    if snapshots != [EXPORT_DATE]:
        notes.append(make_note(BOARD_ID, FILE, f"expected every snapshot_date to be {EXPORT_DATE}; the export date is used anyway", column="snapshot_date", value=",".join(map(str, snapshots))))
    frame["snapshot"] = EXPORT_DATE

    results = results_frame(melt_scores(frame, SCORE_COLUMNS, RAW_COLUMNS))
    models = _models(frame, notes)
    return ConvertedBoard(BOARD_ID, results, models, notes)


def _models(frame: pd.DataFrame, notes: list[DataNote]) -> pd.DataFrame:
    params = unknown_as_missing(frame["metadata_params_billions"])
    unknown = int((params.isna() & frame["metadata_params_billions"].notna()).sum())
    if unknown:
        notes.append(info_note(BOARD_ID, FILE, f"{unknown} rows give 0 or -1 billion parameters; stored as unknown", column="metadata_params_billions"))

    model_type = normalize_model_type(frame["model_type"])
    merge_type = model_type == "merge"
    disagree = int((frame["features_is_merged"].astype(bool) != merge_type.fillna(False).astype(bool)).sum())
    notes.append(info_note(BOARD_ID, FILE, f"features_is_merged disagrees with the model type on {disagree} rows; both are kept as published", column="features_is_merged"))

    self_base = frame["metadata_base_model"] == frame["model_name"]
    odd_generation = int(((frame["metadata_generation"] == 0) & ~self_base & frame["metadata_base_model"].notna()).sum())
    notes.append(info_note(BOARD_ID, FILE, f"{odd_generation} rows have generation 0 but name another model as base", column="metadata_base_model"))
    off_board = int((~frame["metadata_base_model"].isin(frame["model_name"])).sum())
    notes.append(info_note(BOARD_ID, FILE, f"the base model of {off_board} rows is not on the board", column="metadata_base_model"))

    repeated = int(frame["model_name"].duplicated().sum())
    notes.append(info_note(BOARD_ID, FILE, f"{repeated} rows repeat a model name with another precision, revision or chat-template setting", column="model_name"))

    models = pd.DataFrame({
        "model_key": frame["model_key"],
        "model_id": frame["model_name"],
        "hub_id": frame["model_name"],
        "params_b": params,
        "model_type": model_type,
        "precision": frame["model_precision"].astype("string"),
        "revision": frame["model_sha"].astype("string"),
        "license": frame["metadata_hub_license"].astype("string"),
        "architecture": frame["model_architecture"].astype("string"),
        "upload_date": to_utc_date(frame["metadata_upload_date"]),
        "submission_date": to_utc_date(frame["metadata_submission_date"]),
        "base_model": frame["metadata_base_model"].astype("string"),
        "merged": frame["features_is_merged"].astype("boolean"),
        "moe": frame["features_is_moe"].astype("boolean"),
        "flagged": frame["features_is_flagged"].astype("boolean"),
        "official_provider": frame["features_is_official_provider"].astype("boolean"),
        # The upstream flag is named "is not available" but contains "is available" (see the module docstring).
        "available_on_hub": frame["features_is_not_available_on_hub"].astype("boolean"),
        "chat_template": frame["model_has_chat_template"].astype("boolean"),
    })
    return models_frame(models, METADATA)
