import numpy as np
import pandas as pd
import pytest

from leaderboard.cohorts import available_cohorts, cohort_keys, model_dates
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board
from tests.test_schema import minimal_schema

MODELS = pd.DataFrame(
    {
        "model_key": ["tiny", "small", "mid", "big", "unknown"],
        "params_b": [1.0, 7.0, 13.0, 70.0, np.nan],
        "model_type": ["pretrained", "fine-tuned", "Fine-tuned", "merge", None],
        "merged": [False, False, True, True, None],
        "official_provider": [True, False, False, True, False],
        "submission_date": ["2024-01-15", "2024-03-31T23:00:00", "2024-04-01", "01/05/2024", None],
    }
)


def make_board(metadata=("params_b", "model_type", "merged", "official_provider", "submission_date"), models=MODELS):
    schema = parse_board_schema(minimal_schema(metadata=list(metadata), time_axes=["submission_date"] if "submission_date" in metadata else []))
    results = pd.DataFrame({"model_key": models["model_key"], "snapshot": "2024-06-01", "benchmark": "a", "score": 50.0})
    return build_board(schema, results, models[["model_key", *metadata]], file="toy.csv")


@pytest.mark.parametrize(
    ("cohort_id", "expected"),
    [
        ("all", {"tiny", "small", "mid", "big", "unknown"}),
        ("official", {"tiny", "big"}),
        ("merged", {"mid", "big"}),
        ("finetuned", {"small", "mid"}),
        ("size:lt3", {"tiny"}),
        ("size:3to10", {"small"}),
        ("size:10to35", {"mid"}),
        ("size:ge35", {"big"}),
        ("date:submission_date:2024Q1", {"tiny", "small"}),
        ("date:submission_date:2024Q2", {"mid"}),
    ],
)
def test_cohort_keys_table(cohort_id, expected):
    assert cohort_keys(make_board(), cohort_id) == expected


def test_size_bucket_edges_half_open():
    models = MODELS.assign(params_b=[3.0, 10.0, 35.0, 2.99, np.nan])
    board = make_board(models=models)
    assert cohort_keys(board, "size:3to10") == {"tiny"}
    assert cohort_keys(board, "size:10to35") == {"small"}
    assert cohort_keys(board, "size:ge35") == {"mid"}
    assert cohort_keys(board, "size:lt3") == {"big"}


def test_ambiguous_date_is_missing():
    dates = model_dates(make_board(), "submission_date")
    assert pd.isna(dates["big"])
    assert dates["small"] == pd.Timestamp("2024-03-31 23:00", tz="UTC")


def test_available_cohorts_full_board():
    ids = [cohort_id for _, cohort_id in available_cohorts(make_board())]
    assert ids == [
        "all", "official", "merged", "finetuned",
        "size:lt3", "size:3to10", "size:10to35", "size:ge35",
        "date:submission_date:2024Q1", "date:submission_date:2024Q2",
    ]


def test_available_cohorts_bare_board():
    board = make_board(metadata=("params_b",), models=MODELS.assign(params_b=np.nan))
    assert available_cohorts(board) == [("All models", "all")]


def test_unknown_cohort_rejected():
    with pytest.raises(ValueError, match="unknown cohort id 'friends'"):
        cohort_keys(make_board(), "friends")
    with pytest.raises(ValueError, match="needs the official_provider column"):
        cohort_keys(make_board(metadata=("params_b",)), "official")
