"""Time the statistics behind the Tracking and Correlations tabs and the rank ranges.

Run from the repository root:

    python benchmarks/bench_analysis.py [--repeat N] [--models 10000] [--benchmarks 12]

It prints a Markdown table, one row per step and one column per board, in
seconds (the minimum over `--repeat` runs, default 1). Every step runs with
the settings the app uses: Kendall tau-b, minimum overlap 10, standardized
components, 1,000 resamples for the pair interval, 100 half-subsets for
agreement, 200 resamples per window for drift (180-day windows, 90-day step,
at least 30 models), and 1,000 draws for rank intervals.

Boards: the embedded Open LLM Leaderboard v1 and v2, and a synthetic board
built by `simulated_board` (a low-rank simulation, described there).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaderboard.aggregate import wide_scores  # noqa: E402
from leaderboard.agreement import agreement_drift, benchmark_agreement  # noqa: E402
from leaderboard.cohorts import date_axes, model_dates  # noqa: E402
from leaderboard.components import analysable_benchmarks, principal_components  # noqa: E402
from leaderboard.correlation import bootstrap_pair_ci, cluster_order, correlation_matrix, partial_correlations  # noqa: E402
from leaderboard.correlation_report import AGREEMENT_DRAWS, DRIFT_DRAWS, PAIR_DRAWS  # noqa: E402
from leaderboard.embedded import load_embedded  # noqa: E402
from leaderboard.schema import parse_board_schema  # noqa: E402
from leaderboard.service import RANK_RANGE_DRAWS  # noqa: E402
from leaderboard.store import BoardData, build_board  # noqa: E402
from leaderboard.tracking_report import tracking_report  # noqa: E402
from leaderboard.uncertainty import aggregate_rank_intervals, benchmark_rank_intervals  # noqa: E402

logger = logging.getLogger(__name__)

MIN_OVERLAP = 10
WINDOW_DAYS = 180
STEP_DAYS = 90
MIN_WINDOW_MODELS = 30
MISSING_SHARE = 0.1


def simulated_board(models: int, benchmarks: int, seed: int = 0) -> BoardData:
    """Build a board of `models` x `benchmarks` scores from a two-factor model.

    Each model has a general ability g ~ N(0, 1) that rises by 0.5 standard
    deviations a year over two years of submission dates (2023-01-01 to
    2024-12-31, uniform), and a second factor f ~ N(0, 1). Benchmark j scores
    25 + 75 x logistic(a_j g + b_j f + e - 0.5), with loadings
    a_j ~ U(0.6, 1.0), b_j ~ U(-0.5, 0.5) and noise e ~ N(0, 0.4^2). The score
    is a percentage between a 25% chance level and a 100% ceiling, like a
    four-option benchmark. Each
    benchmark declares 1,000 items, so rank intervals use binomial standard
    errors. 10% of the cells are missing at random, so the pairwise and
    complete-case paths both do work.
    """
    rng = np.random.default_rng(seed)
    days = rng.uniform(0, 730, models)
    general = rng.normal(size=models) + 0.5 * days / 365.25
    second = rng.normal(size=models)
    loading = rng.uniform(0.6, 1.0, benchmarks)
    side = rng.uniform(-0.5, 0.5, benchmarks)
    latent = np.outer(general, loading) + np.outer(second, side) + rng.normal(scale=0.4, size=(models, benchmarks))
    scores = 25 + 75 / (1 + np.exp(-(latent - 0.5)))
    scores[rng.random(scores.shape) < MISSING_SHARE] = np.nan

    ids = [f"bench{j:02d}" for j in range(benchmarks)]
    schema = parse_board_schema({
        "id": "simulated", "title": "Simulated board", "description": "Two-factor simulation.",
        "citation": "none", "source": "benchmarks/bench_analysis.py", "license": "CC0", "model_key": "index",
        "aggregate": {"rule": "mean"}, "metadata": ["submission_date"], "time_axes": ["submission_date"],
        "benchmarks": [{"id": b, "name": f"Benchmark {j}", "higher_is_better": True, "unit": "%",
                        "range": [0, 100], "chance": 25, "ceiling": 100, "items": 1000} for j, b in enumerate(ids)],
    })
    keys = [f"model{i:05d}" for i in range(models)]
    wide = pd.DataFrame(scores, index=keys, columns=ids)
    results = wide.stack().rename("score").reset_index().rename(columns={"level_0": "model_key", "level_1": "benchmark"})
    results["snapshot"] = "2025-01-01"
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D")
    model_table = pd.DataFrame({"model_key": keys, "model_id": keys, "submission_date": dates.strftime("%Y-%m-%dT%H:%M:%S")})
    return build_board(schema, results, model_table, file="simulated")


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Run `function` `repeat` times; return the fastest wall time in seconds and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def strongest_pair(estimate: pd.DataFrame) -> tuple[str, str]:
    values = estimate.to_numpy(dtype="float64").copy()
    np.fill_diagonal(values, np.nan)
    i, j = np.unravel_index(np.nanargmax(values), values.shape)
    return estimate.index[i], estimate.columns[j]


def measure(board: BoardData, repeat: int) -> dict[str, float]:
    """Time each step of the analysis pass on one board; returns seconds per step and the total."""
    times: dict[str, float] = {}
    wide = wide_scores(board, None, raw=False)
    kept = analysable_benchmarks(board.schema, wide, MIN_OVERLAP)
    wide = wide[kept]
    directions = {b: board.schema.benchmark(b).higher_is_better for b in kept}

    times["correlation matrix"], matrix = timed(lambda: correlation_matrix(wide, "kendall", MIN_OVERLAP), repeat)
    times["clustering order"], _ = timed(lambda: cluster_order(matrix.estimate), repeat)
    times["partial correlations"], _ = timed(lambda: partial_correlations(wide, "kendall", MIN_OVERLAP), repeat)
    times["components (complete cases)"], _ = timed(lambda: principal_components(wide, "standardized"), repeat)
    times["components (low-rank imputation)"], _ = timed(lambda: principal_components(wide, "standardized", impute=True), repeat)
    a, b = strongest_pair(matrix.estimate)
    times[f"pair interval ({PAIR_DRAWS} resamples)"], _ = timed(
        lambda: bootstrap_pair_ci(wide, a, b, "kendall", draws=PAIR_DRAWS, seed=0, min_overlap=MIN_OVERLAP), repeat)
    times[f"agreement ({AGREEMENT_DRAWS} half-subsets)"], _ = timed(
        lambda: benchmark_agreement(wide, directions, draws=AGREEMENT_DRAWS, seed=0, min_overlap=MIN_OVERLAP), repeat)

    dates = model_dates(board, date_axes(board)[0])
    times[f"agreement drift ({DRIFT_DRAWS} resamples per window)"], drift = timed(
        lambda: agreement_drift(wide, dates, directions, window_days=WINDOW_DAYS, step_days=STEP_DAYS,
                                min_models=MIN_WINDOW_MODELS, draws=DRIFT_DRAWS, seed=0, min_overlap=MIN_OVERLAP), repeat)
    logger.info("%s: %d drift windows", board.schema.id, drift["window_start"].nunique())

    def all_rank_intervals():
        results = [benchmark_rank_intervals(board, bench, draws=RANK_RANGE_DRAWS, seed=0) for bench in kept]
        results.append(aggregate_rank_intervals(board, draws=RANK_RANGE_DRAWS, seed=0))
        return results

    times[f"rank intervals, every benchmark and the mean ({RANK_RANGE_DRAWS} draws)"], ranges = timed(all_rank_intervals, repeat)
    without = [r.reason for r in ranges if r.reason]
    if without:
        logger.info("%s: %d of %d rankings have no interval (%s)", board.schema.id, len(without), len(ranges), without[0])
    times["tracking report (first benchmark, all trends)"], _ = timed(
        lambda: tracking_report(board, None, None, None), repeat)
    times["total"] = sum(times.values())
    return times


def markdown_table(columns: dict[str, dict[str, float]], sizes: dict[str, str]) -> str:
    names = list(columns)
    lines = ["| step (seconds) | " + " | ".join(f"{n} ({sizes[n]})" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for step in next(iter(columns.values())):
        cells = [f"{columns[n][step]:.2f}" for n in names]
        label = f"**{step}**" if step == "total" else step
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the fastest is reported")
    parser.add_argument("--models", type=int, default=10_000, help="models of the simulated board")
    parser.add_argument("--benchmarks", type=int, default=12, help="benchmarks of the simulated board")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("leaderboard.notes", "leaderboard.trends", "leaderboard.components", "leaderboard.embedded", "leaderboard.schema"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    dataset = load_embedded()
    boards = {name: dataset.boards[name] for name in ("open_llm_v1", "open_llm_v2")}
    started = time.perf_counter()
    boards["simulated"] = simulated_board(args.models, args.benchmarks)
    logger.info("built the simulated board in %.1f s", time.perf_counter() - started)

    columns, sizes = {}, {}
    for name, board in boards.items():
        sizes[name] = f"{board.models.shape[0]:,} x {board.results['benchmark'].nunique()}"
        logger.info("measuring %s (%s)", name, sizes[name])
        columns[name] = measure(board, args.repeat)
    sys.stdout.write(markdown_table(columns, sizes) + "\n")


if __name__ == "__main__":
    main()
