"""The joint-action loop in a real browser (Debian's Chromium driven by Playwright against a
uvicorn server), on both backends.

A Shanghai market-regulation department logs in and proposes a company for the market-regulation
serious-dishonesty list → the objection window passes (the server's clock is a file,
``clock_file``, that the test rewrites to a later day; the server's own worker, running every
fraction of a second, lists the entry and initiates its measures) → a Jiangsu finance department,
subscribed to government procurement, checks the company in that scenario and sees the
procurement-exclusion measure with its reason → it records the feedback 'applied' → the regional
credit office's dashboard counts the action as executed and fed back, in its table and its
ECharts chart (drawn under the strict CSP, with no inline script). Every page is checked for
resident ID numbers in clear. Skips when /usr/bin/chromium or Playwright is missing.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from credit_yrd.api.app import create_app
from credit_yrd.auth import create_account, password_hasher
from credit_yrd.auth.accounts import get_account, principal_of
from credit_yrd.measures.subscriptions import subscribe
from credit_yrd.search.index import index_subjects
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from tests.ledger.conftest import CLOCK, COMPANY_NAME, TODAY, build_region
from tests.web.conftest import PASSWORD, portal_settings, unmasked_ids
from tests.web.test_journey import CHROMIUM, _Server

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed at /usr/bin/chromium "
    "(CREDIT_YRD_WITH_BROWSER=1 bash scripts/bootstrap installs it)",
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
)

LIST = "market_serious_violation"
#: name → (role, scope, display name)
USERS: dict[str, tuple[str, dict[str, str], str]] = {
    "sh-market": (
        "department",
        {"province": "31", "domain": "market_regulation"},
        "上海市市场监督管理局",
    ),
    "js-finance": ("department", {"province": "32", "domain": "finance"}, "江苏省财政厅"),
    "yrd-office": ("credit_office", {}, "长三角区域信用办"),
}
#: Longest wait for the server's worker to act on the moved clock (a bound, not a timing check).
WORKER_WAIT_SECONDS = 30


@dataclass
class JointSite:
    base: str
    clock_file: Path
    uscc: str
    visited: list[str] = field(default_factory=list)


@pytest.fixture
def joint_site(database_url: str, tmp_path: Path) -> Iterator[JointSite]:
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(TODAY.isoformat(), encoding="utf-8")
    settings = portal_settings(tmp_path, database_url).model_copy(
        update={"clock_file": clock_file, "worker_interval_seconds": 0.2}
    )
    engine = init_store(database_url)
    try:
        region = build_region(engine)
        with transaction(engine) as conn:
            index_subjects(conn, [region.company_id])
            for username, (role, scope, name) in USERS.items():
                create_account(
                    conn,
                    username=username,
                    password=PASSWORD,
                    role=role,
                    display_name=name,
                    clock=CLOCK,
                    hasher=password_hasher("fast"),
                    province=scope.get("province"),
                    domain=scope.get("domain"),
                )
            info = get_account(conn, "js-finance")
            assert info is not None
            subscribe(
                conn,
                clock=CLOCK,
                principal=principal_of(info),
                scenarios=["government_procurement"],
                settings=settings,
            )
    finally:
        engine.dispose()
    app = create_app(settings)
    with _Server(app) as base:
        yield JointSite(base, clock_file, region.uscc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, joint_site: JointSite) -> Iterator[Any]:
    context = browser.new_context(base_url=joint_site.base, locale="zh-CN")
    outside: list[str] = []
    problems: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith(joint_site.base):
            outside.append(request.url)

    def console(message: Any) -> None:
        # A failed load is reported by ``response`` below, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def response(answer: Any) -> None:
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            problems.append(f"{answer.status} {answer.url}")

    context.on("request", watch)
    opened = context.new_page()
    opened.on("console", console)
    opened.on("response", response)
    opened.on("pageerror", lambda exc: problems.append(str(exc)))
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
    assert outside == [], outside
    assert problems == [], problems  # no CSP violation, no script error


def check(page: Any, site: JointSite) -> str:
    html = str(page.content())
    site.visited.append(page.url)
    found = unmasked_ids(html)
    assert not found, (page.url, found)
    return html


def log_in(page: Any, site: JointSite, path: str, username: str) -> None:
    page.goto(path)
    page.wait_for_url("**/login?next=*")
    check(page, site)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{path}")
    check(page, site)


def log_out(page: Any, site: JointSite) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(site.base + "/")
    check(page, site)


def test_propose_wait_check_feedback_and_count(page: Any, joint_site: JointSite) -> None:
    site = joint_site
    expect = sync_api.expect

    # 1. Shanghai market regulation proposes the listing.
    log_in(page, site, "/console", "sh-market")
    form = page.locator("#propose-form")
    form.get_by_label("名单", exact=True).select_option(LIST)
    form.get_by_label("主体统一社会信用代码", exact=True).fill(site.uscc)
    form.get_by_label("列入事由", exact=True).fill("生产销售不合格特种设备，造成严重后果")
    form.get_by_label("认定依据", exact=True).fill("《市场监督管理严重违法失信名单管理办法》第十条")
    form.get_by_label("认定文书号（可选）", exact=True).fill("沪市监信〔2026〕8号")
    form.get_by_role("button", name="提出列入并告知主体").click()
    page.wait_for_url("**/console?done=proposed*")
    check(page, site)
    expect(page.locator("#done")).to_contain_text("已提出列入并告知主体")
    entry = page.locator("#entry-list > li").first
    expect(entry).to_have_attribute("data-status", "proposed")
    expect(entry).to_contain_text(COMPANY_NAME)
    expect(entry.locator(".entry-status")).to_have_text("已告知，异议期内")
    objection_until = TODAY + dt.timedelta(days=10)
    expect(entry).to_contain_text(objection_until.isoformat())
    page.goto(f"/lists/{LIST}")
    expect(page.locator("#entry-table")).not_to_contain_text(site.uscc)
    check(page, site)
    log_out(page, site)

    # 2. The objection window passes: the platform's clock moves on, the server's worker lists
    #    the entry and initiates its measures.
    later = objection_until + dt.timedelta(days=1)
    site.clock_file.write_text(later.isoformat(), encoding="utf-8")

    # 3. Jiangsu finance: the action arrives on its console (the worker runs in the server).
    log_in(page, site, "/console", "js-finance")
    action = page.locator('#pending-actions li[data-measure="procurement_exclusion"]')
    deadline = time.monotonic() + WORKER_WAIT_SECONDS
    while action.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.25)
        page.reload()
    check(page, site)
    expect(action).to_have_count(1)
    expect(action).to_contain_text(COMPANY_NAME)
    expect(action).to_contain_text("上海市市场监督管理局")

    #    It checks the company in the government-procurement scenario.
    check_form = page.locator("#check-form")
    check_form.get_by_label("主体代码（统一社会信用代码等，每行一个）", exact=True).fill(site.uscc)
    check_form.get_by_label("业务场景", exact=True).select_option("government_procurement")
    check_form.get_by_role("button", name="核查").click()
    page.wait_for_url("**/console/check")
    check(page, site)
    measure = page.locator('#check-results .measure[data-measure="procurement_exclusion"]')
    expect(measure).to_have_count(1)
    expect(measure).to_contain_text("上海市市场监督管理局")
    expect(measure).to_contain_text("市场监督管理严重违法失信名单")
    expect(measure).to_contain_text("第十条")
    expect(measure).to_contain_text("沪市监信〔2026〕8号")

    #    And records its feedback on the action.
    feedback = page.locator('#pending-actions li[data-measure="procurement_exclusion"] form')
    feedback.get_by_label("反馈结果", exact=True).select_option("applied")
    feedback.get_by_role("button", name="提交反馈").click()
    page.wait_for_url("**/console?done=feedback*")
    check(page, site)
    expect(page.locator("#done")).to_contain_text("已记录反馈")
    expect(page.locator("#no-pending")).to_be_visible()
    expect(page.locator("#answered-actions")).to_contain_text("已实施")
    log_out(page, site)

    # 4. The regional credit office's dashboard counts it: table and chart.
    log_in(page, site, "/office/joint", "yrd-office")
    row = page.locator('#table-province tr[data-province="32"]')
    counts = {
        key: row.locator(f'td[data-count="{key}"]').inner_text()
        for key in ("initiated", "pushed", "executed", "fed_back", "applied", "overdue")
    }
    assert counts == {
        "initiated": "1",
        "pushed": "1",
        "executed": "1",
        "fed_back": "1",
        "applied": "1",
        "overdue": "0",
    }, counts
    expect(page.locator("#table-department")).to_contain_text("江苏省财政厅")
    expect(page.locator("#chart-province")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#chart-province canvas")).to_have_count(1)
    expect(page.locator("#chart-funnel")).to_be_visible()
    check(page, site)

    # The public list shows the listing, with the deciding authority and its dates.
    page.goto(f"/lists/{LIST}")
    table = page.locator("#entry-table")
    expect(table).to_contain_text(site.uscc)
    expect(table).to_contain_text("上海市市场监督管理局")
    expect(table).to_contain_text(later.isoformat())
    check(page, site)
    assert len(site.visited) >= 10


def test_the_joint_pages_fit_a_phone(browser: Any, joint_site: JointSite) -> None:
    context = browser.new_context(
        base_url=joint_site.base, viewport={"width": 375, "height": 740}, locale="zh-CN"
    )
    phone = context.new_page()
    try:
        for path, user in (("/console", "sh-market"), ("/office/joint", "yrd-office")):
            context.clear_cookies()
            log_in(phone, joint_site, path, user)
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
        for path in ("/lists", f"/lists/{LIST}"):
            phone.goto(path)
            check(phone, joint_site)
            assert phone.evaluate(
                "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            ), path
        assert re.search(r"/lists/", phone.url)
    finally:
        context.close()
