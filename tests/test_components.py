import numpy as np
import pandas as pd
import pytest

from leaderboard.aggregate import wide_scores
from leaderboard.components import analysable_benchmarks, excluded_benchmarks, impute_low_rank, principal_components
from leaderboard.embedded import load_embedded
from leaderboard.schema import parse_board_schema
from tests.test_schema import minimal_schema


def rank_one_table(models=20, benchmarks=4, seed=0):
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=models)
    weights = np.array([1.0, 2.0, 0.5, 3.0])[:benchmarks]
    return pd.DataFrame(np.outer(ability, weights) + 50, columns=[f"b{k}" for k in range(benchmarks)])


def test_rank_one_explains_everything():
    for scaling in ("standardized", "centred"):
        result = principal_components(rank_one_table(), scaling=scaling)
        assert result.explained_variance_ratio["PC1"] == pytest.approx(1.0)
        assert result.n_models == 20


def test_rank_one_loadings_equal_when_standardized():
    result = principal_components(rank_one_table(), scaling="standardized")
    assert np.allclose(result.loadings["PC1"], 0.5)


def test_centred_loadings_follow_spread():
    # Centred PCA of a rank-1 table: PC1 loadings are the weights over their norm.
    result = principal_components(rank_one_table(), scaling="centred")
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    assert np.allclose(result.loadings["PC1"], weights / np.linalg.norm(weights))


def test_scores_reproduce_scaled_matrix():
    rng = np.random.default_rng(2)
    wide = pd.DataFrame(rng.normal(size=(15, 3)), columns=list("abc"))
    result = principal_components(wide, scaling="centred")
    rebuilt = result.scores.to_numpy() @ result.loadings.to_numpy().T
    assert np.allclose(rebuilt, (wide - wide.mean()).to_numpy())
    assert result.explained_variance_ratio.sum() == pytest.approx(1.0)


def test_complete_cases_by_default():
    wide = rank_one_table()
    wide.iloc[0, 1] = np.nan
    wide.iloc[3, 2] = np.nan
    result = principal_components(wide)
    assert result.n_models == 18
    assert result.imputed_cells == 0


def test_impute_recovers_rank_one():
    full = rank_one_table(models=40)
    holes = full.copy()
    holes.iloc[[1, 5, 9], 0] = np.nan
    holes.iloc[[2, 7], 3] = np.nan
    result = principal_components(holes, impute=True, rank=1)
    assert result.n_models == 40
    assert result.imputed_cells == 5
    assert result.explained_variance_ratio["PC1"] == pytest.approx(1.0, abs=1e-4)


def test_impute_low_rank_keeps_observed():
    full = rank_one_table(models=30).to_numpy()
    holes = full.copy()
    holes[4, 1] = np.nan
    filled, iterations = impute_low_rank(holes, rank=1)
    assert filled[4, 1] == pytest.approx(full[4, 1], rel=1e-3)
    assert np.array_equal(np.delete(filled.ravel(), 4 * 4 + 1), np.delete(full.ravel(), 4 * 4 + 1))
    assert iterations >= 1


def test_constant_and_empty_columns_dropped():
    wide = rank_one_table().assign(flat=1.0, empty=np.nan)
    result = principal_components(wide)
    assert result.dropped == {"empty": "no scores", "flat": "constant over the models used"}
    assert list(result.loadings.index) == ["b0", "b1", "b2", "b3"]


def test_single_model_gives_reason():
    result = principal_components(rank_one_table().head(1))
    assert result.reason == "needs at least 2 models with every score (complete cases), found 1"
    assert result.explained_variance_ratio.empty


def test_unknown_scaling_rejected():
    with pytest.raises(ValueError, match="unknown scaling"):
        principal_components(rank_one_table(), scaling="whitened")


def test_analysable_drops_composite_and_sparse():
    raw = minimal_schema()
    raw["benchmarks"] = raw["benchmarks"] + [
        {"id": "index", "name": "Index", "higher_is_better": True, "unit": "", "scale": "index", "composite": True},
        {"id": "sparse", "name": "Sparse", "higher_is_better": True, "unit": "", "scale": "x"},
    ]
    schema = parse_board_schema(raw)
    wide = pd.DataFrame(
        {"a": np.arange(12.0), "b": np.arange(12.0), "index": np.arange(12.0), "sparse": [1.0] * 3 + [np.nan] * 9, "extra": 1.0}
    )
    assert analysable_benchmarks(schema, wide) == ["a", "b"]
    reasons = excluded_benchmarks(schema, wide)
    assert reasons["index"] == "composite of the other benchmarks"
    assert reasons["sparse"] == "only 3 models have a score (minimum 10)"
    assert reasons["extra"] == "not a benchmark of this board"


@pytest.mark.parametrize("board_id", ["open_llm_v1", "open_llm_v2"])
def test_open_llm_first_component_dominates(board_id):
    board = load_embedded().boards[board_id]
    wide = wide_scores(board, None, raw=False)
    wide = wide[analysable_benchmarks(board.schema, wide)]
    result = principal_components(wide, scaling="standardized")
    ratio = result.explained_variance_ratio["PC1"]
    print(f"{board_id}: PC1 explains {ratio:.4f} of {result.n_models} complete models")
    assert ratio > 0.5
    assert (result.loadings["PC1"] > 0).all()
