"""``credit-yrd key``: API keys for the API's callers (add, list, revoke).

A key is printed once, when it is made; the store keeps only its prefix and SHA-256 hash.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.engine import Engine

from credit_yrd.auth.api_keys import KeyInfo, create_key, get_key, list_keys, revoke_key
from credit_yrd.cli.context import CliState, DbOption, JsonOption, state
from credit_yrd.cli.output import json_line, listing_table, out
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.store.engine import transaction

app = typer.Typer(
    help="API 密钥：生成、列出、吊销 (API keys: add, list, revoke).",
    no_args_is_help=True,
)


class KeyRole(StrEnum):
    data_source = "data_source"
    department = "department"
    credit_office = "credit_office"
    market_institution = "market_institution"


ROLE_LABELS = {
    "data_source": ("数据来源（省级平台）", "data source (provincial platform)"),
    "department": ("部门", "department"),
    "credit_office": ("信用办", "credit office"),
    "market_institution": ("市场机构", "market institution"),
}


def _engine(st: CliState, db: str | None) -> Engine:
    from credit_yrd.store.migrate import init_store

    return init_store(db or st.settings.resolved_database_url())


def _role_text(st: CliState, role: str) -> str:
    zh, en = ROLE_LABELS.get(role, (role, role))
    return st.t(zh, en)


def _when(info: KeyInfo, st: CliState) -> str:
    if info.revoked_at is None:
        return st.t("有效", "active")
    stamp = info.revoked_at.isoformat(timespec="seconds")
    return st.t(f"已吊销 {stamp}", f"revoked {stamp}")


@app.command("add")
def add(
    ctx: typer.Context,
    role: Annotated[
        KeyRole,
        typer.Option("--role", help="角色 (role)", case_sensitive=False),
    ],
    label: Annotated[
        str, typer.Option("--label", help="名称，说明密钥给谁用 (label: who the key is for)")
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--source", help="来源代码；data_source 必填 (source; needed for data_source)"
        ),
    ] = None,
    province: Annotated[
        str | None,
        typer.Option("--province", help="省级区划代码两位，如 32 (province code, e.g. 32)"),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            help="领域（代码表 domain，如 market_regulation）；仅 department 可用 (domain, "
            "department keys only)",
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """生成一个 API 密钥；密钥只显示这一次 (make an API key; it is shown only once)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            key_id, plaintext = create_key(
                conn,
                role=role.value,
                label=label,
                source=source,
                province=province,
                domain=domain,
                clock=SYSTEM_CLOCK,
            )
            info = get_key(conn, key_id)
    finally:
        engine.dispose()
    assert info is not None
    warning = st.t(
        "请立即妥善保存此密钥：它只显示这一次，之后无法再次查看；遗失后只能吊销并重新生成。",
        "Store this key now: it is shown only this once and cannot be shown again; "
        "if it is lost, revoke it and make a new one.",
    )
    if as_json:
        json_line({**info.to_dict(), "key": plaintext, "warning": warning})
        return
    where = []
    if info.source:
        where.append(st.t(f"来源 {info.source}", f"source {info.source}"))
    if info.province:
        where.append(st.t(f"省份 {info.province}", f"province {info.province}"))
    if info.domain:
        where.append(st.t(f"领域 {info.domain}", f"domain {info.domain}"))
    detail = st.t("，", ", ").join([_role_text(st, info.role), *where])
    out.print(
        st.t(
            f"已生成 API 密钥 #{info.id}「{escape(info.label)}」（{escape(detail)}）：",
            f"API key #{info.id} '{escape(info.label)}' made ({escape(detail)}):",
        )
    )
    out.print(plaintext, markup=False, highlight=False)
    out.print(f"[bold yellow]![/] {escape(warning)}")


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    active: Annotated[
        bool, typer.Option("--active", help="只列出有效的密钥 (active keys only)")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="每个密钥一行 JSON (one JSON object per key)")
    ] = False,
    db: DbOption = None,
) -> None:
    """列出密钥（不含密钥本身与哈希）(list keys; never the key or its hash)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with engine.connect() as conn:
            keys = list_keys(conn, include_revoked=not active)
    finally:
        engine.dispose()
    table = listing_table(
        keys,
        as_json=as_json,
        lang=st.lang,
        empty=("没有密钥", "no keys"),
        columns=(
            ("编号", "id"),
            ("前缀", "prefix"),
            ("角色", "role"),
            ("来源", "source"),
            ("省份", "province"),
            ("领域", "domain"),
            ("名称", "label"),
            ("创建时间", "created"),
            ("状态", "status"),
        ),
    )
    if table is None:
        return
    for info in keys:
        table.add_row(
            str(info.id),
            info.prefix,
            info.role,
            escape(info.source or "-"),
            info.province or "-",
            info.domain or "-",
            escape(info.label),
            info.created_at.isoformat(timespec="seconds"),
            _when(info, st),
        )
    out.print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[int, typer.Argument(help="密钥编号（见 key list）(key id, see key list)")],
    db: DbOption = None,
) -> None:
    """吊销一个密钥，立即生效 (revoke a key, at once)."""
    st = state(ctx)
    engine = _engine(st, db)
    try:
        with transaction(engine) as conn:
            changed = revoke_key(conn, key_id, clock=SYSTEM_CLOCK)
            info = get_key(conn, key_id)
    finally:
        engine.dispose()
    label = escape(info.label if info is not None else "")
    if changed:
        out.print(st.t(f"已吊销密钥 #{key_id}「{label}」", f"revoked key #{key_id} '{label}'"))
    else:
        out.print(
            st.t(
                f"密钥 #{key_id}「{label}」此前已吊销，未作改动",
                f"key #{key_id} '{label}' was already revoked; nothing changed",
            )
        )
