"""The shared data model of the alert rules.

Every rule returns `Finding`s: one per statistical test it ran, significant
or not, so that Benjamini-Hochberg sees every test of a data revision. The
pass in `leaderboard.alerts.run` turns findings that survive the correction
and their rule's effect floor into `Alert`s.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

RULES = {
    "integrity": "Evaluation integrity",
    "residual": "Benchmark-specific residual",
    "twin_gap": "Fresh-twin gap",
    "size": "Too good for its size",
    "base_jump": "One-benchmark jump over its base model",
    "health": "Benchmark health",
    "selection": "Selection pressure",
}
SEVERITIES = ("data-quality", "low", "medium", "high")


def alert_id(board: str, rule: str, model_key: str | None, benchmark: str | None) -> str:
    """Return a stable 12-character id for (board, rule, model, benchmark).

    The id leaves out the data revision, so a link to an alert keeps working
    across refreshes for as long as the same finding is made.
    """
    text = "\x1f".join([board, rule, model_key or "", benchmark or ""])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Finding:
    """One test of one rule.

    - `effect`: the size of the deviation in `effect_unit` (score points for
      most rules), positive in the suspicious direction.
    - `statistic`: the rule's test statistic (a z, a rank, a score).
    - `p_value`: one-sided p-value, or None for rules that are not tests
      (they are then never counted in Benjamini-Hochberg, and `effect_floor`
      alone decides).
    - `cells`: the (model_key, benchmark) cells this test read; two findings
      sharing a cell are not independent evidence.
    - `evidence`: numbers for the evidence card (observed, predicted,
      interval_low, interval_high, n_reference, method, thresholds, ...).
    """

    rule: str
    board: str
    model_key: str | None
    benchmark: str | None
    effect: float
    effect_unit: str
    statistic: float
    p_value: float | None
    cells: tuple[tuple[str, str], ...] = ()
    evidence: dict = field(default_factory=dict)
    summary: str = ""
    data_quality: bool = False

    @property
    def id(self) -> str:
        return alert_id(self.board, self.rule, self.model_key, self.benchmark)


@dataclass(frozen=True)
class Alert:
    """A finding that passed false-discovery control and its effect floor, with its q-value and severity."""

    finding: Finding
    q_value: float | None
    severity: str
    corroborated_by: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.finding.id
