"""Entry point: read settings, load data, build the Blocks and launch."""

from __future__ import annotations

import logging

from leaderboard.alert_service import AlertService
from leaderboard.alerts.settings import AlertSettings
from leaderboard.refresh import build_data_holder
from leaderboard.service import LeaderboardService
from leaderboard.settings import load_settings
from leaderboard.ui.blocks import build_demo, launch_assets, warm_caches


def main() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger(__name__).info("starting with %r", settings)

    holder = build_data_holder(settings)
    alert_settings = AlertSettings(q=settings.alert_q, residual_floor=settings.alert_residual_floor)
    service = LeaderboardService(holder, alerts=AlertService(holder, alert_settings))
    warm_caches(service)
    # The timer only matters for a Hub repo: the embedded files do not change while the app runs.
    refresh_minutes = settings.refresh_minutes if settings.results_repo else 0
    demo = build_demo(service, page_size=settings.page_size, refresh_minutes=refresh_minutes)
    demo.queue(default_concurrency_limit=8)
    demo.launch(
        server_name=settings.server_name,
        server_port=settings.server_port,
        ssr_mode=False,
        prevent_thread_lock=True,
        **launch_assets(),
    )
    # The alert pass starts once the server is up, so the first page never waits for it.
    service.alerts.start_background()
    demo.block_thread()


if __name__ == "__main__":
    main()
