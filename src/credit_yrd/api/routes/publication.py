"""``/api/v1/publication/runs`` (credit offices) and ``/api/v1/calendar/deadline`` (public): the
daily publication job's runs, and deadlines in working days.

- ``GET /publication/runs``: the latest runs of the job that moves records across their
  publication windows (:mod:`credit_yrd.publication.job`): the day judged, records examined and
  moved, the moves per ``from->to``, who ran it, when it finished (null: stopped or running).
- ``GET /calendar/deadline?start=&days=``: the ``days``-th working day after ``start`` under the
  official holiday calendar with its make-up working days (:mod:`credit_yrd.workdays`), the basis
  of each year involved (official data, the calendar file, or weekends only) and the warning to
  show when a year has no holiday data. Input out of bounds answers 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import settings_of
from credit_yrd.api.routes.subjects import Lang, Store, problem_doc
from credit_yrd.publication.job import MAX_RUNS, RunSummary, recent_runs
from credit_yrd.workdays import MAX_WORKING_DAYS, calendar_for

router = APIRouter(tags=["公示期与工作日 publication and working days"])

#: The days a deadline may start on (the calendar file covers 1901–2199; a start beyond this
#: range is refused rather than counted on weekends alone).
FIRST_START = dt.date(1990, 1, 1)
LAST_START = dt.date(2199, 10, 31)


class RunView(BaseModel):
    """公示任务的一次运行 (one run of the daily publication job)."""

    run_id: int = Field(description="运行编号 (run id)")
    run_on: dt.date = Field(description="判定日 (the day judged)")
    examined: int = Field(description="检查的记录数 (records examined)")
    moved: int = Field(description="公示状态改变的记录数 (records whose state changed)")
    windows_changed: int = Field(
        description="公示期改变而状态未变的记录数 (records whose window changed, state unchanged)"
    )
    counts: dict[str, int] = Field(
        description="按“原状态->新状态”计数；none 为首次判定 (moves per from->to; none: never "
        "judged before)"
    )
    actor: str = Field(description="运行者 (who ran it: worker, CLI user)")
    standard_version: str = Field(description="数据标准版本 (standard version)")
    started_at: dt.datetime | None = Field(description="开始时间 (started)")
    finished_at: dt.datetime | None = Field(
        description="完成时间；为空表示中断或仍在运行 (finished; null: stopped or still running)"
    )

    @classmethod
    def of(cls, run: RunSummary) -> RunView:
        return cls(
            run_id=run.run_id,
            run_on=run.run_on,
            examined=run.examined,
            moved=run.moved,
            windows_changed=run.windows_changed,
            counts=dict(sorted(run.counts.items())),
            actor=run.actor,
            standard_version=run.standard_version,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class RunList(BaseModel):
    """公示任务的最近运行，新在前 (the latest runs, newest first)."""

    runs: list[RunView]


@router.get(
    "/publication/runs",
    response_model=RunList,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses={
        401: problem_doc("未认证 (not authenticated)"),
        403: problem_doc("仅限信用办 (credit offices only)"),
    },
    summary="公示任务运行记录 (runs of the daily publication job)",
    description="每日公示任务（按公示期迁移记录的公示状态）的最近运行：判定日、检查与迁移的记录数、"
    "按“原状态->新状态”的迁移数、运行者、完成时间。\n\n"
    "The latest runs of the daily job that moves records across their publication windows: the "
    "day judged, records examined and moved, moves per from->to, who ran it, when it finished.",
)
def publication_runs(
    store: Store,
    limit: Annotated[
        int, Query(ge=1, le=MAX_RUNS, description="条数 (how many runs, newest first)")
    ] = 20,
    lang: Lang = None,
) -> RunList:
    with store.connect() as conn:
        runs = recent_runs(conn, limit)
    return RunList(runs=[RunView.of(run) for run in runs])


class YearBasis(BaseModel):
    """某年工作日的依据 (where a year's working days come from)."""

    year: int
    basis: Literal["official", "file", "weekends"] = Field(
        description="official 国务院公布的节假日安排（内置数据）/ file 日历文件 / weekends 仅按周末"
        "计算 (official data bundled, the calendar file, or weekends only)"
    )


class Deadline(BaseModel):
    """按工作日计算的期限 (a deadline counted in working days)."""

    start: dt.date = Field(description="起算日，不计入 (start day, not counted)")
    days: int = Field(description="工作日数 (working days)")
    due: dt.date = Field(description="到期日：起算日后第 days 个工作日 (the due day)")
    basis: list[YearBasis] = Field(description="所涉各年的依据 (the basis of each year involved)")
    warning_zh: str | None = Field(
        description="有年份缺少节假日数据时的提示 (warning when a year lacks holiday data)"
    )
    warning_en: str | None = None


@router.get(
    "/calendar/deadline",
    response_model=Deadline,
    dependencies=[allow(Role.PUBLIC)],
    responses={
        422: problem_doc(
            "start 不是日期或超出范围，days 不在 0 至 400 之间 (start not a date or out of range; "
            "days not 0 to 400)"
        )
    },
    summary="按工作日计算期限 (a deadline in working days)",
    description="起算日 start 之后第 days 个工作日（起算日不计入），按法定节假日和调休安排计算；"
    "内置数据之后的年份取自日历文件（设置 calendar_file），没有时仅按周末计算并给出提示。\n\n"
    "The days-th working day after start (start not counted), under the official holidays and "
    "make-up working days; years after the bundled data come from the calendar file (setting "
    "calendar_file), else weekends only, with a warning.",
)
def deadline(
    request: Request,
    start: Annotated[dt.date, Query(description="起算日，如 2026-09-28 (start day)")],
    days: Annotated[
        int, Query(ge=0, le=MAX_WORKING_DAYS, description="工作日数 (working days), 0–400")
    ],
    lang: Lang = None,
) -> Deadline:
    if not FIRST_START <= start <= LAST_START:
        raise HTTPException(
            status_code=422,
            detail=f"start 须在 {FIRST_START} 至 {LAST_START} 之间 (start must be between "
            f"{FIRST_START} and {LAST_START})",
        )
    calendar = calendar_for(settings_of(request.app).calendar_file)
    due = calendar.add_working_days(start, days)
    warning = calendar.warning(start, due)
    years = range(start.year, due.year + 1)
    return Deadline(
        start=start,
        days=days,
        due=due,
        basis=[YearBasis(year=y, basis=calendar.basis(y)) for y in years],
        warning_zh=warning[0] if warning else None,
        warning_en=warning[1] if warning else None,
    )
