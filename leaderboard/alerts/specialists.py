"""Specialist models, exempt from the residual rule on their specialty.

A math model far above its general level on a math benchmark is doing what
it was built for, not gaming. A model is a specialist when it is declared one
(its `model_type`, or a `tags` column where a board has one, names a
specialty) or detected from its name (a word such as "Math" or "Coder").

`SPECIALTIES` maps each specialty to the name words that mark it and to the
benchmark categories (`Benchmark.category` in the board schema) it covers. A
benchmark also matches when its id contains one of `id_words`, so GSM8K
counts as math even on a board that files it under another category. A name
word matches a whole word of the model name, split at non-letters and at
lower-to-upper case changes ("WizardMath" -> "Wizard", "Math"), or the start
of one for `prefix` specialties ("mathstral", "codegemma"). "Med" matches
only as a whole word, so "Medium" is no medical model.
"""

from __future__ import annotations

import re

import pandas as pd

from leaderboard.store import BoardData

SPECIALTIES = {
    "math": {
        "words": ("math", "mathstral", "metamath", "wizardmath", "deepseekmath", "numina"),
        "prefix": True,
        "categories": ("math", "mathematics"),
        "id_words": ("math", "gsm"),
    },
    "code": {
        "words": ("code", "coder", "coding", "starcoder", "codellama", "codegemma", "codestral", "codeqwen"),
        "prefix": True,
        "categories": ("code", "coding", "programming"),
        "id_words": ("humaneval", "mbpp", "code"),
    },
    "medical": {
        "words": ("med", "medical", "medicine", "meditron", "biomistral", "clinical"),
        "prefix": False,
        "categories": ("medical", "medicine", "biomedical", "health"),
        "id_words": ("med",),
    },
    # Instruction tuning targets instruction following by design: a chat or
    # instruct model far above its general level on IFEval is doing what it was
    # trained for (on Open LLM Leaderboard v2 these cells topped the residuals).
    "instruction": {
        "words": ("instruct", "instruction", "chat", "it", "tulu", "sft", "dpo", "orpo", "rlhf"),
        "prefix": False,
        "categories": ("instruction following",),
        "id_words": ("ifeval",),
    },
    "law": {
        "words": ("law", "legal", "saul"),
        "prefix": False,
        "categories": ("law", "legal"),
        "id_words": ("legal",),
    },
}

_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def name_words(name: str) -> list[str]:
    """Split a model name into lower-case words at non-letters and case changes ("Qwen2.5-Math-7B" -> qwen, math, b)."""
    return [word.lower() for word in _WORD.findall(name)]


def _specialty_in_words(words: list[str], specialty: str) -> str | None:
    spec = SPECIALTIES[specialty]
    for word in words:
        for keyword in spec["words"]:
            if word == keyword or (spec["prefix"] and word.startswith(keyword)):
                return word
    return None


def model_specialties(board: BoardData) -> dict[str, dict[str, str]]:
    """Map each specialist's model key to {specialty: reason}.

    Declared specialties (model type, tags) come first; a name word is used
    only when no declaration names that specialty.
    """
    models = board.models.set_index("model_key")
    found: dict[str, dict[str, str]] = {}
    declared_columns = [c for c in ("model_type", "tags") if c in models.columns]

    for key, row in models.iterrows():
        reasons = {}
        for column in declared_columns:
            value = row[column]
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                continue
            text = " ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
            words = name_words(text)
            for specialty in SPECIALTIES:
                if specialty not in reasons and _specialty_in_words(words, specialty):
                    reasons[specialty] = f"declared {specialty} specialist ({column} '{text}')"
        name = str(row["model_id"]).split("/")[-1]
        words = name_words(name)
        for specialty in SPECIALTIES:
            word = _specialty_in_words(words, specialty)
            if specialty not in reasons and word:
                reasons[specialty] = f"{specialty} specialist detected from its name '{name}' (word '{word}')"
        if reasons:
            found[key] = reasons
    return found


def specialty_benchmarks(board: BoardData, benchmarks: list[str]) -> dict[str, list[str]]:
    """Map each specialty to the benchmarks among `benchmarks` that it covers (by category or id word)."""
    covered = {}
    for specialty, spec in SPECIALTIES.items():
        matches = []
        for bench_id in benchmarks:
            bench = board.schema.benchmark(bench_id)
            category = bench.category.strip().lower()
            if category in spec["categories"] or any(word in bench_id.lower() for word in spec["id_words"]):
                matches.append(bench_id)
        covered[specialty] = matches
    return covered


def specialty_exemptions(board: BoardData, benchmarks: list[str]) -> dict[tuple[str, str], str]:
    """Map each exempt (model_key, benchmark) cell to the reason shown with its finding."""
    covered = specialty_benchmarks(board, benchmarks)
    exemptions = {}
    for key, reasons in model_specialties(board).items():
        for specialty, reason in reasons.items():
            for bench_id in covered[specialty]:
                bench = board.schema.benchmark(bench_id)
                label = f"category '{bench.category}'" if bench.category else f"id '{bench_id}'"
                exemptions[(key, bench_id)] = f"{reason}; {bench.name} is a {specialty} benchmark ({label})"
    return exemptions
