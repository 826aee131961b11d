"""Tests of the Hub data path against `tests.fake_hub`, a local HTTP server.

Every call passes `endpoint=` explicitly, because huggingface_hub reads
HF_ENDPOINT once at import; the fixture also sets HF_ENDPOINT so nothing can
fall back to huggingface.co. The token is a dummy.
"""

import io
import json
import threading
from datetime import datetime, timezone
from types import SimpleNamespace

import huggingface_hub.constants
import pandas as pd
import pytest
import yaml

from leaderboard.hub import HubLoadError, load_hub_dataset
from leaderboard.refresh import DataHolder, build_data_holder, escape_markdown, status_markdown
from leaderboard.schema import parse_board_schema
from leaderboard.store import Dataset, build_board
from tests.fake_hub import FakeHub
from tests.test_template_format import result_payload, template_schema_dict

REPO_ID = "test-org/results"
TOKEN = "hf_dummy_token_for_tests"
TEMPLATE_SCHEMA = parse_board_schema(template_schema_dict("tpl"))
PROJECT_SCHEMA_DICT = template_schema_dict("proj") | {"default": False}
PROJECT_SCHEMA = parse_board_schema(PROJECT_SCHEMA_DICT)
KNOWN_BOARDS = {"tpl": TEMPLATE_SCHEMA}


@pytest.fixture
def hub(monkeypatch):
    if huggingface_hub.constants.HF_HUB_OFFLINE:
        pytest.fail("HF_HUB_OFFLINE was set when huggingface_hub was imported; unset it to test the Hub path")
    with FakeHub(REPO_ID) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        yield server


def load(hub, cache_dir, **kwargs):
    return load_hub_dataset(REPO_ID, TOKEN, KNOWN_BOARDS, endpoint=hub.endpoint, cache_dir=cache_dir, timeout=5, **kwargs)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def project_files(table_format="csv") -> dict[str, bytes]:
    results = pd.DataFrame({
        "model_key": ["org/a", "org/a", "org/b"],
        "snapshot": ["2024-05-01"] * 3,
        "benchmark": ["arc", "gsm8k", "arc"],
        "score": [61.0, 42.0, 55.5],
    })
    models = pd.DataFrame({"model_key": ["org/a", "org/b"], "model_id": ["org/a", "org/b"], "precision": ["float16", "bfloat16"]})
    encode = csv_bytes if table_format == "csv" else parquet_bytes
    return {
        "boards/proj.yaml": yaml.safe_dump(PROJECT_SCHEMA_DICT).encode(),
        f"proj/results.{table_format}": encode(results),
        f"proj/models.{table_format}": encode(models),
        "README.md": b"# results\n",
    }


def template_files(count: int) -> dict[str, bytes]:
    files = {}
    for index in range(count):
        model = f"org/model-{index:03d}"
        payload = result_payload(model=model, results={
            "arc:challenge": {"acc_norm": 0.30 + index / 100},
            "gsm8k": {"acc": 0.10 + index / 200},
        })
        files[f"{model}/results_2024-05-01T10-00-00.json"] = json.dumps(payload).encode()
    return files


@pytest.mark.parametrize("table_format", ["csv", "parquet"])
def test_project_layout_loads(hub, tmp_path, table_format):
    hub.set_files(project_files(table_format))
    dataset = load(hub, tmp_path)
    assert dataset.revision == hub.sha
    assert dataset.source == f"hub:{REPO_ID}@{hub.sha}"
    assert list(dataset.boards) == ["proj"]
    board = dataset.boards["proj"]
    assert len(board.results) == 3
    assert sorted(board.models["model_key"]) == ["org/a", "org/b"]
    assert board.schema.title == "Template test board"


def test_project_board_without_schema_skipped(hub, tmp_path):
    files = project_files()
    del files["boards/proj.yaml"]
    files.update(template_files(1))
    hub.set_files(files)
    dataset = load(hub, tmp_path)
    assert list(dataset.boards) == ["tpl"]
    assert any("no schema for board 'proj'" in note.reason for note in dataset.notes)


def test_template_layout_three_models(hub, tmp_path):
    hub.set_files(template_files(3) | {"README.md": b"x"})
    dataset = load(hub, tmp_path)
    board = dataset.boards["tpl"]
    assert dataset.revision == hub.sha
    assert sorted(board.models["model_id"]) == ["org/model-000", "org/model-001", "org/model-002"]
    assert len(board.results) == 6
    assert dataset.all_notes() == []


def test_template_board_from_config_key(hub, tmp_path):
    payload = result_payload(model="org/other", board="tpl2")
    hub.set_files(template_files(2) | {"org/other/results_2024-05-01.json": json.dumps(payload).encode()})
    boards = KNOWN_BOARDS | {"tpl2": parse_board_schema(template_schema_dict("tpl2"))}
    dataset = load_hub_dataset(REPO_ID, TOKEN, boards, endpoint=hub.endpoint, cache_dir=tmp_path, timeout=5)
    assert sorted(dataset.boards) == ["tpl", "tpl2"]
    assert dataset.boards["tpl2"].models["model_id"].tolist() == ["org/other"]


