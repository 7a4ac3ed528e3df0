"""Objections (异议) in the domain: filing marks the record everywhere, withdrawal leaves no mark,
the three outcomes (a new version with history kept, a withdrawn record, an upheld one), who may
file and who may decide, deadlines in working days across the 2026 National Day holiday, the
reversal of a refused repair, and the public progress by query code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.clock import FixedClock
from credit_yrd.ledger.files import (
    Audience,
    RecordNotVisibleError,
    credit_file,
    record_detail,
)
from credit_yrd.repair import applications
from credit_yrd.repair.objections import (
    CorrectionError,
    NoStandingError,
    ObjectionInputError,
    ObjectionStateError,
    UnknownObjectionError,
    UnknownRecordError,
    decide_objection,
    file_objection,
    get_objection,
    objection_progress,
    objection_queue,
    objections_for_filer,
    objections_of_subject,
    withdraw_objection,
)
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import history
from credit_yrd.store.schema import (
    case_events,
    notices,
    objections,
    records,
    repair_deliveries,
    subjects,
)
from tests.repair.test_objections_world import (
    REP_ID,
    REP_NAME,
    TODAY,
    World,
    build_world,
    entry_status,
    listed_on_basis,
    refused_application,
)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build_world(engine, tmp_path)


def at(day: dt.date) -> FixedClock:
    return FixedClock(day)


def file(world: World, day: dt.date = TODAY, *, record: str = "penalty", **kw: Any):
    kw.setdefault("principal", world.me)
    kw.setdefault("ground", "content")
    kw.setdefault("statement", "罚款金额登记有误，决定书载明为三万元")
    record_id = kw.pop("record_id", None) or world.records[record]
    with transaction(world.engine) as conn:
        return file_objection(
            conn,
            clock=at(day),
            settings=world.settings,
            standard=world.standard,
            record_id=record_id,
            **kw,
        )


def decide(world: World, objection_id: int, day: dt.date = TODAY, **kw: Any):
    kw.setdefault("principal", world.sh_amr)
    kw.setdefault("reasons", "经核查")
    with transaction(world.engine) as conn:
        return decide_objection(
            conn,
            clock=at(day),
            settings=world.settings,
            standard=world.standard,
            objection_id=objection_id,
            **kw,
        )


def withdraw(world: World, objection_id: int, principal=None):
    with transaction(world.engine) as conn:
        return withdraw_objection(
            conn, clock=at(TODAY), principal=principal or world.me, objection_id=objection_id
        )


def flag(world: World, name: str = "penalty") -> bool:
    with world.engine.connect() as conn:
        return bool(
            conn.execute(
                select(records.c.objection_open).where(records.c.id == world.records[name])
            ).scalar_one()
        )


def file_marks(world: World, audience: Audience, day: dt.date = TODAY) -> dict[int, list[str]]:
    """Record id → marks in the company's file, as ``audience`` sees it."""
    with world.engine.connect() as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == world.company)).one()
        page = credit_file(
            conn,
            row,
            audience=audience,
            on=day,
            standard=world.standard,
            viewer_subject_id=world.company if audience is Audience.SUBJECT else None,
        )
    return {r.id: r.marks for s in page.sections for r in s.records}


def public_detail(world: World, name: str = "penalty", day: dt.date = TODAY):
    with world.engine.connect() as conn:
        return record_detail(
            conn, world.records[name], audience=Audience.PUBLIC, on=day, standard=world.standard
        )


def count(world: World, table: Any) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- the mark ---------------------------------------------------------------------------------


