"""The app launched on 127.0.0.1 and driven through gradio_client."""

from __future__ import annotations

import pytest

from tests.app_server import running_app

pytestmark = pytest.mark.e2e

DEFAULT_CONTROLS = dict(
    search="", model_types=[], precisions=[], licenses=[], params_min=None, params_max=None,
    include_unknown_size=True, official_only=False, hub_only=False, hide_flagged=False, hide_merged=False,
    hide_moe=False, hide_alerted=False, variant="All variants", score_kind="Normalized", partial_aggregate=False, columns=[],
    show_ranks=False, sort_by="aggregate", sort_descending=True,
)


@pytest.fixture(scope="module")
def client():
    from gradio_client import Client

    from leaderboard.embedded import load_embedded

    dataset = load_embedded()
    with running_app(dataset) as url:
        yield Client(url, verbose=False), dataset


def table(client, board="open_llm_v2", snapshot=None, **changes):
    controls = dict(DEFAULT_CONTROLS, **changes)
    result = client.predict(board, snapshot, *controls.values(), api_name="/leaderboard_table")
    update, info = result[0], result[1]
    return update.get("value", update), info


def test_e2e_first_page_is_bounded(client):
    api, dataset = client
    frame, info = table(api)
    assert len(frame["data"]) == 50
    assert "of 2,674 models match" in info
    assert frame["headers"][0] == "Model"


def test_e2e_search_is_case_insensitive(client):
    api, _ = client
    _, upper = table(api, search="LLAMA")
    _, lower = table(api, search="llama")
    assert upper == lower
    _, literal = table(api, search="meta-llama/")
    assert "0 of" not in literal


def test_e2e_missing_scores_render_as_dash(client):
    api, _ = client
    frame, _ = table(api, board="epoch", sort_by="gpqa_diamond", sort_descending=False)
    shown = [str(cell) for row in frame["metadata"]["display_value"] for cell in row]
    assert "—" in shown
    assert not any(cell in ("nan", "None", "NaN", "<NA>") for cell in shown)
    values = [cell for row in frame["data"] for cell in row]
    assert any(cell is None for cell in values), "missing scores reach the component as null"


def test_e2e_unknown_board_falls_back_with_notice(client):
    api, _ = client
    result = api.predict("no_such_board", None, *DEFAULT_CONTROLS.values(), api_name="/leaderboard_table")
    assert "no\\_such\\_board" in result[3]
    assert "of 2,674 models match" in result[1]


def test_e2e_compare_three_models(client):
    api, dataset = client
    keys = dataset.boards["open_llm_v2"].models["model_key"].head(3).tolist()
    radar, bars, ranks, strengths, message = api.predict("open_llm_v2", None, keys, api_name="/compare")
    assert radar is not None
    ranks = ranks.get("value", ranks)
    assert len(ranks["data"]) == 6
    assert "Strengths" in strengths


def test_e2e_compare_rejects_single_model(client):
    api, dataset = client
    key = dataset.boards["open_llm_v2"].models["model_key"].iloc[0]
    _, _, _, _, message = api.predict("open_llm_v2", None, [key], api_name="/compare")
    assert "between 2 and 8" in message
