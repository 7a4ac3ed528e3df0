"""Console output shared by the CLI commands: one Rich console per stream, JSON lines, errors."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

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


def listing_table(
    items: Sequence[Any],
    *,
    as_json: bool,
    lang: str,
    empty: tuple[str, str],
    columns: Iterable[tuple[str, str]],
) -> Table | None:
    """The common start of a listing command: with ``as_json`` each item's ``to_dict()`` as a
    JSON line; without items the ``empty`` message; both return None. Otherwise a table with the
    ``columns`` headers (zh, en) in ``lang`` for the caller to fill and print."""
    if as_json:
        for item in items:
            json_line(item.to_dict())
        return None
    if not items:
        out.print(pick(*empty, lang))
        return None
    table = Table(box=None, padding=(0, 2))
    for zh, en in columns:
        table.add_column(pick(zh, en, lang))
    return table
