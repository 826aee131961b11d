"""About tab: what the product does and where each board's data comes from."""

from __future__ import annotations

from pathlib import Path

from leaderboard.store import Dataset
from leaderboard.render import escape_markdown_text as escape_markdown

ABOUT_FILE = Path(__file__).resolve().parent.parent.parent / "docs" / "about.md"
METHODS_FILE = ABOUT_FILE.with_name("methods.md")


def board_provenance(dataset: Dataset) -> str:
    """Return one Markdown section per loaded board: description, source, license, citation, caveats.

    Schema text is escaped, because a Hub results repo may bring its own schemas.
    """
    sections = []
    for board in dataset.boards.values():
        schema = board.schema
        lines = [
            f"### {escape_markdown(schema.title)}",
            escape_markdown(schema.description),
            f"- **Source:** {escape_markdown(schema.source)}",
            f"- **License:** {escape_markdown(schema.license)}",
            f"- **Citation:** {escape_markdown(schema.citation)}",
            f"- **Model key:** {escape_markdown(schema.model_key)}",
            f"- **Snapshots:** {len(board.snapshots)} ({escape_markdown(board.snapshots[0]) if board.snapshots else 'none'}"
            f" to {escape_markdown(board.latest_snapshot or 'none')})",
        ]
        lines.extend(f"- {escape_markdown(note)}" for note in schema.notes)
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def about_markdown(dataset: Dataset) -> str:
    """Return the About page: the fixed text from `docs/about.md`, then each board's provenance."""
    intro = ABOUT_FILE.read_text(encoding="utf-8") if ABOUT_FILE.exists() else ""
    revision = f"Data revision `{dataset.revision}` from {escape_markdown(dataset.source)}."
    methods = METHODS_FILE.read_text(encoding="utf-8") if METHODS_FILE.exists() else ""
    return f"{intro}\n\n{methods}\n\n## Boards\n\n{revision}\n\n{board_provenance(dataset)}"
