"""Statistics of the Compare tab: normalized scores, ranks with percentiles, strengths and weaknesses.

Every function looks scores up by model key in the loaded data (the board's
results or the leaderboard frame built from them), never in rendered tables.

Percentile, as used here: the share of models with a strictly worse score
plus half the share with an equal score (the model itself included), in %.
"Worse" means lower for higher-is-better benchmarks and higher for
lower-is-better ones. Among N distinct scores the best model gets
100 x (N - 0.5) / N and the worst 100 x 0.5 / N.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from leaderboard.aggregate import wide_scores
from leaderboard.schema import BoardSchema
from leaderboard.store import BoardData
from leaderboard.table import competition_rank

MAD_TO_SD = 1.4826
BOUNDS_COLUMNS = ["worst", "best", "worst_source", "best_source"]
RANK_TABLE_COLUMNS = ["benchmark", "model_key", "score", "rank", "n", "percentile"]
PROFILE_COLUMNS = ["benchmark", "name", "score", "peer_median", "difference_sd", "peer_percentile", "n_peers"]


def normalization_bounds(board: BoardData, snapshot: str | None) -> pd.DataFrame:
    """Return the 0 and 1 points of each benchmark's normalized scale, and where each comes from.

    One row per benchmark with data in the snapshot (index: benchmark id,
    schema order) with the columns of `BOUNDS_COLUMNS`:

    - `worst` (normalized 0) is the chance level, or where the schema defines
      none, the observed worst score in the snapshot (the minimum, or the
      maximum for a lower-is-better benchmark);
    - `best` (normalized 1) is the ceiling, or where undefined, the observed
      best score;
    - `worst_source` and `best_source` state which was used: "chance",
      "ceiling", "observed minimum" or "observed maximum".

    Observed extremes are over every model in the snapshot.
    """
    schema = board.schema
    wide = wide_scores(board, snapshot, raw=False)
    rows = []
    for bench_id in wide.columns:
        bench = schema.benchmark(bench_id)
        low, high = float(wide[bench_id].min()), float(wide[bench_id].max())
        if bench.higher_is_better:
            observed_worst, observed_best = (low, "observed minimum"), (high, "observed maximum")
        else:
            observed_worst, observed_best = (high, "observed maximum"), (low, "observed minimum")
        worst, worst_source = (bench.scale.chance, "chance") if bench.scale.chance is not None else observed_worst
        best, best_source = (bench.scale.ceiling, "ceiling") if bench.scale.ceiling is not None else observed_best
        rows.append({"benchmark": bench_id, "worst": float(worst), "best": float(best), "worst_source": worst_source, "best_source": best_source})
    return pd.DataFrame(rows, columns=["benchmark", *BOUNDS_COLUMNS]).set_index("benchmark")


def normalized(board: BoardData, snapshot: str | None, model_keys: Sequence[str]) -> pd.DataFrame:
    """Put each benchmark's scores on a common 0..1 scale for the given models.

    Returns a wide frame: index `model_key` in the order given (duplicates
    dropped), one float64 column per benchmark with data in the snapshot, in
    schema order. Each value is (score - worst) / (best - worst) with the
    bounds of `normalization_bounds`, which states per benchmark whether chance
    and ceiling or the observed range were used. Lower-is-better benchmarks
    come out flipped, so 1 is always best. Values are not clipped: a score
    below chance is negative. A model without a score, a model key not on the
    board, or a benchmark whose worst equals its best gets NaN.
    """
    keys = list(dict.fromkeys(model_keys))
    wide = wide_scores(board, snapshot, raw=False).reindex(pd.Index(keys, name="model_key"))
    bounds = normalization_bounds(board, snapshot)

    table = pd.DataFrame(index=wide.index)
    for bench_id in wide.columns:
        worst, best = bounds.at[bench_id, "worst"], bounds.at[bench_id, "best"]
        span = best - worst
        if span == 0:
            table[bench_id] = np.nan
        else:
            table[bench_id] = (wide[bench_id] - worst) / span
    return table.astype("float64")


def percentiles(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """Return each value's percentile (defined in the module docstring); missing values get NaN."""
    goodness = values if higher_is_better else -values
    mid_ranks = goodness.rank(method="average", ascending=True, na_option="keep")
    count = int(values.notna().sum())
    if count == 0:
        return pd.Series(np.nan, index=values.index)
    return (mid_ranks - 0.5) / count * 100.0


