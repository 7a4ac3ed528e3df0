"""``credit-yrd user``: portal accounts (add, list, disable, passwd).

A password is read from standard input (``--password-stdin``) or asked for twice without echo; it
is never a command-line argument (those end up in shell history and process lists), never printed,
and stored only as an argon2id hash.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.engine import Engine

from credit_yrd.auth.accounts import (
    AccountInfo,
    AccountScopeError,
    create_account,
    disable_account,
    get_account,
    list_accounts,
    password_hasher,
    set_password,
)
from credit_yrd.cli.context import CliState, DbOption, state
from credit_yrd.cli.output import fail, json_line, listing_table, out
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.store.engine import transaction
from credit_yrd.store.subjects import find_subject

app = typer.Typer(
    help="门户账户：新增、列出、停用、改口令 (portal accounts: add, list, disable, passwd).",
    no_args_is_help=True,
)


class AccountRole(StrEnum):
    subject = "subject"
    department = "department"
    credit_office = "credit_office"
    data_source = "data_source"
    market_institution = "market_institution"


ROLE_LABELS = {
    "subject": ("信用主体", "subject"),
    "department": ("政务部门", "department"),
    "credit_office": ("信用办", "credit office"),
    "data_source": ("数据来源（省级平台）", "data source (provincial platform)"),
    "market_institution": ("市场机构", "market institution"),
}

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="从标准输入读取口令（一行）；否则交互输入两次 (read the password from standard input, "
        "one line; otherwise prompt twice)",
    ),
]
Username = Annotated[str, typer.Argument(help="用户名 (username)")]


def _engine(st: CliState, db: str | None) -> Engine:
    from credit_yrd.store.migrate import init_store

    return init_store(db or st.settings.resolved_database_url())


def role_text(st: CliState, role: str) -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return st.t(zh, en)


def scope_text(st: CliState, info: AccountInfo) -> str:
    """What an account stands for, in words: province, domain, source, subject."""
    parts = []
    if info.role == "credit_office" and info.province is None:
        parts.append(st.t("全区域", "whole region"))
    if info.province:
        parts.append(st.t(f"省份 {info.province}", f"province {info.province}"))
    if info.domain:
        parts.append(st.t(f"领域 {info.domain}", f"domain {info.domain}"))
    if info.source:
        parts.append(st.t(f"来源 {info.source}", f"source {info.source}"))
    if info.subject_id is not None:
        parts.append(st.t(f"主体 #{info.subject_id}", f"subject #{info.subject_id}"))
    return st.t("，", ", ").join(parts) or "-"


def read_password(st: CliState, from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            fail("标准输入中没有口令", "no password on standard input", st.lang)
        return password
    entered: str = typer.prompt(
        st.t("口令", "password"),
        hide_input=True,
        confirmation_prompt=st.t("再次输入口令", "repeat the password"),
    )
    return entered


@app.command("add")
def add(
    ctx: typer.Context,
    username: Username,
    role: Annotated[AccountRole, typer.Option("--role", help="角色 (role)", case_sensitive=False)],
    name: Annotated[str, typer.Option("--name", help="显示名 (display name)")],
    province: Annotated[
        str | None,
        typer.Option(
            "--province",
            help="省级区划代码，如 31；department 必填，credit_office 缺省为全区域 (province, "
            "e.g. 31; needed for department; credit_office without it covers the whole region)",
        ),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            help="领域（代码表 domain，如 market_regulation）；department 必填 (domain, needed "
            "for department)",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="来源代码；data_source 必填 (source; needed for data_source)"
        ),
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject",
            help="主体的统一社会信用代码或旧代码；subject 必填 (the subject's USCC or legacy "
            "code; needed for subject)",
        ),
    ] = None,
    password_stdin: PasswordStdin = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON (print JSON)")] = False,
    db: DbOption = None,
) -> None:
    """新增门户账户 (add a portal account)."""
    st = state(ctx)
    password = read_password(st, password_stdin)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            subject_id = None
            if subject is not None:
                found = find_subject(conn, subject)
                if found is None:
                    raise AccountScopeError(
                        f"没有代码为“{subject}”的主体", f"no subject has the code {subject!r}"
                    )
                subject_id = int(found.id)
            account_id = create_account(
                conn,
                username=username,
                password=password,
                role=role.value,
                display_name=name,
                province=province,
                domain=domain,
                source=source,
                subject_id=subject_id,
                clock=SYSTEM_CLOCK,
                hasher=password_hasher(st.settings.password_hash_cost),
            )
            info = get_account(conn, account_id)
    finally:
        engine.dispose()
    assert info is not None
    if as_json:
        json_line(info.to_dict())
        return
    detail = st.t("，", ", ").join([role_text(st, info.role), scope_text(st, info)])
    out.print(
        st.t(
            f"已新增账户 #{info.id} {escape(info.username)}「{escape(info.display_name)}」"
            f"（{escape(detail)}）",
            f"account #{info.id} {escape(info.username)} '{escape(info.display_name)}' "
            f"added ({escape(detail)})",
        )
    )


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    active: Annotated[
        bool, typer.Option("--active", help="只列出未停用的账户 (active accounts only)")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="每个账户一行 JSON (one JSON object per account)")
    ] = False,
    db: DbOption = None,
) -> None:
    """列出账户（不含口令散列）(list accounts; never a password hash)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            found = list_accounts(conn, include_disabled=not active)
    finally:
        engine.dispose()
    table = listing_table(
        found,
        as_json=as_json,
        lang=st.lang,
        empty=("没有账户", "no accounts"),
        columns=(
            ("编号", "id"),
            ("用户名", "username"),
            ("显示名", "name"),
            ("角色", "role"),
            ("范围", "scope"),
            ("创建时间", "created"),
            ("状态", "status"),
        ),
    )
    if table is None:
        return
    for info in found:
        if info.disabled_at is None:
            status = st.t("有效", "active")
        else:
            stamp = info.disabled_at.isoformat(timespec="seconds")
            status = st.t(f"已停用 {stamp}", f"disabled {stamp}")
        table.add_row(
            str(info.id),
            escape(info.username),
            escape(info.display_name),
            info.role,
            escape(scope_text(st, info)),
            info.created_at.isoformat(timespec="seconds"),
            status,
        )
    out.print(table)


@app.command("disable")
def disable(ctx: typer.Context, username: Username, db: DbOption = None) -> None:
    """停用账户并结束其全部会话，立即生效 (disable an account and end its sessions, at once)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            changed = disable_account(conn, username, clock=SYSTEM_CLOCK)
    finally:
        engine.dispose()
    shown = escape(username.strip())
    if changed:
        out.print(st.t(f"已停用账户 {shown}", f"account {shown} disabled"))
    else:
        out.print(
            st.t(
                f"账户 {shown} 此前已停用，未作改动",
                f"account {shown} was already disabled; nothing changed",
            )
        )


@app.command("passwd")
def passwd(
    ctx: typer.Context,
    username: Username,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """设置新口令并结束该账户的全部会话 (set a new password and end the account's sessions)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            known = get_account(conn, username) is not None
        if not known:
            fail(f"没有账户“{username}”", f"no account {username!r}", st.lang)
        password = read_password(st, password_stdin)
        with transaction(engine) as conn:
            info = set_password(
                conn,
                username,
                password,
                clock=SYSTEM_CLOCK,
                hasher=password_hasher(st.settings.password_hash_cost),
            )
    finally:
        engine.dispose()
    shown = escape(info.username)
    out.print(
        st.t(
            f"已为账户 {shown} 设置新口令；其已有会话均已结束",
            f"new password set for {shown}; its open sessions were ended",
        )
    )
