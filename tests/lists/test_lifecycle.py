"""The 49号文 lifecycle of a platform-decided entry: propose → notice → objection window → listed →
removed / extended / withdrawn, with who may take each step."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_yrd.lists import lifecycle
from credit_yrd.lists.entries import (
    entries_for_department,
    entries_of_subject,
    get_entry,
    list_counts,
    public_entries,
    steps_of,
)
from credit_yrd.lists.errors import (
    DuplicateEntryError,
    EarlyExitError,
    EarlyExitTooSoonError,
    InvalidListInput,
    NotAllowedError,
    ObjectionWindowClosedError,
    UnknownEntryError,
    UnknownListError,
    WrongStateError,
)
from credit_yrd.store.engine import transaction
from tests.lists.conftest import TODAY, World, clock_on, department

DAY = dt.timedelta(days=1)


def propose(world: World, who=None, list_code="market_serious_violation", subject=None, **kw):
    with transaction(world.engine) as conn:
        return lifecycle.propose(
            conn,
            standard=world.standard,
            clock=kw.pop("clock", clock_on(TODAY)),
            principal=who or world.sh_amr,
            list_code=list_code,
            subject_id=subject if subject is not None else world.company,
            reason=kw.pop("reason", "销售不合格特种设备，受到较重行政处罚"),
            legal_basis=kw.pop("legal_basis", "《市场监督管理严重违法失信名单管理办法》第二条"),
            **kw,
        )


def advance(world: World, day: dt.date) -> dict[str, int]:
    with transaction(world.engine) as conn:
        return lifecycle.advance(conn, clock=clock_on(day), standard=world.standard)


def step(world: World, fn, day: dt.date = TODAY, **kw):
    with transaction(world.engine) as conn:
        return fn(conn, clock=clock_on(day), **kw)


def entry(world: World, entry_id: int):
    with world.engine.connect() as conn:
        return get_entry(conn, entry_id)


def steps(world: World, entry_id: int) -> list[str]:
    with world.engine.connect() as conn:
        return [s.event for s in steps_of(conn, entry_id)]


def test_the_whole_lifecycle_across_the_window_and_the_period_end(world: World) -> None:
    proposed = propose(world)
    assert proposed.status == "proposed"
    assert proposed.origin == "platform"
    assert proposed.province == "31" and proposed.domain == "market_regulation"
    assert proposed.authority == "上海市市场监督管理局"
    assert proposed.objection_until == dt.date(2026, 12, 7)  # P10D from the notice
    assert proposed.listed_on is None and not proposed.active_on(TODAY)

    with world.engine.connect() as conn:
        first = steps_of(conn, proposed.id)[0]
    assert first.event == "proposed" and first.actor.startswith("key:1 ")
    served = first.detail["notice"]
    assert served["objection_until"] == "2026-12-07"
    assert served["reason"].startswith("销售不合格") and "第二条" in served["legal_basis"]
    assert "异议" in served["rights_zh"] and "object" in served["rights_en"]
    assert "2026-12-07" in served["text_zh"] and served["document_number"].startswith("《市场")

    # The window is open through its last day: nothing happens.
    assert advance(world, TODAY) == {"listed": 0, "expired": 0, "withdrawn": 0}
    assert advance(world, dt.date(2026, 12, 7)) == {"listed": 0, "expired": 0, "withdrawn": 0}
    assert entry(world, proposed.id).status == "proposed"

    # The day after: listed from that day, for the list's three years.
    assert advance(world, dt.date(2026, 12, 8)) == {"listed": 1, "expired": 0, "withdrawn": 0}
    listed = entry(world, proposed.id)
    assert listed.status == "listed"
    assert listed.listed_on == dt.date(2026, 12, 8)
    assert listed.ends_on == dt.date(2029, 12, 7)
    assert listed.active_on(dt.date(2026, 12, 8)) and listed.active_on(dt.date(2029, 12, 7))
    assert not listed.active_on(dt.date(2026, 12, 7))
    assert advance(world, dt.date(2026, 12, 9)) == {
        "listed": 0,
        "expired": 0,
        "withdrawn": 0,
    }  # idempotent

    # Past the period's last day: removed for expiry, from the day after.
    assert advance(world, dt.date(2029, 12, 7)) == {"listed": 0, "expired": 0, "withdrawn": 0}
    assert advance(world, dt.date(2029, 12, 10)) == {"listed": 0, "expired": 1, "withdrawn": 0}
    assert advance(world, dt.date(2029, 12, 11)) == {"listed": 0, "expired": 0, "withdrawn": 0}
    gone = entry(world, proposed.id)
    assert gone.status == "removed" and gone.removal_reason == "expiry"
    assert gone.removed_on == dt.date(2029, 12, 8)
    assert steps(world, proposed.id) == ["proposed", "listed", "removed"]
    with world.engine.connect() as conn:
        actors = [s.actor for s in steps_of(conn, proposed.id)]
    assert actors[1:] == [lifecycle.SYSTEM_ACTOR, lifecycle.SYSTEM_ACTOR]


def test_an_objection_upheld_lists_at_once_and_accepted_withdraws(world: World) -> None:
    kept = propose(world)
    dropped = propose(world, subject=world.js_company)
    me = world.subject(world.company)
    # Someone else's entry is not there for this subject.
    with pytest.raises(UnknownEntryError):
        step(world, lifecycle.object_to, principal=me, entry_id=dropped.id, reason="不是我")
    objected = step(
        world,
        lifecycle.object_to,
        TODAY + 3 * DAY,
        principal=me,
        entry_id=kept.id,
        reason="处罚已被复议撤销",
    )
    assert objected.status == "objected"
    other = world.subject(world.js_company)
    step(world, lifecycle.object_to, principal=other, entry_id=dropped.id, reason="主体认定错误")
    # An objected entry waits for its answer, whatever the date.
    assert advance(world, TODAY + 30 * DAY)["listed"] == 0
    with pytest.raises(WrongStateError):
        step(world, lifecycle.object_to, principal=me, entry_id=kept.id, reason="again")

    # The department answers: the decision stands (upheld) → listed from the answer's day.
    answer_day = TODAY + 5 * DAY
    listed = step(
        world,
        lifecycle.answer_objection,
        answer_day,
        principal=world.sh_amr,
        entry_id=kept.id,
        upheld=True,
        reply="经核实，复议维持原处罚决定",
    )
    assert listed.status == "listed" and listed.listed_on == answer_day
    assert listed.ends_on == dt.date(2029, 12, 1)
    assert steps(world, kept.id) == ["proposed", "objected", "objection_answered", "listed"]

    withdrawn = step(
        world,
        lifecycle.answer_objection,
        principal=world.sh_office,
        entry_id=dropped.id,
        upheld=False,
        reply="异议成立，撤销拟列入",
    )
    assert withdrawn.status == "withdrawn" and withdrawn.listed_on is None
    with world.engine.connect() as conn:
        answered = steps_of(conn, dropped.id)[-2]
    assert answered.event == "objection_answered" and answered.detail["upheld"] is False


def test_an_objection_after_the_window_is_refused(world: World) -> None:
    made = propose(world)
    me = world.subject(world.company)
    with pytest.raises(ObjectionWindowClosedError) as refused:
        step(
            world,
            lifecycle.object_to,
            dt.date(2026, 12, 8),
            principal=me,
            entry_id=made.id,
            reason="晚了",
        )
    assert "2026-12-07" in str(refused.value)
    # On the last day it is still open.
    assert (
        step(
            world,
            lifecycle.object_to,
            dt.date(2026, 12, 7),
            principal=me,
            entry_id=made.id,
            reason="最后一天",
        ).status
        == "objected"
    )


def test_early_exit_too_early_is_refused_with_its_date(world: World) -> None:
    made = propose(
        world,
        who=world.sh_hr,
        list_code="wage_arrears",
        reason="拖欠农民工工资",
        legal_basis="人社部令第45号",
    )
    advance(world, dt.date(2026, 12, 8))
    listed_on = entry(world, made.id).listed_on
    assert listed_on == dt.date(2026, 12, 8)
    with pytest.raises(EarlyExitTooSoonError) as early:
        step(
            world,
            lifecycle.remove,
            dt.date(2027, 6, 7),
            principal=world.sh_hr,
            entry_id=made.id,
            reason="early_exit",
            note="已清偿",
            early_exit="paid_with_commitment",
        )
    assert early.value.allowed_from == dt.date(2027, 6, 8)
    assert "2027-06-08" in str(early.value) and "P6M" in str(early.value)
    with pytest.raises(EarlyExitError, match="paid_with_commitment"):
        step(
            world,
            lifecycle.remove,
            dt.date(2027, 6, 8),
            principal=world.sh_hr,
            entry_id=made.id,
            reason="early_exit",
            note="没写规则",
        )
    with pytest.raises(EarlyExitError, match="no early-exit rule 'performed'"):
        step(
            world,
            lifecycle.remove,
            dt.date(2027, 6, 8),
            principal=world.sh_hr,
            entry_id=made.id,
            reason="early_exit",
            note="x",
            early_exit="performed",
        )
    with pytest.raises(InvalidListInput, match="expiry"):
        step(
            world,
            lifecycle.remove,
            dt.date(2027, 6, 8),
            principal=world.sh_hr,
            entry_id=made.id,
            reason="expiry",
            note="x",
        )
    assert entry(world, made.id).status == "listed"

    off = step(
        world,
        lifecycle.remove,
        dt.date(2027, 6, 8),
        principal=world.sh_hr,
        entry_id=made.id,
        reason="early_exit",
        note="已清偿并承诺",
        early_exit="paid_with_commitment",
    )
    assert off.status == "removed" and off.removal_reason == "early_exit"
    assert off.removed_on == dt.date(2027, 6, 8) and not off.active_on(dt.date(2027, 6, 8))
    with world.engine.connect() as conn:
        last = steps_of(conn, made.id)[-1]
    assert last.detail["early_exit"] == "paid_with_commitment"
    with pytest.raises(WrongStateError):
        step(
            world,
            lifecycle.remove,
            dt.date(2027, 6, 9),
            principal=world.sh_hr,
            entry_id=made.id,
            reason="repair",
            note="again",
        )


def test_a_list_without_notice_lists_at_once_and_extends_within_bounds(world: World) -> None:
    made = propose(
        world,
        who=world.sh_court,
        list_code="judgment_defaulter",
        reason="有履行能力而拒不履行",
        legal_basis="（2026）沪01执123号",
    )
    assert made.status == "listed" and made.listed_on == TODAY
    assert made.objection_until is None
    assert made.ends_on == dt.date(2028, 11, 26)  # two years
    assert steps(world, made.id) == ["proposed", "listed"]

    def extend(to: dt.date, who=None):
        return step(
            world,
            lifecycle.extend,
            dt.date(2027, 1, 5),
            principal=who or world.sh_court,
            entry_id=made.id,
            new_ends_on=to,
            note="暴力抗拒执行",
        )

    with pytest.raises(InvalidListInput, match="2029-11-26") as short:
        extend(dt.date(2029, 5, 26))  # six months: below the one-year minimum
    assert short.value.field == "new_ends_on"
    with pytest.raises(InvalidListInput, match="2031-11-26"):
        extend(dt.date(2032, 11, 26))  # four years: above the three-year maximum
    with pytest.raises(NotAllowedError):
        extend(dt.date(2029, 11, 26), who=world.sh_amr)
    longer = extend(dt.date(2029, 11, 26))
    assert longer.ends_on == dt.date(2029, 11, 26)
    # A second extension counts from the first end: up to three years in all.
    assert extend(dt.date(2031, 11, 26)).ends_on == dt.date(2031, 11, 26)
    with world.engine.connect() as conn:
        last = steps_of(conn, made.id)[-1]
    assert last.event == "extended" and last.detail["from"] == "2029-11-26"

    other = propose(world)
    advance(world, dt.date(2026, 12, 8))
    with pytest.raises(InvalidListInput, match="no extension"):
        step(
            world,
            lifecycle.extend,
            dt.date(2027, 1, 5),
            principal=world.sh_amr,
            entry_id=other.id,
            new_ends_on=dt.date(2030, 12, 7),
            note="x",
        )


def test_a_list_without_a_period_needs_the_last_day_from_the_decision(world: World) -> None:
    science = department(8, "34", "science_technology", "安徽省科学技术厅")
    with pytest.raises(InvalidListInput) as missing:
        propose(
            world,
            who=science,
            list_code="research_integrity",
            reason="论文造假",
            legal_basis="《科研失信行为调查处理规则》",
        )
    assert missing.value.field == "ends_on"
    made = propose(
        world,
        who=science,
        list_code="research_integrity",
        reason="论文造假",
        legal_basis="《科研失信行为调查处理规则》",
        ends_on=dt.date(2031, 12, 31),
    )
    assert made.province == "34" and made.ends_on == dt.date(2031, 12, 31)
    advance(world, dt.date(2026, 12, 8))
    assert entry(world, made.id).ends_on == dt.date(2031, 12, 31)
    # A list with a period refuses a last day beyond it.
    with pytest.raises(InvalidListInput, match="P3Y"):
        propose(world, subject=world.js_company, ends_on=dt.date(2035, 1, 1))


def test_wrong_department_or_province_is_refused(world: World) -> None:
    with pytest.raises(NotAllowedError, match="human_resources"):
        propose(world, who=world.sh_hr)  # market_serious_violation: market regulation only
    with pytest.raises(NotAllowedError):
        propose(world, who=world.sh_office)  # credit offices do not propose
    with pytest.raises(UnknownListError):
        propose(world, list_code="no_such_list")
    made = propose(world)
    with pytest.raises(DuplicateEntryError):
        propose(world)
    advance(world, dt.date(2026, 12, 8))
    for who in (world.js_amr, world.js_office, world.sh_hr):
        with pytest.raises(NotAllowedError):
            step(
                world,
                lifecycle.remove,
                dt.date(2027, 1, 1),
                principal=who,
                entry_id=made.id,
                reason="repair",
                note="x",
            )
        with pytest.raises(NotAllowedError):
            step(
                world,
                lifecycle.withdraw,
                dt.date(2027, 1, 1),
                principal=who,
                entry_id=made.id,
                note="x",
            )
    with pytest.raises(UnknownEntryError):  # a subject cannot act as a department
        step(
            world,
            lifecycle.withdraw,
            principal=world.subject(world.company),
            entry_id=made.id,
            note="x",
        )
    # The province's credit office and the regional one may.
    assert (
        step(
            world,
            lifecycle.remove,
            dt.date(2027, 1, 1),
            principal=world.region_office,
            entry_id=made.id,
            reason="repair",
            note="信用修复",
        ).status
        == "removed"
    )
    with transaction(world.engine) as conn:
        assert [e.id for e in entries_for_department(conn, world.sh_amr)] == [made.id]
        assert entries_for_department(conn, world.js_amr) == []
        assert [e.id for e in entries_for_department(conn, world.sh_office)] == [made.id]
        assert entries_for_department(conn, world.js_office) == []
        assert len(entries_for_department(conn, world.region_office)) == 1


def test_withdrawal_and_mutual_recognition(world: World) -> None:
    sh = propose(world)  # decided in Shanghai
    js = propose(world, who=world.js_amr, subject=world.js_company)  # decided in Jiangsu
    advance(world, dt.date(2026, 12, 8))
    day = dt.date(2026, 12, 9)
    with world.engine.connect() as conn:
        # Active region-wide: nothing in what is active depends on the province.
        assert list_counts(conn, on=day)["market_serious_violation"] == 2
        page = public_entries(conn, list_code="market_serious_violation", on=day)
        assert {e.province for e in page.entries} == {"31", "32"}
    out = step(
        world,
        lifecycle.withdraw,
        day,
        principal=world.js_office,
        entry_id=js.id,
        note="认定错误，撤销",
    )
    assert out.status == "withdrawn" and out.removed_on == day
    with pytest.raises(WrongStateError):
        step(world, lifecycle.withdraw, day, principal=world.js_office, entry_id=js.id, note="x")
    with world.engine.connect() as conn:
        assert list_counts(conn, on=day)["market_serious_violation"] == 1
        assert [e.id for e in entries_of_subject(conn, world.company)] == [sh.id]


def test_public_entries_show_no_proposals_and_mask_persons(world: World) -> None:
    person = propose(
        world,
        who=world.sh_hr,
        list_code="wage_arrears",
        subject=world.person,
        reason="王小明拖欠农民工工资 30 万元",
        legal_basis="人社部令第45号",
    )
    company = propose(world, who=world.sh_hr, list_code="wage_arrears")
    with world.engine.connect() as conn:
        assert public_entries(conn, list_code="wage_arrears", on=TODAY).entries == []
    advance(world, dt.date(2026, 12, 8))
    with world.engine.connect() as conn:
        page = public_entries(conn, list_code="wage_arrears", on=dt.date(2026, 12, 8), limit=1)
        assert len(page.entries) == 1 and page.next_after == person.id
        rest = public_entries(
            conn, list_code="wage_arrears", on=dt.date(2026, 12, 8), after=page.next_after
        )
    shown = page.entries[0]
    assert shown.subject_name == "王**" and shown.uscc is None
    assert "王小明" not in shown.reason and shown.reason.startswith("王**")
    assert [e.id for e in rest.entries] == [company.id] and rest.next_after is None
    assert rest.entries[0].uscc == world.company_uscc
