import math

import numpy as np
import pytest

from leaderboard.alerts.integrity import integrity_check, median_pair_predictions, name_sizes, valid_size
from leaderboard.alerts.settings import AlertSettings
from tests.alert_boards import BROKEN_BENCHMARK, PLANT_KEYS, ZERO_BENCHMARK, synthetic_board


@pytest.fixture(scope="module")
def planted():
    board = synthetic_board(plant=("broken", "published_zero", "size_contradiction", "inflation"))
    return board, integrity_check(board, None, AlertSettings())


def test_broken_cell_is_data_quality(planted):
    _, result = planted
    cells = {(f.model_key, f.benchmark) for f in result.findings if f.benchmark}
    assert (PLANT_KEYS["broken"], BROKEN_BENCHMARK) in cells
    finding = next(f for f in result.findings if f.model_key == PLANT_KEYS["broken"])
    assert finding.data_quality
    assert finding.p_value is None
    assert "chance" in finding.evidence["reason"]


def test_published_zero_is_caught(planted):
    _, result = planted
    finding = next(f for f in result.findings if f.model_key == PLANT_KEYS["published_zero"])
    assert finding.benchmark == ZERO_BENCHMARK
    assert finding.evidence["reason"] == "published score of 0"


def test_broken_model_fully_muted(planted):
    board, result = planted
    benchmarks = board.schema.benchmark_ids
    assert {(PLANT_KEYS["broken"], b) for b in benchmarks} <= result.muted
    assert not any(key == PLANT_KEYS["inflation"] for key, _ in result.muted)


def test_null_board_has_no_broken_cells():
    for seed in range(5):
        result = integrity_check(synthetic_board(seed=seed), None, AlertSettings())
        assert [f for f in result.findings if f.benchmark] == []


@pytest.mark.parametrize("name, expected", [
    ("meta-llama/Llama-2-7b-hf", [(7.0, 7.0)]),
    ("Qwen/Qwen2.5-1.5B-Instruct", [(1.5, 1.5)]),
    ("bigscience/bloom-560m", [(0.56, 0.56)]),
    ("mistralai/Mixtral-8x7B-v0.1", [(7.0, 56.0)]),
    ("gpt2", []),
    ("org/model-v0.1", []),
])
def test_name_sizes_table(name, expected):
    assert name_sizes(name) == pytest.approx(expected)


def test_size_contradiction_reported_and_unknown(planted):
    board, result = planted
    finding = next(f for f in result.findings if f.model_key == PLANT_KEYS["size_contradiction"])
    assert finding.benchmark is None
    assert finding.evidence["name_sizes"] == "7B"
    assert math.isnan(result.sizes[PLANT_KEYS["size_contradiction"]])
    assert result.sizes[PLANT_KEYS["inflation"]] == 7.0
    assert any("no usable size" in note for note in result.notes)


def test_valid_size_zero_and_negative_unknown():
    board = synthetic_board(n_models=30)
    board.models.loc[0, "params_b"] = 0.0
    board.models.loc[1, "params_b"] = -1.0
    sizes = valid_size(board)
    assert math.isnan(sizes[board.models.loc[0, "model_key"]])
    assert math.isnan(sizes[board.models.loc[1, "model_key"]])
    assert sizes.notna().sum() == 28


def test_median_prediction_ignores_two_outliers():
    rng = np.random.default_rng(0)
    general = rng.normal(size=300)
    values = 50 + 10 * general[:, None] + rng.normal(0, 1, (300, 6))
    values[0] = 50.0
    values[0, 1] += 30
    values[0, 2] += 30
    predicted = median_pair_predictions(values)
    assert abs(predicted[0, 0] - 50.0) < 5
