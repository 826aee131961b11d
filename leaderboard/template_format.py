"""Read results in the Hugging Face leaderboard-template JSON format.

A results file (typically `<org>/<model>/results_<timestamp>.json`) is a JSON
object with a `config` (`model_name`, `model_sha`, `model_dtype`, and maybe
`board`, `date`, `submitted_time`) and `results` (`{task: {metric: value}}`).
A benchmark's score is `results[task][metric] * multiplier`, as declared by its
`source_key` in the board schema.

Rules, each of which produces a `DataNote` naming the file:

- A missing task, a missing metric (also when the task stores other metrics),
  a null, a text, a boolean, a non-finite or an out-of-range value leaves that
  cell missing. No other metric is used in its place and nothing becomes 0.
  An integer too large for a float counts as non-finite, and such a standard
  error is dropped.
- Malformed JSON (also nesting too deep for the parser, or an integer longer
  than Python's digit limit), a missing `config`, a missing `model_name` or a
  `results` that is not an object skips the whole file.
- A run's time comes from the file name (`YYYY-MM-DDTHH-MM-SS[.ffffff]`, or a
  bare date), else `config.date` (Unix seconds or ISO text), else
  `config.submitted_time`.

Several runs of one model key: the newest run is the model's current result.
Every current result is filed under one snapshot, the board date, which is the
newest run date of the board. An older run is kept as an earlier snapshot at
its own run date only when no newer kept run of that model has the same date.
Other older runs are dropped with a note. Earlier snapshots thus contain only
superseded runs, and the latest snapshot contains every model.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import NamedTuple

import pandas as pd

from leaderboard.keys import hub_model_key
from leaderboard.notes import DataNote, make_note
from leaderboard.schema import Benchmark, BoardSchema
from leaderboard.store import MODEL_BASE_COLUMNS, RESULT_COLUMNS, BoardData, build_board

logger = logging.getLogger(__name__)

# A Hub repo id `org/name`: ASCII letters, digits, '-', '_' and '.', each part
# starting and ending with a letter or digit, at most 96 characters, and no
# '--' or '..' (the rules huggingface_hub's `validate_repo_id` applies).
_HUB_ID_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_HUB_ID_PATTERN = re.compile(rf"^{_HUB_ID_PART}/{_HUB_ID_PART}$")

# `results_2024-05-01T12-30-45.123456.json` as the template writes it; a bare date also counts.
_FILE_TIME_PATTERN = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T_ ](\d{2})[-:](\d{2})[-:](\d{2})(\.\d+)?)?")


# Failures a results file of unexpected shape could still cause in `parse_result_json`.
PARSE_ERRORS = (TypeError, ValueError, OverflowError, RecursionError)


class ParsedResult(NamedTuple):
    """One results file turned into long-table rows, a models-table row and notes.

    `rows` is empty and `model_row` None when the file is skipped.
    """

    rows: list[dict]
    model_row: dict | None
    notes: list[DataNote]


def is_hub_model_id(text: str) -> bool:
    """Check that `text` is an `org/name` Hub repo id."""
    return bool(_HUB_ID_PATTERN.match(text)) and "--" not in text and ".." not in text


def decode_result_file(data: bytes, file: str, board: str) -> tuple[object | None, list[DataNote]]:
    """Decode one file's bytes as UTF-8 JSON; on failure return None and a note filed under `board`."""
    try:
        return json.loads(data.decode("utf-8")), []
    except UnicodeDecodeError as exc:
        return None, [make_note(board, file, f"not UTF-8 text ({exc.reason} at byte {exc.start}); file skipped")]
    except json.JSONDecodeError as exc:
        return None, [make_note(board, file, f"malformed JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); file skipped")]
    except RecursionError:
        return None, [make_note(board, file, "JSON nested too deeply to decode; file skipped")]
    except ValueError as exc:
        # Python 3.11 rejects integer literals over 4300 digits with a plain ValueError.
        message = next(iter(str(exc).splitlines()), "")[:120]
        return None, [make_note(board, file, f"invalid JSON value ({message}); file skipped")]


