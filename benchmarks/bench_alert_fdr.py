"""Simulate the false-discovery control of the alert pass on synthetic boards with fixed seeds.

Run from the repository root:

    python benchmarks/bench_alert_fdr.py [--boards 200] [--q 0.05,0.10,0.20] [--inflated 10] [--effects 25,12]

Boards come from `tests.alert_boards.synthetic_board`: 200 models x 6
benchmarks, one general factor plus Gaussian noise of 3 points, lineage on,
so the residual, size, base_jump and health rules all run. The synthetic
schema declares no twin pairs and its models have no submission dates, so
twin_gap and selection have nothing to test. Seeds are 10,000 + i under the
null and 20,000 + i with plants, for i in 0 .. boards - 1.

Two settings are simulated at each q: the default effect floors, and all
floors set to 0, which leaves Benjamini-Hochberg alone in control.

Complete null: no planted effect. The table gives the share of boards with
any gaming alert (rules residual, twin_gap, size, base_jump, selection) and
its Monte Carlo standard error sqrt(s (1 - s) / boards). Under the complete
null every discovery is false, so this share is the family-wise error rate,
which Benjamini-Hochberg bounds by q when the p-values are valid. The share
of boards with a health alert is shown apart, because health alerts concern
benchmarks and are not model alerts.

Planted: `--inflated` extra 7B models, each +E points on one benchmark, for
each E in `--effects`. The synthetic boards plant +25; a smaller E is made by
subtracting 25 - E from each planted cell before the clip to 0-100 (a planted
cell clipped at 100 keeps a smaller effect). A
gaming alert is a true discovery when its model is planted and its benchmark
is the planted one or none (a model-level rule such as size). The realized
false-discovery proportion of a board is false alerts / max(alerts, 1). The
table gives its mean over boards with the standard error of that mean. Power
is the share of planted cells with a residual alert.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaderboard.alerts.run import run_alerts  # noqa: E402
from leaderboard.alerts.settings import AlertSettings  # noqa: E402
from leaderboard.store import BoardData, build_board  # noqa: E402
from tests.alert_boards import PLANT_EFFECT, inflated_benchmark, inflated_key, synthetic_board  # noqa: E402

logger = logging.getLogger(__name__)

GAMING_RULES = ("residual", "twin_gap", "size", "base_jump", "selection")
NULL_SEED = 10_000
PLANTED_SEED = 20_000
N_MODELS = 200
N_BENCHMARKS = 6


def settings_for(q: float, floors: bool) -> AlertSettings:
    """Return the default settings at `q`, with every effect floor at 0 when `floors` is False."""
    settings = replace(AlertSettings(), q=q)
    if not floors:
        settings = replace(settings, residual_floor=0.0, twin_floor=0.0, jump_floor=0.0)
    return settings


def planted_board(seed: int, n_inflated: int, effect: float) -> BoardData:
    """Build a synthetic board whose `n_inflated` planted cells are `effect` points above their model's level."""
    board = synthetic_board(N_MODELS, N_BENCHMARKS, seed=seed, lineage=True, n_inflated=n_inflated)
    if effect == PLANT_EFFECT:
        return board
    results = board.results.copy()
    for i in range(n_inflated):
        cell = (results["model_key"] == inflated_key(i)) & (results["benchmark"] == inflated_benchmark(i, N_BENCHMARKS))
        results.loc[cell, "score"] = (results.loc[cell, "score"] - (PLANT_EFFECT - effect)).clip(0.0, 100.0)
    return build_board(board.schema, results, board.models, file="synthetic")


