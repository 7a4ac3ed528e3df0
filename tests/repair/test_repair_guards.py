"""Guards around an approval: listings still pending that rest on the repaired record are
withdrawn and never listed (一处修复、处处修复), an approval re-reads its target and is refused
when the record or listing changed meanwhile, and a withdrawn objection is not counted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from credit_yrd.checks.engine import load_snapshot
from credit_yrd.clock import FixedClock
from credit_yrd.lists import lifecycle
from credit_yrd.lists.entries import Entry
from credit_yrd.repair import applications as apps
from credit_yrd.repair import figures, objections
from credit_yrd.repair.errors import TargetChanged
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import (
    case_events,
    list_entries,
    list_events,
    records,
    repair_applications,
    repair_deliveries,
)
from tests.repair.conftest import CLOCK, World, docs

AFTER_WINDOW = FixedClock(dt.date(2026, 12, 1))


def propose_on_old(world: World) -> Entry:
    """A second listing, proposed today (objection window open), resting on the old penalty."""
    with transaction(world.engine) as conn:
        return lifecycle.propose(
            conn,
            standard=world.standard,
            clock=CLOCK,
            principal=world["sh_tax"],
            list_code="major_tax_violation",
            subject_id=world.company,
            reason="重大税收违法失信",
            legal_basis="《重大税收违法失信主体信息公布管理办法》",
            basis_record_id=world.records["old"],
            ends_on=dt.date(2028, 1, 1),
        )


def apply_old(world: World) -> apps.Application:
    with transaction(world.engine) as conn:
        return apps.apply(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            target="record",
            record_id=world.records["old"],
            corrected="罚款已缴清并完成整改",
            documents=docs(),
        )


def decide(world: World, app_id: int, approve: bool, reasons: str = "") -> apps.Application:
    with transaction(world.engine) as conn:
        return apps.decide(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world["sh_amr"],
            application_id=app_id,
            approve=approve,
            reasons=reasons,
        )


def last_step(world: World, entry_id: int) -> tuple[str, dict[str, object]]:
    with world.engine.connect() as conn:
        row = conn.execute(
            select(list_events.c.event, list_events.c.detail)
            .where(list_events.c.entry_id == entry_id)
            .order_by(list_events.c.id.desc())
            .limit(1)
        ).one()
    return row.event, dict(row.detail)


def status_of(world: World, entry_id: int) -> str:
    with world.engine.connect() as conn:
        return str(
            conn.execute(
                select(list_entries.c.status).where(list_entries.c.id == entry_id)
            ).scalar_one()
        )


def indexed_entry_ids(world: World) -> set[int]:
    with world.engine.connect() as conn:
        snapshot = load_snapshot(conn, world.standard)
    return {e.id for s in snapshot.by_uscc.values() for e in s.entries}


def test_approval_withdraws_pending_listings_resting_on_the_record(world: World) -> None:
    proposed = propose_on_old(world)
    objected = propose_on_old_by_other_list(world)
    with transaction(world.engine) as conn:
        lifecycle.object_to(
            conn,
            clock=CLOCK,
            principal=world.subject(),
            entry_id=objected.id,
            reason="罚款已缴清",
            standard=world.standard,
        )
    assert proposed.status == "proposed" and status_of(world, objected.id) == "objected"

    app = apply_old(world)
    decide(world, app.id, approve=True)

    for entry_id, was in ((proposed.id, "proposed"), (objected.id, "objected")):
        assert status_of(world, entry_id) == "withdrawn"
        event, detail = last_step(world, entry_id)
        assert event == "withdrawn"
        assert detail["reason"] == "repair" and detail["was"] == was
        assert "信用修复" in str(detail["note"])
    assert status_of(world, world.entry) == "removed"  # the listed one, as before

    # Past the objection window the periodic step lists nothing: the check index never has them.
    with transaction(world.engine) as conn:
        done = lifecycle.advance(conn, clock=AFTER_WINDOW, standard=world.standard)
    assert done["listed"] == 0
    assert status_of(world, proposed.id) == "withdrawn"
    assert not {proposed.id, objected.id, world.entry} & indexed_entry_ids(world)


def propose_on_old_by_other_list(world: World) -> Entry:
    with transaction(world.engine) as conn:
        return lifecycle.propose(
            conn,
            standard=world.standard,
            clock=CLOCK,
            principal=world["sh_amr"],
            list_code="food_drug",
            subject_id=world.company,
            reason="食品安全严重违法",
            legal_basis="《食品安全法》",
            basis_record_id=world.records["old"],
            ends_on=dt.date(2028, 1, 1),
        )


def test_advance_never_lists_a_proposal_whose_record_is_repaired(world: World) -> None:
    proposed = propose_on_old(world)
    # The record was repaired by a path that did not take the proposal off (the second guard).
    with transaction(world.engine) as conn:
        conn.execute(
            update(records)
            .where(records.c.id == world.records["old"])
            .values(repaired_on=CLOCK.today(), public_state="repaired")
        )
    with transaction(world.engine) as conn:
        done = lifecycle.advance(conn, clock=AFTER_WINDOW, standard=world.standard)
    assert done == {"listed": 0, "expired": 0, "withdrawn": 1}
    assert status_of(world, proposed.id) == "withdrawn"
    event, detail = last_step(world, proposed.id)
    assert event == "withdrawn" and detail["reason"] == "repair"
    assert proposed.id not in indexed_entry_ids(world)
    with transaction(world.engine) as conn:  # idempotent
        again = lifecycle.advance(conn, clock=AFTER_WINDOW, standard=world.standard)
    assert again == {"listed": 0, "expired": 0, "withdrawn": 0}


def test_approval_is_refused_once_the_record_was_withdrawn(world: World) -> None:
    app = apply_old(world)
    with transaction(world.engine) as conn:
        made = objections.file_objection(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            record_id=world.records["old"],
            ground="content",
            statement="该处罚并非本企业",
        )
        objections.decide_objection(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world["sh_amr"],
            objection_id=made.id,
            outcome="withdraw_record",
            reasons="当事人认定错误",
        )
    with pytest.raises(TargetChanged) as caught:
        decide(world, app.id, approve=True)
    assert caught.value.status == 409
    assert "withdrawn" in caught.value.message_en and "撤销" in caught.value.message_zh
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(repair_deliveries)).scalar() == 0
        row = conn.execute(
            select(records.c.repaired_on, records.c.public_state).where(
                records.c.id == world.records["old"]
            )
        ).one()
        assert row.repaired_on is None and row.public_state != "repaired"
        assert (
            conn.execute(
                select(repair_applications.c.status).where(repair_applications.c.id == app.id)
            ).scalar()
            == "submitted"
        )
        assert not conn.execute(
            select(case_events.c.id).where(
                case_events.c.application_id == app.id, case_events.c.event == "approved"
            )
        ).first()
    # A refusal is still allowed.
    refused = decide(world, app.id, approve=False, reasons="该信息已撤销，无需修复")
    assert refused.status == "refused"


def test_approval_of_a_listing_no_longer_listed_is_refused(world: World) -> None:
    with transaction(world.engine) as conn:
        app = apps.apply(
            conn,
            clock=FixedClock(dt.date(2027, 9, 13)),
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            target="listing",
            entry_id=world.entry,
            corrected="已整改",
            documents=docs(),
        )
        lifecycle.remove_for_repair(
            conn,
            clock=FixedClock(dt.date(2027, 9, 13)),
            entry_id=world.entry,
            actor="test",
            note="另案修复",
            standard=world.standard,
        )
    with pytest.raises(TargetChanged, match="no longer listed"):
        decide(world, app.id, approve=True)


def test_a_withdrawn_objection_is_not_counted(world: World) -> None:
    def counted() -> int:
        with world.engine.connect() as conn:
            found = figures.repair_figures(
                conn, clock=CLOCK, settings=world.settings, province="31"
            )
        return int(found["region"]["objections"])

    assert counted() == 0
    with transaction(world.engine) as conn:
        made = objections.file_objection(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            record_id=world.records["old"],
            ground="content",
            statement="罚款金额登记有误",
        )
    assert counted() == 1
    with transaction(world.engine) as conn:
        objections.withdraw_objection(
            conn, clock=CLOCK, principal=world.subject(), objection_id=made.id
        )
    assert counted() == 0
