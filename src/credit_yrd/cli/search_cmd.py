"""``credit-yrd search``: search subjects (``find``) and rebuild the name index (``reindex``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import state
from credit_yrd.cli.output import err, json_line, out

app = typer.Typer(
    help="检索主体与名称索引 (search subjects; the name index).", no_args_is_help=True
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="数据库地址，缺省取 CREDIT_YRD_DATABASE_URL 或本地 SQLite (database URL)"
    ),
]


@app.command("find")
def find(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="统一社会信用代码、旧代码或名称 (code or name)")],
    province: Annotated[
        str | None, typer.Option("--province", help="省份代码或名称 (province)")
    ] = None,
    city: Annotated[str | None, typer.Option("--city", help="城市代码或名称 (city)")] = None,
    subject_type: Annotated[
        str | None, typer.Option("--type", help="主体类型 (subject type)")
    ] = None,
    record_kind: Annotated[
        str | None, typer.Option("--kind", help="有该类有效记录 (has a record of this kind)")
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain", help="有该领域的有效记录，如 市场监管 (has a record of this domain)"
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="每页条数 1–100 (page size)")] = 20,
    offset: Annotated[int, typer.Option("--offset", help="偏移量 (offset)")] = 0,
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出一个 JSON 对象 (one JSON object)")
    ] = False,
) -> None:
    """按代码或名称检索主体，不含自然人 (search subjects by code or name; never persons)."""
    from credit_yrd.search.query import search
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            result = search(
                conn,
                query,
                province=province,
                city=city,
                subject_type=subject_type,
                record_kind=record_kind,
                domain=domain,
                limit=limit,
                offset=offset,
            )
    finally:
        engine.dispose()
    if as_json:
        json_line({**result.to_dict(), "limit": limit, "offset": offset})
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("编号", "id"),
        ("名称", "name"),
        ("统一社会信用代码", "USCC"),
        ("类型", "type"),
        ("区划", "division"),
        ("记录", "records"),
    ):
        table.add_column(st.t(zh, en))
    for item in result.items:
        table.add_row(
            str(item.id),
            escape(item.name),
            item.uscc or "—",
            item.subject_type,
            item.division or "—",
            " ".join(f"{kind}:{n}" for kind, n in item.records.items()) or "—",
        )
    out.print(table)
    shown = f"{offset + 1}–{offset + len(result.items)}" if result.items else "0"
    total = f"{result.total:,}" if result.total_exact else f"{result.total:,}+"
    out.print(st.t(f"共 {total} 个，显示 {shown}", f"{total} found, showing {shown}"))


@app.command("reindex")
def reindex(ctx: typer.Context, db: DbOption = None) -> None:
    """重建名称索引（已有存储升级后运行一次）(rebuild the name index of every organisation)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from credit_yrd.search.index import rebuild
    from credit_yrd.store.engine import transaction
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        with (
            Progress(
                TextColumn(st.t("索引主体", "indexing subjects")),
                BarColumn(),
                MofNCompleteColumn(),
                console=err,
                transient=True,
            ) as bar,
            transaction(engine) as conn,
        ):
            task = bar.add_task("reindex", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            count = rebuild(conn, progress)
    finally:
        engine.dispose()
    out.print(st.t(f"已为 {count} 个主体重建名称索引", f"name index rebuilt for {count} subjects"))
