from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from credit_yrd.ids import mask, mask_resident_id


def test_mask_resident_id() -> None:
    assert mask_resident_id("32010219800101123X") == "3201**********123X"
    assert mask_resident_id("3201 0219 8001 0112 3x") == "3201**********123X"
    assert mask_resident_id("110105491231002") == "1101********002"


def test_garbage_is_fully_masked() -> None:
    assert mask_resident_id("hello") == "*****"
    assert mask_resident_id("32010219800101123A") == "*" * 18
    assert mask_resident_id("") == "****"
    assert mask_resident_id("1" * 1000) == "****"
    assert mask_resident_id(None) == "****"  # type: ignore[arg-type]


def test_mask_leaves_public_codes() -> None:
    assert mask("913205836000373417") == "913205836000373417"
    assert mask("60003734-1") == "60003734-1"
    assert mask("110108000000016") == "110108000000016"
    assert mask("91350203M0001QKT19") == "91350203M0001QKT19"


def test_mask_hides_resident_ids() -> None:
    assert mask("360426199101010071") == "3604**********0071"
    assert mask("362322198709086409") == "3623**********6409"  # also passes the USCC checksum
    assert mask("360426199101010072") == "3604**********0072"  # a mistyped ID stays private
    assert mask("110105491231002") == "1101********002"
    assert mask("not a code") == "********"


@settings(max_examples=300)
@given(st.one_of(st.text(), st.text(max_size=2000), st.binary().map(repr)))
def test_never_raises(s: str) -> None:
    for out in (mask(s), mask_resident_id(s)):
        assert isinstance(out, str)


def test_mask_hides_15_digit_strings_that_read_as_a_person() -> None:
    # Passes the GS15 check digit and also reads as an ID number born 1949-12-31 in 110105.
    assert mask("110105491231002") == "1101********002"
    # A registration number that reads as "born 1900-01-23" in 320583 is masked too (safe side).
    assert mask("320583000123451") == "3205********451"
    # "19000000" is no date: this registration number cannot be a person and stays public.
    assert mask("110108000000016") == "110108000000016"
