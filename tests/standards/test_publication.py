"""Publication windows on concrete dates across the rule changes of 2019, 2023, 2025 and 2026."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from credit_yrd.standards import (
    NoRuleError,
    RecordValueError,
    Standard,
    UnknownCodeError,
    classify_penalty,
    load_standard_from,
    publication_window,
)
from credit_yrd.standards.models import add_period


def penalty(
    day: str, types: str, *, fine: Any = None, party: str = "法人及非法人组织", **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {"CF_JDRQ": day, "CF_CFLB": types, "CF_XDR_LB": party}
    if fine is not None:
        record["CF_NR_FK"] = fine
    record.update(extra)
    return record


def test_add_period_counts_calendar_months() -> None:
    assert add_period(date(2024, 3, 5), "P1Y") == date(2025, 3, 5)
    assert add_period(date(2024, 2, 29), "P1Y") == date(2025, 2, 28)
    assert add_period(date(2025, 11, 30), "P3M") == date(2026, 2, 28)
    assert add_period(date(2024, 1, 31), "P1M") == date(2024, 2, 29)
    assert add_period(date(2024, 1, 1), "P0D") == date(2024, 1, 1)


def test_2022_penalty_under_527(standard: Standard) -> None:
    # the real record shape of domain-facts §2: a 0.2 万元 fine on a legal person
    window = publication_window(
        "penalty", penalty("2022/03/05", "罚款", fine=0.2), standard=standard
    )
    assert window.rule_id == "ndrc-527-2019"
    assert window.document_number == "发改办财金〔2019〕527号"
    assert window.class_code == "一般"  # 527号 has no minor class
    assert (window.start, window.min_end, window.max_end) == (
        date(2022, 3, 5),
        date(2022, 6, 5),
        date(2023, 3, 5),
    )
    assert window.repairable is True
    assert window.is_published(date(2023, 3, 5))
    assert not window.is_published(date(2023, 3, 6))
    assert not window.is_published(date(2022, 3, 4))
    assert not window.may_end_by_repair(date(2022, 6, 5))
    assert window.may_end_by_repair(date(2022, 6, 6))


def test_2021_revocation_is_serious_under_527(standard: Standard) -> None:
    window = publication_window("penalty", penalty("2021-08-16", "吊销许可证件"), standard=standard)
    assert (window.class_code, window.min_end, window.max_end) == (
        "严重",
        date(2022, 2, 16),
        date(2024, 8, 16),
    )


def test_2024_penalty_under_order_58(standard: Standard) -> None:
    window = publication_window(
        "penalty", penalty("2024-03-05", "警告;罚款", fine="50"), standard=standard
    )
    assert window.rule_id == "ndrc-order-58"
    assert window.class_code == "一般"  # the fine is heavier than the warning
    assert window.penalty_class is not None and window.penalty_class.penalty_type == "罚款"
    assert (window.min_end, window.max_end) == (date(2024, 6, 5), date(2025, 3, 5))
    assert window.is_published(date(2025, 1, 1))


def test_2024_warning_not_published_under_58(standard: Standard) -> None:
    window = publication_window("penalty", penalty("2024-07-01", "警告"), standard=standard)
    assert window.class_code == "轻微"
    assert not window.published
    assert not window.is_published(date(2024, 7, 1))


def test_2026_may_penalty_under_order_36(standard: Standard) -> None:
    window = publication_window(
        "penalty", penalty("2026-05-10", "05", party="02"), standard=standard
    )
    assert window.rule_id == "ndrc-order-36"
    assert window.rule_title_zh == "信用修复管理办法"
    assert window.class_code == "严重"
    assert (window.min_end, window.max_end) == (date(2027, 5, 10), date(2029, 5, 10))
    assert window.is_published(date(2029, 5, 10)) and not window.is_published(date(2029, 5, 11))


def test_rule_boundaries(standard: Standard) -> None:
    cases = {
        "2018-01-10": "ndrc-527-2019",  # before the first rule: judged under the earliest
        "2023-04-30": "ndrc-527-2019",
        "2023-05-01": "ndrc-order-58",
        "2025-06-21": "ndrc-order-58",
        "2025-06-22": "gov-2025-22",
        "2026-03-31": "gov-2025-22",
        "2026-04-01": "ndrc-order-36",
    }
    for day, rule_id in cases.items():
        window = publication_window("penalty", penalty(day, "罚款", fine=30), standard=standard)
        assert window.rule_id == rule_id, day


def test_record_date_not_evaluation_date_picks_the_rule(standard: Standard) -> None:
    record = penalty("2024-03-05", "吊销许可证件")
    early = publication_window("penalty", record, standard=standard, on=date(2024, 4, 1))
    late = publication_window("penalty", record, standard=standard, on=date(2026, 5, 1))
    assert early.rule_id == late.rule_id == "ndrc-order-58"


def test_evaluation_date_tables(data_copy: Path) -> None:
    path = data_copy / "publication_rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("select_rule_by: record_date", "select_rule_by: evaluation_date"), "utf-8"
    )
    standard = load_standard_from(data_copy)
    record = penalty("2024-03-05", "吊销许可证件")
    window = publication_window("penalty", record, standard=standard, on=date(2026, 5, 1))
    assert window.rule_id == "ndrc-order-36"
    assert window.max_end == date(2027, 3, 5)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (penalty("2026-05-10", "警告"), "轻微"),
        (penalty("2026-05-10", "通报批评"), "轻微"),
        (penalty("2026-05-10", "罚款", fine="0.02", CF_AJCXLB="01"), "轻微"),  # 简易程序
        (penalty("2026-05-10", "罚款", fine="5"), "轻微"),  # low fine, organisation
        (penalty("2026-05-10", "罚款", fine="5", party="自然人"), "一般"),
        (penalty("2026-05-10", "罚款", fine="0.5", party="自然人"), "轻微"),
        (penalty("2026-05-10", "罚款", fine="30"), "一般"),
        (penalty("2026-05-10", "罚款", fine="150"), "严重"),  # very large fine
        (penalty("2026-05-10", "罚款", fine="25", party="自然人"), "严重"),
        (penalty("2026-05-10", "罚款"), "一般"),  # amount missing: no threshold applies
        (penalty("2026-05-10", "没收非法财物"), "一般"),
        (penalty("2026-05-10", "暂扣许可证件"), "一般"),
        (penalty("2026-05-10", "责令停产停业"), "严重"),
        (penalty("2026-05-10", "责令关闭"), "严重"),
        (penalty("2026-05-10", "限制从业"), "严重"),
        (penalty("2026-05-10", "警告、限制从业"), "严重"),
    ],
)
def test_classification_under_36(standard: Standard, record: dict[str, Any], expected: str) -> None:
    result = classify_penalty(record, standard)
    assert result.rule_id == "ndrc-order-36"
    assert result.code == expected


def test_minor_under_36_capped_at_three_months(standard: Standard) -> None:
    window = publication_window("penalty", penalty("2026-05-10", "警告"), standard=standard)
    assert window.class_code == "轻微" and not window.published
    assert (window.min_end, window.max_end) == (date(2026, 5, 10), date(2026, 8, 10))


@pytest.mark.parametrize("status", ["撤销", "删除", "1", "2"])
def test_withdrawn_records_are_not_published(standard: Standard, status: str) -> None:
    record = penalty("2026-05-10", "罚款", fine=30, CF_GSZT=status)
    window = publication_window("penalty", record, standard=standard)
    assert window.withdrawn and not window.published
    assert not window.is_published(date(2026, 6, 1))


def test_normal_status_is_published(standard: Standard) -> None:
    record = penalty("2026-05-10", "罚款", fine=30, CF_GSZT="0")
    assert publication_window("penalty", record, standard=standard).is_published(date(2026, 6, 1))


def test_long_term_licence(standard: Standard) -> None:
    record = {"XK_JDRQ": "2020/01/02", "XK_YXQZI": "2099/12/31"}
    window = publication_window("license", record, standard=standard)
    assert window.long_term and window.max_end is None
    assert window.is_published(date(2090, 1, 1))
    assert window.rule_id is None and window.penalty_class is None


def test_licence_with_end_date(standard: Standard) -> None:
    record = {"decision_date": "2020-01-02", "valid_until": "2025-01-01"}  # field names work too
    window = publication_window("license", record, standard=standard)
    assert not window.long_term
    assert window.is_published(date(2025, 1, 1)) and not window.is_published(date(2025, 1, 2))


def test_list_removal_date_ends_publication(standard: Standard) -> None:
    record = {"YC_LRRQ": "2024-06-01", "YC_YCRQ": "2025-02-10"}
    window = publication_window("abnormal_operation_list", record, standard=standard)
    assert window.max_end == date(2025, 2, 9)
    assert not window.is_published(date(2025, 2, 10))


def test_bad_inputs(standard: Standard) -> None:
    with pytest.raises(RecordValueError, match="CF_JDRQ"):
        publication_window("penalty", {"CF_CFLB": "罚款"}, standard=standard)
    with pytest.raises(RecordValueError, match="不是日期"):
        publication_window("penalty", penalty("2024-13-45", "罚款"), standard=standard)
    with pytest.raises(UnknownCodeError):
        publication_window("penalty", penalty("2024-03-05", "打屁股"), standard=standard)


def test_no_rule_before_first_when_table_says_error(data_copy: Path) -> None:
    path = data_copy / "publication_rules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("before_first_rule: earliest", "before_first_rule: error"), "utf-8"
    )
    standard = load_standard_from(data_copy)
    with pytest.raises(NoRuleError):
        publication_window("penalty", penalty("2018-01-10", "罚款"), standard=standard)


def test_default_standard_is_used(standard: Standard) -> None:
    window = publication_window("penalty", penalty("2026-05-10", "罚款", fine=30))
    assert window.rule_id == "ndrc-order-36"
