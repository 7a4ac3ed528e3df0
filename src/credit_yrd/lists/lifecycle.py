"""The life of a list entry decided on the platform (国办发〔2020〕49号 procedure).

::

    propose ─► (notice served, objection window) ─► advance: window passed ─► listed
       │              │                                                       │
       │              └─► object_to ─► answer_objection: upheld ─► listed     ├─► extend
       │                                          not upheld ─► withdrawn     ├─► remove
       └─► (list without notice) listed at once                               └─► withdraw

Who may do what:

- a department (role ``department``) proposes for a list whose ``deciding_domains`` hold its
  domain; the entry's province and domain are the department's, its authority the department;
- the deciding department (same province and domain), that province's credit office or the
  regional credit office (province ``None``) answers objections, removes, extends and withdraws;
- the subject (a ``subject`` principal whose ``subject_id`` is the entry's) objects while the
  window is open (up to and including ``objection_until``).

``answer_objection(upheld=True)`` means the decision to list is upheld (the objection is not
accepted) and the entry is listed from the day of the answer; ``upheld=False`` means the objection
is accepted and the proposal is withdrawn.

Every change writes one ``list_events`` row (actor, time, detail) in the caller's transaction and
bumps ``list_entries.updated_at``. Entries fed by ingested records (origin ``record``) change only
through their records (:mod:`credit_yrd.lists.feed`); :func:`advance` expires them too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import Clock
from credit_yrd.lists.entries import LIVE_STATUSES, Entry, get_entry
from credit_yrd.lists.errors import (
    DuplicateEntryError,
    EarlyExitError,
    EarlyExitTooSoonError,
    InvalidListInput,
    NotAllowedError,
    ObjectionWindowClosedError,
    RecordOriginError,
    UnknownEntryError,
    UnknownListError,
    UnknownSubjectError,
    WrongStateError,
)
from credit_yrd.standards.joint_models import ListDef
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard, add_period
from credit_yrd.store.schema import (
    REMOVAL_REASONS,
    accounts,
    list_entries,
    list_events,
    records,
    subjects,
)
from credit_yrd.text import is_clean

#: The actor of steps the platform takes by itself (advance, feed).
SYSTEM_ACTOR = "system:lists"
#: Removal reasons a person may give; ``expiry`` is :func:`advance`'s, ``source`` the feed's.
MANUAL_REMOVAL_REASONS = tuple(r for r in REMOVAL_REASONS if r not in ("expiry", "source"))
REASON_MAX = 4000
BASIS_MAX = 2000
NOTE_MAX = 2000
DECISION_NUMBER_MAX = 128
#: The latest last day a decision may set, in years from the day the listing takes effect (a
#: list without a set period, such as research misconduct, may be for life: 100 years).
LONGEST_YEARS = 100

RIGHTS_ZH = (
    "当事人有权在异议期内（含最后一日）通过平台提出异议，陈述理由并提交证据；认定部门应当核实并"
    "答复。对认定决定不服的，可依法申请行政复议或提起行政诉讼。列入后符合提前移出条件的，可申请"
    "提前移出；履行义务、纠正失信行为后可申请信用修复。"
)
RIGHTS_EN = (
    "You may object on the platform within the objection window (its last day included), giving "
    "reasons and evidence; the deciding department must check and answer. You may also seek "
    "administrative reconsideration or bring an administrative suit against the decision. Once "
    "listed, you may apply for early removal where the list's rules allow it, and for credit "
    "repair after performing your obligations and correcting the conduct."
)


# --- who may ---------------------------------------------------------------------------------


def _list_def(standard: Standard, code: str) -> ListDef:
    found = standard.lists.get(code)
    if found is None:
        raise UnknownListError(code, sorted(standard.lists))
    return found


def may_decide(principal: Principal, list_def: ListDef) -> bool:
    """Whether the caller is a department whose domain may decide this list."""
    return (
        principal.role is Role.DEPARTMENT
        and principal.province is not None
        and principal.domain is not None
        and principal.domain in list_def.deciding_domains
    )


def may_manage(principal: Principal, entry: Entry) -> bool:
    """Whether the caller answers for this entry: the deciding department (same province and
    domain), the entry's provincial credit office or the regional one."""
    if principal.role is Role.CREDIT_OFFICE:
        return principal.province is None or principal.province == entry.province
    if principal.role is Role.DEPARTMENT:
        return (
            principal.province is not None
            and principal.province == entry.province
            and principal.domain is not None
            and principal.domain == entry.domain
        )
    return False


