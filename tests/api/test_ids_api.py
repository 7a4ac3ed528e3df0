"""``/api/v1/ids/check``: public answers never show a person's ID number; public codes are explained."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from credit_yrd.api.app import create_app
from credit_yrd.ids import resident_id

client = TestClient(create_app(), raise_server_exceptions=False)
URL = "/api/v1/ids/check"
USCC = "913205836000373417"


def with_check(first17: str) -> str:
    return first17 + resident_id.calc_check_character(first17)


# (number, birth date digits that must not show either)
PERSONAL = [
    ("11010519491231002X", "19491231"),  # valid
    ("360426199101010071", "19910101"),  # valid
    ("110105194912310021", "19491231"),  # mistyped: check character wrong
    ("360426199101010072", "19910101"),  # mistyped
]
LEGACY_15 = [("360426910101007", "910101")]  # 15-digit ID number (replaced since 2004)
# ID-shaped numbers with a correct check character whose date or region is out of range.
OUT_OF_RANGE = [
    (with_check("11010520990101001"), "20990101"),  # born in the future
    (with_check("11010518000101001"), "18000101"),  # born before 1900
]


def leaks(text: str, number: str, birth: str) -> list[str]:
    digits_only = re.sub(r"[^0-9X]", "", text)
    iso_birth = f"{birth[:4]}-{birth[4:6]}-{birth[6:]}" if len(birth) == 8 else None
    found = []
    if number in text or number in digits_only:
        found.append("number")
    if birth in text:
        found.append("birth date")
    if iso_birth and iso_birth in text:
        found.append("iso birth date")
    return found


@pytest.mark.parametrize(("number", "birth"), PERSONAL)
def test_get_never_shows_a_personal_number(number: str, birth: str) -> None:
    response = client.get(URL, params={"code": number})
    assert response.status_code == 200
    assert leaks(response.text, number, birth) == []
    body = response.json()
    assert body["input"] == number[:4] + "*" * 10 + number[-4:]
    assert body["parts"] == []


@pytest.mark.parametrize(("number", "birth"), PERSONAL)
def test_post_never_shows_a_personal_number(number: str, birth: str) -> None:
    response = client.post(URL, json={"codes": [number, f" {number[:6]} {number[6:]} "]})
    assert response.status_code == 200
    assert leaks(response.text, number, birth) == []
    assert len(response.json()) == 2


def test_valid_resident_id_is_recognised_but_not_explained() -> None:
    body = client.get(URL, params={"code": "11010519491231002X"}).json()
    assert (body["kind"], body["valid"]) == ("resident_id", True)
    assert body["parts"] == [] and body["error"] is None
    assert "朝阳" not in str(body) and "1949" not in str(body)


def test_mistyped_resident_id_is_invalid_with_a_generic_reason() -> None:
    body = client.get(URL, params={"code": "110105194912310021"}).json()
    assert body["valid"] is False
    assert body["error_part"] is None
    assert "居民身份证" in body["error"]


@pytest.mark.parametrize(("number", "birth"), LEGACY_15)
def test_legacy_15_digit_id_is_never_shown(number: str, birth: str) -> None:
    for response in (
        client.get(URL, params={"code": number}),
        client.post(URL, json={"codes": [number]}),
    ):
        assert response.status_code == 200
        assert leaks(response.text, number, birth) == []


def test_legacy_15_digit_id_input_field_is_masked() -> None:
    body = client.get(URL, params={"code": "360426910101007"}).json()
    assert body["input"] == "3604********007"
    assert body["parts"] == []


@pytest.mark.parametrize(("number", "birth"), OUT_OF_RANGE)
def test_out_of_range_id_numbers_do_not_reveal_the_birth_date(number: str, birth: str) -> None:
    response = client.get(URL, params={"code": number})
    assert response.status_code == 200
    assert leaks(response.text, number, birth) == []


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u202a", "\u2066"])
def test_id_number_with_direction_marks_is_not_echoed(mark: str) -> None:
    number = "11010519491231002X"
    response = client.get(URL, params={"code": number[:10] + mark + number[10:]})
    assert response.status_code == 200
    assert number[:10] not in response.text or number[10:] not in response.text


def test_valid_uscc_is_shown_with_its_parts() -> None:
    body = client.get(URL, params={"code": USCC}).json()
    assert body["input"] == USCC
    assert (body["kind"], body["valid"]) == ("uscc", True)
    meanings = {p["name"]: p["meaning_zh"] for p in body["parts"]}
    assert meanings["division"] == "江苏省苏州市昆山市"
    assert meanings["authority"] == "工商"


def test_invalid_uscc_names_the_part() -> None:
    body = client.get(URL, params={"code": "91340100MA1FL4X249"}).json()
    assert body["valid"] is False
    assert body["error_part"]
    assert "校验码" in body["error"]


def test_post_answers_in_order() -> None:
    codes = [USCC, "60003734-1", "garbage", "11010519491231002X"]
    body = client.post(URL, json={"codes": codes}).json()
    assert [b["kind"] for b in body] == ["uscc", "org_code", None, "resident_id"]
    assert [b["valid"] for b in body] == [True, True, False, True]


def test_batch_of_1000_is_accepted_and_1001_refused() -> None:
    ok = client.post(URL, json={"codes": [USCC] * 1000})
    assert ok.status_code == 200
    assert len(ok.json()) == 1000
    too_many = client.post(URL, json={"codes": [USCC] * 1001})
    assert too_many.status_code == 422
    assert too_many.headers["content-type"].startswith("application/problem+json")


def test_empty_batch_and_over_long_code_are_422() -> None:
    assert client.post(URL, json={"codes": []}).status_code == 422
    assert client.post(URL, json={"codes": ["9" * 65]}).status_code == 422
    assert client.get(URL, params={"code": "9" * 65}).status_code == 422


def test_validation_errors_do_not_echo_a_personal_number() -> None:
    number = "11010519491231002X"
    for response in (
        client.post(URL, json={"codes": [number + "9" * 50]}),
        client.post(URL, json={"codes": number}),
        client.post(URL, json={"codes": [number, 42]}),
        client.get(URL, params={"code": number * 4}),
    ):
        assert 400 <= response.status_code < 500, response.text
        assert number not in response.text
