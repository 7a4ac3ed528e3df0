from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from credit_yrd.ids import check, detect
from credit_yrd.ids.detect import MAX_INPUT

TODAY = dt.date(2025, 6, 1)


def test_detect_rules() -> None:
    assert detect("913205836000373417") == "uscc"
    assert detect("91350100M000100Y4Z") == "uscc"
    assert detect("360426199101010071") == "resident_id"
    assert detect("362322198709086409") == "resident_id"  # passes both checksums
    assert detect("360426199101010072") == "uscc"  # bad ID check → read as a (bad) USCC
    assert detect("110108000000016") == "business_reg_no"
    assert detect("440301103097413") == "business_reg_no"
    assert detect("360426910101007") == "resident_id"  # legacy 15-digit ID, fails GS15
    # Both readings hold: a passing GS15 check digit wins (registration numbers are the common case;
    # public output masks both shapes anyway).
    assert detect("110105491231002") == "business_reg_no"
    assert detect("320583000123451") == "business_reg_no"  # would read as "born 1900-01-23"
    assert detect("60003734-1") == "org_code"
    assert detect("12345") is None
    assert detect("") is None
    assert detect("x" * (MAX_INPUT + 1)) is None


def test_check_valid_uscc() -> None:
    result = check(" 9132 0583 6000 3734 17 ")
    assert result.kind == "uscc" and result.valid
    assert result.error is None and result.error_part is None
    assert [p["name"] for p in result.parts] == [
        "authority",
        "authority_category",
        "division",
        "org_code",
        "check_character",
    ]
    assert result.parts[2]["meaning_zh"] == "江苏省苏州市昆山市"
    json.dumps(result.to_dict(), ensure_ascii=False)


def test_check_invalid_names_part() -> None:
    result = check("91350100M000100Y4Z")
    assert not result.valid and result.kind == "uscc"
    assert result.error_part == "check_character"
    assert result.error == "第18位校验码应为 3，实为 Z (check character 18 should be 3, is Z)"
    assert result.parts == []


def test_check_pilot_has_note() -> None:
    result = check("91350203M0001QKT19")
    assert result.valid and result.notes and "试点" in result.notes[0]


def test_check_resident_id_uses_today() -> None:
    assert check("360426199101010071", today=TODAY).valid
    result = check("360426199101010071", today=dt.date(1990, 1, 1))
    assert not result.valid and result.error_part == "birth_date"


def test_check_limits() -> None:
    long = check("9" * 100)
    assert not long.valid and long.error_part == "length" and "过长" in (long.error or "")
    assert len(long.input) <= MAX_INPUT + 1
    assert check("").error_part == "length"
    odd = check(None)  # type: ignore[arg-type]
    assert not odd.valid and odd.error_part == "input"
    big = check("😀" * 1_000_000)
    assert not big.valid


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(), min_size=9, max_size=18),
        st.text(alphabet="0123456789X- \u3000ＡＢ０９", min_size=8, max_size=20),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    )
)
def test_check_never_raises(s: str) -> None:
    result = check(s, today=TODAY)
    data = result.to_dict()
    json.dumps(data)
    assert isinstance(result.valid, bool)
    assert result.valid == (result.error is None)


def test_check_control_characters_and_surrogates() -> None:
    for s in ["\x00" * 18, "\ud800" * 18, "\n\t\r", "9132\x0005836000373417", "ﬁ" * 9]:
        json.dumps(check(s).to_dict())
