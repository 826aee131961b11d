"""Rule 0: evaluation integrity, run before the gaming rules.

A cell is a likely broken evaluation when it is

- at or below chance: within `AT_CHANCE_FRACTION` of the scale's width above
  the chance level, read on the raw score where the benchmark declares a raw
  chance (boards such as Open LLM Leaderboard v2 clip normalized scores at 0,
  which hides below-chance runs), else on the displayed score;
- a published 0 (raw score where the board publishes one);
- or far below what the model's other benchmarks predict: a residual with
  robust z at most -`FAR_BELOW_Z` and at least `FAR_BELOW_FLOORS` residual
  floors below the prediction,

while the model's other benchmarks are clearly above chance: the cell's
value predicted from the model's other cells must be at least
`AlertSettings.chance_margin` displayed points above the displayed chance
(the range's low end where no chance is declared).

Predictions come from `median_pair_predictions` with every suspect cell
removed first, so a model with three benchmarks at chance is judged by its
remaining ones, a model inflated on two benchmarks does not make its third
look broken, and a genuinely weak model (all benchmarks near chance) is not
flagged. The lines are fitted on all models, the model itself included; with
hundreds of models its own weight on a line is negligible.

A model with a broken cell has all its cells muted from the gaming rules:
with one benchmark at chance, every residual of that model is a reading of
the broken cell.

Metadata: parameter counts of 0 or below stay unknown; a count that
contradicts a size written in the model's name is reported and treated as
unknown by `valid_size`.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leaderboard.aggregate import wide_scores
from leaderboard.alerts.model import Finding
from leaderboard.alerts.residual import oriented_wide
from leaderboard.alerts.settings import AlertSettings
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

# A cell within 2% of its scale's width above chance (2 points on 0-100) is "at chance":
# about 1.5 binomial standard errors of random guessing on a 1,000-item benchmark.
AT_CHANCE_FRACTION = 0.02
FAR_BELOW_Z = 5.0
FAR_BELOW_FLOORS = 2.0
MAD_TO_SD = 1.4826
# A stated size and the name's size differing by more than this factor contradict each other.
# Generous because some boards round sizes to whole billions (1.5B shown as 2).
SIZE_TOLERANCE = 3.0
_NAME_SIZE = re.compile(r"(?<![\w.])(?:(\d+)x)?(\d+(?:\.\d+)?)([bBmM])(?![a-zA-Z0-9])")


@dataclass
class IntegrityResult:
    """Findings of rule 0, the muted cells and the validated sizes.

    `muted` contains every (model_key, benchmark) cell of a model with a broken
    evaluation; `sizes` maps model keys to parameter counts in billions, NaN
    where unknown or contradicted; `notes` explain what was skipped.
    """

    findings: list[Finding]
    muted: set
    sizes: pd.Series
    notes: list[str] = field(default_factory=list)


def name_sizes(name: str) -> list[tuple[float, float]]:
    """Return the (lowest, highest) parameter counts in billions that each size in a model name allows.

    "Llama-2-7b" gives [(7, 7)]; "bloom-560m" [(0.56, 0.56)]; a mixture of
    experts "Mixtral-8x7B" gives (7, 56), because the stored count can be the
    total or a shared-weight count in between.
    """
    sizes = []
    for experts, number, unit in _NAME_SIZE.findall(name.split("/")[-1]):
        value = float(number) * (0.001 if unit in "mM" else 1.0)
        if value <= 0:
            continue
        sizes.append((value, value * int(experts)) if experts else (value, value))
    return sizes


def size_contradictions(board: BoardData) -> pd.DataFrame:
    """List models whose `params_b` contradicts every size in their name.

    Columns: model_key, params_b, name_sizes (text). Counts of 0 or below are
    unknown, never contradictions.
    """
    models = board.models
    if "params_b" not in models.columns:
        return pd.DataFrame(columns=["model_key", "params_b", "name_sizes"])
    rows = []
    for key, model_id, params in zip(models["model_key"], models["model_id"], models["params_b"]):
        if pd.isna(params) or params <= 0:
            continue
        sizes = name_sizes(str(model_id))
        if not sizes:
            continue
        if all(params < low / SIZE_TOLERANCE or params > high * SIZE_TOLERANCE for low, high in sizes):
            text = ", ".join(f"{low:g}B" if low == high else f"{low:g}-{high:g}B" for low, high in sizes)
            rows.append({"model_key": key, "params_b": float(params), "name_sizes": text})
    return pd.DataFrame(rows, columns=["model_key", "params_b", "name_sizes"])


def valid_size(board: BoardData) -> pd.Series:
    """Return parameter counts (billions) by model key, NaN where unknown (missing, 0, -1) or contradicted by the name."""
    models = board.models.set_index("model_key")
    if "params_b" not in models.columns:
        return pd.Series(np.nan, index=models.index, name="params_b", dtype="float64")
    sizes = models["params_b"].astype("float64").where(models["params_b"] > 0)
    contradicted = size_contradictions(board)["model_key"]
    sizes[sizes.index.isin(contradicted)] = np.nan
    return sizes.rename("params_b")


def _width(scale) -> float:
    low, high = scale.valid_range or (0.0, 100.0)
    return high - low


def _suspect_cells(board: BoardData, snapshot: str | None, displayed: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Map each cell at or below chance, or published as 0, to its reason."""
    raw = wide_scores(board, snapshot, raw=True).reindex(index=displayed.index, columns=displayed.columns)
    suspects = {}
    for bench_id in displayed.columns:
        bench = board.schema.benchmark(bench_id)
        shown = displayed[bench_id]
        has_raw = bench.raw is not None and raw[bench_id].notna().any()

        zero_values = raw[bench_id] if has_raw else shown
        label = "raw score" if has_raw else "score"
        for key in zero_values.index[(zero_values == 0).to_numpy(dtype=bool)]:
            suspects[(key, bench_id)] = f"published {label} of 0"

        if not bench.higher_is_better:
            continue
        if has_raw and bench.raw.chance is not None:
            values, chance, tolerance = raw[bench_id], bench.raw.chance, AT_CHANCE_FRACTION * _width(bench.raw)
        else:
            values, chance, tolerance, label = shown, bench.scale.chance, AT_CHANCE_FRACTION * _width(bench.scale), "score"
        if chance is None:
            continue
        at_chance = (values <= chance + tolerance).to_numpy(dtype=bool)
        for key in values.index[at_chance]:
            suspects.setdefault((key, bench_id), f"{label} {values[key]:.3g} at or below chance {chance:g}")
    return suspects


