"""Console output shared by the CLI commands: one Rich console per stream, JSON lines, errors."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from credit_yrd.i18n import pick

# Piped or redirected output has no terminal width; Rich would then assume 80 columns and cut
# table cells with "…". Give it room instead, so nothing printed is ever lost.
_PIPE_WIDTH = 400
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else _PIPE_WIDTH)
err = Console(
    stderr=True,
    highlight=False,
    soft_wrap=True,
    width=None if sys.stderr.isatty() else _PIPE_WIDTH,
)


# Characters that str.splitlines() and many JSON Lines readers take as line breaks, which
# json.dumps(ensure_ascii=False) leaves raw (it escapes only those below U+0020).
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(obj: Any) -> None:
    """One JSON object on exactly one line of standard output (UTF-8, Chinese kept readable)."""
    text = json.dumps(obj, ensure_ascii=False, default=str)
    for raw, escaped in _LINE_BREAKS.items():
        text = text.replace(raw, escaped)
    sys.stdout.write(text + "\n")


def fail(zh: str, en: str, lang: str = "zh", code: int = 2) -> NoReturn:
    """Print one clear error line on standard error and exit non-zero."""
    err.print(f"[bold red]{pick('错误', 'error', lang)}:[/] {escape(pick(zh, en, lang))}")
    raise typer.Exit(code)
