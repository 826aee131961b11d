"""Measure the alert pass on every shipped board, against the maintainers' flags, and at 10k models.

Run from the repository root:

    python benchmarks/bench_alerts.py [--top 15] [--models 10000] [--benchmarks 12]

It prints Markdown. For each embedded board: the number of tests, alerts per
rule, the share of models with an alert (gaming rules and data-quality
separately), the `--top` alerts of each rule with the largest effect, and the
run time of the pass. For Open LLM Leaderboard v1: how the alerts relate to
the maintainers' manual flags. Last, the time of one pass over a synthetic
board of `--models` x `--benchmarks`, and of a second call served from a cache.

Definitions used below:

- Gaming rules are residual, twin_gap, size, base_jump and selection. Rule 0
  (integrity) produces the data-quality alerts. Health alerts concern a
  benchmark, not a model, so they count in neither share.
- A model is in the denominator of a share when it has at least one score in
  the board's latest snapshot, the snapshot the pass reads.
- ROC AUC is the Mann-Whitney U of the scores of flagged models against the
  others, divided by n_flagged x n_unflagged: the probability that a random
  flagged model scores above a random unflagged one, ties counting one half.
  scikit-learn is not installed, so `scipy.stats.mannwhitneyu` computes U.
- Precision and recall of a continuous score are taken at its top k models,
  where k is the number of models with any gaming alert, so every score is
  compared at the same number of flagged models.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaderboard.aggregate import wide_scores  # noqa: E402
from leaderboard.alerts.model import RULES  # noqa: E402
from leaderboard.alerts.settings import AlertSettings  # noqa: E402
from leaderboard.alerts.run import AlertReport, benjamini_hochberg, rule_floor, run_alerts  # noqa: E402
from leaderboard.cache import LRUCache  # noqa: E402
from leaderboard.embedded import load_embedded  # noqa: E402
from leaderboard.store import BoardData  # noqa: E402
from tests.alert_boards import synthetic_board  # noqa: E402

logger = logging.getLogger(__name__)

GAMING_RULES = ("residual", "twin_gap", "size", "base_jump", "selection")
FLAG_BOARD = "open_llm_v1"


def markdown_table(frame: pd.DataFrame) -> str:
    """Format a frame as a Markdown table, floats with two decimals and q-values with two significant digits."""
    def cell(column: str, value) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, (float, np.floating)):
            return f"{value:.2g}" if column == "q" else f"{value:,.2f}"
        return str(value).replace("|", "/")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(c, v) for c, v in zip(frame.columns, row)) + " |")
    return "\n".join(lines)


def short_name(model_key: str | None) -> str:
    """Drop the commit hash from a model key and keep the precision: `org/name (bfloat16)`."""
    if model_key is None:
        return ""
    name, _, rest = model_key.partition("@")
    precision = rest.rpartition(":")[2] if ":" in rest else ""
    return f"{name} ({precision})" if precision else name


def snapshot_models(board: BoardData) -> pd.Index:
    """Return the keys of the models with at least one score in the latest snapshot."""
    return wide_scores(board, None, raw=False).index


def share_flagged(report: AlertReport, models: pd.Index) -> tuple[float, float]:
    """Return the share of `models` with a gaming alert and with a data-quality alert."""
    gaming = {a.finding.model_key for a in report.alerts if a.finding.rule in GAMING_RULES}
    quality = {a.finding.model_key for a in report.alerts if a.finding.data_quality}
    total = max(len(models), 1)
    return len(gaming & set(models)) / total, len(quality & set(models)) / total


def exempt_would_alert(report: AlertReport) -> list:
    """Return the exempt findings that pass q and their floor, i.e. the alerts a specialty exemption removed."""
    q_values = benjamini_hochberg(report.findings)
    kept = []
    for position, finding in enumerate(report.findings):
        if "exempt" not in finding.evidence:
            continue
        q_value = q_values.get(position)
        floor = finding.evidence.get("effect_floor", rule_floor(finding.rule, report.settings))
        if q_value is not None and q_value <= report.settings.q and finding.effect >= floor:
            kept.append((finding, q_value))
    return kept


def board_summary(board: BoardData, report: AlertReport) -> pd.DataFrame:
    """Return one row of counts for the board: tests, alerts per rule, shares flagged, run time."""
    models = snapshot_models(board)
    gaming_share, quality_share = share_flagged(report, models)
    row = {"models": len(models), "tests": report.n_tests}
    for rule in RULES:
        row[rule] = sum(a.finding.rule == rule for a in report.alerts)
    row["gaming share"] = f"{gaming_share:.1%}"
    row["data-quality share"] = f"{quality_share:.1%}"
    row["exempt"] = len(exempt_would_alert(report))
    row["seconds"] = report.runtime
    return pd.DataFrame([row])


def top_alerts(report: AlertReport, rule: str, top: int, flagged: set | None, findings=None) -> pd.DataFrame:
    """Return the `top` alerts of `rule` with the largest effect, with their numbers.

    `findings` replaces the alerts by (finding, q) pairs, used for exempt findings.
    """
    pairs = findings if findings is not None else [(a.finding, a.q_value) for a in report.alerts if a.finding.rule == rule]
    rows = []
    for finding, q_value in pairs:
        evidence = finding.evidence
        row = {
            "model": short_name(finding.model_key) or "(benchmark)",
            "benchmark": finding.benchmark or "",
            "observed": evidence.get("observed", np.nan),
            "predicted": evidence.get("predicted", evidence.get("base_score", np.nan)),
            "effect": finding.effect,
            "unit": finding.effect_unit,
            "q": q_value if q_value is not None else np.nan,
        }
        if "observed" not in evidence:
            # Metadata findings (a size that contradicts the name) carry no score, so show what they found.
            row["finding"] = finding.summary[:140]
        if "exempt" in evidence:
            row["exemption"] = str(evidence["exempt"])[:60]
        if flagged is not None:
            row["manual flag"] = "yes" if finding.model_key in flagged else ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for column in ("observed", "predicted", "effect", "q"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame = frame.sort_values("effect", ascending=False, na_position="last", kind="stable").head(top).reset_index(drop=True)
    empty = [c for c in ("finding", "exemption") if c in frame.columns and frame[c].isna().all()]
    return frame.drop(columns=empty)


def roc_auc(score: pd.Series, label: pd.Series) -> float:
    """Return the ROC AUC of `score` for the boolean `label`, as Mann-Whitney U / (n1 x n0)."""
    positives = score[label].to_numpy(dtype="float64")
    negatives = score[~label].to_numpy(dtype="float64")
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    statistic = mannwhitneyu(positives, negatives, alternative="two-sided").statistic
    return float(statistic) / (len(positives) * len(negatives))


def top_k_precision_recall(score: pd.Series, label: pd.Series, k: int) -> tuple[float, float]:
    """Return precision and recall of the `k` highest scores (ties broken by model key order)."""
    chosen = score.sort_values(ascending=False, kind="stable").index[:k]
    hits = int(label.loc[chosen].sum())
    return hits / max(k, 1), hits / max(int(label.sum()), 1)


def residual_scores(report: AlertReport, models: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Return each model's maximum residual robust z and maximum residual excess in points.

    Exempt findings (declared or detected specialties) are left out, as the
    pass leaves them out. A model with no residual test (all its cells muted)
    gets the lowest observed value, so it ranks at the bottom.
    """
    rows = [(f.model_key, f.statistic, f.effect) for f in report.findings if f.rule == "residual" and "exempt" not in f.evidence]
    frame = pd.DataFrame(rows, columns=["model_key", "z", "effect"])
    grouped = frame.groupby("model_key")[["z", "effect"]].max().reindex(models)
    return grouped["z"].fillna(grouped["z"].min()), grouped["effect"].fillna(grouped["effect"].min())


