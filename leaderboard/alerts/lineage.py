"""Rule 4, one-benchmark jump over the base model: a fine-tune or merge that gains on one benchmark much more than on the others.

Terms used here:

- base: the model named in the child's `base_model` metadata, resolved to a
  model key of the board by Hugging Face repo id (`hub_id`, compared without
  case). A base naming the child itself, or a repo not on the board, gives
  no pair. Where the base repo has several variants (precisions,
  revisions), the variant with the child's precision is taken, and among
  those, or when none matches, the one with the highest board average over
  the scores present. The best variant makes gains smaller, so the choice
  errs against alerting.
- gain: child score minus base score on one benchmark, oriented so that
  higher is better.
- typical gain: the median gain on that benchmark of the base's other
  children (leave-one-out); with fewer than `MIN_SIBLINGS` other children,
  the median over every child-base pair of the board. Instruction tuning
  that lifts math for a whole family is removed this way.
  NOTE: the board-wide fallback mixes instruct and plain fine-tunes, so an
  official instruct model over its pretrained base (gemma-2-9b-it on
  IFEval, Open LLM v2) still shows as a jump.
- excess: gain minus typical gain. The jump of benchmark b is b's excess
  minus the median excess of the model's other benchmarks, so a child that
  is better everywhere does not jump.
- z: per benchmark, (jump - median jump) / (1.4826 x MAD of jumps) over all
  pairs; the one-sided p-value is the upper tail of z under a Student t with
  `JUMP_T_DF` degrees of freedom (heavier than the normal tail).
- effect: the smaller of the jump and the excess, in points. A child that
  collapsed on its other benchmarks and lost less on one has a large jump
  but a negative excess; that is a broken fine-tune, not a gain, so the
  effect stays below the floor.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from leaderboard.aggregate import aggregate_scores
from leaderboard.alerts.model import Finding
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.size import masked_wide, oriented
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

RULE = "base_jump"
MAD_TO_SD = 1.4826
MIN_SIBLINGS = 3
# A per-benchmark MAD needs a population of pairs.
MIN_PAIRS = 20
JUMP_T_DF = 30
SAME_SIGNAL = "a residual alert on the same cell reads the same score, so it is the same signal, not independent evidence"


def resolve_bases(board: BoardData, wide: pd.DataFrame) -> pd.Series:
    """Map each child model key with a resolvable base to its base's model key (module docstring)."""
    models = board.models
    if "base_model" not in models.columns:
        return pd.Series(dtype="object")
    models = models[models["model_key"].isin(wide.index)]
    hub = models["hub_id"].astype("string").str.lower()
    base = models["base_model"].astype("string").str.strip().str.lower()
    precision = models["precision"].astype("string") if "precision" in models.columns else pd.Series(pd.NA, index=models.index, dtype="string")

    average = aggregate_scores(wide, board.schema, partial=True)["aggregate"]
    candidates = pd.DataFrame({
        "model_key": models["model_key"].to_numpy(), "hub": hub.to_numpy(),
        "precision": precision.to_numpy(), "average": average.reindex(models["model_key"]).to_numpy(),
    }).dropna(subset=["hub"])
    by_hub = {name: group.sort_values("average", ascending=False, na_position="last") for name, group in candidates.groupby("hub")}

    resolved = {}
    for key, child_hub, base_hub, child_precision in zip(models["model_key"], hub, base, precision):
        if pd.isna(base_hub) or base_hub == "" or base_hub == child_hub or base_hub not in by_hub:
            continue
        group = by_hub[base_hub]
        same = group[group["precision"] == child_precision] if not pd.isna(child_precision) else group.iloc[0:0]
        chosen = same if len(same) else group
        resolved[key] = chosen["model_key"].iloc[0]
    return pd.Series(resolved, dtype="object")


def _nanmedian(values: np.ndarray, axis: int) -> np.ndarray:
    # An all-missing slice is expected (muted cells) and gives NaN; numpy would warn about it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(values, axis=axis)


