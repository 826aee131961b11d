"""Display rendering and CSV export of leaderboard rows."""

import html
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from leaderboard.filters import apply_view, page_rows
from leaderboard.render import MISSING, escape_markdown_text, export_frame, hub_url, model_cell, render_page
from leaderboard.schema import parse_board_schema
from leaderboard.state import LeaderboardView
from leaderboard.store import build_board
from leaderboard.table import leaderboard_frame

SNAPSHOT = "2024-05-01"
INJECTIONS = [
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "**bold**",
    "<script>alert(1)</script>",
    "a|b\nc",
    "$$x$$ https://evil.example `code` &amp;",
]


def make_schema(rule="mean"):
    return parse_board_schema({
        "id": "render",
        "title": "Render board",
        "description": "A board for rendering tests.",
        "citation": "none",
        "source": "tests",
        "license": "CC0",
        "model_key": "hub_id",
        "aggregate": {"rule": rule, "label": "Average"},
        "benchmarks": [
            {"id": "a", "name": "Alpha", "higher_is_better": True, "unit": "%", "range": [0, 100], "description": "Alpha accuracy"},
            {"id": "b", "name": "Beta", "higher_is_better": True, "unit": "%", "range": [0, 100]},
            {"id": "elo", "name": "Arena", "higher_is_better": True, "unit": "Elo", "composite": True},
            {"id": "err", "name": "Error", "higher_is_better": False, "unit": "", "range": [0, 1], "composite": True},
        ],
        "metadata": ["params_b", "model_type", "flagged"],
    })


def make_frame(partial=False, names=None):
    schema = make_schema()
    names = names or {}
    entries = [
        ("m1", "org/first", "org/first", 7.0, "pt", False, {"a": 90.0, "b": 80.0, "elo": 1250.4, "err": 0.125}),
        ("m2", "org/second", "org/second", 13.0, "ft", True, {"a": 70.0, "b": 70.0}),
        ("m3", "org/third", "org/third", None, None, None, {"a": 60.0, "b": 40.0}),
        ("m4", "org/fourth", "org/fourth", 3.0, "pt", False, {"a": 50.0, "b": 30.0}),
        ("m5", "org/fifth", None, 1.0, "pt", False, {"a": 61.25}),
    ]
    models = pd.DataFrame(
        [(key, names.get(key, model_id), hub, params, kind, flagged) for key, model_id, hub, params, kind, flagged, _ in entries],
        columns=["model_key", "model_id", "hub_id", "params_b", "model_type", "flagged"],
    )
    rows = [
        {"model_key": key, "snapshot": SNAPSHOT, "benchmark": bench, "score": value}
        for key, *_, scores in entries for bench, value in scores.items()
    ]
    board = build_board(schema, pd.DataFrame(rows), models, "render.parquet")
    return leaderboard_frame(board, None, raw=False, partial=partial), schema


def view(**changes):
    return replace(LeaderboardView(board="render"), **changes)


def cell(rendered, key_index, header):
    return rendered.frame[header].iloc[key_index]


def test_render_headers_and_datatypes():
    frame, schema = make_frame()
    rendered = render_page(frame, schema, view())
    assert rendered.headers == ["Model", "Average (%)", "Alpha (%)", "Beta (%)", "Arena (Elo)", "Error", "Type", "Params (B)"]
    assert list(rendered.frame.columns) == rendered.headers
    assert rendered.datatypes == ["markdown"] + ["number"] * 5 + ["str", "number"]
    assert rendered.column_help["Alpha (%)"] == "Alpha accuracy (%)"
    assert rendered.column_help["Error"] == "Error (lower is better)"


@pytest.mark.parametrize("columns", [(), ("a",), ("b", "a"), ("elo",), ("a", "b", "elo", "err")])
@pytest.mark.parametrize("show_ranks", [False, True])
def test_datatypes_match_columns(columns, show_ranks):
    frame, schema = make_frame()
    rendered = render_page(frame, schema, view(columns=columns, show_ranks=show_ranks))
    assert len(rendered.datatypes) == len(rendered.frame.columns)
    assert len(rendered.headers) == len(rendered.frame.columns)
    assert rendered.datatypes[rendered.headers.index("Model")] == "markdown"
    assert set(rendered.column_help) == set(rendered.headers)


