"""Explaining a six-digit registration-authority or address code (shared by the modules)."""

from __future__ import annotations

from dataclasses import dataclass

from credit_yrd.ids import divisions

NATIONAL = "100000"


@dataclass(frozen=True)
class RegionInfo:
    known: bool  # found in GB/T 2260, the development-zone table, or national 100000
    meaning_zh: str
    meaning_en: str
    note_zh: str | None = None
    note_en: str | None = None


def describe(code6: str, *, allow_national: bool) -> RegionInfo:
    """What a six-digit code names. The caller has checked that it is six ASCII digits."""
    if allow_national and code6 == NATIONAL:
        return RegionInfo(True, "国家级登记管理机关", "national registration authority")
    division = divisions.lookup(code6)
    if division is not None:
        if division.abolished:
            years = f"{division.valid_from or ''}–{division.valid_to}"
            return RegionInfo(
                True,
                division.full_name,
                f"division {code6} ({division.full_name})",
                f"该行政区划代码已撤销（{years}）",
                f"this division code is abolished ({years})",
            )
        return RegionInfo(True, division.full_name, f"division {code6} ({division.full_name})")
    zone = divisions.development_zone(code6)
    if zone is not None:
        zone_province = divisions.province_name(code6) or ""
        return RegionInfo(
            True,
            f"{zone_province}{zone.name_zh}",
            zone.name_en,
            f"开发区登记机关代码，不在 GB/T 2260 中（可信度：{zone.confidence}）",
            f"development-zone authority code, not in GB/T 2260 (confidence: {zone.confidence})",
        )
    province: str | None = divisions.province_name(code6)
    if province is None and allow_national and code6[:2] == NATIONAL[:2]:
        province = "国家级"
    return RegionInfo(
        False,
        f"{province or ''}（未知代码 {code6}）",
        f"unknown code {code6} in {province or '?'}",
        "该代码不在 GB/T 2260 及开发区代码表中，已接受，请核实",
        "this code is in neither GB/T 2260 nor the development-zone table; accepted, please verify",
    )
