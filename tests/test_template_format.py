import json
import math
from datetime import datetime, timezone

import pytest

from leaderboard.schema import parse_board_schema
from leaderboard.template_format import (
    board_of,
    decode_result_file,
    is_hub_model_id,
    parse_result_json,
    run_timestamp,
    template_board,
)


def template_schema_dict(board_id: str = "tpl") -> dict:
    """A two-benchmark board read from template results: ARC (acc_norm x 100) and GSM8K (acc x 100)."""
    return {
        "id": board_id,
        "title": "Template test board",
        "description": "Board used by the template-format tests.",
        "citation": "none",
        "source": "tests",
        "license": "CC0-1.0",
        "model_key": "hub_id@revision:precision",
        "aggregate": {"rule": "mean"},
        "default": True,
        "metadata": ["precision", "revision", "submission_date"],
        "benchmarks": [
            {
                "id": "arc", "name": "ARC", "higher_is_better": True, "unit": "%", "scale": "accuracy",
                "range": [0, 100], "chance": 25, "ceiling": 100,
                "source_key": {"task": "arc:challenge", "metric": "acc_norm", "multiplier": 100},
            },
            {
                "id": "gsm8k", "name": "GSM8K", "higher_is_better": True, "unit": "%", "scale": "accuracy",
                "range": [0, 100], "chance": 0, "ceiling": 100,
                "source_key": {"task": "gsm8k", "metric": "acc", "multiplier": 100},
            },
        ],
    }


SCHEMA = parse_board_schema(template_schema_dict())
FILE = "org/model-a/results_2024-05-01T12-30-45.123456.json"


def result_payload(model="org/model-a", sha="abc123", dtype="torch.float16", results=None, **config):
    if results is None:
        results = {
            "arc:challenge": {"acc_norm": 0.61, "acc_norm_stderr": 0.01, "acc": 0.55},
            "gsm8k": {"acc": 0.42},
        }
    return {"config": {"model_name": model, "model_sha": sha, "model_dtype": dtype, **config}, "results": results}


def cells(rows):
    return {row["benchmark"]: row["score"] for row in rows}


def test_parse_valid_file():
    rows, model_row, notes = parse_result_json(result_payload(), SCHEMA, FILE)
    assert notes == []
    assert cells(rows) == {"arc": pytest.approx(61.0), "gsm8k": pytest.approx(42.0)}
    assert {row["snapshot"] for row in rows} == {"2024-05-01"}
    assert rows[0]["model_key"] == "org/model-a@abc123:float16"
    assert rows[0]["stderr"] == pytest.approx(1.0)
    assert model_row["model_id"] == "org/model-a"
    assert model_row["hub_id"] == "org/model-a"
    assert model_row["precision"] == "float16"
    assert model_row["revision"] == "abc123"


@pytest.mark.parametrize(
    ("results", "key_in_reason"),
    [
        ({"gsm8k": {"acc": 0.42}}, "'arc:challenge'"),
        ({"arc:challenge": {"acc_norm": None}, "gsm8k": {"acc": 0.42}}, "is null"),
        ({"arc:challenge": {"acc": 0.55}, "gsm8k": {"acc": 0.42}}, "no metric 'acc_norm'"),
        ({"arc:challenge": {"acc_norm": "0.61"}, "gsm8k": {"acc": 0.42}}, "not a number"),
        ({"arc:challenge": {"acc_norm": float("nan")}, "gsm8k": {"acc": 0.42}}, "not a finite number"),
        ({"arc:challenge": {"acc_norm": True}, "gsm8k": {"acc": 0.42}}, "not a number"),
        ({"arc:challenge": {"acc_norm": 1.7}, "gsm8k": {"acc": 0.42}}, "outside the valid range"),
        ({"arc:challenge": [0.61], "gsm8k": {"acc": 0.42}}, "not an object"),
    ],
    ids=["missing-task", "null", "unexpected-metric", "text", "nan", "bool", "out-of-range", "task-not-object"],
)
def test_parse_bad_cell_stays_missing(results, key_in_reason):
    rows, model_row, notes = parse_result_json(result_payload(results=results), SCHEMA, FILE)
    assert "arc" not in cells(rows)
    assert cells(rows) == {"gsm8k": pytest.approx(42.0)}
    assert model_row is not None
    assert len(notes) == 1
    assert notes[0].file == FILE
    assert notes[0].column == "arc"
    assert key_in_reason in notes[0].reason
    assert "stays missing" in notes[0].reason


