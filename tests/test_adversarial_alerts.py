"""Adversarial tests of the alert pass, the alert service and the evidence card.

Each test pins a case where the alerts broke: a residual test that declares
fewer cells than it reads (so "high" can rest on one cell read twice), a
report cached under a revision it was not computed from, and an unknown
alert id shown garbled.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from alert_boards import PLANT_KEYS, synthetic_board
from leaderboard.alert_service import AlertService
from leaderboard.alerts.residual import residual_findings
from leaderboard.alerts.run import run_alerts
from leaderboard.alerts.settings import AlertSettings
from leaderboard.refresh import DataHolder
from leaderboard.service import LeaderboardService
from leaderboard.store import Dataset
from leaderboard.ui.alerts_tab import evidence_card


def test_residual_cells_include_predictors():
    # A residual on one benchmark is predicted from the model's other cells, so a
    # one-benchmark jump on any of those cells is not independent evidence.
    board = synthetic_board(n_models=120, seed=1, plant=("inflation",))
    settings = AlertSettings()
    findings = residual_findings(board, board.latest_snapshot, settings, set(), None)
    key = PLANT_KEYS["inflation"]
    mine = [f for f in findings if f.model_key == key]
    assert mine

    for finding in mine:
        read = set(finding.cells)
        others = {(key, bench) for bench in board.schema.benchmark_ids if bench != finding.benchmark}
        assert (key, finding.benchmark) in read
        assert others <= read


class SwitchingHolder:
    """A holder whose dataset changes after the first read, as when a refresh lands mid-call."""

    def __init__(self, first: Dataset, second: Dataset):
        self._datasets = [first, second]
        self.reads = 0

    @property
    def dataset(self) -> Dataset:
        self.reads += 1
        return self._datasets[0] if self.reads == 1 else self._datasets[1]


def test_report_cached_under_own_revision():
    board = synthetic_board(n_models=60, seed=2)
    old = Dataset(boards={"synthetic": board}, revision="old-rev", source="tests")
    new = Dataset(boards={"synthetic": board}, revision="new-rev", source="tests")
    alerts = AlertService(SwitchingHolder(old, new))

    alerts.report("synthetic")

    cached = alerts.ready("synthetic")
    assert cached is None or cached.revision == "new-rev"


def visible_text(markdown: str) -> str:
    rendered = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def test_unknown_alert_id_shown_literally():
    board = synthetic_board(n_models=60, seed=3)
    dataset = Dataset(boards={"synthetic": board}, revision="rev1", source="tests")
    holder = DataHolder(lambda: dataset, dataset, label="tests")
    alerts = AlertService(holder)
    service = LeaderboardService(holder, alerts=alerts)
    alerts.cache.get_or_compute(alerts._key("synthetic"), lambda: run_alerts(board, "rev1"))

    for wanted in ("bad_id(1)", "<img src=x>", "a-b=c"):
        card, _ = evidence_card(service, alerts, wanted)
        assert wanted in visible_text(card), card
