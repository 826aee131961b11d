import math

import numpy as np
import pytest

from leaderboard.alerts.model import Finding
from leaderboard.alerts.run import FRAME_COLUMNS, RULE_FUNCTIONS, _severities, alerts_frame, benjamini_hochberg, run_alerts
from leaderboard.alerts.settings import AlertSettings
from tests.alert_boards import PLANT_KEYS, inflated_benchmark, inflated_key, synthetic_board

SIMULATED_BOARDS = 20
Q = AlertSettings().q
# Monte Carlo tolerance: two binomial standard errors of a share q over the simulated boards.
TOLERANCE = 2 * math.sqrt(Q * (1 - Q) / SIMULATED_BOARDS)


def finding(rule, model, cells, effect=10.0, benchmark=None):
    return Finding(rule=rule, board="b", model_key=model, benchmark=benchmark, effect=effect, effect_unit="points",
                   statistic=3.0, p_value=0.001, cells=tuple(cells))


def test_null_boards_rarely_alert():
    with_alerts = 0
    for seed in range(SIMULATED_BOARDS):
        report = run_alerts(synthetic_board(seed=1000 + seed), "null", rules=("residual",))
        with_alerts += bool(report.alerts)
    assert with_alerts / SIMULATED_BOARDS <= Q + TOLERANCE


def test_planted_false_discovery_proportion():
    proportions = []
    found = 0
    for seed in range(SIMULATED_BOARDS // 2):
        report = run_alerts(synthetic_board(seed=2000 + seed, n_inflated=10), "planted", rules=("residual",))
        planted = {(inflated_key(i), inflated_benchmark(i)) for i in range(10)}
        cells = [(a.finding.model_key, a.finding.benchmark) for a in report.alerts]
        proportions.append(sum(cell not in planted for cell in cells) / max(len(cells), 1))
        found += len(planted & set(cells))
    assert np.mean(proportions) <= Q + TOLERANCE
    assert found >= 0.9 * 10 * (SIMULATED_BOARDS // 2)


def test_report_counts_and_purity():
    board = synthetic_board(plant=("inflation", "broken"))
    first = run_alerts(board, "rev1", rules=("residual",))
    second = run_alerts(board, "rev1", rules=("residual",))
    assert first.n_tests == 201 * 6
    assert [a.id for a in first.alerts] == [a.id for a in second.alerts]
    assert first.runtime > 0
    severities = {a.finding.model_key: a.severity for a in first.alerts}
    assert severities[PLANT_KEYS["broken"]] == "data-quality"
    assert severities[PLANT_KEYS["inflation"]] == "medium"


def test_alerts_frame_columns_and_order():
    board = synthetic_board(plant=("inflation", "broken"))
    frame = alerts_frame(run_alerts(board, "rev1", rules=("residual",)))
    assert list(frame.columns) == FRAME_COLUMNS
    assert frame["severity"].iloc[0] == "medium"
    assert frame["severity"].iloc[-1] == "data-quality"


def test_unknown_rule_rejected():
    with pytest.raises(ValueError, match="unknown rule"):
        run_alerts(synthetic_board(n_models=30), "rev1", rules=("astrology",))


def test_residual_registered():
    assert "residual" in RULE_FUNCTIONS


def test_high_needs_disjoint_cells():
    residual = finding("residual", "m", [("m", "a")], benchmark="a")
    same_cell = finding("base_jump", "m", [("m", "a")], benchmark="a")
    other_cell = finding("twin_gap", "m", [("m", "b")], benchmark="b")
    settings = AlertSettings()

    alone = _severities([(residual, 0.01), (same_cell, 0.01)], settings)
    assert [a.severity for a in alone] == ["low", "low"]

    agreeing = _severities([(residual, 0.01), (other_cell, 0.01)], settings)
    assert agreeing[0].severity == "high"
    assert agreeing[0].corroborated_by == (other_cell.id,)


def test_medium_needs_twice_the_floor():
    big = finding("residual", "m", [("m", "a")], effect=16.0, benchmark="a")
    small = finding("residual", "n", [("n", "a")], effect=15.9, benchmark="a")
    severities = [a.severity for a in _severities([(big, 0.01), (small, 0.01)], AlertSettings())]
    assert severities == ["medium", "low"]


def test_benjamini_hochberg_by_hand():
    findings = [finding("residual", "m", [], benchmark=str(i)) for i in range(3)]
    findings = [Finding(**{**f.__dict__, "p_value": p}) for f, p in zip(findings, [0.01, 0.04, 0.03])]
    findings.append(Finding(rule="integrity", board="b", model_key="x", benchmark=None, effect=1.0, effect_unit="", statistic=0.0, p_value=None))
    q_values = benjamini_hochberg(findings)
    assert set(q_values) == {0, 1, 2}
    assert q_values[0] == pytest.approx(0.03)
    assert q_values[1] == pytest.approx(0.04)
    assert q_values[2] == pytest.approx(0.04)
