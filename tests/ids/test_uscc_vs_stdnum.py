"""Where our USCC verdict differs from python-stdnum's ``stdnum.cn.uscc``, and why.

python-stdnum checks: length 18, ``isdigits(number[:8])``, positions 9–18 in the alphabet, the
check character. It normalises with ``clean(number, ' -')`` (which maps many Unicode dashes,
spaces and digits to ASCII) + ``upper().strip()``.

Difference classes (each has its own test below):

LETTER_AUTHORITY  we accept, stdnum rejects: a letter at position 1 or 2 (A1 军队事业单位,
                  N1–N9 农村集体经济组织, Y1 其他). stdnum's isdigits(number[:8]) is wrong there.
PILOT             we accept (with a note), stdnum rejects: pre-standard pilot codes from the
                  allow-list that fail the checksum.
BAD_AUTHORITY     we reject, stdnum accepts: checksum fine but position 1 is no authority.
BAD_CATEGORY      we reject, stdnum accepts: position 2 is not a category of that authority.
BAD_PROVINCE      we reject, stdnum accepts: positions 3–4 are neither a province-level code
                  nor 10 (national).
BAD_ORG_CODE      we reject, stdnum accepts: positions 9–17 fail the GB 11714 check.
NORMALISATION     input spelled differently: full-width letters, tabs/newlines/zero-width
                  characters inside (we accept, stdnum rejects); exotic Unicode digits such as
                  MATHEMATICAL BOLD DIGIT (stdnum maps them to ASCII, we do not: we reject).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from credit_yrd.ids import org_code, uscc
from credit_yrd.ids.errors import InvalidIdentifier

ALPHABET = uscc.ALPHABET


def with_check(first17: str) -> str:
    return first17 + uscc.calc_check_character(first17)


def classify(code: str) -> str | None:
    """The documented class explaining a disagreement on a compact 18-character code."""
    ours, theirs = uscc.is_valid(code), stdnum_uscc.is_valid(code)
    if ours == theirs:
        return None
    if ours and not theirs:
        if uscc.is_pilot(code):
            return "PILOT"
        if not code[:2].isdigit():
            return "LETTER_AUTHORITY"
        return "UNEXPLAINED"
    try:
        uscc.validate(code)
    except InvalidIdentifier as exc:
        return {
            "authority": "BAD_AUTHORITY",
            "authority_category": "BAD_CATEGORY",
            "division": "BAD_PROVINCE",
            "org_code": "BAD_ORG_CODE",
        }.get(exc.part, "UNEXPLAINED")
    return "UNEXPLAINED"


def test_letter_authority() -> None:
    for prefix in ("A1", "N1", "N3", "Y1"):
        code = with_check(prefix + "320583" + "600037341")
        assert uscc.is_valid(code)
        assert not stdnum_uscc.is_valid(code)
        assert classify(code) == "LETTER_AUTHORITY"


def test_pilot() -> None:
    for code in ("91350203M0001QKT19", "91350100M0001TGQXM"):
        assert classify(code) == "PILOT"


def test_bad_authority() -> None:
    code = with_check("01320583600037341")
    assert stdnum_uscc.is_valid(code)
    assert classify(code) == "BAD_AUTHORITY"


def test_bad_category() -> None:
    code = "362322198709086409"  # a resident ID (hutool #1367)
    assert stdnum_uscc.is_valid(code)
    assert classify(code) == "BAD_CATEGORY"
    assert classify(with_check("94320583600037341")) == "BAD_CATEGORY"  # 9 has 1–3 only


def test_bad_province() -> None:
    code = with_check("91990000600037341")
    assert stdnum_uscc.is_valid(code)
    assert classify(code) == "BAD_PROVINCE"


def test_bad_org_code() -> None:
    code = with_check("91320583600037342")  # 60003734-2: GB 11714 wants 1
    assert stdnum_uscc.is_valid(code)
    assert classify(code) == "BAD_ORG_CODE"


def test_normalisation() -> None:
    good = "91110000600037341L"
    spelled_forms = (
        "９１１１００００６０００３７３４１Ｌ",
        "9111\t0000600037341L",
        "91110000\u200b600037341L",
    )
    for spelled in spelled_forms:
        assert uscc.is_valid(spelled)
        assert not stdnum_uscc.is_valid(spelled)
    bold = "".join(chr(0x1D7CE + int(c)) if c.isdigit() else c for c in good)
    assert stdnum_uscc.is_valid(bold)
    assert not uscc.is_valid(bold)


def test_agreement_on_plain_valid_codes() -> None:
    for first17 in ("91320583600037341", "12100000400001126", "52340100509958717"):
        code = with_check(first17[:16] + org_code.calc_check_character(first17[8:16]))
        assert uscc.is_valid(code) and stdnum_uscc.is_valid(code)


@st.composite
def candidate(draw: st.DrawFn) -> str:
    """18 characters over the alphabet; often with a correct check character, and often
    with a plausible head, so that the interesting cases are reached."""
    head = draw(
        st.one_of(
            st.text(ALPHABET, min_size=2, max_size=2),
            st.sampled_from(["91", "92", "93", "11", "12", "51", "52", "53", "A1", "N2", "Y1"]),
        )
    )
    division = draw(
        st.one_of(
            st.text(ALPHABET, min_size=6, max_size=6),
            st.sampled_from(["320583", "310115", "330106", "340104", "100000", "990000"]),
            st.text(string.digits, min_size=6, max_size=6),
        )
    )
    body = draw(st.text(ALPHABET, min_size=8, max_size=8))
    org_check = draw(st.one_of(st.just(None), st.sampled_from(list(org_code.CHECK_CHARS))))
    if org_check is None:
        org_check = org_code.calc_check_character(body)
    first17 = head + division + body + org_check
    last = draw(st.one_of(st.just(None), st.sampled_from(list(ALPHABET))))
    return first17 + (uscc.calc_check_character(first17) if last is None else last)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(candidate(), st.text(ALPHABET, min_size=18, max_size=18)))
def test_every_disagreement_is_documented(code: str) -> None:
    assert classify(code) in {
        None,
        "LETTER_AUTHORITY",
        "PILOT",
        "BAD_AUTHORITY",
        "BAD_CATEGORY",
        "BAD_PROVINCE",
        "BAD_ORG_CODE",
    }


@pytest.mark.parametrize("code", ["91350203M0001QKT19", "A1320583600037341X"])
def test_classify_is_total(code: str) -> None:
    classify(code)  # never raises
