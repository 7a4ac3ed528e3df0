"""The pages of the lists and of the joint-action loop over HTTP (no browser), on both backends:
the public lists, the department console (propose, answer an objection, check, feedback), the
subject's list notices with its objection, and the credit office's dashboard — who may open each,
what bad input says, and that every form needs the session's CSRF token."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from credit_yrd.auth import create_account, password_hasher
from credit_yrd.auth.accounts import get_account, principal_of
from credit_yrd.clock import FixedClock
from credit_yrd.measures.subscriptions import subscribe
from credit_yrd.measures.worker import run_once
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import access_log, actions, checks, list_entries
from credit_yrd.web.routes import undeclared_pages
from tests.ledger.conftest import CLOCK, TODAY
from tests.web.conftest import PASSWORD, Portal, assert_page

#: Extra departments: Jiangsu finance (implements procurement exclusion), a Zhejiang office.
EXTRA = {
    "dept_js_fin": ("department", {"province": "32", "domain": "finance"}),
    "office_zj": ("credit_office", {"province": "33"}),
}
LIST = "market_serious_violation"
GOOD_PROPOSAL = {
    "list_code": LIST,
    "reason": "生产销售不合格特种设备，情节严重",
    "legal_basis": "《市场监督管理严重违法失信名单管理办法》第十条",
    "decision_number": "沪市监信〔2026〕1号",
    "ends_on": "",
}


@dataclass
class Joint:
    portal: Portal
    uscc: str
    company_id: int

    @property
    def client(self):  # type: ignore[no-untyped-def]
        return self.portal.client

    def as_user(self, username: str) -> None:
        self.client.cookies.clear()
        assert self.portal.login(username).status_code == 303

    def post(self, path: str, data: dict[str, str], page: str = "/console"):  # type: ignore[no-untyped-def]
        token = self.portal.csrf(page)
        return self.client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)

    def set_day(self, day: dt.date) -> None:
        self.client.app.state.clock = FixedClock(day)  # type: ignore[attr-defined]

    def run_worker(self, day: dt.date) -> dict[str, object]:
        app = self.client.app
        settings = app.state.settings  # type: ignore[attr-defined]
        engine = app.state.store_engine()  # type: ignore[attr-defined]
        return run_once(engine, clock=FixedClock(day), standard=get_standard(), settings=settings)

    def count(self, table) -> int:  # type: ignore[no-untyped-def]
        engine = self.client.app.state.store_engine()  # type: ignore[attr-defined]
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def joint(portal: Portal) -> Joint:
    engine = portal.client.app.state.store_engine()  # type: ignore[attr-defined]
    with transaction(engine) as conn:
        for username, (role, scope) in EXTRA.items():
            create_account(
                conn,
                username=username,
                password=PASSWORD,
                role=role,
                display_name=f"测试 {username}",
                clock=CLOCK,
                hasher=password_hasher("fast"),
                province=scope.get("province"),
                domain=scope.get("domain"),
            )
        info = get_account(conn, "dept_js_fin")
        assert info is not None
        subscribe(
            conn, clock=CLOCK, principal=principal_of(info), scenarios=["government_procurement"]
        )
    return Joint(portal, portal.region.uscc, portal.region.company_id)


def _propose(joint: Joint, **changes: str):  # type: ignore[no-untyped-def]
    return joint.post("/console/proposals", {**GOOD_PROPOSAL, "subject": joint.uscc, **changes})


def _entry_id(text: str) -> int:
    found = re.search(r'id="entry-(\d+)" data-status="proposed"', text)
    assert found, text[:2000]
    return int(found.group(1))


# --- access ------------------------------------------------------------------------------------


def test_every_new_page_declares_its_audience() -> None:
    assert undeclared_pages() == []


def test_who_may_open_the_console_and_the_dashboard(joint: Joint) -> None:
    client = joint.client
    for path in ("/console", "/office/joint"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    for username in ("office", "company", "bank", "source_sh"):
        joint.as_user(username)
        text = assert_page(client.get("/console"), 403)
        assert "仅限政务部门账户" in text
    for username in ("dept_sh", "company", "bank"):
        joint.as_user(username)
        assert_page(client.get("/office/joint"), 403)
    joint.as_user("dept_sh")
    text = assert_page(client.get("/console"))
    assert 'href="/console"' in text and "提出列入" in text
    # Only the lists a market-regulation department may decide are offered.
    assert f'value="{LIST}"' in text and 'value="wage_arrears"' not in text
    joint.as_user("office")
    assert_page(client.get("/office/joint"))


def test_a_department_login_lands_on_its_console(joint: Joint) -> None:
    joint.client.cookies.clear()
    response = joint.portal.login("dept_sh")
    assert response.headers["location"] == "/console"


def test_every_form_needs_the_session_csrf_token(joint: Joint) -> None:
    joint.as_user("dept_sh")
    client = joint.client
    for path in (
        "/console/proposals",
        "/console/check",
        "/console/entries/1/answer",
        "/console/actions/1/feedback",
    ):
        refused = client.post(path, data={"csrf_token": "forged"}, follow_redirects=False)
        assert_page(refused, 403)
    token = joint.portal.csrf("/console")
    other_site = client.post(
        "/console/proposals",
        data={**GOOD_PROPOSAL, "subject": joint.uscc, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert_page(other_site, 403)
    joint.as_user("company")
    refused = client.post(
        "/me/entries/1/objection", data={"csrf_token": "x", "reason": "r"}, follow_redirects=False
    )
    assert_page(refused, 403)
    assert joint.count(list_entries) == 0


# --- public lists ------------------------------------------------------------------------------


def test_the_public_catalogue_shows_every_list(joint: Joint) -> None:
    text = assert_page(joint.client.get("/lists"))
    standard = get_standard()
    for definition in standard.lists.values():
        assert f'id="list-{definition.code}"' in text
        assert definition.document_number in text
    assert "3 年" in text and "移出条件" in text
    assert 'href="/lists"' in text  # in the navigation of every page
    english = joint.client.get("/lists?lang=en").text
    assert "Exit conditions" in english and "3 years" in english
    assert_page(joint.client.get("/lists/no_such_list"), 404)
    assert_page(joint.client.get(f"/lists/{LIST}?after=abc"), 404)
    assert_page(joint.client.get("/lists/DROP%20TABLE"), 404)


# --- propose: bad input ------------------------------------------------------------------------


def test_a_bad_proposal_says_which_field_and_why(joint: Joint) -> None:
    joint.as_user("dept_sh")
    blank = _propose(joint, subject="", reason="", legal_basis="")
    text = assert_page(blank, 400)
    assert "请填写主体的统一社会信用代码" in text
    assert "请填写列入事由" in text and "请填写认定依据" in text
    unknown = assert_page(_propose(joint, subject="91310000MA1K00000X"), 400)
    assert "平台上没有代码为 91310000MA1K00000X 的主体" in unknown
    not_ours = assert_page(_propose(joint, list_code="wage_arrears"), 400)
    assert "本部门所在领域不能认定该名单" in not_ours
    bad_day = assert_page(_propose(joint, ends_on="2026-13-40"), 400)
    assert "YYYY-MM-DD" in bad_day
    too_late = assert_page(_propose(joint, ends_on="2040-01-01"), 400)
    assert "在列最后一日不能晚于" in too_late
    assert joint.count(list_entries) == 0
    # The values entered come back in the form.
    assert GOOD_PROPOSAL["reason"] in too_late


def test_a_second_live_proposal_is_refused_with_the_reason(joint: Joint) -> None:
    joint.as_user("dept_sh")
    assert _propose(joint).status_code == 303
    again = assert_page(_propose(joint), 409)
    assert "已有条目" in again
    assert joint.count(list_entries) == 1


# --- the whole loop ----------------------------------------------------------------------------


def test_propose_object_answer_check_feedback_and_the_dashboard(joint: Joint) -> None:
    client = joint.client
    joint.as_user("dept_sh")
    done = _propose(joint)
    assert done.status_code == 303 and done.headers["location"].startswith("/console?done=")
    console = assert_page(client.get(done.headers["location"]))
    assert "已提出列入并告知主体" in console
    entry_id = _entry_id(console)
    assert "已告知，异议期内" in console and "提出列入并告知" in console
    # Not public yet.
    assert joint.uscc not in client.get(f"/lists/{LIST}").text

    # The subject sees its notice: reasons, basis, rights, deadline, and objects.
    joint.as_user("company")
    me = assert_page(client.get("/me"))
    assert f'id="notice-{entry_id}"' in me
    assert GOOD_PROPOSAL["reason"] in me and "您的权利" in me
    assert (TODAY + dt.timedelta(days=10)).isoformat() in me
    empty = joint.post(f"/me/entries/{entry_id}/objection", {"reason": " "}, page="/me")
    assert "请写明异议理由" in assert_page(empty, 400)
    objected = joint.post(
        f"/me/entries/{entry_id}/objection", {"reason": "已整改完毕，处罚已履行"}, page="/me"
    )
    assert objected.status_code == 303
    twice = joint.post(f"/me/entries/{entry_id}/objection", {"reason": "再次异议"}, page="/me")
    assert "不能提出异议" in assert_page(twice, 409)

    # The department answers: a bad answer first, then uphold.
    joint.as_user("dept_sh")
    console = client.get("/console").text
    assert f'id="objection-{entry_id}"' in console and "已整改完毕" in console
    bad = joint.post(f"/console/entries/{entry_id}/answer", {"decision": "maybe", "reply": ""})
    text = assert_page(bad, 400)
    assert "请选择维持列入或采纳异议" in text and "请填写答复意见" in text
    upheld = joint.post(
        f"/console/entries/{entry_id}/answer", {"decision": "uphold", "reply": "经核实，维持"}
    )
    assert upheld.status_code == 303
    console = client.get("/console").text
    assert f'id="entry-{entry_id}" data-status="listed"' in console

    # Public now: the list page and the subject's file.
    public = assert_page(client.get(f"/lists/{LIST}"))
    assert joint.uscc in public and f'href="/subjects/{joint.uscc}"' in public
    assert "测试 dept_sh" in public and "上海" in public
    file = assert_page(client.get(f"/subjects/{joint.uscc}"))
    assert "在列名单" in file and f'href="/lists/{LIST}"' in file
    assert '<strong class="count">1</strong>' in client.get("/lists").text
    assert '<div class="card" id="listed-card"><strong>1</strong>' in client.get("/").text

    # The platform initiates the actions; Jiangsu finance sees it, checks and feeds back.
    result = joint.run_worker(TODAY)
    assert int(str(result["actions"])) >= 1 and not result["errors"], result
    joint.as_user("dept_js_fin")
    console = assert_page(client.get("/console"))
    action = re.search(r'id="action-(\d+)" data-measure="procurement_exclusion"', console)
    assert action, console
    action_id = int(action.group(1))
    no_codes = joint.post("/console/check", {"codes": " ", "scenario": "government_procurement"})
    assert "请填写至少一个主体代码" in assert_page(no_codes, 400)
    bad_scenario = joint.post("/console/check", {"codes": joint.uscc, "scenario": "lottery"})
    assert "请选择业务场景" in assert_page(bad_scenario, 400)
    assert joint.count(checks) == 0
    checked = assert_page(
        joint.post(
            "/console/check",
            {"codes": f"{joint.uscc}\nnot-a-code", "scenario": "government_procurement"},
        )
    )
    assert 'data-measure="procurement_exclusion"' in checked
    assert "测试 dept_sh" in checked and GOOD_PROPOSAL["legal_basis"] in checked
    assert 'data-status="invalid"' in checked
    assert joint.count(checks) == 1
    no_reason = joint.post(f"/console/actions/{action_id}/feedback", {"outcome": "exempted"})
    assert "须说明理由" in assert_page(no_reason, 400)
    no_outcome = joint.post(f"/console/actions/{action_id}/feedback", {"outcome": ""})
    assert "请选择反馈结果" in assert_page(no_outcome, 400)
    fed = joint.post(f"/console/actions/{action_id}/feedback", {"outcome": "applied"})
    assert fed.status_code == 303
    again = joint.post(f"/console/actions/{action_id}/feedback", {"outcome": "applied"})
    assert "不能再次反馈" in assert_page(again, 409)
    engine = client.app.state.store_engine()  # type: ignore[attr-defined]
    with engine.connect() as conn:
        row = conn.execute(select(actions).where(actions.c.id == action_id)).one()
    assert row.executed_at is not None and row.feedback == "applied"
    assert row.pushed_at is not None  # the console read it through the pull feed

    # Another department cannot answer this action.
    joint.as_user("dept_sh")
    foreign = joint.post(f"/console/actions/{action_id}/feedback", {"outcome": "applied"})
    assert_page(foreign, 404)

    # The regional office's dashboard counts it; the Zhejiang office sees none of Jiangsu's.
    joint.as_user("office")
    board = assert_page(client.get("/office/joint"))
    row_html = re.search(r'<tr data-province="32">(.*?)</tr>', board, re.S)
    assert row_html, board
    cells = dict(re.findall(r'data-count="(\w+)">([\d,]+)<', row_html.group(1)))
    assert cells["initiated"] == "1" and cells["pushed"] == "1"
    assert cells["executed"] == "1" and cells["fed_back"] == "1" and cells["applied"] == "1"
    data = re.search(
        r'<script type="application/json" id="joint-chart-data">(.*?)</script>', board, re.S
    )
    assert data
    charts = json.loads(data.group(1))
    assert charts["byProvince"]["series"]["executed"] == [1]
    assert charts["funnel"]["values"] == [1, 1, 1, 1]
    assert '<script src="/static/joint-charts.js" defer></script>' in board
    assert "<script>" not in board  # no inline script
    joint.as_user("office_zj")
    zhejiang = assert_page(client.get("/office/joint"))
    assert 'data-province="32"' not in zhejiang and "尚未发起任何措施" in zhejiang

    # Showing the console is logged (it shows proposals and objections).
    with engine.connect() as conn:
        logged = conn.execute(
            select(func.count())
            .select_from(access_log)
            .where(access_log.c.action == "portal /console")
        ).scalar_one()
    assert logged >= 3


def test_the_objection_window_passes_and_the_entry_is_listed(joint: Joint) -> None:
    joint.as_user("dept_sh")
    assert _propose(joint).status_code == 303
    later = TODAY + dt.timedelta(days=11)
    joint.run_worker(later)
    joint.set_day(later)
    public = assert_page(joint.client.get(f"/lists/{LIST}"))
    assert joint.uscc in public and later.isoformat() in public
    joint.as_user("company")
    me = joint.client.get("/me").text
    assert "提出异议</button>" not in me  # the window is closed: no form


def test_the_dashboard_date_must_be_a_past_date(joint: Joint) -> None:
    joint.as_user("office")
    for bad in ("yesterday", "2099-01-01", "1999-12-31"):
        text = assert_page(joint.client.get(f"/office/joint?on={bad}"), 400)
        assert "YYYY-MM-DD" in text
    assert_page(joint.client.get(f"/office/joint?on={TODAY.isoformat()}"))


def test_the_chart_script_and_echarts_are_served_with_their_licence(joint: Joint) -> None:
    for path in ("/static/echarts.min.js", "/static/joint-charts.js"):
        response = joint.client.get(path)
        assert response.status_code == 200 and len(response.content) > 1000
    notice = joint.client.get("/static/echarts.LICENSE.txt").text
    assert "Apache License" in notice and "echarts@5" in notice


def test_a_listed_natural_person_is_masked_and_not_linked(joint: Joint) -> None:
    from credit_yrd.lists import lifecycle
    from tests.ledger.conftest import PERSON_ID, PERSON_NAME

    engine = joint.client.app.state.store_engine()  # type: ignore[attr-defined]
    with transaction(engine) as conn:
        info = get_account(conn, "dept_sh")
        assert info is not None
        lifecycle.propose(
            conn,
            standard=get_standard(),
            clock=CLOCK,
            principal=principal_of(info),
            list_code=LIST,
            subject_id=joint.portal.region.person_id,
            reason=f"经营者 {PERSON_NAME}（身份证 {PERSON_ID}）严重违法",
            legal_basis="《市场监督管理严重违法失信名单管理办法》第十条",
        )
    later = TODAY + dt.timedelta(days=11)
    joint.run_worker(later)
    joint.set_day(later)
    text = assert_page(joint.client.get(f"/lists/{LIST}"))  # no ID number in clear
    row = re.search(r'<tr id="entry-\d+">(.*?)</tr>', text, re.S)
    assert row, text
    assert PERSON_NAME not in text and PERSON_NAME[0] + "*" * (len(PERSON_NAME) - 1) in row.group(1)
    assert "<a " not in row.group(1)
    file = joint.client.get(f"/subjects/{joint.uscc}").text
    assert "不在任何名单中" in file
