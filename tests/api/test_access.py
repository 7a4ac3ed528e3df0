"""Every route declares who may call it, and the app keeps its word: the walk below calls EVERY
``/api`` route of the app with EVERY role — anonymous, each key role by API key, each account role
by session cookie — and expects what the route's declaration says: a role it does not declare gets
401 without credentials and 403 with them; a declared role gets past the door (no 401, no 403, no
5xx). A route added later is walked too, and fails the walk until it has a sample request here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from credit_yrd.api.access import Role, allow, check_routes_declared, route_roles
from credit_yrd.api.app import create_app
from credit_yrd.auth.accounts import create_account, password_hasher
from credit_yrd.auth.api_keys import KEY_ROLES, create_key
from credit_yrd.auth.sessions import SESSION_COOKIE
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import ACCOUNT_ROLES
from credit_yrd.store.subjects import upsert_legal_subject


def api_routes(app: FastAPI) -> list[tuple[str, frozenset[str], APIRoute]]:
    """Every API route of ``app`` as (full path, methods, route), routers included.

    FastAPI ≥ 0.16x keeps included routers as one lazy entry in ``app.routes``; walking the route
    contexts is what the OpenAPI schema does too.
    """
    return [
        (ctx.path, frozenset(ctx.methods or ()), ctx.original_route)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute) and ctx.path.startswith("/api")
    ]


APP = create_app()
CLIENT = TestClient(APP, raise_server_exceptions=False)
API_ROUTES = api_routes(APP)

#: The account the login sample logs in with; every walked store has it.
WALK_USER = "walk-login"
WALK_PASSWORD = "walk-the-routes-2026"
#: The market institution every walked store has, for the subject's authorisation sample.
WALK_BANK = "walk-bank"
FAST = password_hasher("fast")

#: A repair application and an added document as multipart/form-data (record 1: unknown).
REPAIR_FORM = (
    b'--walkboundary\r\nContent-Disposition: form-data; name="target"\r\n\r\nrecord\r\n'
    b'--walkboundary\r\nContent-Disposition: form-data; name="record_id"\r\n\r\n1\r\n'
    b'--walkboundary\r\nContent-Disposition: form-data; name="corrected"\r\n\r\nwalk\r\n'
    b"--walkboundary--\r\n"
)
REPAIR_DOCUMENT_FORM = (
    b'--walkboundary\r\nContent-Disposition: form-data; name="kind"\r\n\r\nother\r\n'
    b'--walkboundary\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
    b"Content-Type: application/pdf\r\n\r\n%PDF-1.7 walk\r\n"
    b"--walkboundary--\r\n"
)

# A harmless, valid request for each route (path parameters filled in, bodies where needed).
SAMPLES: dict[tuple[str, str], dict] = {
    ("GET", "/api/v1/health"): {},
    ("GET", "/api/v1/ids/check"): {"params": {"code": "913205836000373417"}},
    ("POST", "/api/v1/ids/check"): {"json": {"codes": ["913205836000373417"]}},
    ("GET", "/api/v1/standard"): {},
    ("GET", "/api/v1/standard/record-kinds/{code}"): {"code": "penalty"},
    ("GET", "/api/v1/standard/code-lists/{code}"): {"code": "penalty_type"},
    ("GET", "/api/v1/standard/rule-tables/{code}"): {"code": "penalty_publication"},
    ("POST", "/api/v1/standard/record-kinds/{code}/publication-window"): {
        "code": "penalty",
        "params": {"on": "2026-06-01"},
        "json": {"CF_CFLB": "罚款", "CF_JDRQ": "2026-05-01", "CF_NR_FK": "1"},
    },
    # A file name the mapping does not know: refused (422) before anything is read or stored.
    ("POST", "/api/v1/sources/{source}/batches"): {
        "source": "shanghai",
        "params": {"file_name": "sample.csv"},
        "content": b"a,b\n1,2\n",
        "headers": {"Content-Type": "text/csv"},
    },
    ("GET", "/api/v1/sources/{source}/batches"): {"source": "shanghai"},
    ("GET", "/api/v1/batches/{batch_id}"): {"batch_id": "1"},
    ("GET", "/api/v1/batches/{batch_id}/quarantine"): {"batch_id": "1"},
    # Credit files and records: unknown on an empty store (404); authorities state a purpose.
    ("GET", "/api/v1/subjects/{code}"): {
        "code": "913205836000373417",
        "params": {"purpose": "walk"},
    },
    ("GET", "/api/v1/records/{record_id}"): {"record_id": "1", "params": {"purpose": "walk"}},
    ("GET", "/api/v1/records/{record_id}/versions"): {
        "record_id": "1",
        "params": {"purpose": "walk"},
    },
    ("GET", "/api/v1/audit"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/search"): {"params": {"q": "华信", "province": "32", "limit": "5"}},
    ("GET", "/api/v1/sources"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/sources/{code}"): {"code": "shanghai"},
    # The data_source key of the walk is Shanghai's (31); the credit office's is regional.
    ("GET", "/api/v1/changes"): {"params": {"province": "31", "limit": "5"}},
    # Logging in, out, and who am I. Logout is walked last (see walk_order).
    ("POST", "/api/v1/session"): {"json": {"username": WALK_USER, "password": WALK_PASSWORD}},
    ("DELETE", "/api/v1/session"): {},
    ("GET", "/api/v1/me"): {},
    # A subject's own file, its readers and its authorisations; an institution's authorisations.
    ("GET", "/api/v1/me/file"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/me/access-log"): {"params": {"limit": "5"}},
    ("POST", "/api/v1/me/authorisations"): {
        "json": {
            "username": WALK_BANK,
            "purpose": "walk",
            "expires_at": (SYSTEM_CLOCK.now() + dt.timedelta(days=30)).isoformat(),
        }
    },
    ("GET", "/api/v1/me/authorisations"): {},
    ("DELETE", "/api/v1/me/authorisations/{authorisation_id}"): {"authorisation_id": "1"},
    ("GET", "/api/v1/authorisations"): {},
    # Red and black lists: the public catalogue, entries and change feed; a department's proposal
    # (a subject the key walk's store lacks: 404; the session walk's store has it: 201) and its
    # steps on entry 1 (wrong state: 409, or done); the subject's notices and objection.
    ("GET", "/api/v1/lists"): {},
    ("GET", "/api/v1/lists/changes"): {"params": {"after": "0", "limit": "5"}},
    ("GET", "/api/v1/lists/{code}"): {"code": "judgment_defaulter"},
    ("GET", "/api/v1/lists/{code}/entries"): {
        "code": "judgment_defaulter",
        "params": {"limit": "5"},
    },
    ("POST", "/api/v1/listings"): {
        "json": {
            "list_code": "market_serious_violation",
            "subject": "913205836000373417",
            "reason": "walk",
            "legal_basis": "walk",
        }
    },
    ("GET", "/api/v1/listings"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/listings/{entry_id}"): {"entry_id": "1"},
    ("POST", "/api/v1/listings/{entry_id}/answer"): {
        "entry_id": "1",
        "json": {"upheld": True, "reply": "walk"},
    },
    ("POST", "/api/v1/listings/{entry_id}/remove"): {
        "entry_id": "1",
        "json": {"reason": "repair", "note": "walk"},
    },
    ("POST", "/api/v1/listings/{entry_id}/extend"): {
        "entry_id": "1",
        "json": {"new_ends_on": "2031-01-01", "note": "walk"},
    },
    ("POST", "/api/v1/listings/{entry_id}/withdraw"): {"entry_id": "1", "json": {"note": "walk"}},
    ("GET", "/api/v1/me/listings"): {},
    ("POST", "/api/v1/me/listings/{entry_id}/objection"): {
        "entry_id": "1",
        "json": {"reason": "walk"},
    },
    # The check: financing_credit is the scenario every checking role (market institutions too)
    # may use; a check id nobody logged answers 404.
    ("POST", "/api/v1/checks"): {
        "json": {"codes": ["913205836000373417"], "scenario": "financing_credit"}
    },
    ("GET", "/api/v1/checks/{check_id}"): {"check_id": "1"},
    # Joint measures: the public catalogue; a department's subscriptions (pull, no webhook) and
    # actions (none on an empty store: 404); the credit office's figures.
    ("GET", "/api/v1/measures"): {"params": {"scenario": "government_procurement"}},
    ("GET", "/api/v1/subscriptions"): {},
    ("POST", "/api/v1/subscriptions"): {"json": {"scenarios": ["awards_honours"]}},
    ("PATCH", "/api/v1/subscriptions/{subscription_id}"): {
        "subscription_id": "1",
        "json": {"scenarios": ["awards_honours", "market_access"]},
    },
    ("DELETE", "/api/v1/subscriptions/{subscription_id}"): {"subscription_id": "999"},
    ("GET", "/api/v1/actions"): {"params": {"after": "0", "limit": "5"}},
    ("GET", "/api/v1/actions/{action_id}"): {"action_id": "1"},
    ("POST", "/api/v1/actions/{action_id}/feedback"): {
        "action_id": "1",
        "json": {"outcome": "applied"},
    },
    ("GET", "/api/v1/joint/figures"): {"params": {"on": "2026-11-27"}},
    # Publication windows: the job's runs (credit offices); a deadline in working days (public).
    ("GET", "/api/v1/publication/runs"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/calendar/deadline"): {"params": {"start": "2026-09-28", "days": "10"}},
    # Objections: filing about record 1 (none on an empty store: 404), the filer's list or the
    # handler's queue, one case, withdrawal and decision of objection 1 (404), the public
    # progress of a code nobody holds (404).
    ("POST", "/api/v1/objections"): {
        "json": {"record_id": 1, "ground": "content", "statement": "walk"}
    },
    ("GET", "/api/v1/objections"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/objections/{objection_id}"): {"objection_id": "1"},
    ("POST", "/api/v1/objections/{objection_id}/withdraw"): {"objection_id": "1"},
    ("POST", "/api/v1/objections/{objection_id}/decision"): {
        "objection_id": "1",
        "json": {"outcome": "uphold", "reasons": "walk"},
    },
    ("GET", "/api/v1/objections/progress/{query_code}"): {"query_code": "YY-2222-3333-4444"},
    # Credit repair: applying for record 1 (none on an empty store: 404) as multipart/form-data,
    # the applicant's list or the handler's queue, application 1 and its document 1 (404), its
    # steps (404), the public progress of a code nobody holds (404), the figures; the pull of
    # repair deliveries, a province's push address (set to pull), the notices.
    ("POST", "/api/v1/repairs"): {
        "content": REPAIR_FORM,
        "headers": {"Content-Type": "multipart/form-data; boundary=walkboundary"},
    },
    ("GET", "/api/v1/repairs"): {"params": {"limit": "5"}},
    ("GET", "/api/v1/repairs/{application_id}"): {"application_id": "1"},
    ("GET", "/api/v1/repairs/{application_id}/documents/{document_id}"): {
        "application_id": "1",
        "document_id": "1",
    },
    ("POST", "/api/v1/repairs/{application_id}/documents"): {
        "application_id": "1",
        "content": REPAIR_DOCUMENT_FORM,
        "headers": {"Content-Type": "multipart/form-data; boundary=walkboundary"},
    },
    ("POST", "/api/v1/repairs/{application_id}/accept"): {"application_id": "1"},
    ("POST", "/api/v1/repairs/{application_id}/decision"): {
        "application_id": "1",
        "json": {"approve": False, "reasons": "walk"},
    },
    ("POST", "/api/v1/repairs/{application_id}/withdraw"): {"application_id": "1"},
    ("GET", "/api/v1/repairs/progress/{query_code}"): {"query_code": "XF-2222-3333-4444"},
    ("GET", "/api/v1/repairs/figures"): {},
    ("GET", "/api/v1/repair-deliveries"): {"params": {"after": "0", "limit": "5"}},
    ("GET", "/api/v1/platforms/{province}/endpoint"): {"province": "31"},
    ("PUT", "/api/v1/platforms/{province}/endpoint"): {"province": "31", "json": {"url": None}},
    ("GET", "/api/v1/notices"): {"params": {"limit": "5"}},
    ("POST", "/api/v1/notices/{notice_id}/read"): {"notice_id": "1"},
}

#: Public routes whose sample names something an empty store does not hold: they answer 404.
UNKNOWN_ON_AN_EMPTY_STORE = {
    ("GET", "/api/v1/subjects/{code}"),
    ("GET", "/api/v1/records/{record_id}"),
    ("GET", "/api/v1/records/{record_id}/versions"),
    ("GET", "/api/v1/objections/progress/{query_code}"),
    ("GET", "/api/v1/repairs/progress/{query_code}"),
}


def call(
    client: TestClient,
    method: str,
    path: str,
    sample: dict,
    key: str | None = None,
    session: tuple[str, str] | None = None,
):
    """Call a route with its sample: anonymously, with an API key, or with a session
    ``(token, csrf_token)`` as a browser would (the cookie, and the CSRF header when unsafe)."""
    url = re.sub(r"\{(\w+)\}", lambda m: str(sample.get(m.group(1), "x")), path)
    headers = dict(sample.get("headers", {}))
    client.cookies.clear()  # what a sample's answer set (a login) is not the walker's
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    if session is not None:
        token, csrf = session
        client.cookies.set(SESSION_COOKIE, token)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            headers["X-CSRF-Token"] = csrf
    return client.request(
        method,
        url,
        params=sample.get("params"),
        json=sample.get("json"),
        content=sample.get("content"),
        headers=headers,
    )


def endpoints() -> list[tuple[str, str]]:
    return sorted((m, path) for path, methods, _ in API_ROUTES for m in methods)


#: Walked last: it ends the walker's session.
LOGOUT = ("DELETE", "/api/v1/session")


def walk_order() -> list[tuple[str, str]]:
    """Every endpoint, logout last."""
    return sorted(endpoints(), key=lambda e: (e == LOGOUT, e))


def sample_of(method: str, path: str) -> dict:
    assert (method, path) in SAMPLES, (
        f"new route {(method, path)}: add a sample request to this test"
    )
    return SAMPLES[(method, path)]


def declared(method: str, path: str) -> frozenset[Role]:
    route = next(r for p, m, r in API_ROUTES if p == path and method in m)
    roles = route_roles(route)
    assert roles is not None, f"{method} {path} declares no roles"
    return roles


def add_walk_accounts(conn) -> None:
    """The accounts every walked store holds: the login sample's, and the institution the
    subject's authorisation sample names."""
    for username in (WALK_USER, WALK_BANK):
        create_account(
            conn,
            username=username,
            password=WALK_PASSWORD,
            role=Role.MARKET_INSTITUTION,
            display_name=f"walk {username}",
            clock=SYSTEM_CLOCK,
            hasher=FAST,
        )


