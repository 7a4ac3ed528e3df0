"""The portal's pages of credit repair and objections over HTTP (no browser), on both backends:
who may open each page, the applicant's form and its refusals (every failed condition listed),
the 查询码 and the public progress page (no identifiers; unknown and malformed codes answered
alike), the handler's console (accept, refuse without reasons, approve), the objection's
异议处理中 mark on the public file, the record page and the list, its decision and withdrawal, and
the credit office's figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from credit_yrd.api.app import create_app
from credit_yrd.repair.documents import MAX_DOCUMENTS
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import list_entries, objections, records, repair_applications
from credit_yrd.web.routes import page_routes, undeclared_pages
from credit_yrd.web.session import Access, route_access
from tests.ledger.conftest import CLOCK, PERSON_NAME, add_record, penalty
from tests.web.conftest import ACCOUNTS, Portal, assert_page, portal_settings

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CODE = re.compile(r'id="new-query-code">([A-Z0-9-]+)<')


@dataclass
class Cases:
    portal: Portal
    #: A published penalty whose minimum period is served (decided 2025-01-15, 严重).
    ready: int
    #: A published penalty whose minimum period is not (decided 2025-09-01).
    early: int

    @property
    def client(self):  # type: ignore[no-untyped-def]
        return self.portal.client

    def as_user(self, username: str) -> None:
        self.client.cookies.clear()
        assert self.portal.login(username).status_code == 303

    def post(self, path: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
        token = self.portal.csrf(page)
        return self.client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)

    def apply(  # type: ignore[no-untyped-def]
        self, record_id: int, corrected: str = "罚款已全额缴纳，违法行为已整改", files=None
    ):
        token = self.portal.csrf(f"/me/repair/new?record={record_id}")
        if files is None:
            files = [
                ("commitment", ("承诺书.pdf", PDF, "application/pdf")),
                ("payment", ("缴款凭证.png", PNG, "image/png")),
            ]
        return self.client.post(
            "/me/repair/new",
            data={"record": str(record_id), "corrected": corrected, "csrf_token": token},
            files=files,
            follow_redirects=False,
        )

    def count(self, table: Any) -> int:
        with self.engine().connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def engine(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.store_engine()  # type: ignore[attr-defined]


@pytest.fixture
def repair_cases(portal: Portal) -> Cases:
    engine = portal.client.app.state.store_engine()  # type: ignore[attr-defined]
    company = portal.region.company_id
    with transaction(engine) as conn:
        ready = add_record(
            conn,
            "r-ready",
            subject_id=company,
            content=penalty("11", "2025-01-15"),
            domain="market_regulation",
        )
        early = add_record(
            conn,
            "r-early",
            subject_id=company,
            content=penalty("12", "2025-09-01"),
            domain="market_regulation",
        )
    return Cases(portal, ready, early)


def _code(html: str) -> str:
    found = CODE.search(html)
    assert found, html[:3000]
    return found.group(1)


# --- access ------------------------------------------------------------------------------------


def test_every_page_declares_who_may_open_it() -> None:
    assert undeclared_pages() == []
    declared = {
        (path, method): route_access(r)
        for r in page_routes()
        for path in [r.path]
        for method in r.methods or ()
    }
    assert declared[("/repair", "GET")] is Access.PUBLIC
    assert declared[("/repair/progress", "GET")] is Access.PUBLIC
    assert declared[("/repair/progress", "POST")] is Access.PUBLIC
    assert declared[("/objection/progress", "POST")] is Access.PUBLIC
    for path in ("/me/repair/new", "/me/repairs", "/me/objection/new", "/me/objections"):
        assert declared[(path, "GET")] is Access.SUBJECT, path
    for path in ("/console/repairs", "/console/repairs/{application_id}", "/console/objections"):
        assert declared[(path, "GET")] is Access.HANDLER, path
    assert declared[("/console/repairs/{application_id}/decide", "POST")] is Access.HANDLER
    assert declared[("/office/repairs", "GET")] is Access.CREDIT_OFFICE


def test_who_may_open_the_repair_pages(repair_cases: Cases) -> None:
    client = repair_cases.client
    text = assert_page(client.get("/repair"))
    assert "3 个工作日" in text and "10 个工作日" in text and 'id="progress-form"' in text
    assert "Working days" in client.get("/repair?lang=en").text
    for path in ("/me/repairs", "/me/objections", "/console/repairs", "/office/repairs"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    for username in ("bank", "source_sh", "company"):
        repair_cases.as_user(username)
        assert "仅限政务部门和信用办" in assert_page(client.get("/console/repairs"), 403)
        assert_page(client.get("/console/objections"), 403)
    for username in ("dept_sh", "office"):
        repair_cases.as_user(username)
        assert_page(client.get("/me/repairs"), 403)
        assert_page(client.get("/console/repairs"))
    repair_cases.as_user("dept_sh")
    assert_page(client.get("/office/repairs"), 403)
    assert ACCOUNTS["dept_sh"][1]["domain"] == "market_regulation"


def test_every_form_needs_the_session_csrf_token(repair_cases: Cases) -> None:
    repair_cases.as_user("company")
    client = repair_cases.client
    forged = client.post(
        "/me/repair/new",
        data={"record": str(repair_cases.ready), "corrected": "x", "csrf_token": "forged"},
        files=[("commitment", ("c.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert_page(forged, 403)
    for path in ("/me/objection/new", "/me/repairs/1/withdraw", "/me/objections/1/withdraw"):
        assert_page(client.post(path, data={"csrf_token": "forged"}), 403)
    repair_cases.as_user("dept_sh")
    for path in ("/console/repairs/1/accept", "/console/repairs/1/decide"):
        assert_page(client.post(path, data={"csrf_token": "forged"}), 403)
    assert repair_cases.count(repair_applications) == 0
    assert repair_cases.count(objections) == 0


# --- the applicant's form ----------------------------------------------------------------------


def test_the_form_lists_every_condition_that_fails(repair_cases: Cases) -> None:
    repair_cases.as_user("company")
    client = repair_cases.client
    form = assert_page(client.get(f"/me/repair/new?record={repair_cases.early}"))
    assert 'enctype="multipart/form-data"' in form and 'name="commitment"' in form
    assert "2026-09-01" in form  # the minimum period ends then
    # A browser sends the file inputs left empty as parts with no name and no bytes.
    empty = [(kind, ("", b"", "application/octet-stream")) for kind in ("commitment", "payment")]
    refused = repair_cases.apply(repair_cases.early, corrected="", files=empty)
    text = assert_page(refused, 409)
    failures = re.search(r'id="repair-failures">(.*?)</div>', text, re.S)
    assert failures, text[:3000]
    items = re.findall(r"<li>(.*?)</li>", failures.group(1))
    assert len(items) >= 4, items
    listed = " ".join(items)
    assert "承诺书" in listed and "最短" in listed
    assert repair_cases.count(repair_applications) == 0


def test_a_document_that_is_not_pdf_png_or_jpeg_is_named(repair_cases: Cases) -> None:
    repair_cases.as_user("company")
    refused = repair_cases.apply(
        repair_cases.ready,
        files=[
            ("commitment", ("承诺书.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")),
            ("payment", ("缴款凭证.png", PNG, "image/png")),
        ],
    )
    text = assert_page(refused, 400)
    assert "承诺书.pdf" in text and "PDF、PNG 或 JPEG" in text
    assert "罚款已全额缴纳" in text  # what was typed comes back
    assert repair_cases.count(repair_applications) == 0


def test_someone_elses_record_and_bad_parameters(repair_cases: Cases) -> None:
    repair_cases.as_user("company")
    client = repair_cases.client
    other = repair_cases.portal.region.records["person_penalty"]
    assert_page(client.get(f"/me/repair/new?record={other}"), 404)
    assert_page(client.get("/me/repair/new?record=abc"), 404)
    assert_page(client.get("/me/repair/new"), 400)
    assert_page(client.get(f"/me/objection/new?record={other}"), 404)
    plain = client.post(
        "/me/repair/new",
        data={"record": str(repair_cases.ready), "csrf_token": repair_cases.portal.csrf("/me")},
    )
    assert_page(plain, 415)


# --- apply, follow, decide ---------------------------------------------------------------------


def test_apply_follow_by_code_and_the_handler_approves(repair_cases: Cases) -> None:
    client = repair_cases.client
    region = repair_cases.portal.region
    before = assert_page(client.get(f"/subjects/{region.uscc}"))
    assert f'id="record-{repair_cases.ready}"' in before

    repair_cases.as_user("company")
    me = assert_page(client.get("/me"))
    assert f"/me/repair/new?record={repair_cases.ready}" in me
    assert f"/me/objection/new?record={repair_cases.ready}" in me
    sent = repair_cases.apply(repair_cases.ready)
    assert sent.status_code == 303, sent.text[:2000]
    assert sent.headers["location"].startswith("/me/repairs?new=")
    mine = assert_page(client.get(sent.headers["location"]))
    code = _code(mine)
    assert code.startswith("XF-") and "已提交，待受理" in mine
    # "Follow the case" is a POST form carrying the code, not a link with it in the URL.
    assert "progress?code=" not in mine
    follow = re.search(
        r'<form method="post" action="/repair/progress"[^>]*id="follow-created">(.*?)</form>',
        mine,
        re.S,
    )
    assert follow and f'name="code" value="{code}"' in follow.group(1)
    followed_own = client.post(
        "/repair/progress",
        data={"code": code, "csrf_token": repair_cases.portal.csrf("/me/repairs")},
    )
    assert 'id="progress"' in assert_page(followed_own)
    assert "承诺书.pdf" in mine
    again = assert_page(repair_cases.apply(repair_cases.ready), 409)
    assert "repair-failures" in again  # one open application per record
    notices = assert_page(client.get("/me"))
    assert 'id="case-notices"' in notices

    # Anyone with the code follows it; the page names no identifier, document or account.
    client.cookies.clear()
    public = assert_page(client.post("/repair/progress", data={"code": code.lower()}))
    assert 'id="progress"' in public and "已提交，待受理" in public
    # The code is a bearer secret: never passed on as a Referer, never cached; an old link
    # with the code in its URL is still answered the same way.
    for answer in (
        client.post("/repair/progress", data={"code": code}),
        client.get(f"/repair/progress?code={code}"),
    ):
        assert 'id="progress"' in assert_page(answer)
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
    empty = assert_page(client.get("/repair/progress"))
    assert 'id="progress-form"' in empty and 'method="post"' in empty
    assert "上海测试信用科技有限公司" in public and "上海市市场监督管理局" in public
    for secret in (region.uscc, "承诺书.pdf", "缴款凭证", "company", "罚款已全额缴纳"):
        assert secret not in public, secret
    posted = client.post("/repair/progress", data={"code": code})
    assert 'id="progress"' in assert_page(posted)
    unknown = assert_page(client.get("/repair/progress?code=XF-2222-3333-4444"), 404)
    malformed = assert_page(client.get("/repair/progress?code=<script>"), 404)
    assert 'id="progress-missing"' in unknown and 'id="progress-missing"' in malformed
    assert 'id="progress"' not in unknown + malformed

    # The handler: its queue, the case, a refusal without reasons, acceptance, approval.
    repair_cases.as_user("dept_sh")
    queue = assert_page(client.get("/console/repairs"))
    application_id = int(re.findall(r'<tr id="repair-(\d+)"', queue)[0])
    assert "剩 " in queue and "工作日" in queue
    case = assert_page(client.get(f"/console/repairs/{application_id}"))
    assert f"/api/v1/repairs/{application_id}/documents/" in case
    assert "罚款已全额缴纳" in case and 'id="accept-form"' in case
    document = re.search(r'href="(/api/v1/repairs/\d+/documents/\d+)"', case)
    assert document
    download = client.get(document.group(1))  # the API accepts the portal session
    assert download.status_code == 200 and download.content in (PDF, PNG)
    page = f"/console/repairs/{application_id}"
    no_reasons = repair_cases.post(f"{page}/decide", {"decision": "refuse", "reasons": ""}, page)
    assert_page(no_reasons, 400)
    assert "请选择予以修复" in assert_page(
        repair_cases.post(f"{page}/decide", {"decision": "maybe"}, page), 400
    )
    accepted = repair_cases.post(f"{page}/accept", {}, page)
    assert accepted.headers["location"] == f"{page}?done=accepted"
    approved = repair_cases.post(
        f"{page}/decide", {"decision": "approve", "reasons": "材料齐全，符合修复条件"}, page
    )
    assert approved.status_code == 303, approved.text[:2000]
    done = assert_page(client.get(approved.headers["location"]))
    assert "已决定予以修复" in done and 'id="decide-form"' not in done

    # The public file no longer shows the record; the subject sees it marked repaired.
    client.cookies.clear()
    after = assert_page(client.get(f"/subjects/{region.uscc}"))
    assert f'id="record-{repair_cases.ready}"' not in after
    assert_page(client.get(f"/records/{repair_cases.ready}"), 404)
    followed = assert_page(client.post("/repair/progress", data={"code": code}))
    assert 'data-status="approved"' in followed
    repair_cases.as_user("company")
    own = assert_page(client.get("/me"))
    card = re.search(rf'id="record-{repair_cases.ready}"[^>]*data-marks="([^"]*)"', own)
    assert card and "repaired" in card.group(1).split()
    assert f"/me/repair/new?record={repair_cases.ready}" not in own

    # The credit office's figures count it.
    repair_cases.as_user("office")
    figures = assert_page(client.get("/office/repairs"))
    row = re.search(r'<tr data-province="31">(.*?)</tr>', figures, re.S)
    assert row, figures[:3000]
    assert 'data-count="applications">1<' in row.group(1)
    assert 'data-count="approvals">1<' in row.group(1)
    assert 'data-count="refusals">0<' in row.group(1)


def test_a_refusal_carries_its_reasons_and_a_withdrawal_closes_the_case(
    repair_cases: Cases,
) -> None:
    client = repair_cases.client
    repair_cases.as_user("company")
    sent = repair_cases.apply(repair_cases.ready)
    application_id = int(sent.headers["location"].split("new=")[1].split("#")[0])
    repair_cases.as_user("office")
    page = f"/console/repairs/{application_id}"
    refused = repair_cases.post(
        f"{page}/decide", {"decision": "refuse", "reasons": "缴款凭证与处罚决定金额不符"}, page
    )
    assert refused.status_code == 303
    client.cookies.clear()
    still = assert_page(client.get(f"/subjects/{repair_cases.portal.region.uscc}"))
    assert f'id="record-{repair_cases.ready}"' in still
    repair_cases.as_user("company")
    mine = assert_page(client.get("/me/repairs"))
    assert "缴款凭证与处罚决定金额不符" in mine and "不予修复" in mine
    assert f'action="/me/repairs/{application_id}/withdraw"' not in mine
    # A new application may then be withdrawn while it is open.
    second = repair_cases.apply(repair_cases.ready)
    second_id = int(second.headers["location"].split("new=")[1].split("#")[0])
    withdrawn = repair_cases.post(f"/me/repairs/{second_id}/withdraw", {}, "/me/repairs")
    assert withdrawn.headers["location"].startswith("/me/repairs?done=withdrawn")
    # Only the refusal may be disputed in an objection to the record (the domain's rule).
    form = assert_page(client.get(f"/me/objection/new?record={repair_cases.ready}"))
    offered = re.findall(r'<option value="(\d+)"', form)
    assert offered == [str(application_id)], offered
    assert "申请已撤回" in assert_page(client.get(withdrawn.headers["location"]))
    again = repair_cases.post(f"/me/repairs/{second_id}/withdraw", {}, "/me/repairs")
    assert_page(again, 409)


# --- objections --------------------------------------------------------------------------------


def _object(cases: Cases, record_id: int, **changes: str):  # type: ignore[no-untyped-def]
    data = {
        "record": str(record_id),
        "ground": "content",
        "statement": "罚款金额应为 30000 元，决定书记载有误",
        **changes,
    }
    return cases.post("/me/objection/new", data, f"/me/objection/new?record={record_id}")


def _listing_on(conn: Connection, record_id: int, subject_id: int) -> int:
    """A listing that rests on the record (as one fed from records is)."""
    now = CLOCK.now()
    return int(
        conn.execute(
            insert(list_entries)
            .values(
                list_code="market_serious_violation",
                subject_id=subject_id,
                subject_name="上海测试信用科技有限公司",
                status="listed",
                origin="record",
                record_id=record_id,
                authority="上海市市场监督管理局",
                province="31",
                domain="market_regulation",
                reason="严重违法",
                legal_basis="《市场监督管理严重违法失信名单管理办法》第十条",
                listed_on=CLOCK.today(),
                ends_on=None,
                updated_at=now,
                proposed_at=now,
            )
            .returning(list_entries.c.id)
        ).scalar_one()
    )


def test_an_objection_marks_the_record_everywhere_until_decided(repair_cases: Cases) -> None:
    client = repair_cases.client
    region = repair_cases.portal.region
    record_id = repair_cases.ready
    with transaction(repair_cases.engine()) as conn:
        entry_id = _listing_on(conn, record_id, region.company_id)

    repair_cases.as_user("company")
    blank = assert_page(_object(repair_cases, record_id, ground="", statement=""), 400)
    assert "请选择异议事项" in blank
    filed = _object(repair_cases, record_id)
    assert filed.status_code == 303, filed.text[:2000]
    mine = assert_page(client.get(filed.headers["location"]))
    code = _code(mine)
    assert code.startswith("YY-") and "异议处理中" in mine
    assert "progress?code=" not in mine and 'action="/objection/progress"' in mine

    client.cookies.clear()
    public = assert_page(client.get(f"/subjects/{region.uscc}"))
    card = re.search(rf'<li id="record-{record_id}"(.*?)</li>', public, re.S)
    assert card and 'data-mark="objection"' in card.group(1) and "异议处理中" in card.group(1)
    record = assert_page(client.get(f"/records/{record_id}"))
    assert 'data-mark="objection"' in record
    listed = assert_page(client.get("/lists/market_serious_violation"))
    row = re.search(rf'<tr id="entry-{entry_id}">(.*?)</tr>', listed, re.S)
    assert row and 'data-mark="objection"' in row.group(1)
    progress = assert_page(client.post("/objection/progress", data={"code": code}))
    assert "异议处理中" in progress and region.uscc not in progress
    assert "信息内容有误" in progress

    # The department decides: reasons are required; upholding clears the mark.
    repair_cases.as_user("dept_sh")
    queue = assert_page(client.get("/console/objections"))
    objection_id = int(re.findall(r'<tr id="objection-(\d+)"', queue)[0])
    page = f"/console/objections/{objection_id}"
    case = assert_page(client.get(page))
    assert "罚款金额应为 30000 元" in case and "CF_NR_FK" in case
    no_outcome = assert_page(repair_cases.post(f"{page}/decide", {"reasons": "x"}, page), 400)
    assert "请选择办理结果" in no_outcome
    no_change = repair_cases.post(f"{page}/decide", {"outcome": "correct", "reasons": "x"}, page)
    assert "至少填写一个字段" in assert_page(no_change, 400)
    no_reasons = repair_cases.post(f"{page}/decide", {"outcome": "uphold", "reasons": ""}, page)
    assert_page(no_reasons, 400)
    upheld = repair_cases.post(
        f"{page}/decide", {"outcome": "uphold", "reasons": "经核实，处罚决定书记载无误"}, page
    )
    assert upheld.status_code == 303, upheld.text[:2000]
    client.cookies.clear()
    public = assert_page(client.get(f"/subjects/{region.uscc}"))
    card = re.search(rf'<li id="record-{record_id}"(.*?)</li>', public, re.S)
    assert card and 'data-mark="objection"' not in card.group(1)
    decided = assert_page(client.post("/objection/progress", data={"code": code}))
    assert "经核实，处罚决定书记载无误" in decided


def test_a_correction_through_the_console_and_a_withdrawn_objection(repair_cases: Cases) -> None:
    client = repair_cases.client
    record_id = repair_cases.early
    repair_cases.as_user("company")
    assert _object(repair_cases, record_id).status_code == 303
    repair_cases.as_user("dept_sh")
    queue = assert_page(client.get("/console/objections"))
    objection_id = int(re.findall(r'<tr id="objection-(\d+)"', queue)[0])
    page = f"/console/objections/{objection_id}"
    corrected = repair_cases.post(
        f"{page}/decide",
        {
            "outcome": "correct",
            "change_1": "CF_NR_FK",
            "value_1": "30000",
            "reasons": "经核实，罚款金额记载有误，已更正",
        },
        page,
    )
    assert corrected.status_code == 303, corrected.text[:3000]
    with repair_cases.engine().connect() as conn:
        assert (
            conn.execute(
                select(records.c.objection_open).where(records.c.id == record_id)
            ).scalar_one()
            is False
        )
    client.cookies.clear()
    shown = assert_page(client.get(f"/records/{record_id}"))
    assert "30000" in shown and "第 2 版" in shown

    # Withdrawn: no mark is left.
    repair_cases.as_user("company")
    assert _object(repair_cases, record_id, ground="period").status_code == 303
    mine = assert_page(client.get("/me/objections"))
    open_id = int(re.findall(r'action="/me/objections/(\d+)/withdraw"', mine)[0])
    gone = repair_cases.post(f"/me/objections/{open_id}/withdraw", {}, "/me/objections")
    assert gone.status_code == 303
    client.cookies.clear()
    record = assert_page(client.get(f"/records/{record_id}"))
    assert 'data-mark="objection"' not in record
    assert PERSON_NAME not in record


# --- uploads -----------------------------------------------------------------------------------


def test_a_scanned_document_of_two_mib_is_taken(repair_cases: Cases) -> None:
    repair_cases.as_user("company")
    scan = PDF + b"0" * (2 * 1024 * 1024)
    sent = repair_cases.apply(
        repair_cases.ready,
        files=[
            ("commitment", ("承诺书.pdf", scan, "application/pdf")),
            ("payment", ("缴款凭证.png", PNG, "image/png")),
        ],
    )
    assert sent.status_code == 303, sent.text[:1000]
    assert repair_cases.count(repair_applications) == 1


def test_a_form_over_the_upload_limit_gets_the_portal_page(
    repair_cases: Cases, database_url: str, tmp_path: Path
) -> None:
    """The app bounds the form like the API's application (every document at the largest size,
    plus room for the fields); past that the visitor gets the portal's 413 page, not JSON."""
    small = portal_settings(tmp_path, database_url).model_copy(
        update={"repair_document_max_bytes": 64 * 1024}
    )
    app = create_app(small)
    app.state.clock = CLOCK
    with TestClient(app) as client:
        portal = Portal(client, repair_cases.portal.region, repair_cases.portal.batch)
        assert portal.login("company").status_code == 303
        token = portal.csrf(f"/me/repair/new?record={repair_cases.ready}")
        over = MAX_DOCUMENTS * 64 * 1024 + 1_048_576 + 1
        refused = client.post(
            "/me/repair/new",
            data={"record": str(repair_cases.ready), "corrected": "已整改", "csrf_token": token},
            files=[("commitment", ("c.pdf", PDF + b"0" * over, "application/pdf"))],
            follow_redirects=False,
        )
        text = assert_page(refused, 413)
        assert "上传内容过大" in text
        assert refused.headers["content-type"].startswith("text/html")
        english = client.post(
            "/me/repair/new?lang=en",
            data={"record": str(repair_cases.ready), "csrf_token": token},
            files=[("commitment", ("c.pdf", PDF + b"0" * over, "application/pdf"))],
        )
        assert "the upload is too large" in assert_page(english, 413)
        # The API keeps answering problem+json.
        api = client.post("/api/v1/ids/check", content=b"x" * 1_100_000)
        assert api.status_code == 413
        assert api.headers["content-type"].startswith("application/problem+json")
    assert repair_cases.count(repair_applications) == 0
