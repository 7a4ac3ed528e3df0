"""The shipped standard loads and says what the domain facts say."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_yrd.standards import (
    Standard,
    StandardError,
    UnknownCodeError,
    UnknownItemError,
    available_versions,
    get_standard,
    load_standard,
)
from credit_yrd.standards.models import Condition, RecordKind
from credit_yrd.standards.values import missing_fields, required_fields


def test_versions_and_latest() -> None:
    versions = available_versions()
    assert "v2026.1" in versions
    latest = load_standard()
    assert latest.version == versions[-1]
    assert latest.meta.effective_from == dt.date(2026, 4, 1)


def test_unknown_version() -> None:
    with pytest.raises(StandardError, match=r"v1999\.9"):
        load_standard("v1999.9")


def test_get_standard_is_cached() -> None:
    assert get_standard("v2026.1") is get_standard("v2026.1")


REQUIRED_KINDS = {
    "license": "行政管理",
    "penalty": "行政管理",
    "judgment_defaulter": "严重失信",
    "major_tax_violator": "严重失信",
    "serious_dishonesty_list": "严重失信",
    "red_list": "诚实守信",
    "abnormal_operation_list": "经营异常",
    "commitment": "信用承诺",
    "market_record": "其他",
}


def test_record_kinds_and_categories(standard: Standard) -> None:
    assert {k: standard.record_kind(k).category for k in REQUIRED_KINDS} == REQUIRED_KINDS
    listed = [k.code for k in standard.list_record_kinds()]
    assert set(listed) == set(standard.record_kinds)
    assert listed.index("penalty") < listed.index("commitment")  # by report section


def _conditions(kind: RecordKind) -> list[Condition]:
    found = [f.required_when for f in kind.fields if f.required_when]
    found += [c.when for c in kind.constraints if c.when]
    if kind.publication.withdrawn_when:
        found.append(kind.publication.withdrawn_when)
    return found


def test_every_field_reference_resolves(standard: Standard) -> None:
    for kind in standard.record_kinds.values():
        for field in kind.fields:
            if field.type == "code":
                assert field.code_list in standard.code_lists, (kind.code, field.code)
            if field.type == "identifier":
                assert standard.code_list("identifier_kind").is_valid(field.identifier_kind)
        for key in kind.key_fields:
            assert kind.has_field(key)
        assert kind.field(kind.publication.start_field).type == "date"
        for condition in _conditions(kind):
            for key in condition.fields():
                assert kind.has_field(key), (kind.code, key)
        if kind.publication.rule_table:
            assert kind.code in standard.rule_table(kind.publication.rule_table).applies_to


PENALTY_CODES = [
    "CF_WSH",
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_XDR_GSZC",
    "CF_XDR_ZZJG",
    "CF_XDR_SWDJ",
    "CF_XDR_SYDW",
    "CF_XDR_SHZZ",
    "CF_FRDB",
    "CF_FR_ZJLX",
    "CF_FR_ZJHM",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_NR_ZKDX",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_SJLY",
    "CF_SJLYDM",
    "BZ",
]

LICENSE_CODES = [
    "XK_XKWS",
    "XK_WSH",
    "XK_XKLB",
    "XK_XKZS",
    "XK_XKBH",
    "XK_NR",
    "XK_JDRQ",
    "XK_YXQZ",
    "XK_YXQZI",
    "XK_XKJG",
    "XK_XKJGDM",
    "XK_ZT",
    "XK_LYDW",
    "XK_LYDWDM",
    "XK_XDR_MC",
    "XK_XDR_LB",
    "XK_XDR_SHXYM",
    "XK_XDR_GSZC",
    "XK_XDR_ZZJG",
    "XK_XDR_SWDJ",
    "XK_XDR_SYDW",
    "XK_XDR_SHZZ",
    "XK_FRDB",
    "XK_FR_ZJLX",
    "XK_FR_ZJHM",
    "XK_XDR_ZJLX",
    "XK_XDR_ZJHM",
    "BZ",
]


def test_national_field_sets(standard: Standard) -> None:
    penalty = standard.record_kind("penalty")
    national = [f.code for f in penalty.fields if not f.regional]
    assert national == PENALTY_CODES
    regional = {f.code: f.label_zh for f in penalty.fields if f.regional}
    assert regional["CF_AJCXLB"] == "案件程序类别"
    assert regional["CF_GSZT"] == "公示状态"
    license_kind = standard.record_kind("license")
    assert [f.code for f in license_kind.fields] == LICENSE_CODES
    assert license_kind.field("XK_YXQZI").long_term_value == dt.date(2099, 12, 31)


def test_field_attributes(standard: Standard) -> None:
    penalty = standard.record_kind("penalty")
    assert penalty.field("decision_number") is penalty.field("CF_WSH")
    assert penalty.field("CF_NR_FK").unit == "万元"
    assert penalty.field("CF_NR_FK").type == "decimal"
    assert penalty.field("CF_XDR_ZJHM").sensitivity == "restricted"
    assert penalty.field("CF_FR_ZJHM").sensitivity == "restricted"
    assert penalty.field("CF_SY").sensitivity == "public"
    assert penalty.field("CF_XDR_SHXYM").identifier_kind == "uscc"
    assert penalty.field("CF_XDR_SHXYM").max_length == 18
    with pytest.raises(UnknownItemError):
        penalty.field("CF_NOPE")


def test_conditional_requirements(standard: Standard) -> None:
    penalty = standard.record_kind("penalty")
    lists = standard.code_lists
    fine = {"CF_CFLB": "罚款", "CF_XDR_LB": "法人及非法人组织"}
    assert {"CF_NR_FK", "CF_XDR_SHXYM", "CF_FRDB"} <= set(required_fields(fine, penalty, lists))
    warning_person = {"CF_CFLB": "警告", "CF_XDR_LB": "01"}  # local code for 自然人
    required = set(required_fields(warning_person, penalty, lists))
    assert {"CF_XDR_ZJLX", "CF_XDR_ZJHM"} <= required
    assert "CF_NR_FK" not in required and "CF_XDR_SHXYM" not in required
    combined = {"CF_CFLB": "警告；吊销许可证", "CF_XDR_LB": "02"}
    assert "CF_NR_ZKDX" in required_fields(combined, penalty, lists)
    business = {"CF_XDR_LB": "个体工商户"}
    assert "CF_XDR_SHXYM|CF_XDR_GSZC|CF_XDR_ZJHM" in missing_fields(business, penalty, lists)
    business["CF_XDR_GSZC"] = "110108000000016"
    assert "CF_XDR_SHXYM|CF_XDR_GSZC|CF_XDR_ZJHM" not in missing_fields(business, penalty, lists)


def test_code_list_normalise(standard: Standard) -> None:
    penalty_type = standard.code_list("penalty_type")
    assert penalty_type.normalise("罚款") == "罚款"
    assert penalty_type.normalise(" 02 ") == "罚款"
    assert penalty_type.normalise("吊销许可证") == "吊销许可证件"
    assert penalty_type.normalise("fine") == "罚款"  # English label, case-insensitive
    subject = standard.code_list("subject_type")
    assert subject.normalise("02") == subject.normalise("03") == "法人及非法人组织"
    assert subject.normalise("04") == "个体工商户"
    assert standard.code_list("license_type").normalise("05") == "登记"
    assert standard.code_list("id_document_type").normalise("111") == "身份证"
    assert standard.code_list("publication_status").normalise("2") == "删除"
    with pytest.raises(UnknownCodeError) as info:
        penalty_type.normalise("打屁股")
    assert info.value.code_list == "penalty_type"
    assert "处罚类别" in str(info.value)
    with pytest.raises(UnknownCodeError):
        penalty_type.normalise(None)


def test_penalty_types_in_legal_order(standard: Standard) -> None:
    expected = [
        "警告",
        "通报批评",
        "罚款",
        "没收违法所得",
        "没收非法财物",
        "暂扣许可证件",
        "降低资质等级",
        "吊销许可证件",
        "限制开展生产经营活动",
        "责令停产停业",
        "责令关闭",
        "限制从业",
        "行政拘留",
        "其他",
    ]
    penalty_type = standard.code_list("penalty_type")
    assert penalty_type.codes() == expected
    ranks = [e.severity for e in penalty_type.ordered() if e.severity is not None]
    assert ranks == sorted(ranks) and len(ranks) == 13


def test_license_types_and_lists(standard: Standard) -> None:
    license_type = standard.code_list("license_type")
    assert license_type.codes() == ["普通", "特许", "认可", "核准", "登记", "其他"]
    assert [license_type.normalise(f"0{i}") for i in range(1, 7)] == license_type.codes()
    domains = {e.label_zh for e in standard.code_list("list_domain").entries}
    assert {"生态环境", "拖欠农民工工资", "失信被执行人", "市场监管严重违法失信"} <= domains
    assert standard.code_list("commitment_type").codes()[:2] == ["主动型", "审批替代型"]
    assert standard.code_list("publication_status").codes() == ["正常", "撤销", "删除"]


def test_convenience_listing(standard: Standard) -> None:
    code_lists = standard.list_code_lists()
    assert [c.code for c in code_lists] == sorted(standard.code_lists)
    assert all(c.label_zh for c in code_lists)
    tables = standard.publication_rules()
    assert [t.id for t in tables] == ["penalty_publication"]
    with pytest.raises(UnknownItemError, match="nope"):
        standard.record_kind("nope")
    with pytest.raises(UnknownItemError):
        standard.code_list("nope")
