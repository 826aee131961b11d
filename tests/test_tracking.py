import numpy as np
import pandas as pd
import pytest

from leaderboard.embedded import load_embedded
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from leaderboard.timeaxis import time_points
from leaderboard.tracking import bands, common_benchmarks, deviations, frontier, model_histories, saturation

UTC = "UTC"


def points(rows, benchmark="a"):
    frame = pd.DataFrame(rows, columns=["model_key", "time", "score"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame["benchmark"] = benchmark
    for column in ("score_raw", "stderr", "ci_low", "ci_high"):
        frame[column] = np.nan
    return frame


def board(benchmarks, results, snapshots_metadata=None):
    schema = parse_board_schema({
        "id": "tiny", "title": "Tiny", "description": "d", "citation": "c", "source": "s",
        "license": "l", "model_key": "k", "aggregate": {"rule": "mean"}, "time_axes": ["snapshot"],
        "benchmarks": benchmarks,
    })
    frame = pd.DataFrame(results)
    models = pd.DataFrame({"model_key": sorted(set(frame["model_key"])), "model_id": [k.upper() for k in sorted(set(frame["model_key"]))]})
    return build_board(schema, frame, models, file="test")


FRONTIER_ROWS = [
    ["A", "2024-01-01", 50.0], ["B", "2024-01-01", 40.0],
    ["C", "2024-02-01", 45.0],
    ["E", "2024-03-01", 60.0], ["D", "2024-03-01", 60.0],
    ["F", "2024-04-01", 60.0],
]


def test_frontier_higher_is_better():
    result = frontier(points(FRONTIER_ROWS), higher_is_better=True)
    assert result["best"].tolist() == [50.0, 50.0, 60.0, 60.0]
    assert result["holder"].tolist() == ["A", "A", "D", "D"]
    assert result["new_record"].tolist() == [True, False, True, False]
    assert result["holder_time"].iloc[3] == pd.Timestamp("2024-03-01", tz=UTC)


def test_frontier_lower_is_better():
    result = frontier(points(FRONTIER_ROWS), higher_is_better=False)
    assert result["best"].tolist() == [40.0, 40.0, 40.0, 40.0]
    assert result["holder"].tolist() == ["B", "B", "B", "B"]
    assert result["new_record"].tolist() == [True, False, False, False]


def test_frontier_empty_points():
    assert frontier(points([]), higher_is_better=True).empty


BAND_ROWS = [[f"m{i}", "2024-01-0%d" % (i + 1), float(i + 1)] for i in range(5)] + [["x", "2024-02-03", 10.0], ["y", "2024-02-20", 20.0]]


def test_bands_monthly_median_and_top_decile():
    result = bands(points(BAND_ROWS), higher_is_better=True, freq="MS")
    assert result["period"].tolist() == [pd.Timestamp("2024-01-01", tz=UTC), pd.Timestamp("2024-02-01", tz=UTC)]
    assert result["n"].tolist() == [5, 2]
    assert result["median"].tolist() == [3.0, 15.0]
    # Linear interpolation: 4 + 0.6 * (5 - 4) and 10 + 0.9 * (20 - 10).
    assert result["top_decile"].tolist() == pytest.approx([4.6, 19.0])


def test_bands_lower_is_better_uses_tenth_percentile():
    result = bands(points(BAND_ROWS), higher_is_better=False, freq="MS")
    assert result["top_decile"].tolist() == pytest.approx([1.4, 11.0])


def test_bands_trailing_window():
    result = bands(points(BAND_ROWS), freq="MS", window="60D")
    assert result["period"].tolist() == [pd.Timestamp(f"2024-0{m}-01", tz=UTC) for m in (1, 2, 3)]
    # (2023-11-02, 2024-01-01] contains m0; the window ending 2024-02-01 contains all of January;
    # the one ending 2024-03-01 starts after 2024-01-01, so it contains 2, 3, 4, 5, 10 and 20.
    assert result["n"].tolist() == [1, 5, 6]
    assert result["median"].tolist() == [1.0, 3.0, 4.5]


def test_bands_each_time_own_period():
    result = bands(points(BAND_ROWS), freq=None)
    assert result["n"].tolist() == [1, 1, 1, 1, 1, 1, 1]


SCALED = {"id": "acc", "higher_is_better": True, "range": [0, 100], "chance": 25, "ceiling": 100, "items": 100}
BARE = {"id": "elo", "higher_is_better": True}


def test_headroom_known_chance_and_ceiling():
    tiny = board([SCALED], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01", "2024-02-01"], "benchmark": "acc", "score": [55.0, 70.0]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "acc")
    assert result.headroom["best"].tolist() == [55.0, 70.0]
    # (100 - 55) / 75 and (100 - 70) / 75.
    assert result.headroom["headroom"].tolist() == pytest.approx([0.6, 0.4])
    assert result.headroom_unavailable is None


def test_spread_binomial_from_items():
    tiny = board([SCALED], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01"] * 2, "benchmark": "acc", "score": [50.0, 40.0]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "acc")
    # SE of 50% over 100 items: sqrt(0.5 * 0.5 / 100) * 100 = 5; of 40%: sqrt(0.24) * 10.
    row = result.spread.iloc[0]
    assert row["spread"] == 10.0
    assert row["se_first"] == pytest.approx(5.0)
    assert row["se_last"] == pytest.approx(np.sqrt(0.24) * 10)
    assert row["spread_z"] == pytest.approx(10 / np.hypot(5.0, np.sqrt(0.24) * 10))
    assert result.se_source == "binomial from 100 items"


def test_spread_from_data_stderr():
    tiny = board([BARE], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01"] * 2, "benchmark": "elo", "score": [80.0, 76.0], "stderr": [3.0, 4.0]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "elo")
    assert result.spread["spread_z"].tolist() == pytest.approx([0.8])
    assert result.se_source == "data's stderr"


def test_spread_from_data_interval():
    tiny = board([BARE], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01"] * 2, "benchmark": "elo", "score": [80.0, 70.0], "ci_low": [80 - 1.959964 * 3] * 1 + [70 - 1.959964 * 4], "ci_high": [80 + 1.959964 * 3, 70 + 1.959964 * 4]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "elo")
    assert result.spread["se_first"].tolist() == pytest.approx([3.0])
    assert result.spread["spread_z"].tolist() == pytest.approx([2.0])


def test_saturation_unavailable_reasons():
    tiny = board([BARE], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01"] * 2, "benchmark": "elo", "score": [80.0, 76.0]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "elo")
    assert result.headroom is None
    assert result.headroom_unavailable == "unavailable: the schema of elo declares no chance level and ceiling"
    assert result.spread is None
    assert "no item count" in result.spread_unavailable


def test_saturation_normalized_scale_without_raw_chance():
    bench = {"id": "norm", "higher_is_better": True, "range": [0, 100], "chance": 0, "ceiling": 100, "items": 100, "raw": {"range": [0, 1]}}
    tiny = board([bench], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01"] * 2, "benchmark": "norm", "score": [50.0, 40.0], "score_raw": [0.6, 0.5]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "norm")
    assert "without a single raw chance level" in result.spread_unavailable


def test_saturation_normalized_scale_with_raw_chance():
    bench = {"id": "norm", "higher_is_better": True, "range": [0, 100], "chance": 0, "ceiling": 100, "items": 100, "raw": {"range": [0, 1], "chance": 0.5}}
    tiny = board([bench], {"model_key": ["m1", "m2"], "snapshot": ["2024-01-01"] * 2, "benchmark": "norm", "score": [40.0, 20.0], "score_raw": [0.7, 0.6]})
    result = saturation(tiny, time_points(tiny, "snapshot").frame, "norm")
    # SE of raw 0.7 over 100 items is sqrt(0.21) / 10, times 100 / (1 - 0.5).
    assert result.spread["se_first"].tolist() == pytest.approx([np.sqrt(0.21) / 10 * 200])


def test_model_histories_intervals():
    tiny = board([BARE], {
        "model_key": ["m1", "m1", "m2"], "snapshot": ["2024-01-01", "2024-02-01", "2024-01-01"], "benchmark": "elo",
        "score": [900.0, 910.0, 800.0], "ci_low": [890.0, 905.0, np.nan], "ci_high": [912.0, 915.0, np.nan], "stderr": [np.nan, np.nan, 2.0],
    })
    result = model_histories(tiny, ["m1", "m2"], "elo")
    assert result["model_key"].tolist() == ["m1", "m1", "m2"]
    assert result["model_id"].tolist() == ["M1", "M1", "M2"]
    assert result["low"].tolist() == pytest.approx([890.0, 905.0, 800 - 1.959964 * 2])
    assert result["high"].tolist() == pytest.approx([912.0, 915.0, 800 + 1.959964 * 2])
    assert result["interval"].tolist() == ["data's 95% interval", "data's 95% interval", "score +/- 1.96 x stderr"]


def test_deviations_flag_outliers_with_numbers():
    epoch = pd.Timestamp("1970-01-01", tz=UTC)
    rows = [[f"m{k}{sign}", epoch + pd.Timedelta(days=365.25 * k), k + 0.5 * sign] for k in range(5) for sign in (1, -1)]
    rows += [["high", epoch + pd.Timedelta(days=730.5), 22.0], ["low", epoch + pd.Timedelta(days=730.5), -18.0]]
    result = deviations(points(rows))
    assert result.table["model_key"].tolist() == ["high", "low"]
    # The points are symmetric about y = x, so Sen's line is y = x (slope 1, intercept 0).
    # Residuals are +/-0.5 ten times and +/-20: median 0, MAD 0.5.
    assert result.table["trend"].tolist() == pytest.approx([2.0, 2.0])
    assert result.table["residual"].tolist() == pytest.approx([20.0, -20.0])
    assert result.table["z"].tolist() == pytest.approx([20 / 0.7413, -20 / 0.7413])


def test_deviations_zero_mad_skipped():
    rows = [["a", "2024-01-01", 1.0], ["b", "2025-01-01", 2.0], ["c", "2026-01-01", 3.0]]
    result = deviations(points(rows))
    assert result.table.empty
    assert "median absolute deviation" in result.skipped["a"]


@pytest.fixture(scope="module")
def livebench():
    return load_embedded().boards["livebench"]


def test_livebench_common_tasks_on_real_data(livebench):
    scored = livebench.results.dropna(subset=["score"])
    per_release = [set(group["benchmark"]) for _, group in scored.groupby("snapshot")]
    expected = set.intersection(*per_release)
    result = common_benchmarks(livebench, livebench.snapshots)
    assert len(livebench.snapshots) == 7
    assert len(set.union(*per_release)) == 24
    assert set(result.tasks) == expected
    assert len(result.tasks) == 13
    assert result.comparable
    assert set(result.missing) == set.union(*per_release) - expected


def test_livebench_common_aggregate_only_common_tasks(livebench):
    snapshots = livebench.snapshots
    result = common_benchmarks(livebench, snapshots)
    row = result.aggregate[(result.aggregate["snapshot"] == snapshots[0])].dropna(subset=["aggregate"]).iloc[0]
    scores = livebench.results[(livebench.results["snapshot"] == snapshots[0]) & (livebench.results["model_key"] == row["model_key"]) & livebench.results["benchmark"].isin(result.tasks)]
    categories = scores.assign(category=scores["benchmark"].map(lambda b: livebench.schema.benchmark(b).category)).groupby("category")["score"].mean()
    assert row["aggregate"] == pytest.approx(categories.mean())
    assert row["coverage"] == 13


def test_common_benchmarks_none_common():
    tiny = board([SCALED, BARE], {"model_key": ["m1", "m1"], "snapshot": ["2024-01-01", "2024-02-01"], "benchmark": ["acc", "elo"], "score": [50.0, 900.0]})
    result = common_benchmarks(tiny, ["2024-01-01", "2024-02-01"])
    assert not result.comparable
    assert "not comparable" in result.reason
    assert result.missing == {"acc": ["2024-02-01"], "elo": ["2024-01-01"]}


def test_common_benchmarks_unknown_snapshot():
    tiny = board([SCALED], {"model_key": ["m1"], "snapshot": ["2024-01-01"], "benchmark": "acc", "score": [50.0]})
    with pytest.raises(ValueError, match="no snapshots"):
        common_benchmarks(tiny, ["2023-01-01"])
