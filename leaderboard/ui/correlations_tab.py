"""Correlations tab: how benchmarks relate, and whether each still agrees with the rest."""

from __future__ import annotations

import logging

import gradio as gr
import pandas as pd

from leaderboard.charts_analysis import agreement_drift_chart, correlation_heatmap, empty_figure, pair_scatter, scree_chart
from leaderboard.cohorts import SIZE_BUCKETS, available_cohorts, cohort_keys
from leaderboard.correlation import DEFAULT_MIN_OVERLAP, MIN_OVERLAP_FLOOR
from leaderboard.correlation_report import METHOD_LABELS, AgreementReport, CorrelationReport, agreement_report, correlation_report
from leaderboard.render import escape_markdown_text
from leaderboard.service import LeaderboardService
from leaderboard.state import CorrelationView

logger = logging.getLogger(__name__)

MAX_LOADING_COMPONENTS = 3
# Windows are clamped to one week .. one century: longer ones overflow pandas' Timedelta.
MIN_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 36_500


def _cohort(service: LeaderboardService, view: CorrelationView) -> set[str] | None:
    board = service.board(view.board)
    return None if view.cohort in ("", "all") else cohort_keys(board, view.cohort)


def scatter_groups(board) -> pd.Series | None:
    """Return the label that colours each model in the pair scatter: model type, else size bucket; None without either."""
    models = board.models.set_index("model_key")
    if "model_type" in models.columns and models["model_type"].notna().any():
        return models["model_type"].astype("string").fillna("unknown type")
    if "params_b" in models.columns and models["params_b"].notna().any():
        sizes = models["params_b"].astype("float64")
        labels = pd.Series("unknown size", index=models.index, dtype="object")
        for bucket in SIZE_BUCKETS:
            labels[(sizes >= bucket.low) & (sizes < bucket.high)] = bucket.label
        return labels
    return None


def check_view(service: LeaderboardService, view: CorrelationView) -> str | None:
    """Return why a view cannot be computed (unknown board, snapshot or cohort), or None."""
    dataset = service.dataset
    if view.board not in dataset.boards:
        return f"Board '{view.board}' is not in the loaded data; choose another board."
    board = dataset.boards[view.board]
    if view.snapshot is not None and view.snapshot not in board.snapshots:
        return f"Snapshot '{view.snapshot}' does not exist for {board.schema.title}; choose one of its snapshots."
    if view.cohort not in ("", "all") and view.cohort not in {cohort for _, cohort in available_cohorts(board)}:
        return f"Cohort '{view.cohort}' is not available on {board.schema.title}; choose a cohort from the list."
    return None


def report_for(service: LeaderboardService, view: CorrelationView) -> CorrelationReport:
    """Return the cached fast report of a view, keyed on the data revision and every setting."""
    dataset = service.dataset
    problem = check_view(service, view)
    if problem:
        return CorrelationReport(unavailable=problem)
    key = ("correlations", view.board, dataset.revision, view)
    board = service.board(view.board)
    return service.cache.get_or_compute(key, lambda: correlation_report(board, view, _cohort(service, view), scatter_groups(board)))


