"""Build the embedded default data from the raw public files.

Usage (from the repository root):

    python scripts/build_embedded.py [RAW_DIR] [--data-dir DATA_DIR]

RAW_DIR defaults to `../shared/data` relative to the repository root. For
every board the script runs its converter, validates the tables against
`DATA_DIR/boards/<board_id>.yaml` with `leaderboard.store.build_board`, and
writes `DATA_DIR/embedded/<board_id>/results.parquet`, `models.parquet` and
`notes.csv` (the converter's and the validator's notes). Rows are sorted and
written without statistics or index, so a rebuild from the same raw files
with the same library versions gives identical bytes.

Exit status: 0 when every board was written and passed validation with no
rejected rows; 1 otherwise (the problems are logged).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from leaderboard.convert import ConvertedBoard, convert_all  # noqa: E402
from leaderboard.notes import notes_frame  # noqa: E402
from leaderboard.schema import SchemaError, load_board_schema  # noqa: E402
from leaderboard.store import BoardData, build_board  # noqa: E402

logger = logging.getLogger("build_embedded")


def write_parquet(frame, path: Path) -> None:
    """Write a table without the index, zstd-compressed, with no statistics (smaller, byte-stable)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd", compression_level=19, write_statistics=False)


def check_board(board: BoardData) -> list[str]:
    """Return the problems that make a built board unfit to ship, each as a sentence."""
    problems = []
    present = set(board.results["benchmark"])
    for bench in board.schema.benchmark_ids:
        if bench not in present:
            problems.append(f"benchmark {bench} is declared in the schema but has no results")
    if board.results.empty:
        problems.append("the board has no results")
    if board.results["score"].isna().any():
        problems.append("some result rows have no score")
    if board.notes:
        problems.append(f"validation rejected or changed data ({len(board.notes)} notes; first: {board.notes[0].reason})")
    return problems


def build_one(converted: ConvertedBoard, data_dir: Path) -> bool:
    """Validate one converted board and write its files; return True when it is fit to ship."""
    schema_path = data_dir / "boards" / f"{converted.board_id}.yaml"
    try:
        schema = load_board_schema(schema_path)
    except (OSError, SchemaError) as exc:
        logger.error("board %s: cannot load its schema %s: %s", converted.board_id, schema_path, exc)
        return False

    board = build_board(schema, converted.results, converted.models, file=f"{converted.board_id} (converted)")
    problems = check_board(board)
    for problem in problems:
        logger.error("board %s: %s", converted.board_id, problem)

    out_dir = data_dir / "embedded" / converted.board_id
    out_dir.mkdir(parents=True, exist_ok=True)
    results = board.results.sort_values(["model_key", "snapshot", "benchmark"], kind="stable").reset_index(drop=True)
    models = board.models.sort_values("model_key", kind="stable").reset_index(drop=True)
    write_parquet(results, out_dir / "results.parquet")
    write_parquet(models, out_dir / "models.parquet")
    notes_frame(converted.notes + board.notes).to_csv(out_dir / "notes.csv", index=False)

    size_kb = sum(p.stat().st_size for p in out_dir.iterdir()) / 1024
    logger.info(
        "board %s: %d results, %d models, %d benchmarks, %d snapshots (%s to %s), %d converter notes, %d validation notes, %.0f KB in %s",
        schema.id, len(results), len(models), results["benchmark"].nunique(), len(board.snapshots),
        board.snapshots[0] if board.snapshots else "-", board.latest_snapshot or "-",
        len(converted.notes), len(board.notes), size_kb, out_dir,
    )
    return not problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build data/embedded from the raw public files.")
    parser.add_argument("raw_dir", nargs="?", type=Path, default=REPO_ROOT.parent / "shared" / "data",
                        help="folder with one subfolder per source (default: ../shared/data from the repository root)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / "data",
                        help="folder holding boards/*.yaml; files are written to its embedded/ subfolder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if not args.raw_dir.is_dir():
        logger.error("raw data folder %s not found; pass its path as the first argument", args.raw_dir)
        return 1
    logger.info("building embedded data from %s into %s", args.raw_dir, args.data_dir / "embedded")

    ok = True
    for converted in convert_all(args.raw_dir):
        ok &= build_one(converted, args.data_dir)

    total_kb = sum(p.stat().st_size for p in (args.data_dir / "embedded").rglob("*") if p.is_file()) / 1024
    logger.info("embedded data: %.0f KB in total; %s", total_kb, "all boards passed" if ok else "some boards have problems")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