def median_pair_predictions(values: np.ndarray) -> np.ndarray:
    """Predict each cell as the median, over the row's other observed columns l, of the column's value matched to l.

    Matching is by standardized score: prediction = mean_j + sign(r_jl) *
    sd_j * (x_l - mean_l) / sd_l, the reduced major axis line, with means,
    sample standard deviations and the Pearson r over the rows where both
    columns are observed. Unlike a least-squares line it does not shrink a
    weak model's prediction towards the mean, so a model at chance everywhere
    is predicted near chance. The median makes the prediction robust to a
    minority of outlying cells in the same row (a model inflated on two
    benchmarks does not make its third look broken). Cells with no usable
    other column stay NaN.
    """
    n_rows, n_columns = values.shape
    stacked = np.full((max(n_columns - 1, 1), n_rows, n_columns), np.nan)
    for j in range(n_columns):
        slot = 0
        for other in range(n_columns):
            if other == j:
                continue
            both = ~np.isnan(values[:, j]) & ~np.isnan(values[:, other])
            if both.sum() >= 3:
                y, x = values[both, j], values[both, other]
                sd_y, sd_x = y.std(ddof=1), x.std(ddof=1)
                if sd_x > 0 and sd_y > 0:
                    sign = 1.0 if np.corrcoef(x, y)[0, 1] >= 0 else -1.0
                    stacked[slot, :, j] = y.mean() + sign * sd_y * (values[:, other] - x.mean()) / sd_x
            slot += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        return np.nanmedian(stacked, axis=0)


def _display_floor(board: BoardData, bench_id: str) -> float:
    scale = board.schema.benchmark(bench_id).scale
    if scale.chance is not None:
        return scale.chance
    return scale.valid_range[0] if scale.valid_range else 0.0


