"""Measure load, cold start, handler latency, page size and memory of the Leaderboard tab.

Run from the repository root:

    python benchmarks/bench_leaderboard.py [--skip-cold-start]

It prints Markdown tables; copy them into docs/benchmarks.md with the machine
they ran on. Larger boards repeat the rows of Open LLM Leaderboard v2 under
new model keys, with scores jittered by up to 0.5 points so sorting has real
work to do. The 5,000 x 40 case also repeats its benchmarks up to 40 columns.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leaderboard.embedded import load_embedded  # noqa: E402
from leaderboard.schema import Benchmark  # noqa: E402
from leaderboard.service import LeaderboardService  # noqa: E402
from leaderboard.state import LeaderboardView  # noqa: E402
from leaderboard.store import BoardData, Dataset  # noqa: E402

logger = logging.getLogger(__name__)
QUERIES = ["llama", "qwen;mistral", "3.1", "meta-llama/", "LLAMA", "", "7b", "instruct", "(", "gemma"]


class FixedHolder:
    def __init__(self, dataset: Dataset):
        self.dataset = dataset


def scaled_board(board: BoardData, models: int, benchmarks: int | None = None, seed: int = 0) -> BoardData:
    """Repeat a board's models (and optionally benchmarks) to reach the requested size."""
    rng = np.random.default_rng(seed)
    schema = board.schema
    snapshot = board.latest_snapshot
    results = board.results[board.results["snapshot"] == snapshot]
    base_keys = board.models["model_key"].tolist()
    copies = -(-models // len(base_keys))

    model_frames, result_frames = [], []
    for copy in range(copies):
        suffix = "" if copy == 0 else f"#copy{copy}"
        model_frame = board.models.copy()
        model_frame["model_key"] = model_frame["model_key"] + suffix
        model_frame["model_id"] = model_frame["model_id"] + suffix
        model_frames.append(model_frame)
        result_frame = results.copy()
        result_frame["model_key"] = result_frame["model_key"] + suffix
        if copy:
            result_frame["score"] = (result_frame["score"] + rng.uniform(-0.5, 0.5, len(result_frame))).clip(lower=0)
        result_frames.append(result_frame)
    model_table = pd.concat(model_frames, ignore_index=True).iloc[:models]
    result_table = pd.concat(result_frames, ignore_index=True)
    result_table = result_table[result_table["model_key"].isin(set(model_table["model_key"]))]

    bench_list = list(schema.benchmarks)
    if benchmarks and benchmarks > len(bench_list):
        extra_results = []
        for index in range(len(bench_list), benchmarks):
            source = schema.benchmarks[index % len(schema.benchmarks)]
            clone = replace(source, id=f"{source.id}_{index}", name=f"{source.name} {index}")
            bench_list.append(clone)
            part = result_table[result_table["benchmark"] == source.id].copy()
            part["benchmark"] = clone.id
            extra_results.append(part)
        result_table = pd.concat([result_table, *extra_results], ignore_index=True)
        schema = replace(schema, benchmarks=tuple(bench_list))
    return BoardData(schema=schema, results=result_table.reset_index(drop=True), models=model_table.reset_index(drop=True))


def handler_views(service: LeaderboardService, board_id: str, repeats: int) -> list[LeaderboardView]:
    """Return `repeats` views that change search, filters, sort direction and page, as a user would."""
    board = service.board(board_id)
    base = LeaderboardView(board=board_id, sort_by=service.default_sort(board))
    return [
        replace(
            base,
            search=QUERIES[step % len(QUERIES)],
            hide_merged=bool(step % 2),
            include_unknown_size=bool(step % 3),
            sort_descending=bool(step % 4),
            page=1 + step % 3,
        )
        for step in range(repeats)
    ]


def time_handler(service: LeaderboardService, board_id: str, repeats: int = 20) -> tuple[float, float, float]:
    """Return (median ms, p95 ms, memory growth in MB) over `repeats` search/filter changes after a warm-up.

    Timing and memory are separate passes, because tracemalloc slows every
    allocation and would inflate the timings.
    """
    views = handler_views(service, board_id, repeats)
    service.table_page(views[0])

    timings = []
    for view in views:
        began = time.perf_counter()
        service.table_page(view)
        timings.append((time.perf_counter() - began) * 1000)

    gc.collect()
    tracemalloc.start()
    start_memory = tracemalloc.get_traced_memory()[0]
    for view in views:
        service.table_page(view)
    gc.collect()
    growth = (tracemalloc.get_traced_memory()[0] - start_memory) / 1e6
    tracemalloc.stop()

    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))], growth


