"""``credit-yrd id``: check, convert and map identifiers (USCC, organisation code, business
registration number, resident ID number)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import CliState, state
from credit_yrd.cli.output import fail, json_line, out
from credit_yrd.ids import convert as id_convert
from credit_yrd.ids.detect import CheckResult, check
from credit_yrd.ids.masking import mask

app = typer.Typer(
    help="标识码：校验、换码、旧码映射 (identifiers: check, convert, legacy map).",
    no_args_is_help=True,
)

KIND_LABELS = {
    "uscc": ("统一社会信用代码", "unified social credit code"),
    "org_code": ("组织机构代码", "organisation code"),
    "business_reg_no": ("工商注册号", "business registration number"),
    "resident_id": ("居民身份证号码", "resident ID number"),
}

MAX_LINE_CHARS = 4096


def _file_lines(path: Path, st: CliState) -> Iterator[str]:
    """One code per line, streamed; blank lines skipped; undecodable bytes replaced, not fatal."""
    if str(path) == "-":
        import sys

        for raw in sys.stdin:
            line = raw.strip()
            if line:
                yield line[:MAX_LINE_CHARS]
        return
    if not path.is_file():
        fail(f"找不到文件 {path}", f"no such file: {path}", st.lang)
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        for raw in fh:
            line = raw.strip()
            if line:
                yield line[:MAX_LINE_CHARS]


def _print_human(result: CheckResult, st: CliState, verbose: bool) -> None:
    shown = escape(mask(result.input) if result.kind == "resident_id" else result.input)
    kind: str = st.t(*KIND_LABELS[result.kind]) if result.kind else st.t("未知类型", "unknown kind")
    if result.valid:
        out.print(f"[green]✓[/] {shown}  {kind}  {st.t('有效', 'valid')}")
    else:
        reason = escape(result.error or "")
        out.print(f"[red]✗[/] {shown}  {kind}  {st.t('无效', 'invalid')}: {reason}")
    for note in result.notes:
        out.print(f"    [yellow]![/] {escape(note)}")
    if verbose and result.parts:
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        table.add_column(st.t("部分", "part"))
        table.add_column(st.t("值", "value"))
        table.add_column(st.t("含义", "meaning"))
        for part in result.parts:
            meaning = str(part["meaning_zh"] if st.lang == "zh" else part["meaning_en"])
            part_note = part.get("note_zh") if st.lang == "zh" else part.get("note_en")
            if part_note:
                meaning = (
                    f"{meaning}（{part_note}）" if st.lang == "zh" else f"{meaning} ({part_note})"
                )
            table.add_row(
                escape(str(part["label_zh"])), escape(str(part["value"])), escape(meaning)
            )
        out.print(table)


@app.command("check")
def check_cmd(
    ctx: typer.Context,
    codes: Annotated[list[str] | None, typer.Argument(help="要校验的代码 (codes to check)")] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="从文件逐行读取代码，- 表示标准输入 (one code per line; - for stdin)",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="每个代码输出一行 JSON (one JSON object per line)")
    ] = False,
    brief: Annotated[
        bool, typer.Option("--brief", help="不列出各部分含义 (omit the explanation of the parts)")
    ] = False,
) -> None:
    """校验代码并解释各部分含义；有无效代码时退出码为 1 (check codes; exit status 1 if any is invalid)."""
    st = state(ctx)
    if not codes and file is None:
        fail("请给出代码或 --file", "give codes or --file", st.lang)

    def inputs() -> Iterator[str]:
        yield from codes or []
        if file is not None:
            yield from _file_lines(file, st)

    invalid = 0
    for raw in inputs():
        result = check(raw)
        invalid += not result.valid
        if as_json:
            json_line(result.to_dict())
        else:
            _print_human(result, st, verbose=not brief)
    if invalid:
        raise typer.Exit(1)


@app.command("convert")
def convert_cmd(
    ctx: typer.Context,
    org_code: Annotated[str, typer.Argument(help="组织机构代码 (GB 11714 organisation code)")],
    authority: Annotated[
        str,
        typer.Option(
            "--authority", "-a", help="登记管理部门码，如 9 = 工商 (registration authority)"
        ),
    ],
    category: Annotated[
        str,
        typer.Option(
            "--category", "-c", help="机构类别码，如 1 = 企业 (category under the authority)"
        ),
    ],
    division: Annotated[
        str, typer.Option("--division", "-d", help="登记管理机关行政区划码，6 位 (division code)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON (print JSON)")] = False,
) -> None:
    """由旧组织机构代码生成统一社会信用代码（换码）(build the USCC from a legacy organisation code)."""
    uscc = id_convert.org_code_to_uscc(org_code, authority, category, division)
    if as_json:
        json_line({"org_code": org_code, "uscc": uscc})
    else:
        out.print(uscc)


map_app = typer.Typer(
    help="旧码→统一代码映射表 (the legacy code → USCC map in the store).", no_args_is_help=True
)
app.add_typer(map_app, name="map")


@map_app.command("import")
def map_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV：legacy_code, uscc[, legacy_kind, source]")],
    db: Annotated[str | None, typer.Option("--db", help="数据库地址 (database URL)")] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="提供映射的已登记数据来源，如 jiangsu (registered source of the map)"
        ),
    ] = None,
) -> None:
    """导入旧码映射；全部通过才写入 (import a legacy-code map; all rows or none)."""
    from credit_yrd.ids.mapfile import read_map_file
    from credit_yrd.store.engine import make_engine, transaction
    from credit_yrd.store.legacy import add_legacy_codes

    st = state(ctx)
    rows = read_map_file(file)
    for row in rows:
        row["source"] = row["source"] or source
    engine = make_engine(db or st.settings.resolved_database_url())
    with transaction(engine) as conn:
        added = add_legacy_codes(conn, rows)
    out.print(
        st.t(
            f"读取 {len(rows)} 行，新增 {added} 条映射，其余已存在",
            f"read {len(rows)} rows, {added} new mappings, the rest already held",
        )
    )


@map_app.command("lookup")
def map_lookup(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="组织机构代码或工商注册号 (legacy code)")],
    db: Annotated[str | None, typer.Option("--db", help="数据库地址 (database URL)")] = None,
) -> None:
    """查旧码对应的统一社会信用代码 (look a legacy code up in the map)."""
    from credit_yrd.store.engine import make_engine
    from credit_yrd.store.legacy import lookup_uscc

    st = state(ctx)
    engine = make_engine(db or st.settings.resolved_database_url())
    with engine.connect() as conn:
        uscc = lookup_uscc(conn, code)
    if uscc is None:
        fail(f"映射表中没有 {code}", f"{code} is not in the legacy map", st.lang, code=1)
    out.print(uscc)


@app.command("quality")
def quality_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV，含 uscc / org_code / business_reg_no 列")],
    by: Annotated[
        str | None, typer.Option("--by", help="分组列，如 province 或 city (group by a column)")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="用此库的旧码映射计入换码 (count legacy codes mapped in this store)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON (print JSON)")] = False,
) -> None:
    """代码质量报告：换码率、重错码率 (code-quality report: conversion and wrong/duplicate rates)."""
    from credit_yrd.cli.quality import run_quality

    st = state(ctx)
    run_quality(file, by, db, as_json, st)
