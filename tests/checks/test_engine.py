"""The check engine: measures per scenario, why and until when, per-code reasons, the index."""

from __future__ import annotations

import datetime as dt

import pytest

from credit_yrd.checks.engine import (
    MAX_CODES,
    ActiveIndex,
    SubjectDirectory,
    TooManyCodesError,
    UnknownScenarioError,
    check_codes,
)
from credit_yrd.store.engine import transaction
from credit_yrd.store.subjects import upsert_legal_subject
from tests.checks.conftest import CLOCK, TODAY, World, add_entry, set_status
from tests.ingest.builders import bad_check_uscc, make_org_code, make_uscc


def check(world: World, codes: list, scenario: str, *, on: dt.date = TODAY, index=None, vault=None):
    with world.engine.connect() as conn:
        return check_codes(
            conn,
            codes=codes,
            scenario=scenario,
            on=on,
            standard=world.standard,
            index=index,
            vault=vault,
        )


def measure_codes(result) -> list[str]:
    return sorted(m.measure.code for m in result.measures)


def test_black_list_measures_apply_in_their_scenario_only(world: World) -> None:
    (procurement,) = check(world, [world.black_uscc], "government_procurement")
    assert procurement.found and procurement.subject_id == world.black
    assert procurement.subject_name == "苏州污染化工有限公司"
    assert measure_codes(procurement) == ["procurement_exclusion"]
    (green,) = check(world, [world.black_uscc], "green_channel")
    assert green.found and green.measures == ()


def test_a_measure_says_why_and_until_when(world: World) -> None:
    (result,) = check(world, [world.black_uscc], "government_procurement")
    (applied,) = result.measures
    shown = applied.to_dict()
    assert shown["measure"] == "procurement_exclusion"
    assert shown["nature"] == "punishment"
    assert "政府采购法" in shown["legal_basis_zh"]
    assert shown["until"] == "2028-12-31"
    why = shown["why"]
    assert why["entry_id"] == world.black_entry
    assert why["list_code"] == "ecology_environment"
    assert why["list_kind"] == "black"
    assert why["authority"] == "江苏省生态环境厅"
    assert why["province"] == "32"
    assert why["decision_number"] == "苏环罚〔2026〕1号"
    assert why["listing_basis"] == "《企业环境信用评价办法》"
    assert why["listed_on"] == "2026-01-01"


def test_red_list_rewards(world: World) -> None:
    (access,) = check(world, [world.red_uscc], "market_access")
    assert measure_codes(access) == ["green_channel", "tolerance_acceptance"]
    assert {m.measure.nature for m in access.measures} == {"reward"}
    assert all(m.until is None for m in access.measures)  # the red entry has no end set
    (procurement,) = check(world, [world.red_uscc], "government_procurement")
    assert procurement.measures == ()


def test_a_subject_with_no_entries_gets_an_empty_answer(world: World) -> None:
    (result,) = check(world, [world.clean_uscc], "government_procurement")
    assert result.found and result.status == "found"
    assert result.subject_id == world.clean and result.measures == ()


def test_codes_are_compacted_and_upper_cased(world: World) -> None:
    spaced = f" {world.black_uscc[:6]}-{world.black_uscc[6:].lower()} "
    (result,) = check(world, [spaced], "government_procurement")
    assert result.code == world.black_uscc
    assert measure_codes(result) == ["procurement_exclusion"]


def test_legacy_codes_find_the_subject(world: World) -> None:
    (result,) = check(world, [world.black_org_code], "public_bidding")
    assert result.found and result.via == "org_code"
    assert result.uscc == world.black_uscc
    assert measure_codes(result) == ["bidding_restriction"]
    (unmapped,) = check(world, [make_org_code(999)], "public_bidding")
    assert unmapped.status == "unknown" and unmapped.reason_en


