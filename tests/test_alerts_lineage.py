"""Rule 4 (one-benchmark jump over the base model) on synthetic boards with planted lineage."""

import numpy as np
import pandas as pd

from leaderboard.alerts.lineage import resolve_bases, rule_base_jump
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.size import masked_wide
from leaderboard.store import build_board
from tests.alert_boards import SNAPSHOT, synthetic_board

JUMPER = "plant-org/Jumper-7B"
BASE = "plant-org/Base-7B"


def _board_with_family(seed=21, family_gain=0.0, jump=25.0, n_siblings=5):
    """Add a base, `n_siblings` children gaining `family_gain` on bench_3, and one child that also jumps on bench_4."""
    board = synthetic_board(n_models=200, seed=seed, lineage=True)
    rng = np.random.default_rng(seed)
    wide = masked_wide(board, None, set())
    base_scores = wide.median().to_numpy()
    rows = {BASE: (base_scores, BASE)}
    for i in range(n_siblings):
        scores = base_scores + rng.normal(0, 1.0, len(base_scores))
        scores[3] += family_gain
        rows[f"plant-org/Sibling-{i}-7B"] = (scores, BASE)
    scores = base_scores + rng.normal(0, 1.0, len(base_scores))
    scores[3] += family_gain
    scores[4] += jump
    rows[JUMPER] = (scores, BASE)

    extra = pd.DataFrame([dict(zip(wide.columns, s), model_key=k) for k, (s, _) in rows.items()])
    results = pd.concat([board.results, extra.melt(id_vars="model_key", var_name="benchmark", value_name="score").assign(snapshot=SNAPSHOT)], ignore_index=True)
    models = pd.concat([board.models, pd.DataFrame([
        {"model_key": k, "model_id": k, "hub_id": k, "params_b": 7.0, "model_type": "fine-tuned", "organization": "plant-org", "base_model": b}
        for k, (_, b) in rows.items()
    ])], ignore_index=True)
    return build_board(board.schema, results[["model_key", "snapshot", "benchmark", "score"]], models, file="synthetic")


def _find(findings, model, bench):
    return next(f for f in findings if f.model_key == model and f.benchmark == bench)


def test_base_jump_flags_one_benchmark_gain():
    board = _board_with_family()
    findings = rule_base_jump(board, None, AlertSettings(), set(), None)
    found = _find(findings, JUMPER, "bench_4")
    assert found.p_value < AlertSettings().q / len(findings)
    assert found.effect > AlertSettings().jump_floor
    assert found.cells == ((JUMPER, "bench_4"), (BASE, "bench_4"))
    assert found.evidence["base_model_key"] == BASE
    assert "same signal" in found.evidence["independence"]


def test_base_jump_family_gain_removed():
    # Every child of the base gains 20 on bench_3: a family effect, not a jump.
    board = _board_with_family(family_gain=20.0)
    findings = rule_base_jump(board, None, AlertSettings(), set(), None)
    found = _find(findings, JUMPER, "bench_3")
    assert abs(found.evidence["typical_gain"] - 20.0) < 3.0
    assert found.effect < AlertSettings().jump_floor
    assert found.evidence["typical_source"].startswith("median of 5 sibling")


def test_base_jump_few_siblings_use_board_median():
    board = _board_with_family(n_siblings=1)
    found = _find(rule_base_jump(board, None, AlertSettings(), set(), None), JUMPER, "bench_4")
    assert found.evidence["typical_source"] == "median over all child-base pairs of the board"


def test_base_jump_muted_base_cell_skipped():
    board = _board_with_family()
    findings = rule_base_jump(board, None, AlertSettings(), {(BASE, "bench_4")}, None)
    assert not any(f.model_key == JUMPER and f.benchmark == "bench_4" for f in findings)


def test_resolve_bases_prefers_matching_precision():
    board = _board_with_family()
    models = board.models.copy()
    models["precision"] = "bfloat16"
    twin = models[models["model_key"] == BASE].assign(model_key=BASE + ":float16", precision="float16")
    models = pd.concat([models, twin], ignore_index=True)
    models.loc[models["model_key"] == JUMPER, "precision"] = "float16"
    results = board.results
    copy = results[results["model_key"] == BASE].assign(model_key=BASE + ":float16")
    schema = board.schema.__class__(**{**board.schema.__dict__, "metadata": board.schema.metadata + ("precision",)})
    rebuilt = build_board(schema, pd.concat([results, copy], ignore_index=True), models, file="synthetic")
    bases = resolve_bases(rebuilt, masked_wide(rebuilt, None, set()))
    assert bases[JUMPER] == BASE + ":float16"
    assert bases["plant-org/Sibling-0-7B"] == BASE


def test_base_jump_board_without_lineage_returns_nothing():
    board = synthetic_board(n_models=100, seed=22)
    assert rule_base_jump(board, None, AlertSettings(), set(), None) == []
