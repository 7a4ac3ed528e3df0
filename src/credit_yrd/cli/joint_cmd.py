"""``credit-yrd measures``, ``credit-yrd joint run|figures`` and ``credit-yrd subscription
add|list``: the joint measures catalogue, one pass of the background work, the credit office's
figures, and a department's subscriptions (by its API key id or its account's username).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.accounts import get_account, principal_of
from credit_yrd.auth.api_keys import get_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.cli.context import CliState, DbOption, JsonOption, state
from credit_yrd.cli.output import fail, json_line, listing_table, out
from credit_yrd.clock import Clock, clock_from
from credit_yrd.measures.catalogue import catalogue
from credit_yrd.measures.figures import COUNTS, FiguresDayError, joint_figures
from credit_yrd.measures.subscriptions import list_subscriptions, subscribe
from credit_yrd.measures.worker import run_once
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction

joint_app = typer.Typer(
    help="联合奖惩：运行后台任务、查看统计 (joint measures: run the background work, figures).",
    no_args_is_help=True,
)
subscription_app = typer.Typer(
    help="部门的联合奖惩订阅：新增、列出 (a department's subscriptions: add, list).",
    no_args_is_help=True,
)

KeyOption = Annotated[
    int | None,
    typer.Option(
        "--key", help="部门 API 密钥的编号（credit-yrd key list）(the department key's id)"
    ),
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="部门账户的用户名 (the department account's username)")
]


def _engine(st: CliState, db: str | None) -> Engine:
    from credit_yrd.store.migrate import init_store

    return init_store(db or st.settings.resolved_database_url())


def _standard(st: CliState) -> Standard:
    return get_standard(st.settings.standard_version)


def _clock(st: CliState) -> Clock:
    return clock_from(st.settings.clock_file)


def _department(conn: Connection, st: CliState, key: int | None, user: str | None) -> Principal:
    """The department a subscription command acts for: its key or its account."""
    if (key is None) == (user is None):
        fail(
            "请用 --key 或 --user 指定一个部门", "name one department with --key or --user", st.lang
        )
    if key is not None:
        info = get_key(conn, key)
        if info is None or info.revoked_at is not None:
            fail(f"没有有效的 API 密钥 #{key}", f"no active API key #{key}", st.lang)
        if info.role != Role.DEPARTMENT.value:
            fail(
                f"API 密钥 #{key} 不是部门密钥（角色 {info.role}）",
                f"API key #{key} is not a department key (role {info.role})",
                st.lang,
            )
        return Principal(
            role=Role.DEPARTMENT,
            key_id=info.id,
            label=info.label,
            province=info.province,
            domain=info.domain,
        )
    account = get_account(conn, user or "")
    if account is None or not account.active:
        fail(f"没有有效的账户“{user}”", f"no active account {user!r}", st.lang)
    if account.role != Role.DEPARTMENT.value:
        fail(
            f"账户“{user}”不是部门账户（角色 {account.role}）",
            f"account {user!r} is not a department account (role {account.role})",
            st.lang,
        )
    return principal_of(account)


def register(app: typer.Typer) -> None:
    """Add ``measures`` and the ``joint`` and ``subscription`` groups to the main command."""

    @app.command("measures")
    def measures_cmd(
        ctx: typer.Context,
        list_code: Annotated[
            str | None,
            typer.Option("--list", help="只列此名单触发的措施 (only those this list triggers)"),
        ] = None,
        scenario: Annotated[
            str | None,
            typer.Option("--scenario", help="只列适用于此场景的措施 (only those in this scenario)"),
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="每项措施一行 JSON (one JSON object per measure)")
        ] = False,
    ) -> None:
        """联合奖惩措施清单 (the joint measures catalogue)."""
        st = state(ctx)
        found = catalogue(_standard(st), list_code=list_code, scenario=scenario)
        if as_json:
            for measure in found:
                json_line(measure)
            return
        if not found:
            out.print(st.t("没有符合条件的措施", "no measure matches"))
            return
        table = Table(box=None, padding=(0, 2))
        for zh, en in (
            ("代码", "code"),
            ("措施", "measure"),
            ("性质", "nature"),
            ("适用场景", "scenarios"),
            ("实施部门", "implementer"),
            ("依据", "legal basis"),
            ("备忘录", "memorandum"),
        ):
            table.add_column(st.t(zh, en))
        for m in found:
            table.add_row(
                m["code"],
                escape(st.t(m["label_zh"], m["label_en"])),
                st.t("惩戒", "punishment")
                if m["nature"] == "punishment"
                else st.t("激励", "reward"),
                escape(", ".join(st.t(s["label_zh"], s["label_en"]) for s in m["scenarios"])),
                escape(st.t(m["implementer_zh"], m["implementer_en"])),
                escape(st.t(m["legal_basis_zh"], m["legal_basis_en"])),
                escape(m["memorandum"]["document_number"] if m["memorandum"] else "-"),
            )
        out.print(table)

    app.add_typer(joint_app, name="joint")
    app.add_typer(subscription_app, name="subscription")


@joint_app.command("run")
def run_cmd(ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None) -> None:
    """运行一次后台任务：名单期满、记录入单、发起与解除措施、推送 (one pass of the background
    work: list expiry, record feed, initiating and lifting actions, webhook pushes)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        result = run_once(engine, clock=_clock(st), standard=_standard(st), settings=st.settings)
    finally:
        engine.dispose()
    if as_json:
        json_line(result)
    else:
        lists = result["lists"]
        out.print(
            st.t(
                f"名单：列入 {lists.get('listed', 0)}，期满移出 {lists.get('expired', 0)}；"
                f"记录入单 {result['records']}；措施发起或解除 {result['actions']}；推送 "
                f"{result['attempted']} 次，送达 {result['delivered']}，失败 {result['failed']}，"
                f"放弃 {result['given_up']}",
                f"lists: listed {lists.get('listed', 0)}, expired {lists.get('expired', 0)}; "
                f"records fed {result['records']}; actions initiated or lifted "
                f"{result['actions']}; pushes {result['attempted']}, delivered "
                f"{result['delivered']}, failed {result['failed']}, given up {result['given_up']}",
            )
        )
    if result["errors"]:
        for line in result["errors"]:
            out.print(f"[bold red]{st.t('错误', 'error')}:[/] {escape(line)}")
        raise typer.Exit(1)


