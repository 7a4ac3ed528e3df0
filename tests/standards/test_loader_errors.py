"""Broken data files are refused with errors naming file, path and rule; new kinds need no code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from credit_yrd.standards import StandardError, load_standard_from, publication_window

Edit = Callable[[str, str, str], None]


def _error(root: Path) -> StandardError:
    with pytest.raises(StandardError) as info:
        load_standard_from(root)
    return info.value


def test_copy_loads_unchanged(data_copy: Path) -> None:
    assert load_standard_from(data_copy).version == "v2026.1"


def test_unknown_code_list(data_copy: Path, edit: Edit) -> None:
    edit(
        "record_kinds/penalty.yaml",
        "type: code, code_list: subject_type, required: true",
        "type: code, code_list: party_kinds, required: true",
    )
    error = _error(data_copy)
    assert error.file == "record_kinds/penalty.yaml"
    assert error.path == "fields[2].code_list"
    assert "代码表“party_kinds”不存在" in error.message_zh
    assert "unknown code list 'party_kinds'" in error.message_en
    assert str(error).startswith("record_kinds/penalty.yaml: fields[2].code_list: ")


def test_duplicate_field_code(data_copy: Path, edit: Edit) -> None:
    edit("record_kinds/penalty.yaml", "{code: CF_XDR_GSZC,", "{code: CF_WSH,")
    error = _error(data_copy)
    assert (error.file, error.path) == ("record_kinds/penalty.yaml", "fields[4].code")
    assert "字段代码“CF_WSH”重复" in error.message_zh
    assert "duplicate field code" in error.message_en


def test_overlapping_rule_dates(data_copy: Path, edit: Edit) -> None:
    edit("publication_rules.yaml", "effective_from: 2023-05-01", "effective_from: 2023-04-01")
    error = _error(data_copy)
    assert error.file == "publication_rules.yaml"
    assert error.path == "rule_tables[0].rules[1].effective_from"
    assert "重叠" in error.message_zh and "overlap" in error.message_en


def test_second_open_ended_rule_overlaps(data_copy: Path, edit: Edit) -> None:
    edit("publication_rules.yaml", "        effective_to: 2026-03-31\n", "")
    error = _error(data_copy)
    assert error.path == "rule_tables[0].rules[3].effective_from"


def test_bad_yaml(data_copy: Path) -> None:
    path = data_copy / "code_lists" / "case_procedure.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - {code: x, label_zh: [unclosed\n")
    error = _error(data_copy)
    assert error.file == "code_lists/case_procedure.yaml"
    assert error.path is not None and error.path.startswith("line ")
    assert "YAML" in error.message_zh


def test_duplicate_yaml_key(data_copy: Path, edit: Edit) -> None:
    edit("standard.yaml", "version: v2026.1\n", "version: v2026.1\nversion: v2026.2\n")
    error = _error(data_copy)
    assert error.file == "standard.yaml"
    assert "duplicate key 'version'" in error.message_en


def test_missing_required_key_and_typo(data_copy: Path, edit: Edit) -> None:
    edit("record_kinds/penalty.yaml", "  start_field: CF_JDRQ\n", "  start_feild: CF_JDRQ\n")
    error = _error(data_copy)
    paths = {(p.file, p.path) for p in error.problems}
    assert ("record_kinds/penalty.yaml", "publication.start_field") in paths
    assert ("record_kinds/penalty.yaml", "publication.start_feild") in paths
    assert any("缺少必填项" in p.message_zh for p in error.problems)


def test_ambiguous_alias(data_copy: Path, edit: Edit) -> None:
    edit("code_lists/penalty_type.yaml", 'aliases: ["08"]', 'aliases: ["02"]')
    error = _error(data_copy)
    assert (error.file, error.path) == ("code_lists/penalty_type.yaml", "entries[2].aliases[0]")
    assert "ambiguous" in error.message_en


def test_condition_must_use_canonical_codes(data_copy: Path, edit: Edit) -> None:
    edit(
        "record_kinds/penalty.yaml",
        "required_when: {field: CF_CFLB, in: [罚款]}",
        'required_when: {field: CF_CFLB, in: ["02"]}',
    )
    error = _error(data_copy)
    assert error.path == "fields[19].required_when.in[0]"  # CF_NR_FK
    assert "应写“罚款”" in error.message_zh


def test_condition_unknown_field(data_copy: Path, edit: Edit) -> None:
    edit(
        "publication_rules.yaml",
        "when: {field: CF_AJCXLB, in: [简易]}",
        "when: {field: CF_AJLB, in: [简易]}",
    )
    error = _error(data_copy)
    assert error.file == "publication_rules.yaml"
    assert error.path == "rule_tables[0].rules[1].classification[1].when.field"


def test_unknown_class_and_bad_period(data_copy: Path, edit: Edit) -> None:
    edit(
        "publication_rules.yaml",
        "          - {code: 严重, min_period: P6M, max_period: P3Y, repairable: true}",
        "          - {code: 特严, min_period: P6M, max_period: 3 years, repairable: true}",
    )
    error = _error(data_copy)
    assert (error.file, error.path) == (
        "publication_rules.yaml",
        "rule_tables[0].rules[0].classes[1].max_period",
    )
    assert "P3M" in error.message_zh


def test_city_with_unknown_parent(data_copy: Path, edit: Edit) -> None:
    edit(
        "code_lists/city.yaml",
        'label_zh: 南京市, label_en: Nanjing, parent: "32"',
        'label_zh: 南京市, label_en: Nanjing, parent: "35"',
    )
    error = _error(data_copy)
    assert (error.file, error.path) == ("code_lists/city.yaml", "entries[1].parent")


FIXTURES = Path(__file__).parent / "fixtures"
ROAD_FREIGHT_KIND = (FIXTURES / "freight_rating.yaml").read_text(encoding="utf-8")
FREIGHT_GRADES = (FIXTURES / "freight_grade.yaml").read_text(encoding="utf-8")


def test_adding_a_record_kind_needs_no_code(data_copy: Path) -> None:
    (data_copy / "record_kinds" / "freight_rating.yaml").write_text(ROAD_FREIGHT_KIND, "utf-8")
    (data_copy / "code_lists" / "freight_grade.yaml").write_text(FREIGHT_GRADES, "utf-8")
    standard = load_standard_from(data_copy)
    kind = standard.record_kind("freight_rating")
    assert kind.field("grade").code_list == "freight_grade"
    assert standard.code_list("freight_grade").normalise("aa 级") == "AA"
    window = publication_window(
        "freight_rating",
        {"PJ_RQ": "2026-01-15", "PJ_YXQZ": "2026-12-31", "PJ_DJ": "AA"},
        standard=standard,
    )
    assert window.max_end is not None and window.max_end.isoformat() == "2026-12-31"


def test_added_kind_with_missing_code_list_is_refused(data_copy: Path) -> None:
    (data_copy / "record_kinds" / "freight_rating.yaml").write_text(ROAD_FREIGHT_KIND, "utf-8")
    error = _error(data_copy)
    assert (error.file, error.path) == ("record_kinds/freight_rating.yaml", "fields[3].code_list")


def test_file_name_must_match_code(data_copy: Path) -> None:
    (data_copy / "record_kinds" / "rating.yaml").write_text(ROAD_FREIGHT_KIND, "utf-8")
    error = _error(data_copy)
    assert (error.file, error.path) == ("record_kinds/rating.yaml", "code")
