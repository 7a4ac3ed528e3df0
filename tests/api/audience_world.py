"""An app over the ledger's small region, with callers of every audience (fixture ``world``:
import ``world_fixture`` into a test module).

Accounts reach the API through the session cookie; the tests stand in for it by overriding
:func:`credit_yrd.api.deps.optional_principal` with the principal the cookie path produces
(:meth:`World.as_caller`). API keys are real keys made in the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from credit_yrd.api.app import create_app
from credit_yrd.api.deps import optional_principal
from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from tests.ledger.conftest import CLOCK, Region, build_region, insert_account

PROBLEM = "application/problem+json"
#: Account usernames by name (the principal's label is its account's username).
USERNAMES = {"own": "own", "person": "person", "bank": "bank-sh", "bank2": "bank-js"}


@dataclass
class World:
    client: TestClient
    app: FastAPI
    region: Region
    #: account ids by name: own (the company's subject account), person, bank, bank2
    accounts: dict[str, int] = field(default_factory=dict)
    #: API keys (plaintext) and their ids by name: office, office_sh, bank_key
    keys: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, int] = field(default_factory=dict)

    def as_caller(self, principal: Principal | None) -> None:
        """Every following request comes from ``principal`` (``None``: from no one in particular,
        i.e. the credentials the request carries)."""
        if principal is None:
            self.app.dependency_overrides.pop(optional_principal, None)
        else:
            self.app.dependency_overrides[optional_principal] = lambda: principal

    def subject(self, name: str = "own") -> Principal:
        subject_id = self.region.company_id if name == "own" else self.region.person_id
        return Principal(
            role=Role.SUBJECT,
            key_id=None,
            label=name,
            account_id=self.accounts[name],
            subject_id=subject_id,
        )

    def bank(self, name: str = "bank") -> Principal:
        return Principal(
            role=Role.MARKET_INSTITUTION,
            key_id=None,
            label=USERNAMES[name],
            account_id=self.accounts[name],
        )

    def department(self, domain: str, province: str = "31") -> Principal:
        return Principal(
            role=Role.DEPARTMENT,
            key_id=None,
            label=f"dept-{domain}",
            province=province,
            domain=domain,
            account_id=999,
        )


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(name="world")
def world_fixture(database_url: str, tmp_path: Path) -> Iterator[World]:
    engine = init_store(database_url)
    region = build_region(engine)
    accounts: dict[str, int] = {}
    keys: dict[str, str] = {}
    key_ids: dict[str, int] = {}
    with transaction(engine) as conn:
        for name, role, subject_id in (
            ("own", "subject", region.company_id),
            ("person", "subject", region.person_id),
            ("bank", "market_institution", None),
            ("bank2", "market_institution", None),
        ):
            accounts[name] = insert_account(conn, USERNAMES[name], role, subject_id=subject_id)
        for name, role, province in (
            ("office", "credit_office", None),
            ("office_sh", "credit_office", "31"),
            ("bank_key", "market_institution", None),
        ):
            key_ids[name], keys[name] = create_key(
                conn, role=role, label=f"测试 {name}", province=province, clock=CLOCK
            )
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    app.state.clock = CLOCK
    with TestClient(app) as client:
        yield World(client, app, region, accounts, keys, key_ids)
