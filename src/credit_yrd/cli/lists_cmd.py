"""``credit-yrd lists``: the red and black lists — the catalogue (``show``), a list's active
entries (``entries``) and the periodic step (``advance``: proposals past their objection window
are listed, listings past their last day removed, and ingested list records turned into entries).

The day is the platform's clock (``CREDIT_YRD_CLOCK_FILE`` when set, else today); ``--on`` looks
at another day.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import CliState, DbOption, JsonOption, state
from credit_yrd.cli.output import json_line, out

app = typer.Typer(
    help="红黑名单：目录、在列条目、定期推进 (the red and black lists).", no_args_is_help=True
)

OnOption = Annotated[
    str | None,
    typer.Option("--on", help="查看哪一天，如 2026-12-01；缺省为平台时钟的今天 (the day)"),
]


def _day(st: CliState, on: str | None) -> dt.date:
    from credit_yrd.cli.output import fail
    from credit_yrd.clock import clock_from

    if on is None:
        return clock_from(st.settings.clock_file).today()
    try:
        return dt.date.fromisoformat(on)
    except ValueError:
        fail(
            f"--on：“{on}”不是日期（如 2026-12-01）",
            f"--on: {on!r} is not a date (e.g. 2026-12-01)",
            st.lang,
        )


def _dash(value: object) -> str:
    return "—" if value is None or value == "" else str(value)


@app.command("show")
def show(
    ctx: typer.Context, on: OnOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """名单目录：期限、移出条件、提前移出规则、在列条目数 (the catalogue of lists)."""
    from credit_yrd.lists.entries import list_counts
    from credit_yrd.standards.loader import get_standard
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    day = _day(st, on)
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            counts = list_counts(conn, on=day)
    finally:
        engine.dispose()
    lists = get_standard().lists
    if as_json:
        json_line(
            {
                "on": day.isoformat(),
                "lists": [
                    {
                        "code": d.code,
                        "kind": d.kind,
                        "label_zh": d.label_zh,
                        "label_en": d.label_en,
                        "period": d.period,
                        "extension": d.extension.model_dump() if d.extension else None,
                        "early_exit": [r.code for r in d.early_exit],
                        "notice_required": d.notice_required,
                        "objection_period": d.objection_period if d.notice_required else None,
                        "document_number": d.document_number,
                        "active_entries": counts.get(code, 0),
                    }
                    for code, d in lists.items()
                ],
            }
        )
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("代码", "code"),
        ("名单", "list"),
        ("类别", "kind"),
        ("期限", "period"),
        ("可延长", "extension"),
        ("提前移出", "early exit"),
        ("异议期", "objection"),
        ("在列", "active"),
    ):
        table.add_column(st.t(zh, en))
    for code, d in lists.items():
        table.add_row(
            code,
            escape(d.label(st.lang)),
            st.t("黑", "black") if d.kind == "black" else st.t("红", "red"),
            d.period or st.t("逐条确定", "per decision"),
            f"{d.extension.min}–{d.extension.max}" if d.extension else "—",
            ", ".join(f"{r.code} ≥{r.after}" for r in d.early_exit) or "—",
            d.objection_period if d.notice_required else st.t("无须告知", "no notice"),
            f"{counts.get(code, 0):,}",
        )
    out.print(table)
    out.print(st.t(f"{day.isoformat()} 在列条目数", f"entries active on {day.isoformat()}"))


@app.command("entries")
def entries(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="名单代码，如 judgment_defaulter (list code)")],
    on: OnOption = None,
    after: Annotated[
        int | None, typer.Option("--after", help="上一页最后的编号 (the last id shown)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="条数 (page size)")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """名单的在列条目，公开视图：自然人姓名脱敏 (a list's active entries, as the public sees
    them)."""
    from credit_yrd.lists.entries import public_entries
    from credit_yrd.lists.errors import UnknownListError
    from credit_yrd.standards.loader import get_standard
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    std = get_standard()
    if code not in std.lists:
        raise UnknownListError(code, sorted(std.lists))
    day = _day(st, on)
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            page = public_entries(conn, list_code=code, on=day, after=after, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        json_line(
            {
                "list_code": code,
                "on": day.isoformat(),
                "entries": [
                    {
                        **vars(e),
                        "listed_on": e.listed_on.isoformat() if e.listed_on else None,
                        "ends_on": e.ends_on.isoformat() if e.ends_on else None,
                    }
                    for e in page.entries
                ],
                "next_after": page.next_after,
            }
        )
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("编号", "id"),
        ("主体", "subject"),
        ("统一社会信用代码", "USCC"),
        ("认定部门", "authority"),
        ("省份", "province"),
        ("列入日期", "listed on"),
        ("在列至", "until"),
    ):
        table.add_column(st.t(zh, en))
    for e in page.entries:
        table.add_row(
            str(e.id),
            escape(e.subject_name),
            _dash(e.uscc),
            escape(e.authority),
            e.province,
            _dash(e.listed_on),
            _dash(e.ends_on),
        )
    out.print(table)
    label = std.lists[code].label(st.lang)
    more = (
        st.t(f"；下一页 --after {page.next_after}", f"; next page --after {page.next_after}")
        if page.next_after
        else ""
    )
    out.print(
        st.t(
            f"{label}：{day.isoformat()} 显示 {len(page.entries)} 条{more}",
            f"{label}: {len(page.entries)} shown on {day.isoformat()}{more}",
        )
    )


@app.command("advance")
def advance(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """定期推进：异议期届满的列入、期满的移出、归集名单记录转为条目；可重复运行 (the periodic
    step: list past the objection window, remove past the period end, feed ingested records;
    safe to repeat)."""
    from credit_yrd.clock import clock_from
    from credit_yrd.lists.feed import sync_from_records
    from credit_yrd.lists.lifecycle import advance as advance_entries
    from credit_yrd.standards.loader import get_standard
    from credit_yrd.store.engine import transaction
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    clock = clock_from(st.settings.clock_file)
    std = get_standard()
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        with transaction(engine) as conn:
            fed = sync_from_records(conn, clock=clock, standard=std)
            done = advance_entries(conn, clock=clock, standard=std)
    finally:
        engine.dispose()
    day = clock.today().isoformat()
    if as_json:
        json_line({"on": day, "fed": fed, **done})
        return
    out.print(
        st.t(
            f"{day}：由归集记录新增或更新 {fed} 条，异议期届满列入 {done['listed']} 条，"
            f"期满移出 {done['expired']} 条，因依据记录已信用修复而撤销 {done.get('withdrawn', 0)} 条",
            f"{day}: {fed} entries created or updated from ingested records, "
            f"{done['listed']} listed after their objection window, {done['expired']} removed "
            f"at the end of their period, {done.get('withdrawn', 0)} withdrawn because the record "
            "they rest on was repaired",
        )
    )
