"""``credit-yrd report``: figures about what the store holds (``codes``: 换码率 and 重错码率)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from credit_yrd.cli.context import state
from credit_yrd.cli.output import json_line, out
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.models import CodeList

app = typer.Typer(help="统计报告 (reports).", no_args_is_help=True)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _permille(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.2f}‰"


@app.command("codes")
def codes(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出一个 JSON 对象 (one JSON object)")
    ] = False,
) -> None:
    """已导入数据的换码率与重错码率，按省、市 (conversion and wrong/duplicate code rates)."""
    from credit_yrd.ingest.code_quality import UNKNOWN_CITY, code_quality
    from credit_yrd.standards.loader import get_standard
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    engine = init_store(st.settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            report = code_quality(conn)
    finally:
        engine.dispose()
    if as_json:
        json_line(report.to_dict())
        return
    standard = get_standard(st.settings.standard_version)
    provinces = standard.code_lists["province"]
    cities = standard.code_lists["city"]

    def place(code: str, code_list: CodeList) -> str:
        if code == UNKNOWN_CITY:
            return st.t("（无法确定）", "(unknown)")
        try:
            return f"{code} {code_list.label(code, st.lang)}"
        except UnknownCodeError:
            return code

    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("省", "province"),
        ("市", "city"),
        ("含代码记录", "with USCC"),
        ("已换码", "converted"),
        ("未换码", "unconverted"),
        ("错码", "wrong"),
        ("重码", "duplicate"),
        ("换码率", "conversion"),
        ("重错码率", "wrong+dup"),
    ):
        table.add_column(st.t(zh, en))
    for (province, city), counts in sorted(report.cells.items()):
        table.add_row(
            place(province, provinces),
            place(city, cities),
            str(counts.with_uscc),
            str(counts.converted),
            str(counts.unconverted),
            str(counts.wrong),
            str(counts.duplicate),
            _rate(counts.conversion_rate),
            _permille(counts.wrong_duplicate_rate),
        )
    total = report.total()
    table.add_row(
        st.t("合计", "total"),
        "",
        str(total.with_uscc),
        str(total.converted),
        str(total.unconverted),
        str(total.wrong),
        str(total.duplicate),
        _rate(total.conversion_rate),
        _permille(total.wrong_duplicate_rate),
    )
    out.print(table)
    out.print(
        st.t(
            "目标：换码率 100%，重错码率低于 1‰（长三角行动计划）",
            "targets: conversion 100 %, wrong and duplicate codes below 1‰ (the action plan)",
        )
    )
