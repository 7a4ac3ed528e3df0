"""Values come out in the standard's one form, whatever way the source wrote them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from credit_yrd.ids import resident_id
from credit_yrd.ids.masking import mask_resident_id
from credit_yrd.ingest import ingest_file
from credit_yrd.privacy import PersonalDataVault
from credit_yrd.store.schema import subjects
from tests.ingest.builders import (
    TEST_KEY,
    individual_business,
    legal_person,
    license_row,
    make_resident_id,
    mapping_of,
    natural_person,
    old_resident_id,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
    write_jsonl,
)
from tests.ingest.store_state import versions


def ingest_shanghai_penalties(make_ctx, inputs, rows, *, encode: bool = True):
    table = source_table(mapping_of("shanghai"), "penalty", rows, encode=encode)
    return ingest_file(make_ctx("shanghai"), write_csv(inputs / "行政处罚.csv", table))


def test_full_width_letters_and_digits_become_half_width(make_ctx, inputs, engine) -> None:
    party = legal_person(1, "上海ＡＢＣ１２３贸易有限公司")
    row = penalty_row(party, 1, CF_WSH="沪市监罚〔２０２４〕１２号", CF_NR_FK="１．５")
    receipt = ingest_shanghai_penalties(make_ctx, inputs, [row])

    assert receipt.new == 1, receipt.to_dict()
    [version] = versions(engine)
    content = version["content"]
    assert content["CF_XDR_MC"] == "上海ABC123贸易有限公司"
    assert content["CF_WSH"] == "沪市监罚〔2024〕12号"
    assert content["CF_NR_FK"] == "1.5"


def test_half_width_brackets_in_names_become_full_width(make_ctx, inputs, engine) -> None:
    party = legal_person(1, "上海华信(集团)有限公司")
    row = penalty_row(party, 1, CF_CFJG="上海市市场监督管理局(执法总队)")
    assert ingest_shanghai_penalties(make_ctx, inputs, [row]).new == 1

    content = versions(engine)[0]["content"]
    assert content["CF_XDR_MC"] == "上海华信（集团）有限公司"
    assert content["CF_CFJG"] == "上海市市场监督管理局（执法总队）"
    assert versions(engine)[0]["department"] == "上海市市场监督管理局（执法总队）"


@pytest.mark.parametrize(
    "written", ["2024/3/5", "2024年3月5日", "2024-03-05", "2024.3.5", "20240305", "2024/03/05"]
)
def test_dates_in_common_forms_become_iso(make_ctx, inputs, engine, written: str) -> None:
    row = penalty_row(legal_person(1), 1, CF_JDRQ=written)
    receipt = ingest_shanghai_penalties(make_ctx, inputs, [row], encode=False)

    assert receipt.new == 1, receipt.to_dict()
    [version] = versions(engine)
    assert version["content"]["CF_JDRQ"] == "2024-03-05"
    assert str(version["valid_from"]) == "2024-03-05"


def test_anhui_amounts_in_yuan_are_stored_in_ten_thousands(make_ctx, inputs, engine) -> None:
    mapping = mapping_of("anhui")
    row = penalty_row(legal_person(1), 1, CF_CFLB="罚款;没收违法所得", CF_NR_WFFF="0.25")
    table = source_table(mapping, "penalty", [row])
    cells = table.dicts()[0]
    assert cells["罚款金额（元）"] == "15000"  # what Anhui writes
    assert cells["没收金额（元）"] == "2500"

    receipt = ingest_file(
        make_ctx("anhui"), write_csv(inputs / "cf_2024.csv", table, encoding="gbk")
    )

    assert receipt.new == 1, receipt.to_dict()
    content = versions(engine)[0]["content"]
    assert content["CF_NR_FK"] == "1.5"
    assert content["CF_NR_WFFF"] == "0.25"


def test_anhui_numeric_codes_and_slash_dates_are_decoded(make_ctx, inputs, engine) -> None:
    mapping = mapping_of("anhui")
    rows = [
        penalty_row(natural_person(1), 1, CF_GSZT="正常"),
        penalty_row(legal_person(2), 2, CF_CFLB="警告", CF_NR_FK=None),
    ]
    table = source_table(mapping, "penalty", rows)
    first = table.dicts()[0]
    assert (first["处罚类别代码"], first["相对人类别"], first["公示状态"]) == ("02", "01", "0")
    assert first["处罚决定日期"] == "2024/03/05"

    receipt = ingest_file(make_ctx("anhui"), write_csv(inputs / "cf_1.csv", table, encoding="gbk"))

    assert receipt.new == 2, receipt.to_dict()
    person, company = (v["content"] for v in versions(engine))
    assert person["CF_CFLB"] == ["罚款"]
    assert person["CF_XDR_LB"] == "自然人"
    assert person["CF_GSZT"] == "正常"
    assert person["CF_JDRQ"] == "2024-03-05"
    assert company["CF_CFLB"] == ["警告"]
    assert company["CF_XDR_LB"] == "法人及非法人组织"


def test_long_term_2099_12_31_is_accepted_and_later_dates_are_not(make_ctx, inputs, engine) -> None:
    rows = [
        license_row(legal_person(1), 1, XK_YXQZI="2099-12-31"),
        license_row(legal_person(2), 2, XK_YXQZI="2100-01-01"),
    ]
    path = write_csv(inputs / "行政许可.csv", source_table(mapping_of("shanghai"), "license", rows))
    receipt = ingest_file(make_ctx("shanghai"), path)

    assert (receipt.new, receipt.rejected) == (1, 1)
    assert receipt.rules == {"date": 1}
    assert versions(engine)[0]["content"]["XK_YXQZI"] == "2099-12-31"


def test_a_decision_date_after_today_is_rejected(make_ctx, inputs) -> None:
    row = penalty_row(legal_person(1), 1, CF_JDRQ="2025-03-15")  # the clock says 2025-03-14
    receipt = ingest_shanghai_penalties(make_ctx, inputs, [row])
    assert receipt.rejected == 1
    assert receipt.rules == {"future_date": 1}


def _all_stored_text(engine) -> str:
    """Everything the store holds in text-like columns, as one string."""
    parts: list[str] = []
    with engine.connect() as conn:
        for table in ("record_versions", "records", "review_items", "subjects", "batches"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                parts.extend(
                    json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v)
                    for v in row
                    if not isinstance(v, bytes | memoryview)
                )
    return "\n".join(parts)


def test_resident_ids_are_stored_only_as_hash_and_mask(make_ctx, inputs, engine) -> None:
    vault = PersonalDataVault(TEST_KEY)
    person = natural_person(1)
    operator = individual_business(2)
    representative_id = make_resident_id(3)
    rows = [
        penalty_row(person, 1),
        penalty_row(operator, 2),
        penalty_row(legal_person(4), 4, CF_FR_ZJLX="身份证", CF_FR_ZJHM=representative_id),
    ]
    receipt = ingest_shanghai_penalties(make_ctx, inputs, rows)
    assert receipt.new == 3, receipt.to_dict()

    stored = [v["content"] for v in versions(engine)]
    assert stored[0]["CF_XDR_ZJHM"] == {
        "hash": vault.hash_id(person.id_number),
        "masked": mask_resident_id(person.id_number),
    }
    assert (
        stored[0]["CF_XDR_ZJHM"]["masked"]
        == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    )
    assert stored[1]["CF_XDR_ZJHM"]["hash"] == vault.hash_id(operator.id_number)
    assert stored[2]["CF_FR_ZJHM"]["hash"] == vault.hash_id(representative_id)
    everything = _all_stored_text(engine)
    for number in (person.id_number, operator.id_number, representative_id):
        assert number not in everything
        assert number[:17] not in everything


def test_old_15_digit_ids_are_converted_to_18_and_meet_the_same_person(
    make_ctx, inputs, engine
) -> None:
    vault = PersonalDataVault(TEST_KEY)
    old = old_resident_id(5)
    new = resident_id.to_18(old)
    rows = [
        penalty_row(natural_person(0, "王五", id_number=old), 1),
        penalty_row(natural_person(0, "王五", id_number=new), 2),
    ]
    receipt = ingest_shanghai_penalties(make_ctx, inputs, rows)
    assert receipt.new == 2, receipt.to_dict()

    first, second = versions(engine)
    assert first["content"]["CF_XDR_ZJHM"] == {
        "hash": vault.hash_id(new),
        "masked": mask_resident_id(new),
    }
    assert first["subject_id"] == second["subject_id"] is not None
    assert first["link_method"] == second["link_method"] == "person_id"
    assert old not in _all_stored_text(engine)
    with engine.connect() as conn:
        person = conn.execute(select(subjects).where(subjects.c.id == first["subject_id"])).one()
    assert person.subject_type == "natural_person"
    assert vault.decrypt(person.person_id_enc) == new


def test_registration_values_are_normalised_too(make_ctx, inputs, engine) -> None:
    party = legal_person(1, "上海华信(集团)有限责任公司")
    row = registration_row(party, DJ_CLRQ="2010年6月1日", DJ_ZCZB="１,０００")
    path = write_csv(
        inputs / "登记注册.csv",
        source_table(mapping_of("shanghai"), "registration", [row], encode=False),
    )
    receipt = ingest_file(make_ctx("shanghai"), path)

    assert receipt.new == 1, receipt.to_dict()
    content = versions(engine)[0]["content"]
    assert content["DJ_MC"] == "上海华信（集团）有限责任公司"
    assert content["DJ_CLRQ"] == "2010-06-01"
    assert content["DJ_ZCZB"] == "1000"
    assert content["DJ_ZZJG"] == party.org_code


def test_jsonl_numbers_are_read_as_text(make_ctx, inputs, engine) -> None:
    row = penalty_row(legal_person(1), 1)
    row["CF_NR_FK"] = 1.5
    row["CF_JDRQ"] = 20240305
    path = write_jsonl(inputs / "penalty.jsonl", [row])
    receipt = ingest_file(make_ctx("zhejiang"), path)

    assert receipt.new == 1, receipt.to_dict()
    content = versions(engine)[0]["content"]
    assert (content["CF_NR_FK"], content["CF_JDRQ"]) == ("1.5", "2024-03-05")
