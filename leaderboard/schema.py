"""Board schemas: each board's benchmarks, aggregate rule and metadata, kept as data.

A board schema is one YAML file (see `data/boards/`). `parse_board_schema`
checks it and reports every problem at once in a `SchemaError`, so a maintainer
fixes a schema in one pass instead of one error per run.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

AGGREGATE_RULES = ("mean", "weighted_mean", "category_mean", "none")

# Every metadata column a board may declare. Boards list the subset they have;
# the loaders and filters only ever look for these names.
METADATA_COLUMNS = {
    "params_b": "number",
    "model_type": "text",
    "precision": "text",
    "revision": "text",
    "license": "text",
    "organization": "text",
    "architecture": "text",
    "upload_date": "date",
    "submission_date": "date",
    "release_date": "date",
    "base_model": "text",
    "merged": "bool",
    "moe": "bool",
    "flagged": "bool",
    "flag_url": "text",
    "official_provider": "bool",
    "available_on_hub": "bool",
    "chat_template": "bool",
    "votes": "number",
}

# Benchmark ids may contain '/' (GUE names tasks `EMP/H3`). Board ids may not,
# because a board id becomes part of file names in exports.
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-/]*$")
_BOARD_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class SchemaError(ValueError):
    """A board schema is invalid; `problems` lists every reason, each naming the field."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"invalid board schema {source}: " + "; ".join(problems))


@dataclass(frozen=True)
class ScoreScale:
    """Measurement of one kind of score (displayed or raw).

    `valid_range` bounds every accepted value; `chance` is the score of random
    guessing and `ceiling` the best possible score, each None where undefined
    (Elo, minutes).
    """

    unit: str
    scale: str
    valid_range: tuple[float, float] | None
    chance: float | None = None
    ceiling: float | None = None


@dataclass(frozen=True)
class SourceKey:
    """Location of a benchmark's score in a leaderboard-template results JSON.

    The value is `results[task][metric] * multiplier`.
    """

    task: str
    metric: str
    multiplier: float = 1.0


@dataclass(frozen=True)
class Benchmark:
    """One scored column of a board. `weight` is used by the `weighted_mean` rule."""

    id: str
    name: str
    higher_is_better: bool
    scale: ScoreScale
    category: str = ""
    description: str = ""
    items: int | None = None
    weight: float = 1.0
    composite: bool = False
    raw: ScoreScale | None = None
    source_key: SourceKey | None = None


@dataclass(frozen=True)
class BoardSchema:
    """A board: its provenance, benchmarks, aggregate rule and metadata columns.

    `twins` contains (static, fresh) benchmark id pairs: a static benchmark and a
    fresher or held-out variant of the same skill.
    """

    id: str
    title: str
    description: str
    citation: str
    source: str
    license: str
    model_key: str
    aggregate: str
    benchmarks: tuple[Benchmark, ...]
    metadata: tuple[str, ...] = ()
    aggregate_label: str = "Average"
    time_axes: tuple[str, ...] = ()
    is_default: bool = False
    snapshot_label: str = "As of snapshot"
    notes: tuple[str, ...] = field(default=())
    twins: tuple[tuple[str, str], ...] = ()

    @property
    def benchmark_ids(self) -> list[str]:
        return [b.id for b in self.benchmarks]

    def benchmark(self, benchmark_id: str) -> Benchmark:
        for bench in self.benchmarks:
            if bench.id == benchmark_id:
                return bench
        raise KeyError(f"board {self.id} has no benchmark {benchmark_id!r}")

    @property
    def has_raw_scores(self) -> bool:
        return any(b.raw is not None for b in self.benchmarks)


def _number(value, where: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"{where}: expected a number, got {value!r}")
        return None
    return float(value)


def _boolean(raw: dict, key: str, where: str, problems: list[str], default: bool = False) -> bool:
    # YAML reads `"false"` as text, and bool("false") is True, so only a real boolean counts.
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.append(f"{where}: expected true or false, got {value!r}")
        return default
    return value


