"""Model keys: stable identifiers for models, defined per board.

Boards with Hugging Face ids key on the Hub id plus revision and precision.
Boards that only publish display names key on `normalize_name`, so spelling
changes between snapshots (`Gemma-2-9B-it` vs `Gemma-2-9b-it`) do not split a
model's history.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-.:]+")


def normalize_name(name: str) -> str:
    """Fold a display name into a key: NFKC, lowercase, and runs of spaces, '_', '-', '.', ':' to one '-'.

    Slashes are kept because they separate an organisation from a model name.
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return _SEPARATORS.sub("-", text).strip("-")


def hub_model_key(hub_id: str, revision: str | None = None, precision: str | None = None) -> str:
    """Build the key `hub_id@revision:precision`, leaving out the parts that are unknown."""
    key = str(hub_id).strip()
    if revision:
        key += f"@{revision}"
    if precision:
        key += f":{precision}"
    return key
