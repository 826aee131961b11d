"""Alerts in the UI: the list, the evidence card, links, the leaderboard badge and Compare."""

from __future__ import annotations

from dataclasses import replace

import pytest

from leaderboard.alert_service import AlertService, model_alert_summary
from leaderboard.refresh import DataHolder
from leaderboard.service import LeaderboardService
from leaderboard.state import CompareView, LeaderboardView
from leaderboard.store import Dataset
from leaderboard.ui import compare_tab
from leaderboard.ui.alerts_tab import alert_rows, evidence_card, manual_flags
from tests.alert_boards import INFLATED_BENCHMARK, PLANT_KEYS, synthetic_board

BOARD_ID = "synthetic"


@pytest.fixture(scope="module")
def services():
    board = synthetic_board(n_models=200, seed=3, plant=("inflation", "broken"))
    board.schema = replace(board.schema, id=BOARD_ID, is_default=True)
    dataset = Dataset(boards={BOARD_ID: board}, revision="rev-alerts", source="tests")
    holder = DataHolder(lambda: dataset, dataset, label="the test data")
    alerts = AlertService(holder)
    return LeaderboardService(holder, alerts=alerts), alerts


def planted_alert(alerts: AlertService):
    report = alerts.report(BOARD_ID)
    return next(a for a in report.alerts
                if a.finding.model_key == PLANT_KEYS["inflation"] and a.finding.benchmark == INFLATED_BENCHMARK)


def test_alert_list_contains_planted_inflation(services):
    service, alerts = services
    rows = alert_rows(service, alerts, BOARD_ID, ["high", "medium", "low"], [], "", "severity", False)
    assert planted_alert(alerts).id in set(rows["Id"])


def test_alert_list_filters_and_sorts(services):
    service, alerts = services
    rows = alert_rows(service, alerts, BOARD_ID, ["data-quality"], [], "", "effect", True)
    assert set(rows["Severity"]) == {"data-quality"}
    effects = rows["Effect"].dropna().tolist()
    assert effects == sorted(effects, reverse=True)
    assert alert_rows(service, alerts, BOARD_ID, [], [], "no-such-model", "severity", False).empty


def test_broken_eval_is_data_quality_not_gaming(services):
    service, alerts = services
    rows = alert_rows(service, alerts, BOARD_ID, [], [], "Broken-Eval", "severity", False)
    assert not rows.empty
    assert set(rows["Severity"]) == {"data-quality"}


def test_evidence_card_shows_numbers_and_revision(services):
    service, alerts = services
    alert = planted_alert(alerts)
    card, figure = evidence_card(service, alerts, alert.id)
    assert alert.id in card
    assert "rev\\-alerts" in card
    assert "Predicted from the model" in card
    assert figure is not None


def test_evidence_card_unknown_id(services):
    service, alerts = services
    card, _ = evidence_card(service, alerts, "<script>nope")
    assert "not in the current data" in card
    assert "<script>" not in card


def test_leaderboard_badge_and_hide(services):
    service, alerts = services
    view = LeaderboardView(board=BOARD_ID, page_size=200)
    shown = service.table_page(view)
    assert "Alerts" in shown.table.headers
    assert PLANT_KEYS["inflation"] in shown.model_keys
    hidden = service.table_page(replace(view, hide_alerted=True))
    assert PLANT_KEYS["inflation"] not in hidden.model_keys
    flagged = set(model_alert_summary(alerts.report(BOARD_ID)).query("alert_count > 0").index)
    assert not flagged & set(hidden.model_keys)


def test_leaderboard_without_ready_alerts_notices():
    board = synthetic_board(n_models=50, seed=4)
    board.schema = replace(board.schema, id=BOARD_ID, is_default=True)
    dataset = Dataset(boards={BOARD_ID: board}, revision="rev-new", source="tests")
    holder = DataHolder(lambda: dataset, dataset, label="the test data")
    service = LeaderboardService(holder, alerts=AlertService(holder))
    page = service.table_page(LeaderboardView(board=BOARD_ID))
    assert any("still being computed" in n for n in page.notices)
    assert "Alerts" not in page.table.headers


def test_compare_lists_alerts_of_compared_models(services):
    service, alerts = services
    alerts.report(BOARD_ID)
    other = next(k for k in service.board(BOARD_ID).models["model_key"] if k != PLANT_KEYS["inflation"])
    outputs = compare_tab.compare_outputs(service, CompareView(board=BOARD_ID, models=(PLANT_KEYS["inflation"], other)))
    assert planted_alert(alerts).id in outputs[4]


def test_manual_flags_empty_without_column(services):
    service, _ = services
    assert list(manual_flags(service, BOARD_ID).columns) == ["Model", "Manual flag", "Discussion"]
