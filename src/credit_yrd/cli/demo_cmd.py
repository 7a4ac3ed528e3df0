"""``credit-yrd demo``: a generated Yangtze River Delta, ingested from all four provinces, served.

On a fresh installation: the store is created, a world of about 20,000 subjects is generated into
``<data_dir>/world`` (once; later runs reuse it), each province's folder is ingested with progress
bars and receipts (a re-run finds every file already accepted and writes nothing), one portal account per
role is made (once; the passwords are kept in ``<data_dir>/demo-accounts.json`` and printed on every
run with the login address), the joint-action loop is set up (departments of Jiangsu and Zhejiang
subscribed to their scenarios, the ingested lists synced into entries and their measures initiated;
:mod:`credit_yrd.demo.joint`), and the server starts on the configured host and port.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credit_yrd.cli.context import CliState
from credit_yrd.cli.output import out

if TYPE_CHECKING:
    from credit_yrd.demo.accounts import DemoAccount
    from credit_yrd.demo.cases import CasesSummary
    from credit_yrd.demo.joint import JointSummary

PROVINCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
DEMO_SUBJECTS = 20_000


def world_dir(st: CliState) -> Path:
    return st.settings.data_dir / "world"


def ensure_world(st: CliState, subjects: int, seed: int) -> Path:
    """Generate the demo world unless it is already there; returns its folder."""
    from credit_yrd.demo import GenerateOptions, generate

    folder = world_dir(st)
    if (folder / "truth" / "summary.json").is_file():
        out.print(
            st.t(
                f"使用已生成的长三角模拟数据：{escape(str(folder))}",
                f"using the generated Yangtze River Delta in {escape(str(folder))}",
            )
        )
        return folder
    started = time.monotonic()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as bars:
        tasks: dict[str, Any] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bars.add_task(escape(label), total=total or None)
            bars.update(tasks[label], completed=done, total=total or None)

        generate(folder, GenerateOptions(subjects=subjects, seed=seed), progress)
    out.print(
        st.t(
            f"已生成长三角模拟数据（{subjects} 个主体，种子 {seed}，用时 "
            f"{time.monotonic() - started:.0f} 秒）：{escape(str(folder))}",
            f"generated the Yangtze River Delta ({subjects} subjects, seed {seed}, "
            f"{time.monotonic() - started:.0f} s): {escape(str(folder))}",
        )
    )
    return folder


def ingest_world(st: CliState, engine: Any, folder: Path) -> None:
    """Ingest every province's folder of the world, printing one receipt per batch."""
    from credit_yrd.cli.ingest_cmd import run_ingest

    for source in PROVINCES:
        out.print(st.t(f"[bold]导入 {source}[/]", f"[bold]ingesting {source}[/]"))
        run_ingest(st, engine, [folder / source], source, as_json=False)


def account_scope(st: CliState, account: DemoAccount) -> str:
    """What a demo account stands for, in words."""
    from credit_yrd.auth.roles import Role

    if account.role is Role.SUBJECT:
        return f"{account.subject_name or ''} {account.subject_uscc or ''}".strip()
    if account.role is Role.DEPARTMENT:
        return st.t(
            f"省份 {account.province}，领域 {account.domain}",
            f"province {account.province}, domain {account.domain}",
        )
    if account.role is Role.CREDIT_OFFICE:
        if account.province is None:
            return st.t("全区域", "whole region")
        return st.t(f"省份 {account.province}", f"province {account.province}")
    if account.role is Role.DATA_SOURCE:
        return st.t(
            f"来源 {account.source}（省份 {account.province}）",
            f"source {account.source} (province {account.province})",
        )
    return st.t("市场机构", "market institution")