def board_of(payload: object) -> str | None:
    """Return the board named by `config.board`, or None when the file does not name one."""
    if isinstance(payload, dict) and isinstance(payload.get("config"), dict):
        board = payload["config"].get("board")
        if isinstance(board, str) and board.strip():
            return board.strip()
    return None


def _finite_float(value: object) -> float | None:
    """Convert a JSON number to a finite float; None for booleans, non-numbers, infinities, NaN and integers too large for a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = _finite_float(value)
        if seconds is None:
            return None
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def run_timestamp(payload: object, file: str) -> datetime | None:
    """Return the run's time (UTC) from the file name, else `config.date`, else `config.submitted_time`."""
    name = file.rsplit("/", 1)[-1]
    match = _FILE_TIME_PATTERN.search(name)
    if match:
        day, hour, minute, second, fraction = match.groups()
        text = day if hour is None else f"{day}T{hour}:{minute}:{second}{fraction or ''}"
        parsed = _parse_time(text)
        if parsed is not None:
            return parsed

    config = payload.get("config") if isinstance(payload, dict) else None
    if isinstance(config, dict):
        for key in ("date", "submitted_time"):
            parsed = _parse_time(config.get(key))
            if parsed is not None:
                return parsed
    return None


def _run_date(run_time: datetime | None) -> str | None:
    return run_time.astimezone(timezone.utc).date().isoformat() if run_time else None


def _strip_torch_prefix(dtype: object) -> str | None:
    # Template configs store dtypes as `torch.float16`; boards list precisions as `float16`.
    if dtype is None or (isinstance(dtype, str) and not dtype.strip()):
        return None
    text = str(dtype).strip()
    return text.removeprefix("torch.")


def _stderr_key(metric: str) -> str:
    # lm-eval-harness names the error `acc_stderr` next to `acc`, and `acc_stderr,none` next to `acc,none`.
    if "," in metric:
        name, suffix = metric.split(",", 1)
        return f"{name}_stderr,{suffix}"
    return f"{metric}_stderr"


def _benchmark_cell(results: dict, bench: Benchmark, board: str, file: str) -> "CellValues":
    """Read one benchmark's cell; a note means the cell stays missing.

    A benchmark with a raw scale reads the raw value and derives the displayed
    score with `raw_to_display_factor`.
    """
    key = bench.source_key
    path = f"results[{key.task!r}][{key.metric!r}]"

    if key.task not in results:
        return CellValues(None, None, None, make_note(board, file, f"results has no task {key.task!r}; the cell stays missing", column=bench.id, value=path))
    task = results[key.task]
    if not isinstance(task, dict):
        return CellValues(None, None, None, make_note(board, file, f"results[{key.task!r}] is not an object; the cell stays missing", column=bench.id, value=task))
    if key.metric not in task:
        found = ", ".join(sorted(map(str, task))) or "none"
        reason = f"task {key.task!r} has no metric {key.metric!r} (found: {found}); the cell stays missing"
        return CellValues(None, None, None, make_note(board, file, reason, column=bench.id, value=path))

    value = task[key.metric]
    if value is None:
        return CellValues(None, None, None, make_note(board, file, f"{path} is null; the cell stays missing", column=bench.id, value=path))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return CellValues(None, None, None, make_note(board, file, f"{path} is not a number; the cell stays missing", column=bench.id, value=value))
    number = _finite_float(value)
    if number is None or not math.isfinite(number * key.multiplier):
        return CellValues(None, None, None, make_note(board, file, f"{path} is not a finite number; the cell stays missing", column=bench.id, value=value))

    value = number * key.multiplier
    scale = bench.raw or bench.scale
    bounds = scale.valid_range
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        reason = f"{path} x {key.multiplier:g} = {value:g} lies outside the valid range [{bounds[0]:g}, {bounds[1]:g}]; the cell stays missing"
        return CellValues(None, None, None, make_note(board, file, reason, column=bench.id, value=value))

    stderr = _finite_float(task.get(_stderr_key(key.metric)))
    if stderr is not None:
        stderr = abs(stderr * key.multiplier)
        if not math.isfinite(stderr):
            stderr = None

    if bench.raw is None:
        return CellValues(value, None, stderr, None)
    factor = raw_to_display_factor(bench)
    if factor is None:
        return CellValues(None, value, None, None)
    display = bench.scale.chance or 0.0
    score = max(display + (value - _raw_origin(bench)) * factor, display)
    return CellValues(score, value, None if stderr is None else stderr * factor, None)


