"""Search by name and code: partial Chinese names, width and bracket variants, legal forms,
filters, ranking, pages, and natural persons never shown. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from credit_yrd.search import SearchError, search
from credit_yrd.search.index import bigrams, index_subjects, rebuild
from credit_yrd.store.schema import subject_terms, subjects
from tests.search.conftest import PERSON_ID, SUZHOU_USCC, World


def find(world: World, q: str, **kw: object):  # type: ignore[no-untyped-def]
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
    "華信",
    "💣💣",
    "华\u0000",
]


@pytest.mark.parametrize("q", INJECTIONS)
def test_injection_attempts_are_inert(world: World, q: str) -> None:
    result = find(world, q, limit=100)
    for item in result.items:
        assert item.subject_type != "natural_person"
    if any(ch in q for ch in "%_'\"<\\") or "💣" in q or "華" in q:
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