def _text_list(value, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list of strings, got {value!r}")
        return []
    texts = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            texts.append(item)
        else:
            problems.append(f"{where}[{index}]: expected a string, got {item!r}")
    return texts


def _rejoin_colon(item):
    # YAML reads an unquoted list item "text: more text" as a one-entry mapping;
    # a note written that way is read back as the text its author typed.
    if isinstance(item, dict) and len(item) == 1:
        (key, value), = item.items()
        if isinstance(key, str) and isinstance(value, str):
            return f"{key}: {value}"
    return item


def _parse_scale(raw: dict, where: str, problems: list[str]) -> ScoreScale | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping, got {raw!r}")
        return None

    valid_range = raw.get("range")
    bounds = None
    if valid_range is not None:
        if not (isinstance(valid_range, list) and len(valid_range) == 2):
            problems.append(f"{where}.range: expected [low, high], got {valid_range!r}")
        else:
            low = _number(valid_range[0], f"{where}.range[0]", problems)
            high = _number(valid_range[1], f"{where}.range[1]", problems)
            if low is not None and high is not None:
                if low >= high:
                    problems.append(f"{where}.range: low {low} is not below high {high}")
                bounds = (low, high)

    chance = _number(raw.get("chance"), f"{where}.chance", problems)
    ceiling = _number(raw.get("ceiling"), f"{where}.ceiling", problems)
    if chance is not None and ceiling is not None and chance == ceiling:
        problems.append(f"{where}: chance and ceiling are both {chance}")
    for name, value in (("chance", chance), ("ceiling", ceiling)):
        if value is not None and bounds is not None and not bounds[0] <= value <= bounds[1]:
            problems.append(f"{where}.{name} {value} lies outside the range {list(bounds)}")

    return ScoreScale(
        unit=str(raw.get("unit", "")),
        scale=str(raw.get("scale", "")),
        valid_range=bounds,
        chance=chance,
        ceiling=ceiling,
    )


def _parse_benchmark(raw: dict, index: int, problems: list[str]) -> Benchmark | None:
    where = f"benchmarks[{index}]"
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping, got {raw!r}")
        return None

    bench_id = raw.get("id")
    if not isinstance(bench_id, str) or not _ID_PATTERN.match(bench_id):
        problems.append(f"{where}.id: {bench_id!r} must be lowercase ASCII letters, digits, '_', '-', '.' or '/'")
        return None
    where = f"benchmarks[{bench_id}]"

    higher = raw.get("higher_is_better")
    if not isinstance(higher, bool):
        problems.append(f"{where}.higher_is_better: expected true or false, got {higher!r}")

    scale = _parse_scale(raw, where, problems)
    raw_scale = _parse_scale(raw["raw"], f"{where}.raw", problems) if "raw" in raw else None

    items = raw.get("items")
    if items is not None and (isinstance(items, bool) or not isinstance(items, int) or items <= 0):
        problems.append(f"{where}.items: expected a positive integer, got {items!r}")
        items = None

    weight = _number(raw.get("weight", 1.0), f"{where}.weight", problems)
    if weight is not None and weight <= 0:
        problems.append(f"{where}.weight: must be positive, got {weight}")

    source_key = None
    if "source_key" in raw:
        key = raw["source_key"]
        if not (isinstance(key, dict) and isinstance(key.get("task"), str) and isinstance(key.get("metric"), str)):
            problems.append(f"{where}.source_key: expected task and metric strings, got {key!r}")
        else:
            multiplier = _number(key.get("multiplier", 1.0), f"{where}.source_key.multiplier", problems)
            if multiplier is not None and not (math.isfinite(multiplier) and multiplier > 0):
                problems.append(f"{where}.source_key.multiplier: must be a positive finite number, got {multiplier}")
            elif multiplier is not None:
                source_key = SourceKey(key["task"], key["metric"], multiplier)

    composite = _boolean(raw, "composite", f"{where}.composite", problems)

    if scale is None or not isinstance(higher, bool):
        return None
    return Benchmark(
        id=bench_id,
        name=str(raw.get("name", bench_id)),
        higher_is_better=higher,
        scale=scale,
        category=str(raw.get("category", "")),
        description=str(raw.get("description", "")).strip(),
        items=items,
        weight=weight or 1.0,
        composite=composite,
        raw=raw_scale,
        source_key=source_key,
    )


def parse_board_schema(raw: dict, source: str = "<schema>") -> BoardSchema:
    """Validate a schema mapping and build a `BoardSchema`.

    Raises `SchemaError` listing every problem found, not only the first.
    `metadata` and `time_axes` must be lists of strings. `notes` is a list of
    strings, or one string read as a single note. A note item that YAML reads
    as a one-entry mapping, because of an unquoted ": ", is read back as text.
    `default` and a benchmark's `composite` must be YAML booleans, so the text
    "false" is rejected. `twins` lists (static, fresh) benchmark pairs for
    the fresh-twin alert rule (see `_parse_twins`).
    """
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise SchemaError(source, [f"expected a mapping at the top level, got {type(raw).__name__}"])

    for key in ("id", "title", "description", "citation", "source", "license", "model_key"):
        if not isinstance(raw.get(key), str) or not raw.get(key).strip():
            problems.append(f"{key}: missing or empty")
    board_id = raw.get("id")
    if isinstance(board_id, str) and not _BOARD_ID_PATTERN.match(board_id):
        problems.append(f"id: {board_id!r} must start with a lowercase ASCII letter or digit and contain only those, '_', '-' or '.'")

    aggregate = raw.get("aggregate", {})
    rule = aggregate.get("rule") if isinstance(aggregate, dict) else None
    if rule not in AGGREGATE_RULES:
        problems.append(f"aggregate.rule: {rule!r} is not one of {', '.join(AGGREGATE_RULES)}")

    benchmarks = []
    raw_benchmarks = raw.get("benchmarks")
    if not isinstance(raw_benchmarks, list) or not raw_benchmarks:
        problems.append("benchmarks: expected a non-empty list")
        raw_benchmarks = []
    for index, item in enumerate(raw_benchmarks):
        bench = _parse_benchmark(item, index, problems)
        if bench is not None:
            benchmarks.append(bench)
    ids = [b.id for b in benchmarks]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"benchmarks: id {duplicate!r} is declared more than once")
    if rule == "category_mean" and any(not b.category for b in benchmarks):
        problems.append("aggregate.rule category_mean needs a category on every benchmark")

    metadata = _text_list(raw.get("metadata", []), "metadata", problems)
    for column in metadata:
        if column not in METADATA_COLUMNS:
            problems.append(f"metadata: unknown column {column!r}; known columns are {', '.join(METADATA_COLUMNS)}")

    time_axes = _text_list(raw.get("time_axes", []), "time_axes", problems)
    for axis in time_axes:
        if axis != "snapshot" and METADATA_COLUMNS.get(axis) != "date":
            problems.append(f"time_axes: {axis!r} is neither 'snapshot' nor a date metadata column")

    notes = raw.get("notes", [])
    if isinstance(notes, str):
        notes = [notes]
    elif isinstance(notes, list):
        notes = [_rejoin_colon(note) for note in notes]
    notes = _text_list(notes, "notes", problems)

    is_default = _boolean(raw, "default", "default", problems)

    snapshot_label = raw.get("snapshot_label", "As of snapshot")
    if not isinstance(snapshot_label, str) or not snapshot_label.strip():
        problems.append(f"snapshot_label: expected a non-empty string, got {snapshot_label!r}")
        snapshot_label = "As of snapshot"

    twins = _parse_twins(raw.get("twins", []), set(ids), problems)

    if problems:
        raise SchemaError(source, problems)

    return BoardSchema(
        id=board_id,
        title=raw["title"].strip(),
        description=raw["description"].strip(),
        citation=raw["citation"].strip(),
        source=raw["source"].strip(),
        license=raw["license"].strip(),
        model_key=raw["model_key"].strip(),
        aggregate=rule,
        aggregate_label=str(aggregate.get("label", "Average")),
        benchmarks=tuple(benchmarks),
        metadata=tuple(metadata),
        time_axes=tuple(time_axes),
        is_default=is_default,
        notes=tuple(note.strip() for note in notes),
        snapshot_label=snapshot_label.strip(),
        twins=twins,
    )


