"""Rule 2 (fresh-twin gap) on synthetic boards with a declared twin pair."""

import dataclasses

import pytest

from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.twin import rule_twin_gap
from leaderboard.schema import SchemaError, parse_board_schema
from tests.alert_boards import INFLATED_BENCHMARK, PLANT_KEYS, board_schema, synthetic_board

PAIR = (INFLATED_BENCHMARK, "bench_2")


def _with_twins(board, twins=(PAIR,)):
    board.schema = dataclasses.replace(board.schema, twins=twins)
    return board


def _schema_raw(twins):
    schema = board_schema(4)
    raw = {
        "id": "twins", "title": "t", "description": "d", "citation": "c", "source": "s", "license": "l",
        "model_key": "k", "aggregate": {"rule": "mean"},
        "benchmarks": [{"id": b.id, "higher_is_better": True, "range": [0, 100]} for b in schema.benchmarks],
        "twins": twins,
    }
    return raw


def test_twin_flags_static_only_inflation():
    board = _with_twins(synthetic_board(n_models=200, seed=11, plant=["inflation"]))
    findings = rule_twin_gap(board, None, AlertSettings(), set(), None)
    found = {f.model_key: f for f in findings}[PLANT_KEYS["inflation"]]
    assert found.benchmark == INFLATED_BENCHMARK
    assert found.p_value < AlertSettings().q / len(findings)
    assert found.effect > AlertSettings().twin_floor
    assert found.cells == ((PLANT_KEYS["inflation"], INFLATED_BENCHMARK), (PLANT_KEYS["inflation"], "bench_2"))
    assert "general capability" in found.evidence["level_source"]


def test_twin_null_board_has_no_bonferroni_hit():
    board = _with_twins(synthetic_board(n_models=200, seed=12))
    findings = rule_twin_gap(board, None, AlertSettings(), set(), None)
    assert len(findings) == 200
    assert min(f.p_value for f in findings) > AlertSettings().q / len(findings)


def test_twin_fresh_inflation_is_not_flagged():
    # The same inflation on the fresh side narrows the gap, so it is no alert.
    board = _with_twins(synthetic_board(n_models=200, seed=11, plant=["inflation"]), twins=(("bench_2", INFLATED_BENCHMARK),))
    found = {f.model_key: f for f in rule_twin_gap(board, None, AlertSettings(), set(), None)}[PLANT_KEYS["inflation"]]
    assert found.p_value > 0.5


def test_twin_muted_cell_skips_model():
    board = _with_twins(synthetic_board(n_models=100, seed=13, plant=["inflation"]))
    muted = {(PLANT_KEYS["inflation"], "bench_2")}
    keys = {f.model_key for f in rule_twin_gap(board, None, AlertSettings(), muted, None)}
    assert PLANT_KEYS["inflation"] not in keys


def test_twin_standard_error_from_items_widens_scale():
    board = _with_twins(synthetic_board(n_models=150, seed=14))
    plain = rule_twin_gap(board, None, AlertSettings(), set(), None)[0]
    benchmarks = tuple(dataclasses.replace(b, items=50) if b.id in PAIR else b for b in board.schema.benchmarks)
    board.schema = dataclasses.replace(board.schema, benchmarks=benchmarks)
    with_items = rule_twin_gap(board, None, AlertSettings(), set(), None)[0]
    assert plain.evidence["gap_se"] is None
    assert with_items.evidence["gap_se"] > 0
    assert "binomial" in with_items.evidence["se_method"]


def test_twin_board_without_pairs_returns_nothing():
    board = synthetic_board(n_models=50, seed=15)
    assert rule_twin_gap(board, None, AlertSettings(), set(), None) == []


def test_schema_reads_twin_pairs():
    schema = parse_board_schema(_schema_raw([{"static": "bench_0", "fresh": "bench_1"}]))
    assert schema.twins == (("bench_0", "bench_1"),)


@pytest.mark.parametrize("twins, message", [
    ([{"static": "bench_0", "fresh": "nope"}], "twins[0].fresh"),
    ([{"static": "bench_0", "fresh": "bench_0"}], "both 'bench_0'"),
    ([{"static": "bench_0"}], "exactly the keys static and fresh"),
    ([{"static": "bench_0", "fresh": "bench_1"}, {"static": "bench_0", "fresh": "bench_1"}], "more than once"),
    ("bench_0", "expected a list"),
])
def test_schema_rejects_invalid_twins(twins, message):
    with pytest.raises(SchemaError) as error:
        parse_board_schema(_schema_raw(twins))
    assert message in str(error.value)
