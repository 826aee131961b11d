"""Wide tables, aggregate rules, ranks and best variant, on small hand-computed boards."""

import logging

import numpy as np
import pandas as pd
import pytest

from leaderboard.aggregate import aggregate_scores, wide_scores
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from leaderboard.table import best_variant, competition_rank, leaderboard_frame

SNAPSHOT = "2024-05-01"


def make_schema(benchmarks, rule="mean", metadata=()):
    return parse_board_schema({
        "id": "hand",
        "title": "Hand board",
        "description": "A board computed by hand.",
        "citation": "none",
        "source": "tests",
        "license": "CC0",
        "model_key": "hub_id",
        "aggregate": {"rule": rule},
        "benchmarks": benchmarks,
        "metadata": list(metadata),
    })


def percent(bench_id, **extra):
    spec = {"id": bench_id, "name": bench_id.upper(), "higher_is_better": True, "unit": "%", "range": [0, 100]}
    spec.update(extra)
    return spec


def make_board(schema, scores, models=None, snapshot=SNAPSHOT):
    """Build a board from {model_key: {benchmark: score}}; None scores are left out."""
    rows = [
        {"model_key": key, "snapshot": snapshot, "benchmark": bench, "score": value}
        for key, values in scores.items()
        for bench, value in values.items()
        if value is not None
    ]
    if models is None:
        models = pd.DataFrame({"model_key": list(scores), "model_id": [f"org/{k}" for k in scores], "hub_id": [f"org/{k}" for k in scores]})
    return build_board(schema, pd.DataFrame(rows), models, "hand.parquet")


def four_benchmark_board():
    schema = make_schema([percent("a"), percent("b"), percent("c"), percent("d")])
    return make_board(schema, {
        "m1": {"a": 80, "b": 70, "c": 60, "d": 50},
        "m2": {"a": 90, "b": 90, "c": None, "d": None},
        "m3": {"a": 10, "b": 20, "c": 30, "d": 40},
    })


def by_key(frame, column):
    return dict(zip(frame["model_key"], frame[column]))


def test_wide_scores_shape_and_order():
    board = four_benchmark_board()
    wide = wide_scores(board, None, raw=False)
    assert list(wide.index) == ["m1", "m2", "m3"]
    assert list(wide.columns) == ["a", "b", "c", "d"]
    assert all(dtype == "float64" for dtype in wide.dtypes)
    assert np.isnan(wide.loc["m2", "c"])
    assert wide.loc["m1", "d"] == 50.0


def test_wide_scores_drops_benchmarks_without_data():
    schema = make_schema([percent("a"), percent("b"), percent("c")])
    board = make_board(schema, {"m1": {"a": 1, "c": 3}})
    assert list(wide_scores(board, None, raw=False).columns) == ["a", "c"]


def test_wide_scores_raw_uses_score_raw():
    schema = make_schema([percent("a", raw={"unit": "%", "range": [0, 100]}), percent("b")])
    rows = pd.DataFrame([
        {"model_key": "m1", "snapshot": SNAPSHOT, "benchmark": "a", "score": 20.0, "score_raw": 45.0},
        {"model_key": "m1", "snapshot": SNAPSHOT, "benchmark": "b", "score": 30.0, "score_raw": 99.0},
        {"model_key": "m2", "snapshot": SNAPSHOT, "benchmark": "a", "score": 10.0},
    ])
    board = build_board(schema, rows, pd.DataFrame({"model_key": ["m1", "m2"]}), "raw.parquet")

    raw = wide_scores(board, None, raw=True)
    assert raw.loc["m1", "a"] == 45.0
    assert raw.loc["m1", "b"] == 30.0
    assert "m2" not in raw.index

    shown = wide_scores(board, None, raw=False)
    assert shown.loc["m1", "a"] == 20.0
    assert shown.loc["m2", "a"] == 10.0


def test_wide_scores_snapshot_choice():
    schema = make_schema([percent("a")])
    rows = pd.DataFrame([
        {"model_key": "m1", "snapshot": "2024-01-01", "benchmark": "a", "score": 10.0},
        {"model_key": "m1", "snapshot": "2024-02-01", "benchmark": "a", "score": 20.0},
        {"model_key": "m2", "snapshot": "2024-01-01", "benchmark": "a", "score": 5.0},
    ])
    board = build_board(schema, rows, pd.DataFrame({"model_key": ["m1", "m2"]}), "snap.parquet")
    assert wide_scores(board, None, raw=False)["a"].to_dict() == {"m1": 20.0}
    assert wide_scores(board, "2024-01-01", raw=False)["a"].to_dict() == {"m1": 10.0, "m2": 5.0}


def test_mean_over_complete_rows():
    board = four_benchmark_board()
    result = aggregate_scores(wide_scores(board, None, False), board.schema, partial=False)
    assert result.loc["m1", "aggregate"] == 65.0
    assert result.loc["m3", "aggregate"] == 25.0
    assert np.isnan(result.loc["m2", "aggregate"])
    assert result["coverage"].to_dict() == {"m1": 4, "m2": 2, "m3": 4}
    assert result["coverage_total"].tolist() == [4, 4, 4]
    assert str(result["aggregate"].dtype) == "float64"
    assert str(result["coverage"].dtype) == "int64"


