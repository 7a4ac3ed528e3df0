"""``/api/v1/ids``: identifier checks for anyone (data sources check codes before they send).

Resident ID numbers are personal data: answers never echo one unmasked and never explain its parts
(birth date, sex) to the public.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from credit_yrd.api.access import Role, allow
from credit_yrd.ids._text import compact_text
from credit_yrd.ids.detect import CheckResult, check, could_be_resident_id, looks_like_resident_id
from credit_yrd.ids.masking import mask_resident_id

router = APIRouter(prefix="/ids", tags=["标识码 identifiers"])

MAX_CODE_CHARS = 64
MAX_BATCH = 1000
GENERIC_INVALID = (
    "既不是有效的统一社会信用代码，也不是有效的居民身份证号码 "
    "(neither a valid unified social credit code nor a valid resident ID number)"
)


class Part(BaseModel):
    name: str
    label_zh: str
    value: str
    meaning_zh: str
    meaning_en: str
    note_zh: str | None = None
    note_en: str | None = None


class IdCheck(BaseModel):
    input: str = Field(description="输入（身份证号已脱敏）(the input; resident ID numbers masked)")
    kind: str | None = Field(description="uscc / org_code / business_reg_no / resident_id")
    valid: bool
    error: str | None = Field(description="无效原因 (why it is invalid)")
    error_part: str | None = None
    parts: list[Part]
    notes: list[str]


class IdCheckBatch(BaseModel):
    codes: list[Annotated[str, Field(max_length=MAX_CODE_CHARS)]] = Field(
        min_length=1, max_length=MAX_BATCH
    )


# Any run of digits that could be an ID number, even inside other text ("ID11010519491231002X").
_ID_RUN = re.compile(r"\d{17}[\dX]|\d{14}[\dX]")
PERSONAL_REASONS = {
    "length": ("长度不对", "wrong length"),
    "charset": ("含有不允许的字符", "characters not allowed"),
    "region": ("地址码无效", "invalid address code"),
    "birth_date": ("出生日期码无效", "invalid birth date"),
    "check_character": ("校验码不对", "wrong check character"),
}


def _personal_error(result: CheckResult) -> str | None:
    if result.valid:
        return None
    if result.kind == "resident_id":
        zh, en = PERSONAL_REASONS.get(result.error_part or "", ("格式不对", "malformed"))
        return f"不是有效的居民身份证号码：{zh} (not a valid resident ID number: {en})"
    return GENERIC_INVALID


def public_view(result: CheckResult) -> dict[str, Any]:
    """The answer as the public may see it.

    Anything that is or may be a person's ID number is masked, and nothing derived from its digits
    is returned: no parts, no notes, and an error that names the broken part without quoting it.
    That covers a valid ID, a code whose digits also read as one (``could_be_resident_id``), an
    invalid string of ID shape (a mistyped number), and any input with an ID-length digit run.
    """
    data = result.to_dict()
    code = compact_text(result.input) if len(result.input) <= MAX_CODE_CHARS else ""
    personal = (
        result.kind == "resident_id"
        or could_be_resident_id(code)
        or (not result.valid and (looks_like_resident_id(code) or _ID_RUN.search(code) is not None))
    )
    if not personal:
        return data
    return {
        "input": mask_resident_id(result.input),
        "kind": result.kind,
        "valid": result.valid,
        "error": _personal_error(result),
        "error_part": result.error_part if result.kind == "resident_id" else None,
        "parts": [],
        "notes": [],
    }


@router.get(
    "/check",
    response_model=IdCheck,
    dependencies=[allow(Role.PUBLIC)],
    summary="校验一个代码 (check one code)",
)
def check_one(code: Annotated[str, Query(max_length=MAX_CODE_CHARS)]) -> dict[str, Any]:
    return public_view(check(code))


@router.post(
    "/check",
    response_model=list[IdCheck],
    dependencies=[allow(Role.PUBLIC)],
    summary="批量校验代码，至多 1000 个 (check up to 1000 codes)",
)
def check_many(body: IdCheckBatch) -> list[dict[str, Any]]:
    return [public_view(check(code)) for code in body.codes]
