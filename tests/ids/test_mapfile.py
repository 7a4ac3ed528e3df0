"""Reading a legacy-code map file: every row checked, the whole file refused on any problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_yrd.errors import CreditYrdError
from credit_yrd.ids.mapfile import MapFileError, read_map_file

ORG = "600037341"  # 60003734-1
USCC_OF_ORG = "913205836000373417"  # built from ORG (positions 9–17)
REG_NO = "110108000000016"  # a valid GS15 number
USCC_OTHER = "913101151234567880"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_good_file_is_read_compacted_with_kinds(tmp_path: Path) -> None:
    f = write(
        tmp_path / "map.csv",
        f"legacy_code,uscc,source\n60003734-1,{USCC_OF_ORG},苏州\n{REG_NO}, {USCC_OTHER} ,\n",
    )
    rows = read_map_file(f)
    assert rows == [
        {"legacy_code": ORG, "legacy_kind": "org_code", "uscc": USCC_OF_ORG, "source": "苏州"},
        {
            "legacy_code": REG_NO,
            "legacy_kind": "business_reg_no",
            "uscc": USCC_OTHER,
            "source": None,
        },
    ]


def test_chinese_headers_and_gbk_encoding(tmp_path: Path) -> None:
    f = write(
        tmp_path / "旧码.csv",
        f"旧代码,统一社会信用代码,来源\n{ORG},{USCC_OF_ORG},昆山市市场监督管理局\n",
        encoding="gbk",
    )
    rows = read_map_file(f)
    assert rows[0]["legacy_code"] == ORG
    assert rows[0]["uscc"] == USCC_OF_ORG
    assert rows[0]["source"] == "昆山市市场监督管理局"


def test_utf8_bom_header_is_recognised(tmp_path: Path) -> None:
    f = write(tmp_path / "bom.csv", f"\ufefflegacy_code,uscc\n{ORG},{USCC_OF_ORG}\n")
    assert read_map_file(f)[0]["uscc"] == USCC_OF_ORG


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"legacy_code,uscc\n\n{ORG},{USCC_OF_ORG}\n,\n")
    assert len(read_map_file(f)) == 1


def test_every_bad_row_is_named_by_file_row_and_field(tmp_path: Path) -> None:
    f = write(
        tmp_path / "bad.csv",
        "legacy_code,uscc\n"
        f"{ORG},{USCC_OF_ORG}\n"  # row 2: good
        f"600037342,{USCC_OF_ORG}\n"  # row 3: org code check character wrong
        f"{REG_NO},91320583600037341X\n",  # row 4: USCC check character wrong
    )
    with pytest.raises(MapFileError) as info:
        read_map_file(f)
    found = {(p.row, p.field) for p in info.value.problems}
    assert found == {(3, "legacy_code"), (4, "uscc")}
    assert all(p.file == str(f) for p in info.value.problems)
    message = str(info.value)
    assert "第 3 行 legacy_code" in message and "第 4 行 uscc" in message
    assert isinstance(info.value, CreditYrdError)  # the CLI turns it into one line


def test_org_code_must_match_uscc_positions_9_to_17(tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"legacy_code,uscc\n{ORG},{USCC_OTHER}\n")
    with pytest.raises(MapFileError) as info:
        read_map_file(f)
    (problem,) = info.value.problems
    assert (problem.row, problem.field) == (2, "uscc")
    assert "9–17" in problem.rule_zh


def test_unknown_legacy_kind_is_a_row_problem(tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"legacy_code,uscc,legacy_kind\n{ORG},{USCC_OF_ORG},tax_no\n")
    with pytest.raises(MapFileError) as info:
        read_map_file(f)
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "legacy_kind")]


def test_over_long_field_is_refused_without_checking(tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"legacy_code,uscc\n{'9' * 300},{USCC_OF_ORG}\n")
    with pytest.raises(MapFileError) as info:
        read_map_file(f)
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "legacy_code")]


def test_missing_column_is_named(tmp_path: Path) -> None:
    f = write(tmp_path / "m.csv", f"code,uscc\n{ORG},{USCC_OF_ORG}\n")
    with pytest.raises(MapFileError, match="legacy_code"):
        read_map_file(f)


def test_empty_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MapFileError, match="空文件"):
        read_map_file(write(tmp_path / "empty.csv", ""))
    with pytest.raises(MapFileError, match="无法读取"):
        read_map_file(tmp_path / "nope.csv")


def test_bytes_that_are_neither_utf8_nor_gbk_are_refused(tmp_path: Path) -> None:
    # 0xFF never starts a GB18030 sequence and is never valid UTF-8.
    f = tmp_path / "bin.csv"
    f.write_bytes(b"legacy_code,uscc\n\xff\xff\xff\n")
    with pytest.raises(MapFileError, match="GBK"):
        read_map_file(f)


def test_many_problems_are_all_counted_but_the_message_stays_bounded(tmp_path: Path) -> None:
    lines = "".join(f"60003734{d},{USCC_OF_ORG}\n" for d in "0234567890" * 3)
    f = write(tmp_path / "m.csv", "legacy_code,uscc\n" + lines)
    with pytest.raises(MapFileError) as info:
        read_map_file(f)
    assert len(info.value.problems) == 30
    assert "另有 10 处" in str(info.value)
