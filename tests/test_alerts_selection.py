"""Rule 6 (selection pressure) on a small synthetic board with a planted burst of submissions."""

import math

import numpy as np
import pandas as pd
import pytest

from leaderboard.alerts.selection import expected_max_normal, pooled_sd, rule_selection
from leaderboard.alerts.settings import AlertSettings
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board


def _board(seed=41):
    rng = np.random.default_rng(seed)
    keys, dates, sizes = [], [], []
    for i in range(12):
        keys.append(f"busy/variant-{i:02d}")
        dates.append(f"2024-03-{1 + i:02d}")
        sizes.append(7.0)
    for i in range(30):
        keys.append(f"calm{i % 5}/model-{i:02d}")
        dates.append(f"2024-{1 + i % 12:02d}-15")
        sizes.append(7.0)
    scores = pd.DataFrame(50 + rng.normal(0, 4, (len(keys), 3)), index=keys, columns=["a", "b", "c"])
    schema = parse_board_schema({
        "id": "selection", "title": "t", "description": "d", "citation": "c", "source": "s", "license": "l",
        "model_key": "k", "aggregate": {"rule": "mean"}, "metadata": ["submission_date", "params_b"],
        "benchmarks": [{"id": b, "higher_is_better": True, "range": [0, 100]} for b in scores.columns],
    })
    results = scores.rename_axis("model_key").reset_index().melt(id_vars="model_key", var_name="benchmark", value_name="score")
    results["snapshot"] = "2025-01-01"
    models = pd.DataFrame({"model_key": keys, "model_id": keys, "submission_date": dates, "params_b": sizes})
    board = build_board(schema, results, models, file="synthetic")
    return board, scores.mean(axis=1), pd.Series(sizes, index=keys)


@pytest.mark.parametrize("n, expected", [(1, 0.0), (2, 1 / math.sqrt(math.pi)), (3, 1.5 / math.sqrt(math.pi)), (10, 1.538753)])
def test_expected_max_normal_known_values(n, expected):
    assert expected_max_normal(n) == pytest.approx(expected, abs=1e-5)


def test_pooled_sd_removes_group_means():
    scores = np.array([1.0, 3.0, 101.0, 103.0])
    assert pooled_sd(scores, np.array(["s", "s", "l", "l"])) == pytest.approx(math.sqrt(2.0))
    assert pooled_sd(scores, np.array(["a", "b", "c", "d"])) == pytest.approx(np.std(scores, ddof=1))


def test_selection_flags_busy_organisation_only():
    board, average, sizes = _board()
    findings = rule_selection(board, None, AlertSettings(selection_min_variants=10, selection_window_days=30), set(), sizes)
    assert [f.evidence["organisation"] for f in findings] == ["busy"]
    found = findings[0]
    busy = average[average.index.str.startswith("busy/")]
    assert found.evidence["n_variants"] == 12
    assert found.model_key == busy.idxmax()
    assert found.p_value is None
    assert found.effect == pytest.approx(np.std(busy, ddof=1) * expected_max_normal(12))


def test_selection_muted_variant_left_out():
    board, _, sizes = _board()
    muted = {("busy/variant-00", "a"), ("busy/variant-01", "b"), ("busy/variant-02", "c")}
    findings = rule_selection(board, None, AlertSettings(selection_min_variants=10), muted, sizes)
    assert findings == []


def test_selection_narrow_window_not_flagged():
    board, _, sizes = _board()
    assert rule_selection(board, None, AlertSettings(selection_window_days=5), set(), sizes) == []
