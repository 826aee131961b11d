"""Load the embedded default data committed in `data/`.

Layout: `data/boards/<board_id>.yaml` holds each board's schema, and
`data/embedded/<board_id>/results.parquet` and `models.parquet` its tables
(columns as in `leaderboard.store`). The data revision is a content hash of all
these files, so any change to the embedded data changes the revision.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow

from leaderboard.notes import DataNote, make_note
from leaderboard.schema import SchemaError, load_board_schema
from leaderboard.store import BoardData, Dataset, build_board, content_revision

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def load_embedded(data_dir: Path = DATA_DIR) -> Dataset:
    """Read every board under `data_dir`; a board whose files are broken is skipped with a note."""
    boards: dict[str, BoardData] = {}
    notes: list[DataNote] = []
    chunks: list[bytes] = []

    for schema_path in sorted((data_dir / "boards").glob("*.yaml")):
        chunks.append(schema_path.read_bytes())
        try:
            schema = load_board_schema(schema_path)
        except SchemaError as exc:
            notes.extend(make_note(schema_path.stem, schema_path.name, problem) for problem in exc.problems)
            continue

        table_dir = data_dir / "embedded" / schema.id
        results_path = table_dir / "results.parquet"
        models_path = table_dir / "models.parquet"
        try:
            chunks.append(results_path.read_bytes())
            chunks.append(models_path.read_bytes())
            results = pd.read_parquet(results_path)
            models = pd.read_parquet(models_path)
        except (OSError, pyarrow.ArrowException) as exc:
            notes.append(make_note(schema.id, str(table_dir), f"cannot read the board's tables ({exc}); board skipped"))
            continue

        file = str(results_path.relative_to(data_dir))
        try:
            boards[schema.id] = build_board(schema, results, models, file=file)
        except (TypeError, ValueError, OverflowError) as exc:
            # `build_board` notes bad rows itself; this catches a value shape it does not handle yet.
            logger.warning("unexpected failure validating %s", file, exc_info=True)
            notes.append(make_note(schema.id, file, f"cannot validate the board's tables ({type(exc).__name__}: {exc}); board skipped"))
            continue
        logger.info("loaded embedded board %s: %d results, %d models", schema.id, len(boards[schema.id].results), len(boards[schema.id].models))

    revision = content_revision(chunks)
    logger.info("embedded data revision %s: %d boards", revision, len(boards))
    return Dataset(boards=boards, revision=revision, source="embedded", notes=notes)
