"""Build the Gradio Blocks: a board selector, the data status line and three tabs.

Only wiring lives here. Handlers call `LeaderboardService` and the tab modules,
and every user event is bound with `.input` or `.click`, so programmatic
updates do not fire handlers again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from leaderboard.refresh import status_markdown
from leaderboard.service import LeaderboardService
from leaderboard.state import CompareView, LeaderboardView
from leaderboard.ui import about_tab, compare_tab
from leaderboard.ui.alerts_tab import build_alerts_tab, evidence_card
from leaderboard.ui.correlations_tab import build_correlations_tab
from leaderboard.ui.tracking_tab import build_tracking_tab
from leaderboard.ui.leaderboard_tab import (
    SCORES_NORMALIZED,
    SCORES_RAW,
    VARIANT_ALL,
    VARIANT_BEST,
    LeaderboardControls,
    board_control_updates,
    next_view,
    notes_summary,
    notes_table,
    page_outputs,
    view_from_values,
)

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


def status_line(holder) -> str:
    """Return the data status line: source, revision, load time, and any failed refresh."""
    return status_markdown(holder)


def warm_caches(service: LeaderboardService) -> None:
    """Compute the default board's first page before launch, so the first visitor does not wait for it."""
    board_id = service.dataset.default_board
    service.table_page(LeaderboardView(board=board_id, sort_by=LeaderboardService.default_sort(service.board(board_id))))


