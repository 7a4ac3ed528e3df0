"""Portal fixtures: the ledger's small region (a Shanghai company with penalties in and out of
their publication windows, a natural person whose ID number sits in free text), one account per
role, a Shanghai batch with a rejected row, and an app on it standing on the ledger's day."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credit_yrd.api.app import create_app
from credit_yrd.auth import create_account, password_hasher
from credit_yrd.ids import resident_id
from credit_yrd.ingest import context_for, ingest_file
from credit_yrd.ingest.receipt import Receipt
from credit_yrd.search.index import index_subjects
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.web.render import CONTENT_SECURITY_POLICY
from tests.api.penalty_csv import FILE_NAME, penalty_csv, penalty_row
from tests.ingest.builders import TEST_KEY
from tests.ledger.conftest import CLOCK, Region, build_region

PASSWORD = "长三角-Portal-2026"
#: username → (role, scope)
ACCOUNTS: dict[str, tuple[str, dict[str, str]]] = {
    "office": ("credit_office", {}),
    "dept_sh": ("department", {"province": "31", "domain": "market_regulation"}),
    "source_sh": ("data_source", {"source": "shanghai"}),
    "bank": ("market_institution", {}),
    "company": ("subject", {}),
}

_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def unmasked_ids(text: str) -> list[str]:
    """Every valid 18-character resident ID number in ``text``."""
    return [m for m in _ID_SHAPE.findall(text) if resident_id.is_valid(m)]


def portal_settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        secret_key=TEST_KEY,
        password_hash_cost="fast",
        # No background worker racing the tests: they run its steps themselves.
        worker_interval_seconds=0,
    )


def add_accounts(conn, subject_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    made = {}
    for username, (role, scope) in ACCOUNTS.items():
        extra = dict(scope)
        made[username] = create_account(
            conn,
            username=username,
            password=PASSWORD,
            role=role,
            display_name=f"测试 {username}",
            subject_id=subject_id if role == "subject" else None,
            clock=CLOCK,
            hasher=password_hasher("fast"),
            **extra,
        )
    return made


def assert_page(response, status: int = 200) -> str:  # type: ignore[no-untyped-def]
    """The page's HTML, after checking what every page must be: the status, HTML with the
    portal's security policy, a viewport and a skip link, and no resident ID number in clear."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    text = response.text
    assert not unmasked_ids(text), unmasked_ids(text)
    assert '<meta name="viewport"' in text
    assert 'class="skip" href="#main"' in text
    return text


@dataclass
class Portal:
    client: TestClient
    region: Region
    batch: Receipt
    accounts: dict[str, int] = field(default_factory=dict)

    def login(self, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
        page = self.client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', page.text)
        assert token, page.text
        return self.client.post(
            "/login",
            data={
                "login_token": token.group(1),
                "username": username,
                "password": password,
                **extra,
            },
            follow_redirects=False,
        )

    def csrf(self, path: str = "/") -> str:
        page = self.client.get(path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, "no CSRF token on the page: not logged in?"
        return found.group(1)


@pytest.fixture
def portal(database_url: str, tmp_path: Path) -> Iterator[Portal]:
    engine = init_store(database_url)
    region = build_region(engine)
    settings = portal_settings(tmp_path, database_url)
    with transaction(engine) as conn:
        index_subjects(conn, [region.company_id])  # written straight to the store, not ingested
        made = add_accounts(conn, region.company_id)
    upload = tmp_path / FILE_NAME
    upload.write_bytes(penalty_csv([penalty_row(1), penalty_row(2, bad_check=True)]))
    receipt = ingest_file(context_for(engine, "shanghai", settings=settings, clock=CLOCK), upload)
    engine.dispose()
    app = create_app(settings)
    app.state.clock = CLOCK
    with TestClient(app) as client:
        yield Portal(client, region, receipt, made)
