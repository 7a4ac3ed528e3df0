"""Who sees what: department domains, the subject's own view, market institutions under a
subject's authorisation, natural persons named in organisations' records, and paging."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.auth.api_keys import create_key
from credit_yrd.auth.authorisations import grant, revoke
from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.clock import FixedClock
from credit_yrd.ledger import (
    Access,
    Audience,
    CreditFile,
    InvalidCursorError,
    PurposeRequiredError,
    Reader,
    RecordNotVisibleError,
    access_for,
    credit_file,
    record_detail,
)
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import access_log, subjects
from credit_yrd.store.subjects import upsert_legal_subject
from tests.ingest.builders import make_uscc
from tests.ledger.conftest import (
    CLOCK,
    COMPANY_NAME,
    REP_ID,
    REP_MASKED,
    TODAY,
    Region,
    add_record,
    insert_account,
    penalty,
)

STANDARD = get_standard()
NOW = CLOCK.now()


def department(domain: str | None, province: str = "31") -> Principal:
    return Principal(
        role=Role.DEPARTMENT,
        key_id=None,
        label=f"dept-{domain}",
        province=province,
        domain=domain,
        account_id=900,
    )


OFFICE_SH = Principal(
    role=Role.CREDIT_OFFICE,
    key_id=None,
    label="office-sh",
    province="31",
    domain="ecology_environment",
    account_id=901,
)


def read(
    engine: Engine,
    subject_id: int,
    principal: Principal | None,
    purpose: str | None = "检查",
    *,
    clock: FixedClock = CLOCK,
    limit: int | None = None,
    cursor: str | None = None,
) -> tuple[Access, CreditFile]:
    with transaction(engine) as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == subject_id)).one()
        access = access_for(conn, principal, subject_id=subject_id, purpose=purpose, at=clock.now())
        file = credit_file(
            conn,
            row,
            audience=access.audience,
            on=clock.today(),
            standard=STANDARD,
            reader=access.reader,
            viewer_subject_id=access.viewer_subject_id,
            clock=clock,
            limit=limit,
            cursor=cursor,
        )
    return access, file


def ids_of(file: CreditFile) -> set[int]:
    return {r.id for s in file.sections for r in s.records}


def log_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(access_log).order_by(access_log.c.id)))


@dataclass
class Scoped:
    region: Region
    eco: int
    market: int
    untagged_tax: int
    sh_license: int


@pytest.fixture
def scoped(store: Engine, region: Region) -> Scoped:
    with transaction(store) as conn:
        cid = region.company_id
        eco = add_record(
            conn,
            "eco",
            subject_id=cid,
            content=penalty("11", "2026-03-02", CF_SSLY="ecology_environment"),
            domain="ecology_environment",
        )
        market = add_record(
            conn,
            "market",
            subject_id=cid,
            content=penalty("12", "2026-03-03", CF_SSLY="market_regulation"),
            domain="market_regulation",
        )
        # records.domain not filled (an older store): the standard derives it from CF_SSLY
        untagged = add_record(
            conn,
            "untagged",
            subject_id=cid,
            content=penalty("13", "2026-03-04", CF_SSLY="taxation"),
        )
        sh_license = add_record(
            conn,
            "sh_license",
            subject_id=cid,
            kind="license",
            content={
                "XK_XKWS": "食品经营许可证",
                "XK_WSH": "JY13101150001",
                "XK_XKLB": "普通",
                "XK_JDRQ": "2026-01-12",
                "XK_XKJG": "上海市浦东新区市场监督管理局",
                "XK_XDR_MC": COMPANY_NAME,
            },
        )
    return Scoped(region, eco, market, untagged, sh_license)


# --- departments and their domain -------------------------------------------------------------


def test_a_department_reads_its_domain_and_cross_domain_records_of_its_province(
    store: Engine, scoped: Scoped
) -> None:
    r = scoped.region.records
    access, file = read(store, scoped.region.company_id, department("market_regulation"))
    assert access.audience is Audience.AUTHORITY
    seen = ids_of(file)
    assert scoped.market in seen and scoped.sh_license in seen  # its domain; cross-domain
    assert r["shown"] in seen  # no domain stated: cross-domain
    assert scoped.eco not in seen  # another domain
    assert scoped.untagged_tax not in seen  # taxation, derived from the content
    assert r["jiangsu_license"] not in seen  # another province
    _, eco = read(store, scoped.region.company_id, department("ecology_environment"))
    assert scoped.eco in ids_of(eco) and scoped.market not in ids_of(eco)
    rows = log_rows(store)
    assert [set(row.record_ids) for row in rows] == [seen, ids_of(eco)]


def test_a_credit_office_has_no_domain_limit(store: Engine, scoped: Scoped) -> None:
    access, file = read(store, scoped.region.company_id, OFFICE_SH)
    assert access.reader is not None and access.reader.domain is None
    assert {scoped.eco, scoped.market, scoped.untagged_tax, scoped.sh_license} <= ids_of(file)
    assert scoped.region.records["jiangsu_license"] not in ids_of(file)


def test_record_detail_follows_the_department_domain(store: Engine, scoped: Scoped) -> None:
    reader = access_for_reader(store, department("market_regulation"), scoped)
    with transaction(store) as conn:
        detail = record_detail(
            conn,
            scoped.market,
            audience=Audience.AUTHORITY,
            on=TODAY,
            standard=STANDARD,
            reader=reader,
            clock=CLOCK,
        )
        assert detail.access_logged
        with pytest.raises(RecordNotVisibleError):
            record_detail(
                conn,
                scoped.eco,
                audience=Audience.AUTHORITY,
                on=TODAY,
                standard=STANDARD,
                reader=reader,
                clock=CLOCK,
            )
    assert len(log_rows(store)) == 1


def access_for_reader(store: Engine, principal: Principal, scoped: Scoped) -> Reader:
    with store.connect() as conn:
        access = access_for(
            conn, principal, subject_id=scoped.region.company_id, purpose="复核", at=NOW
        )
    assert access.reader is not None
    return access.reader


def test_departments_need_a_purpose(store: Engine, scoped: Scoped) -> None:
    with pytest.raises(PurposeRequiredError):
        read(store, scoped.region.company_id, department("market_regulation"), purpose=None)
    assert log_rows(store) == []


# --- the subject itself -----------------------------------------------------------------------


def subject_principal(subject_id: int) -> Principal:
    return Principal(
        role=Role.SUBJECT, key_id=None, label="own", account_id=77, subject_id=subject_id
    )


def test_the_subject_sees_everything_about_itself_and_who_read_it(
    store: Engine, scoped: Scoped
) -> None:
    r = scoped.region.records
    cid = scoped.region.company_id
    read(store, cid, department("market_regulation"), purpose="双随机抽查")
    read(store, cid, OFFICE_SH, purpose="信用评价")
    before = len(log_rows(store))
    access, file = read(store, cid, subject_principal(cid))
    assert access.audience is Audience.SUBJECT and not access.logged
    assert file.audience is Audience.SUBJECT and not file.access_logged
    assert len(log_rows(store)) == before  # reading one's own file is not logged
    seen = ids_of(file)
    # withdrawn, closed window (2015), corrected, another province, every domain
    for name in ("shown", "withdrawn", "old", "corrected", "jiangsu_license"):
        assert r[name] in seen, name
    assert {scoped.eco, scoped.market, scoped.untagged_tax} <= seen
    withdrawn = next(x for s in file.sections for x in s.records if x.id == r["withdrawn"])
    assert withdrawn.status == "withdrawn"
    old = next(x for s in file.sections for x in s.records if x.id == r["old"])
    assert old.publication is not None and old.publication["published_on"] is False
    fields = {f.code: f for x in file.sections for y in x.records for f in y.fields}
    assert "CF_GSZT" in fields  # shared fields too
    rep = fields["CF_FR_ZJHM"]  # restricted: another person's number, in its masked form only
    assert rep.value == REP_MASKED and rep.masked
    assert REP_ID not in file.model_dump_json()
    assert file.reads is not None
    assert [e.purpose for e in file.reads.entries] == ["信用评价", "双随机抽查"]  # newest first
    dept = file.reads.entries[1]
    assert dept.role == "department" and dept.province == "31"
    assert dept.actor == "account:900 dept-market_regulation"
    assert scoped.market in dept.record_ids and scoped.eco not in dept.record_ids
    assert file.reads.next_cursor is None


def test_the_subjects_reads_are_paged(store: Engine, scoped: Scoped) -> None:
    cid = scoped.region.company_id
    for i in range(3):
        read(store, cid, OFFICE_SH, purpose=f"目的{i}")
    with store.connect() as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == cid)).one()
        file = credit_file(
            conn,
            row,
            audience=Audience.SUBJECT,
            on=TODAY,
            standard=STANDARD,
            viewer_subject_id=cid,
            reads_limit=2,
        )
    assert file.reads is not None
    assert [e.purpose for e in file.reads.entries] == ["目的2", "目的1"]
    assert file.reads.next_cursor == file.reads.entries[-1].id


def test_a_subject_reading_another_subject_gets_the_public_view(
    store: Engine, scoped: Scoped
) -> None:
    cid, other = scoped.region.company_id, scoped.region.person_id
    access, file = read(store, cid, subject_principal(other))
    assert access == Access(Audience.PUBLIC)
    assert file.audience is Audience.PUBLIC and file.reads is None
    assert scoped.region.records["withdrawn"] not in ids_of(file)
    with pytest.raises(RecordNotVisibleError), store.connect() as conn:
        record_detail(
            conn,
            scoped.region.records["withdrawn"],
            audience=Audience.SUBJECT,
            on=TODAY,
            standard=STANDARD,
            viewer_subject_id=other,
        )


def test_the_subject_sees_its_records_full_history(store: Engine, scoped: Scoped) -> None:
    cid = scoped.region.company_id
    with store.connect() as conn:
        detail = record_detail(
            conn,
            scoped.region.records["withdrawn"],
            audience=Audience.SUBJECT,
            on=TODAY,
            standard=STANDARD,
            viewer_subject_id=cid,
        )
    assert [v.status for v in detail.versions] == ["active", "withdrawn"]
    assert not detail.access_logged and log_rows(store) == []
    assert detail.subject_name == COMPANY_NAME


# --- market institutions ----------------------------------------------------------------------


def institution(account_id: int) -> Principal:
    return Principal(
        role=Role.MARKET_INSTITUTION, key_id=None, label="bank-sh", account_id=account_id
    )


def test_an_institution_reads_beyond_public_only_under_an_authorisation(
    store: Engine, scoped: Scoped
) -> None:
    cid = scoped.region.company_id
    with transaction(store) as conn:
        bank = insert_account(conn, "bank-sh", "market_institution")
    caller = institution(bank)
    access, public = read(store, cid, caller, purpose=None)
    assert access.audience is Audience.PUBLIC and public.audience is Audience.PUBLIC
    assert log_rows(store) == []
    with transaction(store) as conn:
        granted = grant(
            conn,
            subject_id=cid,
            grantee_account_id=bank,
            purpose="贷款审批",
            expires_at=NOW + dt.timedelta(days=30),
            granted_by="account:77 own",
            clock=CLOCK,
        )
    access, file = read(store, cid, caller, purpose=None)
    assert access.audience is Audience.AUTHORISED and file.audience is Audience.AUTHORISED
    assert access.authorisation is not None and access.authorisation.id == granted
    seen = ids_of(file)
    # every province and every domain, shared fields, restricted ones masked
    assert {scoped.eco, scoped.market, scoped.region.records["jiangsu_license"]} <= seen
    fields = {f.code: f for s in file.sections for x in s.records for f in x.fields}
    assert "CF_GSZT" in fields and fields["CF_FR_ZJHM"].masked
    (row,) = log_rows(store)
    assert row.role == "market_institution" and row.province is None
    assert row.purpose == f"授权#{granted}: 贷款审批"
    assert row.actor == f"account:{bank} bank-sh" and set(row.record_ids) == seen
    # a stated purpose goes after the authorisation's
    read(store, cid, caller, purpose="复审")
    assert log_rows(store)[-1].purpose == f"授权#{granted}: 贷款审批 / 复审"
    # after the expiry: public again, nothing logged
    later = FixedClock(NOW + dt.timedelta(days=31))
    access, file = read(store, cid, caller, purpose=None, clock=later)
    assert access.audience is Audience.PUBLIC and file.audience is Audience.PUBLIC
    assert len(log_rows(store)) == 2
    # revoked: public again
    with transaction(store) as conn:
        assert revoke(conn, granted, subject_id=cid, clock=CLOCK)
    access, _ = read(store, cid, caller, purpose=None)
    assert access.audience is Audience.PUBLIC and len(log_rows(store)) == 2


def test_an_authorisation_opens_one_subject_to_one_institution(
    store: Engine, scoped: Scoped
) -> None:
    cid, person = scoped.region.company_id, scoped.region.person_id
    with transaction(store) as conn:
        bank = insert_account(conn, "bank-a", "market_institution")
        other = insert_account(conn, "bank-b", "market_institution")
        key_id, _ = create_key(conn, role="market_institution", label="某银行接口", clock=CLOCK)
        grant(
            conn,
            subject_id=cid,
            grantee_key_id=key_id,
            purpose="授信",
            expires_at=NOW + dt.timedelta(days=1),
            granted_by="x",
            clock=CLOCK,
        )
        grant(
            conn,
            subject_id=person,
            grantee_account_id=bank,
            purpose="授信",
            expires_at=NOW + dt.timedelta(days=1),
            granted_by="x",
            clock=CLOCK,
        )
    by_key = Principal(role=Role.MARKET_INSTITUTION, key_id=key_id, label="某银行接口")
    assert read(store, cid, by_key, None)[0].audience is Audience.AUTHORISED
    assert read(store, cid, institution(bank), None)[0].audience is Audience.PUBLIC
    assert read(store, cid, institution(other), None)[0].audience is Audience.PUBLIC
    assert read(store, person, institution(bank), None)[0].audience is Audience.AUTHORISED
    # a department holding no authorisation is not an institution: its own rules apply
    with store.connect() as conn:
        assert (
            access_for(conn, None, subject_id=cid, purpose=None, at=NOW).audience is Audience.PUBLIC
        )


# --- natural persons named in an organisation's records ----------------------------------------


def test_a_natural_person_party_is_masked_in_any_public_file(store: Engine, region: Region) -> None:
    with transaction(store) as conn:
        rid = add_record(
            conn,
            "person_party",
            subject_id=region.company_id,
            content=penalty("21", "2026-03-05", CF_XDR_MC="王小五", CF_XDR_LB="自然人"),
        )
        org = add_record(
            conn,
            "org_party",
            subject_id=region.company_id,
            content=penalty("22", "2026-03-06", CF_XDR_LB="法人及非法人组织"),
        )
    _, public = read(store, region.company_id, None)
    by_id = {x.id: x for s in public.sections for x in s.records}
    party = next(f for f in by_id[rid].fields if f.code == "CF_XDR_MC")
    assert party.value == "王**" and party.masked
    assert "王小五" not in public.model_dump_json()
    assert next(f for f in by_id[org].fields if f.code == "CF_XDR_MC").value == COMPANY_NAME
    _, own = read(store, region.company_id, subject_principal(region.company_id))
    shown = next(
        f
        for s in own.sections
        for x in s.records
        if x.id == rid
        for f in x.fields
        if f.code == "CF_XDR_MC"
    )
    assert shown.value == "王小五"


# --- paging -----------------------------------------------------------------------------------


def test_paging_walks_a_large_file_without_gaps_or_repeats(store: Engine) -> None:
    with transaction(store) as conn:
        sid = upsert_legal_subject(
            conn,
            make_uscc(77, division="310115"),
            "上海大档案有限公司",
            division="310115",
            clock=CLOCK,
        )
        made = set()
        for i in range(23):
            day = dt.date(2026, 1, 1) + dt.timedelta(days=i % 5)  # ties on the date
            made.add(
                add_record(
                    conn, f"p{i}", subject_id=sid, content=penalty(str(100 + i), day.isoformat())
                )
            )
        for i in range(4):
            made.add(
                add_record(
                    conn,
                    f"l{i}",
                    subject_id=sid,
                    kind="license",
                    content={
                        "XK_XKWS": "许可",
                        "XK_WSH": f"W{i}",
                        "XK_XKLB": "普通",
                        "XK_JDRQ": "2026-02-01",
                        "XK_XKJG": "某局",
                        "XK_XDR_MC": "上海大档案",
                    },
                )
            )
    _, whole = read(store, sid, None, limit=None)
    order = [x.id for s in whole.sections for x in s.records]
    assert set(order) == made and whole.next_cursor is None and whole.record_count == 27
    walked: list[int] = []
    cursor = None
    pages = 0
    while True:
        _, page = read(store, sid, None, limit=5, cursor=cursor)
        pages += 1
        assert page.record_count == 27 and page.returned <= 5 and page.limit == 5
        assert [s.code for s in page.sections] == [s.code for s in whole.sections]
        walked.extend(x.id for s in page.sections for x in s.records)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert walked == order and pages == 6
    # an authority's paged read logs the records of its page only
    _, first = read(store, sid, OFFICE_SH, limit=5)
    assert set(log_rows(store)[-1].record_ids) == ids_of(first) and len(ids_of(first)) == 5


@pytest.mark.parametrize("cursor", ["x", "!!!", "WzEsMiwzXQ", "W1siYSJdLDEsImIiLDJd", "a" * 500])
def test_a_cursor_the_file_did_not_hand_out_is_refused(
    store: Engine, region: Region, cursor: str
) -> None:
    with pytest.raises(InvalidCursorError):
        read(store, region.company_id, None, limit=5, cursor=cursor)


def _values(file: CreditFile) -> list[str]:
    return [
        str(field.value)
        for section in file.sections
        for rec in section.records
        for field in rec.fields
    ]


def test_no_view_but_free_text_shows_an_id_number_in_clear(store: Engine, region: Region) -> None:
    """The person's penalty carries its ID number inside the facts (CF_WFXW): every audience —
    authority, the subject itself, the public — sees it masked there too."""
    from tests.ledger.conftest import PERSON_ID, PERSON_MASKED

    person = region.person_id
    for principal in (OFFICE_SH, subject_principal(person), None):
        _, file = read(store, person, principal)
        values = _values(file)
        assert not any(PERSON_ID in v for v in values), principal
        assert any(PERSON_MASKED in v for v in values if "无证经营" in v), principal
