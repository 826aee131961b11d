import pytest

from leaderboard.alerts.integrity import integrity_check
from leaderboard.alerts.residual import assign_folds, model_families, residual_findings
from leaderboard.alerts.run import run_alerts
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.specialists import model_specialties, name_words
from tests.alert_boards import (
    INFLATED_BENCHMARK, MATH_BENCHMARK, PLANT_KEYS, SPECIALIST_OTHER_BENCHMARK, synthetic_board,
)


@pytest.fixture(scope="module")
def report():
    board = synthetic_board(plant=("inflation", "broken", "specialist", "uniform_small"))
    return run_alerts(board, "rev1", rules=("residual",))


def alerted(report, model_key):
    return {a.finding.benchmark for a in report.alerts if a.finding.model_key == model_key and a.finding.rule == "residual"}


def test_inflation_flagged(report):
    assert alerted(report, PLANT_KEYS["inflation"]) == {INFLATED_BENCHMARK}
    alert = next(a for a in report.alerts if a.finding.model_key == PLANT_KEYS["inflation"])
    assert alert.finding.effect > 15
    assert alert.q_value <= 0.10
    assert alert.finding.evidence["interval_low"] < alert.finding.evidence["predicted"] < alert.finding.evidence["interval_high"]


def test_broken_eval_not_gaming(report):
    assert alerted(report, PLANT_KEYS["broken"]) == set()
    assert not any(f.rule == "residual" and f.model_key == PLANT_KEYS["broken"] for f in report.findings)


def test_specialist_exempt_on_specialty_only(report):
    assert alerted(report, PLANT_KEYS["specialist"]) == {SPECIALIST_OTHER_BENCHMARK}
    math_finding = next(f for f in report.findings if f.rule == "residual" and f.model_key == PLANT_KEYS["specialist"] and f.benchmark == MATH_BENCHMARK)
    assert math_finding.effect > 15
    assert "math specialist" in math_finding.evidence["exempt"]


def test_uniform_small_model_missed(report):
    assert alerted(report, PLANT_KEYS["uniform_small"]) == set()


def test_specialist_name_detection():
    board = synthetic_board(n_models=20)
    board.models.loc[0, "model_id"] = "org/WizardMath-7B"
    board.models.loc[1, "model_id"] = "org/deepseek-coder-6.7b"
    board.models.loc[2, "model_id"] = "org/Medium-Model-7B"
    found = model_specialties(board)
    keys = board.models["model_key"]
    assert set(found[keys[0]]) == {"math"}
    assert set(found[keys[1]]) == {"code"}
    assert keys[2] not in found


def test_name_words_split():
    assert name_words("Qwen2.5-Math-7B") == ["qwen", "math", "b"]
    assert name_words("WizardMath") == ["wizard", "math"]


def test_families_follow_lineage_root():
    board = synthetic_board(n_models=50, lineage=True)
    families, method = model_families(board)
    assert method == "root of the base-model chain"
    roots = set(board.models["model_key"][:10])
    assert set(families) <= roots


def test_families_fall_back_to_organisation():
    board = synthetic_board(n_models=50)
    families, method = model_families(board)
    assert method == "organisation"
    assert (families == board.models.set_index("model_key")["organization"]).all()


def test_folds_keep_families_together():
    board = synthetic_board(n_models=100)
    families, _ = model_families(board)
    folds = assign_folds(families, 5)
    assert (folds.groupby(families).nunique() == 1).all()
    assert folds.nunique() == 5


def test_muted_cells_skipped():
    board = synthetic_board(plant=("inflation",))
    muted = {(PLANT_KEYS["inflation"], b) for b in board.schema.benchmark_ids}
    findings = residual_findings(board, None, AlertSettings(), muted)
    assert not any(f.model_key == PLANT_KEYS["inflation"] for f in findings)
    assert len(findings) == 200 * 6
