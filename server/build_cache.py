"""Things the server derives from the store (pictures, the search index) kept once per build.

The key includes the store directory the worker pool resolved at start, so a server never shows a
picture of another build; the cache is bounded, dropping the oldest entries first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from server.app_engine import get_pool

T = TypeVar("T")
MAX_ENTRIES = 512
_lock = threading.Lock()


def cached(kind: str, key: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per (build, kind, key); errors are not cached."""
    app = current_app._get_current_object()
    full_key = (get_pool().store_path, kind, key)
    with _lock:
        entries: OrderedDict = app.extensions.setdefault("dmkg_build_cache", OrderedDict())
        if full_key in entries:
            entries.move_to_end(full_key)
            return entries[full_key]
    value = compute()
    with _lock:
        entries[full_key] = value
        while len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)
    return value
