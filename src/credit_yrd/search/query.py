"""Searching subjects by code or by (part of) the name.

:func:`search` answers, in this order:

1. **Codes.** A query that reads as a USCC, an organisation code or a 15-digit registration number
   (``credit_yrd.ids.detect``) is looked up exactly (a legacy code through the legacy map). When
   no subject holds it, the query is searched as a name.
2. **Names.** The query is normalised like stored names (:func:`normalise_query`: NFKC, so
   full-width and half-width letters and brackets agree; no spaces; lower case; 有限责任公司 read
   as 有限公司) and folded like the index (:func:`credit_yrd.search.fold.search_form`: traditional
   characters read as simplified), and a trailing legal form (有限公司, 公司 …) is set aside so
   that 华信科技公司 finds 华信科技有限公司.
3. **Candidates from the rarest bigrams.** The frequency of each of the query's bigrams (at most
   :data:`MAX_PROBED`) is probed in the index with a bounded ``COUNT`` (at most :data:`PROBE_CAP`
   postings each). The rarest bigram drives: its postings are walked in subject order, a chunk at
   a time (a range of the index's primary key with ``LIMIT``); for each posting the subject is
   looked up by its primary key, checked to hold the next :data:`MAX_DRIVERS` - 1 rarest bigrams
   too (an index probe each) and the filters, and confirmed by ``name_normalised LIKE
   '%query%'`` (wildcards in the query are literal; names stored with traditional characters are
   confirmed on their folded form). No statement can become a scan of a whole table, whatever
   either planner's statistics say. The walk stops after :data:`MATCH_CAP` matches or
   :data:`SCAN_CAP` postings; when it stops early, the names that equal or start with the query
   are added from the prefix terms (``START`` + the first two characters), ``total`` is a lower bound and
   ``total_exact`` is false (narrow the query to see everything). A one-character query matches
   names that start with it.
4. **Ranking.** The exact name first, then names starting with the query, then shorter names, then
   by id: stable, so pages never overlap.

Filters: province (code, name or alias in the standard's ``province`` list), city (the ``city``
list: 320500 is 3205xx; Shanghai 310000 is all of 31xxxx), subject type (organisation types only),
record kind (the subject has a record of that kind published on the day: latest version active,
inside its window, not repaired), domain (code list ``domain``: likewise, a record of that
domain). Natural persons are never returned. Everything is bound as parameters: no input reaches the SQL text, and
the SQL is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.errors import CreditYrdError
from credit_yrd.ids.detect import could_be_resident_id, detect
from credit_yrd.ids.masking import mask_resident_id
from credit_yrd.search.fold import search_form
from credit_yrd.search.index import FOLDED, PERSON, START, bigrams
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store._sql import one_of
from credit_yrd.store.schema import record_versions, records, subject_terms, subjects
from credit_yrd.store.subjects import ORGANISATION_TYPES, compact_code, find_subject, normalise_name

#: The longest query accepted, in characters after normalisation.
MAX_QUERY_CHARS = 100
#: Raw input longer than this is refused before it is normalised at all.
MAX_RAW_CHARS = 1_000
#: The largest page.
MAX_LIMIT = 100
#: The deepest offset (deeper pages: narrow the query instead).
MAX_OFFSET = 10_000
#: Matches gathered per query at most; beyond it ``total`` is a lower bound.
MATCH_CAP = 1_000
#: Postings of the driving bigram walked per query at most.
SCAN_CAP = 20_000
#: Postings read per step of the walk.
WALK_CHUNK = 2_000
#: A bigram's frequency is counted up to this many postings.
PROBE_CAP = 2_000
#: Bigrams of a query whose frequency is probed (the others are confirmed by LIKE).
MAX_PROBED = 12
#: Bigrams intersected in the index (the rarest first).
MAX_DRIVERS = 3

#: Legal forms set aside at the end of a query (longest first). 有限责任公司 is already folded.
_LEGAL_SUFFIXES = ("股份有限公司", "有限公司", "股份公司", "公司")
#: Bracket variants NFKC leaves alone, read as round brackets.
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})
#: Control, format and surrogate characters: dropped from queries (never in names; NUL would
#: break PostgreSQL's text binding).
_DROPPED = frozenset(("Cc", "Cf", "Cs"))
_CODE_FORM = re.compile(r"^[0-9A-Z]+$")


class SearchError(CreditYrdError):
    """A search request that cannot be answered as asked (the API answers 400)."""


@dataclass
class SearchItem:
    id: int
    name: str
    subject_type: str
    uscc: str | None
    province: str | None
    division: str | None
    city: str | None
    records: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    total: int
    items: list[SearchItem]
    query: str = ""
    matched_by: str = "name"  # "code" or "name"
    #: False when more subjects matched than were gathered: ``total`` is then a lower bound.
    total_exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "total_exact": self.total_exact,
            "query": self.query,
            "matched_by": self.matched_by,
            "items": [item.to_dict() for item in self.items],
        }


def normalise_query(q: str) -> str:
    """The query in the form names are stored in (see :func:`normalise_name`), with control
    characters dropped and bracket variants read as round brackets. Raises :class:`SearchError`
    when it is empty or longer than :data:`MAX_QUERY_CHARS`."""
    if not isinstance(q, str):
        raise SearchError("查询必须是文本", "the query must be text")
    if len(q) > MAX_RAW_CHARS:
        raise SearchError(
            f"查询过长：最多 {MAX_QUERY_CHARS} 个字符",
            f"the query is too long: at most {MAX_QUERY_CHARS} characters",
        )
    cleaned = "".join(ch for ch in q if unicodedata.category(ch) not in _DROPPED)
    normal = normalise_name(cleaned).translate(_BRACKETS)
    normal = "".join(ch for ch in normal if unicodedata.category(ch) not in _DROPPED)
    if not normal:
        raise SearchError("查询为空", "the query is empty")
    if len(normal) > MAX_QUERY_CHARS:
        raise SearchError(
            f"查询过长：最多 {MAX_QUERY_CHARS} 个字符",
            f"the query is too long: at most {MAX_QUERY_CHARS} characters",
        )
    return normal


def _core(normal: str) -> str:
    """The query without a trailing legal form, when at least two characters remain."""
    for suffix in _LEGAL_SUFFIXES:
        if normal.endswith(suffix) and len(normal) - len(suffix) >= 2:
            return normal[: -len(suffix)]
    return normal


@dataclass(frozen=True)
class _Filters:
    province: str | None
    city: str | None
    subject_type: str | None
    record_kind: str | None
    domain: str | None = None


def _filters(
    standard: Standard,
    province: str | None,
    city: str | None,
    subject_type: str | None,
    record_kind: str | None,
    domain: str | None = None,
) -> _Filters:
    def code(list_code: str, value: str | None, zh: str, en: str) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return standard.code_lists[list_code].normalise(value)
        except UnknownCodeError:
            raise SearchError(
                f"未知的{zh}：{value[:40]!r}", f"unknown {en}: {value[:40]!r}"
            ) from None

    if subject_type is not None and subject_type not in ORGANISATION_TYPES:
        raise SearchError(
            f"主体类型只能是 {', '.join(ORGANISATION_TYPES)}（自然人不可公开检索）",
            f"subject type must be one of {', '.join(ORGANISATION_TYPES)} "
            "(natural persons are not publicly searchable)",
        )
    if record_kind is not None and record_kind not in standard.record_kinds:
        raise SearchError(
            f"未知的信息类别：{record_kind[:40]!r}（可选：{', '.join(sorted(standard.record_kinds))}）",
            f"unknown record kind: {record_kind[:40]!r} "
            f"(one of {', '.join(sorted(standard.record_kinds))})",
        )
    return _Filters(
        province=code("province", province, "省份", "province"),
        city=code("city", city, "城市", "city"),
        subject_type=subject_type,
        record_kind=record_kind,
        domain=code("domain", domain, "领域", "domain"),
    )


def _published(on: dt.date) -> ColumnElement[bool]:
    """The record (``records``) is published on ``on``: its current version is active, inside
    its publication window (``records.public_from`` / ``public_until``, kept by the store) and
    not ended by credit repair (``records.repaired_on`` none or after ``on``), as the public
    credit file shows it. Nothing the public file hides is counted or filtered on."""
    return and_(
        records.c.public_from <= on,
        or_(records.c.public_until.is_(None), records.c.public_until >= on),
        or_(records.c.repaired_on.is_(None), records.c.repaired_on > on),
        _latest_active(),
    )


def _latest_active() -> ColumnElement[bool]:
    """The record (``records``) has a latest version, and it is active."""
    newer = record_versions.alias("newer")
    return exists().where(
        record_versions.c.record_id == records.c.id,
        record_versions.c.status == "active",
        ~exists().where(
            newer.c.record_id == record_versions.c.record_id,
            newer.c.version > record_versions.c.version,
        ),
    )


def _city_prefix(city: str) -> str:
    """The division prefix of a city of the standard's list (310000: all of Shanghai)."""
    return city[:2] if city.endswith("0000") else city[:4]


