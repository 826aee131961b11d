"""Typed settings read once from the environment.

Each setting has a default and one line of help; `SETTINGS_HELP` is the
source for the README's settings table, and a test checks the two agree.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# name -> (default shown in the README, help)
SETTINGS_HELP: dict[str, tuple[str, str]] = {
    "RESULTS_REPO": ("unset", "Hugging Face dataset repo (`owner/name`) to read results from; unset uses the embedded data."),
    "RESULTS_REVISION": ("main", "Branch, tag or commit of `RESULTS_REPO` to read."),
    "RESULTS_BOARD": ("open_llm_v2", "Board that leaderboard-template result JSON files in `RESULTS_REPO` belong to."),
    "QUEUE_REPO": ("unset", "Hugging Face dataset repo for evaluation requests (used by the submission work)."),
    "HF_TOKEN": ("unset", "Token for private repos; never logged."),
    "HF_ENDPOINT": ("https://huggingface.co", "Hub address; tests point it at a local server."),
    "REFRESH_MINUTES": ("30", "Minutes between automatic reloads of `RESULTS_REPO`; 0 turns the timer off."),
    "HUB_TIMEOUT_SECONDS": ("20", "Seconds before a Hub request is abandoned and the last good data is kept."),
    "GRADIO_SERVER_NAME": ("127.0.0.1 (0.0.0.0 on a Space)", "Address the app binds to."),
    "GRADIO_SERVER_PORT": ("7860", "Port the app listens on."),
    "PAGE_SIZE": ("50", "Rows per leaderboard page (at most 200)."),
    "LOG_LEVEL": ("INFO", "Python logging level."),
    "ALERT_Q": ("0.10", "Benjamini-Hochberg false-discovery rate of the alert pass, across every test of a data revision."),
    "ALERT_RESIDUAL_FLOOR": ("8", "Minimum excess, in score points, of a benchmark-specific residual alert."),
}


@dataclass(frozen=True)
class Settings:
    """The app's configuration; see `SETTINGS_HELP` for each field's meaning."""

    results_repo: str | None
    results_revision: str
    results_board: str
    queue_repo: str | None
    hf_token: str | None
    hf_endpoint: str | None
    refresh_minutes: float
    hub_timeout_seconds: float
    server_name: str
    server_port: int
    page_size: int
    log_level: str
    on_space: bool
    alert_q: float = 0.10
    alert_residual_floor: float = 8.0

    def __repr__(self) -> str:
        # The token must never reach a log line through a repr.
        token = "set" if self.hf_token else "unset"
        return f"Settings(results_repo={self.results_repo!r}, revision={self.results_revision!r}, token={token})"


def _number(env: dict, name: str, default: float, low: float, high: float) -> float:
    text = env.get(name)
    if text in (None, ""):
        return default
    try:
        value = float(text)
    except ValueError:
        logger.warning("setting %s=%r is not a number; using the default %s", name, text, default)
        return default
    if not low <= value <= high:
        logger.warning("setting %s=%s is outside [%s, %s]; using the default %s", name, value, low, high, default)
        return default
    return value


def load_settings(env: dict | None = None) -> Settings:
    """Read the settings from `env` (default: `os.environ`); invalid numbers fall back to defaults with a warning."""
    env = dict(os.environ if env is None else env)
    on_space = bool(env.get("SPACE_ID"))
    return Settings(
        results_repo=env.get("RESULTS_REPO") or None,
        results_revision=env.get("RESULTS_REVISION") or "main",
        results_board=env.get("RESULTS_BOARD") or "open_llm_v2",
        queue_repo=env.get("QUEUE_REPO") or None,
        hf_token=env.get("HF_TOKEN") or None,
        hf_endpoint=env.get("HF_ENDPOINT") or None,
        refresh_minutes=_number(env, "REFRESH_MINUTES", 30.0, 0.0, 7 * 24 * 60),
        hub_timeout_seconds=_number(env, "HUB_TIMEOUT_SECONDS", 20.0, 1.0, 600.0),
        server_name=env.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if on_space else "127.0.0.1"),
        server_port=int(_number(env, "GRADIO_SERVER_PORT", 7860, 1, 65535)),
        page_size=int(_number(env, "PAGE_SIZE", 50, 1, 200)),
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        on_space=on_space,
        alert_q=_number(env, "ALERT_Q", 0.10, 0.001, 0.5),
        alert_residual_floor=_number(env, "ALERT_RESIDUAL_FLOOR", 8.0, 0.0, 100.0),
    )
