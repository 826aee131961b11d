import math

import numpy as np
import pandas as pd
import pytest

from leaderboard.trends import change_points, mann_kendall

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def years(*values):
    return [EPOCH + pd.Timedelta(days=365.25 * v) for v in values]


def test_monotone_series_tau_one():
    result = mann_kendall(years(0, 1, 2, 3, 4), [1.0, 3.0, 5.0, 7.0, 9.0])
    assert result.n == 5
    assert result.tau == pytest.approx(1.0)
    # Exact two-sided p-value: 2 of the 5! = 120 orderings are as extreme.
    assert result.p_value == pytest.approx(2 / 120)
    assert result.slope_per_year == pytest.approx(2.0)
    assert result.intercept == pytest.approx(1.0)
    assert result.slope_low == pytest.approx(2.0)
    assert result.slope_high == pytest.approx(2.0)
    assert result.unavailable is None


def test_decreasing_series_tau_minus_one():
    result = mann_kendall(years(0, 1, 2, 3), [4.0, 3.0, 2.0, 1.0])
    assert result.tau == pytest.approx(-1.0)
    assert result.slope_per_year == pytest.approx(-1.0)


def test_tied_times_counted_as_ties():
    # 6 pairs: 5 concordant, 1 tied in time only, so tau-b = 5 / sqrt((6 - 1) * (6 - 0)).
    result = mann_kendall(years(0, 0, 1, 2), [1.0, 2.0, 3.0, 4.0])
    assert result.tau == pytest.approx(5 / math.sqrt(5 * 6))


def test_missing_values_dropped():
    result = mann_kendall(years(0, 1, 2, 3), [1.0, np.nan, 2.0, 3.0])
    assert result.n == 3
    assert result.tau == pytest.approx(1.0)


def test_constant_series_unavailable():
    result = mann_kendall(years(0, 1, 2), [5.0, 5.0, 5.0])
    assert math.isnan(result.tau)
    assert "all 3 scores are equal" in result.unavailable


def test_short_series_unavailable():
    assert "at least 3" in mann_kendall(years(0, 1), [1.0, 2.0]).unavailable


def test_single_date_unavailable():
    assert "one date" in mann_kendall(years(1, 1, 1), [1.0, 2.0, 3.0]).unavailable


def step_series(low, high, length):
    index = pd.date_range("2024-01-01", periods=2 * length, freq="D", tz="UTC")
    return pd.Series([low] * length + [high] * length, index=index, dtype="float64")


def test_one_step_one_change_point():
    series = step_series(0.0, 10.0, 5)
    result = change_points(series)
    assert result.indices == [5]
    assert result.times == [pd.Timestamp("2024-01-06", tz="UTC")]
    assert result.segment_means == [0.0, 10.0]
    # 3 * ln(10) * sample variance 250 / 9.
    assert result.penalty == pytest.approx(3 * math.log(10) * 250 / 9)
    assert result.model == "l2"
    assert "sample variance" in result.penalty_rule


def test_rbf_one_step():
    result = change_points(step_series(0.0, 1.0, 20), model="rbf")
    assert result.indices == [20]
    assert result.penalty == pytest.approx(3 * math.log(40))


def test_noisy_step_found():
    noise = np.random.default_rng(1).normal(0, 0.2, 40)
    series = step_series(0.0, 1.0, 20) + noise
    assert change_points(series).indices == [20]


def test_unsorted_series_sorted_by_time():
    series = step_series(0.0, 10.0, 5).iloc[::-1]
    assert change_points(series).indices == [5]


def test_constant_series_no_change():
    result = change_points(step_series(2.0, 2.0, 5))
    assert result.indices == []
    assert "equal" in result.unavailable


def test_short_series_no_change():
    result = change_points(step_series(0.0, 1.0, 1))
    assert "at least 4 points" in result.unavailable


def test_caller_penalty_used():
    result = change_points(step_series(0.0, 10.0, 5), penalty=1000.0)
    assert result.indices == []
    assert result.penalty == 1000.0
    assert result.penalty_rule == "set by the caller"


def test_unknown_cost_rejected():
    with pytest.raises(ValueError, match="l2, rbf"):
        change_points(step_series(0.0, 1.0, 5), model="normal")
