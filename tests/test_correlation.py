import math

import numpy as np
import pandas as pd
import pytest

from leaderboard.aggregate import wide_scores
from leaderboard.components import analysable_benchmarks
from leaderboard.correlation import (
    bh_upper_triangle,
    bootstrap_pair_ci,
    cell_text,
    cluster_order,
    correlation_matrix,
    first_component_residuals,
    partial_correlations,
)
from leaderboard.embedded import load_embedded

# tau-b of a and b by hand: of the 10 pairs, (m1, m2) and (m3, m4) are
# discordant and 8 concordant, so tau-b = (8 - 2) / 10 = 0.6. Spearman:
# rank differences (-1, 1, -1, 1, 0), rho = 1 - 6 * 4 / (5 * 24) = 0.8.
FIVE = pd.DataFrame(
    {"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [2.0, 1.0, 4.0, 3.0, 5.0]},
    index=pd.Index(["m1", "m2", "m3", "m4", "m5"], name="model_key"),
)


def test_kendall_tau_b_hand_value():
    result = correlation_matrix(FIVE, "kendall", min_overlap=3)
    assert result.estimate.at["a", "b"] == pytest.approx(0.6)
    assert result.estimate.at["b", "a"] == pytest.approx(0.6)
    assert result.n.at["a", "b"] == 5


def test_spearman_hand_value():
    result = correlation_matrix(FIVE, "spearman", min_overlap=3)
    assert result.estimate.at["a", "b"] == pytest.approx(0.8)


def test_pearson_hand_value():
    # Centred a and b are (-2, -1, 0, 1, 2) and (-1, -2, 1, 0, 2): r = 8 / 10.
    result = correlation_matrix(FIVE, "pearson", min_overlap=3)
    assert result.estimate.at["a", "b"] == pytest.approx(0.8)


def test_kendall_tau_b_with_ties():
    # Pairs: 5 concordant, 0 discordant, 1 tied in x only (m2, m3):
    # tau-b = 5 / sqrt((5 + 0 + 1) * (5 + 0 + 0)) = 5 / sqrt(30).
    wide = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0], "y": [1.0, 3.0, 2.0, 4.0]})
    result = correlation_matrix(wide, "kendall", min_overlap=3)
    assert result.estimate.at["x", "y"] == pytest.approx(5 / math.sqrt(30))


def test_diagonal_is_one_with_count():
    wide = FIVE.assign(c=[1.0, np.nan, 3.0, 2.0, 5.0])
    result = correlation_matrix(wide, "kendall", min_overlap=3)
    assert result.estimate.at["c", "c"] == 1.0
    assert result.n.at["c", "c"] == 4
    assert result.n.at["a", "c"] == 4


def test_two_model_overlap_is_insufficient():
    wide = pd.DataFrame(
        {
            "a": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "b": [1.0, 2.0, np.nan, np.nan, np.nan, np.nan],
            "c": [np.nan, np.nan, 3.0, 1.0, 2.0, 4.0],
        }
    )
    result = correlation_matrix(wide, "kendall", min_overlap=3)
    assert result.n.at["a", "b"] == 2
    assert np.isnan(result.estimate.at["a", "b"])
    assert bool(result.insufficient.at["a", "b"])
    assert cell_text(result, "a", "b") == "insufficient overlap (n=2)"
    assert result.n.at["b", "c"] == 0
    assert bool(result.insufficient.at["b", "c"])


def test_default_min_overlap_is_ten():
    result = correlation_matrix(FIVE)
    assert result.min_overlap == 10
    assert np.isnan(result.estimate.at["a", "b"])
    assert bool(result.insufficient.at["a", "b"])


def test_constant_column_gives_reason():
    wide = FIVE.assign(flat=7.0)
    result = correlation_matrix(wide, "kendall", min_overlap=3)
    assert np.isnan(result.estimate.at["a", "flat"])
    assert not bool(result.insufficient.at["a", "flat"])
    assert "constant" in result.reasons[("a", "flat")]
    assert np.isnan(result.estimate.at["flat", "flat"])
    assert np.isnan(result.q_value.at["a", "flat"])


def test_benchmark_without_scores():
    wide = FIVE.assign(empty=np.nan)
    result = correlation_matrix(wide, "spearman", min_overlap=3)
    assert result.n.at["empty", "empty"] == 0
    assert bool(result.insufficient.at["a", "empty"])
    assert cell_text(result, "empty", "b") == "insufficient overlap (n=0)"
    assert result.estimate.at["a", "b"] == pytest.approx(0.8)


def test_single_model_table():
    wide = pd.DataFrame({"a": [50.0], "b": [60.0]}, index=["only"])
    result = correlation_matrix(wide, "kendall", min_overlap=3)
    assert result.n.at["a", "b"] == 1
    assert bool(result.insufficient.at["a", "b"])
    assert np.isnan(result.estimate.at["a", "b"])


def test_invalid_method_rejected():
    with pytest.raises(ValueError, match="unknown correlation method"):
        correlation_matrix(FIVE, "cosine")