def _typical_gains(gains: pd.DataFrame, families: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Return the typical gain of each pair and benchmark, and how many siblings it rests on (0 = board-wide)."""
    board_median = gains.median()
    typical = pd.DataFrame(np.tile(board_median.to_numpy(), (len(gains), 1)), index=gains.index, columns=gains.columns)
    siblings = pd.Series(0, index=gains.index, dtype="int64")
    for _, members in gains.groupby(families, sort=False):
        if len(members) - 1 < MIN_SIBLINGS:
            continue
        values = members.to_numpy(dtype="float64")
        for row in range(len(values)):
            others = np.delete(values, row, axis=0)
            counts = np.sum(~np.isnan(others), axis=0)
            medians = _nanmedian(others, axis=0) if others.size else np.full(values.shape[1], np.nan)
            use = counts >= MIN_SIBLINGS
            typical.loc[members.index[row], gains.columns[use]] = medians[use]
        siblings[members.index] = len(members) - 1
    return typical, siblings


def rule_base_jump(board: BoardData, snapshot: str | None, settings: AlertSettings, muted, sizes: pd.Series) -> list[Finding]:
    """Test each (child, benchmark) with a resolved base for a one-benchmark jump (module docstring); `sizes` is unused.

    Returns one finding per tested cell. A cell is skipped when the child's
    or the base's score is missing or muted, or when the model has fewer
    than 2 other benchmarks with an excess. Boards without `base_model`
    return no findings.
    """
    schema = board.schema
    wide = masked_wide(board, snapshot, muted)
    bases = resolve_bases(board, wide)
    if len(bases) < MIN_PAIRS:
        logger.info("base-jump rule skipped on %s: %d child-base pairs on the board (minimum %d)", schema.id, len(bases), MIN_PAIRS)
        return []

    scores = oriented(wide, schema)
    gains = pd.DataFrame(scores.loc[bases.index].to_numpy() - scores.loc[bases.to_numpy()].to_numpy(), index=bases.index, columns=scores.columns)
    typical, siblings = _typical_gains(gains, bases)
    excess = gains - typical

    values = excess.to_numpy(dtype="float64")
    others_median = np.full(values.shape, np.nan)
    for column in range(values.shape[1]):
        rest = np.delete(values, column, axis=1)
        enough = np.sum(~np.isnan(rest), axis=1) >= 2
        median_rest = _nanmedian(rest, axis=1) if rest.shape[1] else np.full(len(values), np.nan)
        others_median[:, column] = np.where(enough, median_rest, np.nan)
    jumps = values - others_median

    findings = []
    for column, bench in enumerate(scores.columns):
        tested = ~np.isnan(jumps[:, column])
        if tested.sum() < MIN_PAIRS:
            continue
        jump = jumps[tested, column]
        centre = float(np.median(jump))
        spread = MAD_TO_SD * float(np.median(np.abs(jump - centre)))
        if not spread > 0:
            continue
        z = (jump - centre) / spread
        # Student t tail, as in the residual rule: jumps of real fine-tunes have
        # heavier tails than a normal, and the null simulation showed this rule
        # raising most false alerts with normal p-values.
        p_values = stats.t.sf(z, JUMP_T_DF)
        rows = np.flatnonzero(tested)
        for j, row in enumerate(rows):
            child = str(bases.index[row])
            base = str(bases.iloc[row])
            n_siblings = int(siblings.iloc[row])
            evidence = {
                "base_model_key": base,
                "observed": float(wide.at[child, bench]),
                "base_score": float(wide.at[base, bench]),
                "gain": float(gains.iat[row, column]),
                "typical_gain": float(typical.iat[row, column]),
                "typical_source": f"median of {n_siblings} sibling fine-tunes" if n_siblings >= MIN_SIBLINGS else "median over all child-base pairs of the board",
                "excess": float(values[row, column]),
                "other_benchmarks_excess": float(others_median[row, column]),
                "jump": float(jump[j]),
                "jump_scale": spread,
                "n_reference": int(tested.sum()),
                "independence": SAME_SIGNAL,
                "method": "gain over the base minus the family's typical gain, compared with the model's other benchmarks; robust z over all pairs",
                "thresholds": {"jump_floor": settings.jump_floor, "min_siblings": MIN_SIBLINGS},
            }
            findings.append(Finding(
                rule=RULE, board=schema.id, model_key=child, benchmark=bench,
                effect=float(min(jump[j], values[row, column])), effect_unit="points",
                statistic=float(z[j]), p_value=float(p_values[j]),
                cells=((child, bench), (base, bench)), evidence=evidence,
                summary=f"gain {evidence['gain']:+.1f} on {bench} over its base vs typical {evidence['typical_gain']:+.1f}; {jump[j]:+.1f} beyond its other benchmarks",
            ))
    logger.info("base-jump rule on %s: %d pairs, %d tests", schema.id, len(bases), len(findings))
    return findings