def test_render_scores_formatted():
    frame, schema = make_frame()
    rendered = render_page(frame, schema, view())
    first = rendered.frame.iloc[0]
    assert first["Alpha (%)"] == "90.0"
    assert first["Arena (Elo)"] == "1250"
    assert first["Error"] == "0.125"
    assert first["Average (%)"] == "85.0"
    assert first["Params (B)"] == "7"


def test_render_missing_is_dash():
    frame, schema = make_frame()
    rows = frame.copy()
    # A null in a text column, a NaN from a merge, and a benchmark column the rows lack.
    rows["model_type"] = rows["model_type"].astype("object")
    rows.loc[rows["model_key"] == "m1", "model_type"] = None
    merged = rows.drop(columns=["b"]).merge(pd.DataFrame({"model_key": ["m1"], "b": [12.5]}), on="model_key", how="left")
    merged = merged.drop(columns=["elo"])
    rendered = render_page(merged, schema, view(columns=("a", "b", "elo"), show_ranks=True))
    by_key = rendered.frame.set_index(merged["model_key"].to_numpy())
    assert by_key.loc["m1", "Type"] == MISSING
    assert by_key.loc["m1", "Beta (%)"] == "12.5"
    assert by_key.loc["m2", "Beta (%)"] == MISSING
    assert by_key["Arena (Elo)"].tolist() == [MISSING] * 5
    assert by_key.loc["m3", "Params (B)"] == MISSING
    assert by_key.loc["m5", "Average (%)"] == MISSING
    assert by_key.loc["m5", "Rank"] == MISSING
    for value in rendered.frame.to_numpy().ravel():
        assert value is not None
        assert "nan" not in str(value).lower()
        assert "<NA>" not in str(value)


def test_render_rank_columns():
    frame, schema = make_frame()
    rendered = render_page(frame, schema, view(show_ranks=True, columns=("a", "elo")))
    assert rendered.headers[:2] == ["Rank", "Model"]
    assert "Alpha rank" in rendered.headers
    ranks = dict(zip(frame["model_key"], rendered.frame["Rank"]))
    assert ranks == {"m1": "1", "m2": "2", "m3": "3", "m4": "4", "m5": MISSING}
    assert rendered.frame["Arena rank"].tolist() == ["1", MISSING, MISSING, MISSING, MISSING]


def test_partial_aggregate_shows_coverage():
    frame, schema = make_frame(partial=True)
    rendered = render_page(frame, schema, view())
    by_key = dict(zip(frame["model_key"], rendered.frame["Average (%)"]))
    assert by_key["m5"] == "61.2 (1/2)"
    assert by_key["m1"] == "85.0"


def medal_of(text):
    for medal in ("🥇", "🥈", "🥉"):
        if text.startswith(medal):
            return medal
    return ""


def test_medals_follow_rows_after_sort_and_page():
    frame, schema = make_frame()
    current = view(sort_by="b", sort_descending=False, page_size=2)

    shown = {}
    for page_number in (1, 2, 3):
        page = page_rows(apply_view(frame, current, schema), page_number, current.page_size)
        rendered = render_page(page.rows, schema, current)
        for key, text in zip(page.rows["model_key"], rendered.frame["Model"]):
            shown[key] = medal_of(text)
    assert shown == {"m1": "🥇", "m2": "🥈", "m3": "🥉", "m4": "", "m5": ""}

    first_page = page_rows(apply_view(frame, current, schema), 1, 2)
    assert first_page.rows["model_key"].tolist() == ["m4", "m3"]
    rendered = render_page(first_page.rows, schema, current)
    assert [medal_of(t) for t in rendered.frame["Model"]] == ["", "🥉"]


def test_flagged_badge():
    frame, schema = make_frame()
    rendered = render_page(frame, schema, view())
    models = dict(zip(frame["model_key"], rendered.frame["Model"]))
    assert models["m2"] == "🥈 [org\\/second](https://huggingface.co/org/second) 🚩 flagged"
    assert "flagged" not in models["m1"]
    assert "flagged" not in models["m3"]


def test_model_link_only_for_valid_hub_id():
    assert hub_url("org/model-1.5_b") == "https://huggingface.co/org/model-1.5_b"
    assert hub_url("gpt2") == "https://huggingface.co/gpt2"
    for bad in ("bad id", "a/b/c", "-org/x", "javascript:alert(1)", "org/x)", "", None, pd.NA, np.nan):
        assert hub_url(bad) is None
    assert model_cell("org/x", "bad id", pd.NA, pd.NA) == "org\\/x"
    assert model_cell("org/x", None, 4, False) == "org\\/x"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("<img src=x onerror=alert(1)>", "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("a|b\nc", "a\\|b c"),
        ("it's \"q\" & co", "it&#39;s &quot;q&quot; &amp; co"),
        ("plain name 7B", "plain name 7B"),
    ],
)
def test_escape_markdown_text(name, expected):
    assert escape_markdown_text(name) == expected