def integrity_check(board: BoardData, snapshot: str | None, settings: AlertSettings) -> IntegrityResult:
    """Run rule 0 on one snapshot: broken-evaluation findings, muted cells, and size validation."""
    notes = []
    board_id = board.schema.id
    displayed = oriented_wide(board, snapshot)
    names = board.models.set_index("model_key")["model_id"]
    suspects = _suspect_cells(board, snapshot, displayed)

    # Predict each cell from the model's cells that are not suspect.
    values = displayed.to_numpy(dtype="float64", na_value=np.nan).copy()
    rows = {key: i for i, key in enumerate(displayed.index)}
    columns = {c: j for j, c in enumerate(displayed.columns)}
    for key, bench in suspects:
        values[rows[key], columns[bench]] = np.nan
    predicted = median_pair_predictions(values)

    broken: dict[tuple[str, str], dict] = {}
    for (key, bench), reason in suspects.items():
        expected = predicted[rows[key], columns[bench]]
        if np.isfinite(expected) and expected >= _display_floor(board, bench) + settings.chance_margin:
            broken[(key, bench)] = {"reason": reason, "predicted": float(expected), "z": np.nan}

    # Cells far below the prediction, among the cells that are not suspect.
    residual = values - predicted
    with warnings.catch_warnings():
        # A benchmark without any predicted cell gives an all-NaN column; its z stays NaN.
        warnings.simplefilter("ignore", category=RuntimeWarning)
        centre = np.nanmedian(residual, axis=0)
        scale = MAD_TO_SD * np.nanmedian(np.abs(residual - centre), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (residual - centre) / np.where(scale > 0, scale, np.nan)
    far = (z <= -FAR_BELOW_Z) & (residual - centre <= -FAR_BELOW_FLOORS * settings.residual_floor)
    for i, j in zip(*np.nonzero(far)):
        key, bench = displayed.index[i], displayed.columns[j]
        expected = float(predicted[i, j] + centre[j])
        if expected >= _display_floor(board, bench) + settings.chance_margin:
            broken[(key, bench)] = {"reason": f"robust z {z[i, j]:.1f} below the prediction from the other benchmarks", "predicted": expected, "z": float(z[i, j])}

    findings = []
    for (key, bench), info in sorted(broken.items()):
        observed = float(displayed.at[key, bench])
        name = board.schema.benchmark(bench).name
        findings.append(Finding(
            rule="integrity", board=board_id, model_key=key, benchmark=bench,
            effect=info["predicted"] - observed, effect_unit="points below prediction",
            statistic=info["z"], p_value=None, cells=((key, bench),),
            evidence={"observed": observed, "predicted": info["predicted"], "reason": info["reason"],
                      "chance_margin": settings.chance_margin,
                      "method": "cell at chance, published 0 or far below the low-rank prediction from the model's other cells"},
            summary=f"{names.get(key, key)}: {name} looks like a broken evaluation ({info['reason']}; its other benchmarks predict {info['predicted']:.1f})",
            data_quality=True,
        ))
    broken_models = {key for key, _ in broken}
    muted = {(key, bench) for key in broken_models for bench in displayed.columns}

    contradictions = size_contradictions(board)
    for row in contradictions.itertuples(index=False):
        findings.append(Finding(
            rule="integrity", board=board_id, model_key=row.model_key, benchmark=None,
            effect=float("nan"), effect_unit="", statistic=float("nan"), p_value=None,
            evidence={"params_b": row.params_b, "name_sizes": row.name_sizes, "reason": "parameter count contradicts the name"},
            summary=f"{names.get(row.model_key, row.model_key)}: stated size {row.params_b:g}B contradicts the name ({row.name_sizes}); size treated as unknown",
            data_quality=True,
        ))
    sizes = valid_size(board)
    unknown = int(sizes.isna().sum())
    if len(contradictions) or unknown:
        notes.append(f"{unknown} models have no usable size ({len(contradictions)} contradict their name); rules that need a size skip them")
    logger.info("integrity rule on %s: %d broken cells in %d models, %d size contradictions", board_id, len(broken), len(broken_models), len(contradictions))
    return IntegrityResult(findings=findings, muted=muted, sizes=sizes, notes=notes)
