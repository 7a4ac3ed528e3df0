"""What the portal's pages that change things share: a form as sent back to its page
(:class:`FormState`), the checked fields of a posted form (same origin, the session's CSRF token),
the signed-in visitor's principal, the page status of a domain refusal, a domain refusal put on
its form, the withdrawal of an applicant's own case, and running a page's blocking work (the store) off the event loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.errors import CreditYrdError
from credit_yrd.store.engine import transaction
from credit_yrd.web import state
from credit_yrd.web.errors import PageRedirect
from credit_yrd.web.session import Visitor, check_same_origin, check_session_csrf, form_fields


@dataclass
class FormState:
    """A form as sent back to the page: the values entered and what each broke."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    target: int | None = None


async def posted_fields(request: Request, visitor: Visitor) -> dict[str, str]:
    """The fields of a form POST from this site carrying the session's CSRF token (403 page
    otherwise)."""
    check_same_origin(request)
    fields = await form_fields(request)
    check_session_csrf(visitor, fields.get("csrf_token"))
    return fields


def principal_of(visitor: Visitor) -> Principal:
    """The principal of a signed-in visitor (the page's access check let only those in)."""
    assert visitor.principal is not None
    return visitor.principal


def subject_id_of(visitor: Visitor) -> int:
    """The subject of a visitor signed in with a subject's own account."""
    subject_id = principal_of(visitor).subject_id
    assert subject_id is not None
    return int(subject_id)


def status_of(exc: CreditYrdError) -> int:
    """The page status of a domain refusal: its own 4xx, else 400."""
    status = getattr(exc, "status", 400)
    return status if isinstance(status, int) and 400 <= status < 500 else 400


def refusal_on_form(
    form: FormState, exc: CreditYrdError, lang: str, fields: Iterable[str]
) -> FormState:
    """Put a domain refusal on its form: next to the field it names when the form has that
    field, else as the form's message."""
    named = getattr(exc, "field", None)
    if isinstance(named, str) and named in set(fields):
        form.errors = {named: exc.message(lang)}
    else:
        form.message = exc.message(lang)
    return form


def withdraw_case(
    request: Request,
    visitor: Visitor,
    *,
    withdraw: Callable[[Connection, Principal], object],
    own_cases: Callable[..., HTMLResponse],
    done_url: str,
) -> HTMLResponse:
    """The applicant withdraws one of its own cases (``withdraw`` in one transaction): on to
    ``done_url``, or back on its list of cases (``own_cases``) with the domain's refusal."""
    try:
        with transaction(state.engine(request)) as conn:
            withdraw(conn, principal_of(visitor))
    except CreditYrdError as exc:
        return own_cases(
            request, visitor, message=exc.message(visitor.lang), bad=True, status=status_of(exc)
        )
    raise PageRedirect(done_url)


async def threaded(func: Callable[..., HTMLResponse], *args: Any, **kwargs: Any) -> HTMLResponse:
    """``func(*args, **kwargs)`` in the thread pool (a page's store work must not block the
    event loop)."""
    result: HTMLResponse = await run_in_threadpool(func, *args, **kwargs)
    return result
