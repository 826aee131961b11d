import math

import numpy as np
import pandas as pd
import pytest

from leaderboard.embedded import load_embedded
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from leaderboard.uncertainty import (
    RANK_COLUMNS,
    aggregate_rank_intervals,
    benchmark_rank_intervals,
    benchmark_standard_errors,
    competition_ranks,
    rank_intervals,
)
from tests.test_schema import minimal_schema

SCORES = pd.Series({"m1": 70.0, "m2": 80.0, "m3": 80.0, "m4": 60.0})


def toy_board(rows, items=None, extra_columns=()):
    raw = minimal_schema()
    if items:
        raw["benchmarks"][0]["items"] = items
    schema = parse_board_schema(raw)
    columns = ["model_key", "snapshot", "benchmark", "score", *extra_columns]
    results = pd.DataFrame(rows, columns=columns)
    models = pd.DataFrame({"model_key": sorted(results["model_key"].unique())})
    return build_board(schema, results, models, file="toy.csv")


def test_competition_ranks_ties():
    assert competition_ranks(np.array([70.0, 80.0, 80.0, 60.0])).tolist() == [3, 1, 1, 4]
    assert competition_ranks(np.array([70.0, 80.0, 80.0, 60.0]), higher_is_better=False).tolist() == [2, 3, 3, 1]


def test_zero_se_gives_point_ranks():
    result = rank_intervals(SCORES, pd.Series(0.0, index=SCORES.index), draws=50, seed=0)
    table = result.table
    assert list(table.columns) == RANK_COLUMNS
    assert table["rank"].tolist() == [3, 1, 1, 4]
    assert table["rank_low"].tolist() == [3, 1, 1, 4]
    assert table["rank_high"].tolist() == [3, 1, 1, 4]
    assert result.reason is None


def test_large_se_widens_interval():
    se = pd.Series({"m1": 20.0, "m2": 20.0, "m3": 20.0, "m4": 20.0})
    table = rank_intervals(SCORES, se, draws=50, seed=0).table
    assert table.at["m4", "rank_low"] < 4
    assert table.at["m2", "rank_high"] > 1
    assert (table["rank_low"] <= table["rank"]).all()


def test_fixed_seed_repeats():
    se = pd.Series(5.0, index=SCORES.index)
    first = rank_intervals(SCORES, se, draws=50, seed=3).table
    again = rank_intervals(SCORES, se, draws=50, seed=3).table
    pd.testing.assert_frame_equal(first, again)


def test_missing_se_holds_score_fixed():
    se = pd.Series({"m1": 0.0, "m2": 0.0, "m3": 0.0})
    table = rank_intervals(SCORES, se, draws=20).table
    assert table.at["m4", "note"] == "no standard error; score held fixed"
    assert table.at["m4", "rank_high"] == 4


def test_no_se_gives_reason():
    result = rank_intervals(SCORES, None, reason="no error information")
    assert result.reason == "no error information"
    assert result.table["rank_low"].isna().all()
    assert result.table["rank"].tolist() == [3, 1, 1, 4]


def test_single_model_rank_one():
    table = rank_intervals(pd.Series({"only": 50.0}), pd.Series({"only": 1.0}), draws=20).table
    assert table.at["only", "rank_low"] == 1
    assert table.at["only", "rank_high"] == 1


def test_binomial_se_on_displayed_range():
    # Score 75 on a 0-100 range with 300 items: p = 0.75,
    # se = sqrt(0.75 * 0.25 / 300) * 100 = 2.5.
    board = toy_board([["m1", "2024-01-01", "a", 75.0], ["m2", "2024-01-01", "a", 60.0]], items=300)
    errors = benchmark_standard_errors(board, "a")
    assert errors.se["m1"] == pytest.approx(2.5)
    assert errors.scale == "displayed"
    assert errors.reason is None


def test_interval_se_mean_half_width():
    # Interval (96, 104): se = 8 / (2 * 1.96); asymmetric (95, 103) gives the same width.
    rows = [["m1", "2024-01-01", "b", 100.0, 96.0, 104.0], ["m2", "2024-01-01", "b", 99.0, 95.0, 103.0]]
    board = toy_board(rows, extra_columns=("ci_low", "ci_high"))
    errors = benchmark_standard_errors(board, "b")
    assert errors.se["m1"] == pytest.approx(8 / (2 * 1.959963984540054))
    assert errors.se["m2"] == pytest.approx(errors.se["m1"])
    assert errors.method.startswith("data interval")


def test_no_error_board_gives_reason():
    board = toy_board([["m1", "2024-01-01", "b", 75.0], ["m2", "2024-01-01", "b", 60.0]])
    result = benchmark_rank_intervals(board, "b", draws=20)
    assert result.reason == "B has no standard errors, intervals or item count, so its rank uncertainty is unknown"
    assert result.table["rank_high"].isna().all()


def test_aggregate_needs_every_benchmark():
    rows = [["m1", "2024-01-01", "a", 75.0], ["m1", "2024-01-01", "b", 70.0], ["m2", "2024-01-01", "a", 60.0], ["m2", "2024-01-01", "b", 65.0]]
    board = toy_board(rows, items=300)
    result = aggregate_rank_intervals(board, draws=20)
    assert "B has no standard errors" in result.reason
    assert result.table["rank"].tolist() == [1, 2]


def test_aggregate_se_of_mean():
    rows = [["m1", "2024-01-01", "a", 75.0, 74.0, 76.0], ["m1", "2024-01-01", "b", 70.0, 69.0, 71.0],
            ["m2", "2024-01-01", "a", 60.0, 59.0, 61.0], ["m2", "2024-01-01", "b", 65.0, 64.0, 66.0]]
    board = toy_board(rows, extra_columns=("ci_low", "ci_high"))
    result = aggregate_rank_intervals(board, draws=20)
    expected = math.sqrt(2 * (2 / (2 * 1.959963984540054)) ** 2) / 2
    assert result.table.at["m1", "se"] == pytest.approx(expected)
    assert result.table.at["m1", "score"] == pytest.approx(72.5)
    assert result.table["rank_high"].tolist() == [1, 2]


@pytest.fixture(scope="module")
def dataset():
    return load_embedded()


def test_lmarena_uses_interval(dataset):
    result = benchmark_rank_intervals(dataset.boards["lmarena_text"], "arena_score", draws=50)
    assert result.reason is None
    assert result.table["rank_low"].notna().all()
    assert (result.table["rank_low"] <= result.table["rank_high"]).all()


def test_open_llm_v2_raw_binomial(dataset):
    errors = benchmark_standard_errors(dataset.boards["open_llm_v2"], "mmlu_pro")
    assert errors.scale == "raw"
    assert errors.scores.between(0, 1).all()