def _not_deciding(principal: Principal, list_def: ListDef) -> NotAllowedError:
    domains = "、".join(list_def.deciding_domains)
    domains_en = ", ".join(list_def.deciding_domains)
    if principal.role is not Role.DEPARTMENT:
        return NotAllowedError(
            f"只有政务部门可以提出列入名单 {list_def.code}",
            f"only a department may propose entries of list {list_def.code}",
        )
    if principal.province is None or principal.domain is None:
        return NotAllowedError(
            "本部门的密钥或账户未设定省份和领域，不能提出列入",
            "this department's key or account has no province and domain: it cannot propose",
        )
    return NotAllowedError(
        f"领域 {principal.domain} 的部门不能认定名单 {list_def.code}（可认定领域：{domains}）",
        f"a department of domain {principal.domain} may not decide list {list_def.code} "
        f"(deciding domains: {domains_en})",
    )


def _not_managing(entry: Entry) -> NotAllowedError:
    return NotAllowedError(
        f"只有认定部门（省份 {entry.province}、领域 {entry.domain or '-'}）或该省信用办、区域信用办"
        f"可以处理名单条目 {entry.id}",
        f"only the deciding department (province {entry.province}, domain {entry.domain or '-'}), "
        f"that province's credit office or the regional credit office may act on list entry "
        f"{entry.id}",
    )


