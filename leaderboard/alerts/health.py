"""Rule 5, benchmark health: a benchmark that no longer separates models or no longer agrees with the others.

This rule is about a benchmark, not a model: every finding has `model_key`
None and one finding per benchmark carries both readings below.

- saturation, at the snapshot (`leaderboard.tracking.saturation` on the
  snapshot's scores, muted cells left out): headroom = (ceiling - best) /
  (ceiling - chance), and the spread z of the top 10 (best minus 10th-best
  over the standard error of that difference). The benchmark is saturated
  when headroom < `HEADROOM_LIMIT` or spread z < 1.96 (the top 10 are not
  separated at the 95% level). Descriptive, no p-value.
- agreement drift (`leaderboard.agreement.agreement_drift`) over the
  board's first date axis: Kendall tau-b of the benchmark against the
  others in rolling windows, with a bootstrap of `DRIFT_DRAWS` resamples
  per window. The finding's p-value is the one-sided drift p-value of the
  latest window that has one ("agreement fell below the previous
  window's"), so each benchmark contributes one test. With 50 draws the
  smallest p-value is 1/51, about 0.02, which keeps the pass to a few
  seconds on the shipped boards but means a drift p-value survives
  Benjamini-Hochberg only among few tests; `drift_flagged` (the window's
  upper bound below the previous estimate) is shown either way.

The effect is the drop of tau-b in that window when drift was tested
(evidence `effect_floor` 0, so the p-value decides). Without a drift test
the finding is descriptive: effect 1 when saturated and 0 otherwise, with
`effect_floor` 1, so only a saturated benchmark becomes an alert.
NOTE: when drift is tested, saturation is shown in the evidence and summary
but does not by itself make an alert, because the alert id allows one
health finding per benchmark.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from leaderboard.agreement import agreement_drift
from leaderboard.alerts.model import Finding
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.size import masked_wide
from leaderboard.cohorts import date_axes, model_dates
from leaderboard.store import BoardData
from leaderboard.timeaxis import POINT_COLUMNS, parse_time
from leaderboard.tracking import saturation

logger = logging.getLogger(__name__)

RULE = "health"
HEADROOM_LIMIT = 0.10
SPREAD_Z_LIMIT = 1.96
DRIFT_DRAWS = 50
DRIFT_WINDOW_DAYS = 180
DRIFT_STEP_DAYS = 90
DRIFT_MIN_MODELS = 30


def _snapshot_points(board: BoardData, snapshot: str | None, muted) -> pd.DataFrame:
    """Place the snapshot's scored rows, minus muted cells, at the snapshot date, as tracking expects."""
    snapshot = snapshot or board.latest_snapshot
    results = board.results
    rows = results[(results["snapshot"] == snapshot) & results["score"].notna()].copy()
    if muted:
        muted_index = pd.MultiIndex.from_tuples(list(muted), names=["model_key", "benchmark"])
        keep = ~pd.MultiIndex.from_frame(rows[["model_key", "benchmark"]]).isin(muted_index)
        rows = rows[keep]
    rows["time"] = parse_time(snapshot)
    frame = rows[POINT_COLUMNS].reset_index(drop=True)
    for column in ("score", "score_raw", "stderr", "ci_low", "ci_high"):
        frame[column] = frame[column].astype("float64")
    return frame


def _saturation_reading(board: BoardData, points: pd.DataFrame, bench: str) -> dict:
    result = saturation(board, points, bench)
    reading = {"headroom": None, "best": None, "spread": None, "spread_z": None, "n_top": None,
               "headroom_unavailable": result.headroom_unavailable, "spread_unavailable": result.spread_unavailable,
               "se_source": result.se_source}
    if result.headroom is not None and len(result.headroom):
        last = result.headroom.iloc[-1]
        reading["headroom"], reading["best"] = float(last["headroom"]), float(last["best"])
    if result.spread is not None and len(result.spread):
        last = result.spread.iloc[-1]
        reading["spread"], reading["n_top"] = float(last["spread"]), int(last["n_top"])
        reading["spread_z"] = None if pd.isna(last["spread_z"]) else float(last["spread_z"])
    low_headroom = reading["headroom"] is not None and reading["headroom"] < HEADROOM_LIMIT
    not_separated = reading["spread_z"] is not None and reading["spread_z"] < SPREAD_Z_LIMIT
    reading["saturated"] = bool(low_headroom or not_separated)
    return reading


