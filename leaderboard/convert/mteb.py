"""Convert the legacy MTEB English leaderboard (6 monthly snapshots) to the `mteb_en` board.

Choices, one per trap in the raw file:

- Benchmarks are the 7 task-type averages. Each weight is the dataset count
  in its column name (`Retrieval Average (15 datasets)` weighs 15), so the
  board's weighted mean reproduces the published `Average (56 datasets)`
  within rounding. `Average` itself is not shipped: it is missing in 849 rows
  that still have category scores.
- `Model` is not unique within a snapshot (40 cases, e.g. `bge-m3` from two
  organisations) and `model_link` is not unique either (API models share a
  documentation page, and nomic's 5 embedding sizes share one repo). Key:
  - Hugging Face link: the repo id from the link (`org/name`); when the
    display name differs from the repo name, `#<display name>` is added,
    so `nomic-ai/nomic-embed-text-v1.5#nomic-embed-text-v1.5-256`;
  - any other link: `normalize_name(Model)@<link host>`, for example
    `text-embedding-3-large@openai.com`.
  Keys that still repeat within a snapshot keep the first row, with a note.
- Rows with no category score at all are dropped with a count.
- Model size is given in millions of parameters and stored as billions (0
  or negative means unknown and becomes missing). The organisation is the
  Hub organisation or, for other links, the link host.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from leaderboard.convert.common import (
    ConvertedBoard,
    info_note,
    melt_scores,
    models_frame,
    read_csv,
    results_frame,
    unknown_as_missing,
)
from leaderboard.keys import normalize_name
from leaderboard.notes import DataNote, make_note

logger = logging.getLogger(__name__)

BOARD_ID = "mteb_en"
FOLDER = "mteb_english_legacy"
FILE = "mteb_en_overall_monthly_snapshots.csv"
METADATA = ["params_b", "organization"]
_HUB_PREFIX = "https://huggingface.co/"
_CATEGORY_COLUMN = re.compile(r"^(?P<name>\w+) Average \((?P<count>\d+) datasets\)$")

BENCHMARK_IDS = {
    "Classification": "classification",
    "Clustering": "clustering",
    "PairClassification": "pair_classification",
    "Reranking": "reranking",
    "Retrieval": "retrieval",
    "STS": "sts",
    "Summarization": "summarization",
}


def category_columns(columns: list[str]) -> dict[str, tuple[str, int]]:
    """Map each category-average column to (benchmark id, dataset count) parsed from its name."""
    found = {}
    for column in columns:
        match = _CATEGORY_COLUMN.match(column)
        if match and match["name"] in BENCHMARK_IDS:
            found[column] = (BENCHMARK_IDS[match["name"]], int(match["count"]))
    return found


def model_key(name: str, link: str) -> tuple[str, str | None, str]:
    """Return (key, hub id or None, organisation) for one row; see the module docstring for the rule."""
    link = str(link).strip()
    if link.startswith(_HUB_PREFIX):
        hub_id = link[len(_HUB_PREFIX):].strip("/")
        repo_name = hub_id.rsplit("/", 1)[-1]
        organization = hub_id.split("/", 1)[0] if "/" in hub_id else ""
        key = hub_id if name == repo_name else f"{hub_id}#{name}"
        return key, hub_id, organization
    host = urlsplit(link).hostname or "unknown-host"
    host = host.removeprefix("www.")
    return f"{normalize_name(name)}@{host}", None, host


def convert(raw_dir: Path) -> ConvertedBoard:
    """Read `mteb_english_legacy/mteb_en_overall_monthly_snapshots.csv` under `raw_dir` and build the board tables."""
    raw = read_csv(raw_dir / FOLDER / FILE)
    notes: list[DataNote] = []
    frame = raw.copy()

    parsed = [model_key(name, link) for name, link in zip(frame["Model"], frame["model_link"])]
    frame["model_key"] = [p[0] for p in parsed]
    frame["hub_id"] = [p[1] for p in parsed]
    frame["organization"] = [p[2] or pd.NA for p in parsed]
    frame["snapshot"] = frame["snapshot_date"]

    repeated_names = frame[frame.duplicated(["snapshot", "Model"], keep=False)]
    for name, group in repeated_names.groupby("Model"):
        notes.append(info_note(BOARD_ID, FILE, f"display name is used by {group['model_key'].nunique()} models; they are kept apart by their link", column="Model", value=f"{name}: {', '.join(sorted(group['model_key'].unique()))}"))
    shared_links = frame[frame.duplicated(["snapshot", "model_link"], keep=False)]
    for link, group in shared_links.groupby("model_link"):
        notes.append(info_note(BOARD_ID, FILE, f"link is shared by {group['Model'].nunique()} display names; they are kept apart by name", column="model_link", value=link))

    duplicated = frame.duplicated(["snapshot", "model_key"], keep="first")
    for row in frame.index[duplicated]:
        notes.append(make_note(BOARD_ID, FILE, "model key repeats within a snapshot; the first row is kept", row=int(row) + 1, column="model_key", value=frame.at[row, "model_key"]))
    frame = frame[~duplicated]

    categories = category_columns(list(frame.columns))
    if len(categories) != len(BENCHMARK_IDS):
        notes.append(make_note(BOARD_ID, FILE, f"expected {len(BENCHMARK_IDS)} category-average columns, found {len(categories)}", value=", ".join(categories)))
    columns = {column: bench for column, (bench, _) in categories.items()}

    empty = frame[list(columns)].isna().all(axis=1)
    if empty.any():
        notes.append(info_note(BOARD_ID, FILE, f"{int(empty.sum())} rows have no category score and are dropped", column="Model"))
    frame = frame[~empty]
    missing_average = int(frame["Average (56 datasets)"].isna().sum())
    notes.append(info_note(BOARD_ID, FILE, f"the published average is missing in {missing_average} of the kept rows; it is not shipped", column="Average (56 datasets)"))

    results = results_frame(melt_scores(frame, columns))
    latest = frame.sort_values(["model_key", "snapshot"], kind="stable").drop_duplicates("model_key", keep="last")
    models = pd.DataFrame({
        "model_key": latest["model_key"],
        "model_id": latest["Model"],
        "hub_id": latest["hub_id"],
        "params_b": unknown_as_missing(latest["Model Size (Million Parameters)"]) / 1000.0,
        "organization": latest["organization"].astype("string"),
    })
    return ConvertedBoard(BOARD_ID, results, models_frame(models, METADATA), notes)
