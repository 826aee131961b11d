"""A small thread-safe LRU cache keyed on small hashable tuples.

Keys are (board id, data revision, settings...), never the data itself:
hashing a score table per call costs far more than the lookup saves.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")


class LRUCache:
    """Least-recently-used cache of at most `max_entries` values."""

    def __init__(self, max_entries: int = 32):
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the cached value for `key`, computing and storing it on a miss.

        The computation runs outside the lock, so two sessions missing the same
        key at once may both compute it; the result is the same either way.
        """
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1

        value = compute()

        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def peek(self, key: Hashable, default=None):
        """Return the cached value for `key` without computing it, or `default` when absent."""
        with self._lock:
            return self._entries.get(key, default)

    def __len__(self) -> int:
        return len(self._entries)
