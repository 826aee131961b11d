"""Alerts tab: the list of alerts of one board, filters, and an evidence card per alert."""

from __future__ import annotations

import logging

import gradio as gr
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from leaderboard.alert_service import AlertService
from leaderboard.alerts.model import RULES
from leaderboard.alerts.run import SEVERITY_ORDER
from leaderboard.charts import OKABE_ITO
from leaderboard.charts_analysis import _label, empty_figure
from leaderboard.cohorts import SIZE_BUCKETS
from leaderboard.render import escape_markdown_text as escape_markdown
from leaderboard.render import flag_link
from leaderboard.service import LeaderboardService
from leaderboard.ui.compare_tab import model_label

logger = logging.getLogger(__name__)

SEVERITIES = ["high", "medium", "low", "data-quality"]
SORT_COLUMNS = {"severity": "Severity", "rule": "Rule", "model": "Model", "benchmark": "Benchmark", "effect": "Effect", "q": "q"}
MAX_ROWS = 200
LIST_COLUMNS = ["Severity", "Rule", "Model", "Benchmark", "Effect", "q", "Summary", "Id"]


def alert_rows(service: LeaderboardService, alerts: AlertService, board_id: str, severities, rules, search: str,
               sort_by: str, descending: bool) -> pd.DataFrame:
    """Return the filtered, sorted alert list of a board (numeric effect and q; missing sorts last)."""
    report = alerts.report(board_id)
    board = service.board(board_id)
    names = {b.id: b.name for b in board.schema.benchmarks}
    models = board.models.set_index("model_key")
    rows = []
    for alert in report.alerts:
        finding = alert.finding
        if severities and alert.severity not in severities:
            continue
        if rules and finding.rule not in rules:
            continue
        model = "" if finding.model_key is None else variant_label(models, finding.model_key)
        if search and search.strip().lower() not in model.lower():
            continue
        rows.append({
            "Severity": alert.severity,
            "Rule": RULES.get(finding.rule, finding.rule),
            "Model": model or "—",
            "Benchmark": names.get(finding.benchmark, finding.benchmark or "—"),
            "Effect": round(float(finding.effect), 2),
            "q": None if alert.q_value is None else float(f"{alert.q_value:.3g}"),
            "Summary": finding.summary,
            "Id": alert.id,
        })
    frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
    if frame.empty:
        return frame
    column = SORT_COLUMNS.get(sort_by, "Severity")
    if column == "Severity":
        key = frame["Severity"].map(SEVERITY_ORDER)
        order = key.sort_values(ascending=not descending, kind="stable").index
    else:
        order = frame[column].sort_values(ascending=not descending, na_position="last", kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def variant_label(models: pd.DataFrame, model_key: str) -> str:
    """Return the model id with precision and short revision, so two variants of one model read apart."""
    if model_key not in models.index:
        return model_key
    return model_label(models.loc[model_key].copy())


EVIDENCE_LABELS = {
    "observed": "Observed score",
    "predicted": "Predicted from the model's other benchmarks",
    "interval_low": "Prediction interval, low end",
    "interval_high": "Prediction interval, high end",
    "interval": "Interval",
    "residual_scale": "Robust spread of residuals (points)",
    "n_components": "Principal components used",
    "n_reference": "Models the prediction was fitted on",
    "family": "Family (left out of its own prediction)",
    "family_method": "How the family is found",
    "method": "Method",
    "effect_floor": "Minimum effect for an alert (points)",
    "q": "False-discovery rate (q)",
    "exempt": "Exempt because",
}


def evidence_card(service: LeaderboardService, alerts: AlertService, alert_id: str) -> tuple[str, go.Figure]:
    """Return the evidence card (Markdown, every value escaped) and its chart for an alert id."""
    if not alert_id:
        return "Pick an alert from the list to see its evidence.", empty_figure("No alert selected.")
    found = alerts.find(alert_id.strip())
    if found is None:
        return (f"Alert {escape_markdown(alert_id)} is not in the current data (revision "
                f"{escape_markdown(service.dataset.revision)}); it may have been resolved by a data update.",
                empty_figure("Alert not found."))
    board_id, alert = found
    board = service.board(board_id)
    finding = alert.finding
    report = alerts.report(board_id)
    model = "" if finding.model_key is None else variant_label(board.models.set_index("model_key"), finding.model_key)
    bench = board.schema.benchmark(finding.benchmark).name if finding.benchmark in board.schema.benchmark_ids else (finding.benchmark or "—")

    lines = [
        f"### {escape_markdown(RULES.get(finding.rule, finding.rule))}: {escape_markdown(model or 'whole benchmark')}",
        f"**Severity:** {escape_markdown(alert.severity)} · **Board:** {escape_markdown(board.schema.title)} · "
        f"**Benchmark:** {escape_markdown(bench)} · **Alert id:** `{escape_markdown(alert.id)}`",
        escape_markdown(finding.summary),
        f"- Effect: {finding.effect:+.2f} {escape_markdown(finding.effect_unit)}; test statistic (robust z or rank) {finding.statistic:.3g}; "
        f"p = {_number(finding.p_value)}; q = {_number(alert.q_value)} (Benjamini-Hochberg over {report.n_tests:,} tests "
        f"at q ≤ {report.settings.q:g})",
        f"- Data revision: `{escape_markdown(report.revision)}`",
    ]
    if alert.corroborated_by:
        lines.append("- Independent evidence from other rules on different cells: "
                     + ", ".join(f"`{escape_markdown(i)}`" for i in alert.corroborated_by))
    for key, value in finding.evidence.items():
        if isinstance(value, (list, tuple, dict)):
            value = ", ".join(map(str, value.items() if isinstance(value, dict) else value))
        text = _number(value) if isinstance(value, (int, float, np.floating)) else str(value)
        label = EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize())
        lines.append(f"- {escape_markdown(label)}: {escape_markdown(text)}")
    if finding.model_key is not None:
        lines.append(f"- Cohort: {escape_markdown(model_cohort(board, finding.model_key))}")
    if finding.model_key is not None and "flagged" in board.models.columns:
        row = board.models.set_index("model_key").loc[finding.model_key]
        if bool(row.get("flagged", False) is True):
            link = flag_link(row.get("flag_url"))
            manual = f"[maintainers' discussion]({link})" if link else "no discussion link"
            lines.append(f"- Manual flag: the board's maintainers flagged this model ({manual}).")
    return "\n".join(lines), residual_scatter(report, board, finding)


