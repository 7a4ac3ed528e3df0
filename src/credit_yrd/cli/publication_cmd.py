"""``credit-yrd publication run|runs`` and ``credit-yrd calendar show|check|deadline``: the daily
publication job by hand and its runs; the working calendar of deadlines (which years come from the
official data, the calendar file or weekends alone; a year's holidays and make-up working days;
checking a calendar file; a deadline in working days).

The day is the platform's clock (``CREDIT_YRD_CLOCK_FILE`` when set, else today); ``publication
run --on`` judges another day.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated, Any

import chinese_calendar
import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import CliState, DbOption, JsonOption, state
from credit_yrd.cli.output import fail, json_line, out
from credit_yrd.publication.job import MAX_RUNS, STATE_LABELS, RunSummary
from credit_yrd.workdays import (
    MAX_WORKING_DAYS,
    WorkingCalendar,
    calendar_for,
    load_calendar_file,
)

publication_app = typer.Typer(
    help="公示期：每日公示任务、运行记录 (publication windows: the daily job and its runs).",
    no_args_is_help=True,
)
calendar_app = typer.Typer(
    help="工作日日历：年份依据、节假日与调休、检查日历文件、计算期限 (the working calendar).",
    no_args_is_help=True,
)


BASIS_LABELS = {
    "official": ("国务院公布的安排（内置数据）", "official (bundled data)"),
    "file": ("日历文件", "calendar file"),
    "weekends": ("仅按周末计算", "weekends only"),
}


def _date(st: CliState, name: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        fail(
            f"{name}：“{text}”不是日期（如 2026-09-28）",
            f"{name}: {text!r} is not a date (e.g. 2026-09-28)",
            st.lang,
        )


def _actor() -> str:
    try:
        return f"cli {getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _move_label(st: CliState, key: str) -> str:
    before, _, after = key.partition("->")
    if before == after:
        zh, en = STATE_LABELS.get(after, (after, after))
        return st.t(f"公示期变更（仍为{zh}）", f"window changed (still {en})")
    b = STATE_LABELS.get(before, (before, before))
    a = STATE_LABELS.get(after, (after, after))
    return st.t(f"{b[0]} → {a[0]}", f"{b[1]} → {a[1]}")


def _print_run(st: CliState, run: RunSummary) -> None:
    day = run.run_on.isoformat()
    out.print(
        st.t(
            f"公示任务 #{run.run_id}（{day}）：检查 {run.examined:,} 条记录，"
            f"公示状态改变 {run.moved:,} 条，公示期变更 {run.windows_changed:,} 条",
            f"publication run #{run.run_id} ({day}): {run.examined:,} records examined, "
            f"{run.moved:,} moved, {run.windows_changed:,} windows changed",
        )
    )
    for key, n in sorted(run.counts.items()):
        out.print(f"  {escape(_move_label(st, key))}  {escape(key)}: {n:,}")


@publication_app.command("run")
def run_cmd(
    ctx: typer.Context,
    on: Annotated[
        str | None,
        typer.Option("--on", help="判定哪一天，如 2026-12-01；缺省为平台时钟的今天 (the day)"),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """运行公示任务：按公示期迁移记录的公示状态并记录每次迁移；可重复运行 (run the publication
    job: move records across their windows and log every move; safe to repeat)."""
    from credit_yrd.clock import clock_from
    from credit_yrd.publication.job import run
    from credit_yrd.standards.loader import get_standard
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    clock = clock_from(st.settings.clock_file)
    day = _date(st, "--on", on) if on is not None else clock.today()
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        summary = run(
            engine,
            on=day,
            clock=clock,
            standard=get_standard(st.settings.standard_version),
            actor=_actor(),
        )
    finally:
        engine.dispose()
    if as_json:
        json_line(summary.to_dict())
        return
    _print_run(st, summary)


@publication_app.command("runs")
def runs_cmd(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=MAX_RUNS, help="条数 (how many, newest first)")
    ] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """公示任务的最近运行，新在前 (the latest runs of the publication job, newest first)."""
    from credit_yrd.publication.job import recent_runs
    from credit_yrd.store.migrate import init_store

    st = state(ctx)
    engine = init_store(db or st.settings.resolved_database_url())
    try:
        with engine.connect() as conn:
            runs = recent_runs(conn, limit)
    finally:
        engine.dispose()
    if as_json:
        json_line({"runs": [r.to_dict() for r in runs]})
        return
    if not runs:
        out.print(st.t("尚无运行记录", "no runs yet"))
        return
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("编号", "run"),
        ("判定日", "day"),
        ("检查", "examined"),
        ("迁移", "moved"),
        ("公示期变更", "windows"),
        ("运行者", "actor"),
        ("完成时间", "finished"),
        ("迁移明细", "moves"),
    ):
        table.add_column(st.t(zh, en))
    for r in runs:
        table.add_row(
            str(r.run_id),
            r.run_on.isoformat(),
            f"{r.examined:,}",
            f"{r.moved:,}",
            f"{r.windows_changed:,}",
            escape(r.actor),
            r.finished_at.isoformat(timespec="seconds")
            if r.finished_at
            else st.t("未完成", "not finished"),
            escape(", ".join(f"{k}: {n}" for k, n in sorted(r.counts.items()))) or "—",
        )
    out.print(table)


# --- calendar ------------------------------------------------------------------------------


def _calendar(st: CliState) -> WorkingCalendar:
    return calendar_for(st.settings.calendar_file)


def year_days(calendar: WorkingCalendar, year: int) -> tuple[list[dt.date], list[dt.date]]:
    """The days off and the make-up working days of ``year`` as the calendar holds them (none for
    a year counted on weekends alone)."""
    basis = calendar.basis(year)
    if basis == "official":
        holidays = sorted(d for d in chinese_calendar.holidays if d.year == year)
        workdays = sorted(
            d for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5
        )
        return holidays, workdays
    if basis == "file" and calendar.extra is not None:
        found = calendar.extra.years[year]
        return sorted(found.holidays), sorted(found.workdays)
    return [], []


def _warning_out(st: CliState, warning: tuple[str, str] | None) -> None:
    if warning is not None:
        out.print(f"[yellow]{escape(st.t('提示', 'warning'))}:[/] {escape(st.t(*warning))}")


@calendar_app.command("show")
def calendar_show(
    ctx: typer.Context,
    year: Annotated[
        int | None,
        typer.Option("--year", min=1901, max=2199, help="列出该年的节假日和调休 (one year)"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """各年份工作日的依据；--year 列出该年的节假日和调休工作日 (where each year's working days
    come from; with --year, that year's holidays and make-up working days)."""
    st = state(ctx)
    calendar = _calendar(st)
    problem = calendar.file_problem
    if year is None:
        years = calendar.years()
        if as_json:
            json_line(
                {
                    "calendar_file": str(st.settings.calendar_file)
                    if st.settings.calendar_file
                    else None,
                    "calendar_file_problem": [problem.message_zh, problem.message_en]
                    if problem
                    else None,
                    "years": [{"year": y, "basis": b} for y, b in years],
                    "other_years": "weekends",
                }
            )
            return
        table = Table(box=None, padding=(0, 2))
        table.add_column(st.t("年份", "year"))
        table.add_column(st.t("依据", "basis"))
        for y, basis in years:
            table.add_row(str(y), st.t(*BASIS_LABELS[basis]))
        out.print(table)
        out.print(
            st.t(
                "其他年份仅按周末计算（并提示）；日历文件：",
                "any other year counts weekends only (with a warning); calendar file: ",
            )
            + escape(str(st.settings.calendar_file or st.t("未设置", "not set")))
        )
        if problem is not None:
            _warning_out(st, (problem.message_zh, problem.message_en))
        return
    basis = calendar.basis(year)
    holidays, workdays = year_days(calendar, year)
    warning = calendar.warning_for_year(year) if basis == "weekends" else None
    if as_json:
        json_line(
            {
                "year": year,
                "basis": basis,
                "holidays": [d.isoformat() for d in holidays],
                "workdays": [d.isoformat() for d in workdays],
                "warning": list(warning) if warning else None,
            }
        )
        return
    out.print(f"{year}：{st.t(*BASIS_LABELS[basis])}")
    out.print(st.t("放假日", "days off") + f" ({len(holidays)}): " + _days_text(holidays))
    out.print(
        st.t("调休工作日", "make-up working days") + f" ({len(workdays)}): " + _days_text(workdays)
    )
    _warning_out(st, warning)


def _days_text(days: list[dt.date]) -> str:
    return ", ".join(d.isoformat() for d in days) or "—"


@calendar_app.command("check")
def calendar_check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="日历文件（YAML）(the calendar file)")],
    as_json: JsonOption = False,
) -> None:
    """检查日历文件：有误时指出文件、位置和规则并以状态 2 退出 (check a calendar file; a problem
    names the file, the place and the rule, exit status 2)."""
    st = state(ctx)
    found = load_calendar_file(file)  # CalendarFileError: one line on stderr, exit 2
    years: list[dict[str, Any]] = [
        {
            "year": y.year,
            "holidays": len(y.holidays),
            "workdays": len(y.workdays),
        }
        for y in sorted(found.years.values(), key=lambda y: y.year)
    ]
    if as_json:
        json_line({"file": str(file), "valid": True, "years": years})
        return
    out.print(st.t(f"日历文件 {file} 有效", f"calendar file {file} is valid"))
    for y in years:
        out.print(
            st.t(
                f"  {y['year']} 年：放假 {y['holidays']} 天，调休工作日 {y['workdays']} 天",
                f"  {y['year']}: {y['holidays']} days off, {y['workdays']} make-up working days",
            )
        )


