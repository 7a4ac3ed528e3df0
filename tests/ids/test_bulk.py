"""Bulk (vectorised) validation must agree with the scalar modules on every input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit_yrd.ids import bulk, org_code, uscc
from credit_yrd.ids.errors import InvalidIdentifier

VALID = "91110000600037341L"  # python-stdnum's example, 600037341 a valid GB 11714 code
PILOT = "91350203M0001QKT19"
ALPHABET = uscc.ALPHABET
ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def scalar_part(module, value) -> str | None:
    if value is None:
        return "null"
    try:
        module.validate(value)
    except InvalidIdentifier as exc:
        return exc.part
    return None


def assert_agrees(values: list, module=uscc, validator=bulk.validate_uscc_column) -> None:
    result = validator(values)
    expected = [v is not None and module.is_valid(v) for v in values]
    assert result.valid.tolist() == expected, values
    # Reasons match the scalar module's ``part`` as well.
    assert result.reasons == [scalar_part(module, v) for v in values]
    if module is uscc:
        assert result.pilot.tolist() == [v is not None and uscc.is_pilot(v) for v in values]


# --- strategies -----------------------------------------------------------------------------

AUTH_PAIRS = [a + c for a, auth in uscc.registration_authorities().items() for c in auth.categories]
DIVISIONS = ["310000", "310115", "320100", "320583", "330100", "330212", "340100", "100000"]


@st.composite
def valid_usccs(draw) -> str:
    pair = draw(st.sampled_from(AUTH_PAIRS))
    division = draw(st.sampled_from(DIVISIONS))
    body = draw(st.text(alphabet=ORG_CHARS, min_size=8, max_size=8))
    first17 = pair + division + body + org_code.calc_check_character(body)
    first17 = first17[:16] + first17[16]
    if any(ch not in ALPHABET for ch in first17):  # I, O, S, V, Z in the body
        first17 = "".join(ch if ch in ALPHABET else "1" for ch in first17[:16]) + first17[16]
    return first17 + uscc.calc_check_character(first17)


@st.composite
def near_valid_usccs(draw) -> str:
    code = draw(valid_usccs())
    how = draw(st.sampled_from(["one", "two", "letters12", "recheck", "case", "sep", "width"]))
    if how in ("one", "two"):
        for _ in range(1 if how == "one" else 2):
            i = draw(st.integers(0, 17))
            ch = draw(st.sampled_from(ALPHABET + "IOSVZ!- x"))
            code = code[:i] + ch + code[i + 1 :]
    elif how == "letters12":
        code = draw(st.text(alphabet=ALPHABET, min_size=2, max_size=2)) + code[2:]
        if draw(st.booleans()):
            code = code[:17] + uscc.calc_check_character(code[:17])
    elif how == "recheck":
        # A changed body whose USCC check character is recomputed: only structure can fail.
        i = draw(st.integers(2, 16))
        code = code[:i] + draw(st.sampled_from(ALPHABET)) + code[i + 1 :]
        code = code[:17] + uscc.calc_check_character(code[:17])
    elif how == "case":
        code = code.lower()
    elif how == "sep":
        code = f" {code[:8]}-{code[8:]}\t"
    else:
        code = "".join(
            chr(ord(ch) + 0xFEE0) if ch.isalnum() and draw(st.booleans()) else ch for ch in code
        )
    return code


garbage = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=ALPHABET + "iozsv", min_size=17, max_size=19),
    st.text(alphabet="０１２３４５６７８９ＡＢＣＸＹ \u3000-—\u200b", max_size=20),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=18, max_size=18),
    st.text(min_size=100, max_size=300),
    st.sampled_from(["ß" * 9, "ﬀ" * 9, "ı" * 18, "\x00" * 18, "9" * 18, "1" * 18]),
)

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(st.one_of(valid_usccs(), near_valid_usccs()), min_size=1, max_size=60))
def test_near_valid_agree_with_scalar(values):
    assert_agrees(values)


@SETTINGS
@given(st.lists(st.one_of(garbage, near_valid_usccs()), max_size=60))
def test_garbage_agrees_with_scalar(values):
    assert_agrees(values)


@SETTINGS
@given(st.lists(st.one_of(garbage, st.text(alphabet=ORG_CHARS + "xX- ", max_size=11)), max_size=60))
def test_org_code_column_agrees_with_scalar(values):
    assert_agrees(values, org_code, bulk.validate_org_code_column)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(near_valid_usccs(), garbage), max_size=40), st.integers(1, 5))
def test_chunked_and_sliced_arrow_input(values, nchunks):
    arr = pa.array(values, type=pa.string())
    size = max(1, len(values) // nchunks)
    chunked = pa.chunked_array(
        [arr.slice(i, size) for i in range(0, len(values), size)] or [arr], type=pa.string()
    )
    expected = bulk.validate_uscc_column(values)
    for column in (arr, chunked, pl.Series(values, dtype=pl.String), arr.cast(pa.large_string())):
        got = bulk.validate_uscc_column(column)
        assert got.valid.tolist() == expected.valid.tolist()
        assert got.reasons == expected.reasons


# --- examples -------------------------------------------------------------------------------


def test_known_examples():
    values = [
        VALID,
        VALID.lower(),
        f" {VALID[:8]}-{VALID[8:]} ",
        "９１１１００００６０００３７３４１Ｌ",
        PILOT,
        "91350100M0001TGQXM",
        "91350100M000100Y4Z",  # annex example: correct check would be '3'
        "362322198709086409",  # resident ID passing the USCC checksum
        "111111111111111111",
        None,
        "",
        "91110000600037341",
        "91110000600037341L1",
        "91110000600037341I",
    ]
    result = bulk.validate_uscc_column(values)
    assert result.valid.tolist() == [
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
    ]
    assert result.pilot.tolist()[4:6] == [True, True]
    assert result.reasons[6:] == [
        "check_character",
        "authority_category",
        "org_code",
        "null",
        "length",
        "length",
        "length",
        "check_character",
    ]
    assert result.reason_counts() == {
        "null": 1,
        "length": 3,
        "org_code": 1,
        "authority_category": 1,
        "check_character": 2,
    }
    assert result.n_valid == 6 and result.n_invalid == 8 and result.n_pilot == 2
    assert_agrees([v for v in values if v is not None] + [None])


def test_letters_in_positions_1_and_2():
    # A1 军队事业单位, N2 村级集体经济组织, Y1 其他: python-stdnum rejects these; we accept them.
    codes = []
    for pair in ("A1", "N2", "Y1"):
        first17 = pair + "310115" + "600037341"
        codes.append(first17 + uscc.calc_check_character(first17))
    assert bulk.validate_uscc_column(codes).valid.all()
    assert_agrees(codes)


def test_non_string_values_and_empty_input():
    result = bulk.validate_uscc_column([VALID, 42, None, b"x"])
    assert result.valid.tolist() == [True, False, False, False]
    assert result.reasons == [None, "type", "null", "type"]
    empty = bulk.validate_uscc_column([])
    assert len(empty) == 0 and empty.reason_counts() == {}
    assert bulk.validate_uscc_column(pa.array([], type=pa.string())).valid.shape == (0,)
    assert bulk.validate_uscc_column(pa.nulls(3)).reasons == ["null"] * 3


def test_to_arrow_table():
    table = bulk.validate_uscc_column([VALID, "x", PILOT]).to_arrow()
    assert table.column("valid").to_pylist() == [True, False, True]
    assert table.column("reason").to_pylist() == [None, "length", None]
    assert table.column("pilot").to_pylist() == [False, False, True]


def test_contiguous_zero_copy_matrix_path():
    codes = [VALID] * 1000 + ["91350100M000100Y4Z"] * 1000
    result = bulk.validate_uscc_column(pa.array(codes, type=pa.large_string()))
    assert result.n_valid == 1000
    assert result.reason_counts() == {"check_character": 1000}


def test_validate_column_generic_kinds():
    org = bulk.validate_column(["600037341", "60003734-1", "600037342"], "org_code")
    assert org.valid.tolist() == [True, True, False]
    brn = bulk.validate_column(["110108000000016", "110108000000017", None, "1"], "business_reg_no")
    assert brn.valid.tolist() == [True, False, False, False]
    assert brn.reasons == [None, "check_character", "null", "length"]
    rid = bulk.validate_column(["11010519491231002X", "11010519491231002Y"], "resident_id")
    assert rid.valid.tolist() == [True, False]
    with pytest.raises(bulk.UnknownKind) as info:
        bulk.validate_column([VALID], "passport")
    assert "未知的标识码类型" in str(info.value)


def test_validate_file_streams_in_chunks(tmp_path: Path):
    lines = [VALID, "", "91350100M000100Y4Z", PILOT, "  ", "hello", VALID.lower()]
    path = tmp_path / "codes.txt"
    path.write_text("\ufeff" + "\r\n".join(lines) + "\n", encoding="utf-8")
    report = bulk.validate_file(path, "uscc", chunk_lines=2)
    assert (report.lines, report.blank, report.checked) == (7, 2, 5)
    assert (report.valid, report.invalid, report.pilot) == (3, 2, 1)
    assert [(x.line_no, x.text, x.reason) for x in report.invalid_lines] == [
        (3, "91350100M000100Y4Z", "check_character"),
        (6, "hello", "length"),
    ]
    assert report.reason_counts == {"check_character": 1, "length": 1}
    data = report.to_dict()
    assert data["invalid_lines"][0]["reason_zh"] == "校验码错误"
    assert "有效 3" in report.summary() and "3 valid" in report.summary("en")


def test_validate_file_caps_invalid_lines_and_detects_kind(tmp_path: Path):
    path = tmp_path / "org.txt"
    path.write_text("\n".join(["600037341", "60003734-1", "bad"] * 5) + "\n", encoding="utf-8")
    report = bulk.validate_file(path, max_invalid=2)
    assert report.kind == "org_code"
    assert (report.checked, report.valid, report.invalid) == (15, 10, 5)
    assert len(report.invalid_lines) == 2 and report.invalid_truncated
    with pytest.raises(FileNotFoundError):
        bulk.validate_file(tmp_path / "missing.txt", "uscc")
    with pytest.raises(bulk.UnknownKind):
        bulk.validate_file(path, "nope")


def test_large_random_column_agrees():
    rng = np.random.default_rng(7)
    letters = np.array(list(ALPHABET))
    bodies = ["".join(row) for row in rng.choice(letters, size=(5000, 17))]
    codes = [b + uscc.calc_check_character(b) for b in bodies]
    codes += ["91" + b[2:] for b in codes[:2000]]
    result = bulk.validate_uscc_column(codes)
    assert result.valid.tolist() == [uscc.is_valid(c) for c in codes]