def build_demo(service: LeaderboardService, page_size: int = 50, refresh_minutes: float = 0) -> gr.Blocks:
    """Build the app around `service`, whose holder's `dataset` attribute is the data currently shown."""
    holder = service.holder
    dataset = service.dataset
    default_board = dataset.default_board
    board_choices = [(b.schema.title, board_id) for board_id, b in dataset.boards.items()]

    with gr.Blocks(title="Goodhart's Law on Benchmarks") as demo:
        gr.Markdown("# Goodhart's Law on Benchmarks\nWhen a measure becomes a target, it ceases to be a good measure. "
                    "Browse benchmark results and see where single leaderboard numbers stop meaning what they claim.")
        # Dropdowns whose choices change with the board accept any value: the
        # service checks every value against the loaded data and reports what it dropped.
        with gr.Row():
            board = gr.Dropdown(board_choices, value=default_board, label="Board", scale=3, allow_custom_value=True,
                                filterable=False)
            snapshot = gr.Dropdown([], value=None, label="As of snapshot", scale=1, allow_custom_value=True)
            refresh_button = gr.Button("Reload data", scale=0, size="sm")
        status = gr.Markdown(status_line(holder), elem_id="data-status")

        with gr.Tabs(selected="leaderboard") as tabs:
            with gr.Tab("Leaderboard", id="leaderboard"):
                with gr.Row():
                    search = gr.Textbox(label="Search model ids", placeholder="Case-insensitive text; separate several terms with ;", scale=3)
                    sort_by = gr.Dropdown([], label="Sort by", scale=1, allow_custom_value=True)
                    sort_descending = gr.Checkbox(True, label="Descending", scale=0)
                with gr.Accordion("Filters and columns", open=False):
                    with gr.Row():
                        model_types = gr.CheckboxGroup([], label="Model type")
                        precisions = gr.CheckboxGroup([], label="Precision")
                    with gr.Row():
                        licenses = gr.Dropdown([], multiselect=True, label="License", allow_custom_value=True)
                        params_min = gr.Number(None, label="Min parameters (billions)", minimum=0, info="Applies on Enter or when the field loses focus")
                        params_max = gr.Number(None, label="Max parameters (billions)", minimum=0)
                        include_unknown_size = gr.Checkbox(False, label="With a size range, keep models of unknown size")
                    with gr.Row():
                        official_only = gr.Checkbox(False, label="Official providers only")
                        hub_only = gr.Checkbox(False, label="Available on the Hub only")
                        hide_flagged = gr.Checkbox(False, label="Hide flagged")
                        hide_merged = gr.Checkbox(False, label="Hide merges (merge flag or merge model type)")
                        hide_moe = gr.Checkbox(False, label="Hide mixture of experts")
                        hide_alerted = gr.Checkbox(False, label="Hide models with gaming alerts")
                    with gr.Row():
                        variant = gr.Radio([VARIANT_ALL, VARIANT_BEST], value=VARIANT_ALL, label="Variants")
                        score_kind = gr.Radio([SCORES_NORMALIZED, SCORES_RAW], value=SCORES_NORMALIZED, label="Scores")
                        partial_aggregate = gr.Checkbox(False, label="Average incomplete rows too (marked with coverage)")
                        show_ranks = gr.Checkbox(False, label="Show ranks and 95% rank ranges")
                    columns = gr.CheckboxGroup([], label="Benchmark columns (none ticked shows all)")
                notices = gr.Markdown("", elem_id="view-notices")
                table = gr.Dataframe(interactive=False, wrap=True, max_height=720, elem_id="leaderboard-table",
                                     show_search="none", buttons=["fullscreen"])
                column_help = gr.HTML("", visible="hidden", elem_id="column-help")
                with gr.Row():
                    previous_button = gr.Button("◀ Previous", size="sm", scale=0)
                    page_info = gr.Markdown("", elem_id="page-info")
                    next_button = gr.Button("Next ▶", size="sm", scale=0)
                    export_button = gr.Button("Export CSV", size="sm", scale=0)
                export_file = gr.File(label="Exported rows", visible=False)
                with gr.Accordion("Data notes", open=False):
                    gr.Markdown("Skipped cells stay missing; they are never replaced by 0. "
                                "Caveats of each source (licenses, known traps) are on the About tab.")
                    notes_status = gr.Markdown("")
                    notes = gr.Dataframe(interactive=False, wrap=True, max_height=320, elem_id="data-notes")

            with gr.Tab("Compare", id="compare") as compare_tab_component:
                gr.Markdown("Pick 2 to 8 models. Charts put each benchmark on its own scale between chance level (0) "
                            "and ceiling (1); where a benchmark declares neither, the observed minimum or maximum stands in.")
                with gr.Row():
                    compare_search = gr.Textbox(label="Find models", placeholder="Text in the model id", scale=1)
                    compare_models = gr.Dropdown([], multiselect=True, max_choices=compare_tab.MAX_MODELS, label="Models to compare", scale=3,
                                                 allow_custom_value=True)
                compare_message = gr.Markdown("")
                with gr.Row():
                    radar = gr.Plot(label="Radar")
                    bars = gr.Plot(label="Grouped bars")
                compare_table = gr.Dataframe(compare_tab.EMPTY_RANKS, interactive=False, wrap=True,
                                             label="Rank and percentile per benchmark")
                strengths = gr.Markdown("")

            build_tracking_tab(service, board)
            build_correlations_tab(service, board, snapshot)
            if service.alerts is not None:
                _, alert_id, alert_card, alert_chart = build_alerts_tab(service, service.alerts, board)

            with gr.Tab("About", id="about"):
                about = gr.Markdown(about_tab.about_markdown(dataset))

        page_keys = gr.State([])
        view_state = gr.State(None)
        controls = LeaderboardControls(
            search, model_types, precisions, licenses, params_min, params_max, include_unknown_size,
            official_only, hub_only, hide_flagged, hide_merged, hide_moe, hide_alerted, variant, score_kind,
            partial_aggregate, columns, show_ranks, sort_by, sort_descending,
        )
        table_outputs = [table, page_info, column_help, notices, page_keys, view_state]

        def show_view(view: LeaderboardView):
            return page_outputs(service.table_page(view))

        def on_controls(board_id, snapshot_value, *values):
            return show_view(view_from_values(board_id, snapshot_value, 1, page_size, list(values)))

        def on_page(view, delta):
            view = next_view(view, delta)
            if view is None:
                view = LeaderboardView(board=board.value)
            return show_view(view)

        def on_board(board_id):
            if board_id not in service.dataset.boards:
                board_id = service.dataset.default_board
            return board_control_updates(service, board_id) + (notes_table(service, board_id), notes_summary(service, board_id))

        def on_export(view):
            if view is None:
                return gr.File(visible=False)
            return gr.File(value=str(service.export_csv(view)), visible=True)

        def on_compare(board_id, snapshot_value, keys):
            view = CompareView(board=board_id, snapshot=snapshot_value or None, models=tuple(keys or ()))
            return compare_tab.compare_outputs(service, view)

        def on_compare_search(board_id, snapshot_value, query, keys):
            view = CompareView(board=board_id, snapshot=snapshot_value or None, models=tuple(keys or ()))
            choices = compare_tab.model_choices(service, view, query or "")
            # After a board switch, models of the previous board leave the selection.
            offered = {key for _, key in choices}
            return gr.Dropdown(choices=choices, value=[k for k in keys or () if k in offered])

        def on_reload():
            holder.refresh()
            if service.alerts is not None:
                service.alerts.start_background()
            return status_line(holder), about_tab.about_markdown(service.dataset)

        control_inputs = [board, snapshot] + controls.inputs()
        board_outputs = [snapshot] + controls.inputs() + [notes, notes_status]
        compare_outputs = [radar, bars, compare_table, strengths, compare_message]

        board.input(on_board, board, board_outputs, api_name="choose_board").then(on_controls, control_inputs, table_outputs).then(
            on_compare_search, [board, snapshot, compare_search, compare_models], compare_models)
        # The search box uses .change: in Gradio 6.31 deleting text (Backspace,
        # cut) fires no .input event, which would leave stale results on screen.
        gr.on(
            [snapshot.input, search.change, model_types.input, precisions.input, licenses.input,
             params_min.submit, params_max.submit, params_min.blur, params_max.blur, include_unknown_size.input, official_only.input, hub_only.input,
             hide_flagged.input, hide_merged.input, hide_moe.input, hide_alerted.input, variant.input, score_kind.input,
             partial_aggregate.input, columns.input, show_ranks.input, sort_by.input, sort_descending.input,
             ],
            on_controls, control_inputs, table_outputs, show_progress="hidden", trigger_mode="always_last",
            api_name="leaderboard_table",
        )
        previous_button.click(lambda view: on_page(view, -1), view_state, table_outputs, show_progress="hidden")
        next_button.click(lambda view: on_page(view, 1), view_state, table_outputs, show_progress="hidden")
        export_button.click(on_export, view_state, export_file, api_name="export")

        compare_tab_component.select(on_compare_search, [board, snapshot, compare_search, compare_models], compare_models)
        compare_search.submit(on_compare_search, [board, snapshot, compare_search, compare_models], compare_models)
        compare_models.input(on_compare, [board, snapshot, compare_models], compare_outputs, trigger_mode="always_last",
                             api_name="compare")
        refresh_button.click(on_reload, None, [status, about]).then(on_board, board, board_outputs).then(
            on_controls, control_inputs, table_outputs)

        demo.load(on_board, board, board_outputs).then(on_controls, control_inputs, table_outputs)
        if service.alerts is not None:
            def on_alert_link(request: gr.Request):
                # `?alert=<id>` opens the Alerts tab on that alert's evidence card.
                wanted = (request.query_params.get("alert") or "").strip()[:64] if request else ""
                if not wanted:
                    return gr.Tabs(), gr.Textbox(), gr.Markdown(), gr.Plot()
                card_text, figure = evidence_card(service, service.alerts, wanted)
                return gr.Tabs(selected="alerts"), wanted, card_text, figure

            demo.load(on_alert_link, None, [tabs, alert_id, alert_card, alert_chart])
        if refresh_minutes > 0:
            timer = gr.Timer(refresh_minutes * 60)
            timer.tick(on_reload, None, [status, about])
    return demo


def launch_assets() -> dict:
    """Return the `css` and `head` arguments for `launch()`: Gradio 6 takes them there, not in `Blocks`."""
    css = (STATIC_DIR / "app.css").read_text(encoding="utf-8")
    script = (STATIC_DIR / "column_help.js").read_text(encoding="utf-8")
    return {"css": css, "head": f"<script>{script}</script>"}
