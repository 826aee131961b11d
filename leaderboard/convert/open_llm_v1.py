"""Convert the archived Open LLM Leaderboard v1 (7,169 rows) and its flag list to the `open_llm_v1` board.

Choices, one per trap in the raw files:

- Flags: `flagged`, `merged` and `moe` come from the corrected columns of the
  same names (109 flagged rows). The raw `not_*` columns hold the scraped,
  negated values and are ignored.
- `flag_url` is the maintainers' discussion link from `flagged_models_v1.csv`,
  set on every row of a listed model. The 4 "do not submit" entries are
  requests, not flags, and are skipped. A model listed twice keeps the link
  with the lower discussion number. Notes report listed models that are
  absent from the snapshot or not marked as flagged in it. The `flagged`
  column itself is never changed from the published one.
- GSM8K values of exactly 0 (582 rows, failed runs) are kept, because they
  are what the leaderboard published and what its `average` includes. The
  integrity checks are expected to mark them.
- `params_b` of 0 (624 rows) means unknown and becomes missing, never 0.
- Key: `hub_id@model_sha:precision` (every key is unique; 8 rows without a
  sha key on `hub_id:precision`). Ids without an organisation (`gpt2`) stay
  as they are, with no organisation.
- `submission_date` comes in two formats (ISO with `Z`, and naive timestamps
  with microseconds, taken as UTC); both become `YYYY-MM-DD`. 25 are missing.
- Model type is missing in 175 rows and stays missing.
- Snapshot: 2024-06-15, the last submission date in the file, because the
  leaderboard was frozen in June 2024 and the file is its final state.
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

BOARD_ID = "open_llm_v1"
FOLDER = "open_llm_leaderboard_v1"
FILE = "open_llm_leaderboard_v1_final.csv"
FLAG_FILE = "flagged_models_v1.csv"
FREEZE_DATE = "2024-06-15"

SCORE_COLUMNS = {
    "arc": "arc",
    "hellaswag": "hellaswag",
    "mmlu": "mmlu",
    "truthfulqa": "truthfulqa",
    "winogrande": "winogrande",
    "gsm8k": "gsm8k",
}
METADATA = [
    "params_b", "model_type", "precision", "revision", "license", "organization",
    "architecture", "submission_date", "merged", "moe", "flagged", "flag_url",
    "available_on_hub",
]


def flag_links(flags: pd.DataFrame, notes: list[DataNote]) -> dict[str, str]:
    """Return the discussion link of each model on the maintainers' flag list.

    Only the `FLAGGED_MODELS` list counts; a model listed twice keeps the
    entry with the lower discussion number.
    """
    skipped = flags[flags["list"] != "FLAGGED_MODELS"]
    if len(skipped):
        notes.append(info_note(BOARD_ID, FLAG_FILE, f"{len(skipped)} 'do not submit' entries are requests, not flags; skipped", column="list", value=", ".join(skipped["model"])))

    listed = flags[flags["list"] == "FLAGGED_MODELS"].sort_values(["model", "discussion_number"], kind="stable")
    repeated = listed.loc[listed["model"].duplicated(), "model"].tolist()
    for model in repeated:
        notes.append(info_note(BOARD_ID, FLAG_FILE, "model is listed more than once; the link with the lower discussion number is kept", column="model", value=model))
    listed = listed.drop_duplicates("model", keep="first")

    no_link = listed["discussion_url"].isna()
    if no_link.any():
        notes.append(info_note(BOARD_ID, FLAG_FILE, f"{int(no_link.sum())} listed models have no discussion link", column="discussion_url"))
    listed = listed[~no_link]
    return dict(zip(listed["model"], listed["discussion_url"]))


def convert(raw_dir: Path) -> ConvertedBoard:
    """Read the v1 leaderboard and flag list under `raw_dir` and build the board tables."""
    folder = raw_dir / FOLDER
    raw = read_csv(folder / FILE)
    flags = read_csv(folder / FLAG_FILE)
    notes: list[DataNote] = []

    frame = raw.copy()
    frame["model_key"] = [
        hub_model_key(name, None if pd.isna(sha) else sha, precision)
        for name, sha, precision in zip(frame["fullname"], frame["model_sha"], frame["precision"])
    ]
    duplicated = frame["model_key"].duplicated(keep="first")
    for row in frame.index[duplicated]:
        notes.append(make_note(BOARD_ID, FILE, "model key repeats; row skipped", row=int(row) + 1, column="model_key", value=frame.at[row, "model_key"]))
    frame = frame[~duplicated].copy()
    frame["snapshot"] = FREEZE_DATE

    zeros = int((frame["gsm8k"] == 0).sum())
    notes.append(info_note(BOARD_ID, FILE, f"GSM8K is exactly 0 in {zeros} rows (likely failed runs); kept as published", column="gsm8k", value=0))

    results = results_frame(melt_scores(frame, SCORE_COLUMNS))
    models = _models(frame, flag_links(flags, notes), notes)
    return ConvertedBoard(BOARD_ID, results, models, notes)


def _models(frame: pd.DataFrame, links: dict[str, str], notes: list[DataNote]) -> pd.DataFrame:
    in_snapshot = set(frame["fullname"])
    absent = sorted(set(links) - in_snapshot)
    if absent:
        notes.append(info_note(BOARD_ID, FLAG_FILE, f"{len(absent)} flagged models are not in the v1 snapshot", column="model", value=", ".join(absent)))
    flagged_models = set(frame.loc[frame["flagged"], "fullname"])
    unflagged = sorted((set(links) & in_snapshot) - flagged_models)
    if unflagged:
        notes.append(info_note(BOARD_ID, FLAG_FILE, f"{len(unflagged)} listed models are not flagged in the snapshot; they keep flagged=False and get the link", column="flagged", value=", ".join(unflagged)))
    unlisted = sorted(flagged_models - set(links))
    if unlisted:
        notes.append(info_note(BOARD_ID, FILE, f"{len(unlisted)} models flagged in the snapshot are missing from the flag list, so they have no flag_url", column="flag_url", value=", ".join(unlisted)))

    params = unknown_as_missing(frame["params_b"])
    notes.append(info_note(BOARD_ID, FILE, f"params_b is 0 in {int(params.isna().sum())} rows; stored as unknown", column="params_b"))

    model_type = normalize_model_type(frame["type"])
    notes.append(info_note(BOARD_ID, FILE, f"model type is missing in {int(model_type.isna().sum())} rows", column="type"))
    merge_symbol = frame["type_symbol"] == "🤝"
    disagree = int((frame["merged"].astype(bool) != merge_symbol).sum())
    notes.append(info_note(BOARD_ID, FILE, f"merged disagrees with the merge type symbol on {disagree} rows; both are kept as published", column="merged"))

    submission = to_utc_date(frame["submission_date"])
    notes.append(info_note(BOARD_ID, FILE, f"submission_date is missing in {int(submission.isna().sum())} rows", column="submission_date"))

    variants = int(frame["fullname"].duplicated().sum())
    notes.append(info_note(BOARD_ID, FILE, f"{variants} rows repeat a model id with another precision or revision", column="fullname"))
    unavailable = int((~frame["available_on_the_hub"].astype(bool)).sum())
    notes.append(info_note(BOARD_ID, FILE, f"{unavailable} rows are marked unavailable on the Hub", column="available_on_the_hub"))

    organization = frame["fullname"].str.extract(r"^([^/]+)/", expand=False).astype("string")
    models = pd.DataFrame({
        "model_key": frame["model_key"],
        "model_id": frame["fullname"],
        "hub_id": frame["fullname"],
        "params_b": params,
        "model_type": model_type,
        "precision": frame["precision"].astype("string"),
        "revision": frame["model_sha"].astype("string"),
        "license": frame["hub_license"].astype("string"),
        "organization": organization,
        "architecture": frame["architecture"].astype("string"),
        "submission_date": submission,
        "merged": frame["merged"].astype("boolean"),
        "moe": frame["moe"].astype("boolean"),
        "flagged": frame["flagged"].astype("boolean"),
        "flag_url": frame["fullname"].map(links).astype("string"),
        "available_on_hub": frame["available_on_the_hub"].astype("boolean"),
    })
    return models_frame(models, METADATA)
