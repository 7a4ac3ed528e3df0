"""Code quality of what has been ingested: 换码率 and 重错码率 per province and city.

The action plan sets 存量代码换码率 100 % and 重错码率 below 1‰. Over the records about
organisations that the store holds (the province is the publishing source's; the city is read from
the party's code — USCC positions 3–6, or the first four digits of a 15-digit registration number):

* **with_uscc**: records that name the party by a USCC (``link_method = 'uscc'``);
* **converted** (已换码): those plus records carrying only a legacy code that the legacy map turned
  into a USCC (``org_code``, ``business_reg_no``, or linked by a reviewer);
* **unconverted** (未换码): records carrying only a legacy code the map does not know (open review
  items with reason ``unknown_legacy_code``);
* **wrong** (错码): rows refused because the party's USCC failed its checks (counted from the
  receipts of accepted batches, so re-sent files count again);
* **duplicate** (重码): USCCs whose registration records carry more than one distinct name.

换码率 = converted / (converted + unconverted); 重错码率 = (wrong + duplicate) / (with_uscc + wrong).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from credit_yrd.ids.convert import CONVERSION_TARGET, WRONG_DUPLICATE_TARGET
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.records import latest_contents
from credit_yrd.store.schema import batches, records, review_items, sources, subjects
from credit_yrd.store.subjects import normalise_name

UNKNOWN_CITY = "unknown"
_LEGACY_LINKS = ("org_code", "business_reg_no", "review")


def city_of_code(code: str) -> str:
    """The prefecture-level city a code names (USCC positions 3–6, GS15 digits 1–4), as a code of
    the standard's city list (Shanghai's districts all give 310000); ``unknown`` otherwise."""
    if len(code) == 18:
        return city_of_digits(code[2:6])
    if len(code) == 15:
        return city_of_digits(code[:4])
    return UNKNOWN_CITY


def city_of_digits(digits: str) -> str:
    """The city code for the first four digits of a division code."""
    if len(digits) != 4 or not digits.isdigit():
        return UNKNOWN_CITY
    cities = get_standard().code_lists["city"]
    try:
        return cities.normalise(digits + "00")
    except UnknownCodeError:
        return digits + "00"


@dataclass
class CodeCounts:
    with_uscc: int = 0
    converted: int = 0
    unconverted: int = 0
    wrong: int = 0
    duplicate: int = 0

    @property
    def conversion_rate(self) -> float | None:
        total = self.converted + self.unconverted
        return self.converted / total if total else None

    @property
    def wrong_duplicate_rate(self) -> float | None:
        total = self.with_uscc + self.wrong
        return (self.wrong + self.duplicate) / total if total else None

    def add(self, other: CodeCounts) -> None:
        for name in ("with_uscc", "converted", "unconverted", "wrong", "duplicate"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict[str, Any]:
        return {
            "with_uscc": self.with_uscc,
            "converted": self.converted,
            "unconverted": self.unconverted,
            "wrong": self.wrong,
            "duplicate": self.duplicate,
            "conversion_rate": self.conversion_rate,
            "wrong_duplicate_rate": self.wrong_duplicate_rate,
            "meets_conversion_target": (
                None if self.conversion_rate is None else self.conversion_rate >= CONVERSION_TARGET
            ),
            "meets_wrong_duplicate_target": (
                None
                if self.wrong_duplicate_rate is None
                else self.wrong_duplicate_rate < WRONG_DUPLICATE_TARGET
            ),
        }


@dataclass
class CodeQuality:
    """Counts per province (two digits) and city (a city code or ``unknown``)."""

    cells: dict[tuple[str, str], CodeCounts] = field(default_factory=dict)

    def cell(self, province: str, city: str) -> CodeCounts:
        return self.cells.setdefault((province, city), CodeCounts())

    def by_province(self) -> dict[str, CodeCounts]:
        totals: dict[str, CodeCounts] = defaultdict(CodeCounts)
        for (province, _), counts in self.cells.items():
            totals[province].add(counts)
        return dict(sorted(totals.items()))

    def total(self) -> CodeCounts:
        total = CodeCounts()
        for counts in self.cells.values():
            total.add(counts)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "targets": {
                "conversion_rate": CONVERSION_TARGET,
                "wrong_duplicate_rate_below": WRONG_DUPLICATE_TARGET,
            },
            "total": self.total().to_dict(),
            "provinces": {p: c.to_dict() for p, c in self.by_province().items()},
            "cities": [
                {"province": p, "city": c, **counts.to_dict()}
                for (p, c), counts in sorted(self.cells.items())
            ],
        }


def code_quality(conn: Connection) -> CodeQuality:
    """Measure 换码率 and 重错码率 over everything ingested so far."""
    report = CodeQuality()
    province = sources.c.province
    # Records linked to an organisation, grouped by province, the USCC's city digits and method.
    linked = (
        select(
            province,
            func.substr(subjects.c.uscc, 3, 4).label("digits"),
            records.c.link_method,
            func.count().label("n"),
        )
        .select_from(records)
        .join(sources, sources.c.code == records.c.source)
        .join(subjects, subjects.c.id == records.c.subject_id)
        .where(
            subjects.c.uscc.is_not(None),
            records.c.link_method.in_(("uscc", *_LEGACY_LINKS)),
        )
        .group_by(province, "digits", records.c.link_method)
    )
    for row in conn.execute(linked):
        counts = report.cell(row.province or "00", city_of_digits(row.digits or ""))
        if row.link_method == "uscc":
            counts.with_uscc += int(row.n)
        counts.converted += int(row.n)
    # Records that carry a legacy code the map does not know.
    unknown = (
        select(province, review_items.c.party)
        .select_from(review_items)
        .join(sources, sources.c.code == review_items.c.source)
        .where(review_items.c.status == "open", review_items.c.reason == "unknown_legacy_code")
    )
    for row in conn.execute(unknown):
        party = row.party or {}
        code = party.get("business_reg_no") or party.get("org_code") or ""
        report.cell(row.province or "00", city_of_code(code)).unconverted += 1
    # Wrong USCCs, from the receipts.
    receipts = (
        select(province, batches.c.counts)
        .select_from(batches)
        .join(sources, sources.c.code == batches.c.source)
        .where(batches.c.status == "accepted")
    )
    for row in conn.execute(receipts):
        for city, n in ((row.counts or {}).get("wrong_codes") or {}).items():
            report.cell(row.province or "00", city).wrong += int(n)
    # Duplicates: one USCC, several names across registration records.
    names: dict[str, set[str]] = defaultdict(set)
    owners: dict[str, str] = {}
    registrations = (
        select(records.c.id, records.c.source_key, province)
        .select_from(records)
        .join(sources, sources.c.code == records.c.source)
        .where(records.c.kind == "registration")
    )
    for chunk in _chunks(list(conn.execute(registrations)), 2_000):
        latest = latest_contents(conn, [row.id for row in chunk])
        for row in chunk:
            content = latest.get(row.id)
            if content is None or not content.get("DJ_MC"):
                continue
            names[row.source_key].add(normalise_name(content["DJ_MC"]))
            owners.setdefault(row.source_key, row.province or "00")
    for code, seen in names.items():
        if len(seen) > 1:
            report.cell(owners[code], city_of_code(code)).duplicate += 1
    return report


def _chunks(rows: list[Any], size: int) -> list[list[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]
