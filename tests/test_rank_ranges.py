import numpy as np
import pandas as pd
import pytest

from leaderboard.render import RANK_RANGE_HEADER, render_page
from leaderboard.schema import parse_board_schema
from leaderboard.service import LeaderboardService, with_rank_ranges
from leaderboard.state import AGGREGATE_COLUMN, CompareView, LeaderboardView
from leaderboard.store import Dataset, build_board
from leaderboard.uncertainty import RankIntervals
from leaderboard.ui.compare_tab import compare_outputs
from tests.test_schema import minimal_schema

SNAPSHOT = "2025-03-01"
# model key: (A, B). m1 and m2 are 1 point apart on A, m6 is 20 points behind the rest.
SCORES = {
    "m1": (70.0, 60.0),
    "m2": (69.0, 62.0),
    "m3": (60.0, 55.0),
    "m4": (50.0, 50.0),
    "m5": (49.5, 48.0),
    "m6": (30.0, 20.0),
}


def ranked_board(stderr: float | None = 1.5, aggregate: str = "mean"):
    raw = minimal_schema(aggregate={"rule": aggregate}, metadata=[])
    if aggregate == "weighted_mean":
        for bench in raw["benchmarks"]:
            bench["weight"] = 1.0
    schema = parse_board_schema(raw)
    rows = []
    for key, values in SCORES.items():
        for bench, value in zip("ab", values):
            rows.append({"model_key": key, "snapshot": SNAPSHOT, "benchmark": bench, "score": value,
                         "stderr": stderr if stderr is not None else np.nan})
    models = pd.DataFrame({"model_key": list(SCORES), "model_id": [f"org/{k}" for k in SCORES]})
    return build_board(schema, pd.DataFrame(rows), models, file="ranked.csv")


class Holder:
    def __init__(self, **boards):
        self.dataset = Dataset(boards=boards, revision="r1", source="test")


@pytest.fixture
def service():
    return LeaderboardService(Holder(errors=ranked_board(), bare=ranked_board(stderr=None),
                                     weighted=ranked_board(aggregate="weighted_mean")))


def cells(page, header: str) -> list[str]:
    return page.table.frame[header].tolist()


def test_intervals_contain_point_rank(service):
    ranges = service.rank_ranges("errors", None, "a")
    table = ranges.table
    assert ranges.reason is None
    assert ranges.draws == 1000
    assert table["rank"].to_dict() == {"m1": 1, "m2": 2, "m3": 3, "m4": 4, "m5": 5, "m6": 6}
    assert (table["rank_low"] <= table["rank"]).all()
    assert (table["rank"] <= table["rank_high"]).all()


def test_close_models_share_interval(service):
    table = service.rank_ranges("errors", None, "a").table
    assert (table.at["m1", "rank_low"], table.at["m1", "rank_high"]) == (1, 2)
    assert (table.at["m2", "rank_low"], table.at["m2", "rank_high"]) == (1, 2)
    assert (table.at["m6", "rank_low"], table.at["m6", "rank_high"]) == (6, 6)


def test_aggregate_intervals_contain_rank(service):
    ranges = service.rank_ranges("errors", None, AGGREGATE_COLUMN)
    assert ranges.reason is None
    assert "stderr column" in ranges.method
    table = ranges.table
    assert (table["rank_low"] <= table["rank"]).all()
    assert (table["rank"] <= table["rank_high"]).all()


def test_rank_ranges_cached(service):
    first = service.rank_ranges("errors", None, "a")
    assert service.rank_ranges("errors", None, "a") is first


def test_no_error_information_gives_reason(service):
    ranges = service.rank_ranges("bare", None, "a")
    assert ranges.reason == "A has no standard errors, intervals or item count, so its rank uncertainty is unknown"
    assert ranges.table["rank_low"].isna().all()


def test_weighted_aggregate_gives_reason(service):
    ranges = service.rank_ranges("weighted", None, AGGREGATE_COLUMN)
    assert ranges.reason == "rank ranges are computed for plain means, and this board's aggregate is a weighted mean"


