"""Identifiers: USCC (GB 32100), organisation code (GB 11714), legacy business registration
number (GS15), resident ID (GB 11643), administrative divisions (GB/T 2260).

Each identifier module offers ``compact``, ``validate``, ``is_valid``, ``format`` and
``explain`` in the style of python-stdnum; ``check`` and ``detect`` work on any string.
"""

from credit_yrd.ids import (
    business_reg_no,
    divisions,
    masking,
    org_code,
    resident_id,
    uscc,
)
from credit_yrd.ids.detect import CheckResult, check, detect
from credit_yrd.ids.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidIdentifier,
    InvalidLength,
)
from credit_yrd.ids.masking import mask, mask_resident_id
from credit_yrd.ids.parts import Part

__all__ = [
    "CheckResult",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidIdentifier",
    "InvalidLength",
    "Part",
    "business_reg_no",
    "check",
    "detect",
    "divisions",
    "mask",
    "mask_resident_id",
    "masking",
    "org_code",
    "resident_id",
    "uscc",
]
