"""Working days (工作日) for deadlines: the official holiday calendar with its make-up working days.

Repair and objection deadlines are counted in working days from the day after receipt (the day of
receipt is not counted), skipping the official public holidays and counting the make-up working
days (调休) that fall on a weekend: 2026-09-28 + 10 working days is 2026-10-16, because 1–7 October
are off and Saturday 10 October is worked.

Where each year's calendar comes from, in this order:

1. ``chinese-calendar``, whose bundled data is the State Council's notices up to its last year
   (2026 for the release pinned here);
2. a calendar file (setting ``calendar_file``) for later years, written from the State Council's
   notice when it is published each winter::

       years:
         2027:
           holidays: [2027-01-01, {from: 2027-02-06, to: 2027-02-12}]
           workdays: [2027-02-20]

   ``holidays`` are days off (a weekday or a weekend day), ``workdays`` are weekend days worked;
3. otherwise weekends only: Monday to Friday are working days. The calendar says so — a logged
   warning the first time each year is used, and :meth:`WorkingCalendar.warning` for pages and
   answers — and never fails, so a deadline can always be given.

A calendar file that cannot be read or breaks a rule is a :class:`CalendarFileError` naming the
file, the place and the rule; the platform then warns and counts weekends only for the years the
file would have covered (:func:`calendar_for` never raises).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import chinese_calendar
import yaml

from credit_yrd.errors import CreditYrdError

log = logging.getLogger(__name__)

Basis = Literal["official", "file", "weekends"]

#: The last year of the holiday data bundled with chinese-calendar (read from the library).
BUNDLED_LAST_YEAR: int = max(day.year for day in chinese_calendar.holidays)
BUNDLED_FIRST_YEAR: int = min(day.year for day in chinese_calendar.holidays)

#: Most working days one deadline may count (a sanity bound: no rule counts more than a year).
MAX_WORKING_DAYS = 400


class CalendarFileError(CreditYrdError):
    """The calendar file cannot be read or breaks a rule (names the file and the place)."""


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to Monday–Friday: days off and weekend days worked."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


@dataclass(frozen=True)
class CalendarFile:
    path: Path
    years: Mapping[int, YearCalendar] = field(default_factory=dict)


def _file_error(path: Path, where: str, zh: str, en: str) -> CalendarFileError:
    return CalendarFileError(
        f"日历文件 {path}，{where}：{zh}", f"calendar file {path}, {where}: {en}"
    )


def _day(path: Path, where: str, value: Any, year: int) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _file_error(
                path, where, f"“{value}”不是 YYYY-MM-DD 日期", f"{value!r} is not a YYYY-MM-DD date"
            ) from None
    if not isinstance(value, dt.date):
        raise _file_error(path, where, "应为日期", "expected a date")
    if value.year != year:
        raise _file_error(
            path,
            where,
            f"日期 {value} 不在 {year} 年",
            f"the date {value} is not in {year}",
        )
    return value


def _days(path: Path, where: str, items: Any, year: int) -> set[dt.date]:
    if items is None:
        return set()
    if not isinstance(items, list):
        raise _file_error(path, where, "应为日期或区间的列表", "expected a list of dates or ranges")
    days: set[dt.date] = set()
    for index, item in enumerate(items, start=1):
        here = f"{where} 第 {index} 项"
        if isinstance(item, dict):
            unknown = set(item) - {"from", "to", "name"}
            if unknown or "from" not in item or "to" not in item:
                raise _file_error(
                    path,
                    here,
                    "区间须写作 {from: 日期, to: 日期}（可加 name）",
                    "a range is {from: date, to: date} (name optional)",
                )
            first = _day(path, here, item["from"], year)
            last = _day(path, here, item["to"], year)
            if last < first or (last - first).days > 31:
                raise _file_error(
                    path,
                    here,
                    "区间的结束早于开始或超过 31 天",
                    "the range ends before it starts or spans more than 31 days",
                )
            days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
        else:
            days.add(_day(path, here, item, year))
    return days


def load_calendar_file(path: Path) -> CalendarFile:
    """Read and check a calendar file; every problem is a :class:`CalendarFileError`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _file_error(
            path, "读取", f"无法读取（{exc.strerror}）", f"cannot be read ({exc.strerror})"
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _file_error(
            path, "解析", "不是 UTF-8 编码的 YAML", f"not UTF-8 YAML ({type(exc).__name__})"
        ) from None
    except ValueError as exc:  # a date YAML reads but the calendar has not: 2027-13-01
        raise _file_error(
            path, "解析", f"含有不存在的日期（{exc}）", f"holds a date that does not exist ({exc})"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        raise _file_error(path, "顶层", "须有 years: 映射", "must have a years: mapping")
    years: dict[int, YearCalendar] = {}
    for key, spec in data["years"].items():
        where = f"years.{key}"
        try:
            year = int(key)
        except (TypeError, ValueError):
            raise _file_error(path, where, "年份须为整数", "the year must be an integer") from None
        if not 1900 < year < 2200:
            raise _file_error(path, where, "年份超出范围", "the year is out of range")
        if not isinstance(spec, dict) or set(spec) - {"holidays", "workdays"}:
            raise _file_error(
                path,
                where,
                "每年只能有 holidays 和 workdays 两项",
                "each year holds only holidays and workdays",
            )
        holidays = _days(path, f"{where}.holidays", spec.get("holidays"), year)
        workdays = _days(path, f"{where}.workdays", spec.get("workdays"), year)
        both = sorted(holidays & workdays)
        if both:
            raise _file_error(
                path,
                f"{where}",
                f"{both[0]} 既是假日又是调休工作日",
                f"{both[0]} is both a holiday and a make-up working day",
            )
        weekday_workdays = sorted(d for d in workdays if d.weekday() < 5)
        if weekday_workdays:
            raise _file_error(
                path,
                f"{where}.workdays",
                f"{weekday_workdays[0]} 是周一至周五，本来就是工作日；调休工作日须是周末",
                f"{weekday_workdays[0]} is a weekday anyway; make-up working days fall on weekends",
            )
        years[year] = YearCalendar(year, frozenset(holidays), frozenset(workdays))
    return CalendarFile(path, years)


class WorkingCalendar:
    """Working days from the bundled data, a calendar file, or weekends only (with a warning)."""

    def __init__(
        self,
        extra: CalendarFile | None = None,
        *,
        file_problem: CalendarFileError | None = None,
    ) -> None:
        self.extra = extra
        self.file_problem = file_problem
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    def basis(self, year: int) -> Basis:
        """Where the calendar of ``year`` comes from."""
        if BUNDLED_FIRST_YEAR <= year <= BUNDLED_LAST_YEAR:
            return "official"
        if self.extra is not None and year in self.extra.years:
            return "file"
        return "weekends"

    def _note_fallback(self, year: int) -> None:
        with self._lock:
            if year in self._warned:
                return
            self._warned.add(year)
        zh, en = self.warning_for_year(year)
        log.warning("%s / %s", zh, en)

    def warning_for_year(self, year: int) -> tuple[str, str]:
        problem = ""
        problem_en = ""
        if self.file_problem is not None:
            problem = f"（日历文件有误：{self.file_problem.message_zh}）"
            problem_en = f" (the calendar file is wrong: {self.file_problem.message_en})"
        return (
            f"{year} 年的法定节假日数据缺失{problem}：工作日暂按周一至周五计算，未计入节假日和调休；"
            f"请在设置 calendar_file 指定的日历文件中补充 {year} 年的安排",
            f"no official holiday data for {year}{problem_en}: working days are counted as Monday "
            f"to Friday, without holidays or make-up days; add {year} to the calendar file named "
            "by the setting calendar_file",
        )

    def warning(self, *days: dt.date) -> tuple[str, str] | None:
        """The warning to show with a deadline that spans ``days``, or None when every year
        involved has official or file data."""
        years = sorted({d.year for d in days})
        if len(years) == 2:
            years = list(range(years[0], years[-1] + 1))
        for year in years:
            if self.basis(year) == "weekends":
                return self.warning_for_year(year)
        return None

    def is_working_day(self, day: dt.date) -> bool:
        basis = self.basis(day.year)
        if basis == "official":
            return bool(chinese_calendar.is_workday(day))
        if basis == "file":
            assert self.extra is not None
            year = self.extra.years[day.year]
            if day in year.workdays:
                return True
            if day in year.holidays:
                return False
            return day.weekday() < 5
        self._note_fallback(day.year)
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted).

        ``add_working_days(d, 0)`` is ``d``."""
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}")
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``):
        the handling time of a case received on ``start`` and decided on ``end``."""
        if end <= start:
            return 0
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def working_days_left(self, today: dt.date, due: dt.date) -> int:
        """Working days from ``today`` to ``due``: 0 on the due day, negative once overdue."""
        if due >= today:
            return self.working_days_between(today, due)
        return -self.working_days_between(due, today)

    def years(self) -> list[tuple[int, Basis]]:
        """Every year the calendar knows, with its basis (for ``credit-yrd calendar show``)."""
        known: dict[int, Basis] = {
            y: "official" for y in range(BUNDLED_FIRST_YEAR, BUNDLED_LAST_YEAR + 1)
        }
        if self.extra is not None:
            for year in self.extra.years:
                known.setdefault(year, "file")
        return sorted(known.items())


_cache: dict[tuple[str, float], WorkingCalendar] = {}
_cache_lock = threading.Lock()


def calendar_for(path: Path | None) -> WorkingCalendar:
    """The working calendar with the calendar file at ``path`` (None: bundled data only).

    Never raises: an unreadable or wrong file is logged and reported by the calendar's warnings,
    and the years it would have covered count weekends only. Reloaded when the file changes."""
    if path is None:
        key = ("", 0.0)
    else:
        try:
            key = (str(path), path.stat().st_mtime)
        except OSError:
            key = (str(path), -1.0)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    if path is None:
        calendar = WorkingCalendar()
    else:
        try:
            calendar = WorkingCalendar(load_calendar_file(path))
        except CalendarFileError as exc:
            log.warning("%s / %s", exc.message_zh, exc.message_en)
            calendar = WorkingCalendar(file_problem=exc)
    with _cache_lock:
        _cache[key] = calendar
    return calendar


def working_days(days: Iterable[dt.date], calendar: WorkingCalendar) -> list[dt.date]:
    """The working days among ``days`` (for tests and pages that show a month)."""
    return [d for d in days if calendar.is_working_day(d)]
