"""Synthetic boards with planted answers for the alert-rule tests.

`synthetic_board` draws a board whose scores follow one general factor plus
noise, so the benchmark matrix is close to rank one as on the Open LLM
Leaderboard, and then applies the requested plants. Each plant changes one
model with a fixed key (see `PLANT_KEYS`), so a test knows the right answer:

- "inflation": +25 points on one benchmark of a 7B model (single-benchmark
  contamination).
- "broken": one cell at the chance level while the model's others are normal
  (a failed evaluation run).
- "specialist": a model named "...-Math-7B" of model type "math" with +25
  points on the math benchmark and +25 on a knowledge benchmark (an exempt
  specialty and a non-exempt inflation).
- "uniform_small": a 0.5B model with every score raised to the level of the
  best large models (trained on every test set).
- "published_zero": a cell published as exactly 0 while the others are normal.
- "size_contradiction": a model named "...-7B" whose params_b says 0.002.

Benchmark `bench_k` has category `CATEGORIES[k % len(CATEGORIES)]`; with the
default six benchmarks, `bench_3` is the math benchmark. Scores are on 0-100
with chance 25 (chance 0 for math), clipped to that range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leaderboard.schema import parse_board_schema
from leaderboard.store import BoardData, build_board

SNAPSHOT = "2025-01-01"
CATEGORIES = ("knowledge", "reasoning", "commonsense", "math", "truthfulness", "code")
ORGANISATIONS = 25
# Residual standard deviation of a score around its general-factor prediction, in points.
NOISE_SD = 3.0
PLANT_EFFECT = 25.0

PLANT_KEYS = {
    "inflation": "plant-org/Contaminated-7B",
    "broken": "plant-org/Broken-Eval-7B",
    "specialist": "plant-org/Wizard-Math-7B",
    "uniform_small": "plant-org/Tiny-0.5B",
    "published_zero": "plant-org/Zero-Cell-7B",
    "size_contradiction": "plant-org/Mislabelled-7B",
}
INFLATED_BENCHMARK = "bench_1"
BROKEN_BENCHMARK = "bench_0"
MATH_BENCHMARK = "bench_3"
SPECIALIST_OTHER_BENCHMARK = "bench_2"
ZERO_BENCHMARK = "bench_4"


def board_schema(n_benchmarks: int, lineage: bool = False):
    """Build the schema of a synthetic board with `n_benchmarks` benchmarks."""
    benchmarks = []
    for k in range(n_benchmarks):
        category = CATEGORIES[k % len(CATEGORIES)]
        benchmarks.append({
            "id": f"bench_{k}",
            "name": f"Bench {k}",
            "higher_is_better": True,
            "unit": "%",
            "scale": "accuracy",
            "range": [0, 100],
            "chance": 0 if category == "math" else 25,
            "ceiling": 100,
            "category": category,
        })
    metadata = ["params_b", "model_type", "organization"] + (["base_model"] if lineage else [])
    raw = {
        "id": "synthetic",
        "title": "Synthetic board",
        "description": "Scores drawn from one general factor plus noise.",
        "citation": "none",
        "source": "tests/alert_boards.py",
        "license": "CC0",
        "model_key": "the model id",
        "aggregate": {"rule": "mean"},
        "metadata": metadata,
        "benchmarks": benchmarks,
    }
    return parse_board_schema(raw, source="synthetic")


def _base_tables(n_models: int, n_benchmarks: int, rng: np.random.Generator, lineage: bool):
    # Sizes: log-normal around 7B, a long right tail, as on open-model boards.
    params = np.round(np.exp(rng.normal(np.log(7.0), 1.0, n_models)), 3)
    params = np.clip(params, 0.1, 400.0)
    # Bigger models score higher on the general factor, with wide scatter.
    general = 0.6 * (np.log(params) - np.log(7.0)) + rng.normal(0.0, 1.0, n_models)
    means = np.linspace(50.0, 60.0, n_benchmarks)
    spreads = np.linspace(6.0, 8.0, n_benchmarks)
    scores = means[None, :] + spreads[None, :] * general[:, None] + rng.normal(0.0, NOISE_SD, (n_models, n_benchmarks))

    organisations = [f"org{rng.integers(ORGANISATIONS):02d}" for _ in range(n_models)]
    keys = [f"{org}/model-{i:04d}" for i, org in enumerate(organisations)]
    models = pd.DataFrame({
        "model_key": keys,
        "model_id": keys,
        "hub_id": keys,
        "params_b": params,
        "model_type": rng.choice(["pretrained", "fine-tuned", "chat", "merge"], n_models),
        "organization": organisations,
    })
    if lineage:
        # The first 20% are roots; every later model names an earlier one as base.
        n_roots = max(1, n_models // 5)
        bases = [keys[i] if i < n_roots else keys[int(rng.integers(i))] for i in range(n_models)]
        models["base_model"] = bases
    wide = pd.DataFrame(scores, index=keys, columns=[f"bench_{k}" for k in range(n_benchmarks)])
    return wide, models


def _add_model(wide: pd.DataFrame, models: pd.DataFrame, key: str, params: float, scores, model_type: str = "fine-tuned"):
    wide.loc[key] = scores
    row = {"model_key": key, "model_id": key, "hub_id": key, "params_b": params, "model_type": model_type, "organization": key.split("/")[0]}
    if "base_model" in models.columns:
        row["base_model"] = key
    models.loc[len(models)] = row


def _typical_scores(wide: pd.DataFrame, quantile: float) -> np.ndarray:
    return wide.quantile(quantile).to_numpy().copy()


def apply_plant(wide: pd.DataFrame, models: pd.DataFrame, kind: str) -> None:
    """Add the planted model of `kind` to the wide table and the models table, in place."""
    key = PLANT_KEYS[kind]
    median = _typical_scores(wide, 0.5)
    columns = list(wide.columns)
    scores = median.copy()

    if kind == "inflation":
        scores[columns.index(INFLATED_BENCHMARK)] += PLANT_EFFECT
        _add_model(wide, models, key, 7.0, scores)
    elif kind == "broken":
        scores[columns.index(BROKEN_BENCHMARK)] = 25.0
        _add_model(wide, models, key, 7.0, scores)
    elif kind == "specialist":
        scores[columns.index(MATH_BENCHMARK)] += PLANT_EFFECT
        scores[columns.index(SPECIALIST_OTHER_BENCHMARK)] += PLANT_EFFECT
        _add_model(wide, models, key, 7.0, scores, model_type="math")
    elif kind == "uniform_small":
        _add_model(wide, models, key, 0.5, _typical_scores(wide, 0.97))
    elif kind == "published_zero":
        scores[columns.index(ZERO_BENCHMARK)] = 0.0
        _add_model(wide, models, key, 7.0, scores)
    elif kind == "size_contradiction":
        _add_model(wide, models, key, 0.002, scores)
    else:
        raise ValueError(f"unknown plant {kind!r}; use one of {', '.join(PLANT_KEYS)}")


def inflated_key(index: int) -> str:
    """Return the model key of the `index`-th extra inflated model of `synthetic_board(n_inflated=...)`."""
    return f"plant-org/Inflated-{index:02d}-7B"


def inflated_benchmark(index: int, n_benchmarks: int = 6) -> str:
    """Return the benchmark inflated in the `index`-th extra inflated model."""
    return f"bench_{index % n_benchmarks}"


def synthetic_board(n_models: int = 200, n_benchmarks: int = 6, seed: int = 0, plant=(), lineage: bool = False, n_inflated: int = 0) -> BoardData:
    """Build a synthetic board of `n_models` random models plus one model per planted kind in `plant`.

    `plant` is an iterable of kinds from `PLANT_KEYS`. With `lineage=True` the
    board declares `base_model`, and random models name earlier ones as base.
    `n_inflated` adds that many more models (keys from `inflated_key`), each
    with `PLANT_EFFECT` points on one benchmark: `inflated_benchmark(i)`.
    """
    if n_benchmarks < 5 and any(kind in ("specialist", "published_zero") for kind in plant):
        raise ValueError("the specialist and published_zero plants need at least 5 benchmarks")
    rng = np.random.default_rng(seed)
    schema = board_schema(n_benchmarks, lineage)
    wide, models = _base_tables(n_models, n_benchmarks, rng, lineage)
    for kind in plant:
        apply_plant(wide, models, kind)
    for index in range(n_inflated):
        scores = _typical_scores(wide, float(rng.uniform(0.2, 0.8)))
        scores[int(inflated_benchmark(index, n_benchmarks)[len("bench_"):])] += PLANT_EFFECT
        _add_model(wide, models, inflated_key(index), 7.0, scores)

    low = np.array([b.scale.valid_range[0] for b in schema.benchmarks])
    high = np.array([b.scale.valid_range[1] for b in schema.benchmarks])
    wide = wide.clip(lower=low, upper=high, axis=1)

    results = wide.rename_axis("model_key").reset_index().melt(id_vars="model_key", var_name="benchmark", value_name="score")
    results["snapshot"] = SNAPSHOT
    return build_board(schema, results, models, file="synthetic")