def test_parse_unexpected_metric_no_fallback():
    # `acc` is present under the task, but the schema requests `acc_norm`: no substitution.
    payload = result_payload(results={"arc:challenge": {"acc": 0.55}, "gsm8k": {"acc": 0.42}})
    rows, _, notes = parse_result_json(payload, SCHEMA, FILE)
    assert 55.0 not in cells(rows).values()
    assert "acc_norm" in notes[0].value
    assert "found: acc" in notes[0].reason


def test_parse_published_zero_kept():
    payload = result_payload(results={"arc:challenge": {"acc_norm": 0.0}, "gsm8k": {"acc": 0}})
    rows, _, notes = parse_result_json(payload, SCHEMA, FILE)
    assert cells(rows) == {"arc": 0.0, "gsm8k": 0.0}
    assert notes == []


@pytest.mark.parametrize(
    ("payload", "reason_part"),
    [
        ([1, 2], "expected a JSON object"),
        ({"results": {"gsm8k": {"acc": 0.4}}}, "'config'"),
        ({"config": "org/model", "results": {}}, "'config'"),
        (result_payload(results=[0.4]), "'results'"),
        ({"config": {"model_name": "org/x"}}, "'results'"),
        (result_payload(model=""), "model_name"),
        (result_payload(model=None), "model_name"),
    ],
    ids=["list", "no-config", "config-text", "results-list", "no-results", "empty-model", "null-model"],
)
def test_parse_broken_file_skipped(payload, reason_part):
    rows, model_row, notes = parse_result_json(payload, SCHEMA, FILE)
    assert rows == []
    assert model_row is None
    assert len(notes) == 1
    assert reason_part in notes[0].reason
    assert "file skipped" in notes[0].reason
    assert notes[0].file == FILE


def test_parse_odd_model_id_kept_raw():
    odd = "<img src=x onerror=alert(1)> model"
    rows, model_row, notes = parse_result_json(result_payload(model=odd), SCHEMA, FILE)
    assert model_row["model_id"] == odd
    assert model_row["hub_id"] is None
    assert len(rows) == 2
    assert any(note.column == "model_name" and note.value == odd for note in notes)


@pytest.mark.parametrize(
    ("model_id", "valid"),
    [
        ("org/model-7b", True),
        ("Org_1/Model.v2", True),
        ("gpt2", False),
        ("org/model--x", False),
        ("org/../x", False),
        ("org/model/extra", False),
        ("-org/model", False),
        ("org/model.", False),
        ("org/" + "m" * 97, False),
        ("org/mödel", False),
    ],
)
def test_hub_model_id_pattern(model_id, valid):
    assert is_hub_model_id(model_id) is valid


def test_decode_malformed_json_noted():
    payload, notes = decode_result_file(b'{"config": {', "org/m/results_x.json", "tpl")
    assert payload is None
    assert notes[0].file == "org/m/results_x.json"
    assert "malformed JSON" in notes[0].reason


def test_decode_non_utf8_noted():
    payload, notes = decode_result_file(b"\xff\xfe{}", "r.json", "tpl")
    assert payload is None
    assert "not UTF-8" in notes[0].reason


def test_decode_nan_literal_gives_float():
    payload, notes = decode_result_file(b'{"v": NaN}', "r.json", "tpl")
    assert notes == []
    assert math.isnan(payload["v"])


def test_board_of_reads_config():
    assert board_of(result_payload(board="other")) == "other"
    assert board_of(result_payload()) is None
    assert board_of([1]) is None


@pytest.mark.parametrize(
    ("file", "config", "expected"),
    [
        ("o/m/results_2024-05-01T12-30-45.123456.json", {}, datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=timezone.utc)),
        ("o/m/results_2024-05-01.json", {}, datetime(2024, 5, 1, tzinfo=timezone.utc)),
        ("o/m/results.json", {"date": 1714566645.0}, datetime(2024, 5, 1, 12, 30, 45, tzinfo=timezone.utc)),
        ("o/m/results.json", {"submitted_time": "2024-05-02T08:00:00Z"}, datetime(2024, 5, 2, 8, tzinfo=timezone.utc)),
        ("o/m/results.json", {"date": "yesterday"}, None),
        ("o/m/results.json", {}, None),
    ],
)
def test_run_timestamp_sources(file, config, expected):
    assert run_timestamp(result_payload(**config), file) == expected