def test_a_record_under_objection_is_marked_and_the_case_goes_to_its_authority(
    world: World,
) -> None:
    rid = world.records["penalty"]
    assert file_marks(world, Audience.PUBLIC)[rid] == []
    made = file(world)
    assert made.status == "open" and made.party == "subject"
    assert made.province == "31" and made.domain == "market_regulation"
    assert made.authority == "上海市市场监督管理局"
    assert made.query_code.startswith("YY-")
    assert made.due_on == dt.date(
        2026, 6, 15
    )  # 10 working days after Mon 1 June (Dragon Boat 19th)
    assert [s.event for s in made.steps] == ["filed"]
    assert flag(world)
    # 异议处理中 wherever the record is shown: public file, public record, the subject's own file.
    assert file_marks(world, Audience.PUBLIC)[rid] == ["objection"]
    assert file_marks(world, Audience.SUBJECT)[rid] == ["objection"]
    detail = public_detail(world)
    assert detail.record.marks == ["objection"]
    assert [m.label_zh for m in detail.record.mark_labels] == ["异议处理中"]
    # The handlers (department of 31/market_regulation, the Shanghai credit office) and the
    # subject are told.
    with world.engine.connect() as conn:
        told = {
            (n.role, n.province, n.domain, n.subject_id)
            for n in conn.execute(select(notices).where(notices.c.ref == f"objection:{made.id}"))
        }
    assert told == {
        ("department", "31", "market_regulation", None),
        ("credit_office", "31", None, None),
        (None, None, None, world.company),
    }


def test_a_record_without_domain_goes_to_the_credit_office_only(world: World) -> None:
    made = file(world, record="cross", statement="许可机关名称有误")
    assert made.domain is None and made.province == "31"
    with world.engine.connect() as conn:
        roles = {
            n.role
            for n in conn.execute(select(notices).where(notices.c.ref == f"objection:{made.id}"))
        }
    assert roles == {"credit_office", None}
    with pytest.raises(UnknownObjectionError):
        decide(world, made.id, outcome="uphold")  # no department decides cross-domain cases
    assert decide(world, made.id, outcome="uphold", principal=world.sh_office).status == "upheld"


def test_a_withdrawn_objection_leaves_no_mark(world: World) -> None:
    rid = world.records["penalty"]
    made = file(world)
    assert flag(world)
    done = withdraw(world, made.id)
    assert done.status == "withdrawn" and [s.event for s in done.steps] == ["filed", "withdrawn"]
    assert not flag(world)
    assert file_marks(world, Audience.PUBLIC)[rid] == []
    assert file_marks(world, Audience.SUBJECT)[rid] == []
    assert public_detail(world).record.marks == []
    # Once withdrawn it cannot be decided or withdrawn again; a new objection may be filed.
    with pytest.raises(ObjectionStateError):
        decide(world, made.id, outcome="uphold")
    with pytest.raises(ObjectionStateError):
        withdraw(world, made.id)
    assert file(world).status == "open"


def test_withdrawing_one_of_two_open_objections_keeps_the_mark(world: World) -> None:
    own = file(world)
    standing = file(
        world,
        principal=world.rep_me,
        party="standing",
        party_name=REP_NAME,
        statement="本人并非该公司法定代表人",
    )
    withdraw(world, own.id)
    assert flag(world)
    assert file_marks(world, Audience.PUBLIC)[world.records["penalty"]] == ["objection"]
    withdraw(world, standing.id, principal=world.rep_me)
    assert not flag(world)


def test_only_the_filer_withdraws(world: World) -> None:
    made = file(world)
    for other in (world.js_me, world.rep_me, world.sh_amr, world.sh_office):
        with pytest.raises(UnknownObjectionError):
            withdraw(world, made.id, principal=other)
    # another account of the same subject speaks for it
    assert withdraw(world, made.id, world.me_again).status == "withdrawn"


# --- outcomes ---------------------------------------------------------------------------------


def test_correct_appends_a_version_keeps_history_and_clears_the_mark(world: World) -> None:
    rid = world.records["penalty"]
    made = file(world)
    day = dt.date(2026, 6, 5)
    done = decide(
        world,
        made.id,
        day,
        outcome="correct",
        reasons="经核对处罚决定书，罚款金额应为三万元",
        corrected={"CF_NR_FK": 30000, "BZ": "依异议更正"},
    )
    assert done.status == "corrected" and done.working_days == 4
    assert done.decided_by == world.sh_amr.actor and done.reasons.startswith("经核对")
    with world.engine.connect() as conn:
        versions = history(conn, rid)
        new_id = versions[-1].id
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].content["CF_NR_FK"] == "50000"  # the old version is kept as it was
    assert versions[1].content["CF_NR_FK"] == "30000" and versions[1].content["BZ"] == "依异议更正"
    assert versions[1].status == "active" and versions[1].source == "shanghai"
    assert versions[1].department == "上海市市场监督管理局"
    assert done.new_version_id == new_id
    assert not flag(world)
    detail = public_detail(world)
    assert detail.record.marks == [] and [v.version for v in detail.versions] == [1, 2]
    assert [s.event for s in done.steps] == ["filed", "corrected"]
    assert done.steps[-1].detail["fields"] == ["BZ", "CF_NR_FK"]
    with world.engine.connect() as conn:
        told = conn.execute(
            select(notices.c.title_zh).where(
                notices.c.subject_id == world.company, notices.c.ref == f"objection:{made.id}"
            )
        ).scalars()
        assert "异议答复：异议成立，已更正" in list(told)