def test_walk_samples_name_only_routes_that_exist() -> None:
    stale = set(SAMPLES) - set(endpoints())
    assert not stale, f"samples for routes the app no longer has: {sorted(stale)}"


def test_the_walk_finds_every_documented_operation() -> None:
    documented = {
        (method.upper(), path)
        for path, operations in APP.openapi()["paths"].items()
        for method in operations
    }
    assert documented
    assert set(endpoints()) == documented
    assert ("GET", "/api/v1/health") in documented


@pytest.mark.parametrize("entry", API_ROUTES, ids=lambda e: f"{sorted(e[1])} {e[0]}")
def test_every_route_declares_roles(entry: tuple[str, frozenset[str], APIRoute]) -> None:
    path, _, route = entry
    roles = route_roles(route)
    assert roles, f"{path} declares no roles"
    assert roles <= set(Role)


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client of an app on an empty migrated store (public routes such as search read it)."""
    folder = tmp_path_factory.mktemp("anonymous")
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    engine = init_store(url)
    with transaction(engine) as conn:
        add_walk_accounts(conn)
    engine.dispose()
    app = create_app(Settings(data_dir=folder, database_url=url, password_hash_cost="fast"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("endpoint", endpoints(), ids=lambda e: f"{e[0]} {e[1]}")
def test_every_route_answers_each_role_as_declared(
    endpoint: tuple[str, str], anonymous: TestClient
) -> None:
    method, path = endpoint
    assert endpoint in SAMPLES, f"new route {endpoint}: add a sample request to this test"
    route = next(r for p, m, r in API_ROUTES if p == path and method in m)
    roles = route_roles(route)
    assert roles is not None
    response = call(anonymous, method, path, SAMPLES[endpoint])
    # Without a key a route answers iff it is open to the public.
    if Role.PUBLIC in roles:
        expected = 404 if endpoint in UNKNOWN_ON_AN_EMPTY_STORE else 200
        assert response.status_code == expected, response.text
    else:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")


KEY_SOURCES = {Role.DATA_SOURCE: "shanghai"}


def assert_answers_as_declared(response, method: str, path: str, role: Role, how: str) -> None:
    roles = declared(method, path)
    where = (method, path, role.value, how, response.status_code, response.text[:300])
    assert response.status_code < 500, where
    if Role.PUBLIC in roles or role in roles:
        assert response.status_code not in (401, 403), where
    else:
        assert response.status_code == 403, where
        assert response.headers["content-type"].startswith("application/problem+json"), where


def test_every_route_answers_keys_of_each_role_as_declared(
    database_url: str, tmp_path: Path
) -> None:
    """With a valid key of each key role: a declared role gets past the door (no 401, no 403);
    any other gets 403. Public routes answer every key."""
    engine = init_store(database_url)
    keys: dict[Role, str] = {}
    try:
        with transaction(engine) as conn:
            for role in KEY_ROLES:
                _, keys[role] = create_key(
                    conn,
                    role=role,
                    label=f"walk {role.value}",
                    source=KEY_SOURCES.get(role),
                    **(
                        {"province": "31", "domain": "market_regulation"}
                        if role is Role.DEPARTMENT
                        else {}
                    ),
                    clock=SYSTEM_CLOCK,
                )
            add_walk_accounts(conn)
    finally:
        engine.dispose()
    settings = Settings(data_dir=tmp_path, database_url=database_url, password_hash_cost="fast")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in walk_order():
            for role, key in keys.items():
                response = call(client, method, path, sample_of(method, path), key=key)
                assert_answers_as_declared(response, method, path, role, "api key")


#: What each account role stands for in the walk (a subject account needs a subject).
ACCOUNT_SCOPES: dict[Role, dict] = {
    Role.DEPARTMENT: {"province": "31", "domain": "market_regulation"},
    Role.CREDIT_OFFICE: {},
    Role.DATA_SOURCE: {"source": "shanghai"},
    Role.MARKET_INSTITUTION: {},
}


def account_store(database_url: str) -> None:
    """A migrated store with the walk's accounts and one account of each account role."""
    engine = init_store(database_url)
    try:
        with transaction(engine) as conn:
            add_walk_accounts(conn)
            subject_id = upsert_legal_subject(conn, "913205836000373417", "苏州华信科技有限公司")
            for value in ACCOUNT_ROLES:
                role = Role(value)
                create_account(
                    conn,
                    username=f"walk-{value.replace('_', '-')}",
                    password=WALK_PASSWORD,
                    role=role,
                    display_name=f"walk {value}",
                    clock=SYSTEM_CLOCK,
                    hasher=FAST,
                    **ACCOUNT_SCOPES.get(role, {"subject_id": subject_id}),
                )
    finally:
        engine.dispose()


