"""Compare statistics on a hand-computed board."""

import numpy as np
import pandas as pd
import pytest

from leaderboard.compare import MAD_TO_SD, normalization_bounds, normalized, percentiles, rank_table, strengths_weaknesses
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from leaderboard.table import leaderboard_frame

SNAPSHOT = "2024-05-01"


def make_schema(metadata=("params_b",)):
    return parse_board_schema({
        "id": "compare",
        "title": "Compare board",
        "description": "A board for compare tests.",
        "citation": "none",
        "source": "tests",
        "license": "CC0",
        "model_key": "hub_id",
        "aggregate": {"rule": "none"},
        "benchmarks": [
            {"id": "p", "name": "P", "higher_is_better": True, "unit": "%", "range": [0, 100], "chance": 25, "ceiling": 100},
            {"id": "q", "name": "Q", "higher_is_better": True, "unit": "%", "range": [0, 100]},
            {"id": "r", "name": "R", "higher_is_better": True, "unit": "%", "range": [0, 100]},
            {"id": "s", "name": "S", "higher_is_better": False, "unit": "minutes", "range": [0, 1000]},
            {"id": "x", "name": "X", "higher_is_better": True, "unit": "%", "range": [0, 100], "composite": True},
        ],
        "metadata": list(metadata),
    })


# model_key: (params_b, p, q, r, s, x)
SCORES = {
    "target": (7.0, 80.0, 40.0, 50.0, 10.0, 99.0),
    "peer1": (4.0, 50.0, 50.0, 50.0, 20.0, 1.0),
    "peer2": (6.0, 55.0, 52.0, 50.0, 30.0, 1.0),
    "peer3": (8.0, 60.0, 54.0, 50.0, 40.0, 1.0),
    "peer4": (10.0, 65.0, 56.0, 50.0, 50.0, 1.0),
    "peer5": (14.0, 70.0, 58.0, 50.0, 60.0, 1.0),
    "giant": (70.0, 0.0, 100.0, 90.0, 500.0, 1.0),
    "unknown": (None, 25.0, 90.0, 10.0, 5.0, None),
}


def make_board(metadata=("params_b",)):
    schema = make_schema(metadata)
    rows = [
        {"model_key": key, "snapshot": SNAPSHOT, "benchmark": bench, "score": value}
        for key, values in SCORES.items()
        for bench, value in zip("pqrsx", values[1:])
        if value is not None
    ]
    models = pd.DataFrame({"model_key": list(SCORES), "model_id": list(SCORES), "hub_id": list(SCORES)})
    if "params_b" in metadata:
        models["params_b"] = [values[0] for values in SCORES.values()]
    return build_board(schema, pd.DataFrame(rows), models, "compare.parquet")


def make_frame(metadata=("params_b",)):
    board = make_board(metadata)
    return leaderboard_frame(board, None, raw=False, partial=False), board.schema


def test_normalized_uses_chance_and_ceiling():
    table = normalized(make_board(), None, ["target", "unknown"])
    # (80 - 25) / (100 - 25) and (25 - 25) / 75
    assert table.loc["target", "p"] == pytest.approx(55 / 75)
    assert table.loc["unknown", "p"] == 0.0

    bounds = normalization_bounds(make_board(), None)
    assert bounds.loc["p"].tolist() == [25.0, 100.0, "chance", "ceiling"]


def test_normalized_falls_back_to_observed_range():
    table = normalized(make_board(), None, ["target"])
    # observed over the whole snapshot: 40 (target) to 100 (giant)
    assert table.loc["target", "q"] == 0.0

    bounds = normalization_bounds(make_board(), None)
    assert bounds.loc["q"].tolist() == [40.0, 100.0, "observed minimum", "observed maximum"]


def test_normalized_flips_lower_is_better():
    table = normalized(make_board(), None, ["target", "giant", "unknown"])
    # worst is the observed maximum 500, best the observed minimum 5
    assert table.loc["giant", "s"] == 0.0
    assert table.loc["unknown", "s"] == 1.0
    assert table.loc["target", "s"] == pytest.approx((10 - 500) / (5 - 500))

    bounds = normalization_bounds(make_board(), None)
    assert bounds.loc["s"].tolist() == [500.0, 5.0, "observed maximum", "observed minimum"]


def test_normalized_order_and_missing():
    table = normalized(make_board(), None, ["unknown", "target", "no-such-model", "target"])
    assert table.index.tolist() == ["unknown", "target", "no-such-model"]
    assert table.index.name == "model_key"
    assert table.columns.tolist() == ["p", "q", "r", "s", "x"]
    assert table.loc["no-such-model"].isna().all()
    assert np.isnan(table.loc["unknown", "x"])
    assert all(str(dtype) == "float64" for dtype in table.dtypes)


def test_normalized_constant_benchmark_is_missing():
    schema = make_schema()
    rows = pd.DataFrame([
        {"model_key": "a", "snapshot": SNAPSHOT, "benchmark": "q", "score": 50.0},
        {"model_key": "b", "snapshot": SNAPSHOT, "benchmark": "q", "score": 50.0},
    ])
    board = build_board(schema, rows, pd.DataFrame({"model_key": ["a", "b"]}), "flat.parquet")
    assert normalized(board, None, ["a", "b"])["q"].isna().all()