def _drift_table(board: BoardData, wide: pd.DataFrame) -> tuple[pd.DataFrame | None, str | None]:
    axes = date_axes(board)
    if not axes or wide.shape[1] < 3:
        return None, None
    dates = model_dates(board, axes[0])
    higher = {c: board.schema.benchmark(c).higher_is_better for c in wide.columns}
    table = agreement_drift(
        wide, dates, higher, window_days=DRIFT_WINDOW_DAYS, step_days=DRIFT_STEP_DAYS,
        min_models=DRIFT_MIN_MODELS, draws=DRIFT_DRAWS, seed=0,
    )
    return table, axes[0]


def rule_health(board: BoardData, snapshot: str | None, settings: AlertSettings, muted, sizes: pd.Series) -> list[Finding]:
    """Read saturation and agreement drift of every analysed benchmark (module docstring); `sizes` is unused.

    Drift needs a date axis and at least 3 analysed benchmarks; without them
    the p-value is None and only saturation is reported.
    """
    schema = board.schema
    wide = masked_wide(board, snapshot, muted)
    if wide.empty:
        return []
    points = _snapshot_points(board, snapshot, muted)
    drift, axis = _drift_table(board, wide)

    findings = []
    for bench in wide.columns:
        reading = _saturation_reading(board, points, bench)
        evidence = dict(reading)
        evidence.update({
            "thresholds": {"headroom_limit": HEADROOM_LIMIT, "spread_z_limit": SPREAD_Z_LIMIT, "drift_draws": DRIFT_DRAWS},
            "method": "saturation at the snapshot; agreement drift of Kendall tau-b against the other benchmarks in rolling date windows",
            "n_reference": int(wide[bench].notna().sum()),
        })

        p_value, unit = None, "saturated (1) or not (0)"
        effect = 1.0 if reading["saturated"] else 0.0
        evidence["effect_floor"] = 1.0
        drift_text = "no drift test (no date axis or too few benchmarks)"
        if drift is not None:
            rows = drift[drift["benchmark"] == bench]
            tested = rows[rows["p_value"].notna()]
            evidence["drift_axis"] = axis
            evidence["drift_windows"] = int(len(rows))
            evidence["drift_windows_flagged"] = int(rows["flagged"].sum())
            if len(tested):
                latest = tested.iloc[-1]
                p_value = float(latest["p_value"])
                effect, unit = float(latest["previous_estimate"] - latest["estimate"]), "Kendall tau-b drop"
                evidence["effect_floor"] = 0.0
                evidence.update({
                    "drift_flagged": bool(latest["flagged"]),
                    "window_start": str(latest["window_start"].date()), "window_end": str(latest["window_end"].date()),
                    "observed": float(latest["estimate"]), "predicted": float(latest["previous_estimate"]),
                    "interval_low": float(latest["low"]), "interval_high": float(latest["high"]),
                })
                drift_text = f"agreement {latest['estimate']:.2f} vs {latest['previous_estimate']:.2f} in the window before (p {p_value:.2g})"
            else:
                drift_text = "no window with enough dated models for a drift test"

        headroom_text = "headroom unknown" if reading["headroom"] is None else f"headroom {reading['headroom']:.0%}"
        spread_text = "" if reading["spread_z"] is None else f", top-{reading['n_top']} spread z {reading['spread_z']:.1f}"
        findings.append(Finding(
            rule=RULE, board=schema.id, model_key=None, benchmark=bench,
            effect=effect if math.isfinite(effect) else 0.0, effect_unit=unit,
            statistic=reading["spread_z"] if reading["spread_z"] is not None else float("nan"),
            p_value=p_value, cells=(), evidence=evidence,
            summary=f"{'saturated' if reading['saturated'] else 'not saturated'} ({headroom_text}{spread_text}); {drift_text}",
        ))
    logger.info("health rule on %s: %d benchmarks, %d saturated", schema.id, len(findings), sum(f.evidence["saturated"] for f in findings))
    return findings
