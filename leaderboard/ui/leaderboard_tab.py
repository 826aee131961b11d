"""Leaderboard tab: components and the handlers that wire them to `LeaderboardService`.

Handlers read component values into a `LeaderboardView`, ask the service for
a page, and return component updates. No table logic lives here.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, replace

import gradio as gr

from leaderboard.notes import notes_frame
from leaderboard.render import escape_markdown_text
from leaderboard.service import LeaderboardService, TablePage
from leaderboard.state import AGGREGATE_COLUMN, LeaderboardView
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

VARIANT_ALL = "All variants"
VARIANT_BEST = "Best variant per model"
SCORES_NORMALIZED = "Normalized"
SCORES_RAW = "Raw"
MODEL_COLUMN_WIDTH = "300px"
OTHER_COLUMN_WIDTH = "96px"


@dataclass
class LeaderboardControls:
    """The tab's input components, in the order `view_from_values` reads them."""

    search: gr.Textbox
    model_types: gr.CheckboxGroup
    precisions: gr.CheckboxGroup
    licenses: gr.Dropdown
    params_min: gr.Number
    params_max: gr.Number
    include_unknown_size: gr.Checkbox
    official_only: gr.Checkbox
    hub_only: gr.Checkbox
    hide_flagged: gr.Checkbox
    hide_merged: gr.Checkbox
    hide_moe: gr.Checkbox
    hide_alerted: gr.Checkbox
    variant: gr.Radio
    score_kind: gr.Radio
    partial_aggregate: gr.Checkbox
    columns: gr.CheckboxGroup
    show_ranks: gr.Checkbox
    sort_by: gr.Dropdown
    sort_descending: gr.Checkbox

    def inputs(self) -> list:
        return list(self.__dict__.values())


@dataclass
class LeaderboardOutputs:
    """Components a table refresh writes to."""

    table: gr.Dataframe
    page_info: gr.Markdown
    column_help: gr.HTML
    notices: gr.Markdown
    page_keys: gr.State
    view_state: gr.State


def view_from_values(board: str, snapshot: str | None, page: int, page_size: int, values: list) -> LeaderboardView:
    """Build a view from the control values, in `LeaderboardControls` order."""
    (search, model_types, precisions, licenses, params_min, params_max, include_unknown, official, hub,
     hide_flagged, hide_merged, hide_moe, hide_alerted, variant, score_kind, partial, columns, show_ranks, sort_by,
     descending) = values
    return LeaderboardView(
        board=board,
        snapshot=snapshot or None,
        search=(search or "")[:500],
        model_types=tuple(model_types or ()),
        precisions=tuple(precisions or ()),
        licenses=tuple(licenses or ()),
        params_min=None if params_min is None else float(params_min),
        params_max=None if params_max is None else float(params_max),
        include_unknown_size=bool(include_unknown),
        official_only=bool(official),
        hub_only=bool(hub),
        hide_flagged=bool(hide_flagged),
        hide_merged=bool(hide_merged),
        hide_moe=bool(hide_moe),
        hide_alerted=bool(hide_alerted),
        best_variant=variant == VARIANT_BEST,
        raw_scores=score_kind == SCORES_RAW,
        partial_aggregate=bool(partial),
        columns=tuple(columns or ()),
        show_ranks=bool(show_ranks),
        sort_by=sort_by or AGGREGATE_COLUMN,
        sort_descending=bool(descending),
        page=max(int(page or 1), 1),
        page_size=page_size,
    )


def column_help_html(help_by_header: dict[str, str]) -> str:
    """Encode the header tooltips for the page script that sets `title` on table headers."""
    payload = html.escape(json.dumps(help_by_header), quote=True)
    return f'<div id="column-help-data" data-help="{payload}"></div>'


