"""The portal in a real browser: Debian's Chromium driven by Playwright against a uvicorn server
on a free port, over a generated Yangtze River Delta ingested from all four provinces.

The public journey searches a company by part of its name, opens its file, finds a penalty with
its 处罚类别, 处罚机关 and 公示截止期 and opens the record; the office journey logs in as a credit
office and opens the sources and a batch. Every page the browser shows is checked for resident ID
numbers in clear. The tests skip (saying why) when /usr/bin/chromium or Playwright is missing;
``scripts/bootstrap`` with ``CREDIT_YRD_WITH_BROWSER=1`` installs both, so CI runs them.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from credit_yrd.api.app import create_app
from credit_yrd.auth import create_account, password_hasher
from credit_yrd.clock import FixedClock
from credit_yrd.demo import GenerateOptions, generate
from credit_yrd.ids.masking import mask
from credit_yrd.ingest import context_for, expand_inputs, ingest_file
from credit_yrd.ledger import Audience, credit_file
from credit_yrd.search.query import search
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.migrate import init_store
from credit_yrd.store.schema import records, subjects
from tests.web.conftest import PASSWORD, portal_settings, unmasked_ids

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed at /usr/bin/chromium "
    "(CREDIT_YRD_WITH_BROWSER=1 bash scripts/bootstrap installs it)",
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
)

TODAY = dt.date(2026, 10, 31)  # the generated world's "today"
CLOCK = FixedClock(TODAY)
SOURCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
#: Longest wait for the server to start (a bound, not a timing assertion).
STARTUP_SECONDS = 30


@dataclass
class Target:
    """A company of the world with a penalty published on TODAY, and what its page must show."""

    name: str
    uscc: str
    part: str
    record_id: int
    penalty_type: str
    authority: str
    publication_end: str


@dataclass
class Site:
    base: str
    target: Target
    office_user: str = "office"
    visited: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate(folder, GenerateOptions(subjects=200, seed=7, as_of=TODAY))
    return folder


def _ingest(engine: Engine, world: Path, settings: Any) -> None:
    for source in SOURCES:
        ctx = context_for(engine, source, settings=settings, clock=CLOCK)
        files, _ = expand_inputs([world / source], ctx.mapping)
        for path in files:
            ingest_file(ctx, path)


def _field(record: Any, code: str) -> str | None:
    for f in record.fields:
        if f.code == code:
            if f.codes:
                return "、".join(c.label_zh or c.code for c in f.codes)
            return str(f.value)
    return None


def _pick_target(engine: Engine) -> Target:
    """The first company whose public file shows a penalty with the three fields, and a part of
    its name that finds it on the first page of results."""
    standard = get_standard()
    with engine.connect() as conn:
        ids = conn.execute(
            select(records.c.subject_id)
            .where(records.c.kind == "penalty", records.c.subject_id.is_not(None))
            .distinct()
            .order_by(records.c.subject_id)
        ).scalars()
        for subject_id in ids:
            row = conn.execute(select(subjects).where(subjects.c.id == subject_id)).one()
            if row.subject_type != "legal_person" or not row.uscc or mask(row.uscc) != row.uscc:
                continue
            file = credit_file(conn, row, audience=Audience.PUBLIC, on=TODAY, standard=standard)
            for section in file.sections:
                for record in section.records:
                    window = record.publication or {}
                    penalty_type = _field(record, "CF_CFLB")
                    authority = _field(record, "CF_CFJG")
                    if record.kind != "penalty" or not window.get("max_end"):
                        continue
                    if not penalty_type or not authority:
                        continue
                    name = row.name
                    for start in (2, 3, 0):
                        part = name[start : start + 4]
                        found = search(conn, part, limit=20, standard=standard)
                        if any(item.id == row.id for item in found.items):
                            return Target(
                                name=name,
                                uscc=row.uscc,
                                part=part,
                                record_id=record.id,
                                penalty_type=penalty_type,
                                authority=authority,
                                publication_end=str(window["max_end"]),
                            )
    raise AssertionError("the generated world has no company with a published penalty")


class _Server:
    """uvicorn serving the app on a socket bound to a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the portal server did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=STARTUP_SECONDS)
        self.sock.close()


