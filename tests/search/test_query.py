"""Search by name and code: partial Chinese names, width and bracket variants, legal forms,
filters, ranking, pages, and natural persons never shown. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from credit_yrd.search import SearchError, search
from credit_yrd.search.index import bigrams, index_subjects, rebuild
from credit_yrd.store.schema import subject_terms, subjects
from tests.ledger.conftest import penalty
from tests.search.conftest import CLOCK, PERSON_ID, SUZHOU_USCC, World


def find(world: World, q: str, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("on", CLOCK.today())
    with world.engine.connect() as conn:
        return search(conn, q, **kw)  # type: ignore[arg-type]


def ids_of(world: World, q: str, **kw: object) -> list[int]:
    return [item.id for item in find(world, q, limit=100, **kw).items]


def keys(world: World, found: list[int]) -> set[str]:
    by_id = {v: k for k, v in world.ids.items()}
    return {by_id[i] for i in found}


def test_bigrams() -> None:
    assert bigrams("华信科技") == ["华信", "信科", "科技"]
    assert bigrams("哈哈哈") == ["哈哈"]
    assert bigrams("华") == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("华信", {"suzhou", "shanghai", "hangzhou", "exact", "shop", "assoc"}),
        ("华信科", {"suzhou", "exact"}),
        ("华信科技", {"suzhou", "exact"}),
        ("信电子", {"hangzhou"}),
        ("五金店", {"shop"}),
        ("行业协会", {"assoc"}),
        ("苏州华信科技有限公司", {"suzhou"}),
    ],
)
def test_partial_chinese_names(world: World, q: str, expected: set[str]) -> None:
    result = find(world, q, limit=100)
    assert keys(world, [i.id for i in result.items]) == expected
    assert result.total == len(expected)
    assert result.matched_by == "name"


@pytest.mark.parametrize(
    "q", ["华信（上海）", "华信(上海)", "华信 ( 上海 )", "华信【上海】", "华信〔上海〕贸易"]
)
def test_bracket_and_width_variants(world: World, q: str) -> None:
    assert keys(world, ids_of(world, q)) == {"shanghai"}


@pytest.mark.parametrize(
    "q", ["ＡＢＣ科技", "abc科技", "ABC科技（南京）", "Abc 科技(南京)有限公司"]
)
def test_full_and_half_width_letters(world: World, q: str) -> None:
    assert keys(world, ids_of(world, q)) == {"abc"}


@pytest.mark.parametrize(
    "q",
    [
        "华信(上海)贸易有限责任公司",
        "华信（上海）贸易有限公司",
        "华信(上海)贸易公司",
        "华信（上海）贸易",
    ],
)
def test_legal_form_variants(world: World, q: str) -> None:
    result = find(world, q)
    assert result.items and result.items[0].id == world.ids["shanghai"]


def test_legal_form_set_aside_from_the_query(world: World) -> None:
    assert keys(world, ids_of(world, "华信科技公司")) == {"suzhou", "exact"}


def test_ranking_exact_then_prefix_then_shorter(world: World) -> None:
    ranked = ids_of(world, "华信科技有限公司")
    assert ranked[0] == world.ids["exact"]
    assert ranked[1] == world.ids["suzhou"]
    names = [item.name for item in find(world, "华信", limit=100).items]
    starting = [n for n in names if n.startswith("华信")]
    assert names[: len(starting)] == starting  # names starting with the query come first
    rest = names[len(starting) :]
    assert [len(n) for n in rest] == sorted(len(n) for n in rest)


def test_single_character_matches_by_prefix(world: World) -> None:
    assert keys(world, ids_of(world, "华")) == {"shanghai", "exact"}
    assert keys(world, ids_of(world, "恒")) == {f"hengda{i}" for i in range(25)}


def test_filters(world: World) -> None:
    assert keys(world, ids_of(world, "华信", province="32")) == {"suzhou", "exact"}
    assert keys(world, ids_of(world, "华信", province="江苏")) == {"suzhou", "exact"}
    assert keys(world, ids_of(world, "华信", city="320500")) == {"suzhou"}
    assert keys(world, ids_of(world, "华信", city="苏州")) == {"suzhou"}
    assert keys(world, ids_of(world, "华信", city="310000")) == {"shanghai"}
    assert keys(world, ids_of(world, "华信", city="340100")) == {"shop", "assoc"}
    assert keys(world, ids_of(world, "华信", subject_type="individual_business")) == {"shop"}
    assert keys(world, ids_of(world, "华信", subject_type="organisation")) == {"assoc"}
    assert keys(world, ids_of(world, "华信", record_kind="penalty")) == {"suzhou"}
    # The only license of Hangzhou 华信 was withdrawn: not public any more.
    assert keys(world, ids_of(world, "华信", record_kind="license")) == {"suzhou"}
    assert ids_of(world, "华信", province="31", city="320500") == []


@pytest.mark.parametrize(
    "kw",
    [
        {"province": "99"},
        {"city": "北京"},
        {"subject_type": "natural_person"},
        {"subject_type": "robot"},
        {"record_kind": "gossip"},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
    ],
)
def test_bad_filters_are_clear_errors(world: World, kw: dict[str, object]) -> None:
    with pytest.raises(SearchError):
        find(world, "华信", **kw)


def test_items_carry_public_facts_and_active_record_counts(world: World) -> None:
    item = find(world, SUZHOU_USCC).items[0]
    assert item.name == "苏州华信科技有限公司"
    assert item.uscc == SUZHOU_USCC
    assert (item.province, item.division, item.city) == ("32", "320583", "320500")
    assert item.subject_type == "legal_person"
    assert item.records == {"license": 1, "penalty": 2}
    hangzhou = find(world, "杭州华信").items[0]
    assert hangzhou.records == {}
    shanghai = find(world, "华信(上海)").items[0]
    assert shanghai.city == "310000"


def test_pages_are_stable_and_the_total_right(world: World) -> None:
    seen: list[int] = []
    for offset in (0, 10, 20, 30):
        result = find(world, "恒达", limit=10, offset=offset)
        assert result.total == 25
        seen.extend(item.id for item in result.items)
    assert len(seen) == 25 == len(set(seen))
    assert seen == ids_of(world, "恒达")
    assert [item.name for item in find(world, "恒达", limit=3).items] == [
        "恒达00号有限公司",
        "恒达01号有限公司",
        "恒达02号有限公司",
    ]


@pytest.mark.parametrize(
    "q", [SUZHOU_USCC, SUZHOU_USCC.lower(), " 9132 0583 6000 3734 17 ", "600037341", "60003734-1"]
)
def test_code_lookup(world: World, q: str) -> None:
    result = find(world, q)
    assert result.matched_by == "code"
    assert result.total == 1
    assert [item.id for item in result.items] == [world.ids["suzhou"]]


def test_code_lookup_respects_filters(world: World) -> None:
    assert find(world, SUZHOU_USCC, province="33").total == 0


def test_unknown_code_finds_nothing(world: World) -> None:
    result = find(world, "91320583MA1XXXXX0X")
    assert result.total == 0 and result.items == []


def test_natural_persons_are_never_returned(world: World) -> None:
    person = world.ids["person"]
    for q in ("王华信", "王华", "华信", "王", PERSON_ID):
        assert person not in ids_of(world, q)
    assert find(world, "王华信").total == 0
    assert find(world, PERSON_ID).total == 0
    with world.engine.connect() as conn:
        indexed = conn.execute(
            select(func.count()).where(subject_terms.c.subject_id == person)
        ).scalar_one()
    assert indexed == 0
    # Even indexing a person on purpose adds nothing.
    with world.engine.begin() as conn:
        assert index_subjects(conn, [person]) == 0


INJECTIONS = [
    "' OR 1=1 --",
    "华信' OR '1'='1",
    "'; DROP TABLE subjects; --",
    '" OR ""="',
    "<script>alert(1)</script>",
    "华信<img src=x onerror=alert(1)>",
    "%",
    "%%",
    "_",
    "__",
    "华%",
    "%信",
    "华_",
    "\\",
    "\\%",
    "\u202e华信",
    "💣💣",
    "华\u0000",
]


@pytest.mark.parametrize("q", INJECTIONS)
def test_injection_attempts_are_inert(world: World, q: str) -> None:
    result = find(world, q, limit=100)
    for item in result.items:
        assert item.subject_type != "natural_person"
    if any(ch in q for ch in "%_'\"<\\") or "💣" in q:
        assert result.total == 0, q
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(subjects)).scalar_one() == 33


def test_control_characters_are_dropped(world: World) -> None:
    assert keys(world, ids_of(world, "华\u0000信科技")) == {"suzhou", "exact"}
    assert keys(world, ids_of(world, "华\u200b信科技")) == {"suzhou", "exact"}


@pytest.mark.parametrize("q", ["", "   ", "\u0000", "\u200b\u200b", "x" * 101, "华" * 10_000])
def test_empty_or_oversized_queries_are_refused(world: World, q: str) -> None:
    with pytest.raises(SearchError):
        find(world, q)


def test_indexing_is_idempotent_and_rebuild_restores(world: World) -> None:
    with world.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(subject_terms)).scalar_one()
    with world.engine.begin() as conn:
        index_subjects(conn, world.ids.values())
    with world.engine.begin() as conn:
        assert rebuild(conn) == 32  # every subject but the person
    with world.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(subject_terms)).scalar_one()
    assert before == after > 0
    assert keys(world, ids_of(world, "华信科技")) == {"suzhou", "exact"}


def add_subject(world: World, name: str, division: str = "310115", n: int = 900) -> int:
    from credit_yrd.store.subjects import upsert_legal_subject
    from tests.search.conftest import CLOCK, _uscc

    with world.engine.begin() as conn:
        subject_id = upsert_legal_subject(
            conn, _uscc(n), name, "legal_person", division, clock=CLOCK
        )
        index_subjects(conn, [subject_id])
    return subject_id


@pytest.mark.parametrize("q", ["華信科技", "華信科技有限責任公司", "华信科技有限責任公司"])
def test_traditional_queries_find_simplified_names(world: World, q: str) -> None:
    assert keys(world, ids_of(world, q)) == {"suzhou", "exact"}


@pytest.mark.parametrize(
    "q",
    ["华信国际贸易有限公司", "華信國際", "国际贸易", "信國際貿", "华信国际贸易有限责任公司", "華"],
)
def test_names_stored_in_traditional_characters_are_found(world: World, q: str) -> None:
    stored = add_subject(world, "華信國際貿易有限責任公司")
    assert stored in ids_of(world, q)


def test_traditional_names_are_confirmed_on_their_folded_form(world: World) -> None:
    stored = add_subject(world, "華信國際貿易有限責任公司")
    # Every bigram of the query is in the name, but not together: not a match.
    assert stored not in ids_of(world, "华信贸易")
    assert find(world, "华信国际贸易有限公司").items[0].id == stored


@pytest.mark.parametrize(
    "q", ["恒达０１号", "恒达01号", "恒达 01 号有限公司", "恒达01号有限责任公司"]
)
def test_full_width_digits_and_spaces(world: World, q: str) -> None:
    assert keys(world, ids_of(world, q)) == {"hengda1"}


def test_domain_filter(world: World) -> None:
    from credit_yrd.store.records import RecordItem, append_versions_bulk

    with world.engine.begin() as conn:
        append_versions_bulk(
            conn,
            [
                RecordItem(
                    "jiangsu",
                    "penalty",
                    "D-1",
                    penalty("D1", "2026-02-01"),
                    world.ids["suzhou"],
                    domain="market_regulation",
                ),
                RecordItem(
                    "zhejiang",
                    "penalty",
                    "D-2",
                    penalty("D2", "2026-02-02"),
                    world.ids["hangzhou"],
                    domain="market_regulation",
                ),
                RecordItem(
                    "anhui",
                    "penalty",
                    "D-3",
                    penalty("D3", "2026-02-03"),
                    world.ids["shop"],
                    domain="taxation",
                ),
            ],
        )
        append_versions_bulk(  # Hangzhou's record is withdrawn: no longer current
            conn,
            [
                RecordItem(
                    "zhejiang",
                    "penalty",
                    "D-2",
                    penalty("D2", "2026-02-02"),
                    world.ids["hangzhou"],
                    status="withdrawn",
                    domain="market_regulation",
                )
            ],
        )
    assert keys(world, ids_of(world, "华信", domain="market_regulation")) == {"suzhou"}
    assert keys(world, ids_of(world, "华信", domain="市场监管")) == {"suzhou"}
    assert keys(world, ids_of(world, "华信", domain="taxation")) == {"shop"}
    assert ids_of(world, "华信", domain="court") == []
    assert keys(world, ids_of(world, SUZHOU_USCC, domain="market_regulation")) == {"suzhou"}
    assert ids_of(world, SUZHOU_USCC, domain="taxation") == []
    with pytest.raises(SearchError, match="domain"):
        find(world, "华信", domain="gossip")


def test_a_capped_search_says_so_and_keeps_exact_and_prefix_matches_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import credit_yrd.search.query as query

    last = add_subject(world, "恒达有限公司", "330102", n=950)
    full = find(world, "恒达", limit=100)
    assert full.total == 26 and full.total_exact
    monkeypatch.setattr(query, "MATCH_CAP", 3)
    capped = find(world, "恒达有限公司", limit=100)
    assert not capped.total_exact and capped.total >= 3
    assert capped.items[0].id == last  # the exact name, though beyond the cap in id order
    inside = find(world, "达0", limit=100)
    assert not inside.total_exact
    assert all("恒达0" in item.name for item in inside.items)


def test_a_bounded_walk_says_so(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import credit_yrd.search.query as query

    monkeypatch.setattr(query, "PROBE_CAP", 2)
    monkeypatch.setattr(query, "SCAN_CAP", 5)
    # A filter (or a longer query) can reject postings: the walk is bounded, and says so.
    result = find(world, "恒达", province="33", limit=100)
    assert not result.total_exact
    assert 0 < result.total < 25
    assert all(item.name.startswith("恒达") for item in result.items)
    assert not find(world, "恒达", limit=100).total_exact
    monkeypatch.setattr(query, "SCAN_CAP", 100)
    exact = find(world, "恒达", province="33", limit=100)
    assert exact.total == 25 and exact.total_exact


@pytest.mark.parametrize(
    "q", ["\ud800华信", "华\udfff信", "\ud800", "华信\x00\x00", "\ufeff华信", "华" * 100, "ab" * 50]
)
def test_odd_unicode_never_breaks(world: World, q: str) -> None:
    try:
        result = find(world, q, limit=100)
    except SearchError:
        return
    assert all(item.subject_type != "natural_person" for item in result.items)
    if "信" in q:
        assert result.total == 6


def test_ten_thousand_characters_are_refused_before_any_work(world: World) -> None:
    with pytest.raises(SearchError, match="过长"):
        find(world, "华信" * 5_000)


def test_the_index_holds_prefix_and_fold_terms(world: World) -> None:
    from credit_yrd.search.index import FOLDED, START, terms_of

    assert terms_of("华信科技") == [START + "华", "华信", "信科", "科技", START + "华信"]
    assert terms_of("華信") == [START + "华", "华信", START + "华信", FOLDED]
    assert terms_of("华") == [START + "华"]
    stored = add_subject(world, "華信")
    with world.engine.connect() as conn:
        held = set(
            conn.execute(
                select(subject_terms.c.term).where(subject_terms.c.subject_id == stored)
            ).scalars()
        )
    assert held == {START + "华", "华信", START + "华信", FOLDED}


def test_counts_and_filters_see_only_what_the_public_file_shows(world: World) -> None:
    """Suzhou's 2015 penalty is out of its publication window, and Hangzhou's licence was
    withdrawn: neither is counted nor found by a filter, as neither is in the public file."""
    [suzhou] = find(world, SUZHOU_USCC).items
    assert suzhou.records == {"license": 1, "penalty": 2}
    assert keys(world, ids_of(world, "华信", record_kind="license")) == {"suzhou"}
    with world.engine.begin() as conn:
        from credit_yrd.store.records import RecordItem, append_versions_bulk

        append_versions_bulk(  # Hangzhou's only penalty, long past its window
            conn,
            [
                RecordItem(
                    "zhejiang", "penalty", "OLD", penalty("8", "2016-01-01"), world.ids["hangzhou"]
                )
            ],
        )
    assert "hangzhou" not in keys(world, ids_of(world, "华信", record_kind="penalty"))
    # Judged on a day before the Suzhou penalties were decided, they were not yet published.
    early = find(world, SUZHOU_USCC, on=dt.date(2026, 1, 1)).items[0]
    assert early.records == {}
