"""The embedded check (嵌入式核查): which joint measures apply to these subjects in this scenario.

A department's business system asks, at the moment of its decision, "may this bidder take part in
government procurement?": :func:`check_codes` answers for each code (USCC, organisation code,
15-digit registration number, or a person's resident ID number) the measures that apply in the
scenario — one :class:`AppliedMeasure` per (active list entry, measure) — with why (the entry, its
list, the deciding authority and province, the decision number, the legal basis of the listing and
of the measure) and until when (the entry's last day). A subject with no measure gets an empty
list; a code that names no subject, or is no code at all, gets its own reason and never fails the
batch. A batch of more than :data:`MAX_CODES` codes, or an unknown scenario, is refused as a whole
(:class:`CheckRequestError`).

Speed comes from :class:`ActiveIndex`: every entry with status ``listed`` and its subject, held
in memory keyed by USCC and by person hash. It probes the store at most every
``max_age_seconds`` (0.5 s by default) with one cheap query — counts and maxima of
``list_entries`` and the append-only ``list_events`` — and reloads when anything changed, so a
listing or a removal is visible to checks within a second. Whether an entry is active is decided
per check day (status listed, ``listed_on <= on``, ``ends_on`` empty or ``>= on``). Codes of
subjects without entries are resolved in batches: one query for legacy codes, one for USCCs, one
for person hashes, each only when needed; no query per code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from credit_yrd.errors import CreditYrdError
from credit_yrd.ids import business_reg_no, org_code, uscc
from credit_yrd.ids.detect import could_be_resident_id
from credit_yrd.ids.errors import InvalidIdentifier
from credit_yrd.ids.masking import mask_resident_id
from credit_yrd.ledger.files import scrub_resident_ids
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.standards.joint_models import ListDef, Measure
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import chunked
from credit_yrd.store.schema import SUBJECT_TYPES, list_entries, list_events, subjects
from credit_yrd.store.subjects import MAX_CODE_CHARS, compact_code

#: Most codes one check may carry.
MAX_CODES = 10_000
#: Longest code string looked at; anything longer is reported invalid without being read further.
MAX_CODE_INPUT_CHARS = 64
#: How stale the index may be before it probes the store again (seconds).
DEFAULT_MAX_AGE_SECONDS = 0.5

STATUS_FOUND = "found"
STATUS_UNKNOWN = "unknown"
STATUS_INVALID = "invalid"


class CheckRequestError(CreditYrdError):
    """The check as a whole cannot be made (too many codes, an unknown scenario)."""


class UnknownScenarioError(CheckRequestError):
    """The scenario is not a code of the standard's code list ``scenario``."""


class TooManyCodesError(CheckRequestError):
    """More codes than one check may carry."""


# --- what a check answers -----------------------------------------------------------------------


@dataclass(slots=True)
class IndexedEntry:
    """A list entry with status ``listed``, as the index holds it."""

    id: int
    list_code: str
    subject_id: int
    listed_on: dt.date | None
    ends_on: dt.date | None
    authority: str
    authority_uscc: str | None
    province: str
    domain: str | None
    decision_number: str | None
    legal_basis: str
    list_def: ListDef | None

    def active_on(self, day: dt.date) -> bool:
        return (
            self.listed_on is not None
            and self.listed_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )

    def to_dict(self) -> dict[str, Any]:
        found = self.list_def
        return {
            "entry_id": self.id,
            "list_code": self.list_code,
            "list_label_zh": found.label_zh if found else self.list_code,
            "list_label_en": found.label_en if found else self.list_code,
            "list_kind": found.kind if found else None,
            "authority": self.authority,
            "authority_uscc": self.authority_uscc,
            "province": self.province,
            "domain": self.domain,
            "decision_number": self.decision_number,
            "listing_basis": self.legal_basis,
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
        }


@dataclass(slots=True)
class AppliedMeasure:
    """One measure that applies to the subject because of one active entry."""

    measure: Measure
    entry: IndexedEntry

    @property
    def until(self) -> dt.date | None:
        """The last day the measure applies: the entry's last day listed (``None``: no end set)."""
        return self.entry.ends_on

    def to_dict(self) -> dict[str, Any]:
        m = self.measure
        return {
            "measure": m.code,
            "label_zh": m.label_zh,
            "label_en": m.label_en,
            "nature": m.nature,
            "memorandum": m.memorandum,
            "legal_basis_zh": m.legal_basis_zh,
            "legal_basis_en": m.legal_basis_en,
            "implementer_zh": m.implementer_zh,
            "implementer_en": m.implementer_en,
            "until": self.until.isoformat() if self.until else None,
            "why": self.entry.to_dict(),
        }


