"""Display and export forms of leaderboard rows; the logic frame is never modified.

Display decision: scores reach `gr.Dataframe` as numbers with a separate
display text per cell (`RenderedTable.component_value`), so a missing value
shows as "—" while the value stays null, and numbers are formatted only for
display. Sorting happens on the server, on the numeric logic frame
(`leaderboard.filters.sort_rows`), before paging. gradio 6.31's
`gr.Dataframe` always lets a visitor sort the visible rows by clicking a
header (TanStack table with `enableSorting: true` and no option to turn it
off); that sort only reorders the current page, so the UI hides those header
sort buttons.

Model column safety: the model column uses datatype "markdown". In gradio 6.31
a "markdown" cell goes through the Markdown renderer with `sanitize_html` on
(its sanitizer drops script elements, event-handler attributes and
`javascript:` / `data:` URLs), while an "html" cell is inserted as raw
innerHTML with no sanitizing. This module does not rely on gradio's sanitizer:
`escape_markdown_text` makes any model name render as literal text, and a link
is built only from a hub id that matches `HUB_ID_PATTERN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import pandas as pd

from leaderboard.aggregate import aggregate_benchmarks
from leaderboard.schema import Benchmark, BoardSchema
from leaderboard.state import AGGREGATE_COLUMN, LeaderboardView
from leaderboard.table import rank_column

MISSING = "—"
HUB_URL = "https://huggingface.co/"
HUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*(/[A-Za-z0-9][A-Za-z0-9_.\-]*)?$")
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
FLAGGED_BADGE = "🚩 flagged"
FLAG_URL_PATTERN = re.compile(r"^https://huggingface\.co/[A-Za-z0-9_.\-/]+$")
MODEL_HEADER = "Model"
RANK_HEADER = "Rank"
RANK_RANGE_HEADER = "Rank range (95%)"
ALERT_HEADER = "Alerts"
ALERT_ID_PATTERN = re.compile(r"^[0-9a-f]{12}$")

# Metadata shown as columns, with header and hover help. The other metadata
# columns serve filters (merged, moe, official_provider) or badges (flagged).
SHOWN_METADATA = {
    "model_type": ("Type", "model type as published by the board"),
    "params_b": ("Params (B)", "number of parameters (billions)"),
    "precision": ("Precision", "weight precision used for the evaluation"),
    "license": ("License", "model license as published by the board"),
    "release_date": ("Released", "model release date (YYYY-MM-DD)"),
}

_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_ASCII_PUNCTUATION = set("!#$%()*+,-./:;=?@[\\]^_`{|}~")
_SPREADSHEET_TRIGGER = re.compile(r"^\s*[=+\-@]|^[\t\r]")


@dataclass(frozen=True)
class RenderedTable:
    """Display table of one page, ready for `gr.Dataframe`.

    `frame` is the text each cell shows (columns named by `headers`).
    `values` has the same shape with the cell values: float64 (NaN when
    missing) in score, rank and size columns, text elsewhere. `datatypes` has
    one gradio datatype per column in the same order, and `column_help` maps a
    header to its hover text, "description (unit)".
    """

    frame: pd.DataFrame
    datatypes: list[str]
    headers: list[str]
    column_help: dict[str, str]
    values: pd.DataFrame | None = None

    def component_value(self) -> dict:
        """Return the value for `gr.Dataframe`: numeric cell values plus the text to display.

        Gradio 6 shows `metadata.display_value` in place of a cell's value, so
        score columns reach the component as numbers (its header sort compares
        numbers, and a missing value is null, never 0 or "nan") while the cell
        reads "—" or "61.2 (4/6)".
        """
        values = self.frame if self.values is None else self.values
        data = [[None if _is_missing(v) else v for v in row] for row in values.itertuples(index=False)]
        display = self.frame.to_numpy().tolist()
        styling = [[""] * len(self.headers) for _ in display]
        return {"headers": list(self.headers), "data": data, "metadata": {"display_value": display, "styling": styling}}


def escape_markdown_text(text: str) -> str:
    """Escape text so a Markdown renderer shows it literally, also inside link text.

    `& < > " '` become HTML character references, every other ASCII
    punctuation character gets a backslash (CommonMark lets any ASCII
    punctuation be escaped this way, which also stops autolinks and `$$` LaTeX
    delimiters), and control characters such as line breaks become spaces.
    """
    out = []
    for char in str(text):
        if char in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[char])
        elif char in _ASCII_PUNCTUATION:
            out.append("\\" + char)
        elif ord(char) < 32 or ord(char) == 127:
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def hub_url(hub_id) -> str | None:
    """Return the Hub page URL of a valid Hub id, else None."""
    if hub_id is None or pd.isna(hub_id) or not HUB_ID_PATTERN.match(str(hub_id)):
        return None
    return HUB_URL + quote(str(hub_id), safe="/")


def flag_link(flag_url) -> str | None:
    """Return the maintainers' discussion URL of a flag when it is a Hugging Face https URL, else None."""
    if _is_missing(flag_url) or not FLAG_URL_PATTERN.match(str(flag_url)):
        return None
    return str(flag_url)


