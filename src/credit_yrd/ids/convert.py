"""换码 (building USCCs from legacy codes) and code quality (换码率, 重错码率).

The 长三角 action plan (2018–2020) sets the targets: 存量代码换码率 100 %, 重错码率 below 1‰
(``/work/shared/reference`` holds the plan's text).

Definitions used by :func:`quality_report`:

* **subject** (主体): one input row.
* **with_uscc**: rows whose ``uscc`` field is present (not null, not blank).
* **valid / wrong** (错码): a present USCC that passes / fails ``uscc.is_valid`` (pilot codes of
  the allow-list count as valid).
* **duplicate** (重码): rows whose valid USCC is also carried by another, *distinct* subject.
  With a ``name`` column, rows with the same USCC and the same name (compared after
  normalisation) are one subject recorded twice and are not duplicates; without it every row is
  its own subject. Duplicates are found across the whole dataset, also when grouping.
* **converted** (已换码): a row holding a valid USCC, or a row with no USCC at all whose legacy
  code (``org_code`` or ``business_reg_no``) the ``legacy_map`` maps to a valid USCC. A row with
  a *wrong* USCC is not converted, whatever its legacy codes.
* **换码率** = converted / subjects; **重错码率** = (wrong + duplicate) / with_uscc.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from credit_yrd.errors import CreditYrdError
from credit_yrd.ids import business_reg_no, divisions, uscc
from credit_yrd.ids import org_code as org_code_module
from credit_yrd.ids._text import compact_text
from credit_yrd.ids.bulk import validate_uscc_column
from credit_yrd.ids.errors import InvalidComponent, InvalidFormat, InvalidIdentifier

__all__ = [
    "CONVERSION_TARGET",
    "WRONG_DUPLICATE_TARGET",
    "CodeQualityReport",
    "org_code_to_uscc",
    "quality_report",
]

KIND = "uscc"
CONVERSION_TARGET = 1.0  # 换码率 100 %
WRONG_DUPLICATE_TARGET = 0.001  # 重错码率 < 1‰


# --------------------------------------------------------------------------------------------
# 换码


def _text(value: Any, part: str, label_zh: str, label_en: str) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(KIND, part, f"{label_zh}应为字符串", f"the {label_en} must be a string")
    return compact_text(value)


def org_code_to_uscc(org_code: str, authority: str, category: str, division: str) -> str:
    """由旧组织机构代码生成统一社会信用代码 (build the USCC of a legacy organisation code).

    ``authority`` is the 登记管理部门码 (position 1), ``category`` the 机构类别码 (position 2),
    ``division`` the six-digit 登记管理机关行政区划码 (positions 3–8). Each part is checked;
    an ``InvalidIdentifier`` names the part (``org_code``, ``authority``,
    ``authority_category``, ``division``).
    """
    code9 = _text(org_code, "org_code", "组织机构代码", "organisation code")
    try:
        code9 = org_code_module.validate(code9)
    except InvalidIdentifier as exc:
        raise type(exc)(
            KIND,
            "org_code",
            f"组织机构代码 {code9} 无效：{exc.message_zh}",
            f"organisation code {code9} is invalid: {exc.message_en}",
        ) from exc
    outside = [ch for ch in code9 if ch not in uscc.ALPHABET]
    if outside:
        raise InvalidFormat(
            KIND,
            "org_code",
            f"组织机构代码 {code9} 含有统一社会信用代码不使用的字符 {'、'.join(outside)}"
            "（I、O、Z、S、V），不能直接换码",
            f"organisation code {code9} holds characters the USCC does not use "
            f"({', '.join(outside)}; I, O, Z, S, V) and cannot be converted as is",
        )

    authority = _text(authority, "authority", "登记管理部门码", "registration authority")
    table = uscc.registration_authorities()
    if len(authority) != 1 or authority not in table:
        raise InvalidComponent(
            KIND,
            "authority",
            f"登记管理部门码 {authority!r} 不存在，应为 {'、'.join(table)} 之一",
            f"registration authority {authority!r} does not exist; one of {', '.join(table)}",
        )
    category = _text(category, "authority_category", "机构类别码", "entity category")
    allowed = table[authority].categories
    if len(category) != 1 or category not in allowed:
        raise InvalidComponent(
            KIND,
            "authority_category",
            f"机构类别码 {category!r} 在登记管理部门 {authority}（{table[authority].zh}）下不存在，"
            f"应为 {'、'.join(allowed)} 之一",
            f"entity category {category!r} does not exist under authority {authority} "
            f"({table[authority].en}); one of {', '.join(allowed)}",
        )

    division = _text(division, "division", "行政区划码", "division code")
    if len(division) != 6 or not (division.isascii() and division.isdigit()):
        raise InvalidFormat(
            KIND,
            "division",
            f"行政区划码 {division!r} 应为6位数字",
            f"division code {division!r} must be 6 digits",
        )
    national = uscc.NATIONAL_DIVISION[:2]
    if not (divisions.is_province_code(division[:2]) or division[:2] == national):
        raise InvalidComponent(
            KIND,
            "division",
            f"行政区划码 {division} 的前两位 {division[:2]} 不是省级行政区划代码",
            f"division code {division} does not start with a province-level code",
        )
    first17 = authority + category + division + code9
    return uscc.validate(first17 + uscc.calc_check_character(first17))


# --------------------------------------------------------------------------------------------
# Quality report


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


@dataclass
class CodeQualityReport:
    """代码质量报告 (code-quality report). Field labels: ``CodeQualityReport.labels()``."""

    total: int = field(default=0, metadata=_label("主体数", "subjects"))
    with_uscc: int = field(default=0, metadata=_label("有统一代码的主体数", "with a USCC"))
    with_valid_uscc: int = field(default=0, metadata=_label("统一代码有效", "valid USCC"))
    pilot: int = field(default=0, metadata=_label("试点代码", "pilot codes"))
    wrong: int = field(default=0, metadata=_label("错码数", "wrong USCCs"))
    duplicate: int = field(default=0, metadata=_label("重码数", "duplicate USCCs"))
    legacy_only: int = field(default=0, metadata=_label("仅有旧码", "legacy code only"))
    mapped_by_legacy: int = field(
        default=0, metadata=_label("经旧码映射换码", "converted through the legacy map")
    )
    converted: int = field(default=0, metadata=_label("已换码", "converted"))
    conversion_rate: float | None = field(
        default=None, metadata=_label("换码率", "conversion rate")
    )
    wrong_duplicate_rate: float | None = field(
        default=None, metadata=_label("重错码率", "wrong-or-duplicate rate")
    )
    meets_conversion_target: bool | None = field(
        default=None, metadata=_label("换码率达标（100%）", "conversion target met (100 %)")
    )
    meets_wrong_duplicate_target: bool | None = field(
        default=None, metadata=_label("重错码率达标（<1‰）", "wrong/duplicate target met (<1‰)")
    )
    group_by: str | None = field(default=None, metadata=_label("分组列", "grouped by"))
    groups: dict[str, CodeQualityReport] = field(
        default_factory=dict, metadata=_label("分组", "groups")
    )

    @classmethod
    def labels(cls, lang: str = "zh") -> dict[str, str]:
        return {f.name: f.metadata[lang] for f in fields(cls)}

    def _finish(self) -> None:
        self.conversion_rate = self.converted / self.total if self.total else None
        self.wrong_duplicate_rate = (
            (self.wrong + self.duplicate) / self.with_uscc if self.with_uscc else None
        )
        self.meets_conversion_target = (
            None if self.conversion_rate is None else self.conversion_rate >= CONVERSION_TARGET
        )
        self.meets_wrong_duplicate_target = (
            None
            if self.wrong_duplicate_rate is None
            else self.wrong_duplicate_rate < WRONG_DUPLICATE_TARGET
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "groups":
                value = {k: v.to_dict() for k, v in value.items()}
            out[f.name] = value
        return out

    def display_rows(self, lang: str = "zh") -> list[tuple[str, str]]:
        """(label, value) pairs for printing; rates as percent / per mille."""
        rows = []
        for f in fields(self):
            if f.name in ("groups", "group_by"):
                continue
            value = getattr(self, f.name)
            if value is None:
                shown = "—"
            elif f.name == "conversion_rate":
                shown = f"{value:.2%}"
            elif f.name == "wrong_duplicate_rate":
                shown = f"{value * 1000:.3f}‰"
            elif isinstance(value, bool):
                shown = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
            else:
                shown = str(value)
            rows.append((f.metadata[lang], shown))
        return rows


class QualityInputError(CreditYrdError):
    """The dataset given to :func:`quality_report` cannot be read as subjects with codes."""


def _columns(rows: Any, by: str | None) -> dict[str, list[Any]]:
    names = ["uscc", "org_code", "business_reg_no", "name"] + ([by] if by else [])
    if type(rows).__module__.startswith("polars"):
        if by and by not in rows.columns:
            raise QualityInputError(f"没有分组列 {by}", f"no column {by!r} to group by")
        if not {"uscc", "org_code", "business_reg_no"} & set(rows.columns):
            raise QualityInputError(
                "数据中没有 uscc、org_code 或 business_reg_no 列",
                "the data has none of the columns uscc, org_code, business_reg_no",
            )
        n = rows.height
        return {c: rows[c].to_list() if c in rows.columns else [None] * n for c in names}
    cols: dict[str, list[Any]] = {c: [] for c in names}
    for row in rows:
        if not isinstance(row, Mapping):
            raise QualityInputError(
                f"每行应为映射，得到 {type(row).__name__}",
                f"each row must be a mapping, got {type(row).__name__}",
            )
        for c in names:
            cols[c].append(row.get(c))
    return cols


def _present(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _legacy_key(value: Any, module: Any) -> str | None:
    if not _present(value):
        return None
    try:
        return module.compact(value)
    except (TypeError, ValueError):
        return None


def quality_report(
    rows: Iterable[Mapping[str, Any]] | Any,
    *,
    by: str | None = None,
    legacy_map: Mapping[str, str] | None = None,
) -> CodeQualityReport:
    """代码质量报告：换码率与重错码率 (code quality: conversion and wrong/duplicate rates).

    ``rows``: mappings or a polars DataFrame with ``uscc``, ``org_code``, ``business_reg_no``
    (each nullable) and optionally ``name`` and the ``by`` column. ``legacy_map``: legacy code
    (organisation code or business registration number, compact form) → USCC.
    """
    cols = _columns(rows, by)
    n = len(cols["uscc"])
    raw = cols["uscc"]
    present = np.array([_present(v) for v in raw], dtype=bool)
    checked = validate_uscc_column([v if isinstance(v, str) else None for v in raw])
    valid = checked.valid & present
    pilot = checked.pilot & present
    wrong = present & ~valid

    # 重码: one valid USCC on distinct subjects.
    compact_codes = [
        uscc.compact(v) if ok else None for v, ok in zip(raw, valid.tolist(), strict=True)
    ]
    subjects: dict[str, set[Any]] = defaultdict(set)
    for i, code in enumerate(compact_codes):
        if code is not None:
            name = cols["name"][i]
            subjects[code].add(compact_text(name) if _present(name) else ("row", i))
    duplicate = np.array(
        [code is not None and len(subjects[code]) > 1 for code in compact_codes], dtype=bool
    )

    # 换码 through the legacy map, for rows without any USCC.
    mapped = np.zeros(n, dtype=bool)
    legacy_only = np.zeros(n, dtype=bool)
    mapping = {}
    if legacy_map:
        mapping = {compact_text(k): v for k, v in legacy_map.items() if isinstance(k, str)}
    for i in np.flatnonzero(~present).tolist():
        keys = [
            _legacy_key(cols["org_code"][i], org_code_module),
            _legacy_key(cols["business_reg_no"][i], business_reg_no),
        ]
        keys = [k for k in keys if k]
        if not keys:
            continue
        legacy_only[i] = True
        for key in keys:
            target = mapping.get(key) if key else None
            if isinstance(target, str) and uscc.is_valid(target):
                mapped[i] = True
                break
    converted = valid | mapped

    def summarise(mask: np.ndarray | None) -> CodeQualityReport:
        def count(a: np.ndarray) -> int:
            return int(np.count_nonzero(a if mask is None else a & mask))

        report = CodeQualityReport(
            total=n if mask is None else int(np.count_nonzero(mask)),
            with_uscc=count(present),
            with_valid_uscc=count(valid),
            pilot=count(pilot),
            wrong=count(wrong),
            duplicate=count(duplicate),
            legacy_only=count(legacy_only),
            mapped_by_legacy=count(mapped),
            converted=count(converted),
        )
        report._finish()
        return report

    report = summarise(None)
    if by:
        report.group_by = by
        group_keys = ["" if v is None else str(v) for v in cols[by]]
        key_array = np.array(group_keys, dtype=object)
        for group in sorted(Counter(group_keys)):
            report.groups[group] = summarise(key_array == group)
    return report