@calendar_app.command("deadline")
def calendar_deadline(
    ctx: typer.Context,
    start: Annotated[str, typer.Argument(help="起算日，不计入，如 2026-09-28 (start day)")],
    days: Annotated[
        int,
        typer.Argument(min=0, max=MAX_WORKING_DAYS, help="工作日数 (working days)"),
    ],
    as_json: JsonOption = False,
) -> None:
    """起算日之后第 DAYS 个工作日（起算日不计入）及提示 (the DAYS-th working day after START, and
    the warning when a year lacks holiday data)."""
    st = state(ctx)
    first = _date(st, "START", start)
    if not 1901 <= first.year <= 2198:
        fail("START 须在 1901 至 2198 年之间", "START must be between 1901 and 2198", st.lang)
    calendar = _calendar(st)
    due = calendar.add_working_days(first, days)
    warning = calendar.warning(first, due)
    basis = {y: calendar.basis(y) for y in range(first.year, due.year + 1)}
    if as_json:
        json_line(
            {
                "start": first.isoformat(),
                "days": days,
                "due": due.isoformat(),
                "basis": [{"year": y, "basis": b} for y, b in basis.items()],
                "warning": list(warning) if warning else None,
            }
        )
        return
    out.print(
        st.t(
            f"{first.isoformat()} 之后第 {days} 个工作日：{due.isoformat()}",
            f"{days} working days after {first.isoformat()}: {due.isoformat()}",
        )
    )
    out.print(
        st.t("依据：", "basis: ")
        + st.t("；", "; ").join(f"{y} {st.t(*BASIS_LABELS[b])}" for y, b in basis.items())
    )
    _warning_out(st, warning)


def register(app: typer.Typer) -> None:
    """Add the ``publication`` and ``calendar`` groups to the main command."""
    app.add_typer(publication_app, name="publication")
    app.add_typer(calendar_app, name="calendar")