def test_invalid_and_unknown_codes_get_a_reason_each_and_never_fail_the_batch(
    world: World,
) -> None:
    codes = [
        world.black_uscc,
        "",
        "ABC",
        "9" * 30,
        bad_check_uscc(101),
        make_uscc(555),
        "91320000-中文-0000",
        42,
        world.clean_uscc,
    ]
    results = check(world, codes, "government_procurement")
    assert [r.status for r in results] == [
        "found",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "unknown",
        "invalid",
        "invalid",
        "found",
    ]
    assert all(r.reason_zh and r.reason_en for r in results if not r.found)
    assert "校验" in (results[4].reason_zh or "")  # the wrong check character is named
    assert results[5].code == make_uscc(555)


def test_duplicate_codes_are_answered_in_order(world: World) -> None:
    results = check(world, [world.clean_uscc, world.black_uscc, world.clean_uscc], "fiscal_funds")
    assert [r.subject_id for r in results] == [world.clean, world.black, world.clean]
    assert measure_codes(results[1]) == ["fiscal_funds_restriction"]


def test_too_many_codes_or_an_unknown_scenario_refuse_the_whole_check(world: World) -> None:
    with pytest.raises(TooManyCodesError, match="10000"):
        check(world, [world.clean_uscc] * (MAX_CODES + 1), "government_procurement")
    with pytest.raises(UnknownScenarioError, match="lottery"):
        check(world, [world.clean_uscc], "lottery")
    assert len(check(world, [world.clean_uscc] * MAX_CODES, "government_procurement")) == 10_000


def test_entries_are_active_only_within_their_dates(world: World) -> None:
    before = dt.date(2025, 12, 31)
    after = dt.date(2029, 1, 1)
    for day, expected in ((before, []), (TODAY, ["procurement_exclusion"]), (after, [])):
        (result,) = check(world, [world.black_uscc], "government_procurement", on=day)
        assert measure_codes(result) == expected, day
    (last_day,) = check(
        world, [world.black_uscc], "government_procurement", on=dt.date(2028, 12, 31)
    )
    assert measure_codes(last_day) == ["procurement_exclusion"]


def test_only_listed_entries_count(world: World) -> None:
    with transaction(world.engine) as conn:
        add_entry(conn, world.clean, "transport", status="proposed", listed_on=None)
    (result,) = check(world, [world.clean_uscc], "government_procurement")
    assert result.measures == ()


def test_two_entries_give_a_measure_for_each(world: World) -> None:
    with transaction(world.engine) as conn:
        second = add_entry(
            conn, world.black, "wage_arrears", province="34", authority="安徽省人社厅"
        )
    (result,) = check(world, [world.black_uscc], "government_procurement")
    assert sorted(m.entry.id for m in result.measures) == sorted([world.black_entry, second])


def test_a_person_is_checked_by_id_number_and_the_number_is_never_echoed(world: World) -> None:
    (result,) = check(world, [world.person_id], "high_consumption", vault=world.vault)
    assert result.found and result.subject_id == world.person
    assert result.code != world.person_id and "*" in result.code
    assert result.code[:4] == world.person_id[:4]
    assert measure_codes(result) == ["high_consumption_ban"]
    assert world.person_id not in str(result.to_dict())
    (without_vault,) = check(world, [world.person_id], "high_consumption")
    assert without_vault.status == "invalid" and world.person_id not in without_vault.code
    other = world.person_id[:6] + "19900101" + "001"
    from credit_yrd.ids import resident_id

    other += resident_id.calc_check_character(other)
    (unknown,) = check(world, [other], "high_consumption", vault=world.vault)
    assert unknown.status == "unknown" and other not in unknown.code


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_index_sees_a_listing_and_a_removal_after_its_refresh(world: World) -> None:
    ticks = Ticks()
    index = ActiveIndex(world.standard, max_age_seconds=0.5, monotonic=ticks)
    (before,) = check(world, [world.clean_uscc], "government_procurement", index=index)
    assert before.measures == ()
    with transaction(world.engine) as conn:
        entry = add_entry(conn, world.clean, "food_drug", province="31")
    # Within the refresh interval the index answers from the snapshot it holds.
    ticks.now += 0.1
    (stale,) = check(world, [world.clean_uscc], "government_procurement", index=index)
    assert stale.measures == ()
    ticks.now += 0.5
    (listed,) = check(world, [world.clean_uscc], "government_procurement", index=index)
    assert [m.entry.id for m in listed.measures] == [entry]
    with transaction(world.engine) as conn:
        set_status(conn, entry, "removed", removed_on=TODAY, removal_reason="repair")
    ticks.now += 0.6
    (removed,) = check(world, [world.clean_uscc], "government_procurement", index=index)
    assert removed.measures == ()


