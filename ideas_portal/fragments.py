"""Rendered template fragments kept per process, keyed on exactly what they show.

A fragment's key is the content it displays (an idea card's title, status, author, badges, counts, relative time
…), so a changed idea simply has a new key: nothing is ever invalidated and nothing stale is ever served. Only
fragments that hold nothing personal are kept (no CSRF token, no "my vote"), so every member shares them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class Fragments:
    """A bounded least-recently-used store, safe across a worker's threads."""

    def __init__(self, size: int = 2000):
        self.size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def keep(self, key: tuple, html: str) -> str:
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._items)


FRAGMENTS = Fragments()
