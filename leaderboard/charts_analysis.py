"""Plotly charts for the Tracking and Correlations tabs.

Inputs are plain DataFrames with documented columns, so these functions do no
statistics. Categorical colours use the Okabe-Ito palette. The correlation
heatmap uses the diverging RdBu scale centred on 0, because its blue and red
ends stay apart under the common forms of colour blindness; every cell also
carries its number as text.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from leaderboard.charts import OKABE_ITO


# Okabe-Ito colours for picked models, without yellow (too faint on white) and
# without the grey and blues already used for all models and the frontier.
HISTORY_COLOURS = [OKABE_ITO[5], OKABE_ITO[3], OKABE_ITO[7], OKABE_ITO[1], OKABE_ITO[2]]


def _label(text) -> str:
    # Plotly renders a subset of HTML in labels and hover text; data must stay literal.
    return html.escape(str(text), quote=False)


def empty_figure(message: str) -> go.Figure:
    """Return a blank figure that states why nothing is drawn."""
    figure = go.Figure()
    figure.add_annotation(text=_label(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=300)
    return figure


def correlation_heatmap(estimate: pd.DataFrame, n: pd.DataFrame, insufficient: pd.DataFrame,
                        names: dict[str, str], title: str, q_value: pd.DataFrame | None = None) -> go.Figure:
    """Draw a correlation matrix in the row and column order of `estimate`.

    Each cell shows its estimate and n; a cell below the minimum overlap shows
    "insufficient (n=…)" and no colour, never a number.
    """
    labels = [_label(names.get(b, b)) for b in estimate.columns]
    values = estimate.to_numpy(dtype="float64").copy()
    text = []
    hover = []
    for i, row_id in enumerate(estimate.index):
        text_row, hover_row = [], []
        for j, column_id in enumerate(estimate.columns):
            count = n.iat[i, j]
            count_text = "?" if pd.isna(count) else f"{int(count)}"
            if bool(insufficient.iat[i, j]):
                values[i, j] = np.nan
                text_row.append(f"insufficient<br>(n={count_text})")
                hover_row.append(f"{labels[i]} vs {labels[j]}: insufficient overlap (n={count_text})")
                continue
            if np.isnan(values[i, j]):
                # Enough overlap, but no estimate: a benchmark is constant over the shared models.
                text_row.append(f"constant<br>n={count_text}")
                hover_row.append(f"{labels[i]} vs {labels[j]}: no estimate, a benchmark is constant over these {count_text} models")
                continue
            q_text = ""
            if q_value is not None and i != j and not pd.isna(q_value.iat[i, j]):
                q_text = f", q={q_value.iat[i, j]:.2g}"
            text_row.append(f"{values[i, j]:.2f}<br>n={count_text}")
            hover_row.append(f"{labels[i]} vs {labels[j]}: {values[i, j]:.3f} (n={count_text}{q_text})")
        text.append(text_row)
        hover.append(hover_row)

    figure = go.Figure(go.Heatmap(
        z=values, x=labels, y=labels, text=text, texttemplate="%{text}", hovertext=hover,
        hoverinfo="text", colorscale="RdBu", zmid=0, zmin=-1, zmax=1, colorbar={"title": "estimate"},
    ))
    size = max(420, 60 * len(labels) + 160)
    figure.update_layout(title=_label(title), height=size, xaxis={"tickangle": -40, "automargin": True},
                         yaxis={"autorange": "reversed", "automargin": True}, margin={"t": 60})
    return figure


def scree_chart(explained: pd.Series, title: str) -> go.Figure:
    """Draw explained variance per component as bars and its running total as a line (both in %)."""
    labels = [f"PC{i + 1}" for i in range(len(explained))]
    share = explained.to_numpy(dtype="float64") * 100
    figure = go.Figure()
    figure.add_trace(go.Bar(x=labels, y=share, name="explained variance", marker={"color": OKABE_ITO[0]},
                            text=[f"{v:.0f}%" for v in share], textposition="outside"))
    figure.add_trace(go.Scatter(x=labels, y=np.cumsum(share), name="cumulative", mode="lines+markers",
                                line={"color": OKABE_ITO[1]}, marker={"symbol": "square"}))
    figure.update_layout(title=_label(title), yaxis={"range": [0, 105], "title": "% of variance"}, height=360,
                         legend={"orientation": "h", "y": 1.12})
    return figure


def pair_scatter(points: pd.DataFrame, x_label: str, y_label: str, title: str) -> go.Figure:
    """Draw one benchmark against another.

    `points` has columns `x`, `y`, `model_id` (shown on hover) and `cohort`
    (one colour and marker symbol per cohort).
    """
    figure = go.Figure()
    symbols = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon"]
    for position, (cohort, group) in enumerate(points.groupby("cohort", sort=True)):
        figure.add_trace(go.Scattergl(
            x=group["x"], y=group["y"], mode="markers", name=_label(cohort),
            text=[_label(m) for m in group["model_id"]],
            hovertemplate="%{text}<br>x=%{x:.3g}, y=%{y:.3g}<extra></extra>",
            marker={"color": OKABE_ITO[position % len(OKABE_ITO)], "symbol": symbols[position % len(symbols)],
                    "size": 6, "opacity": 0.7},
        ))
    figure.update_layout(title=_label(title), xaxis={"title": _label(x_label)}, yaxis={"title": _label(y_label)},
                         height=460, legend={"orientation": "h", "y": -0.2})
    return figure


def agreement_drift_chart(drift: pd.DataFrame, title: str) -> go.Figure:
    """Draw agreement per window with its bootstrap band.

    `drift` has columns `benchmark_name`, `window_end`, `estimate`, `low`,
    `high` and `flagged` (bool); flagged windows get a larger marker.
    """
    figure = go.Figure()
    for position, (name, group) in enumerate(drift.groupby("benchmark_name", sort=True)):
        colour = OKABE_ITO[position % len(OKABE_ITO)]
        figure.add_trace(go.Scatter(
            x=group["window_end"], y=group["estimate"], name=_label(name), mode="lines+markers",
            line={"color": colour},
            marker={"size": np.where(group["flagged"], 14, 6), "symbol": np.where(group["flagged"], "x", "circle")},
            error_y={"type": "data", "symmetric": False, "array": group["high"] - group["estimate"],
                     "arrayminus": group["estimate"] - group["low"], "color": colour, "thickness": 1},
        ))
    figure.update_layout(title=_label(title), yaxis={"title": "Kendall tau-b with the other benchmarks"},
                         xaxis={"title": "end of the date window"},
                         height=420, legend={"orientation": "h", "y": -0.2})
    return figure


def tracking_chart(points: pd.DataFrame, frontier: pd.DataFrame, bands: pd.DataFrame,
                   histories: pd.DataFrame, change_dates: list, title: str, y_label: str) -> go.Figure:
    """Draw scores over time: every model as a faint dot, the best-to-date frontier, bands and histories.

    - `points`: columns `time`, `score`, `model_id`.
    - `frontier`: columns `time`, `best`, `model_id` (the model that set the record).
    - `bands`: columns `time`, `median`, `p90`.
    - `histories`: columns `time`, `score`, `model_id`, and optional `low` / `high` interval bounds.
    - `change_dates`: times drawn as dashed vertical lines.
    """
    figure = go.Figure()
    if not points.empty:
        figure.add_trace(go.Scattergl(
            x=points["time"], y=points["score"], mode="markers", name="models",
            text=[_label(m) for m in points["model_id"]], hovertemplate="%{text}<br>%{x|%Y-%m-%d}: %{y:.3g}<extra></extra>",
            marker={"color": "#999999", "size": 4, "opacity": 0.35},
        ))
    if not bands.empty:
        figure.add_trace(go.Scatter(x=bands["time"], y=bands["median"], name="median", mode="lines",
                                    line={"color": OKABE_ITO[2], "dash": "dot"}))
        figure.add_trace(go.Scatter(x=bands["time"], y=bands["p90"], name="top decile (90th percentile)", mode="lines",
                                    line={"color": OKABE_ITO[4], "dash": "dash"}))
    if not frontier.empty:
        figure.add_trace(go.Scatter(
            x=frontier["time"], y=frontier["best"], name="best to date", mode="lines", line={"color": OKABE_ITO[0], "shape": "hv", "width": 3},
            text=[_label(m) for m in frontier["model_id"]], hovertemplate="%{text}<br>%{x|%Y-%m-%d}: %{y:.3g}<extra></extra>",
        ))
    grouped = histories.groupby("model_id", sort=False) if not histories.empty else []
    for position, (model, group) in enumerate(grouped):
        colour = HISTORY_COLOURS[position % len(HISTORY_COLOURS)]
        error = None
        if {"low", "high"} <= set(group.columns) and group["low"].notna().any():
            error = {"type": "data", "symmetric": False, "array": group["high"] - group["score"],
                     "arrayminus": group["score"] - group["low"], "color": colour, "thickness": 1}
        figure.add_trace(go.Scatter(x=group["time"], y=group["score"], name=_label(model), mode="lines+markers",
                                    line={"color": colour}, error_y=error))
    for moment in change_dates:
        figure.add_vline(x=moment, line={"dash": "dash", "color": OKABE_ITO[5], "width": 1})
    figure.update_layout(title=_label(title), yaxis={"title": _label(y_label)}, height=480,
                         legend={"orientation": "h", "y": -0.2})
    return figure