def test_percentiles_midrank():
    shares = percentiles(pd.Series([90.0, 80.0, 80.0, 70.0, np.nan]), higher_is_better=True)
    assert shares.tolist()[:4] == [87.5, 50.0, 50.0, 12.5]
    assert np.isnan(shares.iloc[4])

    lower = percentiles(pd.Series([1.0, 2.0]), higher_is_better=False)
    assert lower.tolist() == [75.0, 25.0]


def test_rank_table_values():
    frame, schema = make_frame()
    table = rank_table(frame, ["target", "giant"], schema)
    q = table[table["benchmark"] == "q"].set_index("model_key")
    assert q.loc["giant", "rank"] == 1
    assert q.loc["target", "rank"] == 8
    assert q.loc["target", "n"] == 8
    assert q.loc["target", "percentile"] == pytest.approx(0.5 / 8 * 100)
    assert q.loc["giant", "percentile"] == pytest.approx(7.5 / 8 * 100)

    r = table[table["benchmark"] == "r"].set_index("model_key")
    # r: six models tie at 50, one scores 10 below them and one 90 above.
    assert r.loc["target", "rank"] == 2
    assert r.loc["target", "percentile"] == pytest.approx((1 + 0.5 * 6) / 8 * 100)

    s = table[table["benchmark"] == "s"].set_index("model_key")
    assert s.loc["target", "rank"] == 2
    assert s.loc["giant", "rank"] == 8


def test_rank_table_missing_model():
    frame, schema = make_frame()
    table = rank_table(frame, ["unknown", "ghost"], schema)
    x = table[table["benchmark"] == "x"].set_index("model_key")
    assert pd.isna(x.loc["unknown", "rank"])
    assert np.isnan(x.loc["unknown", "percentile"])
    assert x.loc["unknown", "n"] == 7
    assert table[table["model_key"] == "ghost"]["score"].isna().all()
    assert str(table["rank"].dtype) == "Int64"


def test_strengths_weaknesses_similar_size_peers():
    frame, schema = make_frame()
    result = strengths_weaknesses(frame, "target", schema)
    assert result.peer_rule == "models with 3.5B to 14B parameters"
    assert result.n_peers == 5

    strengths = result.strengths.set_index("benchmark")
    assert list(strengths.index) == ["p", "s"]
    # p: peers 50..70, median 60, MAD 5
    assert strengths.loc["p", "peer_median"] == 60.0
    assert strengths.loc["p", "difference_sd"] == pytest.approx(20 / (MAD_TO_SD * 5))
    assert strengths.loc["p", "peer_percentile"] == 100.0
    assert strengths.loc["p", "n_peers"] == 5
    # s is lower-is-better: 10 minutes against a median of 40 is a strength
    assert strengths.loc["s", "difference_sd"] == pytest.approx(30 / (MAD_TO_SD * 10))
    assert strengths.loc["s", "score"] == 10.0

    weaknesses = result.weaknesses.set_index("benchmark")
    assert list(weaknesses.index) == ["q"]
    assert weaknesses.loc["q", "peer_median"] == 54.0
    assert weaknesses.loc["q", "difference_sd"] == pytest.approx(-14 / (MAD_TO_SD * 2))
    assert weaknesses.loc["q", "peer_percentile"] == 0.0


def test_strengths_skip_zero_spread_and_composite():
    frame, schema = make_frame()
    result = strengths_weaknesses(frame, "target", schema)
    listed = set(result.strengths["benchmark"]) | set(result.weaknesses["benchmark"])
    assert "r" not in listed
    assert "x" not in listed


def test_strengths_fall_back_to_all_models():
    frame, schema = make_frame()
    result = strengths_weaknesses(frame, "target", schema, min_peers=6)
    assert result.n_peers == 7
    assert result.peer_rule == "all other models, because only 5 models have 3.5B to 14B parameters (fewer than 6)"


def test_strengths_unknown_size_uses_all_models():
    frame, schema = make_frame()
    result = strengths_weaknesses(frame, "unknown", schema)
    assert result.n_peers == 7
    assert result.peer_rule == "all other models (this model's size is unknown)"


def test_strengths_without_params_column():
    frame, schema = make_frame(metadata=())
    result = strengths_weaknesses(frame, "target", schema)
    assert result.n_peers == 7
    assert result.peer_rule == "all other models (the board has no parameter counts)"


def test_strengths_mad_zero_uses_standard_deviation():
    frame, schema = make_frame()
    frame = frame.copy()
    # Peers 50, 50, 50, 50, 70 on r: MAD is 0, sample SD is sqrt(80) = 8.944.
    frame.loc[frame["model_key"] == "peer5", "r"] = 70.0
    frame.loc[frame["model_key"] == "target", "r"] = 40.0
    result = strengths_weaknesses(frame, "target", schema)
    weaknesses = result.weaknesses.set_index("benchmark")
    assert weaknesses.loc["r", "difference_sd"] == pytest.approx(-10 / np.sqrt(80))


def test_strengths_unknown_model_raises():
    frame, schema = make_frame()
    with pytest.raises(KeyError, match="ghost"):
        strengths_weaknesses(frame, "ghost", schema)


def test_strengths_skip_small_deviations():
    frame, schema = make_frame()
    # p is +2.7 SD over its peers, s +2.0 SD: a threshold of 2.5 SD keeps only p.
    result = strengths_weaknesses(frame, "target", schema, min_sd=2.5)
    assert list(result.strengths["benchmark"]) == ["p"]
    assert list(result.weaknesses["benchmark"]) == ["q"]
