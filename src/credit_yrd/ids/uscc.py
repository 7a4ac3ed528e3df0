"""GB 32100-2015 统一社会信用代码 (USCC, unified social credit code), 18 characters.

======  ====================================================================
1       登记管理部门码 (registration authority), see data/registration_authorities.yaml
2       机构类别码 (entity category, defined per authority)
3–8     登记管理机关行政区划码 (GB/T 2260 division; 100000 = national)
9–17    主体标识码 = GB 11714 组织机构代码, with its own check character at 17
18      校验码 (check character)
======  ====================================================================

Characters: ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (values 0–30; I, O, Z, S, V are not used).
Weights 3^(i-1) mod 31; check = (31 − Σ mod 31) mod 31.

Differences from ``stdnum.cn.uscc`` (all tested in tests/ids/test_uscc_vs_stdnum.py):
python-stdnum requires ``isdigits(number[:8])``, which wrongly rejects codes whose authority or
category is a letter (A1 军队事业单位, N1–N9 农村集体经济组织, Y1 其他); we accept them.
It only checks the charset and the checksum, so it accepts strings that merely pass the
checksum (e.g. the resident ID 362322198709086409); we also check the authority and category
table, the province of the division code and the GB 11714 check of positions 9–17. Pilot codes
issued before the standard (data/pilot_allowlist.yaml) fail the checksum but are legal: they
validate, and :func:`explain` always says that they are pilot codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from credit_yrd.ids import _region, divisions, org_code
from credit_yrd.ids._data import fail, load_yaml, require_str
from credit_yrd.ids._text import compact_text, show
from credit_yrd.ids.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
    check_character,
    passes,
)
from credit_yrd.ids.parts import Part

KIND = "uscc"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …, 28
NATIONAL_DIVISION = "100000"


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Authority:
    code: str
    zh: str
    en: str
    categories: dict[str, Category]


@dataclass(frozen=True)
class PilotCode:
    code: str
    source: str
    note_zh: str
    note_en: str


@cache
def registration_authorities() -> dict[str, Authority]:
    """The 登记管理部门码 → 机构类别码 table, loaded from YAML and checked."""
    name = "registration_authorities.yaml"
    doc = load_yaml(name)
    if not isinstance(doc, dict) or not isinstance(doc.get("authorities"), dict):
        raise fail(name, "顶层", "应有映射字段 authorities", "needs a mapping 'authorities'")
    table: dict[str, Authority] = {}
    for code, entry in doc["authorities"].items():
        where = f"authorities[{code!r}]"
        if not isinstance(code, str) or len(code) != 1 or code not in ALPHABET:
            raise fail(
                name,
                where,
                "登记管理部门码应为代码字符集中的单个字符（请加引号）",
                "an authority code must be one quoted character of the USCC alphabet",
            )
        cats = entry.get("categories") if isinstance(entry, dict) else None
        if not isinstance(cats, dict) or not cats:
            raise fail(name, where, "缺少 categories", "needs a non-empty 'categories' mapping")
        categories: dict[str, Category] = {}
        for cat, cat_entry in cats.items():
            cat_where = f"{where}.categories[{cat!r}]"
            if not isinstance(cat, str) or len(cat) != 1 or cat not in ALPHABET:
                raise fail(
                    name,
                    cat_where,
                    "机构类别码应为代码字符集中的单个字符（请加引号）",
                    "a category code must be one quoted character of the USCC alphabet",
                )
            categories[cat] = Category(
                cat,
                require_str(name, cat_where, cat_entry, "zh"),
                require_str(name, cat_where, cat_entry, "en"),
            )
        table[code] = Authority(
            code,
            require_str(name, where, entry, "zh"),
            require_str(name, where, entry, "en"),
            categories,
        )
    return table


@cache
def pilot_codes() -> dict[str, PilotCode]:
    """Pre-standard pilot codes that fail the checksum but are legal."""
    name = "pilot_allowlist.yaml"
    doc = load_yaml(name)
    if not isinstance(doc, dict) or not isinstance(doc.get("codes"), list):
        raise fail(name, "顶层", "应有列表字段 codes", "needs a top-level list 'codes'")
    result: dict[str, PilotCode] = {}
    for i, entry in enumerate(doc["codes"]):
        where = f"codes[{i}]"
        code = require_str(name, where, entry, "code")
        if len(code) != 18 or any(ch not in ALPHABET for ch in code):
            raise fail(name, where, f"{code} 不是18位代码", f"{code} is not an 18-character code")
        result[code] = PilotCode(
            code,
            require_str(name, where, entry, "source"),
            require_str(name, where, entry, "note_zh"),
            require_str(name, where, entry, "note_en"),
        )
    return result


def compact(s: str) -> str:
    return compact_text(s)


def calc_check_character(first17: str) -> str:
    """The GB 32100 check character (position 18) of the first 17 characters."""
    first17 = compact(first17)
    if len(first17) != 17:
        raise InvalidLength(
            KIND,
            "length",
            f"计算校验码需要前17位，实为 {len(first17)} 位",
            f"the check needs 17 characters, got {len(first17)}",
        )
    _check_charset(first17)
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _check_charset(code: str) -> None:
    for i, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            raise InvalidFormat(
                KIND,
                "charset",
                f"第{i}位字符 {show(ch)} 不在统一社会信用代码字符集中（不使用 I、O、Z、S、V）",
                f"character {i} ({show(ch)}) is not in the USCC alphabet (no I, O, Z, S, V)",
            )


def is_pilot(s: str) -> bool:
    """Whether this is a pre-standard pilot code of the allow-list."""
    try:
        return compact(s) in pilot_codes()
    except TypeError:
        return False


def _check_structure(code: str) -> None:
    """Positions 1–17 (everything but the check character)."""
    authority = registration_authorities().get(code[0])
    if authority is None:
        raise InvalidComponent(
            KIND,
            "authority",
            f"第1位登记管理部门码 {code[0]} 不存在",
            f"registration authority {code[0]} (position 1) does not exist",
        )
    if code[1] not in authority.categories:
        allowed = "、".join(authority.categories)
        raise InvalidComponent(
            KIND,
            "authority_category",
            f"第2位机构类别码 {code[1]} 在登记管理部门 {code[0]}（{authority.zh}）下不存在"
            f"，应为 {allowed} 之一",
            f"entity category {code[1]} (position 2) does not exist under authority "
            f"{code[0]} ({authority.en}); allowed: {', '.join(authority.categories)}",
        )
    division = code[2:8]
    if not division.isdigit() or not division.isascii():
        raise InvalidFormat(
            KIND,
            "division",
            f"第3–8位登记管理机关行政区划码 {division} 应为6位数字",
            f"division code {division} (positions 3–8) must be 6 digits",
        )
    if not (divisions.is_province_code(division[:2]) or division[:2] == NATIONAL_DIVISION[:2]):
        raise InvalidComponent(
            KIND,
            "division",
            f"第3–8位登记管理机关行政区划码 {division} 的前两位 {division[:2]} "
            "不是省级行政区划代码",
            f"division code {division} (positions 3–8) does not start with a province-level code",
        )
    try:
        org_code.validate(code[8:17])
    except InvalidIdentifier as exc:
        cls = InvalidChecksum if isinstance(exc, InvalidChecksum) else InvalidComponent
        raise cls(
            KIND,
            "org_code",
            f"第9–17位主体标识码（组织机构代码）{code[8:17]} 不符合 GB 11714：{exc.message_zh}",
            f"positions 9–17 ({code[8:17]}) are not a valid GB 11714 organisation code: "
            f"{exc.message_en}",
        ) from exc


def validate(s: str) -> str:
    """The compact form of a valid USCC; raises an ``InvalidIdentifier`` naming the part."""
    code = compact(s)
    if len(code) != 18:
        raise InvalidLength(
            KIND,
            "length",
            f"统一社会信用代码应为18位，实为 {len(code)} 位",
            f"a USCC has 18 characters, this has {len(code)}",
        )
    _check_charset(code[:17])
    if code in pilot_codes():
        return code  # legal although nonconforming; explain() says so
    _check_structure(code)
    expected = calc_check_character(code[:17])
    check_character(KIND, code, 18, expected)  # also when outside the alphabet, e.g. Z
    return code


def is_valid(s: str) -> bool:
    return passes(validate, s)


def format(s: str) -> str:
    return compact(s)


def explain(s: str) -> list[Part]:
    """The parts of a valid USCC with their meanings (raises like :func:`validate`)."""
    code = validate(s)
    pilot = pilot_codes().get(code)
    authority = registration_authorities().get(code[0])
    category = authority.categories.get(code[1]) if authority else None
    parts = [
        Part(
            "authority",
            "登记管理部门码",
            code[0],
            authority.zh if authority else "未知",
            authority.en if authority else "unknown",
        ),
        Part(
            "authority_category",
            "机构类别码",
            code[1],
            category.zh if category else "未知",
            category.en if category else "unknown",
        ),
    ]
    division = code[2:8]
    if division.isdigit() and division.isascii():
        region = _region.describe(division, allow_national=True)
        parts.append(
            Part(
                "division",
                "登记管理机关行政区划码",
                division,
                region.meaning_zh,
                region.meaning_en,
                region.note_zh,
                region.note_en,
            )
        )
    else:
        parts.append(Part("division", "登记管理机关行政区划码", division, "未知", "unknown"))
    org_ok = org_code.is_valid(code[8:17])
    parts.append(
        Part(
            "org_code",
            "主体标识码（组织机构代码）",
            code[8:17],
            f"组织机构代码 {org_code.format(code[8:17])}",
            f"organisation code {org_code.format(code[8:17])}",
            None if org_ok else "不符合 GB 11714 校验",
            None if org_ok else "fails the GB 11714 check",
        )
    )
    expected = calc_check_character(code[:17])
    if pilot is not None:
        parts.append(
            Part(
                "check_character",
                "校验码",
                code[17],
                f"试点代码，校验码不符合 GB 32100（计算值 {expected}）",
                f"pilot code; the check character does not follow GB 32100 (computed {expected})",
                f"{pilot.note_zh}（来源：{pilot.source}）",
                f"{pilot.note_en} (source: {pilot.source})",
            )
        )
    else:
        parts.append(
            Part("check_character", "校验码", code[17], "校验码正确", "check character is correct")
        )
    return parts
