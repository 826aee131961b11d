"""Adversarial tests of the Tracking and Correlations tabs on small hand-built boards.

Each test pins a case where the tabs broke. The cases are a cell of two
models read as a perfect correlation, and a cohort or snapshot the board does
not have. Two more are a window length past the date range pandas can
represent, and a constant benchmark labelled as too small an overlap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leaderboard.charts_analysis import correlation_heatmap
from leaderboard.correlation import correlation_matrix
from leaderboard.refresh import DataHolder
from leaderboard.schema import parse_board_schema
from leaderboard.service import LeaderboardService
from leaderboard.state import CorrelationView, TrackingView
from leaderboard.store import BoardData, Dataset, build_board
from leaderboard.ui.correlations_tab import agreement_outputs, correlation_outputs
from leaderboard.ui.tracking_tab import tracking_outputs

BOARD_ID = "adversarial"
N_MODELS = 30


def small_board(wide: pd.DataFrame) -> BoardData:
    """Build a board of `wide` (model key rows, benchmark columns) with weekly submission dates."""
    benchmarks = [{
        "id": column, "name": column.upper(), "higher_is_better": True, "unit": "%", "scale": "accuracy",
        "range": [0, 100], "chance": 25, "ceiling": 100,
    } for column in wide.columns]
    schema = parse_board_schema({
        "id": BOARD_ID, "title": "Adversarial board", "description": "Hand-built scores.", "citation": "none",
        "source": "tests", "license": "CC0", "model_key": "the model id", "aggregate": {"rule": "mean"},
        "metadata": ["params_b", "submission_date"], "time_axes": ["submission_date"], "benchmarks": benchmarks,
    }, source="tests")
    keys = list(wide.index)
    models = pd.DataFrame({
        "model_key": keys, "model_id": keys, "hub_id": keys, "params_b": 7.0,
        "submission_date": pd.date_range("2024-01-01", periods=len(keys), freq="7D", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    results = wide.rename_axis("model_key").reset_index().melt(id_vars="model_key", var_name="benchmark", value_name="score")
    results["snapshot"] = "2025-01-01"
    return build_board(schema, results, models, file="tests")


def random_wide(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    general = rng.normal(0.0, 1.0, N_MODELS)
    keys = [f"org{i % 3}/model-{i}" for i in range(N_MODELS)]
    return pd.DataFrame({f"b{k}": 60 + 8 * general + rng.normal(0.0, 2.0, N_MODELS) for k in range(4)}, index=keys)


def service_for(board: BoardData) -> LeaderboardService:
    dataset = Dataset(boards={BOARD_ID: board}, revision="rev-1", source="tests")
    return LeaderboardService(DataHolder(lambda: dataset, dataset, label="tests"))


def test_two_model_overlap_never_reads_one():
    # The tab accepts a minimum overlap of 2, and any two models correlate at exactly +1 or -1.
    wide = random_wide()
    wide.loc[wide.index[2:], "b1"] = np.nan
    try:
        result = correlation_matrix(wide, "kendall", min_overlap=2)
    except ValueError:
        return
    assert int(result.n.at["b0", "b1"]) == 2
    assert bool(result.insufficient.at["b0", "b1"])
    assert np.isnan(result.estimate.at["b0", "b1"])


def test_two_model_overlap_tab_shows_insufficient():
    wide = random_wide()
    wide.loc[wide.index[2:], "b1"] = np.nan
    service = service_for(small_board(wide))

    outputs = correlation_outputs(service, CorrelationView(board=BOARD_ID, min_overlap=2))
    heatmap, messages = outputs[0], outputs[-1]

    # The floor of 3 either labels the pair insufficient or leaves the 2-model benchmark out, with a message.
    cells = [text for row in heatmap.data[0].text for text in row]
    two_model_cells = [text for text in cells if "n=2" in text]
    assert all(text.startswith("insufficient") for text in two_model_cells)
    assert "raised to 3" in messages


def test_correlations_unknown_cohort_explains():
    service = service_for(small_board(random_wide()))

    outputs = correlation_outputs(service, CorrelationView(board=BOARD_ID, cohort="no-such-cohort"))

    assert "no\\-such\\-cohort" in outputs[-1]


def test_tracking_unknown_cohort_explains():
    service = service_for(small_board(random_wide()))

    outputs = tracking_outputs(service, TrackingView(board=BOARD_ID, cohort="no-such-cohort"))

    assert "no\\-such\\-cohort" in outputs[1]


def test_correlations_unknown_snapshot_named():
    # The leaderboard falls back to the latest snapshot with a notice. Here the matrix
    # claimed the board had 0 benchmarks with scores, which is false.
    service = service_for(small_board(random_wide()))

    messages = correlation_outputs(service, CorrelationView(board=BOARD_ID, snapshot="2099-01-01"))[-1]

    assert "0 benchmark" not in messages
    assert "2099" in messages


@pytest.mark.parametrize("window_days", [10**6, 10**9])
def test_agreement_huge_window_no_crash(window_days):
    # The window field has a minimum but no maximum; past about 292 years pandas cannot hold the span.
    service = service_for(small_board(random_wide()))

    table, _, messages = agreement_outputs(service, CorrelationView(board=BOARD_ID, min_overlap=5), window_days, 5)

    assert not table.empty
    assert messages


def test_constant_cell_not_called_insufficient():
    wide = random_wide()
    wide["b3"] = 50.0
    result = correlation_matrix(wide, "kendall", min_overlap=10)
    names = {column: column.upper() for column in wide.columns}

    figure = correlation_heatmap(result.estimate, result.n, result.insufficient, names, "matrix", result.q_value)

    position = list(result.estimate.columns).index("b3")
    constant_cells = figure.data[0].text[position]
    assert all(f"n={N_MODELS}" in text for text in constant_cells)
    assert not any(text.startswith("insufficient") for text in constant_cells)
