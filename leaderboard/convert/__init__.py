"""Converters from the raw public files in the shared data folder to the board tables.

Each module reads one source folder and returns `ConvertedBoard` objects; the
build script validates them against `data/boards/<board_id>.yaml` and writes
the embedded parquet files. The trap-by-trap choices are in each module's
docstring.
"""

from __future__ import annotations

from pathlib import Path

from leaderboard.convert import arena, epoch, genomic, livebench, mteb, open_llm_v1, open_llm_v2
from leaderboard.convert.common import ConvertedBoard

__all__ = ["ConvertedBoard", "CONVERTERS", "convert_all"]

# Converters in build order; genomic returns three boards.
CONVERTERS = (
    open_llm_v2.convert,
    open_llm_v1.convert,
    arena.convert,
    mteb.convert,
    genomic.convert,
    livebench.convert,
    epoch.convert,
)


def convert_all(raw_dir: Path) -> list[ConvertedBoard]:
    """Run every converter on `raw_dir` and return the boards in build order."""
    boards: list[ConvertedBoard] = []
    for converter in CONVERTERS:
        converted = converter(raw_dir)
        boards.extend(converted if isinstance(converted, list) else [converted])
    return boards