@joint_app.command("figures")
def figures_cmd(
    ctx: typer.Context,
    on: Annotated[
        str | None, typer.Option("--on", help="统计日，缺省今天 (day, today by default)")
    ] = None,
    province: Annotated[
        str | None, typer.Option("--province", help="省份 31 32 33 34，缺省全区域 (province)")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """联合奖惩闭环统计：按省份、部门、措施 (the loop's figures per province, department and
    measure)."""
    st = state(ctx)
    try:
        day = dt.date.fromisoformat(on) if on else _clock(st).today()
    except ValueError:
        fail(f"--on：“{on}”不是日期（如 2026-12-01）", f"--on: {on!r} is not a date", st.lang)
    if province is not None and province not in ("31", "32", "33", "34"):
        fail(
            f"--province：“{province}”不是长三角省份代码（31 32 33 34）",
            f"--province: {province!r} is not one of 31 32 33 34",
            st.lang,
        )
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            found = joint_figures(conn, on=day, province=province, standard=_standard(st))
    except FiguresDayError as exc:
        fail(exc.message_zh, exc.message_en, st.lang)
    finally:
        engine.dispose()
    if as_json:
        json_line(found)
        return
    if not found["rows"]:
        out.print(st.t(f"截至 {day} 尚无联合奖惩措施", f"no joint actions as of {day}"))
        return
    labels = {
        "initiated": ("发起", "initiated"),
        "pushed": ("推送", "pushed"),
        "executed": ("执行", "executed"),
        "fed_back": ("反馈", "fed back"),
        "applied": ("已实施", "applied"),
        "not_applicable": ("不适用", "n/a"),
        "exempted": ("豁免", "exempted"),
        "lifted": ("解除", "lifted"),
        "overdue": ("逾期", "overdue"),
        "given_up": ("推送失败", "given up"),
    }
    table = Table(box=None, padding=(0, 2))
    for zh, en in (("省份", "province"), ("部门", "department"), ("措施", "measure")):
        table.add_column(st.t(zh, en))
    for name in COUNTS:
        table.add_column(st.t(*labels[name]), justify="right")
    rows: list[dict[str, Any]] = [
        *found["rows"],
        {
            "province": st.t("合计", "total"),
            "department": "",
            "measure_code": "",
            **found["totals"],
        },
    ]
    for row in rows:
        table.add_row(
            row["province"],
            escape(row["department"]),
            row["measure_code"],
            *(str(row[name]) for name in COUNTS),
        )
    out.print(table)


@subscription_app.command("add")
def subscription_add(
    ctx: typer.Context,
    scenario: Annotated[
        list[str],
        typer.Option("--scenario", help="业务场景代码，可重复 (scenario code; repeat for more)"),
    ],
    key: KeyOption = None,
    user: UserOption = None,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="推送地址 http/https (push URL)")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """为部门订阅业务场景；有推送地址时签名密钥只显示这一次 (subscribe a department to
    scenarios; with a webhook the signing secret is shown only this once)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            who = _department(conn, st, key, user)
            made, secret = subscribe(
                conn,
                clock=_clock(st),
                principal=who,
                scenarios=scenario,
                webhook_url=webhook,
                standard=_standard(st),
                settings=st.settings,
            )
    finally:
        engine.dispose()
    if as_json:
        json_line({**made.to_dict(), "webhook_secret": secret})
        return
    out.print(
        st.t(
            f"已订阅 #{made.id}（{escape(made.department)}，省份 {made.province}，领域 "
            f"{made.domain}）：{', '.join(made.scenarios)}；{'推送' if made.webhook_url else '拉取'}",
            f"subscription #{made.id} made ({escape(made.department)}, province {made.province}, "
            f"domain {made.domain}): {', '.join(made.scenarios)}; {made.delivery}",
        )
    )
    if secret:
        out.print(st.t("签名密钥（只显示这一次）：", "signing secret (shown only this once):"))
        out.print(secret, markup=False, highlight=False)


@subscription_app.command("list")
def subscription_list(
    ctx: typer.Context,
    key: KeyOption = None,
    user: UserOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """列出部门的订阅 (list a department's subscriptions)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            who = _department(conn, st, key, user)
            found = list_subscriptions(conn, who)
    finally:
        engine.dispose()
    table = listing_table(
        found,
        as_json=as_json,
        lang=st.lang,
        empty=("没有订阅", "no subscriptions"),
        columns=(
            ("编号", "id"),
            ("部门", "department"),
            ("省份", "province"),
            ("领域", "domain"),
            ("场景", "scenarios"),
            ("推送地址", "webhook"),
            ("状态", "status"),
        ),
    )
    if table is None:
        return
    for item in found:
        table.add_row(
            str(item.id),
            escape(item.department),
            item.province,
            item.domain,
            ", ".join(item.scenarios),
            escape(item.webhook_url or st.t("（拉取）", "(pull)")),
            st.t("有效", "active") if item.active else st.t("已停用", "disabled"),
        )
    out.print(table)
