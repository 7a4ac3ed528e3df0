"""The synthetic Yangtze River Delta: reproducible, valid by the standard, formats as the mappings
say, and a ground truth that matches the files."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from credit_yrd.demo import DefectRates, GenerateError, GenerateOptions, GenerationSummary, generate
from credit_yrd.demo.codes import org_check, resident_check, uscc_check
from credit_yrd.demo.generate import name_variant
from credit_yrd.demo.pools import all_text
from credit_yrd.ids import divisions, org_code, resident_id, uscc
from tests.demo.checks import SOURCES, World, row_problems, truth_problems

AS_OF = dt.date(2026, 10, 31)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# ------------------------------------------------------------------------------- reproducibility


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    options = GenerateOptions(subjects=300, seed=11)
    generate(tmp_path / "a", options)
    generate(tmp_path / "b", options)
    generate(tmp_path / "c", GenerateOptions(subjects=300, seed=12))
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    assert a.keys() == c.keys()
    assert a["truth/subjects.csv"] != c["truth/subjects.csv"]
    assert sum(a[name] != c[name] for name in a) > len(a) // 2  # small files may be header-only


def test_generating_again_replaces_the_output(tmp_path: Path) -> None:
    generate(tmp_path, GenerateOptions(subjects=300, as_of=dt.date(2025, 3, 31)))
    (tmp_path / "mine.txt").write_text("kept")
    generate(tmp_path, GenerateOptions(subjects=300))
    assert not list(tmp_path.rglob("*2025-03*"))
    assert not list(tmp_path.rglob("*2025-04*"))
    assert (tmp_path / "mine.txt").read_text() == "kept"


def test_without_defects_the_clean_world_is_the_same(tmp_path: Path) -> None:
    with_defects = generate(tmp_path / "d", GenerateOptions(subjects=400, seed=3))
    clean = generate(tmp_path / "c", GenerateOptions(subjects=400, seed=3, defects=False))
    subjects = "truth/subjects.csv"
    assert (tmp_path / "d" / subjects).read_bytes() == (tmp_path / "c" / subjects).read_bytes()
    assert set(clean.defects) <= {"legacy_only", "unmapped_legacy_code", "operator_id_only"}
    assert clean.expected_rejected == 0
    assert with_defects.expected_rejected > 0
    assert not any(f.resend for s in clean.sources.values() for f in s.files)
    assert not list((tmp_path / "c").rglob("*2026-11*"))
    world = World(tmp_path / "c")
    for source in SOURCES:
        for row in world.rows(source):
            assert row_problems(world, row, AS_OF) == [], (source, row.file, row.row)


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(tmp_path, GenerateOptions(subjects=200), lambda *a: calls.append(a))
    labels = {label for label, _, _ in calls}
    assert {"world", "registration", "penalty", "market_record", "truth"} <= labels
    assert all(0 <= done <= total for _, done, total in calls)
    assert ("penalty", 200, 200) in calls


@pytest.mark.parametrize(
    "options",
    [
        GenerateOptions(subjects=0),
        GenerateOptions(as_of=dt.date(2015, 12, 31)),
        GenerateOptions(seed=-1),
    ],
)
def test_impossible_options_are_refused(tmp_path: Path, options: GenerateOptions) -> None:
    with pytest.raises(GenerateError):
        generate(tmp_path, options)


def test_defect_rates_are_checked() -> None:
    with pytest.raises(GenerateError):
        DefectRates(name_variant=0.5)
    with pytest.raises(GenerateError):
        DefectRates(bad_check_character=0.2, impossible_date=0.2, missing_required=0.2)


# ------------------------------------------------------------------------------- validity


def test_every_clean_row_meets_the_standard(world: World) -> None:
    rejected = {
        (t["source"], t["file"], t["sheet"], t["row"])
        for t in world.truth()
        if t["expected"] == "rejected"
    }
    checked = 0
    for source in SOURCES:
        for row in world.rows(source):
            if (source, row.file, row.sheet, row.row) in rejected:
                continue
            assert row_problems(world, row, AS_OF) == [], (source, row.file, row.sheet, row.row)
            checked += 1
    assert checked > 3000


def test_the_ingest_validator_agrees_with_the_ground_truth(world: World) -> None:
    """Clean rows pass credit_yrd.ingest's checks; each expected rejection fails on the field and
    rule the ground truth names."""
    readers = pytest.importorskip("credit_yrd.ingest.readers")
    validate = pytest.importorskip("credit_yrd.ingest.validate")
    from credit_yrd.privacy import PersonalDataVault

    vault = PersonalDataVault(b"k" * 32)
    truth = {(t["source"], t["file"], t["sheet"], t["row"]): t for t in world.truth()}
    for source in SOURCES:
        m = world.mapping(source)
        for path in world.files(source):
            for part in readers.open_parts(path, m):
                kind = world.standard.record_kinds[part.kind]
                checker = validate.RowChecker(m, kind, world.standard, vault, AS_OF)
                for raw in part.rows:
                    problems = list(raw.problems)
                    if not problems:
                        problems = checker.check(raw.values).problems
                    entry = truth.get((source, part.file, part.sheet, raw.row))
                    where = (source, part.file, part.sheet, raw.row)
                    if entry is not None and entry["expected"] == "rejected":
                        column = checker.column_label(entry["field"])
                        assert any(
                            p.rule == entry["rule"] and p.field == column for p in problems
                        ), (where, entry, problems)
                    else:
                        assert problems == [], (where, problems)


def test_every_ground_truth_entry_is_in_its_row(world: World) -> None:
    assert truth_problems(world) == []


def test_every_defect_kind_occurs(generated: tuple[Path, GenerationSummary]) -> None:
    _, summary = generated
    assert set(summary.defects) == {
        "bad_check_character",
        "impossible_date",
        "missing_required",
        "name_variant",
        "duplicate_row",
        "withdrawal",
        "correction",
        "resend_duplicate",
        "legacy_only",
        "unmapped_legacy_code",
        "operator_id_only",
    }


def test_summary_matches_the_files(world: World, generated: tuple[Path, GenerationSummary]) -> None:
    written = world.summary()
    _, summary = generated
    assert written == summary.to_dict()
    rows: Counter[tuple[str, str, str | None]] = Counter()
    for source in SOURCES:
        for row in world.rows(source):
            rows[(source, row.file, row.sheet)] += 1
    rejected = Counter(
        (t["source"], t["file"], t["sheet"]) for t in world.truth() if t["expected"] == "rejected"
    )
    total = 0
    for source, data in written["sources"].items():
        for f in data["files"]:
            key = (source, f["file"], f["sheet"])
            assert f["rows"] == rows[key], key
            assert f["expected_rejected"] == rejected[key], key
            assert f["expected_accepted"] == f["rows"] - f["expected_rejected"]
            total += f["rows"]
    assert written["world"]["records"] == total == sum(rows.values())
    assert written["world"]["subjects"] == 1000


# ------------------------------------------------------------------------------- formats


def test_file_names_match_the_mapping_patterns(world: World) -> None:
    for source in SOURCES:
        m = world.mapping(source)
        names = [p.name for p in world.files(source)]
        if m.format == "xlsx":
            assert names == [f"{source}_2026-10.xlsx", f"{source}_2026-11.xlsx"]
            continue
        kinds = Counter(m.kind_for_file(name) for name in names)
        assert None not in kinds
        assert set(kinds) == {item.kind for item in m.kinds}
        assert kinds["penalty"] == 2  # the batch and the re-send file
    assert (world.root / "shanghai" / "2026-10_行政处罚.csv").is_file()
    assert (world.root / "shanghai" / "2026-11_行政处罚.csv").is_file()
    assert (world.root / "anhui" / "cf_2026-10.csv").is_file()
    assert (world.root / "zhejiang" / "penalty_2026-10.jsonl").is_file()


def test_anhui_writes_gbk_numeric_codes_slash_dates_and_yuan(world: World) -> None:
    m = world.mapping("anhui")
    for path in world.files("anhui"):
        path.read_bytes().decode("gbk")  # every file decodes as GBK
    penalties = [r for r in world.rows("anhui") if r.kind == "penalty"]
    assert len(penalties) > 20
    bad_dates = {
        (t["file"], t["row"])
        for t in world.truth()
        if t["source"] == "anhui" and t["defect"] == "impossible_date"
    }
    for row in penalties:
        assert row.raw["CF_XDR_LB"] in {"01", "02", "04"} or row.raw["CF_XDR_LB"] == ""
        for code in filter(None, row.raw["CF_CFLB"].split(";")):
            assert re.fullmatch(r"\d{2}", code), code
        assert re.fullmatch(r"\d", row.raw["CF_GSZT"])
        if (row.file, row.row) not in bad_dates and row.raw["CF_JDRQ"]:
            assert re.fullmatch(r"\d{4}/\d{2}/\d{2}", row.raw["CF_JDRQ"])
        if row.raw["CF_NR_FK"]:
            assert re.fullmatch(r"\d+", row.raw["CF_NR_FK"])
            assert int(row.raw["CF_NR_FK"]) >= 50
    with (world.root / "anhui" / "cf_2026-10.csv").open(encoding="gbk", newline="") as f:
        header = next(csv.reader(f))
    assert "罚款金额（元）" in header and "处罚类别代码" in header
    assert m.amount_unit == "元"


def test_jiangsu_has_one_sheet_per_kind(world: World) -> None:
    m = world.mapping("jiangsu")
    wb = load_workbook(world.root / "jiangsu" / "jiangsu_2026-10.xlsx", read_only=True)
    assert wb.sheetnames == [item.sheet for item in m.kinds]
    kind = world.standard.record_kinds["penalty"]
    header = next(wb["行政处罚"].iter_rows(values_only=True))
    assert list(header) == [f.label_zh for f in kind.fields]
    wb.close()
    resend = load_workbook(world.root / "jiangsu" / "jiangsu_2026-11.xlsx", read_only=True)
    assert resend.sheetnames == ["行政处罚"]
    resend.close()
    # the writable (non read-only) reader opens it too
    full = load_workbook(world.root / "jiangsu" / "jiangsu_2026-10.xlsx")
    assert full["登记注册基本信息"].max_row > 100
    full.close()


def test_shanghai_headers_are_chinese_labels(world: World) -> None:
    path = world.root / "shanghai" / "2026-10_登记注册.csv"
    with path.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    kind = world.standard.record_kinds["registration"]
    assert header == [f.label_zh for f in kind.fields]
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw  # the csv module's default dialect


def test_zhejiang_keys_are_field_codes_and_only_filled_fields(world: World) -> None:
    kind = world.standard.record_kinds["penalty"]
    codes = [f.code for f in kind.fields]
    lines = (world.root / "zhejiang" / "penalty_2026-10.jsonl").read_text("utf-8").splitlines()
    assert lines
    for line in lines:
        obj = json.loads(line)
        assert set(obj) <= set(codes)
        assert all(isinstance(v, str) and v != "" for v in obj.values())
        assert list(obj) == [c for c in codes if c in obj]  # the standard's field order


# ------------------------------------------------------------------------------- the world


def test_all_41_cities_and_real_counties(world: World) -> None:
    subjects = world.subjects()
    cities = {s["city"] for s in subjects}
    assert cities == {e.code for e in world.standard.code_lists["city"].entries}
    for s in subjects:
        division = divisions.lookup(s["division"])
        assert division is not None and not division.abolished
        assert s["division"][:2] == s["province"]
        if s["province"] != "31":
            assert s["division"][:4] == s["city"][:4]


def test_subject_codes_are_valid_and_fit_the_subject(world: World) -> None:
    prefixes = {
        "enterprise": {"91"},
        "cooperative": {"93"},
        "individual_business": {"92"},
        "social_organisation": {"51", "52", "53"},
        "public_body": {"11", "12"},
    }
    subjects = world.subjects()
    assert len({s["uscc"] for s in subjects}) == len(subjects)
    assert len({s["name"] for s in subjects}) == len(subjects)
    for s in subjects:
        code = uscc.validate(s["uscc"])
        assert code[:2] in prefixes[s["subject_type"]]
        assert code[2:8] == s["division"]  # a county of the subject's city and province
        assert org_code.validate(s["org_code"]) == code[8:17]
        if s["business_reg_no"]:
            assert s["business_reg_no"][:6] == s["division"]
    types = Counter(s["subject_type"] for s in subjects)
    assert 0.6 < types["enterprise"] / len(subjects) < 0.75
    assert 0.2 < types["individual_business"] / len(subjects) < 0.3


def test_provinces_are_weighted_by_economic_size(world: World) -> None:
    share = Counter(s["province"] for s in world.subjects())
    total = sum(share.values())
    assert share["32"] > share["33"] > share["31"] > share["34"]
    assert abs(share["32"] / total - 0.30) < 0.02


def test_legacy_codes(world: World) -> None:
    subjects = {s["uscc"]: s for s in world.subjects()}
    in_map = {u for u, s in subjects.items() if s["in_legacy_map"] == "true"}
    legacy_only = {u for u, s in subjects.items() if s["legacy_only"] == "true"}
    assert 0.05 < len(in_map) / len(subjects) < 0.15
    assert legacy_only and all(
        subjects[u]["subject_type"] == "individual_business" for u in legacy_only
    )
    registered: dict[str, dict[str, str]] = {}
    for source in SOURCES:
        for row in world.rows(source):
            if row.kind == "registration" and row.raw.get("DJ_SHXYM") in subjects:
                registered[row.raw["DJ_SHXYM"]] = row.raw
    for u in in_map:
        raw = registered[u]
        assert raw.get("DJ_ZZJG") or raw.get("DJ_GSZC")
        if raw.get("DJ_ZZJG"):
            assert raw["DJ_ZZJG"] == u[8:17]
        if raw.get("DJ_GSZC"):
            assert raw["DJ_GSZC"] == subjects[u]["business_reg_no"]
    for u in legacy_only - in_map:  # their 工商注册号 is in no registration record
        assert not registered.get(u, {}).get("DJ_GSZC")


def test_record_rates_are_plausible(world: World) -> None:
    subjects = {s["uscc"]: s for s in world.subjects()}
    enterprises = sum(s["subject_type"] == "enterprise" for s in subjects.values())
    penalised: set[str] = set()
    kinds: Counter[str] = Counter()
    foreign = 0
    persons = 0
    province_of_source = {m: world.mapping(m).province for m in SOURCES}
    for source in SOURCES:
        for row in world.rows(source):
            kinds[row.kind] += 1
            if row.kind != "penalty":
                continue
            party = subjects.get(row.raw.get("CF_XDR_SHXYM", ""))
            if row.raw.get("CF_XDR_LB") in ("自然人", "01"):
                persons += 1
            if party is None:
                continue
            if party["subject_type"] == "enterprise":
                penalised.add(party["uscc"])
            foreign += party["province"] != province_of_source[source]
    assert 0.08 < len(penalised) / enterprises < 0.25
    assert persons > 0
    assert 0 < foreign / kinds["penalty"] < 0.15
    assert kinds["license"] > kinds["penalty"]
    assert kinds["commitment"] > kinds["red_list"] > 0
    assert kinds["registration"] >= len(subjects)


def test_truth_names_no_resident_id_numbers(world: World) -> None:
    text = (world.root / "truth").glob("*")
    pattern = re.compile(r"(?<![0-9A-Z])\d{17}[\dX](?![0-9A-Z])")
    for path in text:
        for match in pattern.findall(path.read_text(encoding="utf-8")):
            assert not resident_id.is_valid(match), (path.name, match)


# ------------------------------------------------------------------------------- pieces


def test_fixed_texts_are_gbk_encodable() -> None:
    all_text().encode("gbk")


def test_fast_check_characters_agree_with_the_ids_module() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        body = "".join(rng.choices(uscc.ALPHABET, k=8))
        assert org_check(body) == org_code.calc_check_character(body)
        first17 = rng.choice(("91", "92", "51", "11")) + "320506" + body + org_check(body)
        assert uscc_check(first17) == uscc.calc_check_character(first17)
        digits = "".join(rng.choices("0123456789", k=17))
        assert resident_check(digits) == resident_id.calc_check_character(digits)


@pytest.mark.parametrize(
    "name",
    [
        "上海浦东新区华信（集团）有限公司",
        "苏州市吴中区恒达精密机械有限公司",
        "杭州西湖区张记小吃店",
        "江苏恒达建设工程有限责任公司",
    ],
)
def test_name_variants_differ_only_in_form(name: str) -> None:
    rng = random.Random(1)
    seen = set()
    for _ in range(30):
        variant = name_variant(name, rng)
        assert variant is not None and variant != name
        plain = variant.replace(" ", "").replace("(", "（").replace(")", "）")
        assert plain.replace("有限责任公司", "有限公司") == name.replace("有限责任公司", "有限公司")
        seen.add(variant)
    assert len(seen) >= 2


def test_record_keys_are_unique_but_for_planted_duplicates(world: World) -> None:
    """Within a source and record kind, every row is a new record, except the rows the ground
    truth plants as duplicates; re-send rows repeat the key of the row they name."""
    truth = {(t["source"], t["file"], t["sheet"], t["row"]): t for t in world.truth()}
    keys: dict[tuple[str, str], dict[tuple[str, ...], tuple[str, int]]] = {}
    resent: list[tuple[str, str, tuple[str, ...]]] = []
    for source in SOURCES:
        resend_files = {
            f["file"] for f in world.summary()["sources"][source]["files"] if f["resend"]
        }
        for row in world.rows(source):
            entry = truth.get((source, row.file, row.sheet, row.row))
            if entry is not None and entry["expected"] == "rejected":
                continue
            kind = world.standard.record_kinds[row.kind]
            key = tuple(row.raw.get(code, "") for code in kind.key_fields)
            if row.file in resend_files:
                resent.append((source, row.kind, key))
                continue
            seen = keys.setdefault((source, row.kind), {})
            if entry is not None and entry["defect"] == "duplicate_row":
                assert seen[key] == (row.file, entry["duplicate_of"])
                continue
            assert key not in seen, (source, row.file, row.row, key, seen.get(key))
            seen[key] = (row.file, row.row)
    assert resent
    for source, kind, key in resent:
        assert key in keys[(source, kind)]


def test_place_names_are_gbk_encodable(world: World) -> None:
    from credit_yrd.demo.geography import build_geography

    geography = build_geography(world.standard)
    for county in geography.counties:
        geography.county_prefix(county).encode("gbk")
    assert len(geography.cities) == 41
