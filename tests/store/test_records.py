"""Records and append-only versions: outcomes, provenance, history, bulk and atomic batches."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from credit_yrd.clock import CHINA_TZ, FixedClock
from credit_yrd.store.engine import transaction
from credit_yrd.store.errors import RecordSubjectConflictError, StoreError
from credit_yrd.store.legacy import add_legacy_codes
from credit_yrd.store.records import (
    RecordItem,
    append_version,
    append_versions_bulk,
    canonical_hash,
    canonical_json,
    find_record,
    history,
    latest_versions,
)
from credit_yrd.store.schema import batches, legacy_codes, record_versions, records, subjects
from credit_yrd.store.subjects import upsert_legal_subject

USCC = "91310115MA1K3YJ12X"
PENALTY = {"decision_no": "沪市监罚〔2024〕123号", "amount": 50000, "reason": "虚假宣传"}


@pytest.fixture
def subject_id(engine) -> int:
    with transaction(engine) as conn:
        return upsert_legal_subject(conn, USCC, "上海浦江科技有限公司", division="310115")


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_canonical_hash_ignores_key_order_and_matches_sha256_of_canonical_json() -> None:
    a = {"b": 1, "a": {"y": [1, 2], "x": "中文"}}
    b = {"a": {"x": "中文", "y": [1, 2]}, "b": 1}
    assert canonical_hash(a) == canonical_hash(b)
    assert canonical_json(a) == '{"a":{"x":"中文","y":[1,2]},"b":1}'
    assert canonical_hash(a) == hashlib.sha256(canonical_json(a).encode()).hexdigest()
    assert canonical_hash({"amount": 1}) != canonical_hash({"amount": 2})


def test_canonical_json_handles_dates_and_decimals_and_refuses_the_rest() -> None:
    content = {"on": dt.date(2024, 5, 1), "amount": decimal.Decimal("12.50")}
    assert canonical_json(content) == '{"amount":"12.50","on":"2024-05-01"}'
    with pytest.raises(StoreError):
        canonical_json({"x": object()})
    with pytest.raises(StoreError):
        canonical_json({"x": float("nan")})


def test_new_then_unchanged_then_changed(engine, subject_id, clock) -> None:
    args = {
        "source": "shanghai",
        "kind": "penalty",
        "source_key": "SH-P-0001",
        "subject_id": subject_id,
    }
    with transaction(engine) as conn:
        first = append_version(conn, content=PENALTY, clock=clock, **args)
        reordered = dict(reversed(list(PENALTY.items())))
        same = append_version(conn, content=reordered, clock=clock, **args)
        changed = append_version(
            conn, content={**PENALTY, "amount": 30000}, status="corrected", clock=clock, **args
        )
    assert (first.version, first.outcome) == (1, "new")
    assert (same.record_id, same.version, same.outcome) == (first.record_id, 1, "unchanged")
    assert (changed.record_id, changed.version, changed.outcome) == (first.record_id, 2, "changed")
    assert _count(engine, records) == 1
    assert _count(engine, record_versions) == 2


def test_a_status_change_with_the_same_content_is_a_new_version(engine, subject_id) -> None:
    args = {
        "source": "shanghai",
        "kind": "penalty",
        "source_key": "SH-P-0001",
        "subject_id": subject_id,
        "content": PENALTY,
    }
    with transaction(engine) as conn:
        append_version(conn, **args)
        withdrawn = append_version(conn, status="withdrawn", **args)
        again = append_version(conn, status="withdrawn", **args)
    assert (withdrawn.version, withdrawn.outcome) == (2, "changed")
    assert (again.version, again.outcome) == (2, "unchanged")


def test_history_keeps_every_version_with_its_provenance(engine, subject_id) -> None:
    with transaction(engine) as conn:
        batch_id = conn.execute(
            batches.insert().returning(batches.c.id),
            {
                "source": "shanghai",
                "received_at": dt.datetime(2024, 6, 1, 8, tzinfo=CHINA_TZ),
                "file_name": "penalties-2024-06.csv",
                "content_sha256": "ab" * 32,
                "counts": {"rows": 1},
            },
        ).scalar_one()
    received = dt.datetime(2024, 6, 1, 8, tzinfo=CHINA_TZ)
    with transaction(engine) as conn:
        result = append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="SH-P-0001",
            subject_id=subject_id,
            content=PENALTY,
            department="上海市市场监督管理局",
            batch_id=batch_id,
            received_at=received,
            valid_from=dt.date(2024, 5, 20),
            clock=FixedClock(dt.datetime(2024, 6, 1, 8, 5, tzinfo=CHINA_TZ)),
        )
        append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="SH-P-0001",
            subject_id=subject_id,
            content={**PENALTY, "amount": 30000},
            status="corrected",
            clock=FixedClock(dt.datetime(2024, 7, 1, tzinfo=CHINA_TZ)),
        )
    with engine.connect() as conn:
        versions = history(conn, result.record_id)
    assert [v.version for v in versions] == [1, 2]
    first, second = versions
    assert first.content == PENALTY
    assert first.content_hash == canonical_hash(PENALTY)
    assert (first.status, first.source, first.department) == (
        "active",
        "shanghai",
        "上海市市场监督管理局",
    )
    assert (first.batch_id, first.received_at, first.valid_from) == (
        batch_id,
        received,
        dt.date(2024, 5, 20),
    )
    assert first.created_at == dt.datetime(2024, 6, 1, 8, 5, tzinfo=CHINA_TZ)
    assert second.content["amount"] == 30000 and second.status == "corrected"
    assert second.received_at == dt.datetime(2024, 7, 1, tzinfo=CHINA_TZ)  # defaults to now


def test_latest_versions_of_a_subject(engine, subject_id) -> None:
    with transaction(engine) as conn:
        other = upsert_legal_subject(conn, "91320500MA1N8QWE3K", "苏州某公司")
        append_versions_bulk(
            conn,
            [
                RecordItem("shanghai", "penalty", "P1", {"amount": 1}, subject_id),
                RecordItem("shanghai", "penalty", "P1", {"amount": 2}, subject_id, "corrected"),
                RecordItem("shanghai", "license", "L1", {"scope": "食品经营"}, subject_id),
                RecordItem("jiangsu", "penalty", "P1", {"amount": 9}, other),
                RecordItem(
                    "shanghai", "license", "L1", {"scope": "食品经营"}, subject_id, "withdrawn"
                ),
            ],
        )
    with engine.connect() as conn:
        latest = latest_versions(conn, subject_id)
        active = latest_versions(conn, subject_id, statuses=["active", "corrected"])
    assert [(r.kind, r.source_key, r.version, r.status) for r in latest] == [
        ("license", "L1", 2, "withdrawn"),
        ("penalty", "P1", 2, "corrected"),
    ]
    assert latest[1].content == {"amount": 2}
    assert latest[1].reported_by == "shanghai"
    assert [r.kind for r in active] == ["penalty"]


def test_bulk_results_follow_input_order_and_repeat_keys_apply_in_order(engine, subject_id):
    items = [
        {
            "source": "shanghai",
            "kind": "penalty",
            "source_key": "A",
            "content": {"v": 1},
            "subject_id": subject_id,
        },
        {"source": "shanghai", "kind": "penalty", "source_key": "B", "content": {"v": 1}},
        {"source": "shanghai", "kind": "penalty", "source_key": "A", "content": {"v": 1}},
        {"source": "shanghai", "kind": "penalty", "source_key": "A", "content": {"v": 2}},
        {"source": "zhejiang", "kind": "penalty", "source_key": "A", "content": {"v": 1}},
    ]
    with transaction(engine) as conn:
        results = append_versions_bulk(conn, items)
    assert [(r.version, r.outcome) for r in results] == [
        (1, "new"),
        (1, "new"),
        (1, "unchanged"),
        (2, "changed"),
        (1, "new"),
    ]
    assert results[0].record_id == results[2].record_id == results[3].record_id
    assert len({results[0].record_id, results[1].record_id, results[4].record_id}) == 3
    with transaction(engine) as conn:
        again = append_versions_bulk(conn, items[3:])
    assert [r.outcome for r in again] == ["unchanged", "unchanged"]
    assert _count(engine, record_versions) == 4


def test_resending_a_batch_writes_nothing(engine, subject_id) -> None:
    items = [RecordItem("anhui", "license", f"AH-{i}", {"n": i}, subject_id) for i in range(300)]
    with transaction(engine) as conn:
        assert {r.outcome for r in append_versions_bulk(conn, items)} == {"new"}
    with transaction(engine) as conn:
        assert {r.outcome for r in append_versions_bulk(conn, items)} == {"unchanged"}
    assert _count(engine, record_versions) == 300


def test_bulk_path_is_set_based(engine, subject_id) -> None:
    items = [
        RecordItem("jiangsu", "penalty", f"JS-{i:05d}", {"n": i}, subject_id) for i in range(5_000)
    ]
    with transaction(engine) as conn:
        append_versions_bulk(conn, items[:2_500])
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    changed = [
        RecordItem(i.source, i.kind, i.source_key, {"n": -1}, subject_id) for i in items[:1_000]
    ]
    with transaction(engine) as conn:
        event.listen(engine, "before_cursor_execute", count)
        try:
            results = append_versions_bulk(conn, changed + items[1_000:])
        finally:
            event.remove(engine, "before_cursor_execute", count)
    outcomes = [r.outcome for r in results]
    assert outcomes.count("changed") == 1_000
    assert outcomes.count("unchanged") == 1_500
    assert outcomes.count("new") == 2_500
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 1 + 3  # sources, then latest versions in chunks of 2,000 keys
    assert len(statements) < 40  # inserts are batched, never one round trip per row
    assert _count(engine, record_versions) == 2_500 + 1_000 + 2_500


def test_an_error_in_the_middle_of_a_batch_leaves_the_store_as_before(engine, subject_id):
    with transaction(engine) as conn:
        append_versions_bulk(conn, [RecordItem("shanghai", "penalty", "P1", PENALTY, subject_id)])
    before = {t.name: _count(engine, t) for t in (records, record_versions, legacy_codes)}
    with pytest.raises(IntegrityError), transaction(engine) as conn:
        add_legacy_codes(conn, [{"legacy_code": "MA1K3YJ12", "uscc": USCC}])
        append_versions_bulk(
            conn,
            [
                RecordItem("shanghai", "penalty", "P1", {**PENALTY, "amount": 1}, subject_id),
                RecordItem("shanghai", "penalty", "P2", PENALTY, subject_id),
            ],
        )
        # a version pointing at a batch that does not exist: the database refuses it
        append_versions_bulk(
            conn,
            [
                RecordItem("shanghai", "penalty", "P3", PENALTY, subject_id, batch_id=424242),
            ],
        )
    after = {t.name: _count(engine, t) for t in (records, record_versions, legacy_codes)}
    assert after == before
    with engine.connect() as conn:
        record = find_record(conn, "shanghai", "penalty", "P1")
        assert [v.content for v in history(conn, record.id)] == [PENALTY]
        assert find_record(conn, "shanghai", "penalty", "P2") is None


def test_validation_happens_before_anything_is_written(engine, subject_id) -> None:
    good = RecordItem("shanghai", "penalty", "P1", PENALTY, subject_id)
    with pytest.raises(StoreError, match="第 2 项"), transaction(engine) as conn:
        append_versions_bulk(
            conn, [good, RecordItem("shanghai", "penalty", "P2", {}, None, "revoked")]
        )
    with pytest.raises(StoreError, match="nowhere"), transaction(engine) as conn:
        append_versions_bulk(conn, [good, RecordItem("nowhere", "penalty", "P2", {})])
    with pytest.raises(StoreError, match="unknown fields"), transaction(engine) as conn:
        append_versions_bulk(
            conn,
            [
                {
                    "source": "shanghai",
                    "kind": "penalty",
                    "source_key": "X",
                    "content": {},
                    "colour": "red",
                }
            ],
        )
    assert _count(engine, records) == 0


def test_a_record_is_linked_once_and_never_relinked_silently(engine, subject_id) -> None:
    with transaction(engine) as conn:
        other = upsert_legal_subject(conn, "91320500MA1N8QWE3K", "苏州某公司")
        unlinked = append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="P1",
            subject_id=None,
            content=PENALTY,
        )
        linked = append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="P1",
            subject_id=subject_id,
            content=PENALTY,
        )
    assert linked.outcome == "unchanged"
    with engine.connect() as conn:
        assert find_record(conn, "shanghai", "penalty", "P1").subject_id == subject_id
        assert [r.record_id for r in latest_versions(conn, subject_id)] == [unlinked.record_id]
    with pytest.raises(RecordSubjectConflictError, match="P1"), transaction(engine) as conn:
        append_version(
            conn,
            source="shanghai",
            kind="penalty",
            source_key="P1",
            subject_id=other,
            content=PENALTY,
        )
    with pytest.raises(RecordSubjectConflictError), transaction(engine) as conn:
        append_versions_bulk(
            conn,
            [
                RecordItem("shanghai", "penalty", "P9", PENALTY, subject_id),
                RecordItem("shanghai", "penalty", "P9", PENALTY, other),
            ],
        )


def test_records_of_persons_are_unaffected_by_subject_table_details(engine, vault) -> None:
    from credit_yrd.store.subjects import upsert_person

    with transaction(engine) as conn:
        person = upsert_person(conn, vault, "11010519491231002X", "张三")
        result = append_version(
            conn,
            source="national",
            kind="judgment_defaulter",
            source_key="(2024)沪0115执123号",
            subject_id=person,
            content={"court": "上海市浦东新区人民法院"},
        )
    assert result.outcome == "new"
    with engine.connect() as conn:
        assert (
            conn.execute(select(subjects.c.subject_type).where(subjects.c.id == person)).scalar()
            == "natural_person"
        )
        assert latest_versions(conn, person)[0].source_key == "(2024)沪0115执123号"


def test_empty_bulk_is_a_no_op(engine) -> None:
    with transaction(engine) as conn:
        assert append_versions_bulk(conn, []) == []
