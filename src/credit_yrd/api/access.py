"""Who may call which route.

Every route of the app declares its audience with :func:`allow`; :func:`check_routes_declared`
refuses to build an app in which any route does not (deny by default). Roles other than ``public``
need an authenticated caller (an API key or a portal session, see :mod:`credit_yrd.api.deps`):
without credentials, or with a key that is malformed, unknown or revoked, such a route answers 401 with a ``WWW-Authenticate:
Bearer`` challenge; with a valid key whose role is not among the declared ones, 403. A route open to
``public`` never looks at credentials. Finer checks (a data source reads only its own batches) are
the route's own, with :func:`credit_yrd.api.deps.current_principal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.routing import APIRoute
from starlette.routing import Mount

from credit_yrd.auth.roles import Role

__all__ = ["Role", "allow", "api_routes", "check_routes_declared", "route_roles"]

ROLES_ATTR = "__credit_yrd_roles__"


def allow(*roles: Role) -> Any:
    """A route dependency naming the roles that may call the route.

    With ``Role.PUBLIC`` among them anyone may call and no credentials are read. Otherwise the
    caller must present a valid API key or session (401 without) whose role is one of ``roles``
    (403).
    """
    if not roles:
        raise ValueError("allow() needs at least one role")
    allowed = frozenset(roles)
    guard = _open_guard() if Role.PUBLIC in allowed else _key_guard(allowed)
    setattr(guard, ROLES_ATTR, allowed)
    return Depends(guard)


def _open_guard() -> Callable[[], Any]:
    async def guard() -> None:  # async: nothing to read, so no thread hop
        return None

    return guard


def _key_guard(allowed: frozenset[Role]) -> Callable[..., Any]:
    # Imported here: deps imports the authentication package, which must not import this module.
    from credit_yrd.api.deps import optional_principal, unauthenticated

    names = "、".join(sorted(role.value for role in allowed))
    names_en = ", ".join(sorted(role.value for role in allowed))
    caller = Depends(optional_principal)

    async def guard(principal: Any = caller) -> None:
        if principal is None:
            raise unauthenticated()
        if principal.role not in allowed:
            raise HTTPException(
                status_code=403,
                detail=f"无权访问：此操作仅限角色 {names} (forbidden: only {names_en} may do this)",
            )

    return guard


def route_roles(route: APIRoute) -> frozenset[Role] | None:
    """The roles a route declares, or None when it declares none."""
    for dep in route.dependant.dependencies:
        roles = getattr(dep.call, ROLES_ATTR, None)
        if roles is not None:
            return frozenset(roles)
    return None


def api_routes(app: FastAPI) -> list[tuple[str, frozenset[str], APIRoute]]:
    """Every API route of ``app`` as (full path, methods, route), included routers walked.

    FastAPI 0.16x keeps an included router as one lazy entry in ``app.routes``; its route contexts
    (what the OpenAPI schema is built from) give the routes with their full paths.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        return [
            (route.path, frozenset(route.methods or ()), route)
            for route in app.routes
            if isinstance(route, APIRoute)
        ]
    return [
        (ctx.path or ctx.original_route.path, frozenset(ctx.methods or ()), ctx.original_route)
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute)
    ]


def check_routes_declared(app: FastAPI, exempt: Callable[[str], bool] = lambda p: False) -> None:
    """Raise if any API route of ``app`` has no :func:`allow` declaration."""
    missing = [
        f"{sorted(methods)} {path}"
        for path, methods, route in api_routes(app)
        if not exempt(path) and route_roles(route) is None
    ]
    if missing:
        raise RuntimeError(f"routes without an access declaration: {missing}")
    for entry in app.routes:
        if isinstance(entry, Mount) and entry.path.startswith("/api"):
            raise RuntimeError(
                f"mounted sub-application under /api bypasses access checks: {entry.path}"
            )
