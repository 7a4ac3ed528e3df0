"""Initiating and lifting actions, subscriptions, feedback, the pull feed and the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from credit_yrd.auth.principal import Principal
from credit_yrd.auth.roles import Role
from credit_yrd.measures import actions as acts
from credit_yrd.measures.catalogue import CatalogueError, by_list, by_scenario, catalogue
from credit_yrd.measures.delivery import pull
from credit_yrd.measures.errors import (
    ConflictError,
    MeasuresError,
    NotADepartmentError,
    NotFoundError,
)
from credit_yrd.measures.feedback import record_feedback
from credit_yrd.measures.figures import joint_figures
from credit_yrd.measures.subscriptions import (
    checked_webhook_url,
    disable_subscription,
    list_subscriptions,
    subscribe,
    update_subscription,
)
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import actions, deliveries, job_cursors
from tests.measures.conftest import (
    CLOCK,
    PROVINCES,
    TODAY,
    add_entry,
    at,
    company,
    department,
    remove_entry,
    settings,
)

STD = get_standard()
SETTINGS = settings()


def initiate(engine: Engine, clock=CLOCK) -> int:
    with transaction(engine) as conn:
        return acts.initiate_pending(conn, clock=clock, standard=STD, settings=SETTINGS)


def action_rows(engine: Engine) -> list[tuple[int, str, str, int]]:
    with engine.connect() as conn:
        return [
            (r.entry_id, r.measure_code, r.province, r.subscription_id)
            for r in conn.execute(select(actions).order_by(actions.c.id))
        ]


def sub(engine: Engine, who: Principal, scenarios: list[str], url: str | None = None):
    with transaction(engine) as conn:
        return subscribe(
            conn,
            clock=CLOCK,
            principal=who,
            scenarios=scenarios,
            webhook_url=url,
            standard=STD,
            settings=SETTINGS,
        )


def test_the_catalogue_views() -> None:
    everything = catalogue(STD)
    assert {m["code"] for m in everything} == set(STD.measures)
    procurement = catalogue(STD, scenario="政府采购")  # a label works as well as the code
    assert [m["code"] for m in procurement] == ["procurement_exclusion"]
    one = procurement[0]
    assert one["memorandum"]["code"] == "yrd_joint"
    assert "政府采购法" in one["legal_basis_zh"]
    assert one["nature"] == "punishment"
    assert {d["code"] for d in one["implementing_domains"]} == {"finance"}
    red = catalogue(STD, list_code="red_list")
    assert red and all(m["nature"] == "reward" for m in red)
    lists = {row["code"]: row for row in by_list(STD)}
    assert "high_consumption_ban" in lists["judgment_defaulter"]["measures"]
    scenarios = {row["code"]: row for row in by_scenario(STD)}
    assert scenarios["green_channel"]["measures"] == ["green_channel"]
    with pytest.raises(CatalogueError, match="scenario"):
        catalogue(STD, scenario="nowhere")
    with pytest.raises(CatalogueError, match="list"):
        catalogue(STD, list_code="nowhere")


def test_a_listing_initiates_in_all_four_provinces_for_matching_subscriptions_only(
    engine: Engine,
) -> None:
    with transaction(engine) as conn:
        finance = {p: department(conn, p, "finance") for p in PROVINCES}
        fiscal_only = department(conn, "31", "finance", "上海财政（资金）")
        market = department(conn, "33", "market_regulation")
        court = department(conn, "34", "court")
        subject = company(conn, 1)
    subs = {p: sub(engine, who, ["government_procurement"])[0] for p, who in finance.items()}
    fiscal = sub(engine, fiscal_only, ["fiscal_funds"])[0]
    # market regulation implements awards_exclusion, not procurement_exclusion: nothing.
    market_sub = sub(engine, market, ["government_procurement"])[0]
    courts = sub(engine, court, ["high_consumption"])[0]
    with transaction(engine) as conn:
        entry = add_entry(conn, subject, province="32")
    assert initiate(engine) == 6
    rows = action_rows(engine)
    assert sorted(rows) == sorted(
        [(entry, "procurement_exclusion", p, subs[p].id) for p in PROVINCES]
        + [
            (entry, "fiscal_funds_restriction", "31", fiscal.id),
            (entry, "high_consumption_ban", "34", courts.id),
        ]
    )
    assert market_sub.id not in {r[3] for r in rows}
    with engine.connect() as conn:
        due = set(conn.execute(select(actions.c.due_on)).scalars())
        events = conn.execute(select(deliveries.c.event, func.count()).group_by("event")).all()
        pending = conn.execute(
            select(func.count()).where(deliveries.c.next_attempt_at.is_not(None))
        ).scalar_one()
    assert due == {TODAY + dt.timedelta(days=20)}
    assert {str(r[0]): int(r[1]) for r in events} == {"action.initiated": 6}
    assert pending == 0  # nobody has a webhook: everything waits in the pull feed


def test_initiate_pending_is_idempotent_even_when_its_cursor_is_lost(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "33", "finance")
        entries = [add_entry(conn, company(conn, n)) for n in range(3)]
    sub(engine, who, ["government_procurement", "fiscal_funds"])
    # The subscription caught up on the three entries already listed.
    assert len(action_rows(engine)) == 6
    assert initiate(engine) == 0  # the listed events find their actions there already
    assert initiate(engine) == 0
    with transaction(engine) as conn:
        conn.execute(
            update(job_cursors).where(job_cursors.c.name == acts.CURSOR).values(position=0)
        )
    assert initiate(engine) == 0
    assert len(action_rows(engine)) == 6
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(deliveries)).scalar_one() == 6
        position = conn.execute(
            select(job_cursors.c.position).where(job_cursors.c.name == acts.CURSOR)
        ).scalar_one()
    assert position >= len(entries)


def test_a_late_subscriber_loses_nothing_but_gets_no_entry_that_is_not_active(
    engine: Engine,
) -> None:
    with transaction(engine) as conn:
        early = department(conn, "31", "finance")
        late = department(conn, "34", "finance")
        active = add_entry(conn, company(conn, 1))
        ended = add_entry(
            conn, company(conn, 2), listed_on=TODAY.replace(year=2024), ends_on=TODAY.replace(day=1)
        )
        future = add_entry(conn, company(conn, 3), listed_on=TODAY.replace(month=12))
    early_sub, _ = sub(engine, early, ["government_procurement"])
    assert [r[0] for r in action_rows(engine)] == [active]  # caught up on the active one
    # The events are followed whatever the dates (the lists package decides who is listed).
    assert initiate(engine) == 2
    assert sorted(r[0] for r in action_rows(engine) if r[3] == early_sub.id) == sorted(
        [active, ended, future]
    )
    late_sub, secret = sub(engine, late, ["government_procurement"])
    assert secret is None
    late_rows = [r for r in action_rows(engine) if r[3] == late_sub.id]
    assert [r[0] for r in late_rows] == [active]
    assert ended not in [r[0] for r in late_rows] and future not in [r[0] for r in late_rows]
    # Widening the scenarios catches up too.
    with transaction(engine) as conn:
        update_subscription(
            conn,
            clock=CLOCK,
            principal=late,
            subscription_id=late_sub.id,
            scenarios=["government_procurement", "fiscal_funds"],
            standard=STD,
            settings=SETTINGS,
        )
    assert sorted(r[1] for r in action_rows(engine) if r[3] == late_sub.id) == [
        "fiscal_funds_restriction",
        "procurement_exclusion",
    ]


def test_removal_and_withdrawal_lift_the_actions(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "32", "finance")
        first = add_entry(conn, company(conn, 1))
        second = add_entry(conn, company(conn, 2))
    sub(engine, who, ["government_procurement"])
    later = at(days=3)
    with transaction(engine) as conn:
        remove_entry(conn, first, clock=later)
        remove_entry(conn, second, clock=later, event="withdrawn")
    assert initiate(engine, later) == 2
    with engine.connect() as conn:
        lifted = conn.execute(select(actions.c.entry_id, actions.c.lifted_at)).all()
        events = sorted(conn.execute(select(deliveries.c.event)).scalars())
    assert {e for e, when in lifted if when == later.now()} == {first, second}
    assert events == ["action.initiated"] * 2 + ["action.lifted"] * 2
    assert initiate(engine, at(days=4)) == 0  # lifting again changes nothing


def test_subscriptions_are_for_departments_and_check_their_input(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "31", "finance")
    office = Principal(role=Role.CREDIT_OFFICE, key_id=1, label="office")
    with pytest.raises(NotADepartmentError):
        sub(engine, office, ["government_procurement"])
    with pytest.raises(MeasuresError, match=r"scenarios\[1\]"):
        sub(engine, who, ["government_procurement", "moon_landing"])
    with pytest.raises(MeasuresError, match="scenarios"):
        sub(engine, who, [])
    for bad, why in (
        ("ftp://example.org/hook", "http"),
        ("javascript:alert(1)", "http"),
        ("https:///nohost", "host"),
        ("https://user:pw@example.org/hook", "password"),
        ("https://example.org/hook#frag", "fragment"),
        ("https://example.org:99999/hook", "port"),
        ("https://例子.中国/hook", "ASCII"),
        ("https://example.org/" + "a" * 1000, "1000"),
    ):
        with pytest.raises(MeasuresError, match=why):
            checked_webhook_url(bad)
    assert checked_webhook_url("  ") is None
    made, secret = sub(engine, who, ["政府采购"], "https://hooks.example.org/credit")
    assert made.scenarios == ("government_procurement",)
    assert secret is not None and len(secret) == 64
    with engine.connect() as conn:
        assert [s.id for s in list_subscriptions(conn, who)] == [made.id]
        other = department(conn, "32", "finance")  # not committed: only needs a key id
        assert list_subscriptions(conn, other) == []
    with transaction(engine) as conn:
        _, rotated = update_subscription(
            conn, clock=CLOCK, principal=who, subscription_id=made.id, rotate_secret=True
        )
        assert rotated is not None and rotated != secret
        pulled, none = update_subscription(
            conn, clock=CLOCK, principal=who, subscription_id=made.id, webhook_url=None
        )
        assert pulled.webhook_url is None and none is None
        off = disable_subscription(conn, clock=CLOCK, principal=who, subscription_id=made.id)
        assert not off.active
        with pytest.raises(ConflictError):
            update_subscription(
                conn,
                clock=CLOCK,
                principal=who,
                subscription_id=made.id,
                scenarios=["fiscal_funds"],
            )
    with transaction(engine) as conn:
        stranger = department(conn, "34", "finance")
    with transaction(engine) as conn, pytest.raises(NotFoundError):
        disable_subscription(conn, clock=CLOCK, principal=stranger, subscription_id=made.id)


def test_a_disabled_subscription_gets_no_new_actions(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "31", "finance")
    made, _ = sub(engine, who, ["government_procurement"])
    with transaction(engine) as conn:
        disable_subscription(conn, clock=CLOCK, principal=who, subscription_id=made.id)
        add_entry(conn, company(conn, 1))
    assert initiate(engine) == 0
    assert action_rows(engine) == []


def test_feedback_rules(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "33", "finance")
        other = department(conn, "34", "finance")
        add_entry(conn, company(conn, 1))
        add_entry(conn, company(conn, 2))
    sub(engine, who, ["government_procurement"])
    sub(engine, other, ["government_procurement"])
    with engine.connect() as conn:
        mine = [a.id for a in acts.department_actions(conn, who, standard=STD, on=TODAY)]
    assert len(mine) == 2
    with transaction(engine) as conn:
        with pytest.raises(NotFoundError):
            record_feedback(
                conn,
                clock=CLOCK,
                principal=other,
                action_id=mine[0],
                outcome="applied",
                reason=None,
            )
        with pytest.raises(MeasuresError, match="reason"):
            record_feedback(
                conn,
                clock=CLOCK,
                principal=who,
                action_id=mine[0],
                outcome="exempted",
                reason="   ",
            )
        with pytest.raises(MeasuresError, match="outcome"):
            record_feedback(
                conn, clock=CLOCK, principal=who, action_id=mine[0], outcome="ignored", reason="x"
            )
        done = record_feedback(
            conn,
            clock=CLOCK,
            principal=who,
            action_id=mine[0],
            outcome="not_applicable",
            reason="该主体未参加本次采购",
        )
    assert done.feedback == "not_applicable" and done.feedback_by == who.actor
    assert done.feedback_at == CLOCK.now() and done.state(TODAY) == "fed_back"
    with transaction(engine) as conn, pytest.raises(ConflictError, match="不适用"):
        record_feedback(
            conn, clock=CLOCK, principal=who, action_id=mine[0], outcome="applied", reason=None
        )
    with engine.connect() as conn:
        kept = acts.get_action(conn, mine[0], standard=STD)
        answered = acts.department_actions(conn, who, standard=STD, on=TODAY, state="fed_back")
        pending = acts.department_actions(conn, who, standard=STD, on=TODAY, state="pending")
    assert kept is not None and kept.feedback == "not_applicable"
    assert [a.id for a in answered] == [mine[0]]
    assert [a.id for a in pending] == [mine[1]]


def test_the_pull_feed_marks_what_it_returns_as_pushed(engine: Engine) -> None:
    with transaction(engine) as conn:
        who = department(conn, "31", "finance")
        other = department(conn, "32", "finance")
        entries = [add_entry(conn, company(conn, n)) for n in range(3)]
    sub(engine, who, ["government_procurement"])
    sub(engine, other, ["government_procurement"])
    later = at(hours=2)
    with transaction(engine) as conn:
        first = pull(conn, who, 0, 2, clock=later)
    assert [e["event"] for e in first["events"]] == ["action.initiated"] * 2
    assert [e["data"]["entry"]["id"] for e in first["events"]] == entries[:2]
    assert first["events"][0]["data"]["measure"]["code"] == "procurement_exclusion"
    with transaction(engine) as conn:
        second = pull(conn, who, first["next_after"], 10, clock=later)
        empty = pull(conn, who, second["next_after"], 10, clock=later)
    assert [e["data"]["entry"]["id"] for e in second["events"]] == entries[2:]
    assert empty == {"events": [], "next_after": second["next_after"]}
    with engine.connect() as conn:
        mine = acts.department_actions(conn, who, standard=STD, on=TODAY)
        theirs = acts.department_actions(conn, other, standard=STD, on=TODAY)
    assert all(a.pushed_at == later.now() for a in mine)
    assert all(a.pushed_at is None for a in theirs)  # nobody pulled theirs yet
    # Removal reaches the feed as action.lifted.
    with transaction(engine) as conn:
        remove_entry(conn, entries[0], clock=at(days=1))
    initiate(engine, at(days=1))
    with transaction(engine) as conn:
        lifted = pull(conn, who, second["next_after"], 10, clock=at(days=1))
    assert [(e["event"], e["data"]["entry"]["id"]) for e in lifted["events"]] == [
        ("action.lifted", entries[0])
    ]
    assert lifted["events"][0]["data"]["lifted_at"] is not None


def test_figures_count_the_loop(engine: Engine) -> None:
    with transaction(engine) as conn:
        sh = department(conn, "31", "finance", "上海市财政局")
        ah = department(conn, "34", "finance", "安徽省财政厅")
        entries = [add_entry(conn, company(conn, n)) for n in range(4)]
    sub(engine, sh, ["government_procurement"])
    sub(engine, ah, ["government_procurement"])
    with transaction(engine) as conn:
        pull(conn, sh, 0, 100, clock=at(hours=1))
        ids = [a.id for a in acts.department_actions(conn, sh, standard=STD, on=TODAY)]
        conn.execute(update(actions).where(actions.c.id == ids[0]).values(executed_at=at(1).now()))
        record_feedback(
            conn, clock=at(2), principal=sh, action_id=ids[0], outcome="applied", reason=None
        )
        record_feedback(
            conn, clock=at(2), principal=sh, action_id=ids[1], outcome="exempted", reason="依法豁免"
        )
        remove_entry(conn, entries[0], clock=at(days=2))
    initiate(engine, at(days=2))
    with engine.connect() as conn:
        today = joint_figures(conn, on=TODAY, standard=STD)
        late = joint_figures(conn, on=TODAY.replace(day=27, month=12), standard=STD)
        anhui = joint_figures(conn, on=TODAY.replace(day=27, month=12), province="34", standard=STD)
    assert today["totals"]["initiated"] == 8
    assert today["totals"]["pushed"] == 4
    assert today["totals"]["executed"] == 1
    assert today["totals"]["fed_back"] == 2
    assert today["totals"]["applied"] == 1 and today["totals"]["exempted"] == 1
    assert today["totals"]["lifted"] == 0  # lifted two days later
    assert today["totals"]["overdue"] == 0
    rows = {(r["province"], r["department"]): r for r in late["rows"]}
    assert rows[("31", "上海市财政局")]["measure_code"] == "procurement_exclusion"
    # A month later, past due: in Shanghai two answered, one lifted (entries[0] left the
    # list), one overdue; in Anhui one lifted and three overdue.
    assert rows[("31", "上海市财政局")]["lifted"] == 1
    assert rows[("31", "上海市财政局")]["overdue"] == 1
    assert rows[("34", "安徽省财政厅")]["overdue"] == 3
    assert [p["province"] for p in late["by_province"]] == ["31", "34"]
    assert anhui["province"] == "34"
    assert [r["province"] for r in anhui["rows"]] == ["34"]
    assert anhui["totals"]["initiated"] == 4