def test_a_period_objection_corrects_only_the_window_dates(world: World) -> None:
    rid = world.records["penalty"]
    made = file(world, ground="period", statement="处罚决定日期应为 2026-02-02")
    with pytest.raises(CorrectionError, match="CF_NR_FK"):
        decide(world, made.id, outcome="correct", corrected={"CF_NR_FK": "1"})
    with world.engine.connect() as conn:
        before = conn.execute(select(records.c.public_from).where(records.c.id == rid)).scalar()
    assert before == dt.date(2026, 3, 1)
    done = decide(world, made.id, outcome="correct", corrected={"CF_JDRQ": "2026年2月2日"})
    with world.engine.connect() as conn:
        after = conn.execute(select(records.c.public_from).where(records.c.id == rid)).scalar()
        assert history(conn, rid)[-1].content["CF_JDRQ"] == "2026-02-02"
    assert done.status == "corrected" and after == dt.date(2026, 2, 2)


def test_withdraw_record_takes_it_out_of_the_public_file(world: World) -> None:
    rid = world.records["penalty"]
    made = file(world, statement="该处罚已被复议撤销")
    done = decide(world, made.id, outcome="withdraw_record", reasons="行政复议决定撤销该处罚")
    assert done.status == "withdrawn_record" and done.new_version_id is not None
    with world.engine.connect() as conn:
        versions = history(conn, rid)
    assert [(v.version, v.status) for v in versions] == [(1, "active"), (2, "withdrawn")]
    assert versions[1].content == versions[0].content
    assert rid not in file_marks(world, Audience.PUBLIC)
    with pytest.raises(RecordNotVisibleError):
        public_detail(world)
    # the subject still sees its record, withdrawn, unmarked
    assert file_marks(world, Audience.SUBJECT)[rid] == []
    # nothing left to object to
    with pytest.raises(ObjectionStateError):
        file(world)


def test_uphold_keeps_the_content_and_gives_reasons(world: World) -> None:
    rid = world.records["penalty"]
    made = file(world)
    with pytest.raises(ObjectionInputError, match="reasons"):
        decide(world, made.id, outcome="uphold", reasons=" \t ")
    with pytest.raises(ObjectionInputError, match="corrected"):
        decide(world, made.id, outcome="uphold", corrected={"CF_NR_FK": "1"})
    done = decide(
        world, made.id, outcome="uphold", reasons="处罚决定书载明金额为五万元，异议不成立"
    )
    assert done.status == "upheld" and done.new_version_id is None
    assert done.reasons == "处罚决定书载明金额为五万元，异议不成立"
    with world.engine.connect() as conn:
        assert [v.version for v in history(conn, rid)] == [1]
    assert not flag(world)
    with pytest.raises(ObjectionStateError):
        decide(world, made.id, outcome="correct", corrected={"CF_NR_FK": "1"})


# --- who may file, who may decide ------------------------------------------------------------


