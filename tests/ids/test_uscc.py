from __future__ import annotations

import itertools

import pytest
from stdnum.cn import uscc as stdnum_uscc

from credit_yrd.ids import org_code, uscc
from credit_yrd.ids.errors import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

KUNSHAN = "913205836000373417"  # 91 + 320583 (昆山市) + 60003734-1 + check 7
NATIONAL = "91110000600037341L"  # python-stdnum's doctest example


def build(prefix8: str, body8: str) -> str:
    first17 = prefix8 + body8 + org_code.calc_check_character(body8)
    return first17 + uscc.calc_check_character(first17)


def test_weights() -> None:
    assert uscc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_standard_annex_example() -> None:
    # 91350100M000100Y4Z: Σ = 1640, 1640 mod 31 = 28, 31 − 28 = 3
    assert uscc.calc_check_character("91350100M000100Y4") == "3"
    with pytest.raises(InvalidChecksum) as info:
        uscc.validate("91350100M000100Y4Z")
    assert info.value.part == "check_character"
    assert info.value.message_zh == "第18位校验码应为 3，实为 Z"
    assert str(info.value) == "第18位校验码应为 3，实为 Z (check character 18 should be 3, is Z)"
    assert uscc.is_valid("91350100M000100Y43")


@pytest.mark.parametrize(
    "code",
    [
        KUNSHAN,
        NATIONAL,
        build("91310115", "MA1FL0AB"),
        build("52340100", "50995871"),
        build("12100000", "40000112"),
    ],
)
def test_valid_and_agrees_with_stdnum_check(code: str) -> None:
    assert uscc.validate(code) == code
    assert stdnum_uscc.calc_check_digit(code[:17]) == code[17]
    assert stdnum_uscc.is_valid(code)


def test_check_character_zero() -> None:
    # the outer "mod 31": Σ ≡ 0 must give '0' (wellenzhong/cn-validator #2)
    for body in (f"{n:08d}" for n in itertools.count(10000000)):
        code = build("91320583", body)
        if code[17] == "0":
            break
    assert uscc.is_valid(code)
    assert stdnum_uscc.calc_check_digit(code[:17]) == "0"


def test_compact_normalises() -> None:
    assert uscc.compact(" 9132 0583-6000 3734 17 ") == KUNSHAN
    assert uscc.compact("９１３２０５８３６０００３７３４１７") == KUNSHAN
    assert uscc.compact("91110000600037341l\u3000") == NATIONAL
    assert uscc.compact("\u200b91110000600037341L\n") == NATIONAL
    assert uscc.format(" 91110000-600037341l") == NATIONAL


def test_explain_kunshan() -> None:
    parts = uscc.explain(KUNSHAN)
    assert [(p.name, p.label_zh, p.value, p.meaning_zh) for p in parts] == [
        ("authority", "登记管理部门码", "9", "工商"),
        ("authority_category", "机构类别码", "1", "企业"),
        ("division", "登记管理机关行政区划码", "320583", "江苏省苏州市昆山市"),
        ("org_code", "主体标识码（组织机构代码）", "600037341", "组织机构代码 60003734-1"),
        ("check_character", "校验码", "7", "校验码正确"),
    ]
    assert all(p.note_zh is None for p in parts)
    assert parts[0].to_dict()["meaning_en"].startswith("Industry and commerce")


def test_explain_national() -> None:
    part = uscc.explain(NATIONAL)[2]
    assert part.value == "110000" and part.meaning_zh == "北京市"
    national = build("12100000", "40000112")
    assert uscc.explain(national)[2].meaning_zh == "国家级登记管理机关"
    assert uscc.explain(national)[1].meaning_zh == "事业单位"


@pytest.mark.parametrize(
    ("prefix", "authority", "category"),
    [
        ("A1", "中央军委改革和编制办公室", "军队事业单位"),
        ("N2", "农业", "村级集体经济组织"),
        ("Y1", "其他", "其他"),
        ("81", "工会", "基层工会"),
        ("53", "民政", "基金会"),
    ],
)
def test_letter_and_other_authorities(prefix: str, authority: str, category: str) -> None:
    code = build(prefix + "340104", "MA2N0C4U")
    parts = uscc.explain(code)
    assert (parts[0].meaning_zh, parts[1].meaning_zh) == (authority, category)
    assert parts[2].meaning_zh == "安徽省合肥市蜀山区"