def test_page_shows_range_column(service):
    page = service.table_page(LeaderboardView(board="errors", show_ranks=True, sort_by="a"))
    assert page.table.headers[:3] == ["Rank", RANK_RANGE_HEADER, "Model"]
    assert cells(page, "Rank") == ["1", "2", "3", "4", "5", "6"]
    assert cells(page, RANK_RANGE_HEADER)[:2] == ["1–2", "1–2"]
    assert cells(page, RANK_RANGE_HEADER)[-1] == "6"
    assert page.table.column_help[RANK_RANGE_HEADER].startswith("95% interval of the rank over 1000 bootstrap draws")
    assert page.notices == ()


def test_page_without_errors_notice_and_dashes(service):
    page = service.table_page(LeaderboardView(board="bare", show_ranks=True, sort_by="a"))
    assert RANK_RANGE_HEADER in page.table.headers
    assert cells(page, RANK_RANGE_HEADER) == ["—"] * 6
    assert page.notices == ("No rank ranges: A has no standard errors, intervals or item count, so its rank uncertainty is unknown.",)
    assert page.table.column_help[RANK_RANGE_HEADER].startswith("No rank range: A has no standard errors")


@pytest.mark.parametrize("board_id", ["errors", "bare"])
def test_page_hides_column_without_show_ranks(service, board_id):
    page = service.table_page(LeaderboardView(board=board_id, sort_by="a"))
    assert RANK_RANGE_HEADER not in page.table.headers
    assert "Rank" not in page.table.headers
    assert page.notices == ()


def test_render_needs_show_ranks(service):
    rows = service.frame("errors", None, raw=False, partial=False)
    ranged = with_rank_ranges(rows, service.rank_ranges("errors", None, "a"))
    board = service.board("errors")
    hidden = render_page(ranged, board.schema, LeaderboardView(board="errors", sort_by="a"))
    with_ranks = render_page(ranged, board.schema, LeaderboardView(board="errors", sort_by="a", show_ranks=True))
    assert RANK_RANGE_HEADER not in hidden.headers
    assert RANK_RANGE_HEADER in with_ranks.headers


def test_with_rank_ranges_missing_model_dash(service):
    rows = pd.DataFrame({"model_key": ["m1", "m6", "newcomer"]})
    ranged = with_rank_ranges(rows, service.rank_ranges("errors", None, "a"))
    assert ranged["rank_range_low"].tolist()[:2] == [1.0, 6.0]
    assert np.isnan(ranged["rank_range_low"].iloc[2])
    board = service.board("errors")
    view = LeaderboardView(board="errors", sort_by="a", show_ranks=True)
    rendered = render_page(ranged.assign(model_id=ranged["model_key"]), board.schema, view)
    assert rendered.frame[RANK_RANGE_HEADER].tolist() == ["1–2", "6", "—"]


def test_with_rank_ranges_reason_help():
    rows = pd.DataFrame({"model_key": ["m1"]})
    ranged = with_rank_ranges(rows, RankIntervals(pd.DataFrame(), "none", 0.95, 0, "no errors here"))
    assert np.isnan(ranged.at[0, "rank_range_low"])
    assert ranged.at[0, "rank_range_help"] == "No rank range: no errors here"


def test_compare_shows_range_where_available(service):
    _, _, ranks, _, message = compare_outputs(service, CompareView(board="errors", models=("m1", "m2")))
    table = ranks.set_index("Benchmark")
    assert table.at["A", "org/m1"] == "1 of 6 (92nd percentile), 95% range 1–2"
    assert table.at["A", "org/m2"].endswith("95% range 1–2")
    assert "No 95% rank ranges" not in message


def test_compare_single_rank_range_shown(service):
    _, _, ranks, _, _ = compare_outputs(service, CompareView(board="errors", models=("m1", "m6")))
    table = ranks.set_index("Benchmark")
    assert table.at["A", "org/m6"].endswith("95% range 6")


def test_compare_without_errors_says_why(service):
    _, _, ranks, _, message = compare_outputs(service, CompareView(board="bare", models=("m1", "m2")))
    assert all("95% range" not in cell for cell in ranks["org/m1"])
    assert "No 95% rank ranges for A, B: these benchmarks have no standard errors, intervals or item counts." in message
