import pandas as pd
import pytest

from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from leaderboard.tracking_report import analysable_benchmarks, trend_table, tracking_report
from leaderboard.timeaxis import time_points

# Ten models submitted on the first of ten consecutive months. Scores of A
# step up every second month, so the best-to-date frontier is 40, 40, 50,
# 50, 55, 55, 60, 60, 70, 70, held by m0, m0, m2, m2, m4, m4, m6, m6, m8, m8.
# B falls steadily. The first five models are merges.
MONTHS = [f"2024-{month:02d}-01" for month in range(1, 11)]
A_SCORES = [40.0, 35.0, 50.0, 45.0, 55.0, 52.0, 60.0, 58.0, 70.0, 65.0]
B_SCORES = [90.0, 88.0, 85.0, 84.0, 80.0, 79.0, 75.0, 73.0, 70.0, 69.0]
KEYS = [f"m{i}" for i in range(10)]


def tracking_schema(time_axes=("submission_date",)) -> dict:
    return {
        "id": "timed", "title": "Timed board", "description": "d", "citation": "c", "source": "s",
        "license": "l", "model_key": "k", "aggregate": {"rule": "mean"},
        "metadata": ["submission_date", "merged", "params_b"],
        "time_axes": list(time_axes),
        "benchmarks": [
            {"id": "a", "name": "A", "higher_is_better": True, "unit": "%", "range": [0, 100], "chance": 25, "ceiling": 100, "items": 400},
            {"id": "b", "name": "B", "higher_is_better": True, "unit": "%", "range": [0, 100]},
            {"id": "idx", "name": "Index", "higher_is_better": True, "range": [0, 100], "composite": True},
        ],
    }


def tracking_board(time_axes=("submission_date",), dates=MONTHS):
    schema = parse_board_schema(tracking_schema(time_axes))
    rows = []
    for key, a, b in zip(KEYS, A_SCORES, B_SCORES):
        rows += [[key, "2024-12-01", "a", a], [key, "2024-12-01", "b", b], [key, "2024-12-01", "idx", (a + b) / 2]]
    results = pd.DataFrame(rows, columns=["model_key", "snapshot", "benchmark", "score"])
    models = pd.DataFrame({
        "model_key": KEYS,
        "model_id": [f"org/{key}" for key in KEYS],
        "submission_date": list(dates),
        "merged": [True] * 5 + [False] * 5,
        "params_b": [7.0] * 10,
    })
    return build_board(schema, results, models, file="timed.csv")


def test_report_without_time_axis_says_so():
    report = tracking_report(tracking_board(time_axes=()), None, None, None)
    assert report.benchmark is None
    assert report.axis is None
    assert len(report.messages) == 1
    assert "declares no time axis" in report.messages[0]
    assert report.trends.empty


def test_report_frontier_from_hand_table():
    report = tracking_report(tracking_board(), "a", "submission_date", None)
    assert report.benchmark == "a"
    assert report.axis == "submission_date"
    assert report.frontier["best"].tolist() == [40.0, 40.0, 50.0, 50.0, 55.0, 55.0, 60.0, 60.0, 70.0, 70.0]
    assert report.frontier["model_key"].tolist() == ["m0", "m0", "m2", "m2", "m4", "m4", "m6", "m6", "m8", "m8"]
    assert report.frontier["model_id"].iloc[-1] == "org/m8"
    assert report.frontier["time"].iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")


def test_report_points_carry_model_ids():
    report = tracking_report(tracking_board(), "a", "submission_date", None)
    assert len(report.points) == 10
    assert sorted(report.points["model_id"]) == sorted(f"org/{key}" for key in KEYS)


def test_report_trend_row_per_benchmark():
    report = tracking_report(tracking_board(), "a", "submission_date", None)
    trends = report.trends.set_index("Benchmark")
    assert list(trends.index) == ["A", "B"]
    assert trends.at["A", "n"] == 10
    assert trends.at["A", "Kendall tau"] > 0
    assert trends.at["B", "Kendall tau"] == pytest.approx(-1.0)
    assert trends.at["B", "Sen slope per year"] < 0
    assert "to" in trends.at["A", "95% interval"]