def test_who_may_file(world: World) -> None:
    # another subject's record: refused; a department: refused; an unknown record: 404
    with pytest.raises(NoStandingError):
        file(world, principal=world.js_me)
    with pytest.raises(NoStandingError):
        file(world, record="js_penalty")
    with pytest.raises(NoStandingError):
        file(world, principal=world.sh_amr)
    with pytest.raises(NoStandingError):  # not named in the record
        file(world, principal=world.js_me, party="standing", party_name="苏州")
    with pytest.raises(UnknownRecordError):
        file(world, record_id=987654)
    # the legal representative named by his ID hash has standing; party_name is required
    with pytest.raises(ObjectionInputError, match="party_name"):
        file(world, principal=world.rep_me, party="standing")
    rep = file(world, principal=world.rep_me, party="standing", party_name=REP_NAME)
    assert rep.party == "standing" and rep.subject_id == world.company
    # a credit office files on someone's behalf, as standing only
    with pytest.raises(ObjectionInputError, match="party"):
        file(world, principal=world.js_office)
    office = file(world, principal=world.js_office, party="standing", party_name="王某（窗口代办）")
    assert office.filed_by == world.js_office.actor
    assert count(world, objections) == 2


def test_one_open_objection_per_record_and_party(world: World) -> None:
    file(world)
    with pytest.raises(ObjectionStateError):
        file(world, ground="period", statement="期限也有误")
    assert count(world, objections) == 1


def test_only_handlers_in_scope_decide(world: World) -> None:
    made = file(world)
    for outsider in (world.js_amr, world.sh_hr, world.js_office, world.me, world.rep_me):
        with pytest.raises(UnknownObjectionError):
            decide(world, made.id, outcome="uphold", principal=outsider)
    assert get_objection_status(world, made.id) == "open"
    assert (
        decide(world, made.id, outcome="uphold", principal=world.region_office).status == "upheld"
    )


def get_objection_status(world: World, objection_id: int) -> str:
    with world.engine.connect() as conn:
        found = get_objection(conn, objection_id)
    assert found is not None
    return found.status


def test_bad_input_is_refused_with_the_field_and_writes_nothing(world: World) -> None:
    with pytest.raises(ObjectionInputError, match="statement"):
        file(world, statement="\x00\u200b\n ")
    with pytest.raises(ObjectionInputError, match="statement"):
        file(world, statement="长" * 4001)
    with pytest.raises(ObjectionInputError, match="ground"):
        file(world, ground="mood")
    with pytest.raises(ObjectionInputError, match="repair_id"):
        file(world, ground="content", repair_id=1)
    assert count(world, objections) == 0 and not flag(world)
    made = file(world, statement="金额\x00有误\r\n请核查")
    assert made.statement == "金额有误 请核查"
    cases = [
        ({"NOPE": "x"}, "NOPE"),
        ({"CF_NR_FK": True}, "CF_NR_FK"),
        ({"CF_NR_FK": "五万"}, "CF_NR_FK"),
        ({"CF_NR_FK": -5}, "CF_NR_FK"),
        ({"CF_JDRQ": "2026-02-30"}, "CF_JDRQ"),
        ({"CF_CFLB": "打板子"}, "CF_CFLB"),
        ({"CF_XDR_ZJHM": REP_ID}, "CF_XDR_ZJHM"),
        ({"CF_XDR_SHXYM": "913100000000000000"}, "CF_XDR_SHXYM"),
        ({"CF_WSH": "x" * 129}, "CF_WSH"),
        ({}, "corrected"),
        ({"CF_NR_FK": "50000"}, "corrected"),  # changes nothing
    ]
    for corrected, named in cases:
        with pytest.raises((CorrectionError, ObjectionInputError), match=named):
            decide(world, made.id, outcome="correct", corrected=corrected)
    with pytest.raises(ObjectionInputError, match="outcome"):
        decide(world, made.id, outcome="shrug")
    assert get_objection_status(world, made.id) == "open" and flag(world)
    with world.engine.connect() as conn:
        assert len(history(conn, world.records["penalty"])) == 1
    # code values are stored in their canonical form
    done = decide(world, made.id, outcome="correct", corrected={"CF_CFLB": "警告;罚款"})
    with world.engine.connect() as conn:
        assert history(conn, world.records["penalty"])[-1].content["CF_CFLB"] == ["警告", "罚款"]
    assert done.status == "corrected"


# --- deadlines --------------------------------------------------------------------------------