def null_row(boards: list, q: float, floors: bool) -> dict:
    """Run the pass on every null board and return the share of boards with alerts, per rule group."""
    settings = settings_for(q, floors)
    any_gaming = np.zeros(len(boards), dtype=bool)
    by_rule = {rule: 0 for rule in ("residual", "size", "base_jump")}
    health = 0
    for i, board in enumerate(boards):
        report = run_alerts(board, f"null-{i}", settings)
        rules = {a.finding.rule for a in report.alerts}
        any_gaming[i] = bool(rules & set(GAMING_RULES))
        for rule in by_rule:
            by_rule[rule] += rule in rules
        health += "health" in rules

    share = any_gaming.mean()
    row = {"q": q, "floors": "default" if floors else "0", "boards": len(boards),
           "share with any gaming alert": share, "MC SE": math.sqrt(share * (1 - share) / len(boards))}
    row.update({f"share {rule}": count / len(boards) for rule, count in by_rule.items()})
    row["share health"] = health / len(boards)
    return row


def planted_row(boards: list, q: float, floors: bool, n_inflated: int, effect: float) -> dict:
    """Run the pass on every planted board and return the mean false-discovery proportion and power."""
    settings = settings_for(q, floors)
    planted = {inflated_key(i): inflated_benchmark(i, N_BENCHMARKS) for i in range(n_inflated)}
    proportions, alert_counts = [], []
    found = 0
    for i, board in enumerate(boards):
        report = run_alerts(board, f"planted-{i}", settings)
        alerts = [a.finding for a in report.alerts if a.finding.rule in GAMING_RULES]
        false = sum(f.model_key not in planted or f.benchmark not in (None, planted[f.model_key]) for f in alerts)
        proportions.append(false / max(len(alerts), 1))
        alert_counts.append(len(alerts))
        found += len({(f.model_key, f.benchmark) for f in alerts if f.rule == "residual"} & set(planted.items()))

    proportions = np.array(proportions)
    return {"effect": effect, "q": q, "floors": "default" if floors else "0", "boards": len(boards),
            "mean FDP": proportions.mean(), "SE": proportions.std(ddof=1) / math.sqrt(len(boards)),
            "boards with FDP > 0": float((proportions > 0).mean()),
            "mean gaming alerts": float(np.mean(alert_counts)), "power (residual)": found / (n_inflated * len(boards))}


def markdown_table(frame: pd.DataFrame) -> str:
    """Format a frame as a Markdown table with three decimals for floats."""
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", type=int, default=200, help="simulated boards per condition")
    parser.add_argument("--q", default="0.05,0.10,0.20", help="comma-separated Benjamini-Hochberg levels")
    parser.add_argument("--inflated", type=int, default=10, help="planted models per board, each inflated on one benchmark")
    parser.add_argument("--effects", default="25,12", help="comma-separated planted effects in score points (at most 25)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    levels = [float(text) for text in args.q.split(",")]
    effects = [float(text) for text in args.effects.split(",")]

    started = time.perf_counter()
    null_boards = [synthetic_board(N_MODELS, N_BENCHMARKS, seed=NULL_SEED + i, lineage=True) for i in range(args.boards)]
    null_rows, planted_rows = [], []
    for floors in (True, False):
        for q in levels:
            null_rows.append(null_row(null_boards, q, floors))
        logger.info("finished the null boards with floors=%s after %.0f s", floors, time.perf_counter() - started)
    for effect in effects:
        planted_boards = [planted_board(PLANTED_SEED + i, args.inflated, effect) for i in range(args.boards)]
        for floors in (True, False):
            for q in levels:
                planted_rows.append(planted_row(planted_boards, q, floors, args.inflated, effect))
        logger.info("finished the +%g planted boards after %.0f s", effect, time.perf_counter() - started)

    sys.stdout.write(f"## Complete null ({args.boards} boards of {N_MODELS} x {N_BENCHMARKS}, seeds {NULL_SEED}+)\n\n")
    sys.stdout.write(markdown_table(pd.DataFrame(null_rows)) + "\n\n")
    sys.stdout.write(f"## Planted effects ({args.inflated} models inflated on one benchmark each, seeds {PLANTED_SEED}+)\n\n")
    sys.stdout.write(markdown_table(pd.DataFrame(planted_rows)) + "\n\n")
    sys.stdout.write(f"Total time {time.perf_counter() - started:.0f} s\n")


if __name__ == "__main__":
    main()
