"""``credit-yrd objection list | show | decide``: objections (异议) as the region's credit office
handles them (:mod:`credit_yrd.repair.objections`).

The CLI acts as the regional credit office, so it sees and may decide every objection; ``--by``
names the person at the keyboard (case steps say ``cli:<name>``). Each read is written to the
access log like an API read by a credit office. The day is the platform's clock
(``CREDIT_YRD_CLOCK_FILE`` when set, else today).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.cli.context import CliState, DbOption, JsonOption, state
from credit_yrd.cli.output import fail, json_line, out
from credit_yrd.clock import Clock, clock_from
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.repair.common import working_calendar
from credit_yrd.repair.objections import (
    GROUND_LABELS,
    OUTCOMES,
    STATUS_LABELS,
    Objection,
    QueueItem,
    decide_objection,
    objection_queue,
    readable_objection,
)
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import OBJECTION_STATUSES

app = typer.Typer(
    help="异议：列出、查看、答复（以区域信用办身份）(objections: list, show, decide — as the "
    "regional credit office).",
    no_args_is_help=True,
)

ByOption = Annotated[
    str, typer.Option("--by", help="办理人，记入办理步骤与访问日志 (who acts; logged)")
]
PURPOSE = "异议处理（命令行）(objection handling, CLI)"


def _engine(st: CliState, db: str | None) -> Engine:
    from credit_yrd.store.migrate import init_store

    return init_store(db or st.settings.resolved_database_url())


def _clock(st: CliState) -> Clock:
    return clock_from(st.settings.clock_file)


def _standard(st: CliState) -> Standard:
    return get_standard(st.settings.standard_version)


def _office(st: CliState, by: str) -> Principal:
    name = " ".join(by.split())[:100]
    if not name or not name.isprintable():
        fail("--by 不能为空或含控制字符", "--by must be non-empty printable text", st.lang)
    return Principal(role=Role.CREDIT_OFFICE, key_id=None, label=name, province=None)


def _log(conn: Connection, clock: Clock, by: str, action: str, found: list[Objection]) -> None:
    reader = Reader(actor=f"cli:{by}"[:200], role=Role.CREDIT_OFFICE.value, purpose=PURPOSE)
    by_subject: dict[int, set[int]] = {}
    for o in found:
        by_subject.setdefault(o.subject_id, set()).add(o.record_id)
    for subject_id, record_ids in by_subject.items():
        log_read(
            conn, reader, subject_id=subject_id, record_ids=record_ids, action=action, clock=clock
        )


def _as_dict(o: Objection, today: Any, item: QueueItem | None = None) -> dict[str, Any]:
    values = o.to_dict()
    values["overdue"] = o.overdue(today)
    if item is not None:
        values.update(
            record_kind=item.record_kind,
            subject_name=item.subject_name,
            working_days_left=item.working_days_left,
            warning=list(item.warning) if item.warning else None,
        )
    return values


def _label(st: CliState, table: dict[str, tuple[str, str]], code: str) -> str:
    zh, en = table.get(code, (code, code))
    return st.t(zh, en)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help=f"只看该状态：{' / '.join(OBJECTION_STATUSES)} (only this status)"
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="条数 (how many)")] = 100,
    by: ByOption = "cli",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """待办异议：处理中的在前、按答复期限排序，含剩余工作日与是否超期 (the objection queue: open
    first by due date, with working days left and overdue flags)."""
    st = state(ctx)
    if status is not None and status not in OBJECTION_STATUSES:
        fail(
            f"--status：“{status}”无效（可选：{'、'.join(OBJECTION_STATUSES)}）",
            f"--status: {status!r} is not one of {', '.join(OBJECTION_STATUSES)}",
            st.lang,
        )
    principal = _office(st, by)
    clock = _clock(st)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            items = objection_queue(
                conn,
                principal,
                clock=clock,
                settings=st.settings,
                status=status,
                limit=limit,
                standard=_standard(st),
            )
            _log(conn, clock, principal.label, "cli objection list", [i.objection for i in items])
    finally:
        engine.dispose()
    today = clock.today()
    if as_json:
        for item in items:
            json_line(_as_dict(item.objection, today, item))
        return
    if not items:
        out.print(st.t("没有异议", "no objections"))
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("编号", "id"),
        ("状态", "status"),
        ("事项", "ground"),
        ("信息类别", "record kind"),
        ("记录", "record"),
        ("主体", "subject"),
        ("省份/领域", "province/domain"),
        ("答复期限", "due"),
        ("剩余工作日", "days left"),
    ):
        table.add_column(st.t(zh, en))
    for item in items:
        o = item.objection
        left = "—" if item.working_days_left is None else str(item.working_days_left)
        if item.overdue:
            left += st.t(" 超期", " overdue")
        table.add_row(
            str(o.id),
            _label(st, STATUS_LABELS, o.status),
            _label(st, GROUND_LABELS, o.ground),
            escape(st.t(item.kind_label_zh, item.kind_label_en)),
            str(o.record_id),
            escape(item.subject_name),
            f"{o.province}/{o.domain or '—'}",
            o.due_on.isoformat(),
            left,
        )
    out.print(table)
    warnings = {i.warning for i in items if i.warning}
    for warning in sorted(warnings):
        out.print(f"[yellow]{escape(st.t(*warning))}[/]")


def _print(st: CliState, o: Objection, today: Any) -> None:
    rows = [
        (st.t("编号", "id"), str(o.id)),
        (st.t("查询码", "query code"), o.query_code),
        (st.t("状态", "status"), _label(st, STATUS_LABELS, o.status)),
        (st.t("事项", "ground"), _label(st, GROUND_LABELS, o.ground)),
        (st.t("记录", "record"), str(o.record_id)),
        (st.t("修复申请", "repair application"), str(o.repair_id or "—")),
        (st.t("异议人", "party"), f"{o.party} {o.party_name or ''}".strip()),
        (st.t("提出者", "filed by"), o.filed_by),
        (st.t("受理", "handled by"), f"{o.authority}（{o.province}/{o.domain or '—'}）"),
        (st.t("收到", "received"), o.received_at.isoformat(timespec="seconds")),
        (
            st.t("答复期限", "due"),
            o.due_on.isoformat() + (st.t("（超期）", " (overdue)") if o.overdue(today) else ""),
        ),
        (st.t("异议理由", "statement"), o.statement),
    ]
    if o.decided_at is not None:
        rows += [
            (
                st.t("答复", "decided"),
                f"{o.decided_at.isoformat(timespec='seconds')} {o.decided_by}",
            ),
            (st.t("理由", "reasons"), o.reasons or ""),
            (st.t("办理用时（工作日）", "working days"), str(o.working_days)),
            (st.t("新版本", "new version"), str(o.new_version_id or "—")),
        ]
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column()
    table.add_column()
    for key, value in rows:
        table.add_row(key, escape(value))
    out.print(table)
    for step in o.steps:
        out.print(
            f"  {step.at.isoformat(timespec='seconds')}  {escape(step.event)}  {escape(step.actor)}"
        )


@app.command("show")
def show(
    ctx: typer.Context,
    objection_id: Annotated[int, typer.Argument(min=1, help="异议编号 (objection id)")],
    by: ByOption = "cli",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """一件异议及其步骤 (one objection and its steps)."""
    st = state(ctx)
    principal = _office(st, by)
    clock = _clock(st)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            found = readable_objection(conn, principal, objection_id)
            _log(conn, clock, principal.label, f"cli objection show {objection_id}", [found])
    finally:
        engine.dispose()
    if as_json:
        json_line(_as_dict(found, clock.today()))
        return
    _print(st, found, clock.today())


def _corrections(st: CliState, pairs: list[str]) -> dict[str, str] | None:
    found: dict[str, str] = {}
    for pair in pairs:
        code, sep, value = pair.partition("=")
        if not sep or not code.strip():
            fail(
                f"--set：“{pair}”须写成 字段代码=新值",
                f"--set: {pair!r} must be FIELD=VALUE",
                st.lang,
            )
        found[code.strip()] = value
    return found or None


@app.command("decide")
def decide(
    ctx: typer.Context,
    objection_id: Annotated[int, typer.Argument(min=1, help="异议编号 (objection id)")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="uphold 维持 / correct 更正 / withdraw_record 撤销信息")
    ],
    reasons: Annotated[str, typer.Option("--reasons", help="理由，必填 (reasons, required)")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="更正的字段：字段代码=新值，可重复（仅 correct）(a corrected field, repeatable)",
        ),
    ] = None,
    by: ByOption = "cli",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """答复异议，须说明理由 (decide an objection, with reasons)."""
    st = state(ctx)
    if outcome not in OUTCOMES:
        fail(
            f"--outcome：“{outcome}”无效（可选：{'、'.join(OUTCOMES)}）",
            f"--outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}",
            st.lang,
        )
    corrected = _corrections(st, set_ or [])
    principal = _office(st, by)
    clock = _clock(st)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            done = decide_objection(
                conn,
                clock=clock,
                settings=st.settings,
                standard=_standard(st),
                principal=principal,
                objection_id=objection_id,
                outcome=outcome,
                reasons=reasons,
                corrected=corrected,
            )
    finally:
        engine.dispose()
    if as_json:
        json_line(_as_dict(done, clock.today()))
        return
    days = done.working_days
    calendar = working_calendar(st.settings)
    warning = calendar.warning(done.received_on, done.due_on)
    out.print(
        st.t(
            f"异议 {done.id}：{_label(st, STATUS_LABELS, done.status)}；办理用时 {days} 个工作日",
            f"objection {done.id}: {_label(st, STATUS_LABELS, done.status)}; handled in {days} "
            "working days",
        )
    )
    if done.new_version_id is not None:
        out.print(
            st.t(
                f"记录 {done.record_id} 已形成新版本（版本编号 {done.new_version_id}），历史保留",
                f"record {done.record_id} has a new version (version id {done.new_version_id}); "
                "history kept",
            )
        )
    if warning:
        out.print(f"[yellow]{escape(st.t(*warning))}[/]")