def test_deadlines_in_working_days_across_national_day(world: World) -> None:
    received = dt.date(2026, 9, 28)
    made = file(world, received)
    assert made.due_on == dt.date(2026, 10, 16)  # 10 working days: 1–7 Oct off, Sat 10 Oct worked
    other = file(world, received, record="cross", statement="许可机关名称有误")

    def queue(day: dt.date, principal=None):
        with world.engine.connect() as conn:
            return objection_queue(
                conn,
                principal or world.sh_office,
                clock=at(day),
                settings=world.settings,
                standard=world.standard,
            )

    items = queue(dt.date(2026, 10, 9))
    assert [i.objection.id for i in items] == [made.id, other.id]
    assert [i.working_days_left for i in items] == [6, 6]  # 9,10(Sat),12,13,14,15,16 → 6 after
    assert not any(i.overdue for i in items) and items[0].warning is None
    assert items[0].kind_label_zh == "行政处罚" and items[0].subject_name.startswith("上海")
    # the department sees only its domain's case; another province's handlers see none
    assert [i.objection.id for i in queue(dt.date(2026, 10, 9), world.sh_amr)] == [made.id]
    assert queue(dt.date(2026, 10, 9), world.js_amr) == []
    assert queue(dt.date(2026, 10, 9), world.js_office) == []
    assert queue(dt.date(2026, 10, 9), world.me) == []
    late = queue(dt.date(2026, 10, 19))
    assert late[0].overdue and late[0].working_days_left == -1
    done = decide(world, made.id, dt.date(2026, 10, 19), outcome="uphold", reasons="维持")
    assert done.working_days == 11 and done.overdue(dt.date(2026, 10, 19))
    in_time = decide(
        world,
        other.id,
        dt.date(2026, 10, 16),
        outcome="uphold",
        reasons="维持",
        principal=world.sh_office,
    )
    assert in_time.working_days == 10 and not in_time.overdue(dt.date(2026, 12, 1))
    # decided cases follow the open ones
    assert [i.objection.status for i in queue(dt.date(2026, 10, 20))] == ["upheld", "upheld"]


def test_a_deadline_past_the_bundled_calendar_warns(world: World) -> None:
    made = file(world, dt.date(2027, 3, 1))
    assert made.due_on == dt.date(2027, 3, 15)  # weekends only, with a warning
    with world.engine.connect() as conn:
        [item] = objection_queue(
            conn,
            world.region_office,
            clock=at(dt.date(2027, 3, 2)),
            settings=world.settings,
            standard=world.standard,
        )
    assert item.warning is not None and "2027" in item.warning[0]


# --- repair decisions --------------------------------------------------------------------------


def test_an_objection_reverses_a_refused_repair(world: World) -> None:
    rid = world.records["penalty"]
    with transaction(world.engine) as conn:
        refused = refused_application(conn, world, rid)
        approved = refused_application(conn, world, rid, status="approved")
        other = refused_application(conn, world, world.records["cross"])
        entry = listed_on_basis(conn, world, rid)
    with pytest.raises(ObjectionInputError, match="repair_id"):
        file(world, ground="repair_decision")
    with pytest.raises(ObjectionStateError):
        file(world, ground="repair_decision", repair_id=approved)
    with pytest.raises(ObjectionInputError, match="repair_id"):
        file(world, ground="repair_decision", repair_id=other)
    made = file(
        world, ground="repair_decision", repair_id=refused, statement="最短公示期已满三个月"
    )
    assert made.repair_id == refused
    day = dt.date(2026, 6, 3)
    with pytest.raises(ObjectionInputError, match="corrected"):
        decide(world, made.id, day, outcome="correct", corrected={"CF_NR_FK": "1"})
    done = decide(world, made.id, day, outcome="correct", reasons="处罚决定日期起已满三个月")
    assert done.status == "corrected" and done.new_version_id is None
    with world.engine.connect() as conn:
        app = applications.get_application(conn, refused)
        repaired_on = conn.execute(
            select(records.c.repaired_on).where(records.c.id == rid)
        ).scalar()
        recipients = set(
            conn.execute(
                select(repair_deliveries.c.recipient).where(
                    repair_deliveries.c.application_id == refused
                )
            ).scalars()
        )
        steps = list(
            conn.execute(
                select(case_events.c.event)
                .where(case_events.c.application_id == refused)
                .order_by(case_events.c.id)
            ).scalars()
        )
        assert entry_status(conn, entry) == ("removed", "repair")
        assert len(history(conn, rid)) == 1  # repair changes no content
    assert app is not None and app.status == "approved" and "异议成立" in (app.reasons or "")
    assert repaired_on == day
    assert recipients == {"province:31", "province:32", "province:33", "province:34"}
    assert steps == ["approved", "effects_applied"]
    assert not flag(world)
    assert rid not in file_marks(world, Audience.PUBLIC, day)