def test_template_results_board_argument(hub, tmp_path):
    hub.set_files(template_files(2))
    boards = {"tpl": TEMPLATE_SCHEMA, "tpl2": parse_board_schema(template_schema_dict("tpl2") | {"default": False})}
    dataset = load_hub_dataset(REPO_ID, TOKEN, boards, endpoint=hub.endpoint, cache_dir=tmp_path, timeout=5, results_board="tpl2")
    assert list(dataset.boards) == ["tpl2"]


def test_template_missing_cells_noted_by_file(hub, tmp_path):
    files = template_files(3)
    bad = {
        "org/model-000/results_2024-05-01T10-00-00.json": {"gsm8k": {"acc": 0.2}},
        "org/model-001/results_2024-05-01T10-00-00.json": {"arc:challenge": {"acc_norm": None}, "gsm8k": {"acc": 0.2}},
        "org/model-002/results_2024-05-01T10-00-00.json": {"arc:challenge": {"acc": 0.5}, "gsm8k": {"acc": 0.2}},
    }
    for path, results in bad.items():
        files[path] = json.dumps(result_payload(model=path.rsplit("/", 1)[0], results=results)).encode()
    hub.set_files(files)
    board = load(hub, tmp_path).boards["tpl"]

    assert set(board.results["benchmark"]) == {"gsm8k"}
    assert (board.results["score"] > 0).all()
    notes_by_file = {note.file: note for note in board.notes}
    assert sorted(notes_by_file) == sorted(bad)
    assert "'arc:challenge'" in notes_by_file["org/model-000/results_2024-05-01T10-00-00.json"].reason
    assert "null" in notes_by_file["org/model-001/results_2024-05-01T10-00-00.json"].reason
    assert "'acc_norm'" in notes_by_file["org/model-002/results_2024-05-01T10-00-00.json"].reason


def test_malformed_json_skipped_others_load(hub, tmp_path):
    hub.set_files(template_files(3) | {"org/broken/results_2024-05-01.json": b'{"config": {"model_name": '})
    dataset = load(hub, tmp_path)
    assert len(dataset.boards["tpl"].models) == 3
    notes = [note for note in dataset.all_notes() if note.file == "org/broken/results_2024-05-01.json"]
    assert len(notes) == 1
    assert "malformed JSON" in notes[0].reason


def test_repo_without_boards_raises(hub, tmp_path):
    hub.set_files({"README.md": b"nothing here"})
    with pytest.raises(HubLoadError, match="no readable board"):
        load(hub, tmp_path)


def test_missing_repo_raises(hub, tmp_path):
    with pytest.raises(HubLoadError, match="RepositoryNotFoundError"):
        load_hub_dataset("test-org/absent", TOKEN, KNOWN_BOARDS, endpoint=hub.endpoint, cache_dir=tmp_path, timeout=5)


def test_request_count_constant_per_model(hub, tmp_path):
    # API requests: one revision lookup and one recursive tree listing, whatever the
    # number of files. File requests: a HEAD and a GET per file not yet cached.
    counts = {}
    for count in (3, 30):
        hub.set_files(template_files(count))
        hub.clear_requests()
        load(hub, tmp_path / str(count))
        counts[count] = (len(hub.api_requests()), len(hub.file_requests()))
    assert counts[3][0] == counts[30][0] == 2
    assert counts[3][1] == 2 * 3
    assert counts[30][1] == 2 * 30
    assert [r.path.split("/")[5] for r in hub.api_requests()] == ["revision", "tree"]


def test_reload_same_commit_downloads_nothing(hub, tmp_path):
    hub.set_files(template_files(5))
    load(hub, tmp_path)
    hub.clear_requests()
    dataset = load(hub, tmp_path)
    assert dataset.revision == hub.sha
    assert hub.file_requests() == []
    assert len(hub.api_requests()) == 1


def fixed_clock():
    return datetime(2024, 5, 1, 12, 3, tzinfo=timezone.utc)


def test_holder_keeps_last_good_on_500(hub, tmp_path):
    hub.set_files(template_files(3))
    holder = DataHolder(lambda: load(hub, tmp_path), label=f"Hub dataset {REPO_ID}", clock=fixed_clock)
    assert holder.refresh().stale is False
    good_sha = hub.sha
    good = holder.dataset

    hub.set_files(template_files(4))
    hub.outage = "500"
    status = holder.refresh()

    assert holder.dataset is good
    assert holder.dataset.revision == good_sha
    assert status.stale is True
    assert status.revision == good_sha
    assert "500" in status.last_error
    assert status.last_error_at == fixed_clock()
    assert status.last_success_at == fixed_clock()
    assert status.message.startswith(f"Refresh from Hub dataset {REPO_ID} failed at 2024-05-01 12:03 UTC (")
    assert f"showing revision {good_sha[:7]} of {REPO_ID}" in status.message


