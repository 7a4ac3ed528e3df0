"""The department console logs its reads per subject shown (so the subject sees that the
department read its entry), refuses a too-long reason instead of cutting it, and the dashboard
names each department as its subscription does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from credit_yrd.auth import create_account, password_hasher
from credit_yrd.auth.accounts import get_account, principal_of
from credit_yrd.ledger.audit import reads_of_subject
from credit_yrd.measures.subscriptions import subscribe
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import access_log, list_entries
from tests.ledger.conftest import CLOCK, TODAY
from tests.web import test_joint_pages
from tests.web.conftest import PASSWORD, assert_page
from tests.web.test_joint_pages import GOOD_PROPOSAL, Joint

joint_pages = test_joint_pages.joint  # the fixture, under a name of its own here


def _console_reads(joint: Joint) -> list[tuple[str, int | None, list[int]]]:
    engine = joint.client.app.state.store_engine()  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(access_log.c.actor, access_log.c.subject_id, access_log.c.record_ids)
            .where(access_log.c.action == "portal /console")
            .order_by(access_log.c.id)
        ).all()
    return [(r.actor, r.subject_id, list(r.record_ids or [])) for r in rows]


def test_the_console_logs_one_read_per_subject_it_shows(joint_pages: Joint) -> None:
    joint = joint_pages
    joint.as_user("dept_sh")
    assert_page(joint.client.get("/console"))
    assert _console_reads(joint) == []  # nothing about anyone shown yet
    made = joint.post("/console/proposals", {**GOOD_PROPOSAL, "subject": joint.uscc})
    assert made.status_code == 303, made.text
    assert_page(joint.client.get("/console"))
    shown = _console_reads(joint)
    assert shown and {s for _, s, _ in shown} == {joint.company_id}
    assert all("dept_sh" in actor for actor, _, _ in shown)
    # Once listed, the Jiangsu finance department's console shows the action on the company.
    later = TODAY + dt.timedelta(days=11)
    joint.run_worker(later)
    joint.set_day(later)
    joint.as_user("dept_js_fin")
    assert joint.uscc in assert_page(joint.client.get("/console"))
    finance = [r for r in _console_reads(joint) if "dept_js_fin" in r[0]]
    assert [s for _, s, _ in finance] == [joint.company_id]
    # The subject sees the reads (what GET /api/v1/me/access-log answers it).
    engine = joint.client.app.state.store_engine()  # type: ignore[attr-defined]
    with engine.connect() as conn:
        page = reads_of_subject(conn, joint.company_id)
    readers = {row.actor for row in page.entries if row.action == "portal /console"}
    assert any("dept_sh" in a for a in readers) and any("dept_js_fin" in a for a in readers)


def test_a_reason_too_long_is_refused_not_cut(joint_pages: Joint) -> None:
    joint = joint_pages
    joint.as_user("dept_sh")
    for field, limit in (("reason", 4000), ("legal_basis", 2000)):
        response = joint.post(
            "/console/proposals",
            {**GOOD_PROPOSAL, "subject": joint.uscc, field: "x" * (limit + 1)},
        )
        text = assert_page(response, 400)
        assert f"不能超过 {limit} 个字符" in text
    assert joint.count(list_entries) == 0
    exact = joint.post(
        "/console/proposals", {**GOOD_PROPOSAL, "subject": joint.uscc, "reason": "x" * 4000}
    )
    assert exact.status_code == 303
    engine = joint.client.app.state.store_engine()  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert len(conn.execute(select(list_entries.c.reason)).scalar_one()) == 4000


def test_the_dashboard_names_a_department_as_it_subscribed(joint_pages: Joint) -> None:
    joint = joint_pages
    engine = joint.client.app.state.store_engine()  # type: ignore[attr-defined]
    with transaction(engine) as conn:
        # A department whose display name happens to be another account's username.
        create_account(
            conn,
            username="dept_ah_fin",
            password=PASSWORD,
            role="department",
            display_name="office",
            clock=CLOCK,
            hasher=password_hasher("fast"),
            province="34",
            domain="finance",
        )
        info = get_account(conn, "dept_ah_fin")
        assert info is not None
        subscribe(
            conn, clock=CLOCK, principal=principal_of(info), scenarios=["government_procurement"]
        )
        office = get_account(conn, "office")
        assert office is not None and office.display_name != "office"
    joint.as_user("dept_sh")
    assert joint.post("/console/proposals", {**GOOD_PROPOSAL, "subject": joint.uscc}).status_code
    later = TODAY + dt.timedelta(days=11)
    joint.run_worker(later)
    joint.set_day(later)
    joint.as_user("office")
    board = assert_page(joint.client.get("/office/joint"))
    assert '<th scope="row">测试 dept_js_fin</th>' in board
    assert '<th scope="row">office</th>' in board
    assert f'<th scope="row">{office.display_name}</th>' not in board
