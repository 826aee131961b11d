import pandas as pd
import pytest

from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from leaderboard.timeaxis import TimeParseError, parse_time, parse_times, time_points, years_since_epoch


def dated_board(dates):
    schema = parse_board_schema({
        "id": "dated", "title": "Dated", "description": "d", "citation": "c", "source": "s",
        "license": "l", "model_key": "k", "aggregate": {"rule": "mean"},
        "time_axes": ["snapshot", "submission_date"], "metadata": ["submission_date"],
        "benchmarks": [{"id": "a", "higher_is_better": True, "range": [0, 100]}],
    })
    results = pd.DataFrame({
        "model_key": list(dates) + ["m1"],
        "snapshot": ["2024-02-01"] * len(dates) + ["2024-01-01"],
        "benchmark": "a",
        "score": [float(10 * (i + 1)) for i in range(len(dates))] + [5.0],
    })
    models = pd.DataFrame({"model_key": list(dates), "submission_date": list(dates.values())})
    return build_board(schema, results, models, file="test")


def test_naive_time_is_utc():
    stamp = parse_time("2024-03-01T12:00:00")
    assert stamp == pd.Timestamp("2024-03-01 12:00:00", tz="UTC")
    assert str(stamp.tz) == "UTC"


def test_offset_converted_to_utc():
    assert parse_time("2024-03-01T12:00:00+02:00") == pd.Timestamp("2024-03-01 10:00:00", tz="UTC")
    assert parse_time("2024-03-01T12:00Z") == pd.Timestamp("2024-03-01 12:00:00", tz="UTC")
    assert parse_time("2024-03-01 12:00:00.250000-0130") == pd.Timestamp("2024-03-01 13:30:00.25", tz="UTC")


def test_date_is_midnight_utc():
    assert parse_time("2024-03-01") == pd.Timestamp("2024-03-01", tz="UTC")


@pytest.mark.parametrize("text", ["01/05/2024", "13/05/2024", "05-01-2024", "1.5.24"])
def test_ambiguous_date_rejected(text):
    with pytest.raises(TimeParseError, match="ambiguous") as info:
        parse_time(text)
    assert "YYYY-MM-DD" in info.value.reason


@pytest.mark.parametrize("text", ["2024/05/01", "May 1 2024", "2024-02-30", ""])
def test_non_iso_date_rejected(text):
    with pytest.raises(TimeParseError):
        parse_time(text)


def test_parse_times_note_names_value():
    values = pd.Series(["2024-01-05", "01/05/2024", None])
    parsed, notes = parse_times(values, "b", "f", "submission_date")
    assert parsed.iloc[0] == pd.Timestamp("2024-01-05", tz="UTC")
    assert parsed.iloc[1:].isna().all()
    assert len(notes) == 1
    assert notes[0].value == "01/05/2024"
    assert "ambiguous" in notes[0].reason
    assert "YYYY-MM-DD" in notes[0].reason


def test_time_points_date_axis_lists_undated():
    board = dated_board({"m1": "2024-01-10", "m2": None, "m3": "01/05/2024"})
    points = time_points(board, "submission_date")
    assert points.frame["model_key"].tolist() == ["m1"]
    assert points.frame["score"].tolist() == [10.0]
    assert points.frame["time"].tolist() == [pd.Timestamp("2024-01-10", tz="UTC")]
    assert points.undated == ["m2", "m3"]
    reasons = " | ".join(n.reason for n in points.notes)
    assert "2 of 3 scored models have no usable submission_date" in reasons
    assert "ambiguous" in reasons


def test_time_points_snapshot_axis_keeps_every_row():
    board = dated_board({"m1": "2024-01-10", "m2": "2024-01-11"})
    frame = time_points(board, "snapshot").frame
    assert len(frame) == 3
    assert frame["time"].min() == pd.Timestamp("2024-01-01", tz="UTC")
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"


def test_time_points_unknown_axis_raises():
    board = dated_board({"m1": "2024-01-10"})
    with pytest.raises(ValueError, match="time axes are: snapshot, submission_date"):
        time_points(board, "release_date")


def test_years_since_epoch_uses_julian_year():
    times = [pd.Timestamp("1970-01-01", tz="UTC") + pd.Timedelta(days=365.25 * k) for k in (0, 1, 2)]
    assert years_since_epoch(times).tolist() == [0.0, 1.0, 2.0]
