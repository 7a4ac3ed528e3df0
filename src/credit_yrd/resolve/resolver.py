"""Linking records to subjects, set-based, one chunk of rows at a time.

The order of evidence, strongest first; each link records how it was made (``records.link_method``):

1. ``uscc`` — the record names the subject's unified social credit code. A USCC not seen before
   creates the subject (a valid USCC identifies an organisation for certain).
2. ``org_code`` / ``business_reg_no`` — only a legacy code: linked through the legacy map
   (换码对照), which registration records and ``credit-yrd id map import`` fill.
3. ``person_id`` — a natural person, by the keyed hash of the resident ID number; the person is
   created (number stored encrypted) when new.
4. ``name`` — nothing else: the normalised name must match exactly one organisation of the source's
   province.

Everything else — an unknown legacy code, a name matching no subject or several, a person known only
by a foreign document — is linked to no subject and goes to the review queue with its reason; it is
never guessed. Registration records also feed the legacy map (their legacy codes → their USCC).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.store._sql import chunked, insert_ignoring, one_of
from credit_yrd.store.schema import legacy_codes, subjects
from credit_yrd.store.subjects import normalise_name

#: Subject type of an organisation from the registration authority code (USCC position 1).
_TYPE_BY_AUTHORITY = {"1": "public_body", "5": "organisation", "9": "legal_person"}
#: Individual businesses have USCC positions 1–2 = 92.
_INDIVIDUAL_BUSINESS_PREFIX = "92"

#: Review reasons (``review_items.reason``).
REVIEW_REASONS = {
    "unknown_legacy_code": ("旧代码不在换码对照表中", "the legacy code is not in the legacy map"),
    "name_unknown": ("名称在本省找不到唯一对应的主体", "no subject of this name in the province"),
    "name_ambiguous": ("名称在本省对应多个主体", "several subjects of this name in the province"),
    "foreign_document": (
        "自然人仅有非居民身份证件，无法自动关联",
        "a person known only by a non-resident document cannot be linked automatically",
    ),
    "no_identifier": ("记录中没有可用于关联的标识", "the record holds nothing to link it by"),
}


@dataclass
class PartyRef:
    """What the resolver needs of a row: the party as the record states it."""

    name: str | None
    party_type: str | None
    uscc: str | None = None
    org_code: str | None = None
    business_reg_no: str | None = None
    person_hash: str | None = None
    resident_id: str | None = None
    division: str | None = None
    legacy_for_map: dict[str, str] = field(default_factory=dict)  # kind → code (registration)


@dataclass(frozen=True)
class Link:
    subject_id: int | None
    method: str | None
    review_reason: str | None = None
    candidates: tuple[int, ...] = ()


@dataclass
class Resolver:
    """Resolves chunks of parties for one source; caches nothing across chunks (bounded memory)."""

    conn: Connection
    source: str
    province: str | None
    vault: PersonalDataVault
    clock: Clock = SYSTEM_CLOCK
    #: persons mentioned in rows besides the parties (legal representatives, shareholders):
    #: hash → (resident ID, name); registered in the vault so their records can be found later
    extra_persons: dict[str, tuple[str, str]] = field(default_factory=dict)

    def resolve(self, parties: Sequence[PartyRef]) -> list[Link]:
        self._add_legacy([p for p in parties if p.legacy_for_map and p.uscc])
        legacy = self._legacy_lookup(parties)
        by_uscc = self._organisations(parties, legacy)
        persons = self._persons(parties)
        by_name = self._names(parties, by_uscc, legacy)
        links: list[Link] = []
        for party in parties:
            links.append(self._link(party, legacy, by_uscc, persons, by_name))
        return links

    # -- steps -------------------------------------------------------------------------------

    def _link(
        self,
        party: PartyRef,
        legacy: dict[str, str],
        by_uscc: dict[str, int],
        persons: dict[str, int],
        by_name: dict[str, list[int]],
    ) -> Link:
        if party.uscc:
            return Link(by_uscc[party.uscc], "uscc")
        for method, code in (
            ("org_code", party.org_code),
            ("business_reg_no", party.business_reg_no),
        ):
            if code and code in legacy:
                return Link(by_uscc[legacy[code]], method)
        if party.party_type == "自然人":
            if party.person_hash and party.person_hash in persons:
                return Link(persons[party.person_hash], "person_id")
            if party.person_hash:
                return Link(None, None, "foreign_document")
        if party.org_code or party.business_reg_no:
            # a legacy code the map does not know: a name match would be a guess between eras
            return Link(None, None, "unknown_legacy_code")
        if party.name:
            found = by_name.get(normalise_name(party.name), [])
            if len(found) == 1:
                return Link(found[0], "name")
            reason = "name_ambiguous" if found else "name_unknown"
            return Link(None, None, reason, tuple(found[:20]))
        return Link(None, None, "no_identifier")

    def _add_legacy(self, parties: Sequence[PartyRef]) -> None:
        if not parties:
            return
        now = self.clock.now()
        rows = {
            (kind, code): {
                "legacy_kind": kind,
                "legacy_code": code,
                "uscc": party.uscc,
                "source": self.source,
                "created_at": now,
            }
            for party in parties
            for kind, code in party.legacy_for_map.items()
        }
        self.conn.execute(
            insert_ignoring(self.conn, legacy_codes, ["legacy_kind", "legacy_code"]),
            list(rows.values()),
        )

    def _legacy_lookup(self, parties: Sequence[PartyRef]) -> dict[str, str]:
        codes = {
            code
            for party in parties
            if not party.uscc
            for code in (party.org_code, party.business_reg_no)
            if code
        }
        found: dict[str, str] = {}
        for chunk in chunked(sorted(codes)):
            for code, uscc in self.conn.execute(
                select(legacy_codes.c.legacy_code, legacy_codes.c.uscc).where(
                    one_of(self.conn, legacy_codes.c.legacy_code, chunk)
                )
            ):
                found[code] = uscc
        return found

    def _organisations(self, parties: Sequence[PartyRef], legacy: dict[str, str]) -> dict[str, int]:
        """USCC → subject id for every USCC the chunk needs, creating unknown ones."""
        wanted: dict[str, PartyRef] = {}
        for party in parties:
            if party.uscc:
                wanted.setdefault(party.uscc, party)
            else:
                for code in (party.org_code, party.business_reg_no):
                    if code and code in legacy:
                        wanted.setdefault(legacy[code], party)
                        break
        ids = self._subject_ids(wanted)
        missing = [code for code in wanted if code not in ids]
        if missing:
            now = self.clock.now()
            self.conn.execute(
                insert_ignoring(self.conn, subjects, ["uscc"]),
                [_new_organisation(code, wanted[code], now) for code in missing],
            )
            ids.update(self._subject_ids({code: wanted[code] for code in missing}))
        return ids

    def _subject_ids(self, codes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunked(sorted(codes)):
            for uscc, subject_id in self.conn.execute(
                select(subjects.c.uscc, subjects.c.id).where(
                    one_of(self.conn, subjects.c.uscc, chunk)
                )
            ):
                found[uscc] = int(subject_id)
        return found

    def _persons(self, parties: Sequence[PartyRef]) -> dict[str, int]:
        """Person hash → subject id for the parties that are persons and every person mentioned."""
        wanted: dict[str, tuple[str, str]] = dict(self.extra_persons)
        for party in parties:
            if party.person_hash and party.resident_id and party.party_type == "自然人":
                wanted[party.person_hash] = (party.resident_id, party.name or "")
        self.extra_persons = {}
        found = self._person_ids(wanted)
        missing = [h for h in wanted if h not in found]
        if missing:
            now = self.clock.now()
            self.conn.execute(
                insert_ignoring(self.conn, subjects, ["person_hash"]),
                [
                    {
                        "subject_type": "natural_person",
                        "person_hash": person_hash,
                        "person_id_enc": self.vault.encrypt(wanted[person_hash][0]),
                        "name": wanted[person_hash][1] or "（未知）",
                        "name_normalised": normalise_name(wanted[person_hash][1] or ""),
                        "province": wanted[person_hash][0][:2],
                        "division": wanted[person_hash][0][:6],
                        "created_at": now,
                    }
                    for person_hash in missing
                ],
            )
            found.update(self._person_ids({h: wanted[h] for h in missing}))
        return found

    def _person_ids(self, hashes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunked(sorted(hashes)):
            for person_hash, subject_id in self.conn.execute(
                select(subjects.c.person_hash, subjects.c.id).where(
                    one_of(self.conn, subjects.c.person_hash, chunk)
                )
            ):
                found[person_hash] = int(subject_id)
        return found

    def _names(
        self, parties: Sequence[PartyRef], by_uscc: dict[str, int], legacy: dict[str, str]
    ) -> dict[str, list[int]]:
        """Normalised name → organisation ids of the source's province, for name-only parties."""
        keys = {
            normalise_name(party.name)
            for party in parties
            if party.name
            and not party.uscc
            and not party.org_code
            and not party.business_reg_no
            and party.party_type != "自然人"
        }
        found: dict[str, list[int]] = {}
        if not keys or self.province is None:
            return found
        for chunk in chunked(sorted(keys)):
            for key, subject_id in self.conn.execute(
                select(subjects.c.name_normalised, subjects.c.id)
                .where(
                    one_of(self.conn, subjects.c.name_normalised, chunk),
                    subjects.c.province == self.province,
                    subjects.c.subject_type != "natural_person",
                )
                .order_by(subjects.c.id)
            ):
                found.setdefault(key, []).append(int(subject_id))
        return found


def subject_type_of(uscc: str) -> str:
    """The store's subject type for an organisation, read from its USCC."""
    if uscc.startswith(_INDIVIDUAL_BUSINESS_PREFIX):
        return "individual_business"
    return _TYPE_BY_AUTHORITY.get(uscc[:1], "organisation")


def _new_organisation(uscc: str, party: PartyRef, now: Any) -> dict[str, Any]:
    division: str | None = party.division if party.division and party.uscc == uscc else uscc[2:8]
    if division is not None and not division.isdigit():
        division = None
    name = party.name or uscc
    return {
        "subject_type": subject_type_of(uscc),
        "uscc": uscc,
        "name": name,
        "name_normalised": normalise_name(name),
        "province": division[:2] if division else None,
        "division": division,
        "created_at": now,
    }
