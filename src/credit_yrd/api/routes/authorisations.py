"""``/api/v1/authorisations``: a market institution's view of the authorisations granted to it.

Subjects grant, list and revoke them under ``/api/v1/me/authorisations`` (:mod:`.me`); while one
is in force the institution reads that subject's file in the ``authorised`` view. The shape
:class:`AuthorisationView` serves both routers.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import current_principal
from credit_yrd.api.routes.subjects import Lang, Store, clock_of, problem_doc
from credit_yrd.auth.authorisations import Authorisation, list_for_grantee
from credit_yrd.auth.principal import Principal

router = APIRouter(prefix="/authorisations", tags=["授权 authorisations"])


class AuthorisationView(BaseModel):
    """主体对市场机构的查询授权 (a subject's authorisation of a market institution)."""

    id: int = Field(description="授权编号 (authorisation id)")
    subject_id: int = Field(description="授权主体编号 (the granting subject)")
    subject_name: str = Field(description="授权主体名称 (the granting subject's name)")
    grantee: str = Field(
        description="被授权机构，如 account:5 bank-sh 或 key:3 某银行 (the institution)"
    )
    grantee_account_id: int | None = Field(description="被授权机构账户 (its account)")
    grantee_key_id: int | None = Field(description="被授权机构 API 密钥 (its API key)")
    purpose: str = Field(description="授权用途 (what the reads are for)")
    granted_by: str = Field(description="授权人 (who granted it)")
    granted_at: dt.datetime = Field(description="授权时间 (granted at)")
    expires_at: dt.datetime = Field(description="到期时间 (expires at)")
    revoked_at: dt.datetime | None = Field(description="撤回时间 (revoked at)")
    status: Literal["active", "expired", "revoked"] = Field(
        description="active 有效 / expired 已到期 / revoked 已撤回"
    )

    @classmethod
    def of(cls, found: Authorisation, at: dt.datetime) -> AuthorisationView:
        return cls(**found.to_dict(at))


class AuthorisationList(BaseModel):
    """授权列表 (a list of authorisations)."""

    authorisations: list[AuthorisationView]


@router.get(
    "",
    response_model=AuthorisationList,
    dependencies=[allow(Role.MARKET_INSTITUTION)],
    responses={
        401: problem_doc("未认证 (not authenticated)"),
        403: problem_doc("仅限市场机构 (market institutions only)"),
    },
    summary="授予本机构的授权 (the authorisations granted to me)",
    description="主体授予调用机构（其账户或其 API 密钥）的全部授权：有效的在前，其余在后，"
    "各自新在前。\n\nEvery authorisation subjects granted to the calling institution (its account "
    "or its API key): those in force first, then the others, newest first within each.",
)
def granted_to_me(
    request: Request,
    store: Store,
    principal: Annotated[Principal, Depends(current_principal)],
    lang: Lang = None,
) -> AuthorisationList:
    now = clock_of(request).now()
    with store.connect() as conn:
        found = list_for_grantee(conn, principal, at=now)
    return AuthorisationList(authorisations=[AuthorisationView.of(a, now) for a in found])
