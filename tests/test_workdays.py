"""Working days for deadlines: the official holidays with their make-up working days, calendar
files for the years after the bundled data, and weekends only — with a warning — without one."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit_yrd.workdays import (
    BUNDLED_LAST_YEAR,
    CalendarFileError,
    WorkingCalendar,
    calendar_for,
    load_calendar_file,
)

D = dt.date
OFFICIAL = WorkingCalendar()

#: 2027 as the State Council might publish it (the test's own data, not a prediction).
CALENDAR_2027 = """\
years:
  2027:
    holidays:
      - 2027-01-01
      - {from: 2027-02-06, to: 2027-02-12, name: 春节}
      - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}
    workdays: [2027-02-20, 2027-10-09]
"""


def write(tmp_path: Path, text: str, name: str = "calendar.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_data_reaches_2026() -> None:
    assert BUNDLED_LAST_YEAR == 2026
    assert OFFICIAL.basis(2026) == "official"
    assert OFFICIAL.basis(2027) == "weekends"


def test_a_deadline_across_the_2026_national_day_holiday() -> None:
    # 29, 30 September; 1–7 October off; 8, 9, Saturday 10 (make-up), 12–16 October.
    assert OFFICIAL.add_working_days(D(2026, 9, 28), 10) == D(2026, 10, 16)
    assert OFFICIAL.warning(D(2026, 9, 28), D(2026, 10, 16)) is None
    assert not any(OFFICIAL.is_working_day(D(2026, 10, d)) for d in range(1, 8))


def test_a_make_up_saturday_is_a_working_day() -> None:
    saturday = D(2026, 10, 10)
    assert saturday.weekday() == 5
    assert OFFICIAL.is_working_day(saturday)
    # the working day after Friday 9 October is that Saturday, not Monday 12
    assert OFFICIAL.add_working_days(D(2026, 10, 9), 1) == saturday
    assert OFFICIAL.add_working_days(D(2026, 10, 9), 2) == D(2026, 10, 12)
    assert not OFFICIAL.is_working_day(D(2026, 10, 11))  # an ordinary Sunday


def test_a_deadline_across_the_2026_spring_festival() -> None:
    # 15–23 February off; Saturdays 14 and 28 February worked.
    assert OFFICIAL.is_working_day(D(2026, 2, 14))
    assert OFFICIAL.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert OFFICIAL.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # 13, Sat 14, 24–27, Sat 28 February, 2–4 March
    assert OFFICIAL.add_working_days(D(2026, 2, 12), 10) == D(2026, 3, 4)
    assert OFFICIAL.working_days_between(D(2026, 2, 14), D(2026, 2, 24)) == 1


def test_a_year_past_the_bundled_data_without_a_file_counts_weekends_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="credit_yrd.workdays"):
        due = calendar.add_working_days(D(2027, 2, 5), 3)
    assert due == D(2027, 2, 10)  # Monday to Wednesday: no Spring Festival known
    assert calendar.basis(2027) == "weekends"
    warning = calendar.warning(D(2027, 2, 5), due)
    assert warning is not None
    zh, en = warning
    assert "2027" in zh and "周一至周五" in zh and "calendar_file" in zh
    assert "2027" in en and "Monday" in en
    assert sum("2027" in r.getMessage() for r in caplog.records) == 1
    calendar.add_working_days(D(2027, 3, 1), 5)  # warned once per year, not per day
    assert sum("2027" in r.getMessage() for r in caplog.records) == 1
    # a deadline that starts in 2026 and ends in 2027 warns too
    assert calendar.warning(D(2026, 12, 30), D(2027, 1, 4)) is not None


def test_a_calendar_file_gives_2027_its_holidays_and_make_up_days(tmp_path: Path) -> None:
    calendar = calendar_for(write(tmp_path, CALENDAR_2027))
    assert calendar.basis(2027) == "file" and calendar.basis(2026) == "official"
    assert calendar.warning(D(2027, 2, 5), D(2027, 2, 20)) is None
    assert not calendar.is_working_day(D(2027, 2, 8))  # Monday in the Spring Festival
    assert calendar.is_working_day(D(2027, 2, 20))  # make-up Saturday
    assert calendar.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 15)
    assert calendar.add_working_days(D(2027, 2, 19), 1) == D(2027, 2, 20)
    assert calendar.add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert calendar.add_working_days(D(2027, 10, 8), 1) == D(2027, 10, 9)
    assert (2027, "file") in calendar.years()


@pytest.mark.parametrize(
    ("text", "place", "rule"),
    [
        ("- 2027-01-01\n", "顶层", "years"),
        ("years:\n  twenty: {}\n", "years.twenty", "整数"),
        ("years:\n  2027:\n    days: []\n", "years.2027", "holidays"),
        ("years:\n  2027:\n    holidays: [2026-12-31]\n", "years.2027.holidays 第 1 项", "2027"),
        ("years:\n  2027:\n    holidays: [not-a-date]\n", "years.2027.holidays 第 1 项", "日期"),
        ("years:\n  2027:\n    holidays: [2027-13-01]\n", "解析", "不存在"),
        (
            "years:\n  2027:\n    holidays: [{from: 2027-02-12, to: 2027-02-06}]\n",
            "years.2027.holidays 第 1 项",
            "结束早于开始",
        ),
        (
            "years:\n  2027:\n    holidays: [2027-02-20]\n    workdays: [2027-02-20]\n",
            "years.2027",
            "既是假日又是调休工作日",
        ),
        ("years:\n  2027:\n    workdays: [2027-02-22]\n", "years.2027.workdays", "周末"),
        ("years: [\n", "解析", "YAML"),
    ],
)
def test_a_bad_calendar_file_names_the_file_the_place_and_the_rule(
    tmp_path: Path, text: str, place: str, rule: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(path)
    message = caught.value.message_zh
    assert str(path) in message and place in message and rule in message, message
    assert caught.value.message_en


def test_an_unreadable_calendar_file_is_a_calendar_file_error(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(tmp_path / "missing.yaml")
    assert "missing.yaml" in caught.value.message_zh
    bad = tmp_path / "gbk.yaml"
    bad.write_bytes("years: {2027: {holidays: [元旦]}}".encode("gbk"))
    with pytest.raises(CalendarFileError):
        load_calendar_file(bad)


def test_calendar_for_with_a_broken_file_warns_and_counts_weekends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "years:\n  2027:\n    workdays: [2027-02-22]\n", "broken.yaml")
    with caplog.at_level(logging.WARNING, logger="credit_yrd.workdays"):
        calendar = calendar_for(path)
    assert any("broken.yaml" in r.getMessage() for r in caplog.records)
    assert calendar.basis(2027) == "weekends"
    assert calendar.add_working_days(D(2027, 2, 19), 1) == D(2027, 2, 22)
    warning = calendar.warning(D(2027, 2, 19))
    assert warning is not None and "日历文件有误" in warning[0] and "broken.yaml" in warning[0]
    assert calendar.basis(2026) == "official"  # the bundled years are untouched
    assert calendar_for(tmp_path / "nowhere.yaml").basis(2027) == "weekends"  # no raise either


def test_working_days_between_and_left() -> None:
    start, due = D(2026, 9, 28), D(2026, 10, 16)
    assert OFFICIAL.working_days_between(start, due) == 10
    assert OFFICIAL.working_days_between(due, start) == 0
    assert OFFICIAL.working_days_between(start, start) == 0
    assert OFFICIAL.working_days_left(D(2026, 9, 30), due) == 8
    assert OFFICIAL.working_days_left(due, due) == 0
    assert OFFICIAL.working_days_left(D(2026, 10, 20), due) == -2  # 19, 20 October
    assert OFFICIAL.working_days_left(D(2026, 10, 3), due) == 8  # from a holiday: 8–10, 12–16


def test_add_working_days_refuses_counts_out_of_bounds() -> None:
    with pytest.raises(ValueError):
        OFFICIAL.add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        OFFICIAL.add_working_days(D(2026, 1, 1), 401)
    assert OFFICIAL.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 6, 30)),
    days=st.integers(min_value=1, max_value=60),
)
def test_add_working_days_lands_on_a_working_day_that_many_days_on(
    start: dt.date, days: int
) -> None:
    due = OFFICIAL.add_working_days(start, days)
    assert OFFICIAL.is_working_day(due)
    assert OFFICIAL.working_days_between(start, due) == days
    assert OFFICIAL.working_days_left(start, due) == days