def _conditions(f: _Filters, on: dt.date) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [subjects.c.subject_type != PERSON]
    if f.subject_type is not None:
        conds.append(subjects.c.subject_type == f.subject_type)
    if f.province is not None:
        conds.append(subjects.c.province == f.province)
    if f.city is not None:
        conds.append(subjects.c.division.startswith(_city_prefix(f.city), autoescape=True))
    if f.record_kind is not None:
        conds.append(
            exists().where(
                records.c.subject_id == subjects.c.id,
                records.c.kind == f.record_kind,
                _published(on),
            )
        )
    if f.domain is not None:
        conds.append(
            exists().where(
                records.c.subject_id == subjects.c.id,
                records.c.domain == f.domain,
                _published(on),
            )
        )
    return conds


@dataclass
class _Scan:
    """(id, name_normalised) of matches in subject order; ``complete`` when nothing was cut."""

    rows: list[Any]
    complete: bool


def _probe(conn: Connection, terms: list[str]) -> dict[str, int]:
    """How many postings each term has, counted up to :data:`PROBE_CAP` (one statement)."""
    counts = [
        select(func.count())
        .select_from(
            select(literal(1)).where(subject_terms.c.term == term).limit(PROBE_CAP).subquery()
        )
        .scalar_subquery()
        for term in terms
    ]
    row = conn.execute(select(*counts)).one()
    return {term: int(n) for term, n in zip(terms, row, strict=True)}


