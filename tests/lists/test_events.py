"""The public change feed shows listed, extended, removed and withdrawn-after-listing steps, by
cursor, never proposals, objections, answers or withdrawn proposals."""

from __future__ import annotations

import datetime as dt

from credit_yrd.lists import lifecycle
from credit_yrd.lists.events import changes, is_public
from credit_yrd.store.engine import transaction
from tests.lists.conftest import TODAY, World, clock_on


def test_only_public_steps_by_cursor(world: World) -> None:
    with transaction(world.engine) as conn:

        def propose(who, code, subject, **kw):
            return lifecycle.propose(
                conn,
                standard=world.standard,
                clock=clock_on(TODAY),
                principal=who,
                list_code=code,
                subject_id=subject,
                reason="事由",
                legal_basis="依据",
                **kw,
            )

        court = propose(world.sh_court, "judgment_defaulter", world.person)  # listed at once
        dropped = propose(world.sh_amr, "market_serious_violation", world.company)
        objected = propose(world.sh_amr, "market_serious_violation", world.js_company)
        lifecycle.withdraw(
            conn,
            clock=clock_on(TODAY),
            principal=world.sh_amr,
            entry_id=dropped.id,
            note="撤回拟列入",
        )
        lifecycle.object_to(
            conn,
            clock=clock_on(TODAY),
            principal=world.subject(world.js_company),
            entry_id=objected.id,
            reason="异议",
        )
        lifecycle.answer_objection(
            conn,
            clock=clock_on(TODAY),
            principal=world.sh_amr,
            entry_id=objected.id,
            upheld=True,
            reply="维持",
        )
        lifecycle.extend(
            conn,
            clock=clock_on(TODAY),
            principal=world.sh_court,
            entry_id=court.id,
            new_ends_on=dt.date(2029, 11, 26),
            note="延长",
        )
        lifecycle.withdraw(
            conn,
            clock=clock_on(TODAY),
            principal=world.sh_office,
            entry_id=objected.id,
            note="认定错误",
        )
        page = changes(conn, after=0)
        shown = [(c.event, c.entry_id) for c in page.changes]
        assert shown == [
            ("listed", court.id),
            ("listed", objected.id),
            ("extended", court.id),
            ("withdrawn", objected.id),
        ]
        person = page.changes[0]
        assert person.subject_name == "王**" and person.uscc is None
        assert page.changes[2].ends_on == dt.date(2029, 11, 26)
        # Page by page with the cursor, and an empty page keeps it.
        first = changes(conn, after=0, limit=1)
        second = changes(conn, after=first.next_after, limit=3)
        assert [c.id for c in first.changes + second.changes] == [c.id for c in page.changes]
        last = changes(conn, after=page.next_after)
        assert last.changes == [] and last.next_after == page.next_after
        only = changes(conn, after=0, list_code="judgment_defaulter")
        assert {c.entry_id for c in only.changes} == {court.id}


def test_is_public() -> None:
    assert is_public("listed", {}) and is_public("extended", None)
    assert not is_public("proposed", {}) and not is_public("objected", {})
    assert not is_public("objection_answered", {"upheld": True})
    assert is_public("withdrawn", {"after_listing": True})
    assert not is_public("withdrawn", {"after_listing": False})
    assert not is_public("removed", {"first_seen": True})
