"""Plotly charts for the Compare tab.

Colours follow the Okabe-Ito palette, which stays distinguishable under the
common forms of colour blindness; each trace also gets its own marker symbol
or bar pattern, so no reading depends on colour alone.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon"]
_PATTERNS = ["", "/", ".", "x", "-", "|", "+", "\\"]


def _label(text: str) -> str:
    # Plotly renders a subset of HTML in labels; model names must stay literal text.
    return html.escape(str(text), quote=False)


def radar_chart(normalized: pd.DataFrame, title: str = "") -> go.Figure:
    """Draw one closed polygon per model over the benchmarks.

    `normalized` has one row per model (index: label shown) and one column per
    benchmark, with values in [0, 1]; missing values leave a gap.
    """
    figure = go.Figure()
    axes = [_label(c) for c in normalized.columns]
    for position, (model, row) in enumerate(normalized.iterrows()):
        values = row.tolist()
        figure.add_trace(go.Scatterpolar(
            r=values + values[:1],
            theta=axes + axes[:1],
            name=_label(model),
            mode="lines+markers",
            connectgaps=False,
            line={"color": OKABE_ITO[position % len(OKABE_ITO)]},
            marker={"symbol": _SYMBOLS[position % len(_SYMBOLS)], "size": 8},
            hovertemplate="%{theta}: %{r:.2f}<extra>%{fullData.name}</extra>",
        ))
    figure.update_layout(
        title=_label(title),
        polar={"radialaxis": {"range": [0, 1], "tickvals": [0, 0.25, 0.5, 0.75, 1]}},
        legend={"orientation": "h", "y": -0.15},
        margin={"l": 40, "r": 40, "t": 60, "b": 40},
        height=480,
    )
    return figure


def grouped_bars(normalized: pd.DataFrame, title: str = "") -> go.Figure:
    """Draw grouped bars: benchmarks on the x axis, one bar per model, values in [0, 1]."""
    figure = go.Figure()
    axes = [_label(c) for c in normalized.columns]
    for position, (model, row) in enumerate(normalized.iterrows()):
        figure.add_trace(go.Bar(
            x=axes,
            y=row.tolist(),
            name=_label(model),
            marker={"color": OKABE_ITO[position % len(OKABE_ITO)], "pattern": {"shape": _PATTERNS[position % len(_PATTERNS)]}},
            hovertemplate="%{x}: %{y:.2f}<extra>%{fullData.name}</extra>",
        ))
    figure.update_layout(
        # No title: the legend sits above the plot, and the tab already names the board.
        barmode="group",
        yaxis={"range": [0, 1], "title": "score between chance (0) and ceiling (1)"},
        xaxis={"tickangle": -40, "automargin": True},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        margin={"l": 60, "r": 20, "t": 90, "b": 40},
        height=460,
    )
    return figure