#: The index, once per role in a walk (aliases are built once: building them costs more than
#: the SQL they stand in).
_WALK = subject_terms.alias("t0")
_OTHERS = [subject_terms.alias(f"t{i}") for i in range(1, MAX_DRIVERS)]
_MARKED = subject_terms.alias("tf")


def _scan(
    conn: Connection,
    drivers: list[str],
    match: ColumnElement[bool],
    conds: list[ColumnElement[bool]],
) -> _Scan:
    """Walk the postings of ``drivers[0]`` in subject order that the other drivers' postings hold
    too, a chunk at a time, and keep the subjects that pass ``conds`` and ``match`` (or carry the
    fold marker, to be confirmed on their folded form).

    One statement per chunk: a range of the index's primary key with ``LIMIT`` (the walk), an
    index probe per other driver, and per candidate a correlated look-up of the subject by its
    primary key that yields the name or NULL. No plan scans a whole table."""
    driver, others = drivers[0], drivers[1:]
    marked = exists().where(_MARKED.c.term == FOLDED, _MARKED.c.subject_id == subjects.c.id)
    holds = [  # probed on the index itself, before the subject is looked up
        exists().where(other.c.term == term, other.c.subject_id == _WALK.c.subject_id)
        for other, term in zip(_OTHERS, others, strict=False)
    ]
    name = (
        select(subjects.c.name_normalised)
        .where(subjects.c.id == _WALK.c.subject_id, *conds, or_(match, marked))
        .scalar_subquery()
    )
    rows: list[Any] = []
    after = walked = 0
    while walked < SCAN_CAP:
        take = min(WALK_CHUNK if walked else MATCH_CAP + 1, SCAN_CAP - walked)
        chunk = conn.execute(
            select(_WALK.c.subject_id.label("id"), name.label("name_normalised"))
            .where(_WALK.c.term == driver, _WALK.c.subject_id > after, *holds)
            .order_by(_WALK.c.subject_id)
            .limit(take)
        ).all()
        if not chunk:
            return _Scan(rows, True)
        walked += len(chunk)
        after = int(chunk[-1].id)
        rows.extend(row for row in chunk if row.name_normalised is not None)
        if len(rows) > MATCH_CAP:
            return _Scan(rows[:MATCH_CAP], False)
        if len(chunk) < take:
            return _Scan(rows, True)
    more = conn.execute(
        select(_WALK.c.subject_id)
        .where(_WALK.c.term == driver, _WALK.c.subject_id > after)
        .limit(1)
    ).first()
    return _Scan(rows, more is None)


