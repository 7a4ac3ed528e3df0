"""``/api/v1/me/…``: a subject account's own file, who read it, and its authorisations.

A subject (an enterprise, a person …) logged in with a ``subject`` account sees its own credit
file with every record and field and the reads of its non-public data (``/me/file``), pages through
the whole access log about it (``/me/access-log``), and grants, lists and revokes the
authorisations that let a market institution read its shared data (``/me/authorisations``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal
from credit_yrd.api.routes.audit import PERIOD_PROBLEM, LogCursor, LogLimit, Since, Until
from credit_yrd.api.routes.authorisations import AuthorisationList, AuthorisationView
from credit_yrd.api.routes.subjects import (
    Cursor,
    Lang,
    Limit,
    Store,
    clock_of,
    problem_doc,
)
from credit_yrd.auth import authorisations as grants
from credit_yrd.auth.principal import Principal
from credit_yrd.ledger import DEFAULT_PAGE_SIZE, Audience, CreditFile, credit_file
from credit_yrd.ledger.audit import DEFAULT_LIMIT, MAX_LIMIT, AccessLogPage, checked_period
from credit_yrd.ledger.audit import reads_of_subject as reads_of
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import subjects

router = APIRouter(prefix="/me", tags=["主体本人 the subject itself"])

Subject = Annotated[Principal, Depends(current_principal)]
SUBJECT_ONLY: dict[int | str, dict[str, Any]] = {
    401: problem_doc("未登录 (not logged in)"),
    403: problem_doc("仅限主体账户 (subject accounts only)"),
}


def _own_subject(conn: Connection, principal: Principal) -> Row[Any]:
    row = None
    if principal.subject_id is not None:
        row = conn.execute(select(subjects).where(subjects.c.id == principal.subject_id)).first()
    if row is None:
        raise HTTPException(
            status_code=404,
            detail="本账户未关联任何主体 (this account speaks for no subject)",
        )
    return row


@router.get(
    "/file",
    response_model=CreditFile,
    dependencies=[allow(Role.SUBJECT)],
    responses={
        **SUBJECT_ONLY,
        400: problem_doc("cursor 无效 (invalid cursor)"),
        404: problem_doc("本账户未关联主体 (no subject)"),
    },
    summary="我的信用档案 (my own credit file)",
    description="主体本人视图：全部当前记录（含已撤销、已过公示期、任何省份与领域）、全部字段"
    "（他人证件号仍脱敏），以及 reads：谁读取了本主体的非公开信息（新在前，更多见 "
    "/api/v1/me/access-log）。本人读取不记入访问日志。\n\n"
    "The subject view: every current record (withdrawn, past its window, any province or domain), "
    "every field (other persons' document numbers stay masked), and `reads`: who read this "
    "subject's non-public data, newest first (more at /api/v1/me/access-log). Not logged.",
)
def my_file(
    request: Request,
    store: Store,
    principal: Subject,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    reads_limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="reads 的条数 (rows of reads)")
    ] = DEFAULT_LIMIT,
    lang: Lang = None,
) -> CreditFile:
    clock = clock_of(request)
    with store.connect() as conn:
        row = _own_subject(conn, principal)
        return credit_file(
            conn,
            row,
            audience=Audience.SUBJECT,
            on=clock.today(),
            standard=get_standard(),
            viewer_subject_id=int(row.id),
            limit=limit,
            cursor=cursor,
            reads_limit=reads_limit,
        )


@router.get(
    "/access-log",
    response_model=AccessLogPage,
    dependencies=[allow(Role.SUBJECT)],
    responses={**SUBJECT_ONLY, 400: PERIOD_PROBLEM, 404: problem_doc("无主体 (no subject)")},
    summary="谁读取了我的信息 (who read my non-public data)",
    description="本主体非公开信息的全部读取记录：读取者、角色、省份、目的、记录、时间；新在前，"
    "按 cursor 分页，可按 since（含）/ until（不含）筛选。\n\n"
    "Every read of this subject's non-public data: who, role, province, purpose, records, when; "
    "newest first, paged by `cursor`, bounded by `since` (inclusive) and `until` (exclusive).",
)
def my_access_log(
    store: Store,
    principal: Subject,
    since: Since = None,
    until: Until = None,
    limit: LogLimit = DEFAULT_LIMIT,
    cursor: LogCursor = None,
    lang: Lang = None,
) -> AccessLogPage:
    start, end = checked_period(since, until)
    with store.connect() as conn:
        row = _own_subject(conn, principal)
        page = reads_of(conn, int(row.id), since=start, until=end, limit=limit, cursor=cursor)
    return page.shape()


class GrantRequest(BaseModel):
    """授权一家市场机构读取本主体的共享信息 (authorise an institution to read my shared data)."""

    username: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="机构的账户名（与 key_id 二选一）(the institution's account username)",
    )
    key_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="机构 API 密钥的编号（与 username 二选一）(the institution's API key id)",
    )
    purpose: str = Field(
        min_length=1, max_length=grants.PURPOSE_MAX_CHARS, description="授权用途 (purpose)"
    )
    expires_at: dt.datetime = Field(
        description="到期时间，须带时区，不晚于一年后 (expiry, with a time zone, within a year)"
    )

    @model_validator(mode="after")
    def _one_grantee(self) -> GrantRequest:
        if (self.username is None) == (self.key_id is None):
            raise ValueError("name the institution by username or by key_id, not both")
        return self


@router.post(
    "/authorisations",
    response_model=AuthorisationView,
    status_code=201,
    dependencies=[allow(Role.SUBJECT)],
    responses={
        **SUBJECT_ONLY,
        400: problem_doc(
            "机构不存在、已停用或不是市场机构，用途或到期时间无效 (the institution is unknown, "
            "inactive or not a market institution; bad purpose or expiry)"
        ),
        404: problem_doc("无主体 (no subject)"),
    },
    summary="授权市场机构 (authorise a market institution)",
    description="记录本主体对一家市场机构（按账户名或 API 密钥编号指定）的查询授权：用途、"
    "到期时间（一年内）。授权有效期间，该机构读取本主体档案得到授权视图，每次读取记入访问日志。"
    "\n\nRecord this subject's authorisation of a market institution (named by account username "
    "or API key id) for a purpose, until an expiry within a year. While in force the institution "
    "reads this subject's file in the authorised view, and every read is logged.",
)
def grant_authorisation(
    request: Request,
    body: GrantRequest,
    store: Store,
    principal: Subject,
    lang: Lang = None,
) -> AuthorisationView:
    clock = clock_of(request)
    with transaction(store) as conn:
        row = _own_subject(conn, principal)
        account_id, key_id = grants.find_institution(
            conn, username=body.username, key_id=body.key_id
        )
        new_id = grants.grant(
            conn,
            subject_id=int(row.id),
            grantee_account_id=account_id,
            grantee_key_id=key_id,
            purpose=body.purpose,
            expires_at=body.expires_at,
            granted_by=principal.actor,
            clock=clock,
        )
        made = grants.get_authorisation(conn, new_id)
    assert made is not None  # written in the transaction above
    return AuthorisationView.of(made, clock.now())


@router.get(
    "/authorisations",
    response_model=AuthorisationList,
    dependencies=[allow(Role.SUBJECT)],
    responses={**SUBJECT_ONLY, 404: problem_doc("无主体 (no subject)")},
    summary="我的授权 (my authorisations)",
    description="本主体授予的全部授权（含已到期、已撤回），新在前。\n\n"
    "Every authorisation this subject granted (expired and revoked too), newest first.",
)
def my_authorisations(
    request: Request, store: Store, principal: Subject, lang: Lang = None
) -> AuthorisationList:
    now = clock_of(request).now()
    with store.connect() as conn:
        row = _own_subject(conn, principal)
        found = grants.list_for_subject(conn, int(row.id))
    return AuthorisationList(authorisations=[AuthorisationView.of(a, now) for a in found])


@router.delete(
    "/authorisations/{authorisation_id}",
    response_model=AuthorisationView,
    dependencies=[allow(Role.SUBJECT)],
    responses={**SUBJECT_ONLY, 404: problem_doc("无此授权 (no such authorisation of yours)")},
    summary="撤回授权 (revoke an authorisation)",
    description="即时撤回本主体的一项授权；已撤回的再次撤回不变。\n\n"
    "Revoke one of this subject's authorisations from now on; revoking it again changes nothing.",
)
def revoke_authorisation(
    request: Request,
    authorisation_id: Annotated[
        int, Path(ge=1, le=2**63 - 1, description="授权编号 (authorisation id)")
    ],
    store: Store,
    principal: Subject,
    lang: Lang = None,
) -> AuthorisationView:
    clock = clock_of(request)
    with transaction(store) as conn:
        row = _own_subject(conn, principal)
        try:
            grants.revoke(conn, authorisation_id, subject_id=int(row.id), clock=clock)
        except grants.AuthorisationNotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        found = grants.get_authorisation(conn, authorisation_id)
    assert found is not None  # it belongs to this subject (revoke checked)
    return AuthorisationView.of(found, clock.now())