def test_parse_without_time_dated_today():
    rows, _, notes = parse_result_json(result_payload(), SCHEMA, "o/m/results.json")
    assert rows[0]["snapshot"] == datetime.now(timezone.utc).date().isoformat()
    assert any("no run time" in note.reason for note in notes)


def files_for(models, day="2024-05-01"):
    return {
        f"{model}/results_{day}T10-00-00.json": result_payload(model=model, results={
            "arc:challenge": {"acc_norm": 0.5 + index / 100},
            "gsm8k": {"acc": 0.3 + index / 100},
        })
        for index, model in enumerate(models)
    }


def test_board_three_models():
    board = template_board(files_for(["org/a", "org/b", "org/c"]), SCHEMA)
    assert sorted(board.models["model_id"]) == ["org/a", "org/b", "org/c"]
    assert len(board.results) == 6
    assert board.snapshots == ["2024-05-01"]
    assert board.notes == []


def test_board_missing_cell_absent_not_zero():
    files = files_for(["org/a", "org/b"])
    files["org/b/results_2024-05-01T10-00-00.json"]["results"]["arc:challenge"]["acc_norm"] = None
    board = template_board(files, SCHEMA)
    key_b = "org/b@abc123:float16"
    arc_b = board.results[(board.results["model_key"] == key_b) & (board.results["benchmark"] == "arc")]
    assert arc_b.empty
    assert (board.results["score"] != 0).all()
    assert [n.file for n in board.notes] == ["org/b/results_2024-05-01T10-00-00.json"]


def test_board_newest_run_wins_older_date_kept():
    files = {
        "org/a/results_2024-04-01T10-00-00.json": result_payload(model="org/a", results={"arc:challenge": {"acc_norm": 0.40}, "gsm8k": {"acc": 0.2}}),
        "org/a/results_2024-05-03T10-00-00.json": result_payload(model="org/a", results={"arc:challenge": {"acc_norm": 0.60}, "gsm8k": {"acc": 0.3}}),
        "org/b/results_2024-05-01T10-00-00.json": result_payload(model="org/b"),
    }
    board = template_board(files, SCHEMA)
    latest = board.results[board.results["snapshot"] == board.latest_snapshot]
    assert board.latest_snapshot == "2024-05-03"
    assert sorted(latest["model_key"].unique()) == ["org/a@abc123:float16", "org/b@abc123:float16"]
    arc_a = latest[(latest["model_key"] == "org/a@abc123:float16") & (latest["benchmark"] == "arc")]["score"]
    assert arc_a.tolist() == [pytest.approx(60.0)]
    earlier = board.results[board.results["snapshot"] == "2024-04-01"]
    assert earlier[earlier["benchmark"] == "arc"]["score"].tolist() == [pytest.approx(40.0)]
    assert len(board.models) == 2


def test_board_same_date_older_run_dropped():
    files = {
        "org/a/results_2024-05-01T08-00-00.json": result_payload(model="org/a", results={"arc:challenge": {"acc_norm": 0.40}, "gsm8k": {"acc": 0.2}}),
        "org/a/results_2024-05-01T18-00-00.json": result_payload(model="org/a", results={"arc:challenge": {"acc_norm": 0.60}, "gsm8k": {"acc": 0.3}}),
    }
    board = template_board(files, SCHEMA)
    assert board.snapshots == ["2024-05-01"]
    assert board.results[board.results["benchmark"] == "arc"]["score"].tolist() == [pytest.approx(60.0)]
    assert [n.file for n in board.notes] == ["org/a/results_2024-05-01T08-00-00.json"]
    assert "same date" in board.notes[0].reason


def test_board_precisions_are_separate_models():
    files = files_for(["org/a"])
    files["org/a/results_2024-05-01T11-00-00.json"] = result_payload(model="org/a", dtype="torch.bfloat16")
    board = template_board(files, SCHEMA)
    assert sorted(board.models["model_key"]) == ["org/a@abc123:bfloat16", "org/a@abc123:float16"]


def test_board_skips_broken_file_keeps_others():
    files = files_for(["org/a", "org/b"])
    files["org/c/results_2024-05-01T10-00-00.json"] = {"results": {}}
    board = template_board(files, SCHEMA)
    assert sorted(board.models["model_id"]) == ["org/a", "org/b"]
    assert [n.file for n in board.notes] == ["org/c/results_2024-05-01T10-00-00.json"]