def _parse_twins(value, benchmark_ids: set[str], problems: list[str]) -> tuple[tuple[str, str], ...]:
    """Read `twins`: pairs of a static benchmark and a fresher or held-out variant of the same skill.

    Each item is a mapping `{static: <benchmark id>, fresh: <benchmark id>}`;
    both ids must be declared benchmarks and must differ. A pair declared
    twice is reported.
    """
    if not isinstance(value, list):
        problems.append(f"twins: expected a list of {{static, fresh}} mappings, got {value!r}")
        return ()
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(value):
        where = f"twins[{index}]"
        if not isinstance(item, dict) or set(item) != {"static", "fresh"}:
            problems.append(f"{where}: expected a mapping with exactly the keys static and fresh, got {item!r}")
            continue
        static, fresh = item["static"], item["fresh"]
        valid = True
        for role, bench_id in (("static", static), ("fresh", fresh)):
            if not isinstance(bench_id, str) or bench_id not in benchmark_ids:
                problems.append(f"{where}.{role}: {bench_id!r} is not a benchmark id of this board")
                valid = False
        if valid and static == fresh:
            problems.append(f"{where}: static and fresh are both {static!r}; a twin pair needs two different benchmarks")
            valid = False
        if valid and (static, fresh) in pairs:
            problems.append(f"{where}: the pair {static!r} / {fresh!r} is declared more than once")
            valid = False
        if valid:
            pairs.append((static, fresh))
    return tuple(pairs)


def load_board_schema(path: Path) -> BoardSchema:
    """Read and validate one board schema file (YAML)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(str(path), [f"not valid YAML: {exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(str(path), [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    except RecursionError as exc:
        raise SchemaError(str(path), ["YAML nested too deeply to read"]) from exc
    schema = parse_board_schema(raw, source=str(path))
    logger.info("loaded board schema %s from %s (%d benchmarks)", schema.id, path, len(schema.benchmarks))
    return schema