def test_report_excludes_composite_benchmark():
    board = tracking_board()
    assert analysable_benchmarks(board) == ["a", "b"]
    report = tracking_report(board, None, "submission_date", None)
    assert report.benchmark == "a"
    assert "Index" not in set(report.trends["Benchmark"])


def test_report_unknown_benchmark_falls_back():
    report = tracking_report(tracking_board(), "no_such_benchmark", "bogus_axis", None)
    assert report.benchmark == "a"
    assert report.axis == "submission_date"


def test_report_cohort_restricts_points():
    merged = {f"m{i}" for i in range(5)}
    everyone = tracking_report(tracking_board(), "a", "submission_date", None)
    cohort = tracking_report(tracking_board(), "a", "submission_date", merged)
    assert len(everyone.points) == 10
    assert len(cohort.points) == 5
    assert set(cohort.points["model_key"]) == merged
    assert cohort.trends.set_index("Benchmark").at["A", "n"] == 5
    assert cohort.frontier["best"].iloc[-1] == 55.0


def test_report_empty_cohort_message():
    report = tracking_report(tracking_board(), "a", "submission_date", set())
    assert report.points.empty
    assert any("No model in this cohort" in m for m in report.messages)


def test_report_undated_models_counted():
    dates = MONTHS[:8] + [None, "01/05/2024"]
    report = tracking_report(tracking_board(dates=dates), "a", "submission_date", None)
    assert len(report.points) == 8
    assert any(m.startswith("2 models have no usable submission date") for m in report.messages)
    assert any("01/05/2024" in m for m in report.messages), "the rejected value is named in the tab"


def test_report_states_change_point_method():
    report = tracking_report(tracking_board(), "a", "submission_date", None)
    text = next(m for m in report.messages if m.startswith("Change points"))
    assert "PELT" in text
    assert "cost l2" in text
    assert "frontier:" in text


def test_report_saturation_uses_schema():
    report = tracking_report(tracking_board(), "a", "submission_date", None)
    text = next(m for m in report.messages if m.startswith("Saturation"))
    # (ceiling - best) / (ceiling - chance) = (100 - 70) / 75 = 40%.
    assert "headroom 40.0%" in text
    assert "binomial" in text


def test_report_saturation_unavailable_without_chance():
    report = tracking_report(tracking_board(), "b", "submission_date", None)
    text = next(m for m in report.messages if m.startswith("Saturation"))
    assert "declares no chance level and ceiling" in text
    assert "top-10 spread:" in text


def test_report_lists_deviation_with_numbers():
    board = tracking_board()
    results = board.results.copy()
    results.loc[(results["model_key"] == "m5") & (results["benchmark"] == "a"), "score"] = 99.0
    board = build_board(board.schema, results, board.models, file="timed.csv")
    report = tracking_report(board, "a", "submission_date", None)
    assert report.deviations["Model"].tolist()[0] == "org/m5"
    assert report.deviations["Score"].iloc[0] == 99.0
    assert report.deviations["Robust z"].iloc[0] > 3.5
    assert list(report.deviations.columns) == ["Model", "Time", "Score", "Cohort trend", "Residual", "Robust z"]


def test_trend_table_hand_values():
    board = tracking_board()
    points = time_points(board, "submission_date").frame
    table = trend_table(points[points["benchmark"] == "b"], board)
    assert len(table) == 1
    assert table.at[0, "Benchmark"] == "B"
    assert table.at[0, "n"] == 10
    assert table.at[0, "Kendall tau"] == -1.0
    assert table.at[0, "p-value"] < 0.001


def test_trend_table_unavailable_row():
    board = tracking_board()
    points = time_points(board, "submission_date").frame
    two = points[(points["benchmark"] == "a") & points["model_key"].isin(["m0", "m1"])]
    table = trend_table(two, board)
    assert table.at[0, "n"] == 2
    assert pd.isna(table.at[0, "Kendall tau"])
    assert table.at[0, "95% interval"] == "needs at least 3 dated scores, got 2"
