"""Credit subjects: organisations by USCC, natural persons by the keyed hash of their ID number.

A subject row is identity only. Names, addresses and status change over time and live in record
versions; ``name`` here is the name the subject was first seen under, kept for lookup and display.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.privacy import PersonalDataVault, TamperedDataError, normalise_resident_id
from credit_yrd.store._sql import insert_ignoring
from credit_yrd.store.errors import StoreError
from credit_yrd.store.legacy import lookup_uscc
from credit_yrd.store.schema import SUBJECT_TYPES, subjects

ORGANISATION_TYPES = tuple(t for t in SUBJECT_TYPES if t != "natural_person")

_USCC_FORM = re.compile(r"^[0-9A-Z]{18}$")
_DIVISION_FORM = re.compile(r"^[0-9]{6}$")


#: Spellings of one legal form, folded to the shorter one when names are matched.
_LEGAL_FORMS = (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司"))


def normalise_name(name: str) -> str:
    """The form names are matched in: NFKC (full-width → half-width, so （） and () agree), no
    spaces, lower case, and 有限责任公司 read as 有限公司 (one legal form, two spellings)."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()
    for long, short in _LEGAL_FORMS:
        if key.endswith(long):
            key = key[: -len(long)] + short
    return key


def compact_code(code: str) -> str:
    """Strip spaces and hyphens and upper-case an organisation identifier."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def upsert_legal_subject(
    conn: Connection,
    uscc: str,
    name: str,
    subject_type: str = "legal_person",
    division: str | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """The id of the subject with this USCC, created if new (get or create; safe under races).

    An existing subject keeps its first name and division: later names are record data.
    The USCC is checked for form only (18 characters, digits and capitals); ``credit_yrd.ids``
    validates check characters before data reaches the store.
    """
    code = compact_code(uscc)
    if not _USCC_FORM.match(code):
        raise StoreError(
            f"统一社会信用代码格式不对：{uscc!r}", f"malformed unified social credit code: {uscc!r}"
        )
    if subject_type not in ORGANISATION_TYPES:
        raise StoreError(
            f"主体类型 {subject_type!r} 不是组织类型（可选：{', '.join(ORGANISATION_TYPES)}）",
            f"subject type {subject_type!r} is not an organisation type "
            f"(one of {', '.join(ORGANISATION_TYPES)})",
        )
    if division is not None and not _DIVISION_FORM.match(division):
        raise StoreError(
            f"行政区划代码应为 6 位数字：{division!r}", f"division must be 6 digits: {division!r}"
        )
    found = conn.execute(select(subjects.c.id).where(subjects.c.uscc == code)).scalar()
    if found is not None:
        return int(found)
    values: dict[str, Any] = {
        "subject_type": subject_type,
        "uscc": code,
        "name": name,
        "name_normalised": normalise_name(name),
        "province": division[:2] if division else None,
        "division": division,
        "created_at": clock.now(),
    }
    return _insert_or_get(conn, values, "uscc", code)


def upsert_person(
    conn: Connection,
    vault: PersonalDataVault,
    resident_id: str,
    name: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """The id of the natural person with this ID number, created if new.

    Looked up by ``vault.hash_id``; the number itself is stored only encrypted.
    """
    person_hash = vault.hash_id(resident_id)
    found = conn.execute(
        select(subjects.c.id).where(subjects.c.person_hash == person_hash)
    ).scalar()
    if found is not None:
        return int(found)
    values: dict[str, Any] = {
        "subject_type": "natural_person",
        "person_hash": person_hash,
        "person_id_enc": vault.encrypt(normalise_resident_id(resident_id)),
        "name": name,
        "name_normalised": normalise_name(name),
        "created_at": clock.now(),
    }
    return _insert_or_get(conn, values, "person_hash", person_hash)


def find_person(conn: Connection, vault: PersonalDataVault, resident_id: str) -> Row[Any] | None:
    """The natural person with this ID number, or ``None``."""
    return conn.execute(
        select(subjects).where(subjects.c.person_hash == vault.hash_id(resident_id))
    ).first()


#: No USCC or legacy code is longer (USCC 18; 15-digit registration numbers; 9-character codes).
MAX_CODE_CHARS = 18


def find_subject(conn: Connection, code: str) -> Row[Any] | None:
    """The subject with this USCC, or with the USCC a legacy code (organisation code, 15-digit
    registration number) maps to; ``None`` when neither is known."""
    compact = compact_code(code)
    if (
        not compact
        or len(compact) > MAX_CODE_CHARS
        or not (compact.isascii() and compact.isalnum())
    ):
        return None  # no code has such characters (NUL, which PostgreSQL cannot bind, included)
    row = conn.execute(select(subjects).where(subjects.c.uscc == compact)).first()
    if row is not None:
        return row
    uscc = lookup_uscc(conn, compact)
    if uscc is None:
        return None
    return conn.execute(select(subjects).where(subjects.c.uscc == uscc)).first()


def reveal_resident_id(conn: Connection, vault: PersonalDataVault, subject_id: int) -> str:
    """Decrypt a person's ID number — for authorised display only.

    This function does not check authorisation and does not write the access log: the caller
    must have checked that the reader may see the number and must record the read (who, when,
    why), so the subject can see it. Never use it for public output, which shows masked numbers.
    """
    row = conn.execute(
        select(subjects.c.subject_type, subjects.c.person_hash, subjects.c.person_id_enc).where(
            subjects.c.id == subject_id
        )
    ).first()
    if row is None or row.subject_type != "natural_person" or row.person_id_enc is None:
        raise StoreError(
            f"主体 {subject_id} 不是存有身份证号的自然人",
            f"subject {subject_id} is not a natural person with a stored ID number",
        )
    number = vault.decrypt(row.person_id_enc)
    if vault.hash_id(number) != row.person_hash:
        # A valid blob moved from another row: refuse rather than show the wrong person's number.
        raise TamperedDataError(
            f"主体 {subject_id} 的加密身份证号与其哈希不符",
            f"the encrypted ID number of subject {subject_id} does not match its hash",
        )
    return number


def _insert_or_get(conn: Connection, values: dict[str, Any], key: str, key_value: str) -> int:
    inserted = conn.execute(
        insert_ignoring(conn, subjects, [key]).values(values).returning(subjects.c.id)
    ).scalar()
    if inserted is not None:
        return int(inserted)
    # Another transaction created it between our look-up and our insert.
    return int(conn.execute(select(subjects.c.id).where(subjects.c[key] == key_value)).scalar_one())