def log_in_every_role(client: TestClient) -> dict[Role, tuple[str, str]]:
    """A session ``(token, csrf_token)`` per account role, through ``POST /api/v1/session``."""
    walkers: dict[Role, tuple[str, str]] = {}
    for value in ACCOUNT_ROLES:
        client.cookies.clear()
        login = client.post(
            "/api/v1/session",
            json={"username": f"walk-{value.replace('_', '-')}", "password": WALK_PASSWORD},
        )
        assert login.status_code == 200, login.text
        token = login.cookies.get(SESSION_COOKIE)
        assert token
        walkers[Role(value)] = (token, login.json()["csrf_token"])
    assert set(walkers) == set(Role) - {Role.PUBLIC}
    return walkers


def test_every_route_answers_sessions_of_each_role_as_declared(
    database_url: str, tmp_path: Path
) -> None:
    """Logged in through ``POST /api/v1/session`` as an account of each account role, as a
    browser: the cookie on every request, the CSRF header on unsafe ones."""
    account_store(database_url)
    settings = Settings(data_dir=tmp_path, database_url=database_url, password_hash_cost="fast")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        walkers = log_in_every_role(client)
        for method, path in walk_order():
            for role, session in walkers.items():
                response = call(client, method, path, sample_of(method, path), session=session)
                assert_answers_as_declared(response, method, path, role, "session")
        # The walk ended each session last of all: the cookie no longer holds.
        for session in walkers.values():
            assert call(client, "GET", "/api/v1/me", {}, session=session).status_code == 401


