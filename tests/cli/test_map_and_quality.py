"""``credit-yrd id map import|lookup`` and ``id quality`` against a real store (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from credit_yrd.cli.main import app
from credit_yrd.store.engine import make_engine
from credit_yrd.store.schema import legacy_codes

runner = CliRunner()
ORG = "600037341"
USCC_OF_ORG = "913205836000373417"
REG_NO = "110108000000016"
USCC_OTHER = "913101151234567880"
USCC_THIRD = "91340100MA1FL4X248"


def run(*args: str):
    return runner.invoke(app, list(args))


def count_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(legacy_codes)).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def fresh_store(database_url: str) -> str:
    """A store just as ``credit-yrd init`` leaves it."""
    result = run("init", "--db", database_url)
    assert result.exit_code == 0, result.output
    return database_url


@pytest.fixture
def store(fresh_store: str) -> str:
    """An initialised store (``credit-yrd init``)."""
    return fresh_store


def csv_file(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def good_map(tmp_path: Path) -> Path:
    return csv_file(
        tmp_path / "map.csv",
        f"legacy_code,uscc\n60003734-1,{USCC_OF_ORG}\n{REG_NO},{USCC_OTHER}\n",
    )


def test_import_into_a_fresh_store_works(fresh_store: str, tmp_path: Path) -> None:
    result = run("id", "map", "import", str(good_map(tmp_path)), "--db", fresh_store)
    assert result.exit_code == 0, result.output
    assert count_rows(fresh_store) == 2


def test_unknown_source_in_the_file_is_one_clear_line(store: str, tmp_path: Path) -> None:
    f = csv_file(tmp_path / "m.csv", f"legacy_code,uscc,source\n{ORG},{USCC_OF_ORG},nowhere\n")
    result = run("id", "map", "import", str(f), "--db", store)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.output


def test_import_then_reimport_adds_nothing(store: str, tmp_path: Path) -> None:
    f = good_map(tmp_path)
    first = run("id", "map", "import", str(f), "--db", store)
    assert first.exit_code == 0, first.output
    assert "读取 2 行，新增 2 条" in first.output
    again = run("id", "map", "import", str(f), "--db", store)
    assert again.exit_code == 0, again.output
    assert "新增 0 条" in again.output
    assert count_rows(store) == 2


def test_lookup_finds_imported_codes_in_any_form(store: str, tmp_path: Path) -> None:
    assert run("id", "map", "import", str(good_map(tmp_path)), "--db", store).exit_code == 0
    for legacy, expected in (("60003734-1", USCC_OF_ORG), (ORG, USCC_OF_ORG), (REG_NO, USCC_OTHER)):
        result = run("id", "map", "lookup", legacy, "--db", store)
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == expected


def test_lookup_of_an_unknown_code_exits_1(store: str) -> None:
    result = run("id", "map", "lookup", ORG, "--db", store)
    assert result.exit_code == 1
    assert "映射表中没有" in result.stderr
    assert result.stdout == ""


def test_one_bad_row_imports_nothing_and_names_row_and_field(store: str, tmp_path: Path) -> None:
    f = csv_file(
        tmp_path / "bad.csv",
        f"legacy_code,uscc\n{ORG},{USCC_OF_ORG}\n{REG_NO},91310115123456788X\n",
    )
    result = run("id", "map", "import", str(f), "--db", store)
    assert result.exit_code == 2
    assert "第 3 行 uscc" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert count_rows(store) == 0


def test_conflicting_mapping_is_refused_and_nothing_written(store: str, tmp_path: Path) -> None:
    first = csv_file(tmp_path / "a.csv", f"legacy_code,uscc\n{REG_NO},{USCC_OTHER}\n")
    assert run("id", "map", "import", str(first), "--db", store).exit_code == 0
    second = csv_file(
        tmp_path / "b.csv",
        f"legacy_code,uscc\n{ORG},{USCC_OF_ORG}\n{REG_NO},{USCC_THIRD}\n",
    )
    result = run("id", "map", "import", str(second), "--db", store)
    assert result.exit_code == 2
    assert REG_NO in result.stderr and USCC_THIRD in result.stderr
    assert "Traceback" not in result.output
    # all-or-nothing: the good row of the refused file was not written either
    assert count_rows(store) == 1
    assert run("id", "map", "lookup", ORG, "--db", store).exit_code == 1
    assert run("id", "map", "lookup", REG_NO, "--db", store).stdout.strip() == USCC_OTHER


def test_conflict_within_one_file_is_refused(store: str, tmp_path: Path) -> None:
    f = csv_file(
        tmp_path / "m.csv", f"legacy_code,uscc\n{REG_NO},{USCC_OTHER}\n{REG_NO},{USCC_THIRD}\n"
    )
    result = run("id", "map", "import", str(f), "--db", store)
    assert result.exit_code == 2
    assert count_rows(store) == 0


def test_gbk_file_with_chinese_headers_imports(store: str, tmp_path: Path) -> None:
    f = csv_file(
        tmp_path / "gbk.csv",
        f"名称,旧代码,统一社会信用代码\n昆山某公司,{ORG},{USCC_OF_ORG}\n",
        encoding="gbk",
    )
    result = run("id", "map", "import", str(f), "--db", store)
    assert result.exit_code == 0, result.output
    assert run("id", "map", "lookup", "60003734-1", "--db", store).stdout.strip() == USCC_OF_ORG


def test_missing_map_file_is_one_line(store: str, tmp_path: Path) -> None:
    result = run("id", "map", "import", str(tmp_path / "nope.csv"), "--db", store)
    assert result.exit_code == 2
    assert "无法读取" in result.stderr
    assert "Traceback" not in result.output


def quality_csv(tmp_path: Path) -> Path:
    return csv_file(
        tmp_path / "subjects.csv",
        "name,uscc,org_code,business_reg_no,city\n"
        f"甲公司,{USCC_OTHER},,,上海\n"
        f"乙公司,,60003734-1,,苏州\n"  # legacy only, in the map after import
        f"丙公司,,,320583000000009,苏州\n",  # legacy only, not in the map
    )


def quality(*args: str) -> dict:
    result = run("id", "quality", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_quality_counts_a_legacy_only_row_as_converted_through_the_map(
    store: str, tmp_path: Path
) -> None:
    subjects = quality_csv(tmp_path)
    before = quality(str(subjects), "--db", store)
    assert (before["total"], before["legacy_only"], before["converted"]) == (3, 2, 1)
    assert before["mapped_by_legacy"] == 0

    assert run("id", "map", "import", str(good_map(tmp_path)), "--db", store).exit_code == 0
    after = quality(str(subjects), "--db", store)
    assert after["mapped_by_legacy"] == 1
    assert after["converted"] == 2
    assert after["conversion_rate"] == pytest.approx(2 / 3)
    assert after["meets_conversion_target"] is False


def test_quality_without_db_ignores_the_map(store: str, tmp_path: Path) -> None:
    assert run("id", "map", "import", str(good_map(tmp_path)), "--db", store).exit_code == 0
    report = quality(str(quality_csv(tmp_path)))
    assert report["mapped_by_legacy"] == 0
    assert report["converted"] == 1


def test_quality_groups_by_a_column(tmp_path: Path) -> None:
    report = quality(str(quality_csv(tmp_path)), "--by", "city")
    assert report["group_by"] == "city"
    assert set(report["groups"]) == {"上海", "苏州"}
    assert report["groups"]["苏州"]["total"] == 2
    assert report["groups"]["上海"]["converted"] == 1


def test_quality_reads_gbk(tmp_path: Path) -> None:
    f = csv_file(
        tmp_path / "gbk.csv", f"name,uscc\n甲公司,{USCC_OTHER}\n乙公司,{USCC_OTHER}\n", "gbk"
    )
    report = quality(str(f))
    assert report["total"] == 2
    assert report["duplicate"] == 2  # one USCC on two distinct subjects


def test_quality_human_table_in_english(tmp_path: Path) -> None:
    result = run("--lang", "en", "id", "quality", str(quality_csv(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "conversion rate" in result.stdout
    assert "33.33%" in result.stdout


def test_quality_missing_file_is_one_line(tmp_path: Path) -> None:
    result = run("id", "quality", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "找不到文件" in result.stderr
    assert "Traceback" not in result.output
