"""Convert the DNA foundation-model benchmarks to three separate boards.

The suites differ in setting (fine-tuned vs frozen embeddings), metric and
run, so they are never merged:

- `gue`: GUE from the DNABERT-2 paper, 10 models x 28 tasks, MCC x 100 (a
  hand transcription of the paper's results figure). Snapshot 2023-06-25,
  the commit that added the figure.
- `dnafm_feng2024`: Feng et al. preprint results, 6 models (3 checkpoints x 2
  poolings) x 57 tasks. Only AUC is shipped (one-vs-rest AUC for the 5
  multi-class tasks), because AUC is the study's primary measure and does
  not depend on a decision threshold; MCC, F1 and Accuracy stay in the raw
  file. Snapshot 2024-08-28, the date of the source commit.
- `dnafm_feng2025`: the same study as published in Nature Communications,
  5 models x 52 tasks, AUC with mean-token pooling. Snapshot 2025-11-28, the
  publication date (the source has no commit).

Task ids are folded to lowercase benchmark ids (`EMP/H3` to `emp/h3`,
`Promoter TATA 70 bps` to `promoter_tata_70_bps`). The task name as
published is the benchmark name in the schema. Model keys are the display
names folded by `slug`. Parameter counts are in millions in the source and
stored as billions; a missing count stays missing. Degenerate classifiers
(F1 = 0, AUC below 0.5) are published values and kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from leaderboard.convert.common import ConvertedBoard, benchmark_id, info_note, models_frame, read_csv, results_frame, slug
from leaderboard.notes import DataNote, make_note

logger = logging.getLogger(__name__)

FOLDER = "genomic_dna_models"
FILE = "genomic_benchmark_scores_long.csv"
METADATA = ["params_b"]

# board id -> (suite in the raw file, metrics shipped as the score, snapshot)
SUITES = {
    "gue": ("GUE", ("MCC (x100)",), "2023-06-25"),
    "dnafm_feng2024": ("DNAFM_Feng2024_preprint", ("AUC", "AUC (one-vs-rest)"), "2024-08-28"),
    "dnafm_feng2025": ("DNAFM_Feng2025_NatCommun", ("AUC",), "2025-11-28"),
}

# Checkpoints named in the preprint's job scripts; other models have no stated Hub id.
HUB_IDS = {
    "DNABERT-2-117M": "zhihan1996/DNABERT-2-117M",
    "NT-v2-500M-multi-species": "InstaDeepAI/nucleotide-transformer-v2-500m-multi-species",
    "HyenaDNA-medium-160k": "LongSafari/hyenadna-medium-160k-seqlen-hf",
}


def convert(raw_dir: Path) -> list[ConvertedBoard]:
    """Read `genomic_dna_models/genomic_benchmark_scores_long.csv` under `raw_dir` and build the three boards."""
    raw = read_csv(raw_dir / FOLDER / FILE)
    return [_convert_suite(raw, board_id, *spec) for board_id, spec in SUITES.items()]


def _convert_suite(raw: pd.DataFrame, board_id: str, suite: str, metrics: tuple[str, ...], snapshot: str) -> ConvertedBoard:
    notes: list[DataNote] = []
    frame = raw[raw["benchmark_suite"] == suite].copy()
    if frame.empty:
        notes.append(make_note(board_id, FILE, "suite has no rows in the raw file", column="benchmark_suite", value=suite))

    other_metrics = sorted(set(frame["metric"]) - set(metrics))
    if other_metrics:
        notes.append(info_note(board_id, FILE, f"metrics not shipped: {', '.join(other_metrics)}", column="metric"))
    frame = frame[frame["metric"].isin(metrics)].copy()

    frame["benchmark"] = frame["task"].map(benchmark_id)
    clashes = frame.groupby("benchmark")["task"].nunique()
    for bench in clashes[clashes > 1].index:
        notes.append(make_note(board_id, FILE, "two task names fold to one benchmark id", column="task", value=bench))
    frame["model_key"] = frame["model"].map(slug)

    duplicated = frame.duplicated(["model_key", "benchmark"], keep="first")
    for row in frame.index[duplicated]:
        notes.append(make_note(board_id, FILE, "(model, task) repeats; the first row is kept", row=int(row) + 1, column="task", value=frame.at[row, "task"]))
    frame = frame[~duplicated]

    results = results_frame(pd.DataFrame({
        "model_key": frame["model_key"],
        "snapshot": snapshot,
        "benchmark": frame["benchmark"],
        "score": frame["score"],
    }).dropna(subset=["score"]))

    checkpoint = frame["model"].str.replace(r"\s*\[.*\]$", "", regex=True)
    hub_ids = checkpoint.map(HUB_IDS) if board_id == "dnafm_feng2024" else pd.Series(pd.NA, index=frame.index)
    models = pd.DataFrame({
        "model_key": frame["model_key"],
        "model_id": frame["model"],
        "hub_id": hub_ids,
        "params_b": pd.to_numeric(frame["model_params"], errors="coerce") / 1000.0,
    })
    unknown = models.drop_duplicates("model_key")["params_b"].isna().sum()
    if unknown:
        notes.append(info_note(board_id, FILE, f"{int(unknown)} models have no parameter count in the source", column="model_params"))
    return ConvertedBoard(board_id, results, models_frame(models, METADATA), notes)
