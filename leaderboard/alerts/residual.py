"""Rule 1: a benchmark score far above what the model's other benchmarks predict.

The benchmark matrix of an LLM board is close to low-rank, so a model's score
on one benchmark is well predicted by its others. A large positive residual
is the signature of single-benchmark contamination (training on one test set).

Method, for each benchmark j:

1. Features are the model's other benchmarks. Missing feature cells, and
   cells excluded by the caller (muted by the integrity rule), are filled by
   `impute_low_rank` over the feature columns only, so the target never leaks
   into its own features.
2. Principal component regression: the training rows' features are
   standardized, their principal components computed by SVD, and j is
   regressed (ordinary least squares with intercept) on the first k
   component scores.
3. Cross-fitting grouped by family: families are split into folds, and each
   fold is predicted by a model fitted on the other folds only, so a model
   never predicts itself or a relative (see `model_families`).
4. k is chosen per benchmark by the median absolute out-of-fold residual
   over k = 1 .. (number of features); the median, not the mean square,
   because the residuals carry the outliers this rule looks for.
   NOTE: k is chosen on the same folds that give the residuals, a mild
   optimism that the effect floor absorbs.
5. The robust z of a residual is (r - median) / (1.4826 * MAD) over all
   out-of-fold residuals of the benchmark, and its one-sided p-value is the
   upper tail of a Student t with `RESIDUAL_T_DF` degrees of freedom. The t
   rather than the normal because cross-fitted residuals are heavier-tailed
   than normal even on Gaussian synthetic boards (z > 3 about twice as often
   as the normal tail, over 24,000 null cells of `tests/alert_boards.py`).
   NOTE: real residuals have heavier tails still, so on real boards these
   p-values remain anti-conservative; the effect floor in score points is
   the second guard.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from leaderboard.aggregate import wide_scores
from leaderboard.alerts.model import Finding
from leaderboard.alerts.settings import AlertSettings
from leaderboard.alerts.specialists import specialty_exemptions
from leaderboard.components import analysable_benchmarks, impute_low_rank
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

N_FOLDS = 5
MAD_TO_SD = 1.4826
RESIDUAL_T_DF = 30
# Two-sided 95% normal quantile, for the prediction interval on the evidence card.
INTERVAL_Z = 1.959964
METHOD = (
    "principal component regression on the other benchmarks, cross-fitted over {folds} folds grouped by {family}; "
    "robust z = (residual - median) / (1.4826 MAD); one-sided p-value from a Student t with {df} degrees of freedom"
)


@dataclass(frozen=True)
class CrossFit:
    """Out-of-fold predictions of every cell of a wide table (models x benchmarks).

    `predicted` is NaN where the cell was not predicted (missing target, or a
    benchmark with too few rows). `residual` is observed minus predicted.
    `centre` and `scale` are the median and 1.4826 x MAD of each benchmark's
    residuals. `n_components` is the k chosen per benchmark, and `n_training`
    the median number of training rows per fold. `reason` states why nothing
    could be fitted (None when the fit ran).
    """

    observed: pd.DataFrame
    predicted: pd.DataFrame
    residual: pd.DataFrame
    centre: pd.Series
    scale: pd.Series
    n_components: pd.Series
    n_training: pd.Series
    n_folds: int
    reason: str | None = None


def organisation(model_id: str) -> str:
    """Return the part of a model id before '/', or the whole id when it has no organisation (`gpt2`)."""
    return model_id.split("/", 1)[0] if "/" in model_id else model_id


def model_families(board: BoardData) -> tuple[pd.Series, str]:
    """Map each model key to its family, and name the grouping used.

    On a board with `base_model` lineage the family is the root of the
    base-model chain. The chain is followed through models on the board
    (matched by hub id or model id) until a model names itself, a cycle
    closes, or a model names a base that is not on the board, which is then
    the root. Models without a base, or with a base that is not an org/name
    repo id (v2 lists "Removed" for some), are their own root. Elsewhere the family is the
    organisation: the `organization` column where the board has one, else the
    part of the model id before '/'.
    """
    models = board.models.set_index("model_key")
    names = models["hub_id"].fillna(models["model_id"]).astype(str)

    if "base_model" in models.columns and models["base_model"].notna().any():
        key_of_name = {name: key for key, name in names.items()}
        key_of_name.update({str(mid): key for key, mid in models["model_id"].items()})
        base = models["base_model"]
        roots = {}
        for key in models.index:
            current, seen = key, {key}
            root = names[key]
            while True:
                parent = base.get(current)
                # Some rows name no real repo ("Removed", a local path); such a base ends the chain.
                if parent is None or pd.isna(parent) or str(parent) == names[current] or "/" not in str(parent):
                    root = names[current]
                    break
                parent_key = key_of_name.get(str(parent))
                if parent_key is None:
                    root = str(parent)
                    break
                if parent_key in seen:
                    root = names[parent_key]
                    break
                seen.add(parent_key)
                current = parent_key
            roots[key] = root
        return pd.Series(roots, name="family"), "root of the base-model chain"

    if "organization" in models.columns and models["organization"].notna().any():
        orgs = models["organization"].astype("string").fillna(pd.Series(names.map(organisation), index=models.index, dtype="string"))
        return orgs.astype(str).rename("family"), "organisation"
    return names.map(organisation).rename("family"), "organisation"


def assign_folds(families: pd.Series, n_folds: int) -> pd.Series:
    """Assign each row to a fold so that every family sits in one fold, balancing fold sizes.

    Families are taken largest first and each goes to the fold with the fewest
    rows so far (ties to the lowest fold number, so the split is deterministic).
    """
    sizes = families.value_counts()
    sizes = sizes.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    load = np.zeros(n_folds, dtype=int)
    fold_of_family = {}
    for family, size in sizes.items():
        fold = int(np.argmin(load))
        fold_of_family[family] = fold
        load[fold] += size
    return families.map(fold_of_family).astype(int)


def _pcr_predictions(features: np.ndarray, target: np.ndarray, train: np.ndarray, test: np.ndarray, max_k: int) -> np.ndarray:
    """Predict `target` on `test` rows from the first k principal components of the training features, for k = 1..max_k.

    Returns an array of shape (max_k, test rows).
    """
    x_train = features[train]
    centre = x_train.mean(axis=0)
    spread = x_train.std(axis=0, ddof=1)
    spread = np.where(spread > 0, spread, 1.0)
    z_train = (x_train - centre) / spread
    z_test = (features[test] - centre) / spread
    _, _, vt = np.linalg.svd(z_train, full_matrices=False)

    predictions = np.empty((max_k, int(test.sum())))
    for k in range(1, max_k + 1):
        design = np.column_stack([np.ones(len(z_train)), z_train @ vt[:k].T])
        coef, *_ = np.linalg.lstsq(design, target[train], rcond=None)
        predictions[k - 1] = np.column_stack([np.ones(len(z_test)), z_test @ vt[:k].T]) @ coef
    return predictions


def cross_fitted_predictions(wide: pd.DataFrame, families: pd.Series, exclude=frozenset(), n_folds: int = N_FOLDS) -> CrossFit:
    """Predict every cell of `wide` out of fold from the model's other columns (see the module docstring).

    `families` maps each row label to its family; `exclude` contains
    (row label, column) cells that are neither used for fitting nor predicted.
    """
    values = wide.to_numpy(dtype="float64", na_value=np.nan).copy()
    rows = {key: i for i, key in enumerate(wide.index)}
    columns = {c: j for j, c in enumerate(wide.columns)}
    for key, bench in exclude:
        if key in rows and bench in columns:
            values[rows[key], columns[bench]] = np.nan

    group = families.reindex(wide.index).fillna(pd.Series(wide.index, index=wide.index)).astype(str)
    n_groups = group.nunique()
    folds_used = min(n_folds, n_groups)
    empty = pd.DataFrame(np.nan, index=wide.index, columns=wide.columns)
    nan_series = pd.Series(np.nan, index=wide.columns)
    if folds_used < 2 or wide.shape[1] < 2:
        reason = f"needs at least 2 families and 2 benchmarks, found {n_groups} and {wide.shape[1]}"
        return CrossFit(wide, empty, empty, nan_series, nan_series, nan_series, nan_series, folds_used, reason)
    fold = assign_folds(group, folds_used).to_numpy()

    predicted = np.full(values.shape, np.nan)
    chosen = {}
    training = {}
    for j, bench in enumerate(wide.columns):
        target = values[:, j]
        others = np.delete(values, j, axis=1)
        usable = ~np.isnan(others).all(axis=1)
        observed = ~np.isnan(target) & usable
        if observed.sum() < 10:
            continue
        features = others.copy()
        if np.isnan(features[usable]).any():
            filled, _ = impute_low_rank(features[usable])
            features[usable] = filled
        max_k = others.shape[1]
        candidates = np.full((max_k, len(target)), np.nan)
        counts = []
        for f in range(folds_used):
            train = observed & (fold != f)
            test = usable & (fold == f)
            if train.sum() < max_k + 2 or not test.any():
                continue
            candidates[:, test] = _pcr_predictions(features, target, train, test, max_k)
            counts.append(int(train.sum()))
        errors = None
        if observed.any():
            with warnings.catch_warnings():
                # A component count with no out-of-fold prediction gives an all-NaN row; it is skipped below.
                warnings.simplefilter("ignore", RuntimeWarning)
                errors = np.nanmedian(np.abs(candidates[:, observed] - target[observed]), axis=1)
        if errors is None or np.isnan(errors).all():
            continue
        best = int(np.nanargmin(errors))
        predicted[:, j] = candidates[best]
        chosen[bench] = best + 1
        training[bench] = float(np.median(counts)) if counts else np.nan

    predicted_frame = pd.DataFrame(predicted, index=wide.index, columns=wide.columns)
    observed_frame = pd.DataFrame(values, index=wide.index, columns=wide.columns)
    residual = observed_frame - predicted_frame
    centre = residual.median()
    scale = (residual.sub(centre, axis=1)).abs().median() * MAD_TO_SD
    return CrossFit(
        observed=observed_frame,
        predicted=predicted_frame,
        residual=residual,
        centre=centre,
        scale=scale,
        n_components=pd.Series(chosen, dtype="float64").reindex(wide.columns),
        n_training=pd.Series(training, dtype="float64").reindex(wide.columns),
        n_folds=folds_used,
    )


def oriented_wide(board: BoardData, snapshot: str | None) -> pd.DataFrame:
    """Return the displayed scores of the analysable benchmarks, negated where lower is better, so higher is always better."""
    wide = wide_scores(board, snapshot, raw=False)
    wide = wide[analysable_benchmarks(board.schema, wide)]
    for bench in wide.columns:
        if not board.schema.benchmark(bench).higher_is_better:
            wide[bench] = -wide[bench]
    return wide


# Share of observed cells below which the board is too sparse for the rule.
MIN_DENSITY = 0.5


def residual_findings(board: BoardData, snapshot: str | None, settings: AlertSettings, muted: set, sizes: pd.Series | None = None) -> list[Finding]:
    """Run rule 1: one finding per predicted cell that is not muted.

    `effect` is the residual minus the benchmark's median residual, in score
    points (sign flipped for lower-is-better benchmarks). A cell on a
    specialist's specialty keeps its finding, with the exemption and its
    reason in `evidence["exempt"]`; the alert pass never raises it. `sizes`
    is unused: the rule needs no parameter count.
    """
    wide = oriented_wide(board, snapshot)
    density = float(wide.notna().to_numpy().mean()) if wide.size else 0.0
    if density < MIN_DENSITY:
        # A low-rank prediction needs most of the other benchmarks observed. On
        # sparse boards (on Epoch most models have a few of 40 benchmarks) the
        # imputation would invent the features, and the fit takes minutes.
        logger.info("residual rule skipped on %s: %.0f%% of cells observed, below %.0f%%",
                    board.schema.id, 100 * density, 100 * MIN_DENSITY)
        return []
    families, family_method = model_families(board)
    fit = cross_fitted_predictions(wide, families, exclude=muted)
    if fit.reason:
        logger.info("residual rule skipped on %s: %s", board.schema.id, fit.reason)
        return []
    exemptions = specialty_exemptions(board, list(wide.columns))
    method = METHOD.format(folds=fit.n_folds, family=family_method, df=RESIDUAL_T_DF)
    names = board.models.set_index("model_key")["model_id"]

    findings = []
    for bench in wide.columns:
        scale = fit.scale[bench]
        if not np.isfinite(scale) or scale <= 0:
            continue
        sign = 1.0 if board.schema.benchmark(bench).higher_is_better else -1.0
        residual = fit.residual[bench]
        effects = residual - fit.centre[bench]
        z_values = effects / scale
        p_values = stats.t.sf(z_values.to_numpy(), RESIDUAL_T_DF)
        low_offset = fit.centre[bench] - INTERVAL_Z * scale
        high_offset = fit.centre[bench] + INTERVAL_Z * scale
        for position, key in enumerate(wide.index):
            if np.isnan(residual.iat[position]) or (key, bench) in muted:
                continue
            predicted = fit.predicted[bench].iat[position]
            bounds = sorted([sign * (predicted + low_offset), sign * (predicted + high_offset)])
            evidence = {
                "observed": sign * fit.observed[bench].iat[position],
                "predicted": sign * (predicted + fit.centre[bench]),
                "interval_low": bounds[0],
                "interval_high": bounds[1],
                "interval": "95% prediction interval from the robust residual spread",
                "residual_scale": float(scale),
                "n_components": int(fit.n_components[bench]),
                "n_reference": int(fit.n_training[bench]),
                "family": str(families.get(key, key)),
                "family_method": family_method,
                "method": method,
                "effect_floor": settings.residual_floor,
                "q": settings.q,
            }
            exempt = exemptions.get((key, bench))
            if exempt:
                evidence["exempt"] = exempt
            effect = float(effects.iat[position])
            findings.append(Finding(
                rule="residual",
                board=board.schema.id,
                model_key=key,
                benchmark=bench,
                effect=effect,
                effect_unit="points",
                statistic=float(z_values.iat[position]),
                p_value=float(p_values[position]),
                # The prediction reads the model's other cells, so they are part of this test's evidence.
                cells=((key, bench),) + tuple((key, other) for other in wide.columns
                                              if other != bench and not np.isnan(fit.observed[other].iat[position])),
                evidence=evidence,
                summary=f"{names.get(key, key)}: {board.schema.benchmark(bench).name} {effect:+.1f} points above the prediction from its other benchmarks",
            ))
    logger.info("residual rule on %s: %d tests", board.schema.id, len(findings))
    return findings

