"""A check's answer never shows a resident ID number in clear, even when the deciding
department wrote one into the decision number, the legal basis or its own name."""

from __future__ import annotations

import json

from credit_yrd.checks.engine import ActiveIndex, check_codes
from credit_yrd.ids.masking import mask_resident_id
from credit_yrd.store.engine import transaction
from credit_yrd.store.subjects import upsert_legal_subject
from tests.checks.conftest import CLOCK, TODAY, World, add_entry, make_resident_id
from tests.ingest.builders import make_uscc


def test_resident_ids_in_an_entrys_texts_are_masked_in_the_answer(world: World) -> None:
    number = make_resident_id("32058319750505002")
    uscc = make_uscc(404)
    with transaction(world.engine) as conn:
        subject = upsert_legal_subject(conn, uscc, "昆山身份证号测试有限公司", clock=CLOCK)
        add_entry(
            conn,
            subject,
            "ecology_environment",
            decision_number=f"苏环罚〔2026〕7号（法定代表人 {number}）",
            legal_basis=f"《企业环境信用评价办法》；当事人身份证 {number.lower()}",
            authority=f"江苏省生态环境厅 经办 {number}",
        )
    index = ActiveIndex(world.standard)
    for via in (None, index):
        with world.engine.connect() as conn:
            (result,) = check_codes(
                conn,
                codes=[uscc],
                scenario="government_procurement",
                on=TODAY,
                standard=world.standard,
                index=via,
            )
        (applied,) = result.measures
        shown = json.dumps(result.to_dict(), ensure_ascii=False)
        assert number not in shown and number.lower() not in shown
        why = applied.to_dict()["why"]
        assert (
            why["decision_number"] == f"苏环罚〔2026〕7号（法定代表人 {mask_resident_id(number)}）"
        )
        assert mask_resident_id(number) in why["listing_basis"]
        assert why["authority"].startswith("江苏省生态环境厅 经办 ")