def model_cohort(board, model_key: str) -> str:
    """Describe the cohorts a model belongs to: model type and size bucket, where the board has them."""
    row = board.models.set_index("model_key").loc[model_key]
    parts = []
    if "model_type" in row.index and isinstance(row["model_type"], str):
        parts.append(f"model type {row['model_type']}")
    size = row.get("params_b") if "params_b" in row.index else None
    if size is not None and not pd.isna(size):
        bucket = next((b.label for b in SIZE_BUCKETS if b.low <= float(size) < b.high), None)
        parts.append(f"{float(size):.3g}B parameters ({bucket})" if bucket else f"{float(size):.3g}B parameters")
    return ", ".join(parts) or "no model type or size published"


def _number(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{float(value):.4g}"


def residual_scatter(report, board, finding) -> go.Figure:
    """Draw predicted vs observed for the alert's benchmark, every tested model grey and this one highlighted."""
    if finding.benchmark is None:
        return empty_figure("This alert is about a whole benchmark; there is no per-model scatter.")
    cells = [f for f in report.findings if f.rule == "residual" and f.benchmark == finding.benchmark
             and "predicted" in f.evidence and "observed" in f.evidence]
    if not cells:
        return empty_figure("No predictions were made for this benchmark.")
    predicted = np.array([f.evidence["predicted"] for f in cells], dtype="float64")
    observed = np.array([f.evidence["observed"] for f in cells], dtype="float64")
    names = board.models.set_index("model_key")["model_id"]
    labels = [_label(names.get(f.model_key, f.model_key)) for f in cells]
    figure = go.Figure()
    figure.add_trace(go.Scattergl(x=predicted, y=observed, mode="markers", name="models", text=labels,
                                  hovertemplate="%{text}<br>predicted %{x:.3g}, observed %{y:.3g}<extra></extra>",
                                  marker={"color": "#999999", "size": 4, "opacity": 0.4}))
    low, high = float(np.nanmin([predicted.min(), observed.min()])), float(np.nanmax([predicted.max(), observed.max()]))
    figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", name="observed = predicted",
                                line={"color": OKABE_ITO[2], "dash": "dot"}))
    mine = [f for f in cells if f.model_key == finding.model_key]
    if mine:
        evidence = mine[0].evidence
        if "interval_low" in evidence and "interval_high" in evidence:
            # The prediction interval is about the observed value, so it is drawn vertically at the prediction.
            figure.add_trace(go.Scatter(x=[evidence["predicted"]] * 2, y=[evidence["interval_low"], evidence["interval_high"]],
                                        mode="lines", name="95% prediction interval", line={"color": OKABE_ITO[5], "width": 3}))
        figure.add_trace(go.Scatter(x=[evidence["predicted"]], y=[evidence["observed"]], mode="markers",
                                    name=_label(names.get(finding.model_key, finding.model_key)),
                                    marker={"color": OKABE_ITO[5], "size": 14, "symbol": "star"}))
    bench = board.schema.benchmark(finding.benchmark).name
    figure.update_layout(title=_label(f"{bench}: observed vs predicted from the other benchmarks"),
                         xaxis={"title": "predicted"}, yaxis={"title": "observed"}, height=460,
                         legend={"orientation": "h", "y": -0.2})
    return figure