def test_mean_partial_gives_coverage():
    board = four_benchmark_board()
    result = aggregate_scores(wide_scores(board, None, False), board.schema, partial=True)
    assert result.loc["m2", "aggregate"] == 90.0
    assert result.loc["m2", "coverage"] == 2
    assert result.loc["m2", "coverage_total"] == 4
    assert result.loc["m1", "aggregate"] == 65.0


def test_weighted_mean_by_weight():
    schema = make_schema([percent("a", weight=1), percent("b", weight=3)], rule="weighted_mean")
    board = make_board(schema, {"m1": {"a": 40, "b": 80}, "m2": {"a": 100, "b": None}})
    full = aggregate_scores(wide_scores(board, None, False), schema, partial=False)
    # (1 x 40 + 3 x 80) / 4 = 70
    assert full.loc["m1", "aggregate"] == 70.0
    assert np.isnan(full.loc["m2", "aggregate"])

    partial = aggregate_scores(wide_scores(board, None, False), schema, partial=True)
    assert partial.loc["m2", "aggregate"] == 100.0


def test_category_mean_is_mean_of_category_means():
    schema = make_schema(
        [percent("a", category="x"), percent("b", category="x"), percent("c", category="y")],
        rule="category_mean",
    )
    board = make_board(schema, {
        "full": {"a": 10, "b": 30, "c": 80},
        "gap_b": {"a": 10, "b": None, "c": 80},
        "only_x": {"a": 10, "b": 30, "c": None},
    })
    wide = wide_scores(board, None, False)

    full = aggregate_scores(wide, schema, partial=False)
    # x = (10 + 30) / 2 = 20, y = 80, aggregate = (20 + 80) / 2 = 50 (plain mean would be 40)
    assert full.loc["full", "aggregate"] == 50.0
    assert np.isnan(full.loc["gap_b", "aggregate"])
    assert np.isnan(full.loc["only_x", "aggregate"])

    partial = aggregate_scores(wide, schema, partial=True)
    # x over its present benchmark = 10, y = 80
    assert partial.loc["gap_b", "aggregate"] == 45.0
    # only category x is present: its mean, 20
    assert partial.loc["only_x", "aggregate"] == 20.0
    assert partial.loc["only_x", "coverage"] == 2


def test_rule_none_leaves_aggregate_missing():
    schema = make_schema([percent("a"), percent("b")], rule="none")
    board = make_board(schema, {"m1": {"a": 1, "b": 2}})
    result = aggregate_scores(wide_scores(board, None, False), schema, partial=True)
    assert np.isnan(result.loc["m1", "aggregate"])
    assert result.loc["m1", "coverage"] == 2


def test_composite_excluded_from_aggregate():
    schema = make_schema([percent("a"), percent("b"), percent("index", composite=True)])
    board = make_board(schema, {"m1": {"a": 20, "b": 40, "index": 99}, "m2": {"a": 20, "b": 40, "index": None}})
    result = aggregate_scores(wide_scores(board, None, False), schema, partial=False)
    assert result.loc["m1", "aggregate"] == 30.0
    assert result.loc["m2", "aggregate"] == 30.0
    assert result.loc["m2", "coverage_total"] == 2


def test_mixed_directions_leave_aggregate_missing(caplog):
    schema = make_schema([percent("a"), percent("err", higher_is_better=False)])
    board = make_board(schema, {"m1": {"a": 80, "err": 10}})
    with caplog.at_level(logging.WARNING, logger="leaderboard.aggregate"):
        result = aggregate_scores(wide_scores(board, None, False), schema, partial=False)
    assert np.isnan(result.loc["m1", "aggregate"])
    assert "higher-is-better and lower-is-better" in caplog.text


def test_lower_is_better_aggregate_ranks_lowest_first():
    schema = make_schema([percent("e1", higher_is_better=False), percent("e2", higher_is_better=False)])
    board = make_board(schema, {"m1": {"e1": 10, "e2": 20}, "m2": {"e1": 30, "e2": 40}})
    frame = leaderboard_frame(board, None, raw=False, partial=False)
    assert by_key(frame, "aggregate") == {"m1": 15.0, "m2": 35.0}
    assert by_key(frame, "rank_aggregate") == {"m1": 1, "m2": 2}
    assert by_key(frame, "rank_e1") == {"m1": 1, "m2": 2}


def test_competition_rank_min_method():
    ranks = competition_rank(pd.Series([90.0, 80.0, np.nan, 80.0, 70.0]), higher_is_better=True)
    assert str(ranks.dtype) == "Int64"
    assert ranks.tolist()[:2] == [1, 2]
    assert ranks.tolist()[3:] == [2, 4]
    assert ranks.isna().tolist() == [False, False, True, False, False]


