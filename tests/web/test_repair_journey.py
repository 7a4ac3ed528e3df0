"""Credit repair in a real browser (Debian's Chromium driven by Playwright against a uvicorn
server), on both backends.

The server's clock is a file (``clock_file``) set to 2027-03-02: the company's serious penalty of
2026-03-01 has then served its minimum publication period of one year, and 2027 lies past the
bundled holiday calendar, so deadlines are counted on weekends only and the pages say so. The
company logs in, opens its own file, applies for repair of the penalty (a PDF credit commitment
and a PDF proof of payment) and gets its 查询码 → logs out and follows the case by the code,
without login → the regional credit office (the penalty has no domain: the credit office decides)
sees the case in its queue with the calendar warning, opens it, accepts and approves it → the
public credit file no longer shows the penalty, and the progress page says it is repaired. Every
page is checked for resident ID numbers in clear. Skips when /usr/bin/chromium or Playwright is
missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from credit_yrd.api.app import create_app
from credit_yrd.auth import create_account, password_hasher
from credit_yrd.search.index import index_subjects
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from tests.ledger.conftest import CLOCK, COMPANY_NAME, build_region
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

#: The day the minimum period (one year from 2026-03-01) of the serious penalty is served.
DAY = dt.date(2027, 3, 2)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class RepairSite:
    base: str
    uscc: str
    record_id: int
    commitment: Path
    payment: Path
    visited: list[str] = field(default_factory=list)


@pytest.fixture
def repair_site(database_url: str, tmp_path: Path) -> Iterator[RepairSite]:
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(DAY.isoformat(), encoding="utf-8")
    settings = portal_settings(tmp_path, database_url).model_copy(
        update={"clock_file": clock_file, "worker_interval_seconds": 0.2}
    )
    engine = init_store(database_url)
    try:
        region = build_region(engine)
        with transaction(engine) as conn:
            index_subjects(conn, [region.company_id])
            for username, role, name, subject_id in (
                ("company", "subject", COMPANY_NAME, region.company_id),
                ("yrd-office", "credit_office", "长三角区域信用办", None),
            ):
                create_account(
                    conn,
                    username=username,
                    password=PASSWORD,
                    role=role,
                    display_name=name,
                    subject_id=subject_id,
                    clock=CLOCK,
                    hasher=password_hasher("fast"),
                )
    finally:
        engine.dispose()
    commitment = tmp_path / "信用承诺书.pdf"
    commitment.write_bytes(PDF)
    payment = tmp_path / "罚款缴纳凭证.pdf"
    payment.write_bytes(PDF)
    app = create_app(settings)
    with _Server(app) as base:
        yield RepairSite(base, region.uscc, region.records["shown"], commitment, payment)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, repair_site: RepairSite) -> Iterator[Any]:
    context = browser.new_context(base_url=repair_site.base, locale="zh-CN")
    outside: list[str] = []
    problems: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith(repair_site.base):
            outside.append(request.url)

    def console(message: Any) -> None:
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
    assert problems == [], problems


def check(page: Any, site: RepairSite) -> str:
    html = str(page.content())
    site.visited.append(page.url)
    found = unmasked_ids(html)
    assert not found, (page.url, found)
    return html


def log_in(page: Any, site: RepairSite, path: str, username: str) -> None:
    page.goto(path)
    page.wait_for_url("**/login?next=*")
    check(page, site)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{path}")
    check(page, site)


def log_out(page: Any, site: RepairSite) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(site.base + "/")
    check(page, site)


def test_apply_follow_approve_and_the_record_leaves_the_public_file(
    page: Any, repair_site: RepairSite
) -> None:
    site = repair_site
    expect = sync_api.expect
    record = f"#record-{site.record_id}"

    # The penalty is on the public file.
    page.goto(f"/subjects/{site.uscc}")
    expect(page.locator(record)).to_have_count(1)
    check(page, site)

    # 1. The company applies from its own file.
    log_in(page, site, "/me", "company")
    page.locator(record).get_by_role("link", name="申请信用修复").click()
    page.wait_for_url(f"**/me/repair/new?record={site.record_id}")
    check(page, site)
    form = page.locator("#repair-form")
    form.get_by_label("纠正失信行为、履行义务的情况", exact=True).fill(
        "罚款 50000 元已于 2026 年 4 月全额缴纳，年度报告已补报公示。"
    )
    page.locator("#doc-commitment").set_input_files(str(site.commitment))
    page.locator("#doc-payment").set_input_files(str(site.payment))
    form.get_by_role("button", name="提交修复申请").click()
    page.wait_for_url("**/me/repairs?new=*")
    check(page, site)
    code = page.locator("#new-query-code").inner_text().strip()
    assert code.startswith("XF-") and len(code) == 17, code
    expect(page.locator("#repair-created")).to_contain_text("请妥善保存查询码")
    expect(page.locator("#repair-list")).to_contain_text("信用承诺书.pdf")
    log_out(page, site)

    # 2. Anyone follows the case by its code, without logging in.
    page.goto("/repair")
    check(page, site)
    page.get_by_label("查询码", exact=True).fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="查询进度").click()
    page.wait_for_url("**/repair/progress")
    html = check(page, site)
    expect(page.locator("#progress-status")).to_have_text("已提交，待受理")
    expect(page.locator("#progress-subject")).to_have_text(COMPANY_NAME)
    expect(page.locator("#progress-steps")).to_contain_text("提交申请")
    for secret in (site.uscc, "信用承诺书.pdf", "company"):
        assert secret not in html, secret

    # 3. The regional credit office decides: the queue warns that 2027 is counted on weekends.
    log_in(page, site, "/console/repairs", "yrd-office")
    expect(page.locator("#calendar-warning")).to_contain_text("2027")
    case = page.locator("#repair-queue tbody tr").first
    expect(case).to_contain_text(COMPANY_NAME)
    case.get_by_role("link").click()
    page.wait_for_url("**/console/repairs/*")
    check(page, site)
    expect(page.locator("#case-documents")).to_contain_text("罚款缴纳凭证.pdf")
    page.get_by_role("button", name="受理").click()
    page.wait_for_url("**?done=accepted")
    check(page, site)
    expect(page.locator("#case-status")).to_have_text("已受理，办理中")
    decide = page.locator("#decide-form")
    decide.get_by_label("予以修复", exact=False).check()
    decide.get_by_label("理由（不予修复时必填）", exact=True).fill(
        "罚款已缴清，已整改，符合修复条件"
    )
    decide.get_by_role("button", name="提交决定").click()
    page.wait_for_url("**?done=approved")
    check(page, site)
    expect(page.locator("#done")).to_contain_text("已决定予以修复")
    log_out(page, site)

    # 4. The public file no longer shows the penalty; the code shows the repair.
    page.goto(f"/subjects/{site.uscc}")
    check(page, site)
    expect(page.locator("h1")).to_have_text(COMPANY_NAME)
    expect(page.locator(record)).to_have_count(0)
    page.goto("/repair")
    page.get_by_label("查询码", exact=True).fill(code)
    page.get_by_role("button", name="查询进度").click()
    page.wait_for_url("**/repair/progress")
    assert "code=" not in page.url  # the bearer code never travels in a URL
    check(page, site)
    expect(page.locator("#progress")).to_have_attribute("data-status", "approved")
    expect(page.locator("#progress-steps")).to_contain_text("准予修复")
    assert len(site.visited) >= 12