def test_abolished_division_named_with_note() -> None:
    code = build("91341400", "15301234")  # 341400 巢湖市 (prefecture, 1999–2011)
    part = uscc.explain(code)[2]
    assert part.meaning_zh == "安徽省巢湖市"
    assert part.note_zh and "已撤销" in part.note_zh


def test_development_zone_named() -> None:
    code = build("91320594", "MA1MXXQ5")
    part = uscc.explain(code)[2]
    assert "苏州工业园区" in part.meaning_zh
    assert part.note_zh and "开发区" in part.note_zh


def test_unknown_division_accepted_with_note() -> None:
    code = build("91320599", "12345678")
    assert uscc.is_valid(code)
    part = uscc.explain(code)[2]
    assert part.note_zh and "不在 GB/T 2260" in part.note_zh


def test_resident_id_is_not_a_uscc() -> None:
    # passes the USCC checksum (hutool #1367) …
    assert stdnum_uscc.is_valid("362322198709086409")
    # … but 3 = 司法行政 has no category 6
    with pytest.raises(InvalidComponent) as info:
        uscc.validate("362322198709086409")
    assert info.value.part == "authority_category"
    assert "第2位机构类别码 6" in info.value.message_zh


def test_ones_is_not_a_uscc() -> None:
    # regex-only validators accept it (any-rule #331); it fails the checksum too, but the
    # first part we check that fails is positions 9–17
    assert not stdnum_uscc.is_valid("111111111111111111")
    with pytest.raises(InvalidChecksum) as info:
        uscc.validate("111111111111111111")
    assert info.value.part == "org_code"
    assert "第9–17位" in info.value.message_zh


def test_unknown_authority() -> None:
    code = build("B1320583", "60003734")
    with pytest.raises(InvalidComponent) as info:
        uscc.validate(code)
    assert info.value.part == "authority"
    assert "第1位登记管理部门码 B 不存在" in info.value.message_zh


def test_bad_province() -> None:
    code = build("91990000", "60003734")
    with pytest.raises(InvalidComponent) as info:
        uscc.validate(code)
    assert info.value.part == "division"


def test_division_must_be_digits() -> None:
    code = build("9132A583", "60003734")
    with pytest.raises(InvalidFormat) as info:
        uscc.validate(code)
    assert info.value.part == "division"


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "#"])
def test_charset(bad: str) -> None:
    code = KUNSHAN[:9] + bad + KUNSHAN[10:]
    with pytest.raises(InvalidFormat) as info:
        uscc.validate(code)
    assert info.value.part == "charset"
    assert "第10位" in info.value.message_zh


def test_length() -> None:
    with pytest.raises(InvalidLength) as info:
        uscc.validate(KUNSHAN[:17])
    assert info.value.part == "length" and info.value.kind == "uscc"
    assert "实为 17 位" in info.value.message_zh


def test_pilot_codes() -> None:
    for code in ("91350203M0001QKT19", "91350100M0001TGQXM"):
        assert uscc.is_pilot(code)
        assert uscc.validate(code) == code
        assert not stdnum_uscc.is_valid(code)
        assert uscc.calc_check_character(code[:17]) != code[17]
        check = uscc.explain(code)[-1]
        assert check.note_zh and "试点" in check.note_zh
        assert "试点代码" in check.meaning_zh
    assert not uscc.is_pilot(KUNSHAN)
    # a neighbour of a pilot code is not a pilot code
    with pytest.raises(InvalidChecksum):
        uscc.validate("91350203M0001QKT18")


def test_data_tables() -> None:
    table = uscc.registration_authorities()
    assert sorted(table) == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "N", "Y"]
    assert sorted(table["9"].categories) == ["1", "2", "3"]
    assert sorted(table["Y"].categories) == ["1"]
    assert all(a.en and a.zh for a in table.values())