def manual_flags(service: LeaderboardService, board_id: str) -> pd.DataFrame:
    """Return the maintainers' manual flags of a board (model, link), labelled as manual."""
    board = service.board(board_id)
    columns = ["Model", "Manual flag", "Discussion"]
    if "flagged" not in board.models.columns:
        return pd.DataFrame(columns=columns)
    flagged = board.models[board.models["flagged"].fillna(False).astype(bool)]
    urls = flagged["flag_url"] if "flag_url" in flagged.columns else pd.Series(None, index=flagged.index)
    return pd.DataFrame({
        "Model": flagged["model_id"].to_numpy(),
        "Manual flag": "flagged by the maintainers",
        "Discussion": [f"[discussion]({flag_link(u)})" if flag_link(u) else "—" for u in urls],
    }, columns=columns)


def build_alerts_tab(service: LeaderboardService, alerts: AlertService, board: gr.Dropdown):
    """Create the tab inside the current Blocks and wire its events; returns (tab, alert id box, card, chart)."""
    with gr.Tab("Alerts", id="alerts") as tab:
        gr.Markdown("Evidence that a model may be over-optimized for a benchmark. Every alert shows its numbers, "
                    "method and thresholds; none is a verdict. Methods and blind spots are on the About tab.")
        with gr.Row():
            severities = gr.CheckboxGroup(SEVERITIES, value=["high", "medium", "low"], label="Severity")
            rules = gr.CheckboxGroup([(label, key) for key, label in RULES.items()], value=[], label="Rules (none ticked: all)")
        with gr.Row():
            search = gr.Textbox(label="Model contains", scale=2)
            sort_by = gr.Dropdown([(label, key) for key, label in SORT_COLUMNS.items()], value="severity", label="Sort by")
            descending = gr.Checkbox(False, label="Descending")
        count = gr.Markdown("")
        listing = gr.Dataframe(pd.DataFrame(columns=LIST_COLUMNS), interactive=False, wrap=True, max_height=420,
                               elem_id="alerts-table",
                               column_widths=["90px", "170px", "260px", "110px", "80px", "80px", "360px", "120px"])
        listed_ids = gr.State([])
        alert_id = gr.Textbox(label="Alert id (click a row, or paste an id)", elem_id="alert-id")
        card = gr.Markdown("Pick an alert from the list to see its evidence.", elem_id="evidence-card")
        chart = gr.Plot(label="Evidence")
        with gr.Accordion("Maintainers' manual flags", open=False):
            manual = gr.Dataframe(interactive=False, wrap=True, max_height=320, datatype=["str", "str", "markdown"])

    filters = [board, severities, rules, search, sort_by, descending]

    def on_filters(board_id, severity_values, rule_values, text, column, desc):
        if board_id not in service.dataset.boards:
            return pd.DataFrame(columns=LIST_COLUMNS), "Choose a loaded board.", [], pd.DataFrame()
        frame = alert_rows(service, alerts, board_id, severity_values, rule_values, (text or "")[:200], column, desc)
        report = alerts.report(board_id)
        shown = frame.head(MAX_ROWS)
        noun = "alert matches" if len(frame) == 1 else "alerts match"
        note = (f"{len(frame):,} {noun} ({len(report.alerts):,} in all, from {report.n_tests:,} tests; "
                f"computed in {report.runtime:.1f} s for revision `{escape_markdown(report.revision)}`).")
        if len(frame) > MAX_ROWS:
            note += f" The first {MAX_ROWS} are listed."
        return shown, note, shown["Id"].tolist(), manual_flags(service, board_id)

    def on_select(ids, event: gr.SelectData):
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        if not isinstance(row, int) or not 0 <= row < len(ids):
            return gr.Textbox(), "Pick a row of the list.", empty_figure("No alert selected.")
        card_text, figure = evidence_card(service, alerts, ids[row])
        return ids[row], card_text, figure

    def on_id(text):
        return evidence_card(service, alerts, (text or "")[:64])

    tab.select(on_filters, filters, [listing, count, listed_ids, manual])
    gr.on([severities.input, rules.input, search.change, sort_by.input, descending.input, board.input],
          on_filters, filters, [listing, count, listed_ids, manual], trigger_mode="always_last", api_name="alerts")
    listing.select(on_select, listed_ids, [alert_id, card, chart])
    alert_id.submit(on_id, alert_id, [card, chart], api_name="alert_evidence")
    return tab, alert_id, card, chart
