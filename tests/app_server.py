"""Launch the real app on 127.0.0.1 for end-to-end and browser tests."""

from __future__ import annotations

import os
import socket
from contextlib import contextmanager

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(dataset, page_size: int = 50, with_alerts: bool = False):
    """Build the Blocks around `dataset`, launch it on a free loopback port and yield its URL."""
    from leaderboard.alert_service import AlertService
    from leaderboard.refresh import DataHolder
    from leaderboard.service import LeaderboardService
    from leaderboard.ui.blocks import build_demo, launch_assets

    holder = DataHolder(lambda: dataset, dataset, label="the test data")
    service = LeaderboardService(holder, alerts=AlertService(holder) if with_alerts else None)
    demo = build_demo(service, page_size=page_size)
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
        ssr_mode=False, **launch_assets(),
    )
    try:
        yield demo.local_url
    finally:
        demo.close()
