"""Load the results from a Hugging Face dataset repo.

The repo is fetched with two API requests whatever its size. `dataset_info`
resolves the revision to a commit sha, then `snapshot_download` at that sha
lists the tree once and fetches each matching file. Files add a HEAD and a GET
each when they are not yet in the local cache, and no request when they are
already cached at that sha.

Two layouts are read, detected per folder:

- project layout: `boards/<id>.yaml` (optional when the board id matches a
  known schema) and `<id>/results.parquet|csv` with `<id>/models.parquet|csv`,
  the same tables as the embedded data (see `leaderboard.store`).
- leaderboard-template layout: every other `*.json` file, at any depth, is a
  results file (see `leaderboard.template_format`). Its board is
  `config.board` when set, else the `results_board` argument, else the
  default board.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx2
import pandas as pd
import pyarrow
import yaml
from huggingface_hub import HfApi, snapshot_download
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import tqdm as hf_tqdm

from leaderboard.notes import DataNote, make_note
from leaderboard.schema import BoardSchema, SchemaError, parse_board_schema
from leaderboard.store import BoardData, Dataset, build_board
from leaderboard.template_format import board_of, decode_result_file, template_board

logger = logging.getLogger(__name__)

ALLOW_PATTERNS = ["*.yaml", "*.parquet", "*.csv", "*.json"]
DEFAULT_TIMEOUT_SECONDS = 20.0
SCHEMA_FOLDER = "boards"

# huggingface_hub 2.4.0 sends its requests with httpx2: connection failures and
# timeouts are `httpx2.TransportError`, HTTP errors `HfHubHTTPError` (an
# OSError), and a missing cached file `LocalEntryNotFoundError` (an OSError).
HUB_ERRORS = (httpx2.HTTPError, OSError, HFValidationError)

# Failures a file of unexpected shape can cause while it is parsed or validated
# (a list where a key belongs, nesting too deep, a number too large for a float).
# Each is turned into a note for that file or board, so the rest of the repo still loads.
DATA_ERRORS = (TypeError, ValueError, OverflowError, RecursionError, pyarrow.ArrowException)


class HubLoadError(Exception):
    """Reading the results repo failed; the message names the repo and the cause in one line."""


class _SilentProgress(hf_tqdm):
    # Progress bars would only add noise to the Space's log, so the loader logs one line per load instead.
    def __init__(self, *args, **kwargs):
        kwargs["disable"] = True
        super().__init__(*args, **kwargs)


def describe_error(exc: BaseException) -> str:
    """Return the first line of an exception's message, prefixed by its class, at most 200 characters."""
    lines = str(exc).strip().splitlines()
    first = next((line for line in lines if line.strip()), "")
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def download_results_repo(
    repo_id: str,
    token: str | None,
    revision: str = "main",
    endpoint: str | None = None,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> tuple[Path, str]:
    """Fetch the repo's schema and results files at `revision`, and return (local folder, commit sha).

    The sha is resolved first with `dataset_info`, because `snapshot_download`
    on a branch name silently falls back to the cached snapshot when the Hub
    is unreachable, and a refresh must notice an outage. Raises `HubLoadError`.
    """
    api = HfApi(endpoint=endpoint, token=token)
    try:
        info = api.dataset_info(repo_id, revision=revision, timeout=timeout)
        sha = info.sha
        if not sha:
            raise HubLoadError(f"the Hub returned no commit sha for dataset {repo_id} at {revision!r}")

        # NOTE: huggingface_hub 2.4.0 lists the tree without a timeout, so a server that
        # accepts the connection and never responds blocks this call. `timeout` bounds
        # only the revision request and each file's HEAD request. A file HEAD that gets
        # HTTP 500 is retried 5 times with backoff: 23 s before failing, measured
        # against tests/fake_hub.py.
        folder = snapshot_download(
            repo_id,
            repo_type="dataset",
            revision=sha,
            allow_patterns=ALLOW_PATTERNS,
            cache_dir=cache_dir,
            endpoint=endpoint,
            token=token,
            etag_timeout=timeout,
            tqdm_class=_SilentProgress,
        )
    except HUB_ERRORS as exc:
        raise HubLoadError(f"cannot read dataset {repo_id} at {revision!r} ({describe_error(exc)})") from exc
    return Path(folder), sha


def load_hub_dataset(
    repo_id: str,
    token: str | None,
    boards: dict[str, BoardSchema],
    revision: str = "main",
    endpoint: str | None = None,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    results_board: str | None = None,
) -> Dataset:
    """Download `repo_id` at `revision` and read every board in it.

    `boards` are the known schemas; a repo's own `boards/<id>.yaml` takes
    precedence. `results_board` is the board of template results files that
    name none. Raises `HubLoadError` when the repo cannot be fetched or
    contains no readable board, so a caller keeps its last good data.
    """
    folder, sha = download_results_repo(repo_id, token, revision, endpoint, cache_dir, timeout)
    loaded, notes = read_results_folder(folder, boards, results_board)
    if not loaded:
        reasons = "; ".join(note.reason for note in notes[:3]) or "no schema, table or results JSON file found"
        raise HubLoadError(f"dataset {repo_id} at {sha[:7]} contains no readable board ({reasons})")

    dataset = Dataset(boards=loaded, revision=sha, source=f"hub:{repo_id}@{sha}", notes=notes)
    logger.info("loaded dataset %s at %s (%s): boards %s, %d notes", repo_id, sha, revision, ", ".join(loaded), len(dataset.all_notes()))
    return dataset


def read_results_folder(
    folder: Path,
    boards: dict[str, BoardSchema],
    results_board: str | None = None,
) -> tuple[dict[str, BoardData], list[DataNote]]:
    """Read both layouts from a local copy of a results repo; return the boards found and the repo-level notes."""
    if not folder.is_dir():
        # snapshot_download creates no folder when no file matches ALLOW_PATTERNS.
        return {}, []
    schemas, notes = _read_repo_schemas(folder, boards)
    loaded: dict[str, BoardData] = {}

    project_folders = sorted(
        path for path in folder.iterdir()
        if path.is_dir() and any((path / f"results.{ext}").is_file() for ext in ("parquet", "csv"))
    )
    for board_folder in project_folders:
        board_id = board_folder.name
        if board_id not in schemas:
            notes.append(make_note(board_id, f"{board_id}/", f"no schema for board {board_id!r} (add {SCHEMA_FOLDER}/{board_id}.yaml); folder skipped"))
            continue
        board = _read_project_board(board_folder, schemas[board_id], notes)
        if board is not None:
            loaded[board_id] = board

    skip_folders = {SCHEMA_FOLDER} | {path.name for path in project_folders}
    json_files = sorted(
        path for path in folder.rglob("*.json")
        if path.is_file() and path.relative_to(folder).parts[0] not in skip_folders
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    if json_files:
        default_board = results_board or _default_board_id(schemas)
        for board_id, board in _read_template_boards(folder, json_files, schemas, default_board, set(loaded), notes).items():
            loaded[board_id] = board
    return loaded, notes


def _default_board_id(schemas: dict[str, BoardSchema]) -> str | None:
    for board_id, schema in schemas.items():
        if schema.is_default:
            return board_id
    return next(iter(schemas), None)


def _read_repo_schemas(folder: Path, boards: dict[str, BoardSchema]) -> tuple[dict[str, BoardSchema], list[DataNote]]:
    """Merge the repo's `boards/*.yaml` over the known schemas. A broken file leaves the known schema of that id in place."""
    schemas = dict(boards)
    notes: list[DataNote] = []
    for path in sorted((folder / SCHEMA_FOLDER).glob("*.yaml")):
        file = f"{SCHEMA_FOLDER}/{path.name}"
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            schema = parse_board_schema(raw, source=file)
        except SchemaError as exc:
            fallback = "the built-in schema is used" if path.stem in schemas else "its board is skipped"
            notes.extend(make_note(path.stem, file, f"{problem}; {fallback}") for problem in exc.problems)
            continue
        except (yaml.YAMLError, OSError, *DATA_ERRORS) as exc:
            fallback = "the built-in schema is used" if path.stem in schemas else "its board is skipped"
            notes.append(make_note(path.stem, file, f"cannot read the schema ({describe_error(exc)}); {fallback}"))
            continue
        schemas[schema.id] = schema
    return schemas, notes


def _read_table(board_folder: Path, stem: str) -> tuple[pd.DataFrame, str] | None:
    """Read `<stem>.parquet`, else `<stem>.csv`; return the frame and its repo path, or None when neither exists."""
    parquet = board_folder / f"{stem}.parquet"
    if parquet.is_file():
        return pd.read_parquet(parquet), f"{board_folder.name}/{parquet.name}"
    csv = board_folder / f"{stem}.csv"
    if csv.is_file():
        # Keys and dates stay text, so ids such as `001` keep their leading zeros.
        text_columns = {"model_key": str, "model_id": str, "hub_id": str, "snapshot": str, "benchmark": str}
        return pd.read_csv(csv, dtype=text_columns), f"{board_folder.name}/{csv.name}"
    return None


def _read_project_board(board_folder: Path, schema: BoardSchema, notes: list[DataNote]) -> BoardData | None:
    try:
        results_table = _read_table(board_folder, "results")
        models_table = _read_table(board_folder, "models")
    except (OSError, *DATA_ERRORS) as exc:
        notes.append(make_note(schema.id, f"{board_folder.name}/", f"cannot read the board's tables ({describe_error(exc)}); board skipped"))
        return None

    results, results_file = results_table
    if models_table is None:
        notes.append(make_note(schema.id, f"{board_folder.name}/", "no models.parquet or models.csv; models are shown by their key"))
        models = pd.DataFrame(columns=["model_key"])
    else:
        models = models_table[0]

    try:
        board = build_board(schema, results, models, file=results_file)
    except DATA_ERRORS as exc:
        # `validate_results` notes bad rows itself; reaching this means a value shape it does not handle yet.
        logger.warning("unexpected failure validating %s", results_file, exc_info=True)
        notes.append(make_note(schema.id, results_file, f"cannot validate the board's tables ({describe_error(exc)}); board skipped"))
        return None
    logger.info("read board %s from %s: %d results, %d models", schema.id, results_file, len(board.results), len(board.models))
    return board


def _read_template_boards(
    folder: Path,
    json_files: list[Path],
    schemas: dict[str, BoardSchema],
    default_board: str | None,
    project_boards: set[str],
    notes: list[DataNote],
) -> dict[str, BoardData]:
    """Decode the results JSON files, group them by board and build each board."""
    files_by_board: dict[str, dict[str, object]] = {}
    for path in json_files:
        file = path.relative_to(folder).as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            notes.append(make_note(default_board or "", file, f"cannot read the file ({describe_error(exc)}); file skipped"))
            continue
        payload, decode_notes = decode_result_file(data, file, default_board or "")
        notes.extend(decode_notes)
        if payload is None:
            continue
        board_id = board_of(payload) or default_board
        if board_id is None:
            notes.append(make_note("", file, "the file names no board and no default board is known; file skipped"))
            continue
        files_by_board.setdefault(board_id, {})[file] = payload

    boards: dict[str, BoardData] = {}
    for board_id, files in files_by_board.items():
        first = next(iter(files))
        if board_id in project_boards:
            notes.append(make_note(board_id, first, f"board {board_id!r} is read from its tables; {len(files)} results JSON files ignored"))
            continue
        if board_id not in schemas:
            notes.append(make_note(board_id, first, f"no schema for board {board_id!r} (set RESULTS_BOARD or config.board); {len(files)} results JSON files skipped"))
            continue
        try:
            boards[board_id] = template_board(files, schemas[board_id])
        except DATA_ERRORS as exc:
            logger.warning("unexpected failure building template board %s", board_id, exc_info=True)
            notes.append(make_note(board_id, first, f"cannot build the board from {len(files)} results JSON files ({describe_error(exc)}); board skipped"))
    return boards