def test_a_cookie_caller_without_the_csrf_token_is_refused_on_every_unsafe_route(
    database_url: str, tmp_path: Path
) -> None:
    """Each declared role by cookie, without the CSRF header: every unsafe route that is not
    public answers 403 naming the header, and the session still holds for safe requests."""
    account_store(database_url)
    settings = Settings(data_dir=tmp_path, database_url=database_url, password_hash_cost="fast")
    checked = 0
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        walkers = log_in_every_role(client)
        for method, path in walk_order():
            roles = declared(method, path)
            if method == "GET" or Role.PUBLIC in roles:
                continue
            for role, (token, _) in walkers.items():
                if role not in roles:
                    continue
                response = call(client, method, path, sample_of(method, path), session=(token, ""))
                assert response.status_code == 403, (method, path, role, response.text)
                assert "X-CSRF-Token" in response.json()["detail"]
                checked += 1
        for token, _ in walkers.values():
            assert call(client, "GET", "/api/v1/me", {}, session=(token, "")).status_code == 200
    assert checked >= len(walkers)  # logout at least, for every role


def test_no_api_route_is_left_unguarded_by_a_mount() -> None:
    from starlette.routing import Mount

    assert not [r for r in APP.routes if isinstance(r, Mount) and r.path.startswith("/api")]


