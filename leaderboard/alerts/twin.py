"""Rule 2, fresh-twin gap: a static benchmark far above its fresher twin, beyond what the model's level predicts.

A board declares twin pairs in its schema (`twins: [{static, fresh}]`): a
static benchmark and a fresher or held-out variant of the same skill. A
model trained on the static test set scores higher there than on the fresh
one; honest models show a gap too, which grows or shrinks with ability, so
the gap is compared with the gap predicted from the model's level.

Terms used here:

- gap: static score minus fresh score, both oriented so higher is better.
- level: general capability (see `leaderboard.alerts.size`) computed from
  the board's other benchmarks when at least 2 remain besides the pair, so
  the level does not contain the gap itself. Otherwise it is the fresh score.
- predicted gap: a robust linear fit of gap on level (statsmodels `RLM`
  with Huber's T norm), so a few contaminated models do not pull the line.
- excess: gap minus predicted gap, in points of the static benchmark.
- scale: 1.4826 x the MAD of the excesses. Where standard errors of the
  cells are known (the data's stderr, its interval, or binomial from the
  item count or `n_samples`), the scale of model i is
  sqrt(max(MAD scale^2 - median(se^2), 0) + se_i^2): between-model spread
  plus that model's own measurement error. z = (excess - median excess) /
  scale and the one-sided p-value is the normal upper tail of z.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from leaderboard.alerts.model import Finding
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.size import general_capability, masked_wide
from leaderboard.components import analysable_benchmarks
from leaderboard.store import BoardData
from leaderboard.uncertainty import benchmark_standard_errors

logger = logging.getLogger(__name__)

RULE = "twin_gap"
MAD_TO_SD = 1.4826
# A robust line and a MAD need a population; below this the pair is not tested.
MIN_MODELS = 20


def cell_standard_errors(board: BoardData, snapshot: str | None, benchmark: str) -> tuple[pd.Series, str]:
    """Return the standard error of each model's displayed score on `benchmark` and its source.

    Uses `leaderboard.uncertainty.benchmark_standard_errors` (stderr, the
    data's interval, or binomial from the schema's item count). Rows that
    still lack one but carry `n_samples` get the binomial error over that
    many samples, on the displayed valid range.
    """
    errors = benchmark_standard_errors(board, benchmark, snapshot, use_raw=False)
    se = errors.se.astype("float64").copy()
    method = errors.method

    results = board.results
    rows = results[(results["snapshot"] == (snapshot or board.latest_snapshot)) & (results["benchmark"] == benchmark)].set_index("model_key")
    counts = pd.to_numeric(rows["n_samples"], errors="coerce").astype("float64")
    valid_range = board.schema.benchmark(benchmark).scale.valid_range
    fill = se.reindex(rows.index).isna() & (counts > 0)
    if fill.any() and valid_range is not None:
        low, high = valid_range
        proportion = ((rows["score"].astype("float64") - low) / (high - low)).clip(0.0, 1.0)
        binomial = np.sqrt(proportion * (1 - proportion) / counts) * (high - low)
        se = se.reindex(rows.index)
        se[fill] = binomial[fill]
        method = f"{method}; binomial from n_samples where missing"
    return se, method


def _level(board: BoardData, snapshot: str | None, muted, pair: tuple[str, str], fresh: pd.Series) -> tuple[pd.Series, str]:
    others = [c for c in analysable_benchmarks(board.schema, masked_wide(board, snapshot, muted)) if c not in pair]
    if len(others) >= 2:
        capability = general_capability(masked_wide(board, snapshot, muted, others), board.schema)
        if capability is not None:
            return capability.scores, f"general capability from {', '.join(others)}"
    return fresh, f"fresh score ({pair[1]})"


def _test_pair(board: BoardData, snapshot: str | None, settings: AlertSettings, muted, static: str, fresh: str) -> list[Finding]:
    schema = board.schema
    static_bench, fresh_bench = schema.benchmark(static), schema.benchmark(fresh)
    if static_bench.higher_is_better != fresh_bench.higher_is_better:
        logger.warning("twin pair %s / %s on %s skipped: the two benchmarks have opposite directions", static, fresh, schema.id)
        return []
    sign = 1.0 if static_bench.higher_is_better else -1.0

    wide = masked_wide(board, snapshot, muted, [static, fresh])
    if static not in wide.columns or fresh not in wide.columns:
        logger.info("twin pair %s / %s on %s skipped: one benchmark has no scores", static, fresh, schema.id)
        return []
    pair = wide[[static, fresh]].dropna()
    level, level_source = _level(board, snapshot, muted, (static, fresh), sign * wide[fresh])
    frame = pair.assign(level=level.reindex(pair.index)).dropna()
    n_without_level = len(pair) - len(frame)
    if len(frame) < MIN_MODELS:
        logger.info("twin pair %s / %s on %s skipped: %d models with both scores and a level (minimum %d)", static, fresh, schema.id, len(frame), MIN_MODELS)
        return []

    gap = sign * (frame[static] - frame[fresh])
    design = sm.add_constant(frame["level"].to_numpy(dtype="float64"), has_constant="add")
    fit = sm.RLM(gap.to_numpy(dtype="float64"), design, M=sm.robust.norms.HuberT()).fit()
    predicted = design @ fit.params
    excess = gap.to_numpy(dtype="float64") - predicted
    centre = float(np.median(excess))
    spread = MAD_TO_SD * float(np.median(np.abs(excess - centre)))

    se_static, se_method = cell_standard_errors(board, snapshot, static)
    se_fresh, _ = cell_standard_errors(board, snapshot, fresh)
    gap_se = np.hypot(se_static.reindex(frame.index), se_fresh.reindex(frame.index)).to_numpy(dtype="float64")
    known_se = np.isfinite(gap_se)
    between_sq = max(spread**2 - float(np.median(gap_se[known_se] ** 2)), 0.0) if known_se.any() else spread**2
    scale = np.where(known_se, np.sqrt(between_sq + np.where(known_se, gap_se, 0.0) ** 2), spread)
    if not np.all(scale > 0):
        logger.info("twin pair %s / %s on %s skipped: the gap has no spread", static, fresh, schema.id)
        return []
    z = (excess - centre) / scale
    p_values = stats.norm.sf(z)

    method = (
        f"gap = {static} - {fresh}; predicted from the level ({level_source}) by a Huber robust line; "
        f"z = (excess - median) / (between-model MAD scale combined with the gap's standard error)"
    )
    findings = []
    for i, key in enumerate(frame.index):
        evidence = {
            "observed": float(gap.iloc[i]),
            "predicted": float(predicted[i] + centre),
            "interval_low": float(predicted[i] + centre - 1.96 * scale[i]),
            "interval_high": float(predicted[i] + centre + 1.96 * scale[i]),
            "static": static, "fresh": fresh,
            "static_score": float(frame[static].iloc[i]), "fresh_score": float(frame[fresh].iloc[i]),
            "level": float(frame["level"].iloc[i]), "level_source": level_source,
            "gap_se": None if not known_se[i] else float(gap_se[i]), "se_method": se_method,
            "scale": float(scale[i]), "mad_scale": spread,
            "fit_intercept": float(fit.params[0]), "fit_slope": float(fit.params[1]),
            "n_reference": len(frame), "n_without_level": n_without_level,
            "method": method, "thresholds": {"twin_floor": settings.twin_floor},
        }
        findings.append(Finding(
            rule=RULE, board=schema.id, model_key=str(key), benchmark=static,
            effect=float(excess[i] - centre), effect_unit="points",
            statistic=float(z[i]), p_value=float(p_values[i]),
            cells=((str(key), static), (str(key), fresh)), evidence=evidence,
            summary=f"{static} - {fresh} gap {gap.iloc[i]:+.1f} vs predicted {predicted[i] + centre:+.1f} (z {z[i]:.1f})",
        ))
    return findings


def rule_twin_gap(board: BoardData, snapshot: str | None, settings: AlertSettings, muted, sizes: pd.Series) -> list[Finding]:
    """Test every model on every declared twin pair of the board (module docstring); `sizes` is unused.

    Returns one finding per (model, pair), keyed on the static benchmark.
    A model needs both scores, neither muted, and a level. `cells` contains the
    two cells of the pair, and the level's cells are context, named in the evidence.
    """
    findings: list[Finding] = []
    for static, fresh in board.schema.twins:
        findings.extend(_test_pair(board, snapshot, settings, muted, static, fresh))
    logger.info("twin rule on %s: %d pairs, %d tests", board.schema.id, len(board.schema.twins), len(findings))
    return findings