def model_cell(model_id, hub_id, aggregate_rank, flagged, flag_url=None) -> str:
    """Build the Markdown of one model cell: medal, linked or plain name, flagged badge.

    The badge links to the maintainers' discussion where the board gives one.
    """
    name = escape_markdown_text(model_id if not _is_missing(model_id) else "")
    url = hub_url(hub_id)
    cell = f"[{name}]({url})" if url else name
    if not _is_missing(aggregate_rank) and int(aggregate_rank) in MEDALS:
        cell = f"{MEDALS[int(aggregate_rank)]} {cell}"
    if not _is_missing(flagged) and bool(flagged):
        link = flag_link(flag_url)
        cell = f"{cell} [{FLAGGED_BADGE}]({link})" if link else f"{cell} {FLAGGED_BADGE}"
    return cell


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (np.ndim(value) == 0 and bool(pd.isna(value)))


def score_decimals(scale_range: tuple[float, float] | None, values=()) -> int:
    """Return the decimals shown for a score column.

    From the scale's valid range: 3 for a width up to 1, 1 up to 200 (percent),
    else 0 (Elo-like). A scale without a range uses the largest absolute value
    in `values` the same way.
    """
    if scale_range is None:
        finite = [abs(float(v)) for v in values if not _is_missing(v)]
        if not finite:
            return 2
        # NOTE: decided from the values on the page, so pages of one column
        # could differ in decimals if its values span these thresholds.
        scale_range = (0.0, max(finite))
    width = scale_range[1] - scale_range[0]
    if width <= 1:
        return 3
    if width <= 200:
        return 1
    return 0


def format_number(value, decimals: int) -> str:
    """Format one number with a fixed number of decimals; missing values (None, NA, NaN) become "—"."""
    if _is_missing(value):
        return MISSING
    return f"{float(value):.{decimals}f}"


def format_size(value) -> str:
    """Format a parameter count in billions with at most two decimals, "—" when unknown."""
    if _is_missing(value):
        return MISSING
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def format_rank(value) -> str:
    if _is_missing(value):
        return MISSING
    return str(int(value))


def alert_badge(count, severity, alert_id=None) -> str:
    """Format a model's alerts as "⚠ 2 (high)", linked to the evidence card of the most severe one; "" when none."""
    if _is_missing(count) or int(count) == 0:
        return ""
    text = f"⚠ {int(count)} ({severity})" if not _is_missing(severity) else f"⚠ {int(count)}"
    if not _is_missing(alert_id) and ALERT_ID_PATTERN.match(str(alert_id)):
        return f"[{text}](?alert={alert_id})"
    return text


def format_rank_range(low, high) -> str:
    """Format a rank interval as "3–7", a single rank as "3", and a missing one as "—"."""
    if _is_missing(low) or _is_missing(high):
        return MISSING
    low, high = int(low), int(high)
    return str(low) if low == high else f"{low}–{high}"


def format_text(value) -> str:
    if _is_missing(value) or str(value).strip() == "":
        return MISSING
    return str(value)


def _scale(bench: Benchmark, raw: bool):
    return bench.raw if raw and bench.raw is not None else bench.scale


def benchmark_header(bench: Benchmark, raw: bool) -> str:
    """Return a benchmark's column header: display name, with the unit in brackets where it has one."""
    unit = _scale(bench, raw).unit
    return f"{bench.name} ({unit})" if unit else bench.name


def benchmark_help(bench: Benchmark, raw: bool) -> str:
    """Return a benchmark's hover text: "description (unit)", noting lower-is-better scores."""
    details = [d for d in (_scale(bench, raw).unit, "" if bench.higher_is_better else "lower is better") if d]
    description = bench.description or bench.name
    return f"{description} ({', '.join(details)})" if details else description


