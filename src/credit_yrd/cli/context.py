"""What every CLI command gets from the global options: the language and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from credit_yrd.i18n import LANGS, pick
from credit_yrd.settings import Settings, get_settings

#: The ``--db`` and ``--json`` options most commands take.
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="数据库地址，缺省取 CREDIT_YRD_DATABASE_URL 或本地 SQLite (database URL)"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON (JSON output)")]


@dataclass
class CliState:
    lang: str
    settings: Settings

    @classmethod
    def build(cls, lang: str | None) -> CliState:
        settings = get_settings()
        chosen = lang or settings.lang
        if chosen not in LANGS:
            raise typer.BadParameter(
                f"--lang 只接受 zh 或 en (--lang takes zh or en), got {chosen!r}"
            )
        return cls(lang=chosen, settings=settings)

    def t(self, zh: str, en: str) -> str:
        return pick(zh, en, self.lang)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if isinstance(obj, CliState):
        return obj
    return CliState.build(None)
