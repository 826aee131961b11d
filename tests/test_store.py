from datetime import date

import numpy as np
import pandas as pd

from leaderboard.schema import parse_board_schema
from leaderboard.store import ROW_NOTE_LIMIT, build_board, content_revision, validate_results
from tests.test_schema import minimal_schema

SCHEMA = parse_board_schema(minimal_schema())


def results(rows):
    return pd.DataFrame(rows, columns=["model_key", "snapshot", "benchmark", "score"])


def test_results_keep_published_zero():
    frame, notes = validate_results(results([["m1", "2024-01-01", "a", 0.0]]), SCHEMA, "f.csv")
    assert frame["score"].tolist() == [0.0]
    assert notes == []


def test_results_skip_text_nan_and_out_of_range():
    rows = [
        ["m1", "2024-01-01", "a", "eighty"],
        ["m2", "2024-01-01", "a", np.nan],
        ["m3", "2024-01-01", "a", 140.0],
        ["m4", "2024-01-01", "a", float("inf")],
        ["m5", "2024-01-01", "a", 55.0],
    ]
    frame, notes = validate_results(results(rows), SCHEMA, "f.csv")
    assert frame["model_key"].tolist() == ["m5"]
    reasons = [(n.row, n.column, n.value) for n in notes]
    assert (1, "score", "eighty") in reasons
    assert (3, "score", "140.0") in reasons
    assert (4, "score", "inf") in reasons
    assert frame["score"].dtype == "float64"


def test_results_unknown_benchmark_noted():
    frame, notes = validate_results(results([["m1", "2024-01-01", "zzz", 1.0], ["m1", "2024-01-01", "b", 2.0]]), SCHEMA, "f.csv")
    assert frame["benchmark"].tolist() == ["b"]
    assert notes[0].value == "zzz"
    assert "not declared" in notes[0].reason


def test_results_bad_snapshot_and_duplicates():
    rows = [
        ["m1", "01/05/2024", "a", 1.0],
        ["m1", "2024-01-05", "a", 2.0],
        ["m1", "2024-01-05", "a", 3.0],
    ]
    frame, notes = validate_results(results(rows), SCHEMA, "f.csv")
    assert frame["score"].tolist() == [2.0]
    assert [n.column for n in notes] == ["snapshot", "model_key"]


def test_results_missing_columns_skip_file():
    frame, notes = validate_results(pd.DataFrame({"model_key": ["m"]}), SCHEMA, "f.csv")
    assert frame.empty
    assert "lacks the required columns" in notes[0].reason


def test_models_unknown_size_stays_missing():
    models = pd.DataFrame({"model_key": ["m1", "m2"], "params_b": [7.0, "big"], "flagged": ["True", None]})
    board = build_board(SCHEMA, results([["m1", "2024-01-01", "a", 1.0]]), models, "f")
    assert board.models["params_b"].isna().tolist() == [False, True]
    assert bool(board.models["flagged"].iloc[0]) is True
    assert board.models["flagged"].isna().tolist() == [False, True]
    assert any(n.column == "params_b" and n.value == "big" for n in board.notes)


def test_board_adds_orphan_models():
    board = build_board(SCHEMA, results([["ghost", "2024-01-01", "a", 1.0]]), pd.DataFrame({"model_key": []}), "f")
    assert board.models["model_key"].tolist() == ["ghost"]
    assert board.latest_snapshot == "2024-01-01"


def test_content_revision_changes_with_content():
    assert content_revision([b"a", b"b"]) != content_revision([b"ab"])
    assert content_revision([b"a"]) == content_revision([b"a"])
    assert len(content_revision([b"a"])) == 12


def test_results_header_only_text_columns():
    empty = pd.DataFrame({column: pd.Series([], dtype="str") for column in ["model_key", "snapshot", "benchmark", "score"]})
    frame, notes = validate_results(empty, SCHEMA, "f.csv")
    assert frame.empty
    assert notes == []


def test_results_list_keys_skipped():
    frame = pd.DataFrame({
        "model_key": [["m1"], "m2"],
        "snapshot": ["2024-01-01", "2024-01-01"],
        "benchmark": ["a", "a"],
        "score": [1.0, 2.0],
    })
    frame, notes = validate_results(frame, SCHEMA, "f.parquet")
    assert frame["model_key"].tolist() == ["m2"]
    assert [(n.row, n.column) for n in notes] == [(1, "model_key")]


def test_models_list_keys_skipped():
    models = pd.DataFrame({"model_key": [["m1"], "m2"], "params_b": [1.0, 2.0], "flagged": [None, None]})
    board = build_board(SCHEMA, results([["m2", "2024-01-01", "a", 1.0]]), models, "f")
    assert board.models["model_key"].tolist() == ["m2"]
    assert any(n.row == 1 and "list or mapping" in n.reason for n in board.notes)


def test_results_datetime_snapshot_as_date():
    frame = results([["m1", None, "a", 1.0], ["m2", None, "a", 2.0]])
    frame["snapshot"] = pd.to_datetime(["2024-01-01 13:00", "2024-01-02 00:00"])
    frame, notes = validate_results(frame, SCHEMA, "f.parquet")
    assert frame["snapshot"].tolist() == ["2024-01-01", "2024-01-02"]
    assert notes == []


def test_results_aware_datetime_snapshot_in_utc():
    frame = results([["m1", None, "a", 1.0]])
    frame["snapshot"] = pd.to_datetime(["2024-01-01 23:30"]).tz_localize("America/New_York")
    frame, _ = validate_results(frame, SCHEMA, "f.parquet")
    assert frame["snapshot"].tolist() == ["2024-01-02"]


def test_results_row_notes_capped():
    frame = results([[f"m{i}", "01/05/2024", "a", 1.0] for i in range(ROW_NOTE_LIMIT + 5)])
    _, notes = validate_results(frame, SCHEMA, "f.csv")
    assert len(notes) == ROW_NOTE_LIMIT + 1
    assert [n.row for n in notes[:ROW_NOTE_LIMIT]] == list(range(1, ROW_NOTE_LIMIT + 1))
    assert "and 5 more rows with the same problem" in notes[-1].reason
    assert notes[-1].row is None


def test_results_date_objects_snapshot_as_text():
    frame = results([["m1", date(2024, 1, 1), "a", 1.0]])
    frame, notes = validate_results(frame, SCHEMA, "f.parquet")
    assert frame["snapshot"].tolist() == ["2024-01-01"]
    assert notes == []
