"""Alert passes per board and data revision, computed off the request path.

`AlertService.start_background` runs the pass for every board in a daemon
thread after launch, so the first page never waits for it. The leaderboard
calls `ready(board)`, which never computes, and shows a "still computing"
notice until the report exists. The Alerts tab and alert links call
`report(board)`, which computes on demand.
"""

from __future__ import annotations

import logging
import threading

import pandas as pd

from leaderboard.alerts.run import SEVERITY_ORDER, AlertReport, alerts_frame, run_alerts
from leaderboard.alerts.settings import AlertSettings
from leaderboard.cache import LRUCache

logger = logging.getLogger(__name__)

GAMING_SEVERITIES = ("low", "medium", "high")
# Rules whose alerts are about the model itself. Selection pressure is about an
# organisation's practice and health about a benchmark, so neither marks a model
# on the leaderboard (both stay on the Alerts tab).
MODEL_RULES = ("residual", "twin_gap", "size", "base_jump")


class AlertService:
    """Cached alert reports keyed on (board, data revision, settings)."""

    def __init__(self, holder, settings: AlertSettings | None = None, cache: LRUCache | None = None):
        self.holder = holder
        self.settings = settings or AlertSettings()
        self.cache = cache or LRUCache(max_entries=32)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _key(self, board_id: str, revision: str | None = None) -> tuple:
        return ("alerts", board_id, revision or self.holder.dataset.revision, self.settings)

    def ready(self, board_id: str) -> AlertReport | None:
        """Return the report if it has been computed for the current revision, else None."""
        return self.cache.peek(self._key(board_id))

    def report(self, board_id: str) -> AlertReport:
        """Return the report, computing it now if needed; one computation per board at a time."""
        with self._locks_guard:
            lock = self._locks.setdefault(board_id, threading.Lock())
        with lock:
            # One read of the dataset: a refresh landing mid-call must not file
            # the old revision's report under the new revision's key.
            dataset = self.holder.dataset
            board = dataset.boards[board_id]
            key = self._key(board_id, dataset.revision)
            return self.cache.get_or_compute(key, lambda: run_alerts(board, dataset.revision, self.settings))

    def start_background(self) -> threading.Thread:
        """Compute every board's report in a daemon thread, default board first."""
        dataset = self.holder.dataset
        order = [dataset.default_board] + [b for b in dataset.boards if b != dataset.default_board]

        def work() -> None:
            for board_id in order:
                try:
                    report = self.report(board_id)
                except (ValueError, KeyError, ArithmeticError, MemoryError) as exc:
                    logger.warning("alert pass failed for board %s at revision %s: %s", board_id, dataset.revision, exc)
                    continue
                logger.info("alert pass for board %s at revision %s: %d alerts from %d tests in %.1f s",
                            board_id, dataset.revision, len(report.alerts), report.n_tests, report.runtime)

        thread = threading.Thread(target=work, name="alert-pass", daemon=True)
        thread.start()
        return thread

    def model_summary(self, board_id: str) -> pd.DataFrame | None:
        """Return `model_alert_summary` of the current revision's report, cached; None until the report exists."""
        report = self.ready(board_id)
        if report is None:
            return None
        key = ("alert_summary", board_id, report.revision, self.settings)
        return self.cache.get_or_compute(key, lambda: model_alert_summary(report))

    def find(self, alert_id: str) -> tuple[str, object] | None:
        """Return (board id, alert) for an alert id, computing boards' reports as needed; None when not found."""
        for board_id in self.holder.dataset.boards:
            for alert in self.report(board_id).alerts:
                if alert.id == alert_id:
                    return board_id, alert
        return None


def model_alert_summary(report: AlertReport | None) -> pd.DataFrame:
    """Return per model key: `alert_count` (alerts of `MODEL_RULES`), `alert_severity` and `alert_id` of the most severe one, and the `data_quality` count."""
    columns = ["alert_count", "alert_severity", "alert_id", "data_quality"]
    if report is None or not report.alerts:
        return pd.DataFrame(columns=columns)
    frame = alerts_frame(report)
    frame = frame[frame["model_key"].notna()]
    gaming = frame[frame["severity"].isin(GAMING_SEVERITIES) & frame["rule"].isin(MODEL_RULES)]
    counts = gaming.groupby("model_key").size().rename("alert_count")
    ordered = gaming.assign(order=gaming["severity"].map(SEVERITY_ORDER)).sort_values("order", kind="stable").groupby("model_key")
    worst, worst_id = ordered["severity"].first(), ordered["id"].first()
    quality = frame[frame["severity"] == "data-quality"].groupby("model_key").size().rename("data_quality")
    summary = pd.concat([counts, worst.rename("alert_severity"), worst_id.rename("alert_id"), quality], axis=1)
    summary["alert_count"] = summary["alert_count"].fillna(0).astype(int)
    summary["data_quality"] = summary["data_quality"].fillna(0).astype(int)
    return summary[columns]