class CellValues(NamedTuple):
    """One benchmark cell of a results file: displayed score, raw score, standard error, and a note."""

    score: float | None
    score_raw: float | None
    stderr: float | None
    note: DataNote | None


def _raw_origin(bench: Benchmark) -> float:
    # The raw value that maps to the displayed scale's origin (its chance level, or its bottom).
    if bench.scale.chance is not None:
        return bench.raw.chance
    return bench.raw.valid_range[0]


def raw_to_display_factor(bench: Benchmark) -> float | None:
    """Return the slope of the linear map from a benchmark's raw scale to its displayed scale, or None.

    Where the displayed scale subtracts a chance level, the map sends the raw
    chance level to the displayed one and the raw top (ceiling, else range
    maximum) to the displayed top, and results below chance clip to the
    displayed chance level, as the Open LLM Leaderboard v2 did. Where the
    displayed scale declares no chance level, the map sends range to range.
    None when the raw scale lacks the point the map needs (for example a raw
    chance level that differs per subtask): the displayed score then stays
    missing and only the raw score is kept.
    """
    raw, shown = bench.raw, bench.scale
    if raw is None or raw.valid_range is None or shown.valid_range is None:
        return None
    if shown.chance is not None and raw.chance is None:
        return None
    raw_top = raw.ceiling if raw.ceiling is not None else raw.valid_range[1]
    shown_top = shown.ceiling if shown.ceiling is not None else shown.valid_range[1]
    shown_origin = shown.chance if shown.chance is not None else shown.valid_range[0]
    span = raw_top - _raw_origin(bench)
    if span <= 0:
        return None
    return (shown_top - shown_origin) / span


def _model_row(config: dict, model_key: str, model_name: str, schema: BoardSchema) -> dict:
    row = {"model_key": model_key, "model_id": model_name, "hub_id": model_name if is_hub_model_id(model_name) else None}
    derived = {
        "precision": _strip_torch_prefix(config.get("model_dtype")),
        "revision": config.get("model_sha") or None,
        "organization": model_name.split("/", 1)[0] if row["hub_id"] else None,
    }
    submitted = _parse_time(config.get("submitted_time"))
    derived["submission_date"] = submitted.date().isoformat() if submitted else None

    for column in schema.metadata:
        if column in derived:
            row[column] = derived[column]
        elif column in config:
            row[column] = config[column]
    return row


def parse_result_json(payload: object, schema: BoardSchema, file: str) -> ParsedResult:
    """Turn one decoded results file into rows for `schema`'s benchmarks that declare a `source_key`.

    Rows carry the run's own date as `snapshot` (see the module docstring for
    how `template_board` files current runs). A file with no run time gets
    today's UTC date and a note.
    """
    board = schema.id
    skipped = ParsedResult([], None, [])

    if not isinstance(payload, dict):
        skipped.notes.append(make_note(board, file, f"expected a JSON object at the top level, got {type(payload).__name__}; file skipped"))
        return skipped
    config = payload.get("config")
    if not isinstance(config, dict):
        skipped.notes.append(make_note(board, file, "missing or non-object 'config'; file skipped", column="config"))
        return skipped
    results = payload.get("results")
    if not isinstance(results, dict):
        skipped.notes.append(make_note(board, file, "missing or non-object 'results'; file skipped", column="results", value=results))
        return skipped
    model_name = config.get("model_name")
    if not isinstance(model_name, str) or not model_name.strip():
        skipped.notes.append(make_note(board, file, "config.model_name is missing or empty; file skipped", column="model_name", value=model_name))
        return skipped

    notes: list[DataNote] = []
    model_name = model_name.strip()
    if not is_hub_model_id(model_name):
        notes.append(make_note(board, file, "config.model_name is not an org/name Hub id; kept as text without a Hub link", column="model_name", value=model_name))

    sha = config.get("model_sha")
    model_key = hub_model_key(model_name, str(sha).strip() if sha else None, _strip_torch_prefix(config.get("model_dtype")))

    run_time = run_timestamp(payload, file)
    if run_time is None:
        notes.append(make_note(board, file, "no run time in the file name or in config.date / config.submitted_time; dated today (UTC)"))
        run_time = datetime.now(timezone.utc)
    snapshot = _run_date(run_time)

    rows = []
    for bench in schema.benchmarks:
        if bench.source_key is None:
            continue
        cell = _benchmark_cell(results, bench, board, file)
        if cell.note is not None:
            notes.append(cell.note)
            continue
        rows.append({"model_key": model_key, "snapshot": snapshot, "benchmark": bench.id,
                     "score": cell.score, "score_raw": cell.score_raw, "stderr": cell.stderr})

    return ParsedResult(rows, _model_row(config, model_key, model_name, schema), notes)