def test_the_index_reloads_only_when_the_store_changed(world: World) -> None:
    ticks = Ticks()
    index = ActiveIndex(world.standard, monotonic=ticks)
    check(world, [world.black_uscc], "government_procurement", index=index)
    assert index.reloads == 1
    ticks.now += 5
    check(world, [world.black_uscc], "government_procurement", index=index)
    assert index.reloads == 1
    with transaction(world.engine) as conn:
        set_status(conn, world.black_entry, "removed", removed_on=TODAY, removal_reason="repair")
    with world.engine.connect() as conn:
        index.refresh(conn)
    assert index.reloads == 2
    (result,) = check(world, [world.black_uscc], "government_procurement", index=index)
    assert result.found and result.measures == ()


def test_index_and_direct_checks_agree(world: World) -> None:
    index = ActiveIndex(world.standard)
    codes = [world.black_uscc, world.red_uscc, world.clean_uscc, world.black_org_code, "X"]
    for scenario in ("government_procurement", "market_access", "financing_credit"):
        direct = [r.to_dict() for r in check(world, codes, scenario)]
        indexed = [r.to_dict() for r in check(world, codes, scenario, index=index)]
        assert direct == indexed


def test_the_directory_finds_subjects_added_after_it_was_built(world: World) -> None:
    ticks = Ticks()
    index = ActiveIndex(world.standard, monotonic=ticks)
    check(world, [world.clean_uscc], "fiscal_funds", index=index)
    assert index.directory is not None and index.directory.size == 3  # the three organisations
    newcomer = make_uscc(777)
    with transaction(world.engine) as conn:
        new_id = upsert_legal_subject(conn, newcomer, "宁波新来贸易有限公司", clock=CLOCK)
    # Not yet in the directory: found in the store all the same.
    (early,) = check(world, [newcomer], "fiscal_funds", index=index)
    assert early.found and early.subject_id == new_id
    ticks.now += 1
    (later,) = check(world, [newcomer, world.clean_uscc], "fiscal_funds", index=index)[:1]
    assert index.directory.size == 4
    assert (
        later.found and later.subject_id == new_id and later.subject_name == "宁波新来贸易有限公司"
    )


def test_the_directory_is_rebuilt_after_many_arrivals(world: World, monkeypatch) -> None:
    monkeypatch.setattr(SubjectDirectory, "REBUILD_AFTER", 2)
    directory = SubjectDirectory()
    with world.engine.connect() as conn:
        directory.update(conn)
    with transaction(world.engine) as conn:
        added = [
            upsert_legal_subject(conn, make_uscc(800 + n), f"新主体{n}", clock=CLOCK)
            for n in range(3)
        ]
    with world.engine.connect() as conn:
        directory.update(conn)  # three arrivals: held aside
        directory.update(conn)  # more than REBUILD_AFTER: rebuilt into the arrays
    found = directory.lookup([make_uscc(800 + n) for n in range(3)] + [make_uscc(999)])
    assert sorted(s.subject_id for s in found.values()) == sorted(added)
    assert make_uscc(999) not in found


def test_a_batch_pauses_the_garbage_collector_and_resumes_it(world: World) -> None:
    import gc

    from credit_yrd.checks.engine import GC_PAUSE_FROM, gc_paused

    assert gc.isenabled()
    with gc_paused(GC_PAUSE_FROM):
        assert not gc.isenabled()
    assert gc.isenabled()
    with gc_paused(GC_PAUSE_FROM - 1):
        assert gc.isenabled()
    with pytest.raises(TooManyCodesError):
        check(world, [world.clean_uscc] * (MAX_CODES + 1), "fiscal_funds")
    check(world, [world.clean_uscc] * GC_PAUSE_FROM, "fiscal_funds")
    assert gc.isenabled()
