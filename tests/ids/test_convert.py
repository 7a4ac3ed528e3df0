"""换码 and the code-quality report (换码率, 重错码率)."""

from __future__ import annotations

import polars as pl
import pytest

from credit_yrd.ids import uscc
from credit_yrd.ids.convert import (
    CodeQualityReport,
    QualityInputError,
    org_code_to_uscc,
    quality_report,
)
from credit_yrd.ids.errors import InvalidIdentifier

A = "91110000600037341L"
# Valid codes computed with uscc.calc_check_character (checked by the first test).
B = "91310115600037341Y"
C = "Y1320583600037341H"
PILOT = "91350203M0001QKT19"


def test_org_code_to_uscc_builds_valid_codes():
    assert org_code_to_uscc("60003734-1", "9", "1", "110000") == A
    assert org_code_to_uscc(" 600037341 ", "9", "1", "310115") == B
    assert org_code_to_uscc("600037341", "y", "1", "320583") == C  # letters in 1–2 are fine
    for code in (A, B, C):
        assert uscc.is_valid(code)
        assert code[8:17] == "600037341"


@pytest.mark.parametrize(
    ("args", "part"),
    [
        (("600037342", "9", "1", "110000"), "org_code"),  # wrong GB 11714 check
        (("6000373", "9", "1", "110000"), "org_code"),
        (("I00000001", "9", "1", "110000"), "org_code"),  # valid GB 11714, I not in USCC
        (("600037341", "B", "1", "110000"), "authority"),
        (("600037341", "91", "1", "110000"), "authority"),
        (("600037341", "9", "4", "110000"), "authority_category"),
        (("600037341", "Y", "9", "110000"), "authority_category"),
        (("600037341", "9", "1", "11000"), "division"),
        (("600037341", "9", "1", "11000A"), "division"),
        (("600037341", "9", "1", "990000"), "division"),
        ((None, "9", "1", "110000"), "org_code"),
    ],
)
def test_org_code_to_uscc_names_the_bad_part(args, part):
    with pytest.raises(InvalidIdentifier) as info:
        org_code_to_uscc(*args)
    assert info.value.part == part
    assert info.value.kind == "uscc"
    assert info.value.message_zh != info.value.message_en


def test_org_code_with_letter_i_is_valid_gb11714_but_not_convertible():
    from credit_yrd.ids import org_code

    assert org_code.is_valid("I00000001")


ROWS = [
    {"uscc": A, "name": "甲公司", "province": "北京"},
    {"uscc": A, "name": "甲公司 ", "province": "北京"},  # same subject recorded twice
    {"uscc": B, "name": "乙公司", "province": "上海"},
    {"uscc": B, "name": "丙公司", "province": "上海"},  # 重码: B on two subjects
    {"uscc": "91310115600037341E", "name": "丁公司", "province": "上海"},  # 错码
    {"uscc": PILOT, "name": "厦门试点", "province": "福建"},
    {"uscc": None, "org_code": "60003734-1", "name": "旧码甲", "province": "上海"},
    {"uscc": " ", "business_reg_no": "110108000000016", "name": "旧码乙", "province": "上海"},
    {"uscc": None, "org_code": None, "business_reg_no": None, "name": "无码", "province": None},
    {"uscc": C, "province": "江苏"},
]


def test_quality_report_counts_and_rates():
    report = quality_report(ROWS)
    assert report.total == 10
    assert report.with_uscc == 7
    assert report.with_valid_uscc == 6
    assert report.pilot == 1
    assert report.wrong == 1
    assert report.duplicate == 2
    assert report.legacy_only == 2
    assert report.mapped_by_legacy == 0
    assert report.converted == 6
    assert report.conversion_rate == pytest.approx(0.6)
    assert report.wrong_duplicate_rate == pytest.approx(3 / 7)
    assert report.meets_conversion_target is False
    assert report.meets_wrong_duplicate_target is False


def test_legacy_map_counts_legacy_only_subjects_as_converted():
    legacy = {"600037341": B, "110108000000016": "not a uscc"}
    report = quality_report(ROWS, legacy_map=legacy)
    assert report.mapped_by_legacy == 1  # the org code maps; the broken target does not count
    assert report.converted == 7
    assert report.conversion_rate == pytest.approx(0.7)
    # The map entry for a row that already has a wrong USCC does not rescue it.
    wrong_only = quality_report([{"uscc": "X", "org_code": "600037341"}], legacy_map=legacy)
    assert (wrong_only.converted, wrong_only.wrong) == (0, 1)


def test_without_names_every_row_is_a_subject():
    report = quality_report([{"uscc": A}, {"uscc": A}, {"uscc": B}])
    assert report.duplicate == 2
    assert report.wrong_duplicate_rate == pytest.approx(2 / 3)


def test_grouped_report_and_polars_input():
    frame = pl.DataFrame(
        ROWS,
        schema={
            "uscc": pl.String,
            "org_code": pl.String,
            "business_reg_no": pl.String,
            "name": pl.String,
            "province": pl.String,
        },
    )
    report = quality_report(frame, by="province")
    assert report.to_dict()["total"] == 10
    assert report.group_by == "province"
    assert sorted(report.groups) == ["", "上海", "北京", "江苏", "福建"]
    sh = report.groups["上海"]
    assert (sh.total, sh.with_uscc, sh.with_valid_uscc, sh.wrong, sh.duplicate) == (5, 3, 2, 1, 2)
    assert sh.conversion_rate == pytest.approx(0.4)
    assert sh.wrong_duplicate_rate == pytest.approx(1.0)
    bj = report.groups["北京"]
    assert (bj.converted, bj.duplicate, bj.wrong_duplicate_rate) == (2, 0, 0.0)
    assert bj.meets_conversion_target and bj.meets_wrong_duplicate_target
    none = report.groups[""]
    assert none.wrong_duplicate_rate is None and none.meets_wrong_duplicate_target is None
    assert report.to_dict()["groups"]["江苏"]["converted"] == 1
    with pytest.raises(QualityInputError):
        quality_report(frame, by="city")


def test_target_below_one_per_mille():
    assert quality_report([]).wrong_duplicate_rate is None
    assert quality_report([]).conversion_rate is None
    rows = [{"uscc": A}, {"uscc": B}] + [{"uscc": C, "name": "同一主体"}] * 1998
    report = quality_report(rows)
    assert report.with_uscc == 2000 and report.duplicate == 0 and report.wrong == 0
    assert report.meets_wrong_duplicate_target is True
    rows += [{"uscc": "91310115600037341E"}] * 2  # 2 wrong in 2002 ≈ 0.999‰
    assert quality_report(rows).meets_wrong_duplicate_target is True
    rows += [{"uscc": "91310115600037341E"}]  # 3 in 2003 ≈ 1.5‰
    assert quality_report(rows).meets_wrong_duplicate_target is False


def test_labels_and_display():
    labels = CodeQualityReport.labels()
    assert labels["conversion_rate"] == "换码率"
    assert labels["wrong_duplicate_rate"] == "重错码率"
    assert CodeQualityReport.labels("en")["conversion_rate"] == "conversion rate"
    shown = dict(quality_report(ROWS).display_rows())
    assert shown["换码率"] == "60.00%"
    assert shown["重错码率"] == "428.571‰"
    assert dict(quality_report(ROWS).display_rows("en"))["conversion target met (100 %)"] == "no"


def test_rows_must_be_mappings():
    with pytest.raises(QualityInputError):
        quality_report([A])