def template_board(files: Mapping[str, object], schema: BoardSchema) -> BoardData:
    """Build a board from decoded results files, keyed by their path in the repo.

    Applies the run-selection rule of the module docstring, then validates the
    tables with `build_board`.
    """
    notes: list[DataNote] = []
    unmapped = [b.id for b in schema.benchmarks if b.source_key is None]
    if unmapped:
        notes.append(make_note(schema.id, "<board schema>", f"benchmarks without a source_key stay empty for template results: {', '.join(unmapped)}"))

    runs_by_key: dict[str, list[tuple[datetime | None, str, ParsedResult]]] = {}
    for file in sorted(files):
        try:
            parsed = parse_result_json(files[file], schema, file)
        except PARSE_ERRORS as exc:
            # One malformed file must not block the board. `parse_result_json` should note
            # every bad value itself, so reaching this also logs the traceback.
            logger.warning("unexpected failure parsing %s for board %s", file, schema.id, exc_info=True)
            message = next(iter(str(exc).splitlines()), "")[:120]
            notes.append(make_note(schema.id, file, f"cannot read the results file ({type(exc).__name__}: {message}); file skipped"))
            continue
        notes.extend(parsed.notes)
        if parsed.model_row is None:
            continue
        run_time = run_timestamp(files[file], file)
        runs_by_key.setdefault(parsed.model_row["model_key"], []).append((run_time, file, parsed))

    current: list[ParsedResult] = []
    superseded: list[ParsedResult] = []
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    for model_key, runs in runs_by_key.items():
        # Undated runs sort as the oldest; ties on time fall back to the file name.
        runs.sort(key=lambda run: (run[0] or oldest, run[1]), reverse=True)
        current.append(runs[0][2])
        kept_dates = {_run_date(runs[0][0])}
        for run_time, file, parsed in runs[1:]:
            snapshot = _run_date(run_time)
            if snapshot is None or snapshot in kept_dates:
                reason = "superseded by a newer run" if snapshot is None else "superseded by a newer run on the same date"
                notes.append(make_note(schema.id, file, f"{reason} of {model_key}; file not used", column="model_key", value=model_key))
                continue
            kept_dates.add(snapshot)
            superseded.append(parsed)

    board_date = max((row["snapshot"] for parsed in current for row in parsed.rows), default=None)
    rows = [dict(row, snapshot=board_date) for parsed in current for row in parsed.rows]
    rows.extend(row for parsed in superseded for row in parsed.rows)

    results = pd.DataFrame(rows, columns=RESULT_COLUMNS) if rows else pd.DataFrame(columns=RESULT_COLUMNS)
    model_rows = [parsed.model_row for parsed in current]
    models = pd.DataFrame(model_rows) if model_rows else pd.DataFrame(columns=MODEL_BASE_COLUMNS)
    absent = [column for column in schema.metadata if column not in models.columns]
    if absent:
        # One note for the board, in place of one note per column from `build_board`.
        notes.append(make_note(schema.id, "<results files>", f"results files carry no {', '.join(absent)}; shown as missing"))
        for column in absent:
            models[column] = None

    board = build_board(schema, results, models, file=f"{len(files)} template results files")
    board.notes[:0] = notes
    logger.info("read template board %s: %d files, %d models, %d result rows", schema.id, len(files), len(board.models), len(board.results))
    return board
