"""Masking identifiers for public output.

Resident ID numbers are personal data: 18 characters keep the first 4 and the last 4
(``3201**********123X``), 15 digits the first 4 and the last 3. USCCs, organisation codes and
business registration numbers are public and are left as they are, but only when they are
valid and not readable as a resident ID (a 15-digit registration number whose digits also read
as an ID number with a known address code and a real birth date is masked: the digits alone
cannot tell them apart); anything else is masked (protected by default).
Neither function ever raises: unrecognisable input comes back fully masked, with the length of
its compact form, or as ``****`` (non-strings, empty or over-long input).
"""

from __future__ import annotations

from credit_yrd.ids import business_reg_no, org_code, uscc
from credit_yrd.ids._text import compact_text
from credit_yrd.ids.detect import MAX_INPUT, could_be_resident_id, detect, looks_like_resident_id

FULL_MASK = "****"


def mask_resident_id(s: str) -> str:
    try:
        if not isinstance(s, str) or len(s) > MAX_INPUT:
            return FULL_MASK
        code = compact_text(s)
        if not code or len(code) > MAX_INPUT:
            return FULL_MASK
        if looks_like_resident_id(code):
            if len(code) == 18:
                return code[:4] + "*" * 10 + code[-4:]
            return code[:4] + "*" * 8 + code[-3:]
        return "*" * len(code)
    except Exception:
        return FULL_MASK


def mask(code: str) -> str:
    """Mask a resident ID; leave a valid public code (USCC, org code, GS15 number) as it is."""
    try:
        kind = detect(code)
        public = {"uscc": uscc, "org_code": org_code, "business_reg_no": business_reg_no}
        # A 15-digit string can be a registration number and a legacy ID number at once
        # (110105491231002): whatever detect() says, the shape of an ID number is masked.
        readable_as_person = isinstance(code, str) and could_be_resident_id(compact_text(code))
        if kind in public and not readable_as_person and public[kind].is_valid(code):
            return code
        return mask_resident_id(code)
    except Exception:
        return FULL_MASK