def test_upholding_a_refusal_changes_nothing_else(world: World) -> None:
    rid = world.records["penalty"]
    with transaction(world.engine) as conn:
        refused = refused_application(conn, world, rid)
    made = file(world, ground="repair_decision", repair_id=refused, statement="不服")
    decide(world, made.id, outcome="uphold", reasons="最短公示期未满，维持不予修复")
    with world.engine.connect() as conn:
        app = applications.get_application(conn, refused)
        assert (
            conn.execute(select(records.c.repaired_on).where(records.c.id == rid)).scalar() is None
        )
    assert app is not None and app.status == "refused"
    assert count(world, repair_deliveries) == 0


# --- progress and listings ---------------------------------------------------------------------


def test_progress_by_query_code_shows_no_identifiers(world: World) -> None:
    made = file(world, principal=world.rep_me, party="standing", party_name=REP_NAME)
    decide(world, made.id, dt.date(2026, 6, 2), outcome="uphold", reasons="法定代表人登记无误")
    typed = made.query_code.lower().replace("-", " ")
    with world.engine.connect() as conn:
        found = objection_progress(
            conn, typed, clock=at(TODAY), settings=world.settings, standard=world.standard
        )
        for bad in (
            "",
            "YY-0000-0000-0000",
            "XF" + made.query_code[2:],
            "'; DROP TABLE x",
            "é" * 99,
        ):
            assert (
                objection_progress(
                    conn, bad, clock=at(TODAY), settings=world.settings, standard=world.standard
                )
                is None
            )
    assert found is not None
    assert found.status == "upheld" and found.record_kind_zh == "行政处罚"
    assert found.subject_name == "上海测试信用科技有限公司"
    assert found.authority == "上海市市场监督管理局" and found.authority_province == "上海市"
    assert [s.event for s in found.steps] == ["filed", "upheld"]
    assert found.due_on == dt.date(2026, 6, 15) and found.decided_on == dt.date(2026, 6, 2)
    shown = json.dumps(dataclasses.asdict(found), ensure_ascii=False, default=str)
    for secret in (
        world.company_uscc,
        made.query_code,
        made.filed_by,
        REP_NAME,
        REP_ID,
        "account:",
        "key:",
        made.statement,
        f'"{world.records["penalty"]}"',
    ):
        assert secret not in shown


def test_a_persons_name_is_masked_in_progress(world: World) -> None:
    from credit_yrd.store.records import append_version
    from tests.ledger.conftest import penalty

    with transaction(world.engine) as conn:
        rid = append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="person",
            subject_id=world.rep,
            content=penalty("63", "2026-03-01", CF_XDR_MC=REP_NAME, CF_XDR_LB="自然人"),
            clock=at(TODAY),
        ).record_id
    made = file(world, record_id=rid, principal=world.rep_me)
    with world.engine.connect() as conn:
        found = objection_progress(
            conn, made.query_code, clock=at(TODAY), settings=world.settings, standard=world.standard
        )
    assert found is not None and found.subject_name == "李**"


def test_the_filer_lists_its_own_objections(world: World) -> None:
    own = file(world)
    rep = file(world, principal=world.rep_me, party="standing", party_name=REP_NAME)
    with world.engine.connect() as conn:
        assert [o.id for o in objections_for_filer(conn, world.me)] == [own.id]
        assert [o.id for o in objections_for_filer(conn, world.rep_me)] == [rep.id]
        assert objections_for_filer(conn, world.js_me) == []
        assert [o.id for o in objections_of_subject(conn, world.company)] == [rep.id, own.id]