@dataclass(slots=True)
class SubjectResult:
    """The answer for one code of a check, in the order the codes were given (read-only by
    convention: not frozen, because a frozen dataclass costs a microsecond more per code).

    ``code`` is the code as checked (compacted, upper-case); a resident ID number is masked
    (``3201**********123X``), never echoed. ``status``: ``found`` (``measures`` may be empty),
    ``unknown`` (a well-formed code no subject has) or ``invalid`` (no code at all; ``reason``
    says why).
    """

    code: str
    status: str
    subject_id: int | None = None
    subject_name: str | None = None
    subject_type: str | None = None
    uscc: str | None = None
    via: str | None = None
    reason_zh: str | None = None
    reason_en: str | None = None
    measures: tuple[AppliedMeasure, ...] = ()

    @property
    def found(self) -> bool:
        return self.status == STATUS_FOUND

    def reason(self, lang: str = "zh") -> str | None:
        return self.reason_en if lang == "en" else self.reason_zh

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "found": self.status == STATUS_FOUND,
            "status": self.status,
            "subject_id": self.subject_id,
            "subject_name": self.subject_name,
            "subject_type": self.subject_type,
            "uscc": self.uscc,
            "via": self.via,
            "measures": [m.to_dict() for m in self.measures],
        }
        if self.reason_zh is not None:
            out["reason"] = f"{self.reason_zh} ({self.reason_en})"
        return out


# --- the index ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ListedSubject:
    """A subject that has at least one entry with status ``listed``."""

    subject_id: int
    name: str
    subject_type: str
    uscc: str | None
    entries: tuple[IndexedEntry, ...]


@dataclass(frozen=True)
class Snapshot:
    """One consistent load of the listed entries."""

    by_uscc: dict[str, ListedSubject]
    by_person: dict[str, ListedSubject]
    version: tuple[Any, ...]
    entries: int
    loaded_at: float

    @classmethod
    def empty(cls) -> Snapshot:
        return cls({}, {}, (), 0, float("-inf"))


def store_version(conn: Connection) -> tuple[Any, ...]:
    """What changes whenever an entry changes: the count and the last id of the append-only
    ``list_events`` (a count cannot miss an event that commits after a later id), and the count
    and the latest ``updated_at`` of ``list_entries``."""
    events = conn.execute(select(func.count(), func.max(list_events.c.id))).one()
    entries = conn.execute(select(func.count(), func.max(list_entries.c.updated_at))).one()
    return (int(events[0]), events[1], int(entries[0]), entries[1])


def load_snapshot(
    conn: Connection, standard: Standard, *, loaded_at: float = 0.0, version: tuple[Any, ...] = ()
) -> Snapshot:
    """Every entry with status ``listed`` and its subject, keyed by USCC and by person hash."""
    e, s = list_entries.c, subjects.c
    rows = conn.execute(
        select(
            e.id,
            e.list_code,
            e.subject_id,
            e.listed_on,
            e.ends_on,
            e.authority,
            e.authority_uscc,
            e.province,
            e.domain,
            e.decision_number,
            e.legal_basis,
            s.uscc,
            s.person_hash,
            s.name,
            s.subject_type,
        )
        .select_from(list_entries.join(subjects, subjects.c.id == e.subject_id))
        .where(e.status == "listed")
    )
    lists = standard.lists
    grouped: dict[int, tuple[Any, list[IndexedEntry]]] = {}
    count = 0
    for (
        entry_id,
        list_code,
        subject_id,
        listed_on,
        ends_on,
        authority,
        authority_uscc,
        province,
        domain,
        decision_number,
        legal_basis,
        *subject,
    ) in rows:
        entry = IndexedEntry(
            int(entry_id),
            list_code,
            int(subject_id),
            listed_on,
            ends_on,
            scrub_resident_ids(authority),
            authority_uscc,
            province,
            domain,
            scrub_resident_ids(decision_number) if decision_number else decision_number,
            scrub_resident_ids(legal_basis),  # no ID number in clear in answers or the check log
            lists.get(list_code),
        )
        count += 1
        held = grouped.get(entry.subject_id)
        if held is None:
            grouped[entry.subject_id] = (subject, [entry])
        else:
            held[1].append(entry)
    by_uscc: dict[str, ListedSubject] = {}
    by_person: dict[str, ListedSubject] = {}
    for subject_id, ((uscc_, person_hash, name, subject_type), entries) in grouped.items():
        entries.sort(key=lambda entry: entry.id)
        listed = ListedSubject(subject_id, name, subject_type, uscc_, tuple(entries))
        if uscc_:
            by_uscc[uscc_] = listed
        if person_hash:
            by_person[person_hash] = listed
    return Snapshot(by_uscc, by_person, version, count, loaded_at)


