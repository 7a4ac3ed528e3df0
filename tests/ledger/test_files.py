"""Credit files and record details: what the public and the authorities see."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.ledger import (
    Audience,
    PurposeRequiredError,
    Reader,
    RecordNotVisibleError,
    credit_file,
    record_detail,
)
from credit_yrd.ledger.files import (
    CreditFile,
    NotOwnFileError,
    ReaderRequiredError,
    mask_name,
    scrub_resident_ids,
)
from credit_yrd.standards.loader import get_standard
from credit_yrd.store.engine import transaction
from credit_yrd.store.schema import access_log, subjects
from credit_yrd.store.subjects import find_subject
from tests.ledger.conftest import (
    CLOCK,
    PERSON_ID,
    PERSON_MASKED,
    PERSON_NAME,
    REP_ID,
    TODAY,
    Region,
)

STANDARD = get_standard()


def read_file(
    engine: Engine, subject_id: int, audience: Audience, reader: Reader | None = None
) -> CreditFile:
    with transaction(engine) as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == subject_id)).one()
        return credit_file(
            conn, row, audience=audience, on=TODAY, standard=STANDARD, reader=reader, clock=CLOCK
        )


def ids_of(file: CreditFile) -> set[int]:
    return {r.id for s in file.sections for r in s.records}


def field_codes(file: CreditFile) -> set[str]:
    return {f.code for s in file.sections for r in s.records for f in r.fields}


def officer(province: str | None = None) -> Reader:
    return Reader.for_key(9, "上海市场监管", "department", "行政许可审查", province)


def log_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(access_log)).scalar_one())


def test_sections_follow_the_report_order(store: Engine, region: Region) -> None:
    file = read_file(store, region.company_id, Audience.PUBLIC)
    order = [e.code for e in STANDARD.code_lists["report_section"].ordered()]
    assert [s.code for s in file.sections] == order
    admin = next(s for s in file.sections if s.code == "行政管理")
    assert admin.label_en == "Administrative management"
    assert {r.kind for r in admin.records} == {"penalty", "license"}


def test_public_sees_only_published_active_records_and_public_fields(
    store: Engine, region: Region
) -> None:
    file = read_file(store, region.company_id, Audience.PUBLIC)
    assert ids_of(file) == {
        region.records["shown"],
        region.records["jiangsu_license"],
    }  # withdrawn, out of window (2015) and corrected (not active) are hidden
    assert file.record_count == 2
    assert not file.access_logged
    codes = field_codes(file)
    assert "CF_WSH" in codes and "CF_CFLB" in codes
    assert not codes & {"CF_FR_ZJHM", "CF_XDR_ZJLX", "CF_GSZT", "XK_XDR_ZJLX"}
    assert REP_ID not in file.model_dump_json()
    assert file.subject.uscc == region.uscc
    assert file.subject.province_name == "上海市"
    assert log_count(store) == 0


def test_a_record_carries_source_department_window_and_code_labels(
    store: Engine, region: Region
) -> None:
    file = read_file(store, region.company_id, Audience.PUBLIC)
    shown = next(r for s in file.sections for r in s.records if r.id == region.records["shown"])
    assert shown.kind_label_zh == "行政处罚"
    assert shown.source.name_zh.startswith("上海市公共信用信息")
    assert shown.source.province == "31"
    assert shown.department == "上海市市场监督管理局"
    assert shown.date is not None and shown.date.isoformat() == "2026-03-01"
    assert shown.status == "active"
    assert shown.version_count == 1
    assert shown.publication is not None and shown.publication["published_on"] is True
    assert shown.publication["max_end"] is not None
    types = next(f for f in shown.fields if f.code == "CF_CFLB")
    assert types.value == ["罚款"]
    assert types.codes is not None and types.codes[0].label_zh


def test_authority_sees_shared_fields_and_every_current_record(
    store: Engine, region: Region
) -> None:
    file = read_file(store, region.company_id, Audience.AUTHORITY, officer())
    assert ids_of(file) == {
        region.records[n] for n in ("shown", "withdrawn", "old", "jiangsu_license", "corrected")
    }
    codes = field_codes(file)
    assert {"CF_XDR_ZJLX", "CF_GSZT"} <= codes
    rep = next(
        f for s in file.sections for r in s.records for f in r.fields if f.code == "CF_FR_ZJHM"
    )
    assert rep.masked and rep.value != REP_ID and "*" in str(rep.value)
    assert REP_ID not in file.model_dump_json()
    withdrawn = next(
        r for s in file.sections for r in s.records if r.id == region.records["withdrawn"]
    )
    assert withdrawn.status == "withdrawn" and withdrawn.version_count == 2
    assert file.access_logged


def test_authority_scope_is_the_readers_province(store: Engine, region: Region) -> None:
    shanghai = read_file(store, region.company_id, Audience.AUTHORITY, officer("31"))
    assert region.records["jiangsu_license"] not in ids_of(shanghai)
    assert region.records["shown"] in ids_of(shanghai)
    jiangsu = read_file(store, region.company_id, Audience.AUTHORITY, officer("32"))
    assert ids_of(jiangsu) == {region.records["jiangsu_license"]}


def test_authority_read_is_logged_with_who_why_and_what(store: Engine, region: Region) -> None:
    file = read_file(store, region.company_id, Audience.AUTHORITY, officer("31"))
    with store.connect() as conn:
        rows = list(conn.execute(select(access_log)))
    assert len(rows) == 1
    row = rows[0]
    assert row.actor == "key:9 上海市场监管"
    assert row.role == "department"
    assert row.province == "31"
    assert row.purpose == "行政许可审查"
    assert row.subject_id == region.company_id
    assert sorted(row.record_ids) == sorted(ids_of(file))


def test_authority_view_needs_a_reader_and_a_purpose(store: Engine, region: Region) -> None:
    with pytest.raises(ReaderRequiredError):
        read_file(store, region.company_id, Audience.AUTHORITY)
    for purpose in (None, "", "   ", "x" * 501):
        with pytest.raises(PurposeRequiredError):
            Reader.for_key(1, "k", "department", purpose, None)
    assert log_count(store) == 0


def test_subject_view_needs_the_subject_itself(store: Engine, region: Region) -> None:
    with pytest.raises(NotOwnFileError):
        read_file(store, region.company_id, Audience.SUBJECT)
    with pytest.raises(ReaderRequiredError):
        read_file(store, region.company_id, Audience.AUTHORISED)
    assert log_count(store) == 0


def test_a_natural_person_is_masked_in_public(store: Engine, region: Region) -> None:
    file = read_file(store, region.person_id, Audience.PUBLIC)
    text = file.model_dump_json()
    assert PERSON_NAME not in text
    assert PERSON_ID not in text
    assert file.subject.name == "张**"
    assert file.subject.masked_id == PERSON_MASKED
    (record,) = [r for s in file.sections for r in s.records]
    by_code = {f.code: f for f in record.fields}
    assert by_code["CF_XDR_MC"].value == "张**" and by_code["CF_XDR_MC"].masked
    assert "CF_XDR_ZJHM" not in by_code
    assert PERSON_MASKED in str(by_code["CF_WFXW"].value)


def test_legacy_code_finds_the_same_file(store: Engine, region: Region) -> None:
    with store.connect() as conn:
        by_org = find_subject(conn, region.org_code)
        assert by_org is not None and by_org.id == region.company_id


def test_record_detail_public_and_hidden(store: Engine, region: Region) -> None:
    with store.connect() as conn:
        detail = record_detail(
            conn,
            region.records["shown"],
            audience=Audience.PUBLIC,
            on=TODAY,
            standard=STANDARD,
        )
        assert detail.record.id == region.records["shown"]
        assert [v.version for v in detail.versions] == [1]
        assert detail.versions[0].batch_id is None
        for hidden in ("withdrawn", "old", "corrected"):
            with pytest.raises(RecordNotVisibleError):
                record_detail(
                    conn,
                    region.records[hidden],
                    audience=Audience.PUBLIC,
                    on=TODAY,
                    standard=STANDARD,
                )
        with pytest.raises(RecordNotVisibleError):
            record_detail(conn, 10**9, audience=Audience.PUBLIC, on=TODAY, standard=STANDARD)


def test_record_detail_for_an_authority_shows_history_and_logs(
    store: Engine, region: Region
) -> None:
    with transaction(store) as conn:
        detail = record_detail(
            conn,
            region.records["corrected"],
            audience=Audience.AUTHORITY,
            on=TODAY,
            standard=STANDARD,
            reader=officer("31"),
            clock=CLOCK,
        )
        assert [v.status for v in detail.versions] == ["active", "corrected"]
        amounts = [next(f.value for f in v.fields if f.code == "CF_NR_FK") for v in detail.versions]
        assert amounts == ["60000", "70000"]
        assert detail.access_logged
        with pytest.raises(RecordNotVisibleError):
            record_detail(
                conn,
                region.records["jiangsu_license"],
                audience=Audience.AUTHORITY,
                on=TODAY,
                standard=STANDARD,
                reader=officer("31"),
            )
    assert log_count(store) == 1


def test_mask_name_and_scrub() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("李") == "*"
    assert mask_name("") == ""
    assert scrub_resident_ids(f"证号{PERSON_ID}。") == f"证号{PERSON_MASKED}。"
    assert scrub_resident_ids("编号123456789012345678") == "编号123456789012345678"
