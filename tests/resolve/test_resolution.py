"""Linking records to subjects: by USCC, legacy code, person ID or name; the rest to review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from credit_yrd.ingest import ingest_file
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.store import add_legacy_codes, transaction
from credit_yrd.store.schema import legacy_codes, review_items, subjects
from tests.ingest.builders import (
    TEST_KEY,
    Party,
    individual_business,
    legal_person,
    license_row,
    make_org_code,
    make_reg_no,
    make_uscc,
    mapping_of,
    natural_person,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
    write_jsonl,
    write_xlsx,
)
from tests.ingest.store_state import counts, rows, versions


def ingest(make_ctx, inputs, source: str, kind: str, records: list[dict[str, Any]], tag: str = ""):
    """Write records as the source would and ingest them as one batch."""
    mapping = mapping_of(source)
    table = source_table(mapping, kind, records)
    if source == "shanghai":
        label = {"penalty": "行政处罚", "license": "行政许可", "registration": "登记注册"}[kind]
        path = write_csv(inputs / f"{label}{tag}.csv", table)
    elif source == "anhui":
        prefix = {"penalty": "cf", "license": "xk", "registration": "dj"}[kind]
        path = write_csv(inputs / f"{prefix}_{tag}.csv", table, encoding="gbk")
    elif source == "jiangsu":
        sheet = mapping.kind_mapping(kind).sheet
        assert sheet is not None
        path = write_xlsx(inputs / f"jiangsu{tag}.xlsx", {sheet: table})
    else:
        path = write_jsonl(inputs / f"{kind}{tag}.jsonl", table.dicts())
    return ingest_file(make_ctx(source), path)


def subject_rows(engine) -> list[dict[str, Any]]:
    return rows(engine, "subjects")


def organisations(engine) -> list[dict[str, Any]]:
    return [s for s in subject_rows(engine) if s["subject_type"] != "natural_person"]


def open_items(engine) -> list[dict[str, Any]]:
    return [item for item in rows(engine, "review_items") if item["status"] == "open"]


# -- USCC ----------------------------------------------------------------------------------


def test_uscc_creates_the_subject_once_across_provinces_and_batches(
    make_ctx, inputs, engine
) -> None:
    party = legal_person(1)
    ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(party, 1)], "1")
    ingest(make_ctx, inputs, "anhui", "penalty", [penalty_row(party, 2)], "2")
    ingest(make_ctx, inputs, "zhejiang", "license", [license_row(party, 3)], "3")
    ingest(make_ctx, inputs, "jiangsu", "penalty", [penalty_row(party, 4)], "4")
    ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(party, 5)], "5")

    [subject] = organisations(engine)
    assert subject["uscc"] == party.uscc
    assert subject["subject_type"] == "legal_person"
    assert (subject["province"], subject["division"]) == ("31", "310115")
    assert subject["name"] == party.name
    linked = versions(engine)
    assert len(linked) == 5
    assert {(v["subject_id"], v["link_method"]) for v in linked} == {(subject["id"], "uscc")}


def test_subject_types_follow_the_uscc(make_ctx, inputs, engine) -> None:
    business = individual_business(2, with_uscc=True, with_id=False)
    rows_ = [penalty_row(legal_person(1), 1), penalty_row(business, 2)]
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", rows_)
    assert receipt.links == {"uscc": 2}
    types = {s["uscc"]: s["subject_type"] for s in organisations(engine)}
    assert types == {legal_person(1).uscc: "legal_person", business.uscc: "individual_business"}


# -- legacy codes ----------------------------------------------------------------------------


def test_registration_feeds_the_legacy_map_and_later_records_link_by_it(
    make_ctx, inputs, engine
) -> None:
    shop = individual_business(5, with_uscc=True, with_reg_no=True, with_id=False)
    shop = Party(**{**shop.__dict__, "org_code": make_org_code(5)})
    ingest(make_ctx, inputs, "shanghai", "registration", [registration_row(shop)], "r")

    with engine.connect() as conn:
        mapped = {
            (r.legacy_kind, r.legacy_code): r.uscc for r in conn.execute(select(legacy_codes))
        }
    assert mapped == {
        ("org_code", shop.org_code): shop.uscc,
        ("business_reg_no", shop.reg_no): shop.uscc,
    }

    only_reg_no = Party(shop.name, "个体工商户", reg_no=shop.reg_no)
    receipt = ingest(make_ctx, inputs, "zhejiang", "penalty", [penalty_row(only_reg_no, 1)], "p")
    assert receipt.links == {"business_reg_no": 1}
    assert receipt.unresolved == 0

    by_org = Party(shop.name, "个体工商户", org_code=shop.org_code, id_number=None)
    row = penalty_row(by_org, 2, CF_XDR_ZZJG=shop.org_code, CF_XDR_GSZC=None)
    row.update(CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=natural_person(7).id_number)
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", [row], "o")
    assert receipt.links == {"org_code": 1}

    [subject] = organisations(engine)
    linked = [v for v in versions(engine) if v["kind"] == "penalty"]
    assert [(v["subject_id"], v["link_method"]) for v in linked] == [
        (subject["id"], "business_reg_no"),
        (subject["id"], "org_code"),
    ]


def test_a_legacy_map_import_without_subject_creates_it_on_first_link(
    make_ctx, inputs, engine
) -> None:
    uscc = make_uscc(8, prefix="92")
    reg_no = make_reg_no(8)
    with transaction(engine) as conn:
        add_legacy_codes(conn, [{"legacy_code": reg_no, "uscc": uscc}])
    party = Party("上海测试8便利店", "个体工商户", reg_no=reg_no)

    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(party, 1)])

    assert receipt.links == {"business_reg_no": 1}
    [subject] = organisations(engine)
    assert (subject["uscc"], subject["subject_type"]) == (uscc, "individual_business")


def test_an_unknown_legacy_code_is_accepted_unresolved_and_queued(make_ctx, inputs, engine) -> None:
    party = Party("上海测试9便利店", "个体工商户", reg_no=make_reg_no(9))
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(party, 1)])

    assert (receipt.new, receipt.unresolved, receipt.rejected) == (1, 1, 0)
    assert receipt.links == {}
    [version] = versions(engine)
    assert (version["subject_id"], version["link_method"]) == (None, None)
    [item] = open_items(engine)
    assert item["reason"] == "unknown_legacy_code"
    assert item["record_id"] == version["record_id"]
    assert item["batch_id"] == receipt.batch_id
    assert item["source"] == "shanghai" and item["kind"] == "penalty"
    assert item["party"]["business_reg_no"] == party.reg_no
    assert item["party"]["name"] == party.name
    assert organisations(engine) == []


# -- names -----------------------------------------------------------------------------------


def test_name_only_links_to_the_single_subject_of_that_name_in_the_province(
    make_ctx, inputs, engine
) -> None:
    cases = [
        ("上海华信(集团)有限责任公司", "上海华信（集团）有限公司"),
        ("上海华信二厂有限公司", "上海华信二厂有限责任公司"),
        ("浦东老王便利店（川沙店）", "浦东老王便利店(川沙店)"),
        ("上海 ＡＢＣ 商行", "上海ABC商行"),
    ]
    registered = [legal_person(10 + i, name) for i, (name, _) in enumerate(cases)]
    ingest(
        make_ctx, inputs, "shanghai", "registration", [registration_row(p) for p in registered], "r"
    )
    records = [
        penalty_row(individual_business(20 + i, written), 20 + i)
        for i, (_, written) in enumerate(cases)
    ]

    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", records, "p")

    assert receipt.links == {"name": len(cases)}, receipt.to_dict()
    assert receipt.unresolved == 0
    ids = {s["uscc"]: s["id"] for s in organisations(engine)}
    linked = [v for v in versions(engine) if v["kind"] == "penalty"]
    assert [v["subject_id"] for v in linked] == [ids[p.uscc] for p in registered]
    assert {v["link_method"] for v in linked} == {"name"}
    assert open_items(engine) == []


def test_two_subjects_of_one_name_go_to_review_with_both_candidates(
    make_ctx, inputs, engine
) -> None:
    twins = [legal_person(31, "上海同名贸易有限公司"), legal_person(32, "上海同名贸易有限责任公司")]
    ingest(make_ctx, inputs, "shanghai", "registration", [registration_row(p) for p in twins], "r")

    party = individual_business(33, "上海同名贸易有限公司")
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(party, 1)], "p")

    assert receipt.unresolved == 1 and receipt.links == {}
    [item] = open_items(engine)
    assert item["reason"] == "name_ambiguous"
    assert sorted(item["candidates"]) == sorted(s["id"] for s in organisations(engine))
    # the reviewer sees the mask of the operator's ID number, never the number
    assert item["party"]["document_masked"] == party.id_number[:4] + "*" * 10 + party.id_number[-4:]
    assert party.id_number not in str(item["party"])


def test_a_name_known_only_in_another_province_is_name_unknown(make_ctx, inputs, engine) -> None:
    company = legal_person(41, "上海跨省贸易有限公司")
    ingest(make_ctx, inputs, "shanghai", "registration", [registration_row(company)], "r")

    party = individual_business(42, company.name)
    receipt = ingest(make_ctx, inputs, "anhui", "penalty", [penalty_row(party, 1)], "p")

    assert receipt.unresolved == 1
    [item] = open_items(engine)
    assert item["reason"] == "name_unknown"
    assert not item["candidates"]
    assert versions(engine)[-1]["subject_id"] is None


def test_a_name_matching_a_natural_person_only_is_not_linked(make_ctx, inputs, engine) -> None:
    ingest(
        make_ctx, inputs, "shanghai", "penalty", [penalty_row(natural_person(1, "王小明"), 1)], "1"
    )
    party = individual_business(2, "王小明")
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(party, 2)], "2")
    assert receipt.unresolved == 1
    assert open_items(engine)[0]["reason"] == "name_unknown"


# -- natural persons -------------------------------------------------------------------------


def test_the_same_person_from_two_sources_is_one_subject(make_ctx, inputs, engine) -> None:
    vault = PersonalDataVault(TEST_KEY)
    person = natural_person(1, "赵六")
    ingest(make_ctx, inputs, "shanghai", "penalty", [penalty_row(person, 1)], "1")
    ingest(make_ctx, inputs, "zhejiang", "license", [license_row(person, 2)], "2")
    ingest(make_ctx, inputs, "anhui", "penalty", [penalty_row(person, 3)], "3")

    people = [s for s in subject_rows(engine) if s["subject_type"] == "natural_person"]
    assert len(people) == 1
    [subject] = people
    assert subject["person_hash"] == vault.hash_id(person.id_number)
    assert subject["name"] == "赵六"
    assert (subject["province"], subject["division"]) == ("31", "310101")
    assert {(v["subject_id"], v["link_method"]) for v in versions(engine)} == {
        (subject["id"], "person_id")
    }


def test_a_person_known_only_by_passport_goes_to_review(make_ctx, inputs, engine) -> None:
    person = natural_person(1, "John Smith")
    row = penalty_row(person, 1, CF_XDR_ZJLX="护照", CF_XDR_ZJHM="E12345678")
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", [row])
    assert receipt.unresolved == 1
    [item] = open_items(engine)
    assert item["reason"] == "foreign_document"
    assert "E12345678" not in str(versions(engine)[0]["content"])


def test_legal_representatives_become_person_subjects(make_ctx, inputs, engine) -> None:
    rep = natural_person(3, "法人甲").id_number
    row = penalty_row(legal_person(1), 1, CF_FR_ZJLX="身份证", CF_FR_ZJHM=rep)
    ingest(make_ctx, inputs, "shanghai", "penalty", [row])
    vault = PersonalDataVault(TEST_KEY)
    people = [s for s in subject_rows(engine) if s["subject_type"] == "natural_person"]
    assert [p["person_hash"] for p in people] == [vault.hash_id(rep)]
    assert counts(engine)["subjects"] == 2


def test_each_record_keeps_how_it_was_linked(make_ctx, inputs, engine) -> None:
    shop = legal_person(50, "上海链接方式有限公司")
    ingest(make_ctx, inputs, "shanghai", "registration", [registration_row(shop)], "r")
    records = [
        penalty_row(legal_person(51), 1),
        penalty_row(natural_person(52), 2),
        penalty_row(individual_business(53, "上海链接方式有限公司"), 3),
        penalty_row(individual_business(54, "无人知晓便利店"), 4),
    ]
    receipt = ingest(make_ctx, inputs, "shanghai", "penalty", records, "p")

    assert receipt.links == {"uscc": 1, "person_id": 1, "name": 1}
    assert receipt.unresolved == 1
    methods = [v["link_method"] for v in versions(engine) if v["kind"] == "penalty"]
    assert methods == ["uscc", "person_id", "name", None]
    with engine.connect() as conn:
        assert conn.execute(select(review_items.c.reason)).scalars().all() == ["name_unknown"]
        assert conn.execute(select(subjects.c.id)).all()