@pytest.mark.parametrize("name", INJECTIONS)
def test_injected_names_render_as_text(name):
    markdown_it = pytest.importorskip("markdown_it")
    frame, schema = make_frame(names={"m1": name, "m5": name})
    rendered = render_page(frame, schema, view())
    parser = markdown_it.MarkdownIt("commonmark")
    literal = name.replace("\n", " ")

    linked = parser.renderInline(rendered.frame["Model"].iloc[0])
    assert linked.count("<a ") == 1
    assert 'href="https://huggingface.co/org/first"' in linked
    assert html.unescape(re.sub(r"<[^>]+>", "", linked)) == "🥇 " + literal

    plain = parser.renderInline(rendered.frame["Model"].iloc[4])
    assert "<" not in plain.replace("&lt;", "")
    assert html.unescape(plain) == literal


def test_render_leaves_rows_unchanged():
    frame, schema = make_frame()
    copy = frame.copy()
    render_page(frame, schema, view(show_ranks=True))
    pd.testing.assert_frame_equal(frame, copy)


def test_render_empty_page():
    frame, schema = make_frame()
    rendered = render_page(frame.iloc[0:0], schema, view(show_ranks=True))
    assert rendered.frame.empty
    assert len(rendered.datatypes) == len(rendered.frame.columns)


def test_export_missing_is_empty_and_numbers_stay_numbers():
    frame, schema = make_frame()
    exported = export_frame(frame, schema)
    assert list(exported.columns) == list(frame.columns)
    row = exported[exported["model_key"] == "m3"].iloc[0]
    assert row["params_b"] == ""
    assert row["model_type"] == ""
    assert row["elo"] == ""
    assert row["rank_elo"] == ""
    assert row["a"] == 60.0
    assert isinstance(row["a"], float)
    assert row["rank_a"] == 4
    assert isinstance(row["rank_a"], int)
    assert MISSING not in exported.astype(str).to_numpy().ravel().tolist()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("  =1+1", "'  =1+1"),
        ("org/model-1", "org/model-1"),
    ],
)
def test_export_is_spreadsheet_safe(name, expected):
    frame, schema = make_frame(names={"m1": name})
    exported = export_frame(frame, schema)
    assert exported.loc[exported["model_key"] == "m1", "model_id"].iloc[0] == expected


def test_export_keeps_negative_numbers_numeric():
    frame, schema = make_frame()
    frame = frame.copy()
    frame.loc[0, "a"] = -1.5
    exported = export_frame(frame, schema)
    assert exported.loc[0, "a"] == -1.5


def test_component_value_keeps_numbers():
    frame, schema = make_frame()
    rendered = render_page(frame, schema, view())
    value = rendered.component_value()
    column = value["headers"].index("Alpha (%)")
    numbers = [row[column] for row in value["data"]]
    shown = [row[column] for row in value["metadata"]["display_value"]]
    assert all(n is None or isinstance(n, float) for n in numbers)
    assert [s == MISSING for s in shown] == [n is None for n in numbers]
    assert rendered.values["Alpha (%)"].dtype == "float64"


def test_component_value_sorts_numerically():
    frame, schema = make_frame()
    frame.loc[frame["model_key"] == "m1", "a"] = 100.0
    frame.loc[frame["model_key"] == "m2", "a"] = 9.5
    rendered = render_page(frame, schema, view())
    value = rendered.component_value()
    column = value["headers"].index("Alpha (%)")
    numbers = sorted(row[column] for row in value["data"] if row[column] is not None)
    assert numbers[0] == 9.5
    assert numbers[-1] == 100.0


def test_flag_badge_links_discussion():
    url = "https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard/discussions/202"
    cell = model_cell("org/x", "org/x", 5, True, url)
    assert cell.endswith(f"[🚩 flagged]({url})")
    assert model_cell("org/x", "org/x", 5, True, "javascript:alert(1)").endswith(" 🚩 flagged")
    assert model_cell("org/x", "org/x", 5, True, None).endswith(" 🚩 flagged")
