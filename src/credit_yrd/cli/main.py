"""The ``credit-yrd`` command.

Each command group lives in its own module; this one wires them together, holds the global options
and turns every domain error into one clear line and a non-zero exit (never a traceback).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from credit_yrd import __version__
from credit_yrd.cli import (
    check_cmd,
    generate_cmd,
    id_cmd,
    ingest_cmd,
    joint_cmd,
    key_cmd,
    lists_cmd,
    objection_cmd,
    publication_cmd,
    repair_cmd,
    report_cmd,
    search_cmd,
    standard_cmd,
    store_cmd,
    user_cmd,
)
from credit_yrd.cli.context import CliState
from credit_yrd.cli.output import err, out
from credit_yrd.errors import CreditYrdError


class _DomainErrorsAsOneLine(TyperGroup):
    """Every typed domain error raised by any command becomes one line on stderr, exit status 2."""

    # ``ctx`` is the Context of the click that typer vendors (typer._click), a private module.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CreditYrdError as exc:
            lang = ctx.obj.lang if isinstance(ctx.obj, CliState) else "zh"
            label = "错误" if lang == "zh" else "error"
            err.print(f"[bold red]{label}:[/] {escape(str(exc))}")
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_DomainErrorsAsOneLine,
    name="credit-yrd",
    help="信用长三角 区域公共信用信息平台 (Yangtze River Delta regional public-credit platform).",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="输出语言 zh 或 en (output language: zh or en)"),
    ] = None,
) -> None:
    ctx.obj = CliState.build(lang)
    # Commands print the calendar's warning with the deadlines it concerns; the library's log
    # line (meant for the server's log) would repeat it on stderr without a handler of its own.
    logging.getLogger("credit_yrd.workdays").addHandler(logging.NullHandler())


@app.command("version")
def version() -> None:
    """版本 (print the version)."""
    out.print(f"credit-yrd {__version__}")


app.add_typer(id_cmd.app, name="id")
app.add_typer(standard_cmd.app, name="standard")
app.add_typer(report_cmd.app, name="report")
app.add_typer(key_cmd.app, name="key")
app.add_typer(user_cmd.app, name="user")
app.add_typer(search_cmd.app, name="search")
app.add_typer(lists_cmd.app, name="lists")
app.add_typer(objection_cmd.app, name="objection")
app.add_typer(repair_cmd.app, name="repair")
store_cmd.register(app)
generate_cmd.register(app)
ingest_cmd.register(app)
check_cmd.register(app)
joint_cmd.register(app)
publication_cmd.register(app)


__all__ = ["app"]