def tiny_app() -> FastAPI:
    app = FastAPI()
    router = APIRouter(prefix="/api")

    @router.get("/open", dependencies=[allow(Role.PUBLIC)])
    def open_() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/office", dependencies=[allow(Role.CREDIT_OFFICE, Role.DEPARTMENT)])
    def office() -> dict[str, str]:
        return {"secret": "office data"}

    @router.get("/mixed", dependencies=[allow(Role.PUBLIC, Role.SUBJECT)])
    def mixed() -> dict[str, str]:
        return {"ok": "mixed"}

    app.include_router(router)
    return app


def test_non_public_route_is_denied_by_default() -> None:
    app = tiny_app()
    check_routes_declared(app)
    client = TestClient(app)
    denied = client.get("/api/office")
    assert denied.status_code == 401
    assert "office data" not in denied.text
    assert client.get("/api/open").json() == {"ok": "yes"}
    assert client.get("/api/mixed").status_code == 200


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PUBLIC])
def test_each_non_public_role_alone_is_denied_anonymously(role: Role) -> None:
    app = FastAPI()

    @app.get("/api/only", dependencies=[allow(role)])
    def only() -> str:
        return "should not be seen"

    response = TestClient(app).get("/api/only")
    assert response.status_code == 401
    assert "should not be seen" not in response.text