@pytest.fixture
def site(world: Path, database_url: str, tmp_path: Path) -> Iterator[Site]:
    settings = portal_settings(tmp_path, database_url)
    engine = init_store(database_url)
    try:
        _ingest(engine, world, settings)
        with transaction(engine) as conn:
            create_account(
                conn,
                username="office",
                password=PASSWORD,
                role="credit_office",
                display_name="区域信用办",
                clock=CLOCK,
                hasher=password_hasher("fast"),
            )
        target = _pick_target(engine)
    finally:
        engine.dispose()
    app = create_app(settings)
    app.state.clock = CLOCK
    with _Server(app) as base:
        yield Site(base, target)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(base_url=site.base, locale="zh-CN")
    # Nothing may come from anywhere but this server.
    outside: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith(site.base):
            outside.append(request.url)

    context.on("request", watch)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
    assert outside == [], outside


def check(page: Any, site: Site) -> str:
    """Record the page shown and assert it holds no resident ID number in clear."""
    html = page.content()
    site.visited.append(page.url)
    found = unmasked_ids(html)
    assert not found, (page.url, found)
    return str(html)


def test_public_journey(page: Any, site: Site) -> None:
    target = site.target
    expect = sync_api.expect
    page.goto("/")
    check(page, site)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # The keyboard reaches the search box: first the skip link, then on to the input.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(12):
        if page.evaluate("document.activeElement.id") == "q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")

    # Typing searches as you type (htmx); Enter submits the form as any browser would.
    page.keyboard.type(target.part)
    expect(page.locator("#results").get_by_role("link", name=target.name)).to_be_visible()
    check(page, site)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    check(page, site)
    page.get_by_role("link", name=target.name).first.click()
    page.wait_for_url(f"**/subjects/{target.uscc}")
    check(page, site)
    expect(page.locator("h1")).to_have_text(target.name)

    card = page.locator(f"#record-{target.record_id}")
    expect(card).to_contain_text("行政处罚")
    labels = card.locator("dt")
    values = card.locator("dd")
    shown = dict(zip(labels.all_inner_texts(), values.all_inner_texts(), strict=True))
    assert shown["处罚类别"] == target.penalty_type
    assert shown["处罚机关"] == target.authority
    assert shown["公示截止期"] == target.publication_end
    assert target.publication_end > TODAY.isoformat()

    card.get_by_role("link", name="查看详情与历史版本").click()
    page.wait_for_url(f"**/records/{target.record_id}")
    check(page, site)
    expect(page.get_by_role("heading", name="历史版本")).to_be_visible()
    expect(page.locator(".publication-end")).to_have_text(target.publication_end)

    # The language switch, kept across pages.
    page.locator("#lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Version history")).to_be_visible()
    check(page, site)
    page.get_by_role("link", name="Back to the credit file").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(f"#record-{target.record_id}")).to_contain_text("Publication ends")
    check(page, site)
    page.locator("#lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    check(page, site)

    # Without a match: a clear message, not an error.
    page.goto("/search?q=" + "不存在的企业名称甲乙丙")
    expect(page.locator("#results")).to_contain_text("没有找到符合条件的主体")
    check(page, site)
    assert len(site.visited) >= 9


def test_the_file_fits_a_phone(browser: Any, site: Site) -> None:
    context = browser.new_context(base_url=site.base, viewport={"width": 375, "height": 740})
    phone = context.new_page()
    try:
        phone.goto(f"/subjects/{site.target.uscc}")
        check(phone, site)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        phone.goto("/")
        check(phone, site)
        assert phone.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        box = phone.locator("#q").bounding_box()
        assert box is not None and box["width"] > 200
    finally:
        context.close()


def test_credit_office_journey(page: Any, site: Site) -> None:
    expect = sync_api.expect
    page.goto("/office/sources")
    page.wait_for_url("**/login?next=*")
    check(page, site)
    page.get_by_label("用户名").fill(site.office_user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/office/sources")
    check(page, site)
    expect(page.get_by_role("heading", name="数据来源")).to_be_visible()
    expect(page.locator("nav")).to_contain_text("已登录：office")

    page.get_by_role("link", name="安徽省公共信用信息", exact=False).first.click()
    page.wait_for_url("**/office/batches?source=anhui")
    check(page, site)
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    rows.first.get_by_role("link").click()
    page.wait_for_url("**/office/batches/*")
    check(page, site)
    expect(page.get_by_role("heading", name="回执")).to_be_visible()
    expect(page.locator(".cards")).to_contain_text("读取行")

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(site.base + "/")
    check(page, site)
    page.goto("/office/sources")
    page.wait_for_url("**/login?next=*")
    check(page, site)
