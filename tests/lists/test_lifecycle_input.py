"""Free text and dates of the lifecycle steps: control characters (NUL above all, which
PostgreSQL cannot store) and a last day far in the future are refused, field named, before
anything is written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from credit_yrd.lists import lifecycle
from credit_yrd.lists.errors import InvalidListInput
from credit_yrd.store.schema import list_entries, list_events
from tests.lists.conftest import TODAY, World, department
from tests.lists.test_lifecycle import advance, entry, propose, step

BAD_TEXTS = ("坏\x00事由", "bell\x07", "right\u202eto left", "esc\x1b[31m")


def _counts(world: World) -> tuple[int, int]:
    with world.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(list_entries)).scalar_one(),
            conn.execute(select(func.count()).select_from(list_events)).scalar_one(),
        )


@pytest.mark.parametrize("field", ["reason", "legal_basis", "decision_number"])
@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_a_proposal_with_control_characters_is_refused(world: World, field: str, bad: str) -> None:
    with pytest.raises(InvalidListInput) as refused:
        propose(world, **{field: bad})
    assert refused.value.field == field
    assert "控制字符" in str(refused.value) and "control" in str(refused.value)
    assert _counts(world) == (0, 0)


def test_line_breaks_and_tabs_in_a_reason_are_kept(world: World) -> None:
    made = propose(world, reason="第一条\n第二条\t附表", decision_number="沪市监\t2026 第 1 号")
    assert made.reason == "第一条\n第二条\t附表"
    assert made.decision_number == "沪市监 2026 第 1 号"


def test_every_later_step_refuses_control_characters_and_changes_nothing(world: World) -> None:
    made = propose(world)
    subject = world.subject(world.company)
    with pytest.raises(InvalidListInput) as objected:
        step(world, lifecycle.object_to, principal=subject, entry_id=made.id, reason="异议\x00")
    assert objected.value.field == "reason"
    step(world, lifecycle.object_to, principal=subject, entry_id=made.id, reason="并无此事")
    with pytest.raises(InvalidListInput) as answered:
        step(
            world,
            lifecycle.answer_objection,
            principal=world.sh_amr,
            entry_id=made.id,
            upheld=True,
            reply="维持\x00",
        )
    assert answered.value.field == "reply"
    assert entry(world, made.id).status == "objected"
    step(
        world,
        lifecycle.answer_objection,
        principal=world.sh_amr,
        entry_id=made.id,
        upheld=True,
        reply="经核实维持",
    )
    before = _counts(world)
    with pytest.raises(InvalidListInput) as removed:
        step(
            world,
            lifecycle.remove,
            principal=world.sh_amr,
            entry_id=made.id,
            reason="performance",
            note="n\x00",
        )
    assert removed.value.field == "note"
    with pytest.raises(InvalidListInput) as withdrawn:
        step(world, lifecycle.withdraw, principal=world.sh_amr, entry_id=made.id, note="\x1b")
    assert withdrawn.value.field == "note"
    assert _counts(world) == before and entry(world, made.id).status == "listed"


def test_an_extension_note_with_control_characters_is_refused(world: World) -> None:
    made = propose(world, who=world.sh_court, list_code="judgment_defaulter")
    assert made.ends_on is not None
    with pytest.raises(InvalidListInput) as extended:
        step(
            world,
            lifecycle.extend,
            principal=world.sh_court,
            entry_id=made.id,
            new_ends_on=made.ends_on.replace(year=made.ends_on.year + 2),
            note="延期\x00",
        )
    assert extended.value.field == "note"
    assert entry(world, made.id).ends_on == made.ends_on


def test_a_last_day_beyond_a_hundred_years_is_refused(world: World) -> None:
    science = department(8, "34", "science_technology", "安徽省科学技术厅")
    for far in (dt.date(9999, 12, 31), dt.date(2126, 12, 8)):
        with pytest.raises(InvalidListInput, match="100") as refused:
            propose(
                world,
                who=science,
                list_code="research_integrity",
                legal_basis="《科研失信行为调查处理规则》",
                ends_on=far,
            )
        assert refused.value.field == "ends_on"
    assert _counts(world) == (0, 0)
    # The window of research_integrity is ten days: the listing takes effect on 2026-12-08, and a
    # life-long decision may run to the day before its hundredth anniversary.
    made = propose(
        world,
        who=science,
        list_code="research_integrity",
        legal_basis="《科研失信行为调查处理规则》",
        ends_on=dt.date(2126, 12, 7),
    )
    advance(world, dt.date(2026, 12, 8))
    listed = entry(world, made.id)
    assert listed.status == "listed" and listed.ends_on == dt.date(2126, 12, 7)
    assert listed.listed_on > TODAY  # type: ignore[operator]