def print_demo_accounts(st: CliState, accounts: list[DemoAccount]) -> None:
    """The demo logins as a table, with where to log in and where the passwords are kept."""
    from credit_yrd.demo.accounts import passwords_path

    table = Table(title=st.t("演示账户 (demo logins)", "demo logins"), padding=(0, 2))
    for zh, en in (
        ("用户名", "username"),
        ("角色", "role"),
        ("范围", "scope"),
        ("口令", "password"),
    ):
        table.add_column(st.t(zh, en))
    for account in accounts:
        table.add_row(
            escape(account.username),
            account.role.value,
            escape(account_scope(st, account)),
            escape(account.password),
        )
    out.print(table)
    h, p = st.settings.host, st.settings.port
    where = escape(str(passwords_path(st.settings.data_dir)))
    out.print(
        st.t(
            f"登录：http://{h}:{p}/login （口令保存在 {where}，仅供演示）",
            f"log in at http://{h}:{p}/login (passwords kept in {where}, for the demo only)",
        )
    )


def print_joint(st: CliState, summary: JointSummary) -> None:
    """What the joint-action demo holds: active list entries and initiated actions."""
    out.print(
        st.t(
            f"联合奖惩：在列名单条目 {summary.total_active} 条，已发起措施 {summary.actions} 项；"
            "部门登录后在 /console 查看推送的措施并核查、反馈，信用办在 /office/joint 查看闭环统计",
            f"joint measures: {summary.total_active} active list entries, {summary.actions} "
            "actions initiated; departments see their actions, check and feed back at /console, "
            "credit offices follow the loop at /office/joint",
        )
    )
    for line in summary.worker.get("errors", []):
        out.print(f"[yellow]{escape(str(line))}[/]")


def print_cases(st: CliState, joint: JointSummary, cases: CasesSummary) -> None:
    """The publication job's day and the demo's repair and objection cases with their 查询码."""
    run = joint.worker.get("publication")
    if run:
        moved = ", ".join(f"{k} {v}" for k, v in sorted((run.get("counts") or {}).items()))
        out.print(
            st.t(
                f"公示任务：{run.get('run_on')} 判定 {run.get('examined')} 条，迁移 {run.get('moved')} 条"
                f"（{moved or '无'}）",
                f"publication job: {run.get('examined')} records judged on {run.get('run_on')}, "
                f"{run.get('moved')} moved ({moved or 'none'})",
            )
        )
    if cases.skipped_zh:
        out.print(st.t(cases.skipped_zh, cases.skipped_en or cases.skipped_zh))
    if cases.repair_code:
        out.print(
            st.t(
                f"信用修复示例：演示主体已提交修复申请，查询码 {cases.repair_code}（在 /repair 查询进度；"
                "部门或信用办在 /console/repairs 办理）",
                f"credit repair example: the demo subject applied, query code {cases.repair_code} "
                "(follow it at /repair; departments and credit offices handle it at "
                "/console/repairs)",
            )
        )
    if cases.objection_code:
        out.print(
            st.t(
                f"异议示例：演示主体对一条处罚信息提出异议，查询码 {cases.objection_code}"
                "（公开档案上标注“异议处理中”；在 /console/objections 办理）",
                f"objection example: the demo subject disputes a penalty, query code "
                f"{cases.objection_code} (marked 异议处理中 on the public file; handled at "
                "/console/objections)",
            )
        )


def run_demo(st: CliState, url: str, *, subjects: int, seed: int) -> None:
    from credit_yrd.auth.accounts import password_hasher
    from credit_yrd.clock import clock_from
    from credit_yrd.demo.accounts import ensure_demo_accounts
    from credit_yrd.demo.cases import setup_cases
    from credit_yrd.demo.joint import setup_joint
    from credit_yrd.standards.loader import get_standard
    from credit_yrd.store.migrate import init_store

    folder = ensure_world(st, subjects, seed)
    engine = init_store(url)
    clock = clock_from(st.settings.clock_file)
    try:
        ingest_world(st, engine, folder)
        accounts = ensure_demo_accounts(
            engine,
            st.settings.data_dir,
            clock,
            hasher=password_hasher(st.settings.password_hash_cost),
            joint=True,
        )
        standard = get_standard(st.settings.standard_version)
        summary = setup_joint(engine, clock=clock, settings=st.settings, standard=standard)
        cases = setup_cases(engine, clock=clock, settings=st.settings, standard=standard)
    finally:
        engine.dispose()
    print_demo_accounts(st, accounts)
    print_joint(st, summary)
    print_cases(st, summary, cases)
