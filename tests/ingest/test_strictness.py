"""Nothing is let in silently changed: hidden formulas, dates and amounts that would need a guess,
cut-off files, JSON values that would be rounded or overwritten; a refused row leaves nothing
behind; quarantine files are private; the mapping's ``ignore`` works."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from credit_yrd.ingest import ingest_file
from credit_yrd.ingest.validate import parse_date_strict
from credit_yrd.store.schema import subjects
from tests.ingest.builders import (
    legal_person,
    make_resident_id,
    make_uscc,
    mapping_of,
    penalty_row,
    registration_row,
    source_table,
    write_csv,
)
from tests.ingest.store_state import versions
from tests.ingest.test_row_refusals import csv_text, quarantined, shanghai_lines


@pytest.mark.parametrize(
    "cell",
    [" =cmd|' /C calc'!A0", "＝cmd|' /C calc'!A0", '\u200b=HYPERLINK("x")', "＠SUM(1+1)", "－1+2"],
)
def test_a_formula_hidden_by_width_spaces_or_invisible_characters_is_refused(
    make_ctx, inputs, cell: str
) -> None:
    header, rows = shanghai_lines(2)
    rows[0][header.index("违法事实")] = cell
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    receipt = ingest_file(make_ctx("shanghai"), path)
    assert (receipt.new, receipt.rejected) == (1, 1)
    assert receipt.rules == {"formula": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("2024.03.05", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("2024-03-05 10:30:00", "2024-03-05"),
        ("2024-03-05T10:30", "2024-03-05"),
        ("2025-04-29 至 2025-05-30", None),  # a range is not a date
        ("2025111", None),  # 2025-11-01 or 2025-01-11? never guessed
        ("2024-03/05", None),  # mixed separators
        ("2024-02-30", None),
        ("2024-03-05 25:00", None),
    ],
)
def test_dates_are_read_in_the_accepted_forms_only(text: str, expected: str | None) -> None:
    parsed = parse_date_strict(text)
    assert (parsed.isoformat() if parsed else None) == expected


@pytest.mark.parametrize(
    ("amount", "stored"),
    [("1.5", "1.5"), ("1,500", "1500"), ("1,234,567.5", "1234567.5"), ("1,5", None), ("2_6", None)],
)
def test_amounts_that_would_need_a_guess_are_refused(
    make_ctx, inputs, engine, amount: str, stored: str | None
) -> None:
    header, rows = shanghai_lines(1)
    rows[0][header.index("罚款金额（万元）")] = amount
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    receipt = ingest_file(make_ctx("shanghai"), path)
    if stored is None:
        assert receipt.rules == {"decimal": 1}
    else:
        assert receipt.new == 1
        assert versions(engine)[0]["content"]["CF_NR_FK"] == stored


def test_a_file_cut_off_in_its_last_row_does_not_store_the_cut_value(
    make_ctx, inputs, engine
) -> None:
    header, rows = shanghai_lines(3)
    text = csv_text(header, rows).rstrip("\r\n")
    path = inputs / "行政处罚.csv"
    path.write_text(text[:-1], encoding="utf-8")  # the last value loses its last character
    receipt = ingest_file(make_ctx("shanghai"), path)
    assert (receipt.read, receipt.new, receipt.rejected) == (3, 2, 1)
    [entry] = quarantined(receipt)
    assert entry["row"] == 4 and [r["rule"] for r in entry["reasons"]] == ["truncated"]


def test_json_numbers_keep_their_text_and_a_repeated_key_is_refused(make_ctx, inputs) -> None:
    row: dict[str, Any] = penalty_row(legal_person(1), 1)
    line = json.dumps({k: v for k, v in row.items() if k != "CF_NR_FK"}, ensure_ascii=False)
    precise = line[:-1] + ', "CF_NR_FK": 1234567.1234567890123}'
    twice = line[:-1] + ', "CF_XDR_MC": "另一家公司", "CF_NR_FK": "1"}'
    path = inputs / "penalty_2026.jsonl"
    path.write_text(precise + "\n" + twice.replace("〕1号", "〕2号") + "\n", encoding="utf-8")
    receipt = ingest_file(make_ctx("zhejiang"), path)
    assert (receipt.new, receipt.rejected) == (1, 1)
    assert receipt.rules == {"duplicate_key": 1}


def test_a_refused_row_leaves_no_subject_behind(make_ctx, inputs, engine) -> None:
    ctx = make_ctx("shanghai")
    mapping = mapping_of("shanghai")
    first = penalty_row(legal_person(1), 1)
    ingest_file(
        ctx, write_csv(inputs / "行政处罚-1.csv", source_table(mapping, "penalty", [first]))
    )
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
    moved = dict(first, CF_XDR_SHXYM=make_uscc(99))  # same record key, another subject
    receipt = ingest_file(
        ctx, write_csv(inputs / "行政处罚-2.csv", source_table(mapping, "penalty", [moved]))
    )
    assert receipt.rules == {"subject_conflict": 1}
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(subjects)).scalar_one()
        created = conn.execute(select(subjects).where(subjects.c.uscc == make_uscc(99))).first()
    assert after == before and created is None


def test_a_bad_resident_id_without_a_type_column_is_refused_not_taken_as_another_document(
    make_ctx, inputs
) -> None:
    good = make_resident_id(3)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    row = registration_row(legal_person(5), DJ_FR_ZJHM=bad)
    table = source_table(mapping_of("shanghai"), "registration", [row])
    receipt = ingest_file(make_ctx("shanghai"), write_csv(inputs / "2026_登记注册.csv", table))
    assert receipt.rejected == 1
    assert receipt.rules == {"check_character": 1}


def test_quarantine_files_are_readable_by_the_platform_only(make_ctx, inputs) -> None:
    header, rows = shanghai_lines(2)
    rows[0][header.index("处罚决定日期")] = "2023-02-30"
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    receipt = ingest_file(make_ctx("shanghai"), path)
    mode = Path(receipt.quarantine).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(Path(receipt.quarantine).parent.stat().st_mode) == 0o700


def test_columns_the_mapping_ignores_are_not_unknown(engine, settings, inputs, tmp_path) -> None:
    from credit_yrd.clock import FixedClock
    from credit_yrd.ingest import context_for
    from tests.ingest.builders import TODAY

    folder = tmp_path / "sources"
    folder.mkdir()
    text = (Path(__file__).parents[2] / "src/credit_yrd/ingest/sources/shanghai.yaml").read_text(
        encoding="utf-8"
    )
    text = text.replace(
        '{kind: penalty, files: ["*行政处罚*.csv"]}',
        '{kind: penalty, files: ["*行政处罚*.csv"], ignore: [内部编号]}',
    )
    (folder / "shanghai.yaml").write_text(text, encoding="utf-8")
    custom = settings.model_copy(update={"sources_dir": folder})
    ctx = context_for(engine, "shanghai", settings=custom, clock=FixedClock(TODAY))
    header, rows = shanghai_lines(2)
    header = [*header, "内部编号"]
    rows = [[*row, f"SH-{i}"] for i, row in enumerate(rows)]
    path = inputs / "行政处罚.csv"
    path.write_text(csv_text(header, rows), encoding="utf-8")
    receipt = ingest_file(ctx, path)
    assert (receipt.new, receipt.rejected) == (2, 0)
    stored = json.dumps([v["content"] for v in versions(engine)], ensure_ascii=False)
    assert "SH-0" not in stored and "SH-1" not in stored
