"""Leaderboard and Compare handlers under inputs a visitor or an API client can send."""

import re
from dataclasses import replace

import gradio as gr
import pandas as pd
import pytest

from leaderboard.refresh import DataHolder
from leaderboard.schema import parse_board_schema
from leaderboard.service import LeaderboardService
from leaderboard.state import CompareView, LeaderboardView
from leaderboard.store import Dataset, build_board
from leaderboard.ui import compare_tab
from leaderboard.ui.blocks import build_demo
from leaderboard.ui.leaderboard_tab import page_outputs

OLD, NEW = "2024-04-01", "2024-05-01"


def board_schema(board_id: str, default: bool = False):
    return parse_board_schema({
        "id": board_id,
        "title": f"Board {board_id}",
        "description": "A board for handler tests.",
        "citation": "none",
        "source": "tests",
        "license": "CC0",
        "model_key": "hub_id",
        "aggregate": {"rule": "mean"},
        "default": default,
        "benchmarks": [
            {"id": bench, "name": bench.upper(), "higher_is_better": True, "unit": "%", "range": [0, 100]}
            for bench in ("a", "b", "old_only")
        ],
        "metadata": ["params_b"],
    })


def make_board(board_id: str, prefix: str, count: int = 12, default: bool = False):
    keys = [f"{prefix}/m{i:02d}" for i in range(count)]
    models = pd.DataFrame({
        "model_key": keys,
        "model_id": keys,
        "hub_id": keys,
        "params_b": [None if i == 0 else float(i) for i in range(count)],
    })
    rows = [
        {"model_key": key, "snapshot": NEW, "benchmark": bench, "score": float(10 + 5 * i + j)}
        for i, key in enumerate(keys) for j, bench in enumerate(("a", "b"))
    ]
    # `old_only` has scores in the older snapshot only, so the latest snapshot has no column for it.
    rows += [{"model_key": key, "snapshot": OLD, "benchmark": "old_only", "score": float(i)} for i, key in enumerate(keys)]
    return build_board(board_schema(board_id, default), pd.DataFrame(rows), models, f"{board_id}.parquet")


def make_service(boards=None):
    boards = boards or {"first": make_board("first", "one", default=True), "second": make_board("second", "two")}
    dataset = Dataset(boards=boards, revision="rev1", source="tests")
    return LeaderboardService(DataHolder(lambda: dataset, dataset, label="the test data"))


def handler(demo: gr.Blocks, api_name: str):
    for function in demo.fns.values():
        if function.api_name == api_name:
            return function.fn
    raise LookupError(f"no event handler with api_name {api_name!r}")


def test_compare_picker_drops_other_board_models():
    service = make_service()
    demo = build_demo(service)
    on_compare_search = handler(demo, "on_compare_search")
    first_keys = ["one/m01", "one/m02"]

    update = on_compare_search("second", None, "", first_keys)

    choices = {value for _, value in update.constructor_args["choices"]}
    value = update.constructor_args["value"] or []
    assert set(value) <= choices, "models of the previous board must not stay selected after a board switch"


def test_compare_on_unknown_board():
    # Reached through the `/compare` API (the board dropdown accepts any value)
    # and by a session whose board left the data at a refresh.
    service = make_service()
    view = CompareView(board="removed_board", models=("one/m01", "one/m02"))

    choices = compare_tab.model_choices(service, view)
    outputs = compare_tab.compare_outputs(service, view)

    assert isinstance(choices, list)
    assert outputs[0] is None
    assert outputs[4]


def test_view_notices_escape_markdown():
    service = make_service()
    view = LeaderboardView(board="[x](https://example.invalid) **b**", sort_by="[t](https://example.invalid)")

    notices = page_outputs(service.table_page(view))[3]

    assert notices
    assert not re.search(r"(?<!\\)\]\(", notices), "a markdown link from the request is rendered as a link"
    assert not re.search(r"(?<!\\)\*\*b", notices), "markdown emphasis from the request is rendered"


def test_sort_by_benchmark_without_data_gives_notice():
    service = make_service()
    view = LeaderboardView(board="first", sort_by="old_only")

    page = service.table_page(view)

    assert page.notices, "sorting silently fell back to another column"


def test_inverted_size_range_is_not_silent():
    service = make_service()
    inverted = LeaderboardView(board="first", params_min=8.0, params_max=2.0, include_unknown_size=False)

    page = service.table_page(inverted)

    swapped = service.table_page(replace(inverted, params_min=2.0, params_max=8.0))
    assert page.notices or page.total == swapped.total


def test_percentile_uses_english_ordinals():
    ranks = pd.DataFrame({
        "benchmark": ["a"] * 4,
        "model_key": ["k1", "k2", "k3", "k4"],
        "score": [1.0, 2.0, 3.0, 4.0],
        "rank": [1, 2, 3, 4],
        "n": [4] * 4,
        "percentile": [92.0, 42.0, 23.0, 11.0],
    })
    labels = {"k1": "K1", "k2": "K2", "k3": "K3", "k4": "K4"}

    table = compare_tab.rank_display(ranks, labels, {"a": "A"})

    cells = table.iloc[0].tolist()[1:]
    assert "92nd" in cells[0]
    assert "42nd" in cells[1]
    assert "23rd" in cells[2]
    assert "11th" in cells[3]


def test_empty_compare_table_has_no_placeholder_headers():
    service = make_service()

    table = compare_tab.compare_outputs(service, CompareView(board="first", models=("one/m01",)))[2]

    headers = gr.Dataframe().postprocess(table).headers
    assert headers != ["1", "2", "3"]


def test_export_board_id_with_slash(tmp_path):
    # Schemas reject such ids; the export must stay inside its folder even if one arrives.
    board = make_board("org_board", "one", default=True)
    board.schema = replace(board.schema, id="org/board")
    service = make_service({"org/board": board})

    path = service.export_csv(LeaderboardView(board="org/board"), directory=tmp_path)

    assert path.parent == tmp_path
    assert path.read_text(encoding="utf-8").startswith('"model_key"')


@pytest.mark.e2e
def test_table_api_in_fresh_session():
    client_module = pytest.importorskip("gradio_client")
    from tests.app_server import running_app

    dataset = make_service().dataset
    with running_app(dataset) as url:
        client = client_module.Client(url, verbose=False)
        table, info, _, _ = client.predict(
            "first", NEW, "", [], [], [], None, None, True, False, False, False, False, False, False,
            "All variants", "Normalized", False, [], False, "aggregate", True,
            api_name="/leaderboard_table",
        )

    assert re.search(r"12 of 12 models match", info)
    assert len(table["value"]["data"]) == 12


def test_export_folders_are_reused_and_cleaned(tmp_path):
    import os

    service = make_service()
    service._export_dir = tmp_path
    first = service.export_csv(LeaderboardView(board="first"))
    second = service.export_csv(LeaderboardView(board="first"))
    assert first != second
    assert first.parent.parent == tmp_path
    old = first.parent
    os.utime(old, (0, 0))
    service.export_csv(LeaderboardView(board="first"))
    assert not old.exists()