def test_route_roles_reads_the_declaration() -> None:
    app = tiny_app()
    by_path = {path: route for path, _, route in api_routes(app)}
    assert route_roles(by_path["/api/office"]) == {Role.CREDIT_OFFICE, Role.DEPARTMENT}
    assert route_roles(by_path["/api/open"]) == {Role.PUBLIC}


def test_undeclared_route_added_to_the_app_is_refused() -> None:
    app = tiny_app()

    @app.get("/api/forgotten")
    def forgotten() -> str:
        return "open to all by mistake"

    with pytest.raises(RuntimeError, match="/api/forgotten"):
        check_routes_declared(app)


BUG_INCLUDED = (
    "BUG: check_routes_declared only looks at APIRoute entries of app.routes, but FastAPI "
    "0.165 keeps each include_router() as one lazy _IncludedRouter entry, so no route added "
    "through a router is ever checked: deny-by-default is void for /api/v1"
)


def test_undeclared_route_in_an_included_router_is_refused() -> None:
    app = tiny_app()
    router = APIRouter(prefix="/api/more")

    @router.get("/forgotten")
    def forgotten() -> str:
        return "open to all by mistake"

    app.include_router(router)
    with pytest.raises(RuntimeError, match="/api/more/forgotten"):
        check_routes_declared(app)


def test_undeclared_route_with_other_dependencies_is_still_refused() -> None:
    from fastapi import Depends

    app = FastAPI()

    def something() -> None:
        return None

    @app.get("/api/x", dependencies=[Depends(something)])
    def x() -> str:
        return "x"

    with pytest.raises(RuntimeError, match="/api/x"):
        check_routes_declared(app)


def test_mounted_sub_app_under_api_is_refused() -> None:
    app = tiny_app()
    app.mount("/api/sub", FastAPI())
    with pytest.raises(RuntimeError, match="/api/sub"):
        check_routes_declared(app)


def test_allow_needs_a_role() -> None:
    with pytest.raises(ValueError):
        allow()


def test_create_app_refuses_an_undeclared_route(monkeypatch: pytest.MonkeyPatch) -> None:
    from credit_yrd.api.routes import ids

    router = APIRouter(prefix="/ids")
    router.routes.extend(ids.router.routes)

    @router.get("/leak")
    def leak() -> str:
        return "leak"

    monkeypatch.setattr(ids, "router", router)
    with pytest.raises(RuntimeError, match="/api/v1/ids/leak"):
        create_app()