def flag_evaluation(board: BoardData, report: AlertReport) -> tuple[str, pd.DataFrame]:
    """Compare alerts and scores with the maintainers' manual flags; return a header line and a table."""
    models = snapshot_models(board)
    table = board.models.set_index("model_key").reindex(models)
    label = table["flagged"].astype("boolean").fillna(False).astype(bool)
    unknown = int(table["flagged"].isna().sum())

    alerted = {a.finding.model_key for a in report.alerts if a.finding.rule in GAMING_RULES}
    residual_alerted = {a.finding.model_key for a in report.alerts if a.finding.rule == "residual"}
    k = len(alerted)
    z_score, effect_score = residual_scores(report, models)
    average = wide_scores(board, None, raw=False).reindex(models).mean(axis=1)

    rows = []
    for name, members in (("any gaming alert (binary)", alerted), ("residual alert (binary)", residual_alerted)):
        indicator = pd.Series(models.isin(list(members)), index=models)
        hits = int((indicator & label).sum())
        rows.append({"score": name, "models flagged": int(indicator.sum()), "precision": hits / max(int(indicator.sum()), 1),
                     "recall": hits / max(int(label.sum()), 1), "ROC AUC": roc_auc(indicator.astype(float), label)})
    for name, score in (("max residual robust z", z_score), ("max residual excess (points)", effect_score),
                        ("plain average (baseline)", average)):
        precision, recall = top_k_precision_recall(score, label, k)
        rows.append({"score": name, "models flagged": k, "precision": precision, "recall": recall, "ROC AUC": roc_auc(score, label)})

    header = (f"{len(models):,} models in the latest snapshot, {int(label.sum())} with a manual flag "
              f"({unknown} with the flag missing, counted as unflagged); base rate {label.mean():.2%}. "
              f"Continuous scores are cut at their top k = {k} models, the number with any gaming alert.")
    return header, pd.DataFrame(rows)


