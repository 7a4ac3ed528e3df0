"""GB/T 2260 administrative divisions (行政区划代码), current and abolished.

The table is python-stdnum's ``stdnum/cn/loc.dat`` (compiled from the zh.wikipedia lists of
division codes), read once and cached. Its format::

    32 province="江苏省"
      0000 county="江苏省"                      # the province itself
      0500 county="苏州市"                      # XX00: a prefecture-level unit
      0583 county="[1989-]昆山市"               # a county-level unit, valid from 1989
      0800 county="[1983-1999]淮阴市,[2000-]淮安市"   # renamed: one segment per name

A code whose last segment has an end year is abolished. Registration authorities of some
development zones use codes that are not in GB/T 2260; those are kept in
``data/development_zones.yaml`` (see :func:`development_zone`). National bodies use 100000,
which is not a division either (handled by the USCC module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from credit_yrd.ids._data import fail, load_yaml, require_str

#: The four provinces of the Yangtze River Delta region.
REGION_PROVINCES: dict[str, str] = {"31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省"}

#: Municipalities directly under the central government: the municipality is its own
#: prefecture-level unit.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

# Names of grouping lines that are not places of their own.
_GENERIC = frozenset({"市辖区", "县", "市", "省直辖县级行政单位", "省直辖行政单位"})

_SEGMENT = re.compile(r"^\[(\d*)-(\d*)\](.+)$")
_LINE_PROVINCE = re.compile(r'^(\d{2}) province="(.*)"$')
_LINE_COUNTY = re.compile(r'^  (\d{4}) county="(.*)"$')


@dataclass(frozen=True)
class Division:
    code: str  # six digits
    name: str  # latest name
    province: str  # province-level name
    city: str | None  # prefecture-level name (None for a province)
    county: str | None  # county-level name (None for provinces and prefectures)
    valid_from: int | None  # first year in use (None: before the table's records begin)
    valid_to: int | None  # last year in use (None: still current)
    history: tuple[tuple[int | None, int | None, str], ...] = ()

    @property
    def abolished(self) -> bool:
        return self.valid_to is not None

    @property
    def level(self) -> str:
        if self.code[2:] == "0000":
            return "province"
        if self.code[4:] == "00":
            return "prefecture"
        return "county"

    @property
    def full_name(self) -> str:
        """E.g. 江苏省苏州市昆山市, 上海市黄浦区 (grouping names such as 市辖区 left out)."""
        if self.level == "province":
            return self.province
        parts = [self.province]
        if self.city and (self.city not in _GENERIC or self.level == "prefecture"):
            parts.append(self.city)
        if self.county and self.county not in _GENERIC:
            parts.append(self.county)
        return "".join(parts)

    def name_in(self, year: int) -> str | None:
        """The name the code had in ``year``, or None when it was not in use then."""
        for start, end, name in self.history:
            if (start is None or year >= start) and (end is None or year <= end):
                return name
        return None


@dataclass(frozen=True)
class DevelopmentZone:
    code: str
    name_zh: str
    name_en: str
    province: str
    confidence: str
    source: str


def _parse_value(value: str) -> tuple[tuple[int | None, int | None, str], ...]:
    segments = []
    for raw in value.split(","):
        match = _SEGMENT.match(raw)
        if match:
            start = int(match.group(1)) if match.group(1) else None
            end = int(match.group(2)) if match.group(2) else None
            segments.append((start, end, match.group(3)))
        else:
            segments.append((None, None, raw))
    return tuple(segments)


@cache
def _table() -> tuple[dict[str, Division], dict[str, str]]:
    text = (files("stdnum.cn") / "loc.dat").read_text(encoding="utf-8")
    provinces: dict[str, str] = {}
    raw: dict[str, tuple[tuple[int | None, int | None, str], ...]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if m := _LINE_PROVINCE.match(line):
            current = m.group(1)
            provinces[current] = m.group(2)
        elif (m := _LINE_COUNTY.match(line)) and current is not None:
            raw[current + m.group(1)] = _parse_value(m.group(2))
    table: dict[str, Division] = {}
    for code, history in raw.items():
        name = history[-1][2]
        province = provinces[code[:2]]
        level_city = code[4:] == "00" and code[2:] != "0000"
        if code[2:] == "0000":
            city = county = None
        elif level_city:
            city, county = name, None
        else:
            parent = raw.get(code[:4] + "00")
            city = parent[-1][2] if parent else None
            county = name
        table[code] = Division(
            code=code,
            name=name,
            province=province,
            city=city,
            county=county,
            valid_from=history[0][0],
            valid_to=history[-1][1],
            history=history,
        )
    return table, provinces


def lookup(code6: str) -> Division | None:
    """The division with this six-digit code (current or abolished), or None."""
    if not isinstance(code6, str) or len(code6) != 6 or not code6.isascii():
        return None
    return _table()[0].get(code6)


def is_province_code(two_digits: str) -> bool:
    return isinstance(two_digits, str) and two_digits in _table()[1]


def province_name(code: str) -> str | None:
    """Name of the province-level unit of a two- or six-digit code."""
    if not isinstance(code, str) or len(code) not in (2, 6):
        return None
    return _table()[1].get(code[:2])


def provinces() -> dict[str, str]:
    return dict(_table()[1])


def cities(province_code2: str) -> list[Division]:
    """Current prefecture-level units of a province, by code; a municipality is its own."""
    table = _table()[0]
    if province_code2 in MUNICIPALITIES:
        own = table.get(province_code2 + "0000")
        return [own] if own else []
    return [
        d
        for code, d in sorted(table.items())
        if code[:2] == province_code2
        and d.level == "prefecture"
        and not d.abolished
        and d.name not in _GENERIC
        and "直辖" not in d.name
    ]


@cache
def _zones() -> dict[str, DevelopmentZone]:
    name = "development_zones.yaml"
    doc = load_yaml(name)
    if not isinstance(doc, dict) or not isinstance(doc.get("zones"), list):
        raise fail(name, "顶层", "应有列表字段 zones", "needs a top-level list 'zones'")
    zones: dict[str, DevelopmentZone] = {}
    for i, entry in enumerate(doc["zones"]):
        where = f"zones[{i}]"
        code = require_str(name, where, entry, "code")
        if not re.fullmatch(r"\d{6}", code):
            raise fail(name, where, f"code {code} 应为6位数字", f"code {code} must be 6 digits")
        if code in zones:
            raise fail(name, where, f"code {code} 重复", f"code {code} is duplicated")
        province = require_str(name, where, entry, "province")
        if province != code[:2] or not is_province_code(province):
            raise fail(
                name, where, f"province {province} 与代码不符", f"province {province} mismatch"
            )
        confidence = require_str(name, where, entry, "confidence")
        if confidence not in ("high", "medium", "low"):
            raise fail(
                name, where, "confidence 应为 high/medium/low", "confidence: high|medium|low"
            )
        zones[code] = DevelopmentZone(
            code=code,
            name_zh=require_str(name, where, entry, "name_zh"),
            name_en=require_str(name, where, entry, "name_en"),
            province=province,
            confidence=confidence,
            source=require_str(name, where, entry, "source"),
        )
    return zones


def development_zone(code6: str) -> DevelopmentZone | None:
    """A development-zone registration-authority code that is not in GB/T 2260, or None."""
    return _zones().get(code6) if isinstance(code6, str) else None


def development_zones() -> list[DevelopmentZone]:
    return list(_zones().values())
