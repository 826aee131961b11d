"""Alert thresholds, each with the reason for its default.

All rules read one `AlertSettings`; the UI shows these values next to every
alert so a reader can judge the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds of the alert pass.

    - `q`: Benjamini-Hochberg false-discovery rate across every test of a data
      revision. 0.10 is the usual exploratory level: one alert in ten may be a
      false discovery, which suits evidence meant for review, not verdicts.
    - `residual_floor`: minimum excess, in score points, of a residual alert.
      Credible single-benchmark contamination on Open LLM Leaderboard v1 shows
      effects of 8 points or more; smaller residuals are within the spread of
      honest fine-tunes.
    - `twin_floor`: minimum static-minus-fresh gap beyond the predicted gap, in points.
    - `jump_floor`: minimum one-benchmark gain over a base model beyond the
      family's typical gain, in points.
    - `size_ratio`: a model is compared with models at least this many times
      its size in the dominance test of the size rule.
    - `chance_margin`: how far above chance, in points of the displayed scale,
      the other benchmarks must be for a cell at chance to count as a broken
      evaluation rather than a weak model.
    - `selection_window_days` / `selection_min_variants`: an organisation
      submitting at least this many variants within this many days is checked
      for best-of-N inflation.
    """

    q: float = 0.10
    residual_floor: float = 8.0
    twin_floor: float = 5.0
    jump_floor: float = 8.0
    size_ratio: float = 3.0
    chance_margin: float = 10.0
    selection_window_days: int = 30
    selection_min_variants: int = 10
