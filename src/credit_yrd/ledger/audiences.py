"""Which audience a caller is, for one subject's data (issue 4 §1 and §4).

=========================================  =================================================
caller                                     audience
=========================================  =================================================
anonymous, ``data_source``                 ``public``
``department``                             ``authority``: its province and domain; purpose
                                           required, logged
``credit_office``                          ``authority``: its province (``None``: the region),
                                           every domain; purpose required, logged
``market_institution``                     ``authorised`` while the subject's authorisation
                                           is in force (every province and domain; logged
                                           with the authorisation as purpose), else ``public``
``subject``                                ``subject`` for its own data (not logged), else
                                           ``public``
=========================================  =================================================

Faces (the API, the portal) ask :func:`access_for` and pass what it answers to
:func:`credit_yrd.ledger.files.credit_file` or :func:`~credit_yrd.ledger.files.record_detail`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from credit_yrd.auth.authorisations import Authorisation, active_for
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.ledger.audit import Reader
from credit_yrd.ledger.files import Audience

#: Roles that read the authority view (with a purpose, logged).
AUTHORITY_ROLES = frozenset({Role.DEPARTMENT, Role.CREDIT_OFFICE})


@dataclass(frozen=True)
class Access:
    """What a caller gets for one subject: the audience, the reader to log (authority and
    authorised views), the viewing subject (subject view) and the authorisation relied on."""

    audience: Audience
    reader: Reader | None = None
    viewer_subject_id: int | None = None
    authorisation: Authorisation | None = None

    @property
    def logged(self) -> bool:
        return self.reader is not None


PUBLIC = Access(Audience.PUBLIC)


def access_for(
    conn: Connection,
    principal: Principal | None,
    *,
    subject_id: int | None,
    purpose: str | None,
    at: dt.datetime,
) -> Access:
    """The access ``principal`` has to the data of subject ``subject_id`` (``None``: a record
    linked to no subject) at instant ``at``.

    Raises :class:`credit_yrd.ledger.audit.PurposeRequiredError` for a department or credit
    office without a usable purpose; never for the others (they fall back to the public view).
    """
    if principal is None:
        return PUBLIC
    if principal.role in AUTHORITY_ROLES:
        return Access(Audience.AUTHORITY, reader=Reader.for_principal(principal, purpose))
    if principal.role is Role.SUBJECT:
        if subject_id is not None and principal.subject_id == subject_id:
            return Access(Audience.SUBJECT, viewer_subject_id=subject_id)
        return PUBLIC
    if principal.role is Role.MARKET_INSTITUTION and subject_id is not None:
        found = active_for(conn, subject_id=subject_id, principal=principal, at=at)
        if found is not None:
            reader = Reader.for_authorised(principal, found.log_purpose, purpose)
            return Access(Audience.AUTHORISED, reader=reader, authorisation=found)
    return PUBLIC