def _load(conn: Connection, entry_id: int, standard: Standard, *, lock: bool = False) -> Entry:
    query = select(list_entries).where(list_entries.c.id == entry_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise UnknownEntryError(entry_id)
    return Entry.of(row, standard)


def _managed(
    conn: Connection, principal: Principal, entry_id: int, step: str, standard: Standard
) -> Entry:
    entry = _load(conn, entry_id, standard, lock=True)
    if not may_manage(principal, entry):
        if principal.role in (Role.DEPARTMENT, Role.CREDIT_OFFICE):
            raise _not_managing(entry)
        raise UnknownEntryError(entry_id)
    if entry.origin == "record":
        raise RecordOriginError(entry_id, step)
    return entry


# --- writing -------------------------------------------------------------------------------


def _text(field: str, value: str | None, limit: int, *, required: bool = True) -> str:
    raw = value or ""
    if not is_clean(raw.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise InvalidListInput(
            field,
            "不能含控制字符或格式字符（如 NUL、方向控制符），换行和制表符除外",
            "must not hold control or format characters (such as NUL or direction marks), "
            "line breaks and tabs apart",
        )
    text = " ".join(raw.split()) if field != "reason" else raw.strip()
    if required and not text:
        raise InvalidListInput(field, "不能为空", "must not be empty")
    if len(text) > limit:
        raise InvalidListInput(
            field, f"不能超过 {limit} 个字符", f"must be at most {limit} characters"
        )
    return text


def record_step(
    conn: Connection,
    entry_id: int,
    event: str,
    *,
    at: dt.datetime,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one step to ``list_events``; returns its id."""
    return int(
        conn.execute(
            _STEP_INSERT, step_values(entry_id, event, at=at, actor=actor, detail=detail)
        ).scalar_one()
    )


def step_values(
    entry_id: int,
    event: str,
    *,
    at: dt.datetime,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``list_events`` row of one step (for :func:`record_step` or a bulk insert)."""
    return {
        "entry_id": entry_id,
        "event": event,
        "at": at,
        "actor": actor[:200],
        "detail": _jsonable(detail or {}),
    }


#: One statement for every step: the values travel as parameters, so it compiles once.
_STEP_INSERT = insert(list_events).returning(list_events.c.id)


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in detail.items()
    }


def _change(
    conn: Connection,
    entry: Entry,
    *,
    expect: tuple[str, ...],
    step: str,
    at: dt.datetime,
    **values: Any,
) -> None:
    """Update the entry if it is still in one of ``expect`` (another writer may have moved it)."""
    result = conn.execute(
        update(list_entries)
        .where(list_entries.c.id == entry.id, list_entries.c.status.in_(expect))
        .values(updated_at=at, **values)
    )
    if result.rowcount != 1:
        current = get_entry(conn, entry.id)
        raise WrongStateError(entry.id, current.status if current else "?", step, expect)


def _authority_name(conn: Connection, principal: Principal) -> str:
    if principal.account_id is not None:
        name = conn.execute(
            select(accounts.c.display_name).where(accounts.c.id == principal.account_id)
        ).scalar()
        if name:
            return str(name)[:200]
    return (principal.label or principal.actor)[:200]


def notice(
    list_def: ListDef,
    *,
    reason: str,
    legal_basis: str,
    until: dt.date | None,
    authority: str,
    decision_number: str | None,
) -> dict[str, Any]:
    """The 49号文 notice served with a proposal: reasons, basis, rights and the objection deadline."""
    deadline_zh = f"请于 {until.isoformat()}（含）前提出异议。" if until else ""
    deadline_en = f" Object by {until.isoformat()} (inclusive)." if until else ""
    number = f"（{decision_number}）" if decision_number else ""
    return {
        "list_code": list_def.code,
        "list_zh": list_def.label_zh,
        "list_en": list_def.label_en,
        "authority": authority,
        "decision_number": decision_number,
        "reason": reason,
        "legal_basis": legal_basis,
        "document_number": list_def.document_number,
        "rights_zh": RIGHTS_ZH,
        "rights_en": RIGHTS_EN,
        "objection_until": until.isoformat() if until else None,
        "text_zh": (
            f"{authority}拟将你列入{list_def.label_zh}{number}。事由：{reason}。依据：{legal_basis}"
            f"（{list_def.document_number}）。{RIGHTS_ZH}{deadline_zh}"
        ),
        "text_en": (
            f"{authority} intends to put you on the list “{list_def.label_en}”. Reason: {reason}. "
            f"Basis: {legal_basis} ({list_def.document_number}). {RIGHTS_EN}{deadline_en}"
        ),
    }


def _check_ends_on(list_def: ListDef, ends_on: dt.date | None, starts: dt.date) -> None:
    if ends_on is None:
        if list_def.period is None:
            raise InvalidListInput(
                "ends_on",
                f"名单 {list_def.code} 没有统一的在列期限，须由认定部门写明在列最后一日",
                f"list {list_def.code} has no set period: the decision must give the last day "
                "listed",
            )
        return
    if ends_on < starts:
        raise InvalidListInput(
            "ends_on",
            f"在列最后一日 {ends_on.isoformat()} 早于列入生效日 {starts.isoformat()}",
            f"the last day listed {ends_on.isoformat()} is before the listing takes effect "
            f"({starts.isoformat()})",
        )
    furthest = add_period(starts, f"P{LONGEST_YEARS}Y") - dt.timedelta(days=1)
    if ends_on > furthest:
        raise InvalidListInput(
            "ends_on",
            f"在列最后一日 {ends_on.isoformat()} 距列入生效日超过 {LONGEST_YEARS} 年（最晚 "
            f"{furthest.isoformat()}）",
            f"the last day listed {ends_on.isoformat()} is more than {LONGEST_YEARS} years after "
            f"the listing takes effect (latest {furthest.isoformat()})",
        )
    longest = list_def.default_end(starts)
    if longest is not None and ends_on > longest:
        raise InvalidListInput(
            "ends_on",
            f"名单 {list_def.code} 的在列期限为 {list_def.period}，在列最后一日不能晚于 "
            f"{longest.isoformat()}（延长须另行办理）",
            f"list {list_def.code} lasts {list_def.period}: the last day listed cannot be after "
            f"{longest.isoformat()} (extend separately)",
        )


# --- the steps -----------------------------------------------------------------------------


def propose(
    conn: Connection,
    *,
    standard: Standard,
    clock: Clock,
    principal: Principal,
    list_code: str,
    subject_id: int,
    reason: str,
    legal_basis: str,
    decision_number: str | None = None,
    ends_on: dt.date | None = None,
    basis_record_id: int | None = None,
) -> Entry:
    """A department proposes to list a subject: the notice is served and the objection window
    opens; a list without notice (``notice_required: false``) lists the subject at once.

    ``basis_record_id`` names the subject's record the listing rests on (e.g. the penalty
    decision): when that record is repaired, the entry is removed with it."""
    list_def = _list_def(standard, list_code)
    if not may_decide(principal, list_def):
        raise _not_deciding(principal, list_def)
    assert principal.province is not None and principal.domain is not None
    reason = _text("reason", reason, REASON_MAX)
    legal_basis = _text("legal_basis", legal_basis, BASIS_MAX)
    number = _text("decision_number", decision_number, DECISION_NUMBER_MAX, required=False) or None
    query = select(subjects.c.id, subjects.c.name).where(subjects.c.id == subject_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()  # two proposals for one subject: one waits, then sees
    subject = conn.execute(query).first()
    if subject is None:
        raise UnknownSubjectError(str(subject_id))
    live = conn.execute(
        select(list_entries.c.id, list_entries.c.status).where(
            list_entries.c.list_code == list_code,
            list_entries.c.subject_id == subject_id,
            list_entries.c.status.in_(LIVE_STATUSES),
        )
    ).first()
    if live is not None:
        raise DuplicateEntryError(list_code, int(live.id), live.status)
    if basis_record_id is not None:
        _check_basis(conn, basis_record_id, subject_id)
    now, today = clock.now(), clock.today()
    until = list_def.objection_until(today) if list_def.notice_required else None
    starts = until + dt.timedelta(days=1) if until is not None else today
    _check_ends_on(list_def, ends_on, starts)
    authority = _authority_name(conn, principal)
    values: dict[str, Any] = {
        "list_code": list_code,
        "subject_id": subject_id,
        "subject_name": subject.name,
        "origin": "platform",
        "record_id": None,
        "basis_record_id": basis_record_id,
        "authority": authority,
        "authority_uscc": None,
        "province": principal.province,
        "domain": principal.domain,
        "decision_number": number,
        "reason": reason,
        "legal_basis": legal_basis,
        "proposed_by": principal.actor[:200],
        "proposed_at": now,
        "objection_until": until,
        "ends_on": ends_on,
        "updated_at": now,
    }
    if list_def.notice_required:
        values.update(status="proposed", listed_on=None)
    else:
        values.update(
            status="listed",
            listed_on=today,
            ends_on=ends_on if ends_on is not None else list_def.default_end(today),
        )
    entry_id = int(
        conn.execute(
            insert(list_entries).values(**values).returning(list_entries.c.id)
        ).scalar_one()
    )
    served = notice(
        list_def,
        reason=reason,
        legal_basis=legal_basis,
        until=until,
        authority=authority,
        decision_number=number,
    )
    record_step(
        conn,
        entry_id,
        "proposed",
        at=now,
        actor=principal.actor,
        detail={
            "notice": served,
            "notice_required": list_def.notice_required,
            "ends_on": ends_on,
        },
    )
    if not list_def.notice_required:
        record_step(
            conn,
            entry_id,
            "listed",
            at=now,
            actor=principal.actor,
            detail={
                "listed_on": values["listed_on"],
                "ends_on": values["ends_on"],
                "why": "no_notice",
            },
        )
    return _reload(conn, entry_id, standard)


def _check_basis(conn: Connection, record_id: int, subject_id: int) -> None:
    """The record a listing rests on must be the subject's own, not repaired."""
    row = conn.execute(
        select(records.c.subject_id, records.c.repaired_on).where(records.c.id == record_id)
    ).first()
    if row is None or row.subject_id != subject_id:
        raise InvalidListInput(
            "basis_record_id",
            f"认定依据记录 {record_id} 不存在或不属于该主体",
            f"basis record {record_id} does not exist or is not the subject's",
        )
    if row.repaired_on is not None:
        raise InvalidListInput(
            "basis_record_id",
            f"认定依据记录 {record_id} 已信用修复，不能作为列入依据",
            f"basis record {record_id} has been repaired and cannot ground a listing",
        )


def _reload(conn: Connection, entry_id: int, standard: Standard) -> Entry:
    found = get_entry(conn, entry_id, standard=standard)
    assert found is not None
    return found


def object_to(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    entry_id: int,
    reason: str,
    standard: Standard | None = None,
) -> Entry:
    """The subject objects to a proposal while the objection window is open."""
    std = standard or get_standard()
    entry = _load(conn, entry_id, std, lock=True)
    if principal.role is not Role.SUBJECT or principal.subject_id != entry.subject_id:
        raise UnknownEntryError(entry_id)  # a subject sees only its own entries
    if entry.status != "proposed":
        raise WrongStateError(entry_id, entry.status, "object", ("proposed",))
    today = clock.today()
    if entry.objection_until is None or today > entry.objection_until:
        raise ObjectionWindowClosedError(entry_id, entry.objection_until)
    text = _text("reason", reason, REASON_MAX)
    now = clock.now()
    _change(conn, entry, expect=("proposed",), step="object", at=now, status="objected")
    record_step(conn, entry_id, "objected", at=now, actor=principal.actor, detail={"reason": text})
    return _reload(conn, entry_id, std)


def answer_objection(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    entry_id: int,
    upheld: bool,
    reply: str,
    standard: Standard | None = None,
) -> Entry:
    """Answer the subject's objection: ``upheld=True`` keeps the decision and lists the subject
    from today; ``upheld=False`` accepts the objection and withdraws the proposal."""
    std = standard or get_standard()
    entry = _managed(conn, principal, entry_id, "answer", std)
    if entry.status != "objected":
        raise WrongStateError(entry_id, entry.status, "answer", ("objected",))
    text = _text("reply", reply, NOTE_MAX)
    now, today = clock.now(), clock.today()
    record_step(
        conn,
        entry_id,
        "objection_answered",
        at=now,
        actor=principal.actor,
        detail={"upheld": upheld, "reply": text},
    )
    if upheld:
        ends_on = entry.ends_on
        if ends_on is None and entry.list_def is not None:
            ends_on = entry.list_def.default_end(today)
        if ends_on is not None and ends_on < today:
            raise InvalidListInput(
                "ends_on",
                f"决定写明的在列最后一日 {ends_on.isoformat()} 已过，不能再列入；请撤销后重新认定",
                f"the decision's last day listed {ends_on.isoformat()} has passed; withdraw and "
                "decide again",
            )
        _change(
            conn,
            entry,
            expect=("objected",),
            step="answer",
            at=now,
            status="listed",
            listed_on=today,
            ends_on=ends_on,
        )
        record_step(
            conn,
            entry_id,
            "listed",
            at=now,
            actor=principal.actor,
            detail={"listed_on": today, "ends_on": ends_on, "why": "objection_answered"},
        )
    else:
        _change(conn, entry, expect=("objected",), step="answer", at=now, status="withdrawn")
        record_step(
            conn,
            entry_id,
            "withdrawn",
            at=now,
            actor=principal.actor,
            detail={"was": "objected", "after_listing": False, "note": text},
        )
    return _reload(conn, entry_id, std)


def remove(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    entry_id: int,
    reason: str,
    note: str,
    early_exit: str | None = None,
    standard: Standard | None = None,
) -> Entry:
    """Take a listed subject off the list from today, for one of
    :data:`MANUAL_REMOVAL_REASONS`; ``early_exit`` names the list's early-exit rule (required
    for reason ``early_exit``) and is refused before the rule's minimum time listed is served."""
    std = standard or get_standard()
    entry = _managed(conn, principal, entry_id, "remove", std)
    if reason not in MANUAL_REMOVAL_REASONS:
        raise InvalidListInput(
            "reason",
            f"移出原因“{reason}”无效；可选：{'、'.join(MANUAL_REMOVAL_REASONS)}（期满由平台自动移出）",
            f"removal reason {reason!r} is not one of {', '.join(MANUAL_REMOVAL_REASONS)} "
            "(expiry is done by the platform)",
        )
    if entry.status != "listed":
        raise WrongStateError(entry_id, entry.status, "remove", ("listed",))
    text = _text("note", note, NOTE_MAX, required=False)
    today, now = clock.today(), clock.now()
    detail: dict[str, Any] = {"reason": reason, "note": text, "removed_on": today}
    if reason == "early_exit" and not early_exit:
        rules = entry.list_def.early_exit if entry.list_def else []
        if not rules:
            raise EarlyExitError(
                f"名单 {entry.list_code} 没有提前移出规则，只能期满移出或依其他原因移出",
                f"list {entry.list_code} has no early-exit rule: it ends at expiry or for "
                "another reason",
            )
        codes = "、".join(r.code for r in rules)
        raise EarlyExitError(
            f"early_exit：提前移出须写明依据的规则（{codes}）",
            f"early_exit: early removal must name the rule it relies on ({codes})",
        )
    if early_exit:
        rule = entry.list_def.early_exit_rule(early_exit) if entry.list_def else None
        if rule is None:
            known = [r.code for r in entry.list_def.early_exit] if entry.list_def else []
            raise EarlyExitError(
                f"early_exit：名单 {entry.list_code} 没有提前移出规则“{early_exit}”；"
                f"已有：{'、'.join(known) or '无'}",
                f"early_exit: list {entry.list_code} has no early-exit rule {early_exit!r}; "
                f"known: {', '.join(known) or 'none'}",
            )
        assert entry.listed_on is not None
        allowed_from = add_period(entry.listed_on, rule.after)
        if today < allowed_from:
            raise EarlyExitTooSoonError(rule.code, rule.after, entry.listed_on, allowed_from)
        detail.update(
            early_exit=rule.code, requires_zh=rule.requires_zh, requires_en=rule.requires_en
        )
    _take_off(conn, entry, reason=reason, at=now, actor=principal.actor, detail=detail)
    return _reload(conn, entry_id, std)


def _take_off(
    conn: Connection,
    entry: Entry,
    *,
    reason: str,
    at: dt.datetime,
    actor: str,
    detail: dict[str, Any],
) -> None:
    """Remove a listed entry from ``detail['removed_on']`` and write its ``removed`` step."""
    _change(
        conn,
        entry,
        expect=("listed",),
        step="remove",
        at=at,
        status="removed",
        removed_on=detail["removed_on"],
        removal_reason=reason,
    )
    record_step(conn, entry.id, "removed", at=at, actor=actor, detail=detail)


#: The entries an approved repair takes off: listed ones are removed, pending ones withdrawn.
REPAIR_STATUSES = ("listed", "proposed", "objected")


def remove_for_repair(
    conn: Connection,
    *,
    clock: Clock,
    entry_id: int,
    actor: str,
    note: str,
    standard: Standard | None = None,
) -> Entry:
    """Take an entry off from today because of an approved credit repair (信用修复,
    :mod:`credit_yrd.repair.effects`): a ``listed`` entry is removed with reason ``repair``
    (the ``removed`` step, which lifts the joint actions, like :func:`remove`); a ``proposed``
    or ``objected`` one — a listing still pending that rests on the repaired record — is
    withdrawn (the ``withdrawn`` step with reason ``repair``), so it is never listed. The repair
    decision is the authority, so no manage check is made here; entries fed by records are taken
    off too (the record they rest on is the one repaired)."""
    std = standard or get_standard()
    entry = _load(conn, entry_id, std, lock=True)
    if entry.status not in REPAIR_STATUSES:
        raise WrongStateError(entry_id, entry.status, "remove", REPAIR_STATUSES)
    text = _text("note", note, NOTE_MAX, required=False)
    today, now = clock.today(), clock.now()
    if entry.status == "listed":
        detail: dict[str, Any] = {"reason": "repair", "note": text, "removed_on": today}
        _take_off(conn, entry, reason="repair", at=now, actor=actor, detail=detail)
    elif not _withdraw_pending(conn, entry, at=now, actor=actor, note=text):
        current = get_entry(conn, entry_id)
        raise WrongStateError(
            entry_id, current.status if current else "?", "remove", REPAIR_STATUSES
        )
    return _reload(conn, entry_id, std)


def _withdraw_pending(
    conn: Connection, entry: Entry, *, at: dt.datetime, actor: str, note: str
) -> bool:
    """Withdraw a pending proposal whose record has been repaired (信用修复): it never applied.
    False when another writer moved the entry first (nothing written then)."""
    result = conn.execute(
        update(list_entries)
        .where(list_entries.c.id == entry.id, list_entries.c.status == entry.status)
        .values(status="withdrawn", updated_at=at)
    )
    if result.rowcount != 1:
        return False
    record_step(
        conn,
        entry.id,
        "withdrawn",
        at=at,
        actor=actor,
        detail={"was": entry.status, "after_listing": False, "reason": "repair", "note": note},
    )
    return True


def original_end(conn: Connection, entry: Entry) -> dt.date | None:
    """The last day listed as first set when the entry was listed (extensions count from it)."""
    rows = conn.execute(
        select(list_events.c.detail)
        .where(list_events.c.entry_id == entry.id, list_events.c.event == "listed")
        .order_by(list_events.c.id)
    ).all()
    for (detail,) in rows:
        value = (detail or {}).get("ends_on")
        if value:
            return dt.date.fromisoformat(str(value))
    return entry.ends_on


def extend(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    entry_id: int,
    new_ends_on: dt.date,
    note: str,
    standard: Standard | None = None,
) -> Entry:
    """Extend a listing within the list's ``extension`` bounds, counted from the end first set."""
    std = standard or get_standard()
    entry = _managed(conn, principal, entry_id, "extend", std)
    if entry.status != "listed":
        raise WrongStateError(entry_id, entry.status, "extend", ("listed",))
    bounds = entry.list_def.extension if entry.list_def else None
    if bounds is None:
        raise InvalidListInput(
            "new_ends_on",
            f"名单 {entry.list_code} 的规则不允许延期",
            f"the rules of list {entry.list_code} allow no extension",
        )
    base = original_end(conn, entry)
    if base is None or entry.ends_on is None:
        raise InvalidListInput(
            "new_ends_on",
            "该条目没有在列最后一日，无需延期",
            "this entry has no last day listed: nothing to extend",
        )
    earliest, latest = add_period(base, bounds.min), add_period(base, bounds.max)
    if not earliest <= new_ends_on <= latest:
        raise InvalidListInput(
            "new_ends_on",
            f"可延长 {bounds.min} 至 {bounds.max}：自原定最后一日 {base.isoformat()} 起，新的最后一日"
            f"须在 {earliest.isoformat()} 至 {latest.isoformat()} 之间",
            f"extensions run {bounds.min} to {bounds.max} from the first set last day "
            f"{base.isoformat()}: the new last day must be between {earliest.isoformat()} and "
            f"{latest.isoformat()}",
        )
    if new_ends_on <= entry.ends_on:
        raise InvalidListInput(
            "new_ends_on",
            f"新的最后一日须晚于当前的 {entry.ends_on.isoformat()}",
            f"the new last day must be after the current {entry.ends_on.isoformat()}",
        )
    today, now = clock.today(), clock.now()
    if entry.ends_on < today:
        raise WrongStateError(entry_id, "expired", "extend", ("listed",))
    text = _text("note", note, NOTE_MAX, required=False)
    _change(conn, entry, expect=("listed",), step="extend", at=now, ends_on=new_ends_on)
    record_step(
        conn,
        entry_id,
        "extended",
        at=now,
        actor=principal.actor,
        detail={"from": entry.ends_on, "ends_on": new_ends_on, "note": text},
    )
    return _reload(conn, entry_id, std)


def withdraw(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    entry_id: int,
    note: str,
    standard: Standard | None = None,
) -> Entry:
    """Withdraw (撤销) a proposal or a listing decided in error: it never applied."""
    std = standard or get_standard()
    entry = _managed(conn, principal, entry_id, "withdraw", std)
    if entry.status not in LIVE_STATUSES:
        raise WrongStateError(entry_id, entry.status, "withdraw", LIVE_STATUSES)
    text = _text("note", note, NOTE_MAX)
    today, now = clock.today(), clock.now()
    was_listed = entry.status == "listed"
    _change(
        conn,
        entry,
        expect=(entry.status,),
        step="withdraw",
        at=now,
        status="withdrawn",
        removed_on=today if was_listed else None,
    )
    record_step(
        conn,
        entry_id,
        "withdrawn",
        at=now,
        actor=principal.actor,
        detail={"was": entry.status, "after_listing": was_listed, "note": text},
    )
    return _reload(conn, entry_id, std)


def advance(conn: Connection, *, clock: Clock, standard: Standard) -> dict[str, int]:
    """The periodic step, idempotent: proposals whose objection window has passed are listed
    (from the day after the window); listed entries past ``ends_on`` are removed with reason
    ``expiry`` (from the day after ``ends_on``). A proposal whose record (``record_id`` or
    ``basis_record_id``) has been repaired (信用修复) is withdrawn instead of listed: a second
    guard behind :func:`remove_for_repair`. Returns ``{"listed": n, "expired": n,
    "withdrawn": n}``."""
    today, now = clock.today(), clock.now()
    listed = withdrawn = 0
    due = conn.execute(
        select(list_entries)
        .where(
            list_entries.c.status == "proposed",
            list_entries.c.objection_until.is_not(None),
            list_entries.c.objection_until < today,
        )
        .order_by(list_entries.c.id)
    ).all()
    repaired = _repaired_records(conn, due)
    for row in due:
        entry = Entry.of(row, standard)
        assert entry.objection_until is not None
        if repaired.intersection((row.record_id, row.basis_record_id)):
            withdrawn += _withdraw_pending(
                conn,
                entry,
                at=now,
                actor=SYSTEM_ACTOR,
                note="所依据的信用记录已信用修复，不再列入 (the record it rests on was repaired)",
            )
            continue
        starts = entry.objection_until + dt.timedelta(days=1)
        ends_on = entry.ends_on
        if ends_on is None and entry.list_def is not None:
            ends_on = entry.list_def.default_end(starts)
        result = conn.execute(
            update(list_entries)
            .where(list_entries.c.id == entry.id, list_entries.c.status == "proposed")
            .values(status="listed", listed_on=starts, ends_on=ends_on, updated_at=now)
        )
        if result.rowcount == 1:
            listed += 1
            record_step(
                conn,
                entry.id,
                "listed",
                at=now,
                actor=SYSTEM_ACTOR,
                detail={"listed_on": starts, "ends_on": ends_on, "why": "objection_window_passed"},
            )
    expired = 0
    past = conn.execute(
        select(list_entries.c.id, list_entries.c.ends_on)
        .where(
            list_entries.c.status == "listed",
            list_entries.c.ends_on.is_not(None),
            list_entries.c.ends_on < today,
        )
        .order_by(list_entries.c.id)
    ).all()
    for row in past:
        off = row.ends_on + dt.timedelta(days=1)
        result = conn.execute(
            update(list_entries)
            .where(list_entries.c.id == row.id, list_entries.c.status == "listed")
            .values(status="removed", removed_on=off, removal_reason="expiry", updated_at=now)
        )
        if result.rowcount == 1:
            expired += 1
            record_step(
                conn,
                int(row.id),
                "removed",
                at=now,
                actor=SYSTEM_ACTOR,
                detail={"reason": "expiry", "removed_on": off},
            )
    return {"listed": listed, "expired": expired, "withdrawn": withdrawn}


def _repaired_records(conn: Connection, rows: Any) -> set[int]:
    """The ids among the rows' ``record_id`` / ``basis_record_id`` whose record is repaired."""
    ids = {int(i) for row in rows for i in (row.record_id, row.basis_record_id) if i is not None}
    if not ids:
        return set()
    return {
        int(i)
        for i in conn.execute(
            select(records.c.id).where(records.c.id.in_(ids), records.c.repaired_on.is_not(None))
        ).scalars()
    }