def _name_matches(
    conn: Connection, normal: str, core: str, conds: list[ColumnElement[bool]]
) -> tuple[list[tuple[int, str]], bool]:
    """(id, search form) of the subjects whose name matches, and whether that is all of them."""
    name = subjects.c.name_normalised
    prefix = START + core[:2]  # names starting with the query's first one or two characters
    grams = bigrams(core)[:MAX_PROBED] if len(core) > 1 else []
    counts = _probe(conn, [*grams, prefix])
    if min(counts[t] for t in grams or [prefix]) == 0:  # a bigram no name has
        return [], True
    found: dict[int, str] = {}

    def keep(rows: list[Any], starting: bool) -> None:
        for row in rows:
            form = search_form(row.name_normalised)
            if form.startswith(core) if starting else core in form:
                found[int(row.id)] = form

    if grams:
        drivers = sorted(grams, key=lambda t: counts[t])[:MAX_DRIVERS]
        main = _scan(conn, drivers, name.contains(core, autoescape=True), conds)
        keep(main.rows, starting=False)
        if main.complete:
            return sorted(found.items()), True
    # Cut short (or one character): names starting with the query, from the prefix terms.
    if counts[prefix] == 0:
        return sorted(found.items()), not grams
    others = sorted(grams[1:], key=lambda t: counts[t])[: MAX_DRIVERS - 1]
    terms = sorted([prefix, *others], key=lambda t: counts[t])
    starting = _scan(conn, terms, name.startswith(core, autoescape=True), conds)
    keep(starting.rows, starting=True)
    complete = starting.complete and not grams
    if not complete:  # the exact names, wherever the walks stopped
        exact = conn.execute(
            select(subjects.c.id, subjects.c.name_normalised).where(
                name.in_(sorted({normal, core})), *conds
            )
        )
        keep(list(exact), starting=True)
    return sorted(found.items()), complete


def _city_of(standard: Standard, division: str | None) -> str | None:
    if not division or len(division) < 4:
        return None
    cities = standard.code_lists["city"]
    for candidate in (division[:4] + "00", division[:2] + "0000"):
        try:
            return cities.normalise(candidate)
        except UnknownCodeError:
            continue
    return None


def _public_uscc(uscc: str | None) -> str | None:
    """A USCC as the public may see it: one whose digits could be an ID number is masked."""
    if uscc and could_be_resident_id(uscc):
        return mask_resident_id(uscc)
    return uscc