def test_bh_hand_example():
    # Sorted p: 0.01, 0.03, 0.04 with m = 3. Raw adjustments 0.03, 0.045,
    # 0.04; the running minimum from the top gives 0.03, 0.04, 0.04.
    p = np.full((3, 3), np.nan)
    p[0, 1] = p[1, 0] = 0.01
    p[0, 2] = p[2, 0] = 0.04
    p[1, 2] = p[2, 1] = 0.03
    q = bh_upper_triangle(p)
    assert q[0, 1] == pytest.approx(0.03)
    assert q[0, 2] == pytest.approx(0.04)
    assert q[1, 2] == pytest.approx(0.04)
    assert q[2, 1] == pytest.approx(0.04)
    assert np.isnan(q[0, 0])


def test_cell_text_shows_estimate_and_n():
    result = correlation_matrix(FIVE, "kendall", min_overlap=3)
    assert cell_text(result, "a", "b") == "0.60 (n=5)"


def test_bootstrap_pair_fixed_seed():
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    wide = pd.DataFrame({"a": x, "b": x + rng.normal(scale=0.5, size=40)})
    first = bootstrap_pair_ci(wide, "a", "b", "kendall", draws=50, seed=1)
    again = bootstrap_pair_ci(wide, "a", "b", "kendall", draws=50, seed=1)
    assert first == again
    assert first.n == 40
    assert first.draws_used == 50
    assert first.low <= first.estimate <= first.high
    assert 0 < first.low < first.high < 1


def test_bootstrap_pair_insufficient_overlap():
    interval = bootstrap_pair_ci(FIVE, "a", "b", draws=20)
    assert np.isnan(interval.low)
    assert interval.reason == "insufficient overlap (n=5)"


def test_cluster_order_groups_related():
    estimate = pd.DataFrame(
        [[1.0, 0.9, 0.1, 0.2], [0.9, 1.0, 0.0, 0.1], [0.1, 0.0, 1.0, 0.8], [0.2, 0.1, 0.8, 1.0]],
        index=list("pqrs"),
        columns=list("pqrs"),
    )
    order = cluster_order(estimate)
    assert sorted(order) == list("pqrs")
    assert abs(order.index("p") - order.index("q")) == 1
    assert abs(order.index("r") - order.index("s")) == 1


def test_cluster_order_missing_cells():
    estimate = pd.DataFrame(np.nan, index=list("abc"), columns=list("abc"))
    assert sorted(cluster_order(estimate)) == ["a", "b", "c"]


def test_partial_removes_general_factor():
    rng = np.random.default_rng(0)
    general = rng.normal(size=200)
    link = rng.normal(size=200)
    wide = pd.DataFrame(
        {
            "a": general + 0.3 * rng.normal(size=200),
            "b": general + 0.3 * rng.normal(size=200),
            "c": general + 0.5 * link + 0.2 * rng.normal(size=200),
            "d": general + 0.5 * link + 0.2 * rng.normal(size=200),
        }
    )
    raw = correlation_matrix(wide, "kendall")
    partial = partial_correlations(wide, "kendall")
    assert raw.estimate.at["a", "c"] > 0.4
    assert partial.estimate.at["c", "d"] > partial.estimate.at["a", "c"]
    assert partial.estimate.at["c", "d"] > 0.2
    assert partial.n.at["a", "b"] == 200


def test_partial_residuals_uncorrelated_with_pc1():
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(rng.normal(size=(30, 3)), columns=list("abc")).cumsum(axis=1)
    residuals, explained = first_component_residuals(wide)
    centred = wide - wide.mean()
    standardized = centred / wide.std(ddof=1)
    _, _, vt = np.linalg.svd(standardized.to_numpy(), full_matrices=False)
    score = standardized.to_numpy() @ vt[0]
    assert np.allclose(score @ residuals.to_numpy(), 0.0, atol=1e-9)
    assert 0 < explained < 1


def test_partial_two_benchmarks_reason():
    result = partial_correlations(FIVE, "kendall", min_overlap=3)
    assert np.isnan(result.estimate.at["a", "b"])
    assert "at least 3 benchmarks" in result.reasons[("a", "b")]


@pytest.fixture(scope="module")
def open_llm_v1():
    return load_embedded().boards["open_llm_v1"]


def test_open_llm_v1_arc_hellaswag_top_three(open_llm_v1):
    wide = wide_scores(open_llm_v1, None, raw=False)
    wide = wide[analysable_benchmarks(open_llm_v1.schema, wide)]
    result = correlation_matrix(wide, "kendall")
    rows, cols = np.triu_indices(len(wide.columns), k=1)
    cells = sorted(
        ((result.estimate.iat[i, j], {wide.columns[i], wide.columns[j]}) for i, j in zip(rows, cols)),
        key=lambda cell: cell[0],
        reverse=True,
    )
    top_three = [pair for _, pair in cells[:3]]
    print("top tau-b cells:", [(round(v, 3), sorted(p)) for v, p in cells[:3]])
    assert {"arc", "hellaswag"} in top_three
    assert (result.q_value.to_numpy()[rows, cols] < 0.05).all()