def page_outputs(result: TablePage) -> tuple:
    """Turn a service result into values for `LeaderboardOutputs`, in field order."""
    rendered = result.table
    # A fixed width per column keeps long model ids from pushing the scores off screen.
    widths = [MODEL_COLUMN_WIDTH if header == "Model" else OTHER_COLUMN_WIDTH for header in rendered.headers]
    table = gr.Dataframe(value=rendered.component_value(), datatype=rendered.datatypes, column_widths=widths)
    shown = f"{result.total:,} of {result.board_total:,} models match"
    info = f"Page **{result.page}** of **{result.pages}** · {shown}"
    notices = "\n".join(f"- {escape_markdown_text(n)}" for n in result.notices)
    return table, info, column_help_html(rendered.column_help), notices, list(result.model_keys), result.view


def sort_choices(board: BoardData) -> list[tuple[str, str]]:
    """Return (label, value) pairs for the sort dropdown: aggregate, benchmarks, then metadata."""
    schema = board.schema
    choices = []
    if schema.aggregate != "none":
        choices.append((schema.aggregate_label, AGGREGATE_COLUMN))
    choices.extend((b.name, b.id) for b in schema.benchmarks)
    choices.append(("Model id", "model_id"))
    for column in ("params_b", "submission_date", "upload_date", "release_date", "votes"):
        if column in schema.metadata:
            choices.append((column.replace("_", " "), column))
    return choices


def board_control_updates(service: LeaderboardService, board_id: str) -> tuple:
    """Return updates that fit every control to a newly chosen board, resetting the filters."""
    board = service.board(board_id)
    schema = board.schema
    meta = set(schema.metadata)
    choices = service.filter_choices(board_id)
    snapshots = list(reversed(board.snapshots))
    return (
        gr.Dropdown(choices=snapshots, value=snapshots[0] if snapshots else None, visible=len(snapshots) > 1,
                    label=schema.snapshot_label),
        gr.Textbox(value=""),
        gr.CheckboxGroup(choices=choices["model_types"], value=[], visible=bool(choices["model_types"])),
        gr.CheckboxGroup(choices=choices["precisions"], value=[], visible=bool(choices["precisions"])),
        gr.Dropdown(choices=choices["licenses"], value=[], visible=bool(choices["licenses"])),
        gr.Number(value=None, visible="params_b" in meta),
        gr.Number(value=None, visible="params_b" in meta),
        gr.Checkbox(value=False, visible="params_b" in meta),
        gr.Checkbox(value=False, visible="official_provider" in meta),
        gr.Checkbox(value=False, visible="available_on_hub" in meta),
        gr.Checkbox(value=False, visible="flagged" in meta),
        gr.Checkbox(value=False, visible="merged" in meta),
        gr.Checkbox(value=False, visible="moe" in meta),
        gr.Checkbox(value=False),
        # bool(): gradio hides a component whose `visible` is a numpy bool.
        gr.Radio(value=VARIANT_ALL, visible=bool("hub_id" in board.models.columns and board.models["hub_id"].notna().any())),
        gr.Radio(value=SCORES_NORMALIZED, visible=schema.has_raw_scores),
        gr.Checkbox(value=False, visible=schema.aggregate != "none"),
        gr.CheckboxGroup(
            choices=[(f"{b.name} ({b.scale.unit})" if b.scale.unit else b.name, b.id) for b in schema.benchmarks],
            value=[],
        ),
        gr.Checkbox(value=False),
        gr.Dropdown(choices=sort_choices(board), value=LeaderboardService.default_sort(board)),
        gr.Checkbox(value=True),
    )


def notes_table(service: LeaderboardService, board_id: str):
    """Return the data notes of one board plus those about the dataset as a whole."""
    dataset = service.dataset
    board = dataset.boards.get(board_id)
    board_notes = list(board.notes) if board is not None else []
    return notes_frame(list(dataset.notes) + board_notes)


def notes_summary(service: LeaderboardService, board_id: str) -> str:
    """Return one line above the notes table: how many problems loading found, or that it found none."""
    count = len(notes_table(service, board_id))
    if count == 0:
        return "Loading found no problems in this board's data."
    return f"Loading found {count} problems; each skipped row or file is listed below with the reason."


def next_view(view: LeaderboardView | None, delta: int) -> LeaderboardView | None:
    """Move a view `delta` pages; the service clamps it to the pages that exist."""
    if view is None:
        return None
    return replace(view, page=max(view.page + delta, 1))
