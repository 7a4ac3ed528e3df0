"""``credit-yrd repair``: the credit office's work on credit repair from the command line — the
queue, one case, a decision, the figures, one pass of deliveries, and the provinces' push
addresses.

The command acts as the credit office of the region (``credit_office``, no province), named in
the logs as ``cli <operating-system user>``; reads of a case are written to the access log like
the API's.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.cli.context import CliState, DbOption, JsonOption, state
from credit_yrd.cli.output import fail, json_line, listing_table, out
from credit_yrd.clock import Clock, clock_from
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.repair import applications as apps
from credit_yrd.repair import deliveries, figures
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction

app = typer.Typer(
    help="信用修复：办理队列、决定、统计、送达 (credit repair: queue, decisions, figures, "
    "deliveries).",
    no_args_is_help=True,
)
endpoint_app = typer.Typer(
    help="省级平台推送地址 (province platforms' push addresses).", no_args_is_help=True
)
app.add_typer(endpoint_app, name="endpoint")

READ_PURPOSE = "信用修复办理（命令行）(handling credit repair, CLI)"


def _engine(st: CliState, db: str | None) -> Engine:
    from credit_yrd.store.migrate import init_store

    return init_store(db or st.settings.resolved_database_url())


def _standard(st: CliState) -> Standard:
    return get_standard(st.settings.standard_version)


def _clock(st: CliState) -> Clock:
    return clock_from(st.settings.clock_file)


def office() -> Principal:
    """The regional credit office the command acts as."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "unknown"
    return Principal(role=Role.CREDIT_OFFICE, key_id=None, label=f"cli {user}"[:100])


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="状态：submitted accepted approved refused withdrawn"),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """办理队列：缺省为办理中的申请，最紧急的在前 (the queue: open applications by default,
    the most urgent first)."""
    st = state(ctx)
    clock = _clock(st)
    who = office()
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            queue = apps.handler_queue(
                conn,
                who,
                clock=clock,
                settings=st.settings,
                status=status,
                standard=_standard(st),
            )
            reader = Reader.for_principal(who, READ_PURPOSE)
            for subject_id in sorted({i.subject_id for i in queue}):
                log_read(
                    conn,
                    reader,
                    subject_id=subject_id,
                    record_ids=[],
                    action="repair.queue",
                    clock=clock,
                )
    finally:
        engine.dispose()
    table = listing_table(
        queue,
        as_json=as_json,
        lang=st.lang,
        empty=("没有待办的修复申请", "no repair applications to handle"),
        columns=(
            ("编号", "id"),
            ("状态", "status"),
            ("主体", "subject"),
            ("对象", "target"),
            ("省份", "province"),
            ("领域", "domain"),
            ("收到", "received"),
            ("期限", "due"),
            ("剩余工作日", "days left"),
        ),
    )
    if table is None:
        return
    for item in queue:
        left = "-" if item.days_left is None else str(item.days_left)
        if item.overdue:
            left = f"[bold red]{left} {st.t('逾期', 'overdue')}[/]"
        table.add_row(
            str(item.id),
            item.status,
            escape(item.subject_name),
            escape(st.t(item.what_zh, item.what_en)),
            item.province,
            item.domain or "-",
            item.received_on.isoformat(),
            item.due.isoformat() if item.due else "-",
            left,
        )
    out.print(table)
    warnings = {i.calendar_warning for i in queue if i.calendar_warning}
    for warning in warnings:
        out.print(f"[yellow]{escape(st.t(*warning))}[/]")


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    application_id: Annotated[int, typer.Argument(help="申请编号 (application id)")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """一份申请：材料、步骤、送达情况 (one application: documents, steps, deliveries)."""
    st = state(ctx)
    clock = _clock(st)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            found = apps.get_application(conn, application_id)
            if found is None:
                fail(
                    f"没有编号为 {application_id} 的修复申请",
                    f"no repair application {application_id}",
                    st.lang,
                )
            log_read(
                conn,
                Reader.for_principal(office(), READ_PURPOSE),
                subject_id=found.subject_id,
                record_ids=[found.record_id] if found.record_id else [],
                action="repair.read",
                clock=clock,
            )
            sent = deliveries.delivery_status(conn, application_id)
    finally:
        engine.dispose()
    data = found.to_dict()
    data.pop("query_code", None)
    data["deliveries"] = sent
    if as_json:
        json_line(data)
        return
    out.print(
        st.t(
            f"修复申请 {found.id}：{data['status_zh']}；对象 {found.target} "
            f"{found.record_id or found.entry_id}；认定单位 {escape(found.authority)}"
            f"（{found.province} {found.domain or '-'}）",
            f"repair application {found.id}: {data['status_en']}; target {found.target} "
            f"{found.record_id or found.entry_id}; deciding authority {escape(found.authority)} "
            f"({found.province} {found.domain or '-'})",
        )
    )
    out.print(
        st.t(
            f"收到 {found.received_on}，受理期限 {found.accept_due}，办结期限 {found.decide_due}",
            f"received {found.received_on}, accept by "
            f"{found.accept_due}, decide by {found.decide_due}",
        )
    )
    out.print(st.t("纠正情况：", "corrected: ") + escape(found.corrected))
    for doc in found.documents:
        out.print(
            f"  {st.t('材料', 'document')} {doc.id} {doc.kind} {escape(doc.filename)} "
            f"{doc.media_type} {doc.size} B sha256={doc.sha256[:16]}…"
        )
    for step in found.steps:
        out.print(f"  {step.at.isoformat(timespec='minutes')} {step.event} {escape(step.actor)}")
    if found.reasons:
        out.print(st.t("理由：", "reasons: ") + escape(found.reasons))
    for row in sent:
        out.print(
            f"  → {row['recipient']}: "
            f"{row['delivered_at'] or st.t('未送达', 'not delivered')} "
            f"({st.t('尝试', 'attempts')} {row['attempts']})"
        )


@app.command("decide")
def decide_cmd(
    ctx: typer.Context,
    application_id: Annotated[int, typer.Argument(help="申请编号 (application id)")],
    approve: Annotated[
        bool | None,
        typer.Option("--approve/--refuse", help="准予或不予修复 (approve or refuse)"),
    ] = None,
    reasons: Annotated[
        str, typer.Option("--reasons", help="理由；不予修复必填 (reasons; required to refuse)")
    ] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """作出修复决定 (decide a repair application)."""
    st = state(ctx)
    if approve is None:
        fail("请用 --approve 或 --refuse 写明决定", "give --approve or --refuse", st.lang)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            found = apps.decide(
                conn,
                clock=_clock(st),
                settings=st.settings,
                standard=_standard(st),
                principal=office(),
                application_id=application_id,
                approve=approve,
                reasons=reasons,
            )
    finally:
        engine.dispose()
    if as_json:
        data = found.to_dict()
        data.pop("query_code", None)
        json_line(data)
        return
    out.print(
        st.t(
            f"修复申请 {found.id}：{apps.STATUS_LABELS[found.status][0]}",
            f"repair application {found.id}: {apps.STATUS_LABELS[found.status][1]}",
        )
    )


@app.command("figures")
def figures_cmd(
    ctx: typer.Context,
    province: Annotated[
        str | None, typer.Option("--province", help="省份 31 32 33 34，缺省全区域 (province)")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """信用修复与异议统计 (repair and objection figures)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            found = figures.repair_figures(
                conn, clock=_clock(st), settings=st.settings, province=province
            )
    finally:
        engine.dispose()
    if as_json:
        json_line(found)
        return
    labels = (
        ("applications", "申请", "applications"),
        ("approvals", "准予", "approved"),
        ("refusals", "不予", "refused"),
        ("withdrawn", "撤回", "withdrawn"),
        ("pending", "办理中", "pending"),
        ("overdue", "逾期", "overdue"),
        ("average_working_days", "平均工作日", "avg working days"),
        ("objections", "异议", "objections"),
        ("published_records", "公示记录", "published"),
        ("objections_per_thousand", "每千条异议", "objections ‰"),
    )
    table = Table(box=None, padding=(0, 2))
    table.add_column(st.t("省份", "province"))
    for _, zh, en in labels:
        table.add_column(st.t(zh, en), justify="right")
    for row in [*found["rows"], {"province": st.t("全区域", "region"), **found["region"]}]:
        table.add_row(
            row["province"], *("-" if row[k] is None else str(row[k]) for k, _, _ in labels)
        )
    out.print(st.t(f"截至 {found['on']}", f"as of {found['on']}"))
    out.print(table)


@app.command("deliver")
def deliver_cmd(ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None) -> None:
    """推送一轮到期的修复结果 (push the repair deliveries that are due, one pass)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        counts = deliveries.dispatch_due(engine, clock=_clock(st), settings=st.settings)
    finally:
        engine.dispose()
    if as_json:
        json_line(counts)
        return
    out.print(
        st.t(
            f"推送 {counts['attempted']} 次，送达 {counts['delivered']}，失败 {counts['failed']}"
            f"（稍后重试），暂缓 {counts['deferred']}",
            f"pushes {counts['attempted']}, delivered {counts['delivered']}, failed "
            f"{counts['failed']} (retried later), deferred {counts['deferred']}",
        )
    )


@endpoint_app.command("set")
def endpoint_set(
    ctx: typer.Context,
    province: Annotated[str, typer.Option("--province", help="省份 31 32 33 34 (province)")],
    url: Annotated[
        str | None, typer.Option("--url", help="推送地址；不给则改为拉取 (push URL; none: pull)")
    ] = None,
    secret_stdin: Annotated[
        bool,
        typer.Option(
            "--secret-stdin",
            help="从标准输入读签名密钥 (read the signing secret from standard input)",
        ),
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """设置省级平台推送地址和签名密钥 (set a province platform's push URL and secret)."""
    st = state(ctx)
    secret: str | None = None
    if url:
        if not secret_stdin:
            fail(
                "设置推送地址须用 --secret-stdin 从标准输入给出签名密钥",
                "a push URL needs the signing secret on standard input (--secret-stdin)",
                st.lang,
            )
        secret = sys.stdin.readline().rstrip("\r\n")
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            found = deliveries.set_endpoint(
                conn,
                clock=_clock(st),
                principal=office(),
                province=province,
                url=url,
                secret=secret,
                settings=st.settings,
            )
    finally:
        engine.dispose()
    if as_json:
        json_line(found.to_dict())
        return
    out.print(
        st.t(
            f"省份 {found.province}：{'推送到 ' + escape(found.url) if found.url else '拉取'}",
            f"province {found.province}: {'push to ' + escape(found.url) if found.url else 'pull'}",
        )
    )


@endpoint_app.command("list")
def endpoint_list(ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None) -> None:
    """列出四省平台的推送地址 (list the four province platforms' push addresses)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            found = deliveries.list_endpoints(conn)
    finally:
        engine.dispose()
    if as_json:
        for item in found:
            json_line(item.to_dict())
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (("省份", "province"), ("方式", "mode"), ("地址", "url"), ("更新", "updated")):
        table.add_column(st.t(zh, en))
    for item in found:
        table.add_row(
            item.province,
            st.t("推送", "push") if item.url else st.t("拉取", "pull"),
            escape(item.url or "-"),
            item.updated_at.isoformat(timespec="minutes") if item.updated_at else "-",
        )
    out.print(table)
