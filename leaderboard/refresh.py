"""Hold the data the app shows, and reload it without losing the last good copy.

`DataHolder` owns the current `Dataset` and a loader function. `refresh()`
calls the loader. When the loader fails with a load error (Hub unreachable,
HTTP error, unreadable file, invalid schema), the holder keeps the dataset it
had and marks its status stale, with a message for the UI. Nothing here runs at import:
`build_data_holder` does the first load when the app starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from leaderboard.embedded import load_embedded
from leaderboard.hub import HubLoadError, describe_error, load_hub_dataset
from leaderboard.store import Dataset

logger = logging.getLogger(__name__)

# Errors a loader raises when the source is unreachable or its content unreadable.
# Anything else is a bug and propagates.
LOAD_ERRORS = (HubLoadError, OSError, ValueError)

_MARKDOWN_SPECIAL = set("\\`*_[]#|~!")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    """Format a time as `YYYY-MM-DD HH:MM UTC`."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def short_revision(revision: str) -> str:
    """Shorten a 40-hex commit sha to 7 characters, as git does; other revisions are returned whole."""
    return revision[:7] if len(revision) == 40 else revision


def describe_dataset(dataset: Dataset) -> str:
    """Name a dataset's origin and revision in words, such as `revision abc1234 of owner/name`."""
    revision = short_revision(dataset.revision)
    if dataset.source.startswith("hub:"):
        repo_id = dataset.source.removeprefix("hub:").split("@", 1)[0]
        return f"revision {revision} of {repo_id}"
    return f"{dataset.source} data revision {revision}"


@dataclass(frozen=True)
class RefreshStatus:
    """The outcome of the latest load attempt.

    `stale` is True when the latest attempt failed, so the data shown is older
    than the source may be. `last_success_at` is the latest successful load,
    even one that found the same revision again. `loaded_at` is when the
    dataset shown was first loaded.
    """

    stale: bool
    message: str
    revision: str | None = None
    source: str | None = None
    loaded_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


class DataHolder:
    """The dataset currently shown, and the loader that replaces it.

    Reads (`dataset`, `status`) never wait for a refresh in progress. Only one
    refresh runs at a time: a call made while another runs returns the current
    status without loading again.
    """

    def __init__(
        self,
        loader: Callable[[], Dataset],
        dataset: Dataset | None = None,
        label: str = "the data source",
        clock: Callable[[], datetime] = _utc_now,
    ):
        self._loader = loader
        self._label = label
        self._clock = clock
        self._refresh_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._dataset = dataset
        if dataset is None:
            self._status = RefreshStatus(stale=True, message=f"No data loaded yet from {label}.")
        else:
            self._status = RefreshStatus(
                stale=False,
                message=f"Showing {describe_dataset(dataset)}, loaded at {format_time(dataset.loaded_at)}.",
                revision=dataset.revision,
                source=dataset.source,
                loaded_at=dataset.loaded_at,
            )

    @property
    def dataset(self) -> Dataset | None:
        """The dataset to show; None only when no load has ever succeeded and none was given."""
        with self._state_lock:
            return self._dataset

    @property
    def status(self) -> RefreshStatus:
        with self._state_lock:
            return self._status

    def refresh(self) -> RefreshStatus:
        """Load the data again; on a load error keep the current dataset and mark the status stale."""
        if not self._refresh_lock.acquire(blocking=False):
            logger.info("refresh from %s already running; request skipped", self._label)
            return self.status
        try:
            attempt_at = self._clock()
            logger.info("refreshing data from %s", self._label)
            try:
                dataset = self._loader()
            except LOAD_ERRORS as exc:
                self._record_failure(exc, attempt_at)
            else:
                self._record_success(dataset, attempt_at)
        finally:
            self._refresh_lock.release()
        return self.status

    def _record_success(self, dataset: Dataset, attempt_at: datetime) -> None:
        with self._state_lock:
            current = self._dataset
            unchanged = current is not None and current.revision == dataset.revision and current.source == dataset.source
            if unchanged:
                # Keep the object already shown, so anything tied to it stays valid.
                dataset = current
            else:
                self._dataset = dataset
            message = f"Showing {describe_dataset(dataset)}, loaded at {format_time(dataset.loaded_at)}"
            if unchanged:
                message += f"; unchanged at the check of {format_time(attempt_at)}"
            self._status = RefreshStatus(
                stale=False,
                message=message + ".",
                revision=dataset.revision,
                source=dataset.source,
                loaded_at=dataset.loaded_at,
                last_attempt_at=attempt_at,
                last_success_at=attempt_at,
            )
        logger.info("refresh from %s succeeded: %s (%s)", self._label, dataset.revision, "unchanged" if unchanged else "new data")

    def _record_failure(self, exc: BaseException, attempt_at: datetime) -> None:
        # The message already names the source, so a wrapped Hub error is shown by its cause.
        cause = exc.__cause__ if isinstance(exc, HubLoadError) else None
        reason = describe_error(cause) if cause is not None else describe_error(exc)
        with self._state_lock:
            current = self._dataset
            previous = self._status
            failure = f"Refresh from {self._label} failed at {format_time(attempt_at)} ({reason})"
            if current is None:
                message = failure + "; no data is loaded."
            else:
                message = f"{failure}; showing {describe_dataset(current)} loaded at {format_time(current.loaded_at)}."
            self._status = RefreshStatus(
                stale=True,
                message=message,
                revision=previous.revision,
                source=previous.source,
                loaded_at=previous.loaded_at,
                last_attempt_at=attempt_at,
                last_success_at=previous.last_success_at,
                last_error=reason,
                last_error_at=attempt_at,
            )
        logger.warning("refresh from %s failed, keeping revision %s: %s", self._label, previous.revision, reason)


def escape_markdown(text: str) -> str:
    """Escape text for Markdown: HTML special characters become entities, Markdown marks get a backslash."""
    escaped = []
    for char in text:
        if char in _HTML_ENTITIES:
            escaped.append(_HTML_ENTITIES[char])
        elif char in _MARKDOWN_SPECIAL:
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return "".join(escaped)


def status_markdown(holder: DataHolder) -> str:
    """Return the data status line for the UI; a stale status starts with a bold warning."""
    status = holder.status
    text = escape_markdown(status.message)
    return f"**Stale data:** {text}" if status.stale else text


def build_data_holder(
    settings,
    load_embedded_data: Callable[[], Dataset] = load_embedded,
    cache_dir: Path | None = None,
) -> DataHolder:
    """Build the app's holder from `leaderboard.settings.Settings` and load the data once.

    Without `results_repo` the holder reloads the embedded files. With it, the
    embedded data is loaded first (its schemas are the known boards, and it is
    what the app shows if the Hub fails), then the Hub is tried once.
    `cache_dir` None uses huggingface_hub's cache (HF_HUB_CACHE).
    """
    embedded = load_embedded_data()
    if not settings.results_repo:
        return DataHolder(load_embedded_data, embedded, label="the embedded files")

    schemas = {board_id: board.schema for board_id, board in embedded.boards.items()}

    # A closure rather than functools.partial: a partial's repr would show the token.
    def load_from_hub() -> Dataset:
        return load_hub_dataset(
            settings.results_repo,
            settings.hf_token,
            schemas,
            revision=settings.results_revision,
            endpoint=settings.hf_endpoint,
            cache_dir=cache_dir,
            timeout=settings.hub_timeout_seconds,
            results_board=settings.results_board,
        )

    holder = DataHolder(load_from_hub, embedded, label=f"Hub dataset {settings.results_repo}")
    holder.refresh()
    return holder
