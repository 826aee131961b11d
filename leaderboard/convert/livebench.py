"""Convert LiveBench per-task scores (7 releases) to the `livebench` board.

Choices, one per trap in the raw files:

- Benchmarks are the 24 tasks (ids lowercased, e.g. `amps_hard`), each in
  the LiveBench category the release files give it; the board aggregates by
  category mean. Snapshots are the question-set release dates.
- Releases have different task sets (13 of 24 tasks are in all 7), so an
  aggregate of one release is not comparable with another's. The schema
  notes state this, and a note here lists the tasks present in every release.
- `livebench_category_averages.csv` is not used: its averages were derived
  for this folder, not published, and its `global_average` is a partial
  mean where a category is missing.
- Model names are API names and stay as keys unchanged (they are already
  unique after `normalize_name`). Moving aliases such as
  `chatgpt-4o-latest` name different models over time; they are kept as-is
  and listed in a note.
- The one missing task score is dropped, so the cell stays missing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from leaderboard.convert.common import ConvertedBoard, benchmark_id, info_note, models_frame, read_csv, results_frame
from leaderboard.keys import normalize_name
from leaderboard.notes import DataNote, make_note

logger = logging.getLogger(__name__)

BOARD_ID = "livebench"
FOLDER = "livebench"
FILE = "livebench_task_scores_long.csv"
# A name ending in "latest" is an alias the provider moves to newer models;
# dated names such as `chatgpt-4o-latest-2025-01-29` are pinned.
_ALIAS = re.compile(r"(^|-)latest$")


def convert(raw_dir: Path) -> ConvertedBoard:
    """Read `livebench/livebench_task_scores_long.csv` under `raw_dir` and build the board tables."""
    raw = read_csv(raw_dir / FOLDER / FILE)
    notes: list[DataNote] = []
    frame = raw.copy()

    folded = frame["model"].map(normalize_name)
    clashes = frame.groupby(folded)["model"].nunique()
    for key in clashes[clashes > 1].index:
        notes.append(make_note(BOARD_ID, FILE, "several model names differ only in case or separators; they are kept apart", column="model", value=key))

    missing = frame["score"].isna()
    for row in frame.index[missing]:
        notes.append(info_note(BOARD_ID, FILE, "task score is missing in the source; the cell stays missing", row=int(row) + 1, column="score", value=f"{frame.at[row, 'release']} {frame.at[row, 'model']} {frame.at[row, 'task']}"))
    frame = frame[~missing]

    releases = frame["release"].nunique()
    per_task = frame.groupby("task")["release"].nunique()
    common = sorted(per_task[per_task == releases].index)
    notes.append(info_note(BOARD_ID, FILE, f"{len(common)} of {len(per_task)} tasks are in all {releases} releases; compare releases only on these", column="task", value=", ".join(common)))

    aliases = sorted(m for m in frame["model"].unique() if _ALIAS.search(m))
    if aliases:
        notes.append(info_note(BOARD_ID, FILE, f"{len(aliases)} model names are moving aliases that point to different models over time; kept as-is", column="model", value=", ".join(aliases)))

    results = results_frame(pd.DataFrame({
        "model_key": frame["model"],
        "snapshot": frame["release"],
        "benchmark": frame["task"].map(benchmark_id),
        "score": frame["score"],
    }))
    models = pd.DataFrame({"model_key": frame["model"], "model_id": frame["model"]})
    return ConvertedBoard(BOARD_ID, results, models_frame(models, []), notes)