def test_board_payload_roundtrips_through_json():
    # Files read from disk arrive as decoded JSON; the board must not depend on Python-only values.
    files = {name: json.loads(json.dumps(payload)) for name, payload in files_for(["org/a"]).items()}
    board = template_board(files, SCHEMA)
    assert len(board.results) == 2


def test_board_absent_metadata_one_note():
    schema = parse_board_schema(template_schema_dict() | {"metadata": ["precision", "license", "params_b"]})
    board = template_board(files_for(["org/a"]), schema)
    assert len(board.notes) == 1
    assert "license, params_b" in board.notes[0].reason
    assert board.models["license"].isna().all()
    assert board.models["precision"].tolist() == ["float16"]


def raw_scale_schema():
    raw = template_schema_dict("rawboard")
    normalized = {"unit": "%", "scale": "normalized above chance", "range": [0, 100], "chance": 0, "ceiling": 100}
    raw["benchmarks"] = [
        {"id": "gpqa", "name": "GPQA", "higher_is_better": True, **normalized,
         "raw": {"unit": "fraction", "range": [0, 1], "chance": 0.25},
         "source_key": {"task": "gpqa", "metric": "acc_norm"}},
        {"id": "bbh", "name": "BBH", "higher_is_better": True, **normalized,
         "raw": {"unit": "fraction", "range": [0, 1]},
         "source_key": {"task": "bbh", "metric": "acc_norm"}},
        {"id": "ifeval", "name": "IFEval", "higher_is_better": True, "unit": "%", "range": [0, 100], "ceiling": 100,
         "raw": {"unit": "fraction", "range": [0, 1]},
         "source_key": {"task": "ifeval", "metric": "acc"}},
    ]
    return parse_board_schema(raw)


def test_raw_scale_derives_normalized_score():
    schema = raw_scale_schema()
    results = {"gpqa": {"acc_norm": 0.4}, "bbh": {"acc_norm": 0.5}, "ifeval": {"acc": 0.7}}
    parsed = parse_result_json(result_payload(results=results), schema, FILE)
    by_bench = {row["benchmark"]: row for row in parsed.rows}
    assert by_bench["gpqa"]["score_raw"] == pytest.approx(0.4)
    assert by_bench["gpqa"]["score"] == pytest.approx(20.0)
    assert by_bench["ifeval"]["score"] == pytest.approx(70.0)
    assert by_bench["bbh"]["score_raw"] == pytest.approx(0.5)
    assert by_bench["bbh"]["score"] is None


def test_raw_below_chance_clips_to_zero():
    schema = raw_scale_schema()
    parsed = parse_result_json(result_payload(results={"gpqa": {"acc_norm": 0.2}}), schema, FILE)
    row = [r for r in parsed.rows if r["benchmark"] == "gpqa"][0]
    assert row["score"] == 0.0
    assert row["score_raw"] == pytest.approx(0.2)


def test_raw_only_cell_survives_board_build():
    schema = raw_scale_schema()
    files = {FILE: result_payload(results={"bbh": {"acc_norm": 0.5}})}
    board = template_board(files, schema)
    row = board.results[board.results["benchmark"] == "bbh"].iloc[0]
    assert math.isnan(row["score"])
    assert row["score_raw"] == pytest.approx(0.5)


def test_decode_integer_over_digit_limit_noted():
    payload, notes = decode_result_file(b'{"v": 1' + b"0" * 5000 + b"}", "r.json", "tpl")
    assert payload is None
    assert "invalid JSON value" in notes[0].reason


def test_parse_huge_integer_score_noted():
    results = {"arc:challenge": {"acc_norm": 10**400, "acc_norm_stderr": 10**400}, "gsm8k": {"acc": 0.5}}
    rows, _, notes = parse_result_json(result_payload(results=results), SCHEMA, FILE)
    assert cells(rows) == {"gsm8k": pytest.approx(50.0)}
    assert any(n.column == "arc" and "not a finite number" in n.reason for n in notes)


def test_parse_overflowing_product_noted():
    results = {"arc:challenge": {"acc_norm": 1e307}, "gsm8k": {"acc": 0.5}}
    rows, _, notes = parse_result_json(result_payload(results=results), SCHEMA, FILE)
    assert "arc" not in cells(rows)
    assert any(n.column == "arc" and "not a finite number" in n.reason for n in notes)


def test_run_timestamp_huge_integer_date_ignored():
    assert run_timestamp(result_payload(date=10**400), "o/m/results.json") is None
