"""A batch is all or nothing: a failure in the middle leaves the store and the quarantine as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_yrd.ingest import ingest_file, pipeline
from tests.ingest.builders import (
    individual_business,
    legal_person,
    mapping_of,
    natural_person,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
)
from tests.ingest.store_state import counts


class Boom(RuntimeError):
    pass


@pytest.fixture
def fail_on_second_chunk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = pipeline.append_versions_bulk

    def flaky(conn, items, **kwargs):
        calls.append(len(items))
        if len(calls) == 2:
            raise Boom("disk on fire")
        return real(conn, items, **kwargs)

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 3)
    monkeypatch.setattr(pipeline, "append_versions_bulk", flaky)
    return calls


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_penalty_batch_failing_midway_leaves_nothing(
    make_ctx, inputs, engine, settings, fail_on_second_chunk
) -> None:
    rows = [
        penalty_row(legal_person(1), 1),
        penalty_row(natural_person(2), 2),  # a new person subject
        penalty_row(legal_person(3), 3, CF_JDRQ="2023-02-30"),  # quarantined in chunk 1
        penalty_row(individual_business(4), 4),  # a review item
        penalty_row(legal_person(5), 5),
        penalty_row(legal_person(6), 6),
        penalty_row(legal_person(7), 7),
    ]
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))
    before = counts(engine)

    with pytest.raises(Boom):
        ingest_file(make_ctx("shanghai"), path)

    assert len(fail_on_second_chunk) == 2  # the first chunk was written, then rolled back
    assert counts(engine) == before
    assert files_under(settings.quarantine_dir()) == []


def test_a_registration_batch_failing_midway_leaves_no_legacy_codes(
    make_ctx, inputs, engine, settings, fail_on_second_chunk
) -> None:
    rows = [registration_row(legal_person(i)) for i in range(1, 8)]
    rows[1]["DJ_CLRQ"] = "someday"
    path = write_csv(
        inputs / "登记注册.csv", source_table(mapping_of("shanghai"), "registration", rows)
    )
    before = counts(engine)

    with pytest.raises(Boom):
        ingest_file(make_ctx("shanghai"), path)

    assert counts(engine) == before
    assert before["legacy_codes"] == 0
    assert files_under(settings.quarantine_dir()) == []


def test_after_a_failed_batch_the_same_file_ingests_in_full(
    make_ctx, inputs, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [penalty_row(legal_person(i), i) for i in range(1, 6)]
    rows.append(penalty_row(legal_person(9), 9, CF_CFLB="罚酒"))
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))
    real = pipeline.append_versions_bulk
    calls: list[int] = []

    def flaky(conn, items, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Boom("interrupted")
        return real(conn, items, **kwargs)

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)
    monkeypatch.setattr(pipeline, "append_versions_bulk", flaky)
    ctx = make_ctx("shanghai")
    with pytest.raises(Boom):
        ingest_file(ctx, path)

    receipt = ingest_file(ctx, path)  # not a "duplicate" of the failed attempt

    assert receipt.status == "accepted"
    assert (receipt.read, receipt.new, receipt.rejected) == (6, 5, 1)
    assert receipt.quarantine and Path(receipt.quarantine).is_file()
    assert counts(engine)["record_versions"] == 5
    assert counts(engine)["batches"] == 1


def test_progress_is_reported_per_chunk(make_ctx, inputs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)
    rows = [penalty_row(legal_person(i), i) for i in range(1, 6)]
    path = write_csv(inputs / "行政处罚.csv", source_table(mapping_of("shanghai"), "penalty", rows))
    seen: list[tuple[str, int]] = []
    ctx = make_ctx("shanghai")
    ctx.progress = lambda file, done: seen.append((file, done))

    ingest_file(ctx, path)

    assert seen == [("行政处罚.csv", 2), ("行政处罚.csv", 4), ("行政处罚.csv", 5)]
