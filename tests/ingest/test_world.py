"""The generated Yangtze River Delta, ingested from all four provinces, against its ground truth.

Every defect the generator injected must come out as the truth says: rejected rows in the
quarantine at their file and row with the rule broken, duplicates unchanged, withdrawals and
corrections as new versions, legacy-only records linked through the legacy map, unmapped legacy
codes in the review queue; and 换码率 / 重错码率 per province must match the truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from credit_yrd.api.app import create_app
from credit_yrd.clock import FixedClock
from credit_yrd.demo import GenerateOptions, generate
from credit_yrd.ids import resident_id
from credit_yrd.ingest import context_for, expand_inputs, ingest_file
from credit_yrd.ingest.code_quality import code_quality
from credit_yrd.ingest.receipt import Receipt
from credit_yrd.settings import Settings
from credit_yrd.store.schema import record_versions, records, review_items, subjects

PROVINCES = {"shanghai": "31", "jiangsu": "32", "zhejiang": "33", "anhui": "34"}
AS_OF = dt.date(2026, 10, 31)
_ID_SHAPE = re.compile(r"(?<![0-9A-Z])[1-6][0-9]{16}[0-9X](?![0-9A-Z])")


def resident_ids_in(text: str) -> list[str]:
    """Every valid resident ID number in a text (licence numbers of the same shape excluded)."""
    return [m for m in _ID_SHAPE.findall(text) if resident_id.is_valid(m)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate(folder, GenerateOptions(subjects=800, seed=11))
    return folder


@pytest.fixture
def ingested(
    world: Path, engine: Engine, settings: Settings
) -> tuple[list[Receipt], Engine, Settings]:
    clock = FixedClock(AS_OF)
    receipts: list[Receipt] = []
    for source in PROVINCES:
        ctx = context_for(engine, source, settings=settings, clock=clock)
        files, skipped = expand_inputs([world / source], ctx.mapping)
        assert not skipped
        receipts.extend(ingest_file(ctx, path) for path in files)
    return receipts, engine, settings


def _truth(world: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    summary = json.loads((world / "truth" / "summary.json").read_text(encoding="utf-8"))
    defects = [
        json.loads(line)
        for line in (world / "truth" / "defects.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return summary, defects


def test_every_file_reads_every_row_and_rejects_exactly_the_injected_defects(
    world: Path, ingested: Any
) -> None:
    receipts, _, _ = ingested
    summary, _ = _truth(world)
    by_file: dict[tuple[str, str], Counter[str]] = {}
    for receipt in receipts:
        by_file[(receipt.source, receipt.file)] = Counter(
            read=receipt.read, rejected=receipt.rejected
        )
    for source, info in summary["sources"].items():
        expected: dict[str, Counter[str]] = {}
        for entry in info["files"]:
            counts = expected.setdefault(entry["file"], Counter())
            counts["read"] += entry["rows"]
            counts["rejected"] += entry["expected_rejected"]
        for file, counts in expected.items():
            assert by_file[(source, file)] == counts, (source, file)


def test_each_rejected_row_is_quarantined_where_the_truth_says_with_the_rule(
    world: Path, ingested: Any
) -> None:
    receipts, _, _ = ingested
    _, defects = _truth(world)
    quarantined: dict[tuple[str, str, str | None, int], set[str]] = {}
    for receipt in receipts:
        if receipt.quarantine is None:
            continue
        for line in Path(receipt.quarantine).read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            key = (receipt.source, entry["file"], entry["sheet"], entry["row"])
            quarantined[key] = {reason["rule"] for reason in entry["reasons"]}
    expected = {
        (d["source"], d["file"], d["sheet"], d["row"]): d["rule"]
        for d in defects
        if d["expected"] == "rejected"
    }
    assert set(quarantined) == set(expected)
    for key, rule in expected.items():
        assert rule in quarantined[key], (key, rule, quarantined[key])


def test_duplicates_corrections_and_withdrawals_come_out_as_the_truth_says(
    world: Path, ingested: Any
) -> None:
    receipts, engine, _ = ingested
    _, defects = _truth(world)
    kinds = Counter(d["defect"] for d in defects)
    assert sum(r.unchanged for r in receipts) == kinds["duplicate_row"] + kinds["resend_duplicate"]
    assert sum(r.changed for r in receipts) == kinds["withdrawal"] + kinds["correction"]
    with engine.connect() as conn:
        withdrawn_penalties = conn.execute(
            select(func.count())
            .select_from(record_versions)
            .join(records, records.c.id == record_versions.c.record_id)
            .where(records.c.kind == "penalty", record_versions.c.status == "withdrawn")
        ).scalar_one()
        multi = conn.execute(
            select(func.count()).select_from(record_versions).where(record_versions.c.version > 1)
        ).scalar_one()
    assert withdrawn_penalties == kinds["withdrawal"]
    assert multi == kinds["withdrawal"] + kinds["correction"]  # history keeps version 1


def test_subjects_are_resolved_as_the_truth_says(world: Path, ingested: Any) -> None:
    receipts, engine, _ = ingested
    _, defects = _truth(world)
    kinds = Counter(d["defect"] for d in defects)
    links: Counter[str] = Counter()
    for receipt in receipts:
        links.update(receipt.links)
    assert links["business_reg_no"] + links["org_code"] == kinds["legacy_only"]
    assert links["name"] == kinds["operator_id_only"]
    assert sum(r.unresolved for r in receipts) == kinds["unmapped_legacy_code"]
    with engine.connect() as conn:
        open_items = conn.execute(
            select(review_items.c.reason, func.count())
            .where(review_items.c.status == "open")
            .group_by(review_items.c.reason)
        ).all()
        organisations = conn.execute(
            select(func.count())
            .select_from(subjects)
            .where(subjects.c.subject_type != "natural_person")
        ).scalar_one()
    assert dict(open_items) == {"unknown_legacy_code": kinds["unmapped_legacy_code"]}
    # Name variants never split a subject: one subject per organisation of the world at most,
    # plus the deciding institutions.
    with (world / "truth" / "subjects.csv").open(encoding="utf-8") as stream:
        world_subjects = sum(1 for _ in csv.DictReader(stream))
    institutions = sum(1 for _ in (world / "truth" / "institutions.csv").open()) - 1
    assert organisations <= world_subjects + institutions
    assert kinds["name_variant"] > 0


def test_code_quality_per_province_matches_the_truth(world: Path, ingested: Any) -> None:
    _, engine, _ = ingested
    _, defects = _truth(world)
    with engine.connect() as conn:
        report = code_quality(conn)
    provinces = report.by_province()
    unmapped: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for d in defects:
        if d["defect"] == "unmapped_legacy_code":
            unmapped[PROVINCES[d["source"]]] += 1
        if d["defect"] == "bad_check_character" and d["field"] in _PARTY_USCC_FIELDS:
            wrong[PROVINCES[d["source"]]] += 1
    for code in PROVINCES.values():
        assert provinces[code].unconverted == unmapped[code], code
        assert provinces[code].wrong == wrong[code], code
        assert provinces[code].converted > 0
    total = report.total()
    assert total.conversion_rate is not None and total.conversion_rate < 1.0
    assert total.wrong_duplicate_rate is not None and total.wrong_duplicate_rate > 0


#: The party's USCC field of each kind (a wrong authority USCC is not the party's code).
_PARTY_USCC_FIELDS = {
    "XK_XDR_SHXYM",
    "CF_XDR_SHXYM",
    "SX_SHXYM",
    "SS_SHXYM",
    "YZ_SHXYM",
    "HM_SHXYM",
    "YC_SHXYM",
    "CN_SHXYM",
    "SC_SHXYM",
    "DJ_SHXYM",
    "GD_SHXYM",
}


def test_no_resident_id_number_is_stored_or_shown_in_clear(world: Path, ingested: Any) -> None:
    _, engine, settings = ingested
    with engine.connect() as conn:
        contents = [
            json.dumps(row.content, ensure_ascii=False)
            for row in conn.execute(select(record_versions.c.content))
        ]
    assert contents
    assert not [c for c in contents if resident_ids_in(c)]
    page = TestClient(create_app(settings)).get("/")
    assert page.status_code == 200
    assert "上海市公共信用信息服务平台" in page.text  # the figures of each source are shown
    assert not resident_ids_in(page.text)


def test_report_codes_prints_the_same_figures_in_json_and_as_a_table(
    ingested: Any, cli_env: Settings
) -> None:
    from typer.testing import CliRunner

    from credit_yrd.cli.main import app

    _, engine, _ = ingested
    with engine.connect() as conn:
        expected = code_quality(conn).to_dict()
    runner = CliRunner()
    as_json = runner.invoke(app, ["report", "codes", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == json.loads(json.dumps(expected))
    table = runner.invoke(app, ["--lang", "en", "report", "codes"])
    assert table.exit_code == 0, table.output
    assert "Shanghai" in table.stdout and "total" in table.stdout
    rate = expected["total"]["conversion_rate"]
    assert f"{rate * 100:.2f}%" in table.stdout