@dataclass(frozen=True)
class _Directory:
    """One build of the directory: sorted USCCs with ids, types and names, plus later arrivals."""

    hashes: Any  # int64: the codes' Python hashes, sorted
    codes: Any  # S18, aligned with hashes
    ids: Any  # int64, aligned with hashes
    types: Any  # uint8 index into SUBJECT_TYPES
    name_offsets: Any  # int64, 2 × len(codes): start and end of each name in ``names``
    names: bytes  # the names, UTF-8, concatenated
    recent: dict[str, _Subject]
    max_id: int


class SubjectDirectory:
    """Every organisation subject's USCC → (id, name, type), held in numpy arrays.

    Subjects are only ever inserted (a subject row is identity; it is neither changed nor
    deleted), so the directory grows by reading ``id > max_id`` (one indexed query that usually
    returns nothing) and is rebuilt whole only when many have arrived. A code the directory does
    not hold is looked up in the store as before, so a subject committed out of id order (on
    PostgreSQL ids are handed out before commit) is still found. At 1,000,000 subjects it takes
    about 80 MB and a few seconds to build; a batch of 10,000 codes is resolved in 20–30 ms
    (mostly building the answers) instead of a query that reads 10,000 random pages (55–90 ms).
    """

    #: Arrivals kept in a dict before the arrays are rebuilt.
    REBUILD_AFTER = 50_000
    #: Rows read per fetch while building.
    FETCH_ROWS = 50_000

    def __init__(self) -> None:
        self._data: _Directory | None = None

    @property
    def size(self) -> int:
        data = self._data
        return 0 if data is None else len(data.codes) + len(data.recent)

    def update(self, conn: Connection) -> None:
        """Build on first use; afterwards add the subjects inserted since."""
        data = self._data
        if data is None or len(data.recent) >= self.REBUILD_AFTER:
            self._data = self._build(conn)
            return
        rows = conn.exec_driver_sql(
            "SELECT id, uscc, name, subject_type FROM subjects "
            f"WHERE id > {int(data.max_id)} AND uscc IS NOT NULL"
        ).fetchall()
        if rows:
            recent = dict(data.recent)
            max_id = data.max_id
            for subject_id, code, name, subject_type in rows:
                recent[code] = _Subject(int(subject_id), name, subject_type, code)
                max_id = max(max_id, int(subject_id))
            self._data = dataclasses.replace(data, recent=recent, max_id=max_id)

    def _build(self, conn: Connection) -> _Directory:
        import numpy as np

        type_index = {t: i for i, t in enumerate(SUBJECT_TYPES)}
        codes: list[str] = []
        ids: list[int] = []
        types: list[int] = []
        names: list[bytes] = []
        result = conn.exec_driver_sql(
            "SELECT id, uscc, name, subject_type FROM subjects WHERE uscc IS NOT NULL"
        )
        while chunk := result.fetchmany(self.FETCH_ROWS):
            for subject_id, code, name, subject_type in chunk:
                ids.append(subject_id)
                codes.append(code)
                names.append(name.encode("utf-8"))
                types.append(type_index.get(subject_type, 0))
        # Sorted by the codes' Python hashes (stable within the process): looking up 10,000
        # int64 keys is a tenth of the work of comparing 18-byte strings, and a str caches its
        # hash, so the codes of a check (already put in a set) cost nothing more to hash. Two
        # codes with one hash are told apart by comparing the codes (a miss then goes to SQL).
        hashes = np.fromiter((hash(c) for c in codes), dtype=np.int64, count=len(codes))
        order = np.argsort(hashes, kind="stable")
        lengths = np.fromiter((len(n) for n in names), dtype=np.int64, count=len(names))
        offsets = np.zeros(len(names) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        id_array = np.array(ids, dtype=np.int64)
        return _Directory(
            hashes=hashes[order],
            codes=np.array(codes, dtype="S18")[order],
            ids=id_array[order],
            types=np.array(types, dtype=np.uint8)[order],
            name_offsets=np.stack((offsets[:-1][order], offsets[1:][order])),
            names=b"".join(names),
            recent={},
            max_id=int(id_array.max()) if len(ids) else 0,
        )

    def lookup(self, codes: Iterable[str]) -> dict[str, _Subject]:
        """The subjects of those codes the directory holds."""
        import numpy as np

        data = self._data
        wanted = list(codes)
        if data is None or not wanted:
            return {}
        found: dict[str, _Subject] = {}
        size = len(data.codes)
        if size:
            keys = np.fromiter((hash(c) for c in wanted), dtype=np.int64, count=len(wanted))
            positions = np.searchsorted(data.hashes, keys)
            np.minimum(positions, size - 1, out=positions)
            candidates = np.nonzero(data.hashes[positions] == keys)[0]
            spots = positions[candidates]
            same = data.codes[spots] == np.array(
                [wanted[i] for i in candidates.tolist()], dtype="S18"
            )
            hits = candidates[same].tolist()
            spots = spots[same]
            names = data.names
            kinds = SUBJECT_TYPES
            for i, subject_id, kind, start, end in zip(
                hits,
                data.ids[spots].tolist(),
                data.types[spots].tolist(),
                data.name_offsets[0][spots].tolist(),
                data.name_offsets[1][spots].tolist(),
                strict=True,
            ):
                code = wanted[i]
                found[code] = _Subject(subject_id, names[start:end].decode(), kinds[kind], code)
        if data.recent:
            for code in wanted:
                held = data.recent.get(code)
                if held is not None:
                    found[code] = held
        return found


class ActiveIndex:
    """The listed entries in memory, refreshed when the store changed.

    :meth:`snapshot` probes the store (:func:`store_version`) at most every ``max_age_seconds``
    and reloads when the version moved; with ``directory`` (the default) it also keeps a
    :class:`SubjectDirectory` of every organisation subject, grown at each probe, so that codes
    of subjects without entries need no query either. ``monotonic`` is the clock it measures staleness with
    (injectable for tests). Safe to share between threads: a snapshot is never changed, only
    replaced, and one thread refreshes while the others keep using the snapshot they have.
    """

    def __init__(
        self,
        standard: Standard,
        *,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        directory: bool = True,
    ) -> None:
        self.standard = standard
        self.directory = SubjectDirectory() if directory else None
        self.max_age_seconds = max_age_seconds
        self.monotonic = monotonic
        self._snapshot = Snapshot.empty()
        self._probed_at = float("-inf")
        self._lock = threading.Lock()
        self.reloads = 0

    def stale(self) -> bool:
        """Whether the next :meth:`snapshot` will probe the store."""
        return self.monotonic() - self._probed_at >= self.max_age_seconds

    def snapshot(self, conn: Connection) -> Snapshot:
        """The current snapshot, refreshed first when it may be stale."""
        now = self.monotonic()
        if now - self._probed_at < self.max_age_seconds:
            return self._snapshot
        if not self._lock.acquire(blocking=self._snapshot.loaded_at == float("-inf")):
            return self._snapshot  # another thread is refreshing; this one is at most one probe old
        try:
            if now - self._probed_at >= self.max_age_seconds:
                self._refresh(conn, now)
        finally:
            self._lock.release()
        return self._snapshot

    def refresh(self, conn: Connection) -> Snapshot:
        """Probe now (and reload if the store changed), whatever the age."""
        with self._lock:
            self._refresh(conn, self.monotonic())
        return self._snapshot

    def _refresh(self, conn: Connection, now: float) -> None:
        if self.directory is not None:
            self.directory.update(conn)
        version = store_version(conn)
        if version != self._snapshot.version or self._snapshot.loaded_at == float("-inf"):
            self._snapshot = load_snapshot(conn, self.standard, loaded_at=now, version=version)
            self.reloads += 1
        self._probed_at = now


# --- scenarios and measures ---------------------------------------------------------------------


@dataclass
class _Plan:
    """Per standard: the scenario codes and the measures per (list, scenario)."""

    standard: Standard
    scenarios: frozenset[str]
    measures: dict[tuple[str, str], tuple[Measure, ...]] = field(default_factory=dict)

    def measures_for(self, list_code: str, scenario: str) -> tuple[Measure, ...]:
        key = (list_code, scenario)
        found = self.measures.get(key)
        if found is None:
            found = tuple(self.standard.measures_for(list_code, scenario))
            self.measures[key] = found
        return found


_PLANS: dict[int, _Plan] = {}


def _plan(standard: Standard) -> _Plan:
    plan = _PLANS.get(id(standard))
    if plan is None or plan.standard is not standard:
        scenarios = frozenset(entry.code for entry in standard.code_list("scenario").entries)
        plan = _Plan(standard, scenarios)
        _PLANS[id(standard)] = plan
    return plan


def scenario_codes(standard: Standard) -> frozenset[str]:
    """The scenarios a check may name (code list ``scenario``)."""
    return _plan(standard).scenarios


def check_request(codes: Sequence[Any], scenario: str, standard: Standard) -> None:
    """Raise :class:`CheckRequestError` when the check as a whole cannot be made."""
    if scenario not in _plan(standard).scenarios:
        known = "、".join(sorted(_plan(standard).scenarios))
        raise UnknownScenarioError(
            f"scenario：未知的业务场景 {scenario!r}（可选：{known}）",
            f"scenario: unknown business scenario {scenario!r} "
            f"(one of {', '.join(sorted(_plan(standard).scenarios))})",
        )
    if len(codes) > MAX_CODES:
        raise TooManyCodesError(
            f"codes：一次最多核查 {MAX_CODES} 个代码，收到 {len(codes)} 个",
            f"codes: at most {MAX_CODES} codes per check, got {len(codes)}",
        )


# --- the check ----------------------------------------------------------------------------------

_USCC = "uscc"
_ORG = "org_code"
_REG = "business_reg_no"
_PERSON = "resident_id"


def _invalid(code: str, zh: str, en: str) -> SubjectResult:
    return SubjectResult(code=code, status=STATUS_INVALID, reason_zh=zh, reason_en=en)


#: Centuries a resident ID's birth year starts with (positions 7–8).
_BIRTH_CENTURIES = frozenset({"18", "19", "20"})


def _maybe_person(code: str) -> bool:
    """Whether an 18-character code could be a resident ID number (cheap tests first)."""
    return code[6:8] in _BIRTH_CENTURIES and code[:17].isdigit() and could_be_resident_id(code)


def _classify(raw: Any) -> tuple[str, str | None, SubjectResult | None]:
    """(compact code, kind, None) for a code to look up; (shown, None, result) for a bad one."""
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw.isalnum():
        code = raw.upper()  # the common case: an 18-character code as it should be
        return code, (_PERSON if _maybe_person(code) else _USCC), None
    if not isinstance(raw, str):
        return "", None, _invalid("", "代码应为字符串", "a code must be a string")
    if len(raw) > MAX_CODE_INPUT_CHARS:
        return (
            "",
            None,
            _invalid(
                mask_resident_id(raw[:MAX_CODE_INPUT_CHARS]),
                f"代码过长（超过 {MAX_CODE_INPUT_CHARS} 个字符）",
                f"the code is too long (over {MAX_CODE_INPUT_CHARS} characters)",
            ),
        )
    code = raw.upper() if raw.isascii() and raw.isalnum() else compact_code(raw)
    if not code:
        return "", None, _invalid("", "代码为空", "the code is empty")
    if len(code) > MAX_CODE_CHARS or not (code.isascii() and code.isalnum()):
        return (
            "",
            None,
            _invalid(
                mask_resident_id(code),
                "不是统一社会信用代码、组织机构代码、注册号或身份证号：只能含数字和大写字母，最长 18 位",
                "not a USCC, organisation code, registration number or resident ID: digits and "
                "capital letters only, at most 18",
            ),
        )
    length = len(code)
    if length == 18:
        return code, (_PERSON if _maybe_person(code) else _USCC), None
    if length == 9:
        return code, _ORG, None
    if length == 15:
        return code, _REG, None
    return (
        "",
        None,
        _invalid(
            mask_resident_id(code),
            f"代码长度 {length} 不对：统一社会信用代码和身份证号 18 位，组织机构代码 9 位，注册号 15 位",
            f"a code of {length} characters: USCCs and resident IDs have 18, organisation "
            "codes 9, registration numbers 15",
        ),
    )


def _form_problem(code: str, kind: str) -> tuple[str, str] | None:
    """Why a code that named no subject is not a valid code of its kind (``None``: it is)."""
    validate = {_USCC: uscc.validate, _ORG: org_code.validate, _REG: business_reg_no.validate}.get(
        kind
    )
    if validate is None:
        return None
    try:
        validate(code)
    except InvalidIdentifier as exc:
        return exc.message_zh, exc.message_en
    return None


@dataclass(slots=True)
class _Subject:
    subject_id: int
    name: str
    subject_type: str
    uscc: str | None


def check_codes(
    conn: Connection,
    *,
    codes: Sequence[Any],
    scenario: str,
    on: dt.date,
    standard: Standard,
    index: ActiveIndex | None = None,
    vault: PersonalDataVault | None = None,
) -> list[SubjectResult]:
    """For each code, the measures that apply on day ``on`` in ``scenario`` (see the module).

    ``index``: a shared :class:`ActiveIndex` (without one, the listed entries are loaded for this
    check alone). ``vault``: needed to check natural persons by resident ID number.
    """
    check_request(codes, scenario, standard)
    with gc_paused(len(codes)):
        return _check(conn, codes, scenario, on, standard, index, vault)


#: Batches from this many codes run with the cyclic garbage collector paused.
GC_PAUSE_FROM = 1_000


@contextmanager
def gc_paused(items: int) -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch of ``items`` (≥ :data:`GC_PAUSE_FROM`)
    is checked or answered.

    A batch makes tens of thousands of short-lived objects, which would set off the collector's
    full collections (a third of a batch's time, measured); none of them forms a cycle, and
    reference counting still frees them, so the collector is paused and resumed after.
    """
    if items < GC_PAUSE_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _check(
    conn: Connection,
    codes: Sequence[Any],
    scenario: str,
    on: dt.date,
    standard: Standard,
    index: ActiveIndex | None,
    vault: PersonalDataVault | None,
) -> list[SubjectResult]:
    plan = _plan(standard)
    _tune(conn)
    if index is None:
        snap = load_snapshot(conn, standard)
    else:
        if index.standard is not standard:
            raise CheckRequestError(
                "核查索引属于另一版标准", "the check index was built for another standard"
            )
        snap = index.snapshot(conn)
    by_uscc, by_person = snap.by_uscc, snap.by_person

    classified = [_classify(raw) for raw in codes]
    # Codes whose subjects the index does not hold, resolved in batches.
    legacy_wanted: set[str] = set()
    uscc_wanted: set[str] = set()
    person_hashes: dict[str, str] = {}
    for code, kind, bad in classified:
        if bad is not None:
            continue
        if kind == _USCC:
            if code not in by_uscc:
                uscc_wanted.add(code)
        elif kind == _PERSON:
            if code not in by_uscc:  # an all-digit USCC can look like an ID number
                uscc_wanted.add(code)
            if vault is not None and code not in person_hashes:
                person_hashes[code] = vault.hash_id(code)
        else:
            legacy_wanted.add(code)

    legacy_map = _legacy_uscc(conn, legacy_wanted) if legacy_wanted else {}
    uscc_wanted.update(u for u in legacy_map.values() if u not in by_uscc)
    found_orgs: dict[str, _Subject] = {}
    if uscc_wanted and index is not None and index.directory is not None:
        found_orgs = index.directory.lookup(uscc_wanted)
        uscc_wanted.difference_update(found_orgs)
    if uscc_wanted:
        found_orgs.update(_subjects_by(conn, "uscc", uscc_wanted))
    hashes = {h for h in person_hashes.values() if h not in by_person}
    found_persons = _subjects_by(conn, "person_hash", hashes) if hashes else {}

    results: list[SubjectResult] = []
    append = results.append
    for code, kind, bad in classified:
        if bad is not None:
            append(bad)
            continue
        shown = code
        via = kind
        key = code
        if kind in (_ORG, _REG):
            mapped = legacy_map.get(code)
            if mapped is None:
                append(_not_found(code, kind))
                continue
            key = mapped
        listed = by_uscc.get(key)
        subject: _Subject | ListedSubject | None = (
            listed if listed is not None else found_orgs.get(key)
        )
        if subject is None and kind == _PERSON:
            shown = mask_resident_id(code)
            if vault is None:
                append(
                    _invalid(
                        shown,
                        "未配置个人信息密钥，无法按身份证号核查",
                        "no personal-data key is configured: cannot check by resident ID",
                    )
                )
                continue
            person_hash = person_hashes[code]
            listed = by_person.get(person_hash)
            subject = listed if listed is not None else found_persons.get(person_hash)
        elif subject is not None and kind == _PERSON:
            via = _USCC
        if subject is None:
            append(_not_found(shown, kind))
            continue
        applied: tuple[AppliedMeasure, ...] = ()
        if listed is not None:
            hits: list[AppliedMeasure] = []
            for entry in listed.entries:
                if entry.active_on(on):
                    for measure in plan.measures_for(entry.list_code, scenario):
                        hits.append(AppliedMeasure(measure, entry))
            applied = tuple(hits)
        append(
            SubjectResult(
                code=shown,
                status=STATUS_FOUND,
                subject_id=subject.subject_id,
                subject_name=subject.name,
                subject_type=subject.subject_type,
                uscc=subject.uscc,
                via=via,
                measures=applied,
            )
        )
    return results


def _not_found(code: str, kind: str | None) -> SubjectResult:
    problem = _form_problem(code, kind) if kind is not None else None
    # 15 digits that also read as an old ID number are masked, like every ID number.
    shown = mask_resident_id(code) if kind == _REG and could_be_resident_id(code) else code
    if problem is not None:
        return _invalid(shown, problem[0], problem[1])
    if kind == _PERSON:
        zh, en = (
            "平台上没有持此身份证号的自然人",
            "no natural person with this ID number is on record",
        )
    elif kind in (_ORG, _REG):
        zh = "旧代码未对应任何已知主体（没有对应的统一社会信用代码）"
        en = "the legacy code maps to no known subject"
    else:
        zh, en = "平台上没有此代码的主体", "no subject with this code is on record"
    return SubjectResult(code=shown, status=STATUS_UNKNOWN, via=kind, reason_zh=zh, reason_en=en)


#: Keys per look-up statement (SQLite allows 32,766 bind parameters, PostgreSQL takes an array).
_LOOKUP_CHUNK = 10_000
#: Memory-mapped reads for SQLite connections that check (the look-ups touch random pages of a
#: large table; mapped, they skip a read() call per page).
SQLITE_MMAP_BYTES = 1 << 30


def _lookup(conn: Connection, head: str, keys: Iterable[str]) -> list[tuple[Any, ...]]:
    """Rows of ``head … <key column> IN keys`` in raw driver SQL: the statement is built once
    per chunk without SQLAlchemy's per-parameter compilation (a tenth of the time for 10,000
    keys)."""
    postgres = conn.dialect.name == "postgresql"
    found: list[tuple[Any, ...]] = []
    for chunk in chunked(sorted(keys), _LOOKUP_CHUNK):
        if postgres:
            result = conn.exec_driver_sql(f"{head} = ANY(%s)", (chunk,))
        else:
            marks = ",".join("?" * len(chunk))
            result = conn.exec_driver_sql(f"{head} IN ({marks})", tuple(chunk))
        found.extend(cast("list[tuple[Any, ...]]", result.fetchall()))
    return found


def _tune(conn: Connection) -> None:
    """Map the SQLite file into memory for this connection's reads (once per connection)."""
    if conn.dialect.name != "sqlite":
        return
    info = conn.connection.info
    if not info.get("credit_yrd_checks_mmap"):
        conn.exec_driver_sql(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        info["credit_yrd_checks_mmap"] = True


def _legacy_uscc(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    """Legacy code → USCC for the codes mapped (organisation codes have 9 characters,
    registration numbers 15, so one query serves both kinds)."""
    rows = _lookup(conn, "SELECT legacy_code, uscc FROM legacy_codes WHERE legacy_code", codes)
    return {code: mapped for code, mapped in rows}


def _subjects_by(conn: Connection, column: str, keys: Iterable[str]) -> dict[str, _Subject]:
    rows = _lookup(
        conn, f"SELECT {column}, id, name, subject_type, uscc FROM subjects WHERE {column}", keys
    )
    return {
        key: _Subject(int(subject_id), name, subject_type, subject_uscc)
        for key, subject_id, name, subject_type, subject_uscc in rows
    }


__all__ = [
    "MAX_CODES",
    "ActiveIndex",
    "AppliedMeasure",
    "CheckRequestError",
    "IndexedEntry",
    "Snapshot",
    "SubjectResult",
    "TooManyCodesError",
    "UnknownScenarioError",
    "check_codes",
    "check_request",
    "load_snapshot",
    "scenario_codes",
    "store_version",
]
