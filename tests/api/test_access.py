"""Every route declares who may call it. Without a key, anything not public is 401; with a key,
a route answers the roles it declares and refuses the others with 403."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from credit_yrd.api.access import Role, allow, check_routes_declared, route_roles
from credit_yrd.api.app import create_app
from credit_yrd.auth.api_keys import KEY_ROLES, create_key
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.settings import Settings
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store


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
}

#: Public routes whose sample names something an empty store does not hold: they answer 404.
UNKNOWN_ON_AN_EMPTY_STORE = {
    ("GET", "/api/v1/subjects/{code}"),
    ("GET", "/api/v1/records/{record_id}"),
    ("GET", "/api/v1/records/{record_id}/versions"),
}


def call(client: TestClient, method: str, path: str, sample: dict, key: str | None = None):
    url = re.sub(r"\{(\w+)\}", lambda m: str(sample.get(m.group(1), "x")), path)
    headers = dict(sample.get("headers", {}))
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
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
    init_store(url).dispose()
    app = create_app(Settings(data_dir=folder, database_url=url))
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
                    clock=SYSTEM_CLOCK,
                )
    finally:
        engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in endpoints():
            route = next(r for p, m, r in API_ROUTES if p == path and method in m)
            roles = route_roles(route)
            assert roles is not None
            for role, key in keys.items():
                response = call(client, method, path, SAMPLES[(method, path)], key)
                where = (method, path, role.value, response.status_code, response.text)
                assert response.status_code < 500, where
                if Role.PUBLIC in roles or role in roles:
                    assert response.status_code not in (401, 403), where
                else:
                    assert response.status_code == 403, where


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
