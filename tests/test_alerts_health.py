"""Rule 5 (benchmark health) on small synthetic boards: saturation and agreement drift."""

import numpy as np
import pandas as pd

from leaderboard.alerts.health import rule_health
from leaderboard.alerts.settings import AlertSettings
from leaderboard.schema import parse_board_schema
from leaderboard.store import build_board


def _board(scores: pd.DataFrame, dates=None, items=None):
    benchmarks = [
        {"id": b, "higher_is_better": True, "range": [0, 100], "chance": 25, "ceiling": 100, **({"items": items} if items else {})}
        for b in scores.columns
    ]
    raw = {
        "id": "health", "title": "t", "description": "d", "citation": "c", "source": "s", "license": "l",
        "model_key": "k", "aggregate": {"rule": "mean"}, "benchmarks": benchmarks,
        "metadata": ["submission_date"] if dates is not None else [],
        "time_axes": ["submission_date"] if dates is not None else [],
    }
    schema = parse_board_schema(raw)
    results = scores.rename_axis("model_key").reset_index().melt(id_vars="model_key", var_name="benchmark", value_name="score")
    results["snapshot"] = "2025-01-01"
    models = pd.DataFrame({"model_key": scores.index, "model_id": scores.index})
    if dates is not None:
        models["submission_date"] = dates
    return build_board(schema, results, models, file="synthetic")


def _factor_scores(rng, n, columns):
    general = rng.normal(0, 1, n)
    return pd.DataFrame(55 + 8 * general[:, None] + rng.normal(0, 3, (n, len(columns))), index=[f"org/m{i:03d}" for i in range(n)], columns=columns)


def test_health_flags_saturated_benchmark():
    rng = np.random.default_rng(31)
    scores = _factor_scores(rng, 80, ["a", "b", "c"])
    scores["b"] = np.clip(97 + rng.normal(0, 1, 80), 0, 100)
    findings = {f.benchmark: f for f in rule_health(_board(scores, items=500), None, AlertSettings(), set(), None)}
    assert findings["b"].evidence["saturated"] is True
    assert findings["b"].effect == 1.0
    assert findings["a"].evidence["saturated"] is False
    assert findings["a"].effect == 0.0
    assert findings["b"].model_key is None
    assert findings["b"].p_value is None
    assert findings["b"].evidence["effect_floor"] == 1.0


def test_health_muted_cells_leave_saturation():
    rng = np.random.default_rng(32)
    scores = _factor_scores(rng, 60, ["a", "b", "c"])
    scores.loc["org/m000", "a"] = 99.9
    muted = {("org/m000", "a")}
    finding = {f.benchmark: f for f in rule_health(_board(scores), None, AlertSettings(), muted, None)}["a"]
    assert finding.evidence["best"] < 99.0


def test_health_detects_agreement_drift():
    rng = np.random.default_rng(33)
    scores = _factor_scores(rng, 300, ["a", "b", "c", "d"])
    late = scores.index[150:]
    # In the last quarter benchmark "a" stops following the others; the latest window is tested.
    scores.loc[late, "a"] = rng.permutation(scores.loc[late, "a"].to_numpy())
    dates = [f"2024-{1 + (i % 9):02d}-10" if i < 150 else f"2024-{10 + (i % 3):02d}-10" for i in range(300)]
    findings = {f.benchmark: f for f in rule_health(_board(scores, dates), None, AlertSettings(), set(), None)}
    assert findings["a"].p_value is not None
    assert findings["a"].p_value < 0.05
    assert findings["a"].evidence["drift_flagged"] is True
    assert findings["a"].effect > 0.1
    assert findings["b"].p_value > 0.05
