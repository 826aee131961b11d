"""The committed embedded data: every board loads, and a broken board is skipped with a note."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from leaderboard.embedded import DATA_DIR, load_embedded

REPO_ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = REPO_ROOT.parent / "shared" / "data"
BOARD_IDS = {"open_llm_v2", "open_llm_v1", "lmarena_text", "mteb_en", "gue", "dnafm_feng2024", "dnafm_feng2025", "livebench", "epoch"}


@pytest.fixture(scope="module")
def dataset():
    return load_embedded()


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR / "boards", target / "boards")
    shutil.copytree(DATA_DIR / "embedded", target / "embedded")
    return target


def test_embedded_loads_every_board(dataset):
    assert set(dataset.boards) == BOARD_IDS
    assert dataset.notes == []


@pytest.mark.parametrize("board_id", sorted(BOARD_IDS))
def test_embedded_board_has_results(dataset, board_id):
    board = dataset.boards[board_id]
    assert len(board.results) > 0
    assert len(board.models) > 0
    assert board.notes == []
    assert board.latest_snapshot is not None


def test_embedded_default_board(dataset):
    assert dataset.default_board == "open_llm_v2"


def test_embedded_revision_stable(dataset):
    assert load_embedded().revision == dataset.revision


def test_embedded_revision_follows_content(data_copy, dataset):
    schema = data_copy / "boards" / "gue.yaml"
    schema.write_text(schema.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_embedded(data_copy).revision != dataset.revision


def test_embedded_broken_schema_skipped(data_copy):
    schema = data_copy / "boards" / "lmarena_text.yaml"
    text = schema.read_text(encoding="utf-8").replace("higher_is_better: true", "higher_is_better: maybe")
    schema.write_text(text, encoding="utf-8")

    loaded = load_embedded(data_copy)

    assert set(loaded.boards) == BOARD_IDS - {"lmarena_text"}
    assert [note.board for note in loaded.notes] == ["lmarena_text"]
    assert "higher_is_better" in loaded.notes[0].reason


def test_embedded_invalid_yaml_skipped(data_copy):
    (data_copy / "boards" / "epoch.yaml").write_text("id: epoch\nbenchmarks: [unclosed\n", encoding="utf-8")

    loaded = load_embedded(data_copy)

    assert set(loaded.boards) == BOARD_IDS - {"epoch"}
    assert len(loaded.notes) == 1
    assert "not valid YAML" in loaded.notes[0].reason


def test_embedded_missing_table_skipped(data_copy):
    (data_copy / "embedded" / "gue" / "results.parquet").unlink()

    loaded = load_embedded(data_copy)

    assert "gue" not in loaded.boards
    assert len(loaded.boards) == len(BOARD_IDS) - 1
    assert loaded.notes[0].board == "gue"


@pytest.mark.skipif(not RAW_DIR.is_dir(), reason=f"raw data folder {RAW_DIR} not found")
def test_embedded_files_match_rebuild(tmp_path):
    spec = importlib.util.spec_from_file_location("build_embedded", REPO_ROOT / "scripts" / "build_embedded.py")
    build_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_script)

    target = tmp_path / "data"
    shutil.copytree(DATA_DIR / "boards", target / "boards")
    assert build_script.main([str(RAW_DIR), "--data-dir", str(target)]) == 0

    for committed in sorted((DATA_DIR / "embedded").rglob("*.parquet")):
        rebuilt = target / "embedded" / committed.relative_to(DATA_DIR / "embedded")
        assert rebuilt.read_bytes() == committed.read_bytes(), f"{committed} is stale; run scripts/build_embedded.py"
