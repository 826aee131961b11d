import numpy as np
import pandas as pd
import pytest

import leaderboard.correlation_report as correlation_report_module
from leaderboard.correlation_report import agreement_report, analysed_wide, correlation_report
from leaderboard.schema import parse_board_schema
from leaderboard.state import CorrelationView
from leaderboard.store import build_board

# Thirty models. A and B rise with the model number (B with adjacent pairs
# swapped), C falls on m00..m19 only, D rises with bumps on m18..m29 only, so
# C and D share exactly two models (m18, m19). The index is a composite of A and B.
# The first 15 models are merges; submission dates run one per 12 days.
N_MODELS = 30
KEYS = [f"m{i:02d}" for i in range(N_MODELS)]
MERGED = set(KEYS[:15])


def benchmark(bench_id, name, composite=False):
    return {"id": bench_id, "name": name, "higher_is_better": True, "unit": "%", "range": [0, 100], "composite": composite}


def sparse_schema(benchmarks=None, time_axes=("submission_date",)) -> dict:
    return {
        "id": "sparse", "title": "Sparse board", "description": "d", "citation": "c", "source": "s",
        "license": "l", "model_key": "k", "aggregate": {"rule": "mean"},
        "metadata": ["submission_date", "merged", "params_b"],
        "time_axes": list(time_axes),
        "benchmarks": benchmarks or [
            benchmark("a", "A"), benchmark("b", "B"), benchmark("c", "C"), benchmark("d", "D"),
            benchmark("idx", "Index", composite=True),
        ],
    }


def hand_scores() -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {"a": {}, "b": {}, "c": {}, "d": {}, "idx": {}}
    for i, key in enumerate(KEYS):
        swapped = i + 1 if i % 2 == 0 else i - 1
        scores["a"][key] = 10.0 + 2 * i
        scores["b"][key] = 12.0 + 2 * swapped
        scores["idx"][key] = (scores["a"][key] + scores["b"][key]) / 2
        if i < 20:
            scores["c"][key] = 90.0 - 3 * i + (i % 3)
        if i >= 18:
            scores["d"][key] = 20.0 + 4 * (i - 18) + (5 if i % 3 == 0 else 0)
    return scores


def sparse_board(scores=None, schema=None):
    scores = scores if scores is not None else hand_scores()
    schema = parse_board_schema(schema or sparse_schema())
    rows = [[key, "2025-01-01", bench, value] for bench, column in scores.items() for key, value in column.items()]
    results = pd.DataFrame(rows, columns=["model_key", "snapshot", "benchmark", "score"])
    start = pd.Timestamp("2024-01-01")
    models = pd.DataFrame({
        "model_key": KEYS,
        "model_id": [f"org/{key}" for key in KEYS],
        "submission_date": [(start + pd.Timedelta(days=12 * i)).strftime("%Y-%m-%d") for i in range(N_MODELS)],
        "merged": [key in MERGED for key in KEYS],
        "params_b": [7.0] * N_MODELS,
    })
    return build_board(schema, results, models, file="sparse.csv")


def view(**settings) -> CorrelationView:
    return CorrelationView(board="sparse", **settings)


def test_analysed_wide_drops_composite():
    wide, analysed, excluded = analysed_wide(sparse_board(), view(), None)
    assert analysed == ["a", "b", "c", "d"]
    assert list(wide.columns) == analysed
    assert "idx" in excluded
    assert "composite" in excluded["idx"]


def test_report_excludes_composite_with_message():
    report = correlation_report(sparse_board(), view(), None)
    assert "idx" not in report.benchmarks
    assert "idx" not in report.matrix.estimate.columns
    assert "idx" not in report.components.loadings.index
    assert any(m.startswith("Left out of correlations and components: Index: composite") for m in report.messages)


def test_report_order_is_permutation():
    report = correlation_report(sparse_board(), view(), None)
    assert sorted(report.benchmarks) == ["a", "b", "c", "d"]
    for frame in (report.matrix.estimate, report.matrix.n, report.partial.estimate):
        assert list(frame.index) == report.benchmarks
        assert list(frame.columns) == report.benchmarks


def test_report_two_model_overlap_insufficient():
    report = correlation_report(sparse_board(), view(), None)
    matrix = report.matrix
    assert matrix.n.at["c", "d"] == 2
    assert matrix.insufficient.at["c", "d"]
    assert np.isnan(matrix.estimate.at["c", "d"])
    assert matrix.reasons[("c", "d")] == "insufficient overlap (n=2)"


def test_two_model_overlap_still_insufficient_at_three():
    report = correlation_report(sparse_board(), view(min_overlap=3), None)
    assert report.matrix.insufficient.at["d", "c"]
    assert np.isnan(report.matrix.estimate.at["d", "c"])


def test_report_counts_and_estimates():
    report = correlation_report(sparse_board(), view(), None)
    matrix = report.matrix
    assert matrix.n.at["a", "b"] == 30
    assert matrix.n.at["a", "d"] == 12
    assert matrix.n.at["d", "d"] == 12
    # B swaps 15 adjacent pairs of A: 15 discordant of 435 pairs, tau-b = (420 - 15) / 435.
    assert matrix.estimate.at["a", "b"] == pytest.approx(405 / 435)
    assert matrix.estimate.at["a", "c"] < -0.9


