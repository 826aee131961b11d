"""Tracking tab: one benchmark's scores over time, with frontier, bands, trends and deviations."""

from __future__ import annotations

import logging

import gradio as gr
import pandas as pd

from leaderboard.charts_analysis import empty_figure, tracking_chart
from leaderboard.cohorts import available_cohorts, cohort_keys
from leaderboard.render import escape_markdown_text
from leaderboard.service import LeaderboardService
from leaderboard.state import CompareView, TrackingView
from leaderboard.tracking_report import AXIS_LABELS, TrackingReport, analysable_benchmarks, tracking_report
from leaderboard.ui.compare_tab import MAX_MODELS, model_choices

logger = logging.getLogger(__name__)

# Named columns for an empty table: gradio shows "1 2 3" as headers for a frame without columns.
DEVIATION_COLUMNS = ["Model", "Time", "Score", "Cohort trend", "Residual", "Robust z"]


def report_for(service: LeaderboardService, view: TrackingView) -> TrackingReport:
    """Return the cached report of a view; the cache key contains the data revision, so a refresh recomputes it."""
    dataset = service.dataset
    if view.board not in dataset.boards:
        return TrackingReport(None, None, messages=[f"Board '{view.board}' is not in the loaded data; choose another board."])
    board = dataset.boards[view.board]
    if view.cohort not in ("", "all") and view.cohort not in {cohort for _, cohort in available_cohorts(board)}:
        return TrackingReport(None, None, messages=[
            f"Cohort '{view.cohort}' is not available on {board.schema.title}; choose a cohort from the list."])
    key = ("tracking", view.board, dataset.revision, view.benchmark, view.axis, view.cohort, view.models)

    def compute() -> TrackingReport:
        keys = None if view.cohort in ("", "all") else cohort_keys(board, view.cohort)
        return tracking_report(board, view.benchmark, view.axis, keys, view.models)

    return service.cache.get_or_compute(key, compute)


def tracking_outputs(service: LeaderboardService, view: TrackingView) -> tuple:
    """Return (figure, messages markdown, trend table, deviations table) for a view."""
    report = report_for(service, view)
    messages = "\n".join(f"- {escape_markdown_text(m)}" for m in report.messages)
    if report.benchmark is None:
        blank = empty_figure(report.messages[0] if report.messages else "Nothing to draw.")
        return blank, messages, pd.DataFrame(columns=["Benchmark"]), pd.DataFrame(columns=DEVIATION_COLUMNS)

    board = service.board(view.board)
    bench = board.schema.benchmark(report.benchmark)
    unit = f" ({bench.scale.unit})" if bench.scale.unit else ""
    axis_label = board.schema.snapshot_label.lower() if report.axis == "snapshot" else AXIS_LABELS.get(report.axis, report.axis)
    title = f"{bench.name} by {axis_label}"
    figure = tracking_chart(report.points, report.frontier, report.bands, report.histories, report.change_dates,
                            title, f"{bench.name}{unit}")
    deviations = report.deviations if not report.deviations.empty else pd.DataFrame(columns=DEVIATION_COLUMNS)
    return figure, messages, report.trends, deviations


def control_updates(service: LeaderboardService, board_id: str) -> tuple:
    """Return updates for the benchmark, axis, cohort and model pickers after a board change."""
    if board_id not in service.dataset.boards:
        return gr.Dropdown(choices=[], value=None), gr.Radio(choices=[], value=None), gr.Dropdown(choices=[], value="all"), gr.Dropdown(choices=[], value=[], multiselect=True)
    board = service.board(board_id)
    names = {b.id: b.name for b in board.schema.benchmarks}
    benchmarks = [(names[b], b) for b in analysable_benchmarks(board)]
    axes = [(board.schema.snapshot_label if a == "snapshot" else AXIS_LABELS.get(a, a), a) for a in board.schema.time_axes]
    cohorts = available_cohorts(board)
    models = model_choices(service, CompareView(board=board_id))
    return (
        gr.Dropdown(choices=benchmarks, value=benchmarks[0][1] if benchmarks else None),
        gr.Radio(choices=axes, value=axes[0][1] if axes else None, visible=len(axes) > 1),
        gr.Dropdown(choices=cohorts, value="all"),
        gr.Dropdown(choices=models, value=[], multiselect=True, max_choices=MAX_MODELS),
    )


def build_tracking_tab(service: LeaderboardService, board: gr.Dropdown) -> gr.Tab:
    """Create the tab's components inside the current Blocks and wire its events; returns the Tab."""
    with gr.Tab("Tracking", id="tracking") as tab:
        gr.Markdown("Scores over time: every model as a grey dot, the best score to date, the cohort median and "
                    "top decile, and the histories of the models you pick. Dashed vertical lines mark change points.")
        with gr.Row():
            benchmark = gr.Dropdown([], label="Benchmark", allow_custom_value=True)
            axis = gr.Radio([], label="Time axis")
            cohort = gr.Dropdown([], value="all", label="Cohort", allow_custom_value=True)
        with gr.Row():
            find = gr.Textbox(label="Find models for histories", placeholder="Text in the model id", scale=1)
            models = gr.Dropdown([], multiselect=True, label="Model histories (pick up to 8)", allow_custom_value=True, scale=3)
        plot = gr.Plot(label="Scores over time", elem_id="tracking-plot")
        messages = gr.Markdown("")
        gr.Markdown("**Trend per benchmark** in this cohort: Mann-Kendall test (Kendall's tau between time and "
                    "score, with its p-value) and Sen's slope per year with its 95% interval. On snapshot axes the "
                    "test runs on each snapshot's median, because the same models reappear in every snapshot.")
        trends = gr.Dataframe(interactive=False, wrap=True)
        gr.Markdown("**Deviations**: models far off the cohort's trend (robust z from the median and MAD of the "
                    "residuals from Sen's line; |z| above 3.5).")
        deviations = gr.Dataframe(interactive=False, wrap=True)

    inputs = [board, benchmark, axis, cohort, models]
    outputs = [plot, messages, trends, deviations]

    def on_view(board_id, benchmark_id, axis_id, cohort_id, keys):
        view = TrackingView(board=board_id, benchmark=benchmark_id, axis=axis_id, cohort=cohort_id or "all",
                            models=tuple(keys or ())[:MAX_MODELS])
        return tracking_outputs(service, view)

    def on_board(board_id):
        return control_updates(service, board_id)

    def on_find(board_id, query, keys):
        view = CompareView(board=board_id, models=tuple(keys or ()))
        choices = model_choices(service, view, query or "")
        offered = {key for _, key in choices}
        return gr.Dropdown(choices=choices, value=[k for k in keys or () if k in offered])

    find.submit(on_find, [board, find, models], models)
    tab.select(on_board, board, [benchmark, axis, cohort, models]).then(on_view, inputs, outputs)
    board.input(on_board, board, [benchmark, axis, cohort, models])
    gr.on([benchmark.input, axis.input, cohort.input, models.input], on_view, inputs, outputs,
          trigger_mode="always_last", api_name="tracking")
    return tab