def rank_table(frame: pd.DataFrame, model_keys: Sequence[str], schema: BoardSchema) -> pd.DataFrame:
    """Rank the given models on each benchmark of a leaderboard frame.

    `frame` is a full board snapshot from `leaderboard_frame`, so ranks and
    percentiles are among all its models. Returns one row per (benchmark,
    model key), benchmarks in schema order and models in the order given, with
    `score`, `rank` (competition rank, 1 = best, Int64), `n` (models with a
    score) and `percentile`. A model absent from the frame or without a score
    gets missing score, rank and percentile.
    """
    keys = list(dict.fromkeys(model_keys))
    indexed = frame.set_index("model_key")
    parts = []
    for bench in schema.benchmarks:
        if bench.id not in indexed.columns:
            continue
        values = indexed[bench.id].astype("float64")
        ranks = competition_rank(values, bench.higher_is_better)
        shares = percentiles(values, bench.higher_is_better)
        parts.append(pd.DataFrame({
            "benchmark": bench.id,
            "model_key": keys,
            "score": values.reindex(keys).to_numpy(dtype="float64"),
            "rank": ranks.reindex(keys).to_numpy(),
            "n": int(values.notna().sum()),
            "percentile": shares.reindex(keys).to_numpy(dtype="float64"),
        }))
    if not parts:
        return pd.DataFrame(columns=RANK_TABLE_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    table["rank"] = table["rank"].astype("Int64")
    return table[RANK_TABLE_COLUMNS]


@dataclass(frozen=True)
class StrengthsWeaknesses:
    """A model's best and worst benchmarks relative to its peers.

    `strengths` and `weaknesses` have the columns of `PROFILE_COLUMNS`, at most
    `top` rows each, strongest effect first. `peer_rule` states in words which
    models were the peers and why; `n_peers` counts them.
    """

    model_key: str
    strengths: pd.DataFrame
    weaknesses: pd.DataFrame
    peer_rule: str
    n_peers: int


def peer_models(frame: pd.DataFrame, model_key: str, size_ratio: float, min_peers: int) -> tuple[pd.DataFrame, str]:
    """Choose the peers of a model: other models within a factor `size_ratio` of its size.

    Falls back to all other models, and states this in the returned rule, when the
    board has no `params_b` column, the model's size is unknown, or fewer than
    `min_peers` models are of similar size.
    """
    others = frame[frame["model_key"] != model_key]
    if "params_b" not in frame.columns:
        return others, "all other models (the board has no parameter counts)"

    size = frame.loc[frame["model_key"] == model_key, "params_b"].astype("float64").iloc[0]
    if np.isnan(size) or size <= 0:
        return others, "all other models (this model's size is unknown)"

    low, high = size / size_ratio, size * size_ratio
    params = others["params_b"].astype("float64")
    similar = others[(params >= low) & (params <= high)]
    if len(similar) < min_peers:
        count = f"{len(similar)} model has" if len(similar) == 1 else f"{len(similar)} models have"
        return others, f"all other models, because only {count} {low:.3g}B to {high:.3g}B parameters (fewer than {min_peers})"
    return similar, f"models with {low:.3g}B to {high:.3g}B parameters"


def strengths_weaknesses(
    frame: pd.DataFrame,
    model_key: str,
    schema: BoardSchema,
    size_ratio: float = 2.0,
    min_peers: int = 5,
    top: int = 3,
    min_sd: float = 1.0,
) -> StrengthsWeaknesses:
    """Find the benchmarks where a model does best and worst against its peers (see `peer_models`).

    For each non-composite benchmark where the model has a score and at least
    two peers have one:

    - `peer_median`: median peer score;
    - `difference_sd`: (score - peer_median) / spread, with the sign flipped on
      lower-is-better benchmarks so positive is always better. The spread is
      the peers' median absolute deviation x 1.4826 (a robust standard
      deviation); where that MAD is 0 it is the sample standard deviation
      (ddof=1), and where that is 0 too the benchmark is skipped;
    - `peer_percentile`: the model's percentile among its peers (share of
      peers with a worse score plus half the share with an equal one, in %);
    - `n_peers`: peers with a score on that benchmark.

    Strengths are the `top` largest differences of at least `min_sd` and
    weaknesses the `top` most negative of at most `-min_sd`, ties in schema
    order: smaller deviations are within the usual spread of the peers and
    would read as noise. A benchmark needs at least `min_peers` peer scores.
    Raises KeyError when `model_key` is not in `frame`.
    """
    if not (frame["model_key"] == model_key).any():
        raise KeyError(f"model key {model_key!r} is not in this board snapshot; pick a model from the table")
    peers, rule = peer_models(frame, model_key, size_ratio, min_peers)
    own = frame[frame["model_key"] == model_key].iloc[0]

    rows = []
    for bench in schema.benchmarks:
        if bench.composite or bench.id not in frame.columns or pd.isna(own[bench.id]):
            continue
        score = float(own[bench.id])
        peer_scores = peers[bench.id].dropna().to_numpy(dtype="float64")
        if len(peer_scores) < max(min_peers, 2):
            continue
        median = float(np.median(peer_scores))
        spread = MAD_TO_SD * float(np.median(np.abs(peer_scores - median)))
        if spread == 0:
            spread = float(np.std(peer_scores, ddof=1))
        if spread == 0:
            continue

        sign = 1.0 if bench.higher_is_better else -1.0
        goodness, peer_goodness = sign * score, sign * peer_scores
        worse = np.count_nonzero(peer_goodness < goodness)
        equal = np.count_nonzero(peer_goodness == goodness)
        rows.append({
            "benchmark": bench.id,
            "name": bench.name,
            "score": score,
            "peer_median": median,
            "difference_sd": sign * (score - median) / spread,
            "peer_percentile": (worse + 0.5 * equal) / len(peer_scores) * 100.0,
            "n_peers": len(peer_scores),
        })

    table = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    strengths = table[table["difference_sd"] >= min_sd].sort_values("difference_sd", ascending=False, kind="stable").head(top)
    weaknesses = table[table["difference_sd"] <= -min_sd].sort_values("difference_sd", ascending=True, kind="stable").head(top)
    return StrengthsWeaknesses(
        model_key=model_key,
        strengths=strengths.reset_index(drop=True),
        weaknesses=weaknesses.reset_index(drop=True),
        peer_rule=rule,
        n_peers=len(peers),
    )
