"""Malformed files in a results repo: each bad file becomes a data note, and the rest still loads.

Most cases read a local folder with `read_results_folder`, which is what
`load_hub_dataset` does after the download. One case goes through the fake Hub
and `DataHolder`, because an exception there escapes a refresh.
"""

import io
import json
from pathlib import Path

import huggingface_hub.constants
import pandas as pd
import pytest
import yaml

from leaderboard.hub import load_hub_dataset, read_results_folder
from leaderboard.refresh import DataHolder
from leaderboard.schema import parse_board_schema
from leaderboard.template_format import decode_result_file
from tests.fake_hub import FakeHub
from tests.test_template_format import result_payload, template_schema_dict

REPO_ID = "test-org/results"
TEMPLATE_SCHEMA = parse_board_schema(template_schema_dict("tpl"))
KNOWN_BOARDS = {"tpl": TEMPLATE_SCHEMA}
PROJECT_SCHEMA_DICT = template_schema_dict("proj") | {"default": False}
GOOD_FILE = "org/good/results_2024-05-01T10-00-00.json"
BAD_FILE = "org/bad/results_2024-05-01T10-00-00.json"
HUGE_INTEGER = "1" + "0" * 400


def good_payload() -> bytes:
    return json.dumps(result_payload(model="org/good")).encode()


def bad_payload(acc_norm: str, extra: str = "") -> bytes:
    # Built as text so a test can place any JSON literal, such as a 401-digit integer, as the ARC value.
    return (
        '{"config": {"model_name": "org/bad", "model_sha": "s", "model_dtype": "float16"}, '
        f'"results": {{"arc:challenge": {{"acc_norm": {acc_norm}{extra}}}, "gsm8k": {{"acc": 0.5}}}}}}'
    ).encode()


def write_repo(folder: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def all_notes(boards, notes):
    return list(notes) + [note for board in boards.values() for note in board.notes]


def test_huge_integer_score_is_noted(tmp_path):
    folder = write_repo(tmp_path, {GOOD_FILE: good_payload(), BAD_FILE: bad_payload(HUGE_INTEGER)})

    boards, notes = read_results_folder(folder, KNOWN_BOARDS)

    models = boards["tpl"].models["model_id"].tolist()
    assert "org/good" in models
    results = boards["tpl"].results
    bad_arc = results[results["model_key"].str.startswith("org/bad") & (results["benchmark"] == "arc")]
    assert bad_arc.empty, "a score that overflows a float must stay missing"
    assert any(note.file == BAD_FILE and note.column == "arc" for note in all_notes(boards, notes))


def test_huge_integer_stderr_is_dropped(tmp_path):
    folder = write_repo(tmp_path, {BAD_FILE: bad_payload("0.5", extra=f', "acc_norm_stderr": {HUGE_INTEGER}')})

    boards, _ = read_results_folder(folder, KNOWN_BOARDS)

    results = boards["tpl"].results
    arc = results[results["benchmark"] == "arc"]
    assert arc["score"].tolist() == [pytest.approx(50.0)]
    assert arc["stderr"].isna().all()


def test_deeply_nested_json_is_noted():
    data = b"[" * 100_000 + b"]" * 100_000

    payload, notes = decode_result_file(data, BAD_FILE, "tpl")

    assert payload is None
    assert len(notes) == 1
    assert notes[0].file == BAD_FILE


def test_header_only_results_csv_loads(tmp_path):
    folder = write_repo(tmp_path, {
        "boards/proj.yaml": yaml.safe_dump(PROJECT_SCHEMA_DICT).encode(),
        "proj/results.csv": b"model_key,snapshot,benchmark,score\n",
    })

    boards, _ = read_results_folder(folder, {})

    if "proj" in boards:
        assert boards["proj"].results.empty


def test_list_valued_model_keys_are_noted(tmp_path):
    buffer = io.BytesIO()
    pd.DataFrame({
        "model_key": [["a"], ["b"]],
        "snapshot": ["2024-05-01", "2024-05-01"],
        "benchmark": ["arc", "arc"],
        "score": [50.0, 60.0],
    }).to_parquet(buffer)
    folder = write_repo(tmp_path, {
        "boards/proj.yaml": yaml.safe_dump(PROJECT_SCHEMA_DICT).encode(),
        "proj/results.parquet": buffer.getvalue(),
        GOOD_FILE: good_payload(),
    })

    boards, notes = read_results_folder(folder, KNOWN_BOARDS)

    assert "tpl" in boards
    assert any(note.board == "proj" for note in all_notes(boards, notes))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("notes", 5),
        ("time_axes", 5),
        ("metadata", [["precision"]]),
        ("time_axes", [["snapshot"]]),
    ],
)
def test_malformed_repo_schema_is_noted(tmp_path, field, value):
    folder = write_repo(tmp_path, {
        "boards/proj.yaml": yaml.safe_dump(PROJECT_SCHEMA_DICT | {field: value}).encode(),
        "proj/results.csv": b"model_key,snapshot,benchmark,score\norg/a,2024-05-01,arc,50\n",
        GOOD_FILE: good_payload(),
    })

    boards, notes = read_results_folder(folder, KNOWN_BOARDS)

    assert "tpl" in boards
    assert any(note.file == "boards/proj.yaml" and field in note.reason for note in notes)


@pytest.fixture
def hub(monkeypatch):
    if huggingface_hub.constants.HF_HUB_OFFLINE:
        pytest.fail("HF_HUB_OFFLINE was set when huggingface_hub was imported; unset it to test the Hub path")
    with FakeHub(REPO_ID) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        yield server


def test_refresh_survives_overflowing_file(hub, tmp_path):
    def load():
        return load_hub_dataset(REPO_ID, "hf_dummy_token_for_tests", KNOWN_BOARDS, endpoint=hub.endpoint, cache_dir=tmp_path, timeout=5)

    hub.set_files({GOOD_FILE: good_payload()})
    holder = DataHolder(load, label=f"Hub dataset {REPO_ID}")
    assert holder.refresh().stale is False

    new_sha = hub.set_files({GOOD_FILE: good_payload(), BAD_FILE: bad_payload(HUGE_INTEGER)})
    status = holder.refresh()

    assert status.stale is False
    assert holder.dataset.revision == new_sha
    assert any(note.file == BAD_FILE for note in holder.dataset.all_notes())
