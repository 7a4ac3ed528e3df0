"""The 41 cities carry real GB/T 2260 codes (checked against python-stdnum's loc.dat)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from stdnum import numdb

from credit_yrd.standards import Standard

_SPAN = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")


def current_name(code: str) -> str | None:
    """The name GB/T 2260 (as in loc.dat) gives a six-digit code today, or None when abolished."""
    info = numdb.get("cn/loc").info(code)
    if len(info) < 2 or not info[1][1]:
        return None
    names = info[1][1].get("county", "")
    for variant in names.split(","):
        match = _SPAN.match(variant)
        if match is None:
            return variant
        if match.group(2) is None:  # "[2000-]淮安市": still in use
            return match.group(3)
    return None


def test_loc_dat_reader() -> None:
    assert current_name("320800") == "淮安市"
    assert current_name("341400") is None  # 巢湖, abolished 2011
    assert current_name("310000") == "上海市"


def test_provinces(standard: Standard) -> None:
    provinces = standard.code_list("province")
    assert {e.code: e.label_zh for e in provinces.entries} == {
        "31": "上海市",
        "32": "江苏省",
        "33": "浙江省",
        "34": "安徽省",
    }
    assert provinces.normalise("330000") == "33"


def test_forty_one_cities(standard: Standard) -> None:
    cities = standard.code_list("city")
    assert len(cities.entries) == 41
    assert Counter(e.parent for e in cities.entries) == {"31": 1, "32": 13, "33": 11, "34": 16}
    assert "341400" not in cities.codes()


@pytest.mark.parametrize("index", range(41))
def test_city_code_is_real_and_current(standard: Standard, index: int) -> None:
    entry = standard.code_list("city").entries[index]
    assert re.fullmatch(r"3[1-4]\d{2}00", entry.code)
    assert entry.code[:2] == entry.parent
    assert current_name(entry.code) == entry.label_zh, entry.code
