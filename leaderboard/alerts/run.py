"""The alert pass: every rule on one board at one data revision, with false-discovery control.

Order: rule 0 (`integrity_check`) runs first and returns the muted cells and
validated sizes that every other rule receives. Then each rule registered in
`RULE_FUNCTIONS` runs with the signature
`(board, snapshot, settings, muted, sizes) -> list[Finding]`.

Rules 2-6 live in optional modules (`OPTIONAL_RULES`). A module is imported
only when `importlib.util.find_spec` finds it; it plugs in either through a
module-level `RULE_FUNCTIONS` dict (rule id -> callable) or a function named
`rule_<rule id>` or `<rule id>_findings`, looked up in that order. A module that is absent or offers neither is skipped
with a note.

False-discovery control: Benjamini-Hochberg (statsmodels `fdr_bh`) over the
p-values of all findings of the pass, exempt ones included (an exemption
removes an alert, not a test, so the correction stays conservative). A
finding becomes an `Alert` when its q-value is at most `settings.q`, its
effect is at least its rule's floor, and it carries no exemption. Findings
without a p-value are decided by the floor alone; rule 0's are always
alerts, of severity "data-quality".

Severity of the other alerts:
- "high": another alert of a different rule on the same model agrees, and
  the two read no common cell (both list their `cells`, and the sets are
  disjoint). An alert that lists no cells never corroborates, because its
  independence cannot be checked.
- "medium": no such agreement, but the effect is at least
  `MEDIUM_FLOOR_MULTIPLE` times the rule's floor.
- "low": otherwise.

The pass is a pure function of (board, revision, settings, rules), so callers
may cache its result on those keys.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from leaderboard.alerts.integrity import integrity_check
from leaderboard.alerts.model import RULES, Alert, Finding
from leaderboard.alerts.residual import residual_findings
from leaderboard.alerts.settings import AlertSettings
from leaderboard.store import BoardData

logger = logging.getLogger(__name__)

RuleFunction = Callable[..., list[Finding]]
MEDIUM_FLOOR_MULTIPLE = 2.0
OPTIONAL_RULES = {
    "twin_gap": "leaderboard.alerts.twin",
    "size": "leaderboard.alerts.size",
    "base_jump": "leaderboard.alerts.lineage",
    "health": "leaderboard.alerts.health",
    "selection": "leaderboard.alerts.selection",
}
FRAME_COLUMNS = ["id", "severity", "rule", "model_key", "benchmark", "effect", "q", "summary"]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "data-quality": 3}


def _load_optional_rules() -> tuple[dict[str, RuleFunction], list[str]]:
    """Import the optional rule modules that exist and return their rule functions, with notes on the rest."""
    functions: dict[str, RuleFunction] = {}
    notes = []
    for rule, module_name in OPTIONAL_RULES.items():
        if importlib.util.find_spec(module_name) is None:
            notes.append(f"rule {rule} is not installed ({module_name} not found)")
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            logger.warning("cannot import rule module %s", module_name, exc_info=True)
            notes.append(f"rule {rule}: {module_name} failed to import ({exc})")
            continue
        registered = getattr(module, "RULE_FUNCTIONS", {})
        function = registered.get(rule) if isinstance(registered, dict) else None
        function = function or getattr(module, f"rule_{rule}", None) or getattr(module, f"{rule}_findings", None)
        if callable(function):
            functions[rule] = function
        else:
            notes.append(f"rule {rule}: {module_name} has no RULE_FUNCTIONS entry, rule_{rule} or {rule}_findings function")
    return functions, notes


RULE_FUNCTIONS: dict[str, RuleFunction] = {"residual": residual_findings}
_OPTIONAL_FUNCTIONS, _OPTIONAL_NOTES = _load_optional_rules()
RULE_FUNCTIONS.update(_OPTIONAL_FUNCTIONS)


@dataclass
class AlertReport:
    """The result of one alert pass.

    `findings` holds every test run (alerts or not); `n_tests` counts those
    with a p-value, the family of the Benjamini-Hochberg correction; `muted`
    the (model_key, benchmark) cells rule 0 withheld from the other rules;
    `runtime` is wall-clock seconds.
    """

    board: str
    revision: str
    settings: AlertSettings
    alerts: list[Alert]
    findings: list[Finding]
    n_tests: int
    muted: set
    notes: list[str] = field(default_factory=list)
    runtime: float = 0.0


def rule_floor(rule: str, settings: AlertSettings) -> float:
    """Return the minimum effect of an alert of `rule`; rules without a floor in the settings get 0."""
    floors = {"residual": settings.residual_floor, "twin_gap": settings.twin_floor, "base_jump": settings.jump_floor}
    return floors.get(rule, 0.0)


def _floor_of(finding: Finding, settings: AlertSettings) -> float:
    floor = finding.evidence.get("effect_floor")
    return float(floor) if floor is not None else rule_floor(finding.rule, settings)


def benjamini_hochberg(findings: list[Finding]) -> dict[int, float]:
    """Return the Benjamini-Hochberg q-value of each finding with a p-value, keyed by its position in `findings`."""
    positions = [i for i, f in enumerate(findings) if f.p_value is not None and math.isfinite(f.p_value)]
    if not positions:
        return {}
    p_values = np.clip(np.array([findings[i].p_value for i in positions], dtype="float64"), 0.0, 1.0)
    _, q_values, _, _ = multipletests(p_values, method="fdr_bh")
    return dict(zip(positions, q_values.tolist()))


def _severities(candidates: list[tuple[Finding, float | None]], settings: AlertSettings) -> list[Alert]:
    """Turn the findings that passed into alerts with their severity and corroborating alert ids."""
    by_model: dict[str, list[Finding]] = {}
    for finding, _ in candidates:
        if not finding.data_quality and finding.model_key is not None:
            by_model.setdefault(finding.model_key, []).append(finding)

    alerts = []
    for finding, q_value in candidates:
        if finding.data_quality:
            alerts.append(Alert(finding, q_value, "data-quality"))
            continue
        agreeing = []
        if finding.cells and finding.model_key is not None:
            own = set(finding.cells)
            for other in by_model.get(finding.model_key, []):
                if other.rule != finding.rule and other.cells and own.isdisjoint(other.cells):
                    agreeing.append(other.id)
        if agreeing:
            severity = "high"
        elif finding.effect >= MEDIUM_FLOOR_MULTIPLE * _floor_of(finding, settings) and _floor_of(finding, settings) > 0:
            severity = "medium"
        else:
            severity = "low"
        alerts.append(Alert(finding, q_value, severity, tuple(sorted(agreeing))))
    return alerts


def run_alerts(board: BoardData, revision: str, settings: AlertSettings = AlertSettings(), rules=None) -> AlertReport:
    """Run rule 0 and then the rules in `rules` (None: every rule in `RULE_FUNCTIONS`) on the board's latest snapshot."""
    started = time.perf_counter()
    snapshot = board.latest_snapshot
    notes = list(_OPTIONAL_NOTES)

    integrity = integrity_check(board, snapshot, settings)
    notes.extend(integrity.notes)
    findings = list(integrity.findings)

    selected = list(RULE_FUNCTIONS) if rules is None else [r for r in rules if r != "integrity"]
    for rule in selected:
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; known rules are {', '.join(RULES)}")
        function = RULE_FUNCTIONS.get(rule)
        if function is None:
            notes.append(f"rule {rule} was requested but is not installed")
            continue
        try:
            findings.extend(function(board, snapshot, settings, integrity.muted, integrity.sizes))
        except (ValueError, KeyError, IndexError, np.linalg.LinAlgError) as exc:
            logger.warning("rule %s failed on board %s at revision %s", rule, board.schema.id, revision, exc_info=True)
            notes.append(f"rule {rule} failed ({type(exc).__name__}: {exc}); its findings are missing")

    q_values = benjamini_hochberg(findings)
    candidates = []
    for position, finding in enumerate(findings):
        q_value = q_values.get(position)
        if finding.data_quality:
            candidates.append((finding, q_value))
            continue
        if "exempt" in finding.evidence:
            continue
        if finding.p_value is not None and (q_value is None or q_value > settings.q):
            continue
        if not (math.isfinite(finding.effect) and finding.effect >= _floor_of(finding, settings)):
            continue
        candidates.append((finding, q_value))
    alerts = _severities(candidates, settings)

    runtime = time.perf_counter() - started
    logger.info("alert pass on %s at revision %s: %d tests, %d alerts in %.2f s", board.schema.id, revision, len(q_values), len(alerts), runtime)
    return AlertReport(board.schema.id, revision, settings, alerts, findings, len(q_values), integrity.muted, notes, runtime)


def alerts_frame(report: AlertReport) -> pd.DataFrame:
    """Return one row per alert for the list view, most severe first, then by q-value and effect."""
    rows = [{
        "id": alert.id,
        "severity": alert.severity,
        "rule": alert.finding.rule,
        "model_key": alert.finding.model_key,
        "benchmark": alert.finding.benchmark,
        "effect": alert.finding.effect,
        "q": alert.q_value,
        "summary": alert.finding.summary,
    } for alert in report.alerts]
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    if frame.empty:
        return frame
    frame["_order"] = frame["severity"].map(SEVERITY_ORDER)
    frame = frame.sort_values(["_order", "q", "effect"], ascending=[True, True, False], na_position="last", kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)