def measure_handlers() -> list[tuple]:
    began = time.perf_counter()
    dataset = load_embedded()
    load_ms = (time.perf_counter() - began) * 1000
    print(f"\nEmbedded data load (all {len(dataset.boards)} boards, parse and validate): {load_ms:.0f} ms\n")

    real = dataset.boards["open_llm_v2"]
    cases = [
        ("open_llm_v2 (real)", real),
        ("5,000 x 40 benchmarks", scaled_board(real, 5_000, 40)),
        ("10,000 models", scaled_board(real, 10_000)),
        ("100,000 models", scaled_board(real, 100_000)),
    ]
    rows = []
    for label, board in cases:
        holder = FixedHolder(Dataset(boards={"open_llm_v2": board}, revision="bench", source="bench"))
        service = LeaderboardService(holder)
        began = time.perf_counter()
        service.frame("open_llm_v2", None, False, False)
        build_ms = (time.perf_counter() - began) * 1000
        median, p95, growth = time_handler(service, "open_llm_v2")
        first = service.table_page(handler_views(service, "open_llm_v2", 1)[0])
        payload_kb = len(json.dumps(first.table.component_value(), default=str)) / 1024
        rows.append((label, len(board.models), len(board.schema.benchmarks), build_ms, median, p95, growth, payload_kb))
    return rows


def measure_cold_start() -> tuple[float, float, int]:
    """Return (seconds for `import gradio`, seconds until the app serves `/`, bytes of the first page's config)."""
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", GRADIO_SERVER_PORT="7931", REFRESH_MINUTES="0")
    env.pop("RESULTS_REPO", None)

    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gradio"], check=True, env=env)
    import_seconds = time.perf_counter() - began

    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - began < 120:
            try:
                with urllib.request.urlopen("http://127.0.0.1:7931/", timeout=1) as response:
                    response.read()
                break
            except OSError:
                time.sleep(0.05)
        serve_seconds = time.perf_counter() - began
        with urllib.request.urlopen("http://127.0.0.1:7931/config", timeout=10) as response:
            config_bytes = len(response.read())
        # The config contains the page with empty tables; the first table page arrives
        # through the load event, and its size is measured per board size below.
    finally:
        process.terminate()
        process.wait(timeout=30)
    return import_seconds, serve_seconds, config_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold-start", action="store_true", help="skip launching app.py in a subprocess")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    if not args.skip_cold_start:
        # Medians of three runs: a single start varies by a second with other load on the machine.
        runs = [measure_cold_start() for _ in range(3)]
        import_seconds = statistics.median(r[0] for r in runs)
        serve_seconds = statistics.median(r[1] for r in runs)
        config_bytes = runs[-1][2]
        print("| measure | value |\n|---|---|")
        print(f"| `import gradio` in a fresh process (median of 3) | {import_seconds:.2f} s |")
        print(f"| `python app.py` until `/` is served (median of 3) | {serve_seconds:.2f} s |")
        print(f"| difference (target: under 1 s) | {serve_seconds - import_seconds:.2f} s |")
        print(f"| `/config` size (the initial page's data) | {config_bytes / 1024:.0f} KB |")

    rows = measure_handlers()
    print("| board | models | benchmarks | frame build (ms, once per revision) | handler median (ms) | handler p95 (ms) "
          "| memory growth over 20 changes (MB) | first table page (KB) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, models, benchmarks, build_ms, median, p95, growth, payload_kb in rows:
        print(f"| {label} | {models:,} | {benchmarks} | {build_ms:.0f} | {median:.1f} | {p95:.1f} | {growth:+.2f} | {payload_kb:.0f} |")


if __name__ == "__main__":
    main()