def shown_benchmarks(rows: pd.DataFrame, schema: BoardSchema, view: LeaderboardView) -> list[Benchmark]:
    """Return the benchmarks shown as columns, in schema order.

    `view.columns` selects benchmarks by id, and a selected benchmark without
    data in the rows is still shown, as "—". An empty selection shows every
    benchmark that the rows have a column for.
    """
    if view.columns:
        selected = set(view.columns)
        return [b for b in schema.benchmarks if b.id in selected]
    return [b for b in schema.benchmarks if b.id in rows.columns]


def _column(rows: pd.DataFrame, name: str) -> list:
    """Return a column's values as a list, or all None where the rows lack that column."""
    if name in rows.columns:
        return rows[name].tolist()
    return [None] * len(rows)


def render_page(rows: pd.DataFrame, schema: BoardSchema, view: LeaderboardView) -> RenderedTable:
    """Turn one page of the leaderboard frame into the table `gr.Dataframe` shows.

    Columns: `Rank` (when `view.show_ranks`), `Model`, the aggregate (unless the
    board's rule is `none`), each shown benchmark followed by its rank column
    (when `view.show_ranks`), then the shown metadata. Every cell is text and a
    missing value is "—", whether the column is absent, None, NA or NaN. The
    medal comes from each row's own `rank_aggregate`, so it follows the row
    through sorting and paging. A partial aggregate shows its coverage, as in
    "61.2 (4/6)".
    """
    raw = view.raw_scores and schema.has_raw_scores
    columns: list[tuple[str, list[str], str, str]] = []
    numeric: dict[int, list] = {}

    if view.show_ranks:
        # The rank follows the sort column, so it matches the rank range beside it.
        ranked_by = view.sort_by if rank_column(view.sort_by) in rows.columns else AGGREGATE_COLUMN
        label = schema.aggregate_label if ranked_by == AGGREGATE_COLUMN else schema.benchmark(ranked_by).name
        ranks = _column(rows, rank_column(ranked_by))
        numeric[len(columns)] = ranks
        columns.append((RANK_HEADER, [format_rank(v) for v in ranks], "number", f"rank by {label} on the whole board snapshot (1 = best)"))
    if view.show_ranks and "rank_range_low" in rows.columns:
        ranges = [format_rank_range(low, high) for low, high in zip(rows["rank_range_low"], rows["rank_range_high"])]
        help_text = str(rows["rank_range_help"].iloc[0]) if len(rows) else "rank range"
        columns.append((RANK_RANGE_HEADER, ranges, "str", help_text))

    models = [
        model_cell(model_id, hub_id, rank, flagged, flag_url)
        for model_id, hub_id, rank, flagged, flag_url in zip(
            _column(rows, "model_id"), _column(rows, "hub_id"),
            _column(rows, rank_column(AGGREGATE_COLUMN)), _column(rows, "flagged"), _column(rows, "flag_url"),
        )
    ]
    columns.append((MODEL_HEADER, models, "markdown", "model name, linked to its Hugging Face page when it has one"))

    if "alert_count" in rows.columns:
        ids = rows["alert_id"] if "alert_id" in rows.columns else [None] * len(rows)
        badges = [alert_badge(count, severity, alert)
                  for count, severity, alert in zip(rows["alert_count"], rows["alert_severity"], ids)]
        columns.append((ALERT_HEADER, badges, "markdown",
                        "alerts about this model (most severe in brackets); the badge opens its evidence card"))

    if schema.aggregate != "none":
        numeric[len(columns)] = _column(rows, AGGREGATE_COLUMN)
        columns.append(_aggregate_column(rows, schema, raw))

    for bench in shown_benchmarks(rows, schema, view):
        scores = _column(rows, bench.id)
        decimals = score_decimals(_scale(bench, raw).valid_range, scores)
        numeric[len(columns)] = scores
        columns.append((benchmark_header(bench, raw), [format_number(v, decimals) for v in scores], "number", benchmark_help(bench, raw)))
        if view.show_ranks:
            ranks = _column(rows, rank_column(bench.id))
            numeric[len(columns)] = ranks
            columns.append((f"{bench.name} rank", [format_rank(v) for v in ranks], "number", f"rank on {bench.name} on the whole board snapshot (1 = best)"))

    for name, (header, help_text) in SHOWN_METADATA.items():
        if name in schema.metadata:
            if name == "params_b":
                numeric[len(columns)] = _column(rows, name)
                columns.append((header, [format_size(v) for v in _column(rows, name)], "number", help_text))
            else:
                columns.append((header, [format_text(v) for v in _column(rows, name)], "str", help_text))

    headers = _unique_headers([c[0] for c in columns])
    frame = pd.DataFrame({header: values for header, (_, values, _, _) in zip(headers, columns)}, dtype="object")
    frame = frame.reindex(columns=headers)
    values = frame.copy()
    for position, column_values in numeric.items():
        values[headers[position]] = pd.to_numeric(pd.Series(column_values, dtype="object"), errors="coerce").astype("float64").to_numpy()
    return RenderedTable(
        frame=frame,
        datatypes=[c[2] for c in columns],
        headers=headers,
        column_help={header: c[3] for header, c in zip(headers, columns)},
        values=values,
    )