def correlation_outputs(service: LeaderboardService, view: CorrelationView) -> tuple:
    """Return (matrix figure, partial figure, scree figure, loadings table, pair figure, messages markdown)."""
    report = report_for(service, view)
    messages = [escape_markdown_text(m) for m in report.messages]
    if report.unavailable:
        blank = empty_figure(report.unavailable)
        return blank, blank, blank, pd.DataFrame(columns=["Benchmark"]), blank, "\n".join(f"- {m}" for m in [escape_markdown_text(report.unavailable)] + messages)

    board = service.board(view.board)
    names = {b.id: b.name for b in board.schema.benchmarks}
    method = METHOD_LABELS[report.matrix.method]
    matrix = report.matrix
    heatmap = correlation_heatmap(matrix.estimate, matrix.n, matrix.insufficient, names,
                                  f"{method}, pairwise complete (cells below n={matrix.min_overlap} not estimated)", matrix.q_value)
    partial = report.partial
    partial_map = correlation_heatmap(partial.estimate, partial.n, partial.insufficient, names,
                                      f"Partial {method} after removing the first principal component")

    components = report.components
    if components.reason:
        scree = empty_figure(components.reason)
        loadings = pd.DataFrame(columns=["Benchmark"])
    else:
        scree = scree_chart(components.explained_variance_ratio,
                            f"Principal components ({components.scaling}, {components.n_models} models"
                            f"{', ' + str(components.imputed_cells) + ' cells imputed' if components.imputed_cells else ''})")
        shown = components.loadings.iloc[:, :MAX_LOADING_COMPONENTS].round(3)
        loadings = shown.rename(index=names).reset_index(names="Benchmark")

    pair_figure = empty_figure("No pair to draw.")
    if report.pair is not None and not report.pair_points.empty:
        a, b = report.pair
        pair_figure = pair_scatter(report.pair_points, names.get(a, a), names.get(b, b),
                                   f"{names.get(a, a)} vs {names.get(b, b)} (n={len(report.pair_points)})")
        interval = report.pair_interval
        if interval is not None and interval.reason is None:
            messages.append(escape_markdown_text(
                f"{names.get(a, a)} vs {names.get(b, b)}: {method} {interval.estimate:.3f}, {interval.level:.0%} percentile "
                f"bootstrap interval {interval.low:.3f} to {interval.high:.3f} ({interval.draws_used} resamples of {interval.n} models)."))
        elif interval is not None:
            messages.append(escape_markdown_text(f"No interval for this pair: {interval.reason}"))
    return heatmap, partial_map, scree, loadings, pair_figure, "\n".join(f"- {m}" for m in messages)


def agreement_outputs(service: LeaderboardService, view: CorrelationView, window_days: int, min_models: int,
                      progress=None) -> tuple:
    """Return (agreement table, drift figure, messages markdown); cached, because the bootstrap takes seconds."""
    dataset = service.dataset
    problem = check_view(service, view)
    if problem:
        return pd.DataFrame(columns=["Benchmark"]), empty_figure(problem), escape_markdown_text(problem)
    window_days = min(max(int(window_days), MIN_WINDOW_DAYS), MAX_WINDOW_DAYS)
    key = ("agreement", view.board, dataset.revision, view, window_days, min_models)
    report: AgreementReport = service.cache.get_or_compute(
        key, lambda: agreement_report(service.board(view.board), view, _cohort(service, view), window_days, min_models, progress))
    figure = empty_figure("No drift to draw.")
    if not report.drift.empty and report.drift["estimate"].notna().any():
        figure = agreement_drift_chart(report.drift.dropna(subset=["estimate"]), "Agreement per date window, with 95% bootstrap bands")
    table = report.table if not report.table.empty else pd.DataFrame(columns=["Benchmark"])
    return table, figure, "\n".join(f"- {escape_markdown_text(m)}" for m in report.messages)


def control_updates(service: LeaderboardService, board_id: str) -> tuple:
    """Return updates for the cohort and pair pickers after a board change."""
    if board_id not in service.dataset.boards:
        return gr.Dropdown(choices=[], value="all"), gr.Dropdown(choices=[], value=None), gr.Dropdown(choices=[], value=None)
    board = service.board(board_id)
    benchmarks = [(b.name, b.id) for b in board.schema.benchmarks if not b.composite]
    return (
        gr.Dropdown(choices=available_cohorts(board), value="all"),
        gr.Dropdown(choices=benchmarks, value=None),
        gr.Dropdown(choices=benchmarks, value=None),
    )


