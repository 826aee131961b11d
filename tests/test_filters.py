"""Search, filters, sort and paging of the leaderboard frame."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from leaderboard.filters import apply_view, page_rows, search_mask, sort_rows
from leaderboard.schema import parse_board_schema
from leaderboard.state import MAX_PAGE_SIZE, LeaderboardView
from leaderboard.store import build_board
from leaderboard.table import leaderboard_frame

SNAPSHOT = "2024-05-01"
METADATA = ("params_b", "model_type", "precision", "license", "official_provider", "available_on_hub", "flagged", "merged", "moe")


def make_schema(rule="mean", metadata=METADATA):
    benchmarks = [
        {"id": bench, "name": bench.upper(), "higher_is_better": True, "unit": "%", "range": [0, 100]}
        for bench in ("a", "b", "c", "d")
    ]
    return parse_board_schema({
        "id": "filters",
        "title": "Filter board",
        "description": "A board for filter tests.",
        "citation": "none",
        "source": "tests",
        "license": "CC0",
        "model_key": "hub_id",
        "aggregate": {"rule": rule},
        "benchmarks": benchmarks,
        "metadata": list(metadata),
    })


# model_key, model_id, hub_id, params_b, model_type, precision, license, official, on_hub, flagged, merged, moe, scores a-d
MODELS = [
    ("k1", "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B", 8.0, "pretrained", "bf16", "llama3.1", True, True, False, False, False, (60, 60, 60, 60)),
    ("k2", "meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-70B", 70.0, "pretrained", "bf16", "llama3.1", True, True, False, False, False, (80, 80, 80, 80)),
    ("k3", "someone/LLAMA-merge (v2) [test]*", "someone/LLAMA-merge", 8.0, "merge", "fp16", "mit", False, True, True, True, False, (90, 90, 90, 90)),
    ("k4", "mistralai/Mixtral-8x7B", "mistralai/Mixtral-8x7B", 46.7, "chat", "bf16", "apache-2.0", True, True, False, False, True, (70, 70, 70, 70)),
    ("k5", "api/secret-model\\v1", None, None, "chat", None, None, None, False, None, None, None, (100.0, 100.0, 100.0, 100.0)),
    ("k6", "tiny/gpt-3.1-mini", "tiny/gpt-3.1-mini", 0.5, "pretrained", "fp16", "mit", False, True, False, False, False, (9.5, 9.5, 9.5, 9.5)),
    ("k7", "half/done", "half/done", 3.0, "pretrained", "bf16", "mit", False, True, False, False, False, (95, 95, None, None)),
]


def make_frame(rule="mean", partial=False, metadata=METADATA):
    schema = make_schema(rule, metadata)
    models = pd.DataFrame(
        [m[:12] for m in MODELS],
        columns=["model_key", "model_id", "hub_id", "params_b", "model_type", "precision", "license",
                 "official_provider", "available_on_hub", "flagged", "merged", "moe"],
    )
    models = models[["model_key", "model_id", "hub_id", *metadata]]
    rows = [
        {"model_key": m[0], "snapshot": SNAPSHOT, "benchmark": bench, "score": value}
        for m in MODELS for bench, value in zip("abcd", m[12]) if value is not None
    ]
    board = build_board(schema, pd.DataFrame(rows), models, "filters.parquet")
    return leaderboard_frame(board, None, raw=False, partial=partial), schema


def keys(frame):
    return frame["model_key"].tolist()


def view(**changes):
    return replace(LeaderboardView(board="filters"), **changes)


IDS = pd.Series([m[1] for m in MODELS], index=[m[0] for m in MODELS])


def matching(query):
    mask = search_mask(IDS, query)
    return [key for key, hit in mask.items() if hit]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("llama", ["k1", "k2", "k3"]),
        ("LLAMA", ["k1", "k2", "k3"]),
        ("meta-llama/", ["k1", "k2"]),
        ("3.1", ["k1", "k2", "k6"]),
        ("(", ["k3"]),
        ("[", ["k3"]),
        ("*", ["k3"]),
        ("\\", ["k5"]),
        ("(v2) [test]*", ["k3"]),
        (".*", []),
        ("mixtral; gpt", ["k4", "k6"]),
        (" mixtral ;; ;gpt ", ["k4", "k6"]),
        ("", ["k1", "k2", "k3", "k4", "k5", "k6", "k7"]),
        (" ; ", ["k1", "k2", "k3", "k4", "k5", "k6", "k7"]),
        ("no-such-model", []),
    ],
)
def test_search_mask_cases(query, expected):
    assert matching(query) == expected


def test_search_mask_missing_id_never_matches():
    ids = pd.Series(["org/a", None], dtype="string")
    assert search_mask(ids, "org").tolist() == [True, False]


def test_search_mask_keeps_index():
    mask = search_mask(IDS, "llama")
    assert mask.index.tolist() == IDS.index.tolist()
    assert mask.dtype == bool


def test_apply_view_default_sort_complete_first():
    frame, schema = make_frame()
    # k7 has 2 of 4 scores: no aggregate, so it sorts after every complete model.
    assert keys(apply_view(frame, view(), schema)) == ["k5", "k3", "k2", "k4", "k1", "k6", "k7"]


def test_apply_view_partial_gives_coverage():
    frame, _ = make_frame(partial=True)
    row = frame[frame["model_key"] == "k7"].iloc[0]
    assert row["aggregate"] == 95.0
    assert row["coverage"] == 2
    assert row["coverage_total"] == 4


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"model_types": ("merge", "chat")}, {"k3", "k4", "k5"}),
        ({"precisions": ("fp16",)}, {"k3", "k6"}),
        ({"licenses": ("mit",)}, {"k3", "k6", "k7"}),
        ({"params_min": 5.0, "params_max": 50.0}, {"k1", "k3", "k4"}),
        ({"params_min": 5.0, "params_max": 50.0, "include_unknown_size": True}, {"k1", "k3", "k4", "k5"}),
        ({"include_unknown_size": False}, {"k1", "k2", "k3", "k4", "k5", "k6", "k7"}),
        ({"params_max": 8.0}, {"k1", "k3", "k6", "k7"}),
        ({"official_only": True}, {"k1", "k2", "k4"}),
        ({"hub_only": True}, {"k1", "k2", "k3", "k4", "k6", "k7"}),
        ({"hide_flagged": True}, {"k1", "k2", "k4", "k5", "k6", "k7"}),
        ({"hide_merged": True}, {"k1", "k2", "k4", "k5", "k6", "k7"}),
        ({"hide_moe": True}, {"k1", "k2", "k3", "k5", "k6", "k7"}),
        ({"search": "llama", "hide_merged": True}, {"k1", "k2"}),
    ],
)
def test_apply_view_filters(changes, expected):
    frame, schema = make_frame()
    assert set(keys(apply_view(frame, view(**changes), schema))) == expected


def test_filter_toggled_off_restores_rows():
    frame, schema = make_frame()
    before = apply_view(frame, view(), schema)
    filtered = apply_view(frame, view(hide_flagged=True, licenses=("mit",)), schema)
    after = apply_view(frame, view(), schema)
    assert len(filtered) < len(before)
    assert keys(after) == keys(before)
    pd.testing.assert_frame_equal(after, before)


def test_filter_on_absent_column_ignored():
    frame, schema = make_frame(metadata=("params_b",))
    every = set(keys(frame))
    changes = {"model_types": ("chat",), "precisions": ("fp16",), "licenses": ("mit",), "official_only": True,
               "hide_flagged": True, "hide_merged": True, "hide_moe": True}
    assert set(keys(apply_view(frame, view(**changes), schema))) == every


def test_hub_only_without_availability_column_uses_hub_id():
    frame, schema = make_frame(metadata=("params_b",))
    assert "k5" not in keys(apply_view(frame, view(hub_only=True), schema))
    assert len(apply_view(frame, view(hub_only=True), schema)) == 6


def test_apply_view_leaves_input_unchanged():
    frame, schema = make_frame()
    copy = frame.copy()
    apply_view(frame, view(search="llama", best_variant=True, sort_by="b", sort_descending=False), schema)
    pd.testing.assert_frame_equal(frame, copy)


def test_sort_numeric_not_text():
    frame, _ = make_frame()
    ascending = keys(sort_rows(frame, "a", descending=False))
    assert ascending.index("k6") < ascending.index("k5")
    descending = keys(sort_rows(frame, "a", descending=True))
    assert descending[0] == "k5"
    assert descending[-1] == "k6"


@pytest.mark.parametrize("descending", [True, False])
def test_sort_missing_last_both_directions(descending):
    frame, _ = make_frame()
    ordered = sort_rows(frame, "c", descending=descending)
    assert keys(ordered)[-1] == "k7"
    assert np.isnan(ordered["c"].iloc[-1])
    assert ordered.loc[ordered["model_key"] == "k7", "c"].isna().all()


@pytest.mark.parametrize("descending", [True, False])
def test_sort_aggregate_missing_last(descending):
    frame, _ = make_frame()
    ordered = sort_rows(frame, "aggregate", descending=descending)
    assert keys(ordered)[-1] == "k7"
    assert ordered["aggregate"].isna().tolist() == [False] * 6 + [True]


def test_sort_ties_by_model_key():
    frame, _ = make_frame()
    shuffled = frame.iloc[[6, 2, 0, 5, 1, 4, 3]]
    assert keys(sort_rows(shuffled, "params_b", descending=False)) == ["k6", "k7", "k1", "k3", "k4", "k2", "k5"]
    assert keys(sort_rows(shuffled, "params_b", descending=True)) == ["k2", "k4", "k1", "k3", "k7", "k6", "k5"]


def test_sort_text_case_insensitive_missing_last():
    frame, _ = make_frame()
    assert keys(sort_rows(frame, "precision", descending=False)) == ["k1", "k2", "k4", "k7", "k3", "k6", "k5"]
    assert keys(sort_rows(frame, "precision", descending=True)) == ["k3", "k6", "k1", "k2", "k4", "k7", "k5"]


def test_sort_unknown_column_falls_back_to_aggregate():
    frame, _ = make_frame()
    assert keys(sort_rows(frame, "no_such_column", descending=True)) == keys(sort_rows(frame, "aggregate", descending=True))


def test_sort_unknown_column_without_aggregate_uses_first_benchmark():
    frame, schema = make_frame(rule="none")
    ordered = apply_view(frame, view(sort_by="no_such_column"), schema)
    assert keys(ordered) == keys(sort_rows(frame, "a", descending=True))
    assert keys(sort_rows(frame, "no_such_column", descending=True)) == keys(ordered)


def test_best_variant_in_view():
    frame, schema = make_frame()
    frame = frame.copy()
    frame.loc[frame["model_key"] == "k6", "hub_id"] = "meta-llama/Llama-3.1-8B"
    shown = keys(apply_view(frame, view(best_variant=True), schema))
    assert "k1" in shown
    assert "k6" not in shown
    assert len(shown) == 6


def test_page_rows_basic():
    frame, _ = make_frame()
    page = page_rows(frame, 2, 3)
    assert keys(page.rows) == ["k4", "k5", "k6"]
    assert (page.page, page.pages, page.total, page.page_size) == (2, 3, 7, 3)


@pytest.mark.parametrize(
    ("page", "size", "expected_page", "expected_keys"),
    [
        (0, 3, 1, ["k1", "k2", "k3"]),
        (-5, 3, 1, ["k1", "k2", "k3"]),
        (99, 3, 3, ["k7"]),
        (1, 0, 1, ["k1"]),
    ],
)
def test_page_rows_clamps(page, size, expected_page, expected_keys):
    frame, _ = make_frame()
    result = page_rows(frame, page, size)
    assert result.page == expected_page
    assert keys(result.rows) == expected_keys


def test_page_rows_empty_frame():
    frame, _ = make_frame()
    result = page_rows(frame.iloc[0:0], 4, 10)
    assert (result.page, result.pages, result.total) == (1, 1, 0)
    assert result.rows.empty


def test_page_rows_size_capped():
    frame, _ = make_frame()
    assert page_rows(frame, 1, MAX_PAGE_SIZE + 500).page_size == MAX_PAGE_SIZE


def test_hide_merged_uses_model_type_too():
    frame, schema = make_frame()
    frame.loc[frame["model_key"] == "k4", "model_type"] = "basemergesandmoerges"
    rows = apply_view(frame, LeaderboardView(board="filters", hide_merged=True), schema)
    assert "k4" not in set(rows["model_key"])
    assert "k3" not in set(rows["model_key"])
