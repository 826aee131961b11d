"""Compare tab: pick 2 to 8 models of one board snapshot and see them side by side."""

from __future__ import annotations

import logging

import pandas as pd

from leaderboard.charts import grouped_bars, radar_chart
from leaderboard.compare import normalization_bounds, normalized, rank_table, strengths_weaknesses
from leaderboard.filters import search_mask
from leaderboard.render import escape_markdown_text as escape_markdown
from leaderboard.render import format_rank_range
from leaderboard.service import LeaderboardService
from leaderboard.state import CompareView

logger = logging.getLogger(__name__)

MIN_MODELS = 2
MAX_MODELS = 8
MAX_CHOICES = 50
MIN_RADAR_AXES = 3
MAX_RADAR_AXES = 16
# An empty table with named columns: gradio shows "1 2 3" as headers for a frame without columns.
EMPTY_RANKS = pd.DataFrame(columns=["Benchmark"])


def ordinal(number: int) -> str:
    """Return an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 92nd."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def model_label(row: pd.Series) -> str:
    """Return the picker label: the model id, plus precision or revision when variants share an id."""
    label = str(row["model_id"])
    extras = [str(row[c]) for c in ("precision",) if c in row.index and pd.notna(row[c])]
    if "revision" in row.index and pd.notna(row["revision"]):
        extras.append(str(row["revision"])[:7])
    return f"{label} ({', '.join(extras)})" if extras else label


def model_choices(service: LeaderboardService, view: CompareView, query: str = "") -> list[tuple[str, str]]:
    """Return at most `MAX_CHOICES` (label, model key) pairs: the selected models, then search matches by rank.

    The list is bounded so the page never carries every model of a large board.
    """
    if view.board not in service.dataset.boards:
        return []
    board = service.board(view.board)
    frame = service.frame(view.board, view.snapshot, raw=False, partial=True)
    selected = [k for k in view.models if k in set(frame["model_key"])]

    ranked = frame
    if query.strip():
        ranked = frame[search_mask(frame["model_id"], query)]
    sort_column = "aggregate" if board.schema.aggregate != "none" else board.schema.benchmark_ids[0]
    if sort_column in ranked.columns:
        ranked = ranked.sort_values(sort_column, ascending=False, na_position="last", kind="stable")

    by_key = frame.set_index("model_key")
    keys = selected + [k for k in ranked["model_key"] if k not in selected]
    return [(model_label(by_key.loc[k].copy().rename(k)), k) for k in keys[:MAX_CHOICES]]


def compare_outputs(service: LeaderboardService, view: CompareView):
    """Return (radar figure, bar figure, rank table, strengths and weaknesses markdown, message).

    With fewer than 2 or more than 8 models, or unknown keys, the charts stay
    empty and the message states what to change.
    """
    if view.board not in service.dataset.boards:
        return None, None, EMPTY_RANKS, "", f"Board '{escape_markdown(view.board)}' is not in the loaded data; choose another board."
    board = service.board(view.board)
    frame = service.frame(view.board, view.snapshot, raw=False, partial=True)
    known = set(frame["model_key"])
    unknown = [k for k in view.models if k not in known]
    keys = [k for k in view.models if k in known]

    messages = []
    if unknown:
        messages.append("Not in this board snapshot, so left out: " + ", ".join(escape_markdown(k) for k in unknown) + ".")
    if not MIN_MODELS <= len(keys) <= MAX_MODELS:
        messages.append(f"Pick between {MIN_MODELS} and {MAX_MODELS} models to compare (now {len(keys)}).")
        return None, None, EMPTY_RANKS, "", "\n\n".join(messages)

    by_key = frame.set_index("model_key")
    labels = {k: model_label(by_key.loc[k].copy()) for k in keys}
    snapshot = view.snapshot or board.latest_snapshot
    names = {b.id: b.name for b in board.schema.benchmarks}
    norm = normalized(board, snapshot, keys)
    # Benchmarks where fewer than two of the picked models have a score compare nothing.
    shared = [b for b in norm.columns if norm[b].notna().sum() >= MIN_MODELS]
    dropped = len(norm.columns) - len(shared)
    if dropped:
        messages.append(f"{dropped} benchmarks are left out because fewer than two of these models have a score on them.")
    norm_display = norm[shared].rename(index=labels, columns=names)

    radar = None
    if MIN_RADAR_AXES <= len(shared) <= MAX_RADAR_AXES:
        radar = radar_chart(norm_display, board.schema.title)
    else:
        messages.append(f"No radar chart: it needs {MIN_RADAR_AXES} to {MAX_RADAR_AXES} shared benchmarks, "
                        f"and these models share {len(shared)}. The bars show every shared benchmark.")
    bars = grouped_bars(norm_display, board.schema.title) if shared else None

    bounds = normalization_bounds(board, snapshot).reindex(shared)
    for end, source_column, declared in (("0", "worst_source", "chance"), ("1", "best_source", "ceiling")):
        observed = [names.get(b, b) for b, row in bounds.iterrows() if row[source_column] != declared]
        if observed:
            word = "chance level" if declared == "chance" else "ceiling"
            extreme = "lowest" if declared == "chance" else "highest"
            messages.append(f"No {word} is defined for {', '.join(escape_markdown(n) for n in observed)}, "
                            f"so {end} on the charts is the {extreme} score any model has in this snapshot.")

    ranks = rank_table(frame, keys, board.schema)
    ranks = ranks[ranks["benchmark"].isin(shared)]
    ranges = {b: service.rank_ranges(view.board, snapshot, b) for b in shared}
    ranks = ranks.assign(rank_range=[
        None if ranges[b].reason or ranges[b].table.empty or key not in ranges[b].table.index
        else format_rank_range(ranges[b].table.at[key, "rank_low"], ranges[b].table.at[key, "rank_high"])
        for b, key in zip(ranks["benchmark"], ranks["model_key"])
    ])
    without = [names[b] for b in shared if ranges[b].reason]
    if without:
        messages.append("No 95% rank ranges for " + ", ".join(escape_markdown(n) for n in without)
                        + ": these benchmarks have no standard errors, intervals or item counts.")
    ranks = rank_display(ranks, labels, names)
    messages.extend(compared_alerts(service, view.board, keys, labels, names))
    sections = [strengths_markdown(labels[key], strengths_weaknesses(frame, key, board.schema)) for key in keys]
    return radar, bars, ranks, "\n\n".join(sections), "\n\n".join(messages)


def rank_display(ranks: pd.DataFrame, labels: dict[str, str], names: dict[str, str]) -> pd.DataFrame:
    """Pivot the rank table to one row per benchmark and one text column per model: `rank of n (percentile)`."""
    if ranks.empty:
        return EMPTY_RANKS

    def cell(row) -> str:
        if pd.isna(row["rank"]):
            return "—"
        text = f"{int(row['rank'])} of {int(row['n'])} ({ordinal(round(row['percentile']))} percentile)"
        if "rank_range" in row.index and isinstance(row["rank_range"], str) and row["rank_range"] != "—":
            text += f", 95% range {row['rank_range']}"
        return text

    table = ranks.assign(cell=ranks.apply(cell, axis=1))
    wide = table.pivot(index="benchmark", columns="model_key", values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(ranks["benchmark"])), columns=list(labels))
    wide.index = [names.get(b, b) for b in wide.index]
    wide.columns = [labels[k] for k in wide.columns]
    return wide.fillna("—").reset_index(names="Benchmark")


def strengths_markdown(label: str, result) -> str:
    """Render one model's strengths and weaknesses against its peers as escaped Markdown."""
    lines = [f"**{escape_markdown(label)}**: {escape_markdown(result.peer_rule)}"]
    for heading, table in (("Strengths", result.strengths), ("Weaknesses", result.weaknesses)):
        if table.empty:
            lines.append(f"- {heading}: none stand out.")
            continue
        items = []
        for _, row in table.iterrows():
            items.append(f"{escape_markdown(row['name'])} {row['score']:.4g} vs peer median {row['peer_median']:.4g} "
                         f"({row['difference_sd']:+.1f} SD)")
        lines.append(f"- {heading}: " + "; ".join(items))
    return "\n".join(lines)


def compared_alerts(service: LeaderboardService, board_id: str, keys: list[str], labels: dict[str, str],
                    names: dict[str, str]) -> list[str]:
    """Return one Markdown line per alert of the compared models, or a notice while alerts are computing."""
    if service.alerts is None:
        return []
    report = service.alerts.ready(board_id)
    if report is None:
        return ["Alerts for these models are still being computed."]
    wanted = set(keys)
    lines = []
    for alert in report.alerts:
        finding = alert.finding
        if finding.model_key not in wanted:
            continue
        bench = names.get(finding.benchmark, finding.benchmark or "all benchmarks")
        lines.append(f"Alert ({escape_markdown(alert.severity)}) on {escape_markdown(labels[finding.model_key])}: "
                     f"{escape_markdown(finding.summary or bench)} (id `{escape_markdown(alert.id)}`).")
    return lines or ["No alerts for these models."]
