"""Bad input to the lists and joint-measures routes answers 4xx naming the field, never 500 (on
PostgreSQL too, which cannot store NUL), and nothing is written: the figures' day out of range,
control characters in a proposal, a NUL list code in the change feed, webhook URLs that point
inside the platform's network."""

from __future__ import annotations

from sqlalchemy import func, select

from credit_yrd.store.engine import make_engine
from credit_yrd.store.schema import list_entries, subscriptions
from tests.api import test_lists_api
from tests.api.test_lists_api import Api, propose

lists_api = test_lists_api.api  # the fixture, under a name of its own here


def _count(api: Api, table) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(api.url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def test_figures_refuse_a_day_out_of_range(lists_api: Api) -> None:
    api = lists_api
    for day in ("9999-12-31", "9999-01-01", "1999-12-31", "0001-01-01"):
        found = api.call("GET", f"/joint/figures?on={day}", "sh_office")
        assert found.status_code == 400, (day, found.text)
        assert found.headers["content-type"].startswith("application/problem+json")
        detail = found.json()["detail"]
        assert "2000-01-01" in detail and "9998-12-31" in detail and "须在" in detail
    assert api.call("GET", "/joint/figures?on=9998-12-31", "sh_office").status_code == 200
    assert api.call("GET", "/joint/figures?on=2026-11-27", "sh_office").status_code == 200


def test_a_proposal_with_control_characters_is_refused(lists_api: Api) -> None:
    api = lists_api
    for field, bad in (
        ("reason", "销售不合格\x00特种设备"),
        ("legal_basis", "第二条\x1b"),
        ("decision_number", "沪市监\x00"),
        ("reason", "right\u202eleft"),
    ):
        refused = propose(api, **{field: bad})
        assert refused.status_code == 400, (field, refused.text)
        assert refused.json()["detail"].startswith(f"{field}：")
        assert "控制字符" in refused.json()["detail"]
    assert _count(api, list_entries) == 0
    made = propose(api, reason="第一条\n第二条")
    assert made.status_code == 201, made.text


def test_the_change_feed_refuses_a_list_code_that_cannot_be_one(lists_api: Api) -> None:
    api = lists_api
    for code in ("%00", "JUDGMENT", "1abc", "a" * 65, "a-b"):
        refused = api.call("GET", f"/lists/changes?list_code={code}")
        assert refused.status_code == 422, (code, refused.text)
        assert refused.json()["errors"][0]["loc"] == ["query", "list_code"]
    assert api.call("GET", "/lists/changes?list_code=judgment_defaulter").status_code == 200
    # and a proposal's list code is held to the same shape
    refused = propose(api, list_code="market\x00")
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == [
        "body",
        "list_code",
    ]


def test_a_webhook_inside_the_platforms_network_is_refused(lists_api: Api) -> None:
    api = lists_api
    for url in (
        "http://127.0.0.1:5432/",
        "http://[::1]:22/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.7/hook",
        "http://0.0.0.0:8000/",
        "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/",
        "http://localhost:8000/hook",
        "http://2130706433/",  # 127.0.0.1 written as one number
    ):
        refused = api.call(
            "POST",
            "/subscriptions",
            "sh_amr",
            json={"scenarios": ["government_procurement"], "webhook_url": url},
        )
        assert refused.status_code == 400, (url, refused.text)
        detail = refused.json()["detail"]
        assert detail.startswith("webhook_url：") and "WEBHOOK_ALLOW_PRIVATE_HOSTS" in detail
    assert _count(api, subscriptions) == 0
    made = api.call(
        "POST", "/subscriptions", "sh_amr", json={"scenarios": ["government_procurement"]}
    )
    assert made.status_code == 201, made.text
    moved = api.call(
        "PATCH",
        f"/subscriptions/{made.json()['id']}",
        "sh_amr",
        json={"webhook_url": "http://[fe80::1]/hook"},
    )
    assert moved.status_code == 400 and "WEBHOOK_ALLOW_PRIVATE_HOSTS" in moved.json()["detail"]
    assert (
        api.call("GET", "/subscriptions", "sh_amr").json()["subscriptions"][0]["webhook_url"]
        is None
    )