def test_report_cohort_changes_n():
    everyone = correlation_report(sparse_board(), view(), None)
    merges = correlation_report(sparse_board(), view(cohort="merged"), MERGED)
    assert everyone.matrix.n.at["a", "b"] == 30
    assert merges.matrix.n.at["a", "b"] == 15
    assert merges.matrix.n.at["a", "c"] == 15
    # D has no merged model, so it leaves the analysis with a reason.
    assert "d" not in merges.benchmarks
    assert any("D:" in m for m in merges.messages)


def test_report_default_pair_is_strongest():
    report = correlation_report(sparse_board(), view(), None)
    assert set(report.pair) == {"a", "b"}
    assert len(report.pair_points) == 30
    assert set(report.pair_points.columns) == {"x", "y", "model_id", "cohort"}
    assert set(report.pair_points["cohort"]) == {"all models"}
    assert "org/m00" in set(report.pair_points["model_id"])


def test_report_chosen_pair_kept():
    report = correlation_report(sparse_board(), view(pair=("a", "d")), None)
    assert report.pair == ("a", "d")
    assert len(report.pair_points) == 12
    assert report.pair_interval.n == 12
    assert report.pair_interval.low <= report.pair_interval.estimate + 1e-12
    assert report.pair_interval.estimate <= report.pair_interval.high + 1e-12


@pytest.mark.parametrize("pair", [("a", "a"), ("a", "idx"), ("a", "zzz")])
def test_report_invalid_pair_replaced(pair):
    report = correlation_report(sparse_board(), view(pair=pair), None)
    assert set(report.pair) == {"a", "b"}


def test_report_cohort_colours_pair():
    labels = pd.Series({key: "merge" if key in MERGED else "other" for key in KEYS})
    report = correlation_report(sparse_board(), view(), None, cohort_labels=labels)
    assert report.pair_points["cohort"].value_counts().to_dict() == {"merge": 15, "other": 15}


def test_report_components_complete_cases():
    report = correlation_report(sparse_board(), view(), None)
    components = report.components
    # Complete cases over A, B, C and D are m18 and m19 only: fewer than the minimum overlap.
    assert components.n_models == 2
    assert components.reason == "needs the minimum overlap of 10 models with every score (complete cases), found 2"
    imputed = correlation_report(sparse_board(), view(impute=True), None).components
    assert imputed.reason is None
    assert imputed.n_models == 30
    assert imputed.imputed_cells == 28


def test_single_benchmark_board_unavailable():
    schema = sparse_schema(benchmarks=[benchmark("a", "Arena score")])
    board = sparse_board(scores={"a": hand_scores()["a"]}, schema=schema)
    report = correlation_report(board, view(), None)
    assert report.matrix is None
    assert "single score" in report.unavailable
    assert "no pair to correlate" in report.unavailable


def test_all_pairs_insufficient_unavailable():
    scores = hand_scores()
    board = sparse_board(scores={"c": scores["c"], "d": scores["d"]},
                         schema=sparse_schema(benchmarks=[benchmark("c", "C"), benchmark("d", "D")]))
    report = correlation_report(board, view(), None)
    assert report.matrix is None
    assert "No two benchmarks of Sparse board share 10 or more models" in report.unavailable


def test_agreement_needs_three_benchmarks():
    scores = hand_scores()
    board = sparse_board(scores={"a": scores["a"], "b": scores["b"]},
                         schema=sparse_schema(benchmarks=[benchmark("a", "A"), benchmark("b", "B")]))
    report = agreement_report(board, view(), None, window_days=180, min_models=10)
    assert report.table.empty
    assert "at least three benchmarks" in report.messages[0]


@pytest.fixture
def small_draws(monkeypatch):
    monkeypatch.setattr(correlation_report_module, "AGREEMENT_DRAWS", 20)
    monkeypatch.setattr(correlation_report_module, "DRIFT_DRAWS", 20)


def dense_scores() -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(7)
    general = rng.normal(size=N_MODELS)
    return {bench: {key: 50 + 10 * general[i] + rng.normal() * 3 for i, key in enumerate(KEYS)}
            for bench in ("a", "b", "c", "d")}


def test_agreement_table_and_drift(small_draws):
    board = sparse_board(scores=dense_scores())
    calls = []
    report = agreement_report(board, view(), None, window_days=120, min_models=10, progress=calls.append)
    assert report.table["Benchmark"].tolist() == ["A", "B", "C", "D"]
    assert {"Mean tau-b", "Relative z", "Draws"} <= set(report.table.columns)
    assert (report.table["Draws"] == 20).all()
    assert (report.table["Mean tau-b"] > 0.3).all()
    assert not report.drift.empty
    assert set(report.drift["benchmark_name"].dropna()) <= {"A", "B", "C", "D"}
    assert calls and calls[-1] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 for f in calls)


def test_agreement_without_dates_explains(small_draws):
    board = sparse_board(scores=dense_scores(), schema=sparse_schema(time_axes=()))
    report = agreement_report(board, view(), None, window_days=120, min_models=10)
    assert len(report.table) == 4
    assert report.drift.empty
    assert "needs a date per model" in report.messages[-1]
