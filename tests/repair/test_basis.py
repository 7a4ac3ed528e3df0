"""A listing names the record it rests on (``basis_record_id``): only the subject's own record, never
a repaired one; the API takes it; the lists' feed never puts a repaired entry back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from credit_yrd.lists import lifecycle
from credit_yrd.lists.errors import InvalidListInput
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import list_entries, records, subjects
from tests.repair.conftest import CLOCK, World
from tests.repair.test_repair_api import Api
from tests.repair.test_repair_api import api as api  # the API fixture


def _propose(world: World, basis: int) -> None:
    with transaction(world.engine) as conn:
        lifecycle.propose(
            conn,
            standard=world.standard,
            clock=CLOCK,
            principal=world["sh_amr"],
            list_code="market_serious_violation",
            subject_id=world.other,
            reason="严重违法失信行为",
            legal_basis="《市场监督管理严重违法失信名单管理办法》第二条",
            basis_record_id=basis,
        )


def test_the_basis_must_be_the_subjects_own_record(world: World) -> None:
    with pytest.raises(InvalidListInput) as caught:
        _propose(world, world.records["old"])  # the company's penalty, not the other's
    assert caught.value.field == "basis_record_id"
    with world.engine.connect() as conn:
        assert (
            conn.execute(
                select(list_entries.c.id).where(list_entries.c.subject_id == world.other)
            ).first()
            is None
        )


def test_a_repaired_record_cannot_ground_a_listing(world: World) -> None:
    with transaction(world.engine) as conn:
        conn.execute(
            update(records)
            .where(records.c.id == world.records["other"])
            .values(repaired_on=dt.date(2026, 9, 1))
        )
    with pytest.raises(InvalidListInput) as caught:
        _propose(world, world.records["other"])
    assert "已信用修复" in str(caught.value)


def test_the_api_takes_the_basis(api: Api) -> None:
    world = api.world
    with world.engine.connect() as conn:
        other_uscc = conn.execute(
            select(subjects.c.uscc).where(subjects.c.id == world.other)
        ).scalar_one()
    made = api.client.post(
        "/api/v1/listings",
        headers={"Authorization": f"Bearer {world.keys['sh_amr']}"},
        json={
            "list_code": "market_serious_violation",
            "subject": other_uscc,
            "reason": "严重违法失信行为",
            "legal_basis": "《市场监督管理严重违法失信名单管理办法》第二条",
            "basis_record_id": world.records["other"],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["entry"]["basis_record_id"] == world.records["other"]
