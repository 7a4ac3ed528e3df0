"""The catalogue of joint measures (联合奖惩措施清单) as the faces show it.

The measures are data of the regional standard (``standards/data/<version>/measures/*.yaml``, one
file per memorandum of cooperation). This module turns them into plain dictionaries — each measure
with its memorandum, legal basis, nature (reward or punishment), the lists that trigger it, the
kind of department that implements it and the business scenarios (code list ``scenario``) where
it applies — and groups them per list and per scenario for the API, the CLI and the portal.
"""

from __future__ import annotations

from typing import Any

from credit_yrd.errors import CreditYrdError
from credit_yrd.standards.joint_models import Measure
from credit_yrd.standards.models import Standard


class CatalogueError(CreditYrdError):
    """A filter of the catalogue names a list or scenario the standard does not have."""


def _label(standard: Standard, code_list: str, code: str) -> dict[str, str]:
    codes = standard.code_lists.get(code_list)
    if codes is not None and codes.is_valid(code):
        entry = codes.entry(code)
        return {"code": entry.code, "label_zh": entry.label_zh, "label_en": entry.label_en}
    return {"code": code, "label_zh": code, "label_en": code}


def _list_label(standard: Standard, code: str) -> dict[str, str]:
    found = standard.lists.get(code)
    if found is None:
        return {"code": code, "label_zh": code, "label_en": code, "kind": ""}
    return {
        "code": code,
        "label_zh": found.label_zh,
        "label_en": found.label_en,
        "kind": found.kind,
    }


def measure_dict(standard: Standard, measure: Measure) -> dict[str, Any]:
    """One measure with everything a department or the public needs to know about it."""
    memo = standard.memoranda.get(measure.memorandum or "")
    return {
        "code": measure.code,
        "label_zh": measure.label_zh,
        "label_en": measure.label_en,
        "nature": measure.nature,
        "legal_basis_zh": measure.legal_basis_zh,
        "legal_basis_en": measure.legal_basis_en,
        "implementer_zh": measure.implementer_zh,
        "implementer_en": measure.implementer_en,
        "implementing_domains": [
            _label(standard, "domain", code) for code in measure.implementing_domains
        ],
        "scenarios": [_label(standard, "scenario", code) for code in measure.scenarios],
        "lists": [_list_label(standard, code) for code in measure.lists],
        "memorandum": (
            {
                "code": memo.code,
                "title_zh": memo.title_zh,
                "title_en": memo.title_en,
                "document_number": memo.document_number,
            }
            if memo is not None
            else None
        ),
        "confidence": measure.confidence,
    }


def checked_list(standard: Standard, list_code: str) -> str:
    code = list_code.strip()
    if code not in standard.lists:
        known = ", ".join(sorted(standard.lists))
        raise CatalogueError(
            f"list：标准中没有名单“{code}”；可选：{known}",
            f"list: the standard has no list {code!r}; known: {known}",
        )
    return code


def checked_scenario(standard: Standard, scenario: str) -> str:
    """The scenario code for a code, label or alias of code list ``scenario``."""
    codes = standard.code_list("scenario")
    if not codes.is_valid(scenario):
        known = ", ".join(codes.codes())
        raise CatalogueError(
            f"scenario：“{scenario}”不是业务场景代码表（scenario）中的代码；可选：{known}",
            f"scenario: {scenario!r} is not a code of code list scenario; known: {known}",
        )
    return codes.entry(scenario).code


def catalogue(
    standard: Standard, *, list_code: str | None = None, scenario: str | None = None
) -> list[dict[str, Any]]:
    """Every measure (those ``list_code`` triggers, in ``scenario`` only, when given), in the
    order of the standard's memoranda."""
    wanted_list = checked_list(standard, list_code) if list_code else None
    wanted_scenario = checked_scenario(standard, scenario) if scenario else None
    return [
        measure_dict(standard, m)
        for m in standard.measures.values()
        if (wanted_list is None or wanted_list in m.lists)
        and (wanted_scenario is None or wanted_scenario in m.scenarios)
    ]


def by_list(standard: Standard) -> list[dict[str, Any]]:
    """Per list (black lists first, then red): the list and the codes of the measures it
    triggers."""
    ordered = sorted(standard.lists.values(), key=lambda d: (d.kind != "black", d.code))
    return [
        {
            **_list_label(standard, d.code),
            "document_number": d.document_number,
            "measures": [m.code for m in standard.measures_for(d.code)],
        }
        for d in ordered
    ]


def by_scenario(standard: Standard) -> list[dict[str, Any]]:
    """Per scenario of code list ``scenario`` (in its order): the measures that apply there."""
    return [
        {
            "code": entry.code,
            "label_zh": entry.label_zh,
            "label_en": entry.label_en,
            "measures": [m.code for m in standard.measures.values() if entry.code in m.scenarios],
        }
        for entry in standard.code_list("scenario").ordered()
    ]


def scenario_codes(standard: Standard) -> list[str]:
    return standard.code_list("scenario").codes()