def test_leaderboard_frame_columns():
    schema = make_schema([percent("a"), percent("b")], metadata=("params_b", "model_type"))
    models = pd.DataFrame({"model_key": ["m1"], "model_id": ["org/m1"], "hub_id": ["org/m1"], "params_b": [7], "model_type": ["pt"]})
    board = make_board(schema, {"m1": {"a": 1, "b": 2}}, models)
    frame = leaderboard_frame(board, None, raw=False, partial=False)
    assert list(frame.columns) == [
        "model_key", "model_id", "hub_id", "params_b", "model_type", "a", "b",
        "aggregate", "coverage", "coverage_total", "rank_a", "rank_b", "rank_aggregate",
    ]
    assert str(frame["a"].dtype) == "float64"
    assert str(frame["rank_aggregate"].dtype) == "Int64"


def test_leaderboard_frame_ranks_and_missing():
    frame = leaderboard_frame(four_benchmark_board(), None, raw=False, partial=False)
    assert frame["model_key"].tolist() == ["m1", "m2", "m3"]
    assert by_key(frame, "rank_a") == {"m1": 2, "m2": 1, "m3": 3}
    assert frame.loc[frame["model_key"] == "m2", "rank_c"].isna().all()
    assert frame.loc[frame["model_key"] == "m2", "rank_aggregate"].isna().all()
    assert frame.loc[frame["model_key"] == "m1", "rank_aggregate"].tolist() == [1]


def test_leaderboard_frame_partial_ranks_partial_rows():
    frame = leaderboard_frame(four_benchmark_board(), None, raw=False, partial=True)
    assert by_key(frame, "aggregate") == {"m1": 65.0, "m2": 90.0, "m3": 25.0}
    assert by_key(frame, "rank_aggregate") == {"m1": 2, "m2": 1, "m3": 3}
    assert by_key(frame, "coverage") == {"m1": 4, "m2": 2, "m3": 4}


def test_leaderboard_frame_is_deterministic():
    board = four_benchmark_board()
    first = leaderboard_frame(board, None, raw=False, partial=False)
    second = leaderboard_frame(board, None, raw=False, partial=False)
    pd.testing.assert_frame_equal(first, second)


def test_leaderboard_frame_rejects_clashing_ids():
    schema = make_schema([percent("aggregate")])
    board = make_board(schema, {"m1": {"aggregate": 1}})
    with pytest.raises(ValueError, match="clash"):
        leaderboard_frame(board, None, raw=False, partial=False)


def variant_board():
    schema = make_schema([percent("a")], metadata=("precision",))
    models = pd.DataFrame({
        "model_key": ["org/x:bf16", "org/x:fp16", "org/x:int4", "org/y:bf16", "org/y:fp16", "solo-1", "solo-2"],
        "model_id": ["org/x", "org/x", "org/x", "org/y", "org/y", "solo", "solo"],
        "hub_id": ["org/x", "org/x", "org/x", "org/y", "org/y", None, None],
        "precision": ["bf16", "fp16", "int4", "bf16", "fp16", "bf16", "bf16"],
    })
    scores = {
        "org/x:bf16": {"a": 60},
        "org/x:fp16": {"a": 70},
        "org/x:int4": {"a": None},
        "org/y:bf16": {"a": 50},
        "org/y:fp16": {"a": 50},
        "solo-1": {"a": 10},
        "solo-2": {"a": 30},
    }
    rows = [
        {"model_key": k, "snapshot": SNAPSHOT, "benchmark": b, "score": v}
        for k, values in scores.items() for b, v in values.items() if v is not None
    ]
    # org/x:int4 has no results in the snapshot, so the frame leaves it out.
    return build_board(schema, pd.DataFrame(rows), models, "variants.parquet")


def test_best_variant_keeps_best_aggregate():
    frame = leaderboard_frame(variant_board(), None, raw=False, partial=False)
    kept = best_variant(frame)
    assert kept["model_key"].tolist() == ["org/x:fp16", "org/y:bf16", "solo-2"]


def test_best_variant_missing_aggregate_last():
    frame = leaderboard_frame(variant_board(), None, raw=False, partial=False)
    frame = frame.copy()
    frame.loc[frame["model_key"] == "org/x:fp16", ["aggregate", "rank_aggregate"]] = [np.nan, pd.NA]
    kept = best_variant(frame)
    assert "org/x:bf16" in kept["model_key"].tolist()
    assert "org/x:fp16" not in kept["model_key"].tolist()


def test_best_variant_without_hub_id():
    frame = leaderboard_frame(variant_board(), None, raw=False, partial=False)
    kept = best_variant(frame)
    assert kept.loc[kept["model_id"] == "solo", "model_key"].tolist() == ["solo-2"]


def test_best_variant_on_empty_frame():
    frame = leaderboard_frame(variant_board(), None, raw=False, partial=False)
    assert best_variant(frame.iloc[0:0]).empty
