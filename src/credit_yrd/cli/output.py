"""Console output shared by the CLI commands: one Rich console per stream, JSON lines, errors."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from credit_yrd.i18n import pick
from credit_yrd.jsonl import dumps_line

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


def json_line(obj: Any) -> None:
    """One JSON object on exactly one line of standard output (UTF-8, Chinese kept readable)."""
    sys.stdout.write(dumps_line(obj) + "\n")


def fail(zh: str, en: str, lang: str = "zh", code: int = 2) -> NoReturn:
    """Print one clear error line on standard error and exit non-zero."""
    err.print(f"[bold red]{pick('错误', 'error', lang)}:[/] {escape(pick(zh, en, lang))}")
    raise typer.Exit(code)
