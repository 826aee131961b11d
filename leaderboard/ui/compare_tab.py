"""Compare tab: pick 2 to 8 models of one board snapshot and see them side by side."""

from __future__ import annotations

import html
import logging

import pandas as pd

from leaderboard.charts import grouped_bars, radar_chart
from leaderboard.compare import normalized, rank_table, strengths_weaknesses
from leaderboard.filters import search_mask
from leaderboard.service import LeaderboardService
from leaderboard.state import CompareView

logger = logging.getLogger(__name__)

MIN_MODELS = 2
MAX_MODELS = 8
MAX_CHOICES = 50


def model_label(row: pd.Series) -> str:
    """Return the picker label: the model id, plus precision or revision when variants share an id."""
    label = str(row["model_id"])
    extras = [str(row[c]) for c in ("precision",) if c in row.index and pd.notna(row[c])]
    if "revision" in row.index and pd.notna(row["revision"]):
        extras.append(str(row["revision"])[:7])
    return f"{label} ({', '.join(extras)})" if extras else label


def model_choices(service: LeaderboardService, view: CompareView, query: str = "") -> list[tuple[str, str]]:
    """Return at most `MAX_CHOICES` (label, model key) pairs: the selected models, then search matches by rank.

    The list is bounded so the page never carries every model of a large board.
    """
    board = service.board(view.board)
    frame = service.frame(view.board, view.snapshot, raw=False, partial=True)
    selected = [k for k in view.models if k in set(frame["model_key"])]

    ranked = frame
    if query.strip():
        ranked = frame[search_mask(frame["model_id"], query)]
    sort_column = "aggregate" if board.schema.aggregate != "none" else board.schema.benchmark_ids[0]
    if sort_column in ranked.columns:
        ranked = ranked.sort_values(sort_column, ascending=False, na_position="last", kind="stable")

    by_key = frame.set_index("model_key")
    keys = selected + [k for k in ranked["model_key"] if k not in selected]
    return [(model_label(by_key.loc[k].copy().rename(k)), k) for k in keys[:MAX_CHOICES]]


def compare_outputs(service: LeaderboardService, view: CompareView):
    """Return (radar figure, bar figure, rank table, strengths and weaknesses markdown, message).

    With fewer than 2 or more than 8 models, or unknown keys, the charts stay
    empty and the message says what to change.
    """
    board = service.board(view.board)
    frame = service.frame(view.board, view.snapshot, raw=False, partial=True)
    known = set(frame["model_key"])
    unknown = [k for k in view.models if k not in known]
    keys = [k for k in view.models if k in known]

    messages = []
    if unknown:
        messages.append("Not in this board snapshot, so left out: " + ", ".join(html.escape(k) for k in unknown) + ".")
    if not MIN_MODELS <= len(keys) <= MAX_MODELS:
        messages.append(f"Pick between {MIN_MODELS} and {MAX_MODELS} models to compare (now {len(keys)}).")
        return None, None, pd.DataFrame(), "", "\n\n".join(messages)

    labels = {k: model_label(frame.set_index("model_key").loc[k].copy()) for k in keys}
    norm = normalized(board, view.snapshot or board.latest_snapshot, keys)
    norm_display = norm.rename(index=labels, columns={b.id: b.name for b in board.schema.benchmarks})
    title = f"{board.schema.title}: scores between chance level (0) and ceiling (1)"
    radar = radar_chart(norm_display, title)
    bars = grouped_bars(norm_display, title)

    ranks = rank_table(frame, keys, board.schema)
    sections = []
    for key in keys:
        result = strengths_weaknesses(frame, key, board.schema)
        sections.append(strengths_markdown(labels[key], result))
    return radar, bars, ranks, "\n\n".join(sections), "\n\n".join(messages)


def strengths_markdown(label: str, result) -> str:
    """Render one model's strengths and weaknesses against its size peers as escaped Markdown."""
    return f"**{escape_markdown(label)}**\n\n{result}"


def escape_markdown(text: str) -> str:
    """Backslash-escape every ASCII punctuation character, so Markdown renders the text literally.

    CommonMark allows a backslash before any ASCII punctuation, and an escaped
    `<` cannot open an HTML tag, so no markup or link survives.
    """
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in str(text).replace("\n", " "))


_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
