"""Converters from the raw public files, checked against the real files.

The raw files live outside the repository (`../shared/data` from the repo
root); every test here is skipped when that folder is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leaderboard.convert import arena, epoch, genomic, livebench, mteb, open_llm_v1, open_llm_v2
from leaderboard.schema import load_board_schema
from leaderboard.store import build_board

REPO_ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = REPO_ROOT.parent / "shared" / "data"
BOARDS_DIR = REPO_ROOT / "data" / "boards"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

pytestmark = pytest.mark.skipif(not RAW_DIR.is_dir(), reason=f"raw data folder {RAW_DIR} not found")


@pytest.fixture(scope="module")
def boards():
    converted = [
        open_llm_v2.convert(RAW_DIR),
        open_llm_v1.convert(RAW_DIR),
        arena.convert(RAW_DIR),
        mteb.convert(RAW_DIR),
        *genomic.convert(RAW_DIR),
        livebench.convert(RAW_DIR),
        epoch.convert(RAW_DIR),
    ]
    return {board.board_id: board for board in converted}


BOARD_IDS = ["open_llm_v2", "open_llm_v1", "lmarena_text", "mteb_en", "gue", "dnafm_feng2024", "dnafm_feng2025", "livebench", "epoch"]


# Checks shared by every board.

@pytest.mark.parametrize("board_id", BOARD_IDS)
def test_board_has_no_missing_scores(boards, board_id):
    assert boards[board_id].results["score"].notna().all()


@pytest.mark.parametrize("board_id", BOARD_IDS)
def test_board_matches_schema_benchmarks(boards, board_id):
    schema = load_board_schema(BOARDS_DIR / f"{board_id}.yaml")
    present = set(boards[board_id].results["benchmark"])
    assert present == set(schema.benchmark_ids)


@pytest.mark.parametrize("board_id", BOARD_IDS)
def test_board_validates_without_notes(boards, board_id):
    converted = boards[board_id]
    schema = load_board_schema(BOARDS_DIR / f"{board_id}.yaml")
    built = build_board(schema, converted.results, converted.models, file="test")
    assert built.notes == []
    assert len(built.results) == len(converted.results)


@pytest.mark.parametrize("board_id", BOARD_IDS)
def test_board_keys_consistent(boards, board_id):
    converted = boards[board_id]
    assert converted.models["model_key"].is_unique
    assert set(converted.results["model_key"]) == set(converted.models["model_key"])
    assert not converted.results.duplicated(["model_key", "snapshot", "benchmark"]).any()


@pytest.mark.parametrize("board_id", BOARD_IDS)
def test_board_snapshots_are_iso_dates(boards, board_id):
    assert boards[board_id].results["snapshot"].str.match(DATE).all()


@pytest.mark.parametrize("board_id", ["open_llm_v2", "open_llm_v1", "epoch"])
def test_board_metadata_dates_are_iso(boards, board_id):
    models = boards[board_id].models
    for column in ("submission_date", "upload_date", "release_date"):
        if column in models:
            assert models[column].dropna().str.match(DATE).all(), column


# Open LLM Leaderboard v2.

def test_v2_counts(boards):
    board = boards["open_llm_v2"]
    assert len(board.models) == 2674
    assert len(board.results) == 2674 * 6
    assert set(board.results["snapshot"]) == {"2025-03-21"}


def test_v2_raw_scores_kept(boards):
    results = boards["open_llm_v2"].results
    assert results["score_raw"].notna().all()
    gpqa = results[results["benchmark"] == "gpqa"]
    expected = np.clip((gpqa["score_raw"] - 0.25) / 0.75 * 100, 0, None)
    assert np.allclose(gpqa["score"], expected, atol=1e-9)


def test_v2_unknown_params_missing(boards):
    models = boards["open_llm_v2"].models
    assert models["params_b"].isna().sum() == 10
    assert (models["params_b"].dropna() > 0).all()


def test_v2_available_on_hub_inverted(boards):
    models = boards["open_llm_v2"].models
    assert int(models["available_on_hub"].sum()) == 2004
    assert models.loc[models["official_provider"], "available_on_hub"].all()


def test_v2_key_format(boards):
    key = "01-ai/Yi-1.5-34B@4b486f81c935a2dadde84c6baa1e1370d40a098f:bfloat16"
    assert key in set(boards["open_llm_v2"].models["model_key"])


def test_v2_keys_add_chat_flag_on_collision():
    frame = pd.DataFrame({
        "model_name": ["org/a", "org/a", "org/b"],
        "model_sha": ["abc", "abc", None],
        "model_precision": ["bfloat16", "bfloat16", "float16"],
        "model_has_chat_template": [True, False, False],
    })
    keys, with_chat = open_llm_v2.build_keys(frame)
    assert with_chat
    assert keys.tolist() == ["org/a@abc:bfloat16#chat", "org/a@abc:bfloat16#nochat", "org/b:float16"]


# Open LLM Leaderboard v1.

def test_v1_counts(boards):
    board = boards["open_llm_v1"]
    assert len(board.models) == 7169
    assert len(board.results) == 7169 * 6


def test_v1_flagged_rows(boards):
    models = boards["open_llm_v1"].models
    assert int(models["flagged"].sum()) == 109
    assert models.loc[models["flagged"], "model_id"].nunique() == 101


def test_v1_flag_url_rules(boards):
    models = boards["open_llm_v1"].models
    urls = models.groupby("model_id")["flag_url"].first()
    assert urls["gagan3012/MetaModelv2"].endswith("/discussions/510")
    assert pd.isna(urls["berkeley-nest/Starling-LM-7B-alpha"])
    assert int(models["flag_url"].notna().sum()) == 107


def test_v1_gsm8k_zeros_kept(boards):
    results = boards["open_llm_v1"].results
    gsm8k = results[results["benchmark"] == "gsm8k"]
    assert int((gsm8k["score"] == 0).sum()) == 582


def test_v1_zero_params_missing(boards):
    models = boards["open_llm_v1"].models
    assert int(models["params_b"].isna().sum()) == 624
    assert not (models["params_b"] == 0).any()


def test_v1_submission_date_formats(boards):
    models = boards["open_llm_v1"].models
    assert int(models["submission_date"].isna().sum()) == 25
    naive = models[models["model_key"].str.startswith("gpt2")]
    assert "2023-07-19" in set(naive["submission_date"])
    assert (models["submission_date"] == "2023-09-15").sum() >= 5


def test_v1_id_without_organisation(boards):
    models = boards["open_llm_v1"].models
    gpt2 = models[models["model_id"] == "gpt2"]
    assert len(gpt2) == 2
    assert gpt2["organization"].isna().all()


# LMArena.

def test_arena_spellings_share_key(boards):
    board = boards["lmarena_text"]
    assert len(board.models) == 235
    key = board.models.loc[board.models["model_key"] == "gemma-2-9b-it"]
    assert len(key) == 1
    assert key["model_id"].item() == "Gemma-2-9B-it"
    history = board.results[board.results["model_key"] == "gemma-2-9b-it"]
    assert history["snapshot"].is_unique
    assert len(history) > 1


def test_arena_ci_bounds_absolute():
    low, high = arena.parse_ci(pd.Series(["+3/-4", "+10/-9", "n/a"]), pd.Series([1200.0, 1000.0, 900.0]))
    assert low.tolist()[:2] == [1196.0, 991.0]
    assert high.tolist()[:2] == [1203.0, 1010.0]
    assert np.isnan(low.iloc[2])
    assert np.isnan(high.iloc[2])


def test_arena_votes_as_samples(boards):
    results = boards["lmarena_text"].results
    first = results[(results["model_key"] == "gpt-4o-2024-05-13") & (results["snapshot"] == "2024-06-19")].iloc[0]
    assert first["score"] == 1287
    assert first["n_samples"] == 42046
    assert (first["ci_low"], first["ci_high"]) == (1284, 1290)


def test_arena_licenses_folded(boards):
    licenses = set(boards["lmarena_text"].models["license"].dropna())
    assert "Apache-2.0" in licenses
    assert "Apache 2.0" not in licenses
    assert "Propretary" not in licenses


# MTEB.

def test_mteb_keys_unique_per_snapshot(boards):
    results = boards["mteb_en"].results
    per_snapshot = results.drop_duplicates(["snapshot", "model_key"])
    assert not per_snapshot.duplicated(["snapshot", "model_key"]).any()
    keys = set(boards["mteb_en"].models["model_key"])
    assert {"BAAI/bge-en-icl", "starsy/bge-en-icl"} <= keys
    assert "nomic-ai/nomic-embed-text-v1.5#nomic-embed-text-v1.5-256" in keys
    assert "text-embedding-3-large@openai.com" in keys


def test_mteb_weights_match_column_names():
    schema = load_board_schema(BOARDS_DIR / "mteb_en.yaml")
    header = pd.read_csv(RAW_DIR / mteb.FOLDER / mteb.FILE, nrows=0).columns.tolist()
    counts = {bench: count for bench, count in mteb.category_columns(header).values()}
    assert {b.id: int(b.weight) for b in schema.benchmarks} == counts
    assert sum(counts.values()) == 56


def test_mteb_weighted_mean_reproduces_average(boards):
    raw = pd.read_csv(RAW_DIR / mteb.FOLDER / mteb.FILE)
    columns = mteb.category_columns(raw.columns.tolist())
    weights = np.array([count for _, count in columns.values()])
    weighted = (raw[list(columns)].to_numpy() * weights).sum(axis=1) / weights.sum()
    published = raw["Average (56 datasets)"].to_numpy()
    both = ~np.isnan(weighted) & ~np.isnan(published)
    assert both.sum() > 900
    assert np.abs(weighted[both] - published[both]).max() < 0.01


def test_mteb_params_in_billions(boards):
    models = boards["mteb_en"].models.set_index("model_key")
    assert models.loc["BAAI/bge-en-icl", "params_b"] == pytest.approx(7.111)


# LiveBench.

def test_livebench_counts(boards):
    board = boards["livebench"]
    assert len(board.results) == 8289
    assert len(board.models) == 231
    assert board.results["snapshot"].nunique() == 7


def test_livebench_alias_kept(boards):
    keys = set(boards["livebench"].models["model_key"])
    assert "chatgpt-4o-latest" in keys
    notes = " ".join(n.reason for n in boards["livebench"].notes)
    assert "moving aliases" in notes


# Epoch AI.

def test_epoch_composite_marked():
    schema = load_board_schema(BOARDS_DIR / "epoch.yaml")
    composites = [b.id for b in schema.benchmarks if b.composite]
    assert composites == ["epoch_capabilities_index"]


def test_epoch_duplicates_keep_highest(boards):
    results = boards["epoch"].results
    row = results[(results["benchmark"] == "arc_ai2_external") & (results["model_key"] == "LLaMA-65B")]
    assert row["score"].tolist() == [0.695]
    raw = pd.read_csv(RAW_DIR / epoch.FOLDER / epoch.FILE)
    scored = raw.dropna(subset=["model_version", "score"])
    assert len(results) == scored.drop_duplicates(["benchmark", "model_version"]).shape[0]


def test_epoch_versionless_rows_skipped(boards):
    assert boards["epoch"].results["model_key"].notna().all()
    assert len(boards["epoch"].models) == 410


@pytest.mark.parametrize(("text", "expected"), [
    ("5", "5"), ("5.0", "5"), ("5-shot", "5"), ("0\n", "0"), ("few", "few"), (None, None), ("n/a", None),
])
def test_epoch_parse_shots(text, expected):
    assert epoch.parse_shots(text) == expected


# Genomic suites.

def test_genomic_suites_separate(boards):
    assert len(boards["gue"].results) == 280
    assert len(boards["dnafm_feng2024"].results) == 57 * 6
    assert len(boards["dnafm_feng2025"].results) == 52 * 5
    shared = set(boards["gue"].models["model_key"]) & set(boards["dnafm_feng2025"].models["model_key"])
    assert shared == {"dnabert-2"}


def test_genomic_feng2024_auc_only(boards):
    results = boards["dnafm_feng2024"].results
    assert results["score"].between(0, 1).all()
    row = results[(results["benchmark"] == "mouse_4") & (results["model_key"] == "nt-v2-500m-multi-species-mean-pooling")]
    assert row["score"].tolist() == [pytest.approx(0.6820904715812559)]


def test_genomic_gue_scale(boards):
    results = boards["gue"].results
    row = results[(results["benchmark"] == "tf/3") & (results["model_key"] == "nt-500m-1000g")]
    assert row["score"].tolist() == [45.24]
