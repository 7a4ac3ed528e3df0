"""JSON Lines that stay one line: the output of the CLI, the quarantine files, the feeds.

``json.dumps(ensure_ascii=False)`` escapes only characters below U+0020, so U+0085, U+2028 and
U+2029 — which ``str.splitlines()`` and many JSON Lines readers take as line breaks — would split
one record over several lines. :func:`dumps_line` escapes them too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dumps_line(obj: Any) -> str:
    """One JSON value as one line (no trailing newline), UTF-8 text kept readable."""
    text = json.dumps(obj, ensure_ascii=False, default=str)
    for raw, escaped in _LINE_BREAKS.items():
        text = text.replace(raw, escaped)
    return text


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dataclasses as dicts, dates and times in ISO form, mappings
    with string keys, tuples as lists (for JSON columns and reports)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
