"""Rule 3 (too good for its size) on synthetic boards with planted answers."""

import numpy as np
import pandas as pd

from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.size import masked_wide, rule_size
from tests.alert_boards import PLANT_KEYS, synthetic_board


def _sizes(board):
    return board.models.set_index("model_key")["params_b"].astype("float64")


def _by_model(findings):
    return {f.model_key: f for f in findings}


def test_size_catches_uniformly_inflated_small_model():
    board = synthetic_board(n_models=300, seed=1, plant=["uniform_small"])
    findings = rule_size(board, None, AlertSettings(), set(), _sizes(board))
    found = _by_model(findings)[PLANT_KEYS["uniform_small"]]
    # Bonferroni over every test of the board is stricter than Benjamini-Hochberg.
    assert found.p_value < AlertSettings().q / len(findings)
    assert found.effect > 0
    assert found.evidence["beats_every_larger"] is False or found.evidence["n_larger"] >= 5
    assert found.evidence["n_larger"] > 100


def test_size_null_board_has_no_bonferroni_hit():
    board = synthetic_board(n_models=300, seed=2)
    findings = rule_size(board, None, AlertSettings(), set(), _sizes(board))
    assert len(findings) == 300
    assert min(f.p_value for f in findings) > AlertSettings().q / len(findings)


def test_size_skips_unknown_sizes():
    board = synthetic_board(n_models=120, seed=3, plant=["uniform_small"])
    sizes = _sizes(board)
    sizes[PLANT_KEYS["uniform_small"]] = np.nan
    findings = rule_size(board, None, AlertSettings(), set(), sizes)
    assert PLANT_KEYS["uniform_small"] not in _by_model(findings)
    assert findings[0].evidence["n_unknown_size"] == 1


def test_size_muted_model_left_out():
    board = synthetic_board(n_models=120, seed=3, plant=["uniform_small"])
    muted = {(PLANT_KEYS["uniform_small"], "bench_0")}
    findings = rule_size(board, None, AlertSettings(), muted, _sizes(board))
    assert PLANT_KEYS["uniform_small"] not in _by_model(findings)


def test_size_dominance_counts_larger_models():
    board = synthetic_board(n_models=120, seed=4, plant=["uniform_small"])
    sizes = _sizes(board)
    found = _by_model(rule_size(board, None, AlertSettings(size_ratio=3.0), set(), sizes))[PLANT_KEYS["uniform_small"]]
    expected = int((sizes >= 1.5).sum())
    assert found.evidence["n_larger"] == expected


def test_size_too_few_models_returns_nothing():
    board = synthetic_board(n_models=10, seed=5)
    assert rule_size(board, None, AlertSettings(), set(), _sizes(board)) == []


def test_masked_wide_sets_muted_cells_missing():
    board = synthetic_board(n_models=20, seed=6)
    key = board.models["model_key"].iloc[0]
    wide = masked_wide(board, None, {(key, "bench_2")})
    assert np.isnan(wide.at[key, "bench_2"])
    assert not np.isnan(wide.at[key, "bench_1"])
