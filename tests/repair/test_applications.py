"""Applying, accepting, deciding and withdrawing repair applications in the domain: the
conditions (each refusal with its reason and nothing written), documents judged by their bytes,
handler scope, deadlines in working days, the public progress by query code, and a refused repair
that leaves everything as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from credit_yrd.clock import CHINA_TZ, FixedClock
from credit_yrd.repair import applications as apps
from credit_yrd.repair.documents import DocumentIn, check_document, clean_filename
from credit_yrd.repair.errors import (
    InvalidDocument,
    InvalidInput,
    NotAllowed,
    NotFound,
    RepairConditionError,
    WrongState,
)
from credit_yrd.standards.publication import publication_window
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import append_version
from credit_yrd.store.schema import (
    case_events,
    list_entries,
    list_events,
    notices,
    records,
    repair_applications,
    repair_deliveries,
    repair_documents,
)
from tests.ledger.conftest import penalty
from tests.repair.conftest import CLOCK, COMPANY, JPEG, PDF, PNG, TODAY, World, at, docs

WRITES = (repair_applications, repair_documents, case_events, notices, repair_deliveries)


def counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in WRITES
    }


def apply_record(
    world: World,
    name: str = "old",
    *,
    who: str = "company",
    documents: list[DocumentIn] | None = None,
    corrected: str = "已缴清罚款并整改",
    clock: Any = CLOCK,
) -> apps.Application:
    with transaction(world.engine) as conn:
        return apps.apply(
            conn,
            clock=clock,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(who),
            target="record",
            record_id=world.records[name],
            corrected=corrected,
            documents=docs() if documents is None else documents,
        )


def refused_with(world: World, words: list[str], **kw: Any) -> RepairConditionError:
    with world.engine.connect() as conn:
        before = counts(conn)
    with pytest.raises(RepairConditionError) as caught:
        apply_record(world, **kw)
    text = str(caught.value)
    for word in words:
        assert word in text, text
    with world.engine.connect() as conn:
        assert counts(conn) == before  # nothing written
    return caught.value


def test_apply_writes_the_case_with_deadlines_in_working_days(world: World) -> None:
    made = apply_record(world)
    assert made.status == "submitted"
    assert made.query_code.startswith("XF-")
    assert made.province == "31" and made.domain == "market_regulation"
    assert made.authority == "上海市市场监督管理局"
    # Received Monday 2026-09-28: the National Day holiday (10-01..10-07) does not count and the
    # make-up working Saturday 10-10 does: +3 = 10-08, +10 = 10-16.
    assert made.received_on == TODAY
    assert made.accept_due == dt.date(2026, 10, 8)
    assert made.decide_due == dt.date(2026, 10, 16)
    assert [d.kind for d in made.documents] == ["commitment", "payment"]
    assert made.documents[0].media_type == "application/pdf"
    assert len(made.documents[0].sha256) == 64
    assert [s.event for s in made.steps] == ["submitted"]
    with world.engine.connect() as conn:
        sent = conn.execute(select(notices.c.subject_id, notices.c.role, notices.c.domain)).all()
    assert (world.company, None, None) in [tuple(r) for r in sent]
    assert (None, "department", "market_regulation") in [tuple(r) for r in sent]
    assert (None, "credit_office", None) in [tuple(r) for r in sent]


def test_min_period_not_served_is_refused_with_the_first_day(world: World) -> None:
    refused_with(world, ["最短公示期未满", "2026-11-02", "apply from 2026-11-02"], name="fresh")


def test_a_kind_without_rule_table_is_barred(world: World) -> None:
    refused_with(world, ["没有公示期限规则"], name="license")


def test_specially_serious_records_are_barred(world: World) -> None:
    """Under 527号 (2019) a revocation in the food and drug domain is 特定严重失信: shown three years
    and never repaired early — the shipped rule table, not a doctored copy."""
    decided = dt.date(2022, 6, 1)
    with transaction(world.engine) as conn:
        world.records["specified"] = append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="repair-specified",
            subject_id=world.company,
            content=penalty(
                "105",
                decided.isoformat(),
                CF_XDR_MC=COMPANY,
                CF_CFLB=["吊销许可证件"],
                CF_SSLY="food_drug",
            ),
            department="上海市市场监督管理局",
            domain="food_drug",
            clock=CLOCK,
        ).record_id
    window = publication_window(
        "penalty",
        penalty("105", decided.isoformat(), CF_CFLB=["吊销许可证件"], CF_SSLY="food_drug"),
        standard=world.standard,
    )
    assert window.class_code == "特定严重" and window.repairable is False
    # A year into its three years, when an ordinary serious penalty could already be repaired.
    refused_with(
        world,
        ["特定严重失信", "may not be repaired early"],
        name="specified",
        clock=FixedClock(dt.datetime(2023, 1, 16, 10, 0, tzinfo=CHINA_TZ)),
    )


def test_missing_commitment_and_duty_proof_are_both_listed(world: World) -> None:
    error = refused_with(world, ["信用承诺书", "履行法定义务的证明"], documents=docs("other"))
    assert len(error.failures) == 2


def test_empty_corrected_statement_is_a_failed_condition(world: World) -> None:
    refused_with(world, ["corrected"], corrected="   ")


def test_duplicate_open_application_is_refused(world: World) -> None:
    first = apply_record(world)
    refused_with(world, [f"修复申请 {first.id}", "still open"])


def test_another_subjects_record_is_not_found_and_nothing_written(world: World) -> None:
    with world.engine.connect() as conn:
        before = counts(conn)
    with pytest.raises(NotFound):
        apply_record(world, "other")
    with world.engine.connect() as conn:
        assert counts(conn) == before


def test_only_a_subject_applies(world: World) -> None:
    with transaction(world.engine) as conn, pytest.raises(NotAllowed):
        apps.apply(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world["sh_amr"],
            target="record",
            record_id=world.records["old"],
            corrected="x",
            documents=docs(),
        )


def test_documents_are_judged_by_their_bytes(world: World) -> None:
    conf = world.settings
    assert check_document(DocumentIn("payment", "a.txt", "text/plain", PNG), conf).media_type == (
        "image/png"
    )
    assert check_document(DocumentIn("payment", "x", "", JPEG), conf).media_type == "image/jpeg"
    with pytest.raises(InvalidDocument, match=r"fake\.pdf.*PDF、PNG 或 JPEG"):
        check_document(DocumentIn("payment", "fake.pdf", "application/pdf", b"MZ\x90\x00"), conf)
    with pytest.raises(InvalidDocument, match="文件为空"):
        check_document(DocumentIn("payment", "e.pdf", "application/pdf", b""), conf)
    big = PDF + b"0" * conf.repair_document_max_bytes
    with pytest.raises(InvalidDocument, match="超过上限"):
        check_document(DocumentIn("payment", "big.pdf", "application/pdf", big), conf)
    with pytest.raises(InvalidDocument, match="材料类别"):
        check_document(DocumentIn("receipt", "r.pdf", "application/pdf", PDF), conf)
    assert clean_filename("C:\\docs\\..\\承诺书\x00\u202e.pdf") == "承诺书.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert len(clean_filename("a" * 400 + ".pdf")) == 255
    with world.engine.connect() as conn:
        before = counts(conn)
    bad = [*docs(), DocumentIn("other", "evil.pdf", "application/pdf", b"<html>")]
    with pytest.raises(InvalidDocument, match=r"evil\.pdf"):
        apply_record(world, documents=bad)
    too_many = docs(*(["payment"] * 10), "commitment")
    with pytest.raises(InvalidDocument, match="最多 10 份"):
        apply_record(world, documents=too_many)
    with world.engine.connect() as conn:
        assert counts(conn) == before


def test_listing_conditions(world: World) -> None:
    # market_serious_violation: early exit after one year listed (listed 2026-09-11).
    with transaction(world.engine) as conn, pytest.raises(RepairConditionError) as caught:
        apps.apply(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            target="listing",
            entry_id=world.entry,
            corrected="已履行",
            documents=docs(),
        )
    assert "提前移出的最短期限" in str(caught.value)
    later = at(days=400)
    with transaction(world.engine) as conn:
        made = apps.apply(
            conn,
            clock=later,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            target="listing",
            entry_id=world.entry,
            corrected="已履行",
            documents=docs(),
        )
    assert made.province == "31" and made.domain == "market_regulation"
    with pytest.raises(InvalidInput, match="entry_id"), transaction(world.engine) as conn:
        apps.apply(
            conn,
            clock=later,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject(),
            target="listing",
            record_id=world.records["old"],
            corrected="x",
            documents=docs(),
        )


def test_handler_scope(world: World) -> None:
    made = apply_record(world)
    for outsider in ("js_amr", "sh_tax", "js_office"):
        with transaction(world.engine) as conn, pytest.raises(NotAllowed):
            apps.accept(conn, clock=CLOCK, principal=world[outsider], application_id=made.id)
    with transaction(world.engine) as conn, pytest.raises(NotFound):
        apps.accept(conn, clock=CLOCK, principal=world.subject("other"), application_id=made.id)
    with world.engine.connect() as conn:
        assert [
            i.id
            for i in apps.handler_queue(conn, world["sh_amr"], clock=CLOCK, settings=world.settings)
        ] == [made.id]
        assert apps.handler_queue(conn, world["js_amr"], clock=CLOCK, settings=world.settings) == []
        assert [
            i.id
            for i in apps.handler_queue(conn, world["region"], clock=CLOCK, settings=world.settings)
        ] == [made.id]
    with transaction(world.engine) as conn:
        accepted = apps.accept(
            conn, clock=CLOCK, principal=world["sh_office"], application_id=made.id
        )
    assert accepted.status == "accepted"
    with transaction(world.engine) as conn, pytest.raises(WrongState):
        apps.accept(conn, clock=CLOCK, principal=world["sh_amr"], application_id=made.id)


def test_queue_counts_working_days_left_and_overdue(world: World) -> None:
    made = apply_record(world)
    with world.engine.connect() as conn:
        [item] = apps.handler_queue(
            conn, world["sh_amr"], clock=at(days=2), settings=world.settings
        )
        assert item.due == dt.date(2026, 10, 8)
        # From Wednesday 09-30: 10-08 is the first working day after the holiday.
        assert item.days_left == 1 and not item.overdue
        assert item.calendar_warning is None
        [late] = apps.handler_queue(
            conn, world["sh_amr"], clock=at(days=12), settings=world.settings
        )
        assert late.overdue and late.days_left == -2
    assert late.id == made.id


def test_a_year_past_the_bundled_calendar_warns_and_counts_weekdays(world: World) -> None:
    clock = at(days=365 + 91)  # 2027-12-28, a Tuesday: no bundled holiday data for 2027/2028
    made = apply_record(world, clock=clock)
    assert made.accept_due == dt.date(2027, 12, 31)
    assert made.decide_due == dt.date(2028, 1, 11)
    with world.engine.connect() as conn:
        [item] = apps.handler_queue(conn, world["sh_amr"], clock=clock, settings=world.settings)
        shown = apps.progress(
            conn, made.query_code, settings=world.settings, clock=clock, standard=world.standard
        )
    assert item.calendar_warning is not None and "2027" in item.calendar_warning[0]
    assert shown is not None and shown.calendar_warning is not None


def test_refusal_needs_reasons_and_changes_nothing_else(world: World) -> None:
    made = apply_record(world)

    def snapshot() -> dict[str, Any]:
        with world.engine.connect() as conn:
            return {
                "record": tuple(
                    conn.execute(select(records).where(records.c.id == world.records["old"])).one()
                ),
                "entries": [
                    tuple(r) for r in conn.execute(select(list_entries).order_by(list_entries.c.id))
                ],
                "steps": int(
                    conn.execute(select(func.count()).select_from(list_events)).scalar_one()
                ),
                "deliveries": int(
                    conn.execute(select(func.count()).select_from(repair_deliveries)).scalar_one()
                ),
            }

    before = snapshot()
    with transaction(world.engine) as conn, pytest.raises(InvalidInput, match="reasons"):
        apps.decide(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world["sh_amr"],
            application_id=made.id,
            approve=False,
            reasons="  ",
        )
    with transaction(world.engine) as conn:
        refused = apps.decide(
            conn,
            clock=at(days=3),
            settings=world.settings,
            standard=world.standard,
            principal=world["sh_amr"],
            application_id=made.id,
            approve=False,
            reasons="罚款尚未缴清",
        )
    assert refused.status == "refused" and refused.reasons == "罚款尚未缴清"
    # Received Monday 09-28, decided Thursday 10-01 (a holiday): 09-29 and 09-30 count.
    assert refused.working_days == 2
    assert [s.event for s in refused.steps] == ["submitted", "accepted", "refused"]
    assert snapshot() == before
    with world.engine.connect() as conn:
        told = conn.execute(
            select(notices.c.body_zh).where(
                notices.c.subject_id == world.company, notices.c.kind == "repair.refused"
            )
        ).scalar()
    assert told is not None and "罚款尚未缴清" in told
    with world.engine.connect() as conn:
        followed = apps.progress(
            conn,
            made.query_code,
            settings=world.settings,
            clock=at(days=3),
            standard=world.standard,
        )
    assert followed is not None and followed.reasons == "罚款尚未缴清"  # whoever follows the code
    with transaction(world.engine) as conn, pytest.raises(WrongState):
        apps.decide(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world["sh_amr"],
            application_id=made.id,
            approve=True,
            reasons="",
        )


def test_withdraw_and_add_documents_by_the_owner(world: World) -> None:
    made = apply_record(world)
    with transaction(world.engine) as conn, pytest.raises(NotFound):
        apps.add_document(
            conn,
            clock=CLOCK,
            settings=world.settings,
            principal=world.subject("other"),
            application_id=made.id,
            document=docs("other")[0],
        )
    with transaction(world.engine) as conn:
        doc_id = apps.add_document(
            conn,
            clock=CLOCK,
            settings=world.settings,
            principal=world.subject(),
            application_id=made.id,
            document=DocumentIn("rectification", "r.png", "", PNG),
        )
    with world.engine.connect() as conn:
        found = apps.document(conn, made.id, doc_id)
    assert found is not None and found[1] == PNG and found[0].media_type == "image/png"
    with transaction(world.engine) as conn:
        gone = apps.withdraw(conn, clock=CLOCK, principal=world.subject(), application_id=made.id)
    assert gone.status == "withdrawn"
    assert [s.event for s in gone.steps] == ["submitted", "document_added", "withdrawn"]
    with transaction(world.engine) as conn, pytest.raises(WrongState):
        apps.add_document(
            conn,
            clock=CLOCK,
            settings=world.settings,
            principal=world.subject(),
            application_id=made.id,
            document=docs("other")[0],
        )
    # A withdrawn application is no longer open: a new one may be made.
    assert apply_record(world).status == "submitted"


def test_progress_by_query_code_shows_no_identifiers(world: World) -> None:
    with transaction(world.engine) as conn:
        made = apps.apply(
            conn,
            clock=CLOCK,
            settings=world.settings,
            standard=world.standard,
            principal=world.subject("person"),
            target="record",
            record_id=world.records["person"],
            corrected="已缴清",
            documents=docs(),
        )
    with world.engine.connect() as conn:
        typed = made.query_code.lower().replace("-", " ")
        shown = apps.progress(
            conn, typed, settings=world.settings, clock=CLOCK, standard=world.standard
        )
        assert (
            apps.progress(
                conn,
                "XF-2222-2222-2222",
                settings=world.settings,
                clock=CLOCK,
                standard=world.standard,
            )
            is None
        )
        assert (
            apps.progress(
                conn, "nonsense", settings=world.settings, clock=CLOCK, standard=world.standard
            )
            is None
        )
    assert shown is not None
    data = shown.to_dict()
    assert data["subject_name"] == "李**"
    assert data["record_kind_zh"] == "行政处罚"
    assert data["status"] == "submitted" and data["decide_due"] == "2026-10-16"
    text = repr(data)
    for secret in (
        "李修复",
        "h-repair-person",
        "repair-person",
        "commitment.pdf",
        f"'subject_id': {world.person}",
        "account:",
    ):
        assert secret not in text
    assert "id" not in data and "record_id" not in data and "applicant" not in data