def record_counts(
    conn: Connection, subject_ids: list[int], on: dt.date
) -> dict[int, dict[str, int]]:
    """Per subject, the number of records per kind published on ``on``."""
    counts: dict[int, dict[str, int]] = {i: {} for i in subject_ids}
    if not subject_ids:
        return counts
    rows = conn.execute(
        select(records.c.subject_id, records.c.kind, func.count())
        .where(one_of(conn, records.c.subject_id, subject_ids), _published(on))
        .group_by(records.c.subject_id, records.c.kind)
    ).all()
    for subject_id, kind, n in rows:
        counts[int(subject_id)][str(kind)] = int(n)
    return counts


_COLUMNS = (
    subjects.c.id,
    subjects.c.name,
    subjects.c.subject_type,
    subjects.c.uscc,
    subjects.c.province,
    subjects.c.division,
)


def _items(conn: Connection, standard: Standard, rows: list[Any], on: dt.date) -> list[SearchItem]:
    counts = record_counts(conn, [int(row.id) for row in rows], on)
    return [
        SearchItem(
            id=int(row.id),
            name=row.name,
            subject_type=row.subject_type,
            uscc=_public_uscc(row.uscc),
            province=row.province,
            division=row.division,
            city=_city_of(standard, row.division),
            records=dict(sorted(counts[int(row.id)].items())),
        )
        for row in rows
    ]


def _by_code(conn: Connection, q: str, conds: list[ColumnElement[bool]]) -> int | None:
    """The id of the (non-person) subject a code names that passes the filters, if any."""
    if len(q) > 64:
        return None
    code = compact_code(q)
    if not _CODE_FORM.match(code) or detect(code) not in ("uscc", "org_code", "business_reg_no"):
        return None
    row = find_subject(conn, code)
    if row is None or row.subject_type == PERSON:
        return None
    found = conn.execute(select(subjects.c.id).where(subjects.c.id == row.id, *conds)).scalar()
    return None if found is None else int(found)


def search(
    conn: Connection,
    q: str,
    *,
    province: str | None = None,
    city: str | None = None,
    subject_type: str | None = None,
    record_kind: str | None = None,
    domain: str | None = None,
    limit: int = 20,
    offset: int = 0,
    standard: Standard | None = None,
    on: dt.date | None = None,
) -> SearchResult:
    """Subjects matching ``q`` (a code or part of a name) and the filters: the total and one page.

    Raises :class:`SearchError` for an empty or too long query, an unknown filter value, or a
    limit outside 1–:data:`MAX_LIMIT` or an offset outside 0–:data:`MAX_OFFSET`.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError(
            f"每页条数应在 1 到 {MAX_LIMIT} 之间", f"limit must be between 1 and {MAX_LIMIT}"
        )
    if not 0 <= offset <= MAX_OFFSET:
        raise SearchError(
            f"偏移量应在 0 到 {MAX_OFFSET} 之间", f"offset must be between 0 and {MAX_OFFSET}"
        )
    standard = standard or get_standard()
    normal = normalise_query(q)
    on = on or SYSTEM_CLOCK.today()
    conds = _conditions(_filters(standard, province, city, subject_type, record_kind, domain), on)

    found = _by_code(conn, q, conds)
    if found is not None:
        rows = [] if offset else conn.execute(select(*_COLUMNS).where(subjects.c.id == found)).all()
        return SearchResult(1, _items(conn, standard, list(rows), on), normal, "code")

    normal = search_form(normal)
    core = _core(normal)
    matches, exact_total = _name_matches(conn, normal, core, conds)

    def rank(match: tuple[int, str]) -> tuple[int, int, int]:
        subject_id, form = match
        tier = 0 if form in (normal, core) else 1 if form.startswith(core) else 2
        return (tier, len(form), subject_id)

    page = [subject_id for subject_id, _ in sorted(matches, key=rank)[offset : offset + limit]]
    shown: list[Any] = []
    if page:
        by_id = {
            int(row.id): row
            for row in conn.execute(select(*_COLUMNS).where(one_of(conn, subjects.c.id, page)))
        }
        shown = [by_id[i] for i in page if i in by_id]
    return SearchResult(
        len(matches), _items(conn, standard, shown, on), normal, "name", exact_total
    )