def time_large_board(models: int, benchmarks: int) -> pd.DataFrame:
    """Time one alert pass over a synthetic board and a second call served from a per-revision LRU cache."""
    started = time.perf_counter()
    board = synthetic_board(n_models=models, n_benchmarks=benchmarks, seed=0, lineage=True, n_inflated=10)
    build = time.perf_counter() - started

    cache = LRUCache(max_entries=8)
    key = (board.schema.id, "synthetic-rev")
    started = time.perf_counter()
    report = cache.get_or_compute(key, lambda: run_alerts(board, "synthetic-rev"))
    first = time.perf_counter() - started
    started = time.perf_counter()
    cached = cache.get_or_compute(key, lambda: run_alerts(board, "synthetic-rev"))
    second = time.perf_counter() - started
    assert cached is report, "the second call did not come from the cache"

    counts = {rule: sum(a.finding.rule == rule for a in report.alerts) for rule in RULES}
    rows = [
        {"measure": "board size", "value": f"{len(board.models):,} models x {benchmarks} benchmarks (10 planted +25-point cells, lineage on)"},
        {"measure": "build the synthetic board (s)", "value": f"{build:.2f}"},
        {"measure": "tests", "value": f"{report.n_tests:,}"},
        {"measure": "alerts per rule", "value": ", ".join(f"{r} {n}" for r, n in counts.items() if n)},
        {"measure": "first call: full alert pass (s)", "value": f"{first:.2f}"},
        {"measure": "second call: served from LRUCache on (board, revision) (ms)", "value": f"{second * 1000:.3f}"},
        {"measure": "cache hits / misses", "value": f"{cache.hits} / {cache.misses}"},
    ]
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="alerts listed per rule, largest effect first")
    parser.add_argument("--models", type=int, default=10_000, help="models of the synthetic timing board")
    parser.add_argument("--benchmarks", type=int, default=12, help="benchmarks of the synthetic timing board")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = sys.stdout

    dataset = load_embedded()
    out.write(f"Embedded data revision {dataset.revision}; settings {AlertSettings()}\n\n")
    reports = {}
    summaries = []
    for board_id, board in dataset.boards.items():
        reports[board_id] = run_alerts(board, dataset.revision)
        summaries.append(board_summary(board, reports[board_id]).assign(board=board_id))
    summary = pd.concat(summaries, ignore_index=True)
    out.write("## Alerts per board\n\n" + markdown_table(summary[["board"] + [c for c in summary.columns if c != "board"]]) + "\n\n")

    for board_id, report in reports.items():
        board = dataset.boards[board_id]
        flagged = None
        if "flagged" in board.models.columns:
            flagged = set(board.models.loc[board.models["flagged"].astype("boolean").fillna(False).astype(bool), "model_key"])
        out.write(f"## {board_id}\n\n")
        for note in report.notes:
            out.write(f"- note: {note}\n")
        for rule in RULES:
            frame = top_alerts(report, rule, args.top, flagged)
            if not frame.empty:
                out.write(f"\n### {board_id}: {rule}, top {len(frame)} of {sum(a.finding.rule == rule for a in report.alerts)} by effect\n\n")
                out.write(markdown_table(frame) + "\n")
        exempt = exempt_would_alert(report)
        if exempt:
            out.write(f"\n### {board_id}: exempt specialties that would otherwise alert, top {min(args.top, len(exempt))} of {len(exempt)}\n\n")
            out.write(markdown_table(top_alerts(report, "residual", args.top, flagged, findings=exempt)) + "\n")
        out.write("\n")

    if FLAG_BOARD in reports:
        header, table = flag_evaluation(dataset.boards[FLAG_BOARD], reports[FLAG_BOARD])
        out.write(f"## {FLAG_BOARD}: alerts against the maintainers' manual flags\n\n{header}\n\n{markdown_table(table)}\n\n")

    out.write(f"## Full pass at {args.models:,} x {args.benchmarks}\n\n{markdown_table(time_large_board(args.models, args.benchmarks))}\n")


if __name__ == "__main__":
    main()