def test_holder_keeps_last_good_on_closed_connection(hub, tmp_path):
    hub.set_files(template_files(2))
    holder = DataHolder(lambda: load(hub, tmp_path), label="Hub")
    holder.refresh()
    good_sha = hub.sha
    hub.outage = "close"
    status = holder.refresh()
    assert status.stale is True
    assert holder.dataset.revision == good_sha
    assert "RemoteProtocolError" in status.last_error


def test_holder_picks_up_new_commit(hub, tmp_path):
    hub.set_files(template_files(2))
    holder = DataHolder(lambda: load(hub, tmp_path), label="Hub")
    holder.refresh()
    first_sha = holder.dataset.revision

    hub.outage = "500"
    assert holder.refresh().stale is True
    hub.outage = None
    new_sha = hub.set_files(template_files(5))
    status = holder.refresh()

    assert new_sha != first_sha
    assert holder.dataset.revision == new_sha
    assert len(holder.dataset.boards["tpl"].models) == 5
    assert status.stale is False
    assert status.last_error is None


def test_holder_same_commit_keeps_object(hub, tmp_path):
    hub.set_files(template_files(2))
    holder = DataHolder(lambda: load(hub, tmp_path), label="Hub")
    holder.refresh()
    first = holder.dataset
    status = holder.refresh()
    assert holder.dataset is first
    assert "unchanged" in status.message


def test_holder_one_refresh_at_a_time():
    started = threading.Event()
    release = threading.Event()
    calls = []

    def slow_loader():
        calls.append(1)
        started.set()
        release.wait(timeout=10)
        return embedded_dataset()

    holder = DataHolder(slow_loader, label="slow source")
    worker = threading.Thread(target=holder.refresh)
    worker.start()
    assert started.wait(timeout=10)
    status = holder.refresh()
    dataset_during_refresh = holder.dataset
    release.set()
    worker.join(timeout=10)

    assert dataset_during_refresh is None

    assert len(calls) == 1
    assert status.message == "No data loaded yet from slow source."
    assert holder.dataset is not None


def test_holder_unexpected_error_propagates():
    def broken_loader():
        raise KeyError("bug")

    holder = DataHolder(broken_loader)
    with pytest.raises(KeyError):
        holder.refresh()
    assert holder._refresh_lock.locked() is False


def embedded_dataset() -> Dataset:
    results = pd.DataFrame({"model_key": ["m"], "snapshot": ["2024-01-01"], "benchmark": ["arc"], "score": [50.0]})
    board = build_board(TEMPLATE_SCHEMA, results, pd.DataFrame({"model_key": ["m"]}), file="embedded")
    return Dataset(boards={"tpl": board}, revision="0123456789ab", source="embedded")


def settings_for(hub, repo_id=REPO_ID):
    return SimpleNamespace(
        results_repo=repo_id,
        results_revision="main",
        results_board="tpl",
        hf_token=TOKEN,
        hf_endpoint=hub.endpoint,
        hub_timeout_seconds=5.0,
    )


def test_build_holder_loads_hub(hub, tmp_path):
    hub.set_files(template_files(3))
    holder = build_data_holder(settings_for(hub), load_embedded_data=embedded_dataset, cache_dir=tmp_path)
    assert holder.dataset.revision == hub.sha
    assert holder.status.stale is False
    assert status_markdown(holder).startswith(f"Showing revision {hub.sha[:7]} of test-org/results")


def test_build_holder_falls_back_to_embedded(hub, tmp_path):
    holder = build_data_holder(settings_for(hub, repo_id="test-org/absent"), load_embedded_data=embedded_dataset, cache_dir=tmp_path)
    assert holder.dataset.source == "embedded"
    assert holder.status.stale is True
    assert "RepositoryNotFoundError" in holder.status.last_error
    assert "showing embedded data revision 0123456789ab" in holder.status.message
    assert status_markdown(holder).startswith("**Stale data:** Refresh from Hub dataset test-org/absent failed")


def test_build_holder_without_repo_uses_embedded():
    settings = SimpleNamespace(results_repo=None)
    holder = build_data_holder(settings, load_embedded_data=embedded_dataset)
    assert holder.dataset.source == "embedded"
    assert holder.status.stale is False
    assert holder.refresh().stale is False


def test_status_markdown_escapes_text():
    assert escape_markdown("<b>x</b> *y* [z](u) a_b & `c`") == r"&lt;b&gt;x&lt;/b&gt; \*y\* \[z\](u) a\_b &amp; \`c\`"