def _aggregate_column(rows: pd.DataFrame, schema: BoardSchema, raw: bool) -> tuple[str, list[str], str, str]:
    """Build the aggregate column: value with "(coverage/total)" when partial, "—" when missing."""
    ids = aggregate_benchmarks(schema, schema.benchmark_ids)
    benches = [schema.benchmark(b) for b in ids]
    units = {_scale(b, raw).unit for b in benches}
    unit = units.pop() if len(units) == 1 else ""
    aggregates = _column(rows, AGGREGATE_COLUMN)
    decimals = score_decimals(_scale(benches[0], raw).valid_range, aggregates) if benches else 2

    values = []
    for value, covered, total in zip(aggregates, _column(rows, "coverage"), _column(rows, "coverage_total")):
        text = format_number(value, decimals)
        if text != MISSING and not _is_missing(covered) and not _is_missing(total) and int(covered) < int(total):
            text = f"{text} ({int(covered)}/{int(total)})"
        values.append(text)

    header = f"{schema.aggregate_label} ({unit})" if unit else schema.aggregate_label
    rule = {
        "mean": "mean of the benchmark scores",
        "weighted_mean": "weighted mean of the benchmark scores",
        "category_mean": "mean of the category means",
    }.get(schema.aggregate, schema.aggregate)
    help_text = f"{rule}; (k/n) marks a partial aggregate over k of n benchmarks" + (f" ({unit})" if unit else "")
    return header, values, "number", help_text


def _unique_headers(headers: list[str]) -> list[str]:
    """Make headers unique by numbering repeats, since gradio addresses columns by header."""
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        count = seen.get(header, 0)
        seen[header] = count + 1
        unique.append(header if count == 0 else f"{header} ({count + 1})")
    return unique


def spreadsheet_safe(values: pd.Series) -> pd.Series:
    """Prefix text that a spreadsheet would run as a formula with "'".

    A cell is prefixed when it starts (after optional whitespace) with `=`,
    `+`, `-` or `@`, or starts with a tab or carriage return.
    """
    text = values.astype("string")
    risky = text.str.contains(_SPREADSHEET_TRIGGER, regex=True).fillna(False).astype(bool)
    return text.where(~risky, "'" + text)


def export_frame(frame: pd.DataFrame, schema: BoardSchema) -> pd.DataFrame:
    """Build the CSV export of leaderboard rows: plain values, keyed columns, safe in spreadsheets.

    Columns are the leaderboard columns the schema declares, named by id (not
    display header), in frame order; other columns are left out. Numbers stay numbers, booleans stay booleans, every missing value is
    an empty string, and text cells go through `spreadsheet_safe`.
    """
    known = _export_columns(frame, schema)
    out = {}
    for column in known:
        values = frame[column]
        missing = values.isna().to_numpy(dtype=bool)
        if pd.api.types.is_bool_dtype(values.dtype):
            plain = values.astype("object")
        elif pd.api.types.is_integer_dtype(values.dtype):
            plain = values.astype("object").map(lambda v: v if _is_missing(v) else int(v))
        elif pd.api.types.is_float_dtype(values.dtype):
            plain = values.astype("object")
        else:
            plain = spreadsheet_safe(values).astype("object")
        plain = plain.where(~missing, "")
        out[column] = plain.to_numpy(dtype="object")
    return pd.DataFrame(out, columns=known, index=range(len(frame)))


def _export_columns(frame: pd.DataFrame, schema: BoardSchema) -> list[str]:
    """Return the leaderboard columns of `frame` that the schema declares, in frame order."""
    declared = {"model_key", "model_id", "hub_id", AGGREGATE_COLUMN, "coverage", "coverage_total", rank_column(AGGREGATE_COLUMN)}
    declared.update(schema.metadata)
    declared.update(schema.benchmark_ids)
    declared.update(rank_column(b) for b in schema.benchmark_ids)
    return [c for c in frame.columns if c in declared]