def build_correlations_tab(service: LeaderboardService, board: gr.Dropdown, snapshot: gr.Dropdown) -> gr.Tab:
    """Create the tab's components inside the current Blocks and wire its events; returns the Tab."""
    with gr.Tab("Correlations", id="correlations") as tab:
        gr.Markdown("Rank correlations between benchmarks over the models scored on both. Every cell shows its n; "
                    f"below the minimum overlap a cell reads 'insufficient', never a number. Q-values (on hover) are "
                    "Benjamini-Hochberg adjusted across the matrix. Composite benchmarks are left out.")
        with gr.Row():
            method = gr.Radio([(label, key) for key, label in METHOD_LABELS.items()], value="kendall", label="Correlation")
            min_overlap = gr.Number(DEFAULT_MIN_OVERLAP, label="Minimum overlap (models)", minimum=MIN_OVERLAP_FLOOR, precision=0)
            cohort = gr.Dropdown([], value="all", label="Cohort", allow_custom_value=True)
        matrix = gr.Plot(label="Correlation matrix, ordered by hierarchical clustering", elem_id="correlation-matrix")
        messages = gr.Markdown("")
        with gr.Row():
            pair_a = gr.Dropdown([], label="Scatter: benchmark on x", allow_custom_value=True)
            pair_b = gr.Dropdown([], label="Scatter: benchmark on y", allow_custom_value=True)
        pair = gr.Plot(label="Pair scatter")
        partial = gr.Plot(label="Partial correlations")
        with gr.Row():
            scaling = gr.Radio([("Standardized", "standardized"), ("Centred", "centred")], value="standardized",
                               label="Component scaling")
            impute = gr.Checkbox(False, label="Fill missing cells by a low-rank fit (otherwise complete cases only)")
        with gr.Row():
            scree = gr.Plot(label="Explained variance")
            loadings = gr.Dataframe(interactive=False, label="Loadings")
        gr.Markdown("**Benchmark agreement**: each benchmark's Kendall tau-b against the mean win rate over the other "
                    "benchmarks, on 100 random halves of the models; relative z compares it with the other benchmarks. "
                    "Drift repeats this in rolling date windows with bootstrap bands.")
        with gr.Row():
            window_days = gr.Number(180, label="Window length (days)", minimum=MIN_WINDOW_DAYS, maximum=MAX_WINDOW_DAYS, precision=0)
            min_models = gr.Number(30, label="Minimum models per window", minimum=5, precision=0)
            run = gr.Button("Run agreement and drift")
        agreement = gr.Dataframe(pd.DataFrame(columns=["Benchmark"]), interactive=False, label="Agreement")
        drift = gr.Plot(label="Agreement drift")
        agreement_messages = gr.Markdown("")

    inputs = [board, snapshot, method, min_overlap, cohort, scaling, impute, pair_a, pair_b]
    outputs = [matrix, partial, scree, loadings, pair, messages]

    def view_of(board_id, snapshot_value, method_id, overlap, cohort_id, scaling_id, impute_value, a, b) -> CorrelationView:
        chosen = (a, b) if a and b else None
        return CorrelationView(board=board_id, snapshot=snapshot_value or None, method=method_id or "kendall",
                               min_overlap=max(int(overlap or DEFAULT_MIN_OVERLAP), MIN_OVERLAP_FLOOR), cohort=cohort_id or "all",
                               scaling=scaling_id or "standardized", impute=bool(impute_value), pair=chosen)

    def on_view(*values):
        return correlation_outputs(service, view_of(*values))

    def on_run(*values, progress=gr.Progress()):
        *view_values, window, count = values
        progress(0, desc="Bootstrapping agreement")
        return agreement_outputs(service, view_of(*view_values), int(window or 180), int(count or 30),
                                 progress=lambda fraction: progress(fraction, desc="Bootstrapping agreement"))

    def on_board(board_id):
        return control_updates(service, board_id)

    tab.select(on_board, board, [cohort, pair_a, pair_b]).then(on_view, inputs, outputs)
    board.input(on_board, board, [cohort, pair_a, pair_b])
    gr.on([method.input, min_overlap.submit, min_overlap.blur, cohort.input, scaling.input, impute.input,
           pair_a.input, pair_b.input], on_view, inputs, outputs, trigger_mode="always_last", api_name="correlations")
    run.click(on_run, inputs + [window_days, min_models], [agreement, drift, agreement_messages], api_name="agreement")
    return tab
