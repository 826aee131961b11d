import math

import numpy as np
import pandas as pd
import pytest

from leaderboard.agreement import DRIFT_COLUMNS, agreement_drift, agreement_once, benchmark_agreement, relative_z, win_rates

# Four models, three benchmarks; C is lower-is-better, so oriented it orders
# the models as A does. Win rates (rank - 1) / 3:
#   A: 0, 1/3, 2/3, 1    B: 0, 1/3, 1, 2/3    C: 0, 1/3, 2/3, 1
# A against mean(B, C) = (0, 1/3, 5/6, 5/6): 5 concordant pairs, 1 tied in
# the aggregate only, so tau-b = 5 / sqrt(6 * 5).
# B against mean(A, C) = (0, 1/3, 2/3, 1): 5 concordant, 1 discordant, 4 / 6.
TABLE = pd.DataFrame(
    {"A": [1.0, 2.0, 3.0, 4.0], "B": [1.0, 2.0, 4.0, 3.0], "C": [4.0, 3.0, 2.0, 1.0]},
    index=["m1", "m2", "m3", "m4"],
)
DIRECTIONS = {"A": True, "B": True, "C": False}


def test_win_rates_with_ties():
    # Scores 10, 20, 20, 30: the tied pair each beat one model and tie one.
    rates = win_rates(np.array([[10.0], [20.0], [20.0], [30.0], [np.nan]]))
    assert rates[:, 0][:4] == pytest.approx([0.0, 0.5, 0.5, 1.0])
    assert np.isnan(rates[4, 0])


def test_win_rates_single_model_column():
    rates = win_rates(np.array([[1.0], [np.nan]]))
    assert np.isnan(rates).all()


def test_agreement_once_hand_values():
    values = TABLE.to_numpy() * np.array([1.0, 1.0, -1.0])
    taus = agreement_once(values, min_overlap=3)
    assert taus[0] == pytest.approx(5 / math.sqrt(30))
    assert taus[1] == pytest.approx(4 / 6)
    assert taus[2] == pytest.approx(5 / math.sqrt(30))


def test_benchmark_agreement_full_subsets():
    result = benchmark_agreement(TABLE, DIRECTIONS, draws=3, seed=0, subset_fraction=1.0, min_overlap=3)
    assert result.table.at["A", "mean_agreement"] == pytest.approx(5 / math.sqrt(30))
    assert result.table.at["B", "mean_agreement"] == pytest.approx(4 / 6)
    assert result.table.at["B", "draws_used"] == 3
    assert result.draws.shape == (3, 3)
    # The other two means are equal, so their sd is 0 and z is undefined.
    assert np.isnan(result.table.at["B", "relative_z"])


def test_benchmark_agreement_direction_matters():
    flipped = benchmark_agreement(TABLE, {"A": True, "B": True, "C": True}, draws=2, subset_fraction=1.0, min_overlap=3)
    assert flipped.table.at["C", "mean_agreement"] < 0


def test_relative_z_hand_value():
    # For p: the others are 0.6, 0.8, 0.7 with mean 0.7 and sample sd 0.1.
    z = relative_z(pd.Series({"p": 0.9, "q": 0.6, "r": 0.8, "s": 0.7}))
    assert z["p"] == pytest.approx(2.0)
    assert z["q"] == pytest.approx((0.6 - 0.8) / 0.1)


def test_half_subsets_fixed_seed():
    rng = np.random.default_rng(5)
    ability = rng.normal(size=60)
    wide = pd.DataFrame({f"b{k}": ability + rng.normal(scale=0.3 + 0.3 * k, size=60) for k in range(4)})
    first = benchmark_agreement(wide, draws=20, seed=7)
    again = benchmark_agreement(wide, draws=20, seed=7)
    pd.testing.assert_frame_equal(first.table, again.table)
    means = first.table["mean_agreement"]
    assert means["b0"] > means["b3"]
    assert first.table.at["b0", "relative_z"] > 0
    assert (first.table["low"] <= first.table["high"]).all()


def test_agreement_too_few_models():
    result = benchmark_agreement(TABLE, DIRECTIONS, draws=5)
    assert result.table["mean_agreement"].isna().all()
    assert (result.table["draws_used"] == 0).all()


def test_agreement_single_model():
    result = benchmark_agreement(TABLE.head(1), DIRECTIONS, draws=5, min_overlap=2)
    assert result.table["mean_agreement"].isna().all()


def drifting_table(seed=0):
    """Two windows of 100 models: benchmark d agrees in the first, is noise in the second."""
    rng = np.random.default_rng(seed)
    rows = []
    for window, start in enumerate(["2024-01-01", "2024-04-01"]):
        ability = rng.normal(size=100)
        noise_scale = 0.2 if window == 0 else 5.0
        block = pd.DataFrame(
            {
                "a": ability + rng.normal(scale=0.2, size=100),
                "b": ability + rng.normal(scale=0.2, size=100),
                "c": ability + rng.normal(scale=0.2, size=100),
                "d": ability + rng.normal(scale=noise_scale, size=100),
            },
            index=[f"w{window}m{i}" for i in range(100)],
        )
        block["date"] = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(rng.integers(0, 80, size=100), unit="D")
        rows.append(block)
    table = pd.concat(rows)
    return table.drop(columns="date"), table["date"]


def test_drift_flags_falling_agreement():
    wide, dates = drifting_table()
    drift = agreement_drift(wide, dates, window_days=91, step_days=91, min_models=30, draws=50, seed=0)
    assert list(drift.columns) == DRIFT_COLUMNS
    d = drift[drift["benchmark"] == "d"].reset_index(drop=True)
    assert len(d) == 2
    assert not d.at[0, "flagged"]
    assert d.at[1, "flagged"]
    assert d.at[1, "high"] < d.at[0, "estimate"]
    assert d.at[1, "p_value"] == pytest.approx(1 / 51)
    assert d.at[1, "q_value"] == pytest.approx(1 / 51)
    # The noisy d also dilutes the others' aggregate, so a drops too, but less.
    a = drift[drift["benchmark"] == "a"].reset_index(drop=True)
    assert d.at[1, "estimate"] < a.at[1, "estimate"]


def test_drift_small_window_gives_reason():
    wide, dates = drifting_table()
    drift = agreement_drift(wide, dates, window_days=91, step_days=91, min_models=150, draws=5)
    assert drift["estimate"].isna().all()
    assert drift["reason"].iloc[0] == "100 dated models in the window (minimum 150)"


def test_drift_undated_models_left_out():
    wide, dates = drifting_table()
    drift = agreement_drift(wide, dates.iloc[:0], draws=5)
    assert drift.empty
