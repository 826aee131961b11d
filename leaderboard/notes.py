"""Data notes: one record per problem found while loading or validating data.

Loaders never raise on a bad row or file. They skip it, log a warning and
return a `DataNote`, and the UI lists every note in its "data notes" panel.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import pandas as pd

logger = logging.getLogger(__name__)

NOTE_COLUMNS = ["board", "file", "row", "column", "value", "reason"]


@dataclass(frozen=True)
class DataNote:
    """A problem in the data, located as precisely as the source allows.

    `row` is the 1-based data row in a table file (the header is row 0), or
    None when the problem concerns a whole file or column. `value` is the
    offending value as text, shortened to 80 characters.
    """

    board: str
    file: str
    reason: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > 80:
            object.__setattr__(self, "value", self.value[:77] + "...")


def make_note(board: str, file: str, reason: str, *, row=None, column=None, value=None) -> DataNote:
    """Build a note and log it as a warning, so every skip is both visible and logged."""
    text = None if value is None else str(value)
    note = DataNote(board=board, file=file, reason=reason, row=row, column=column, value=text)
    logger.warning(
        "data note: board=%s file=%s row=%s column=%s value=%r: %s",
        board, file, row, column, text, reason,
    )
    return note


def notes_frame(notes: list[DataNote]) -> pd.DataFrame:
    """Return the notes as a table with the columns of `NOTE_COLUMNS`."""
    if not notes:
        return pd.DataFrame(columns=NOTE_COLUMNS)
    return pd.DataFrame([asdict(n) for n in notes])[NOTE_COLUMNS]
