"""Vectorised validation of whole columns of identifiers (批量校验).

Ingestion checks millions of codes at a time; a Python loop over ``uscc.is_valid`` costs several
microseconds per code. Here a column is checked with numpy on its raw bytes:

1. The column becomes an Arrow string array (``pyarrow`` arrays and chunked arrays are used as
   they are, a ``polars.Series`` through ``to_arrow()``, a Python sequence is converted once).
2. *Fast path*: a row whose bytes are all ASCII letters and digits needs no ``compact`` beyond
   uppercasing, which the lookup tables absorb (``a`` and ``A`` map to the same value). Rows of
   exactly the code's length are gathered into an ``(n, L)`` ``uint8`` matrix; a 256-entry table
   maps bytes to character values (−1 for a character outside the code's alphabet); the
   weighted sum is one matrix–vector product; the structural parts (登记管理部门码 + 机构类别码,
   province of the division code, the GB 11714 organisation code in positions 9–17) are table
   look-ups on whole columns.
3. *Slow path*: only rows that hold anything else (whitespace, hyphens, full-width or other
   non-ASCII characters) go through the scalar module's ``compact`` one by one, and their compact
   forms then take the vectorised checks as well.

The verdicts equal the scalar modules' ``is_valid`` on every input; the tests assert this with
property-based tests. The rule tables (authority/category pairs, province codes, the pilot
allow-list) are taken from the scalar modules, so both always read the same data files.

Reason keys (``BulkResult.reasons``) are small and stable: ``null``, ``type``, ``length``,
``charset``, ``authority``, ``authority_category``, ``division``, ``org_code``,
``check_character``; kinds checked through the scalar module (``business_reg_no``,
``resident_id``) report that module's ``part`` keys.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.lib.stride_tricks import as_strided

from credit_yrd.errors import CreditYrdError

__all__ = [
    "KINDS",
    "REASONS",
    "BulkResult",
    "FileReport",
    "InvalidLine",
    "UnknownKind",
    "validate_column",
    "validate_file",
    "validate_org_code_column",
    "validate_uscc_column",
]

KINDS = ("uscc", "org_code", "business_reg_no", "resident_id")

# Reason codes: index into REASONS; 0 means "no problem".
REASONS: tuple[str | None, ...] = (
    None,
    "null",
    "type",
    "length",
    "charset",
    "authority",
    "authority_category",
    "division",
    "org_code",
    "check_character",
)
_R = {name: i for i, name in enumerate(REASONS) if name}
OK, NULL, TYPE, LENGTH, CHARSET = 0, _R["null"], _R["type"], _R["length"], _R["charset"]
AUTHORITY, AUTH_CAT, DIVISION = _R["authority"], _R["authority_category"], _R["division"]
ORG_CODE, CHECK = _R["org_code"], _R["check_character"]

REASON_LABELS: dict[str, tuple[str, str]] = {
    "null": ("空值", "missing value"),
    "type": ("不是字符串", "not a string"),
    "length": ("长度错误", "wrong length"),
    "charset": ("含非法字符", "character not allowed"),
    "authority": ("登记管理部门码不存在", "unknown registration authority"),
    "authority_category": ("登记管理部门码与机构类别码组合无效", "invalid authority/category pair"),
    "division": ("行政区划码无效", "invalid division code"),
    "org_code": ("主体标识码（组织机构代码）无效", "invalid organisation code in positions 9–17"),
    "check_character": ("校验码错误", "check character does not match"),
}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.float32)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.float32)

# Byte tables. A fast-path row holds only ASCII letters and digits (compact() then merely
# uppercases). The value tables give a character's value for either case, FOREIGN (0x40) for a
# clean byte outside the alphabet and DIRTY (0x80) for any other byte, so that one OR-reduction
# over a row tells both apart and values stay below 32 otherwise.
FOREIGN, DIRTY = 0x40, 0x80
_CLEAN = np.zeros(256, dtype=bool)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
    _CLEAN[_c] = True

_UPPER = np.arange(256, dtype=np.uint8)
_UPPER[ord("a") : ord("z") + 1] -= 32


def _value_table(alphabet: str, dtype: Any = np.uint8) -> np.ndarray:
    table = np.where(_CLEAN, FOREIGN, DIRTY).astype(dtype)
    for value, ch in enumerate(alphabet):
        table[ord(ch)] = value
        table[ord(ch.lower())] = value
    return table


_USCC_VALUE = _value_table(USCC_ALPHABET)
# GB 11714 body: 0-9 and A-Z valued 0..35 (float32: it feeds a matrix product directly).
_ORG_VALUE = _value_table("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.float32)
# GB 11714 check character: '0'..'9' → 0..9 and 'X' → 10 (the remainder the check encodes).
_ORG_CHECK_VALUE = np.full(256, -1, dtype=np.int8)
for _d in range(10):
    _ORG_CHECK_VALUE[ord("0") + _d] = _d
_ORG_CHECK_VALUE[ord("X")] = _ORG_CHECK_VALUE[ord("x")] = 10
DIRTY_ROW = -2  # matrix reason: the row needs compact() first


class UnknownKind(CreditYrdError, ValueError):
    """``validate_column``/``validate_file`` was asked for a kind it does not know."""


# --------------------------------------------------------------------------------------------
# Rule tables, built once from the scalar modules (same data files, same decisions).


@dataclass(frozen=True)
class _UsccRules:
    known_authority: np.ndarray  # (256,) bool, indexed by the value of position 1
    pair_ok: np.ndarray  # (256, 256) bool: authority value × category value
    province_ok: np.ndarray  # (100,) bool: the first two digits of the division code
    pilots_invalid: np.ndarray  # allow-listed codes (dtype S18) that fail the checks
    pilots_all: np.ndarray  # every allow-listed code (dtype S18)


@cache
def _uscc_rules() -> _UsccRules:
    from credit_yrd.ids import divisions, uscc

    known = np.zeros(256, dtype=bool)  # indexed by value bytes (flags ≥ 0x40 stay False)
    pair_ok = np.zeros((256, 256), dtype=bool)
    for code, authority in uscc.registration_authorities().items():
        a = USCC_ALPHABET.index(code)
        known[a] = True
        for category in authority.categories:
            pair_ok[a, USCC_ALPHABET.index(category)] = True
    national = uscc.NATIONAL_DIVISION[:2]
    province_ok = np.array(
        [divisions.is_province_code(f"{i:02d}") or f"{i:02d}" == national for i in range(100)]
    )
    pilots_all = np.array(sorted(p.encode("ascii") for p in uscc.pilot_codes()), dtype="S18")
    rules = _UsccRules(known, pair_ok, province_ok, pilots_all[:0], pilots_all)
    # Which allow-listed codes would fail the ordinary checks? Only those need a look-up among
    # the invalid rows; if a listed code passes anyway, every valid row must be looked up too.
    if len(pilots_all):
        mat = np.frombuffer(pilots_all.tobytes(), dtype=np.uint8).reshape(-1, 18)
        failing = _uscc_matrix_reasons(mat, rules) != OK
        rules = _UsccRules(known, pair_ok, province_ok, pilots_all[failing], pilots_all)
    return rules


def _uscc_matrix_reasons(mat: np.ndarray, rules: _UsccRules) -> np.ndarray:
    """Reason code per row of an (n, 18) byte matrix; ``DIRTY_ROW`` for rows holding anything
    but ASCII letters and digits. Mirrors the order of ``uscc.validate``."""
    n = mat.shape[0]
    reason = np.zeros(n, dtype=np.int8)
    if n == 0:
        return reason
    v = _USCC_VALUE[mat]
    flags17 = np.bitwise_or.reduce(v[:, :17], axis=1)
    last = v[:, 17]
    dirty = ((flags17 | last) & DIRTY) != 0
    # The alphabet is checked on positions 1–17; a position 18 outside it is simply a wrong
    # check character (it never equals a computed value, which is below 31).
    bad_charset = (flags17 & FOREIGN) != 0
    bad_authority = ~rules.known_authority[v[:, 0]]
    bad_pair = ~rules.pair_ok[v[:, 0], v[:, 1]]
    # Positions 3–8 must be digits (values ≤ 9); column by column is faster than a row max.
    non_digit = v[:, 2] > 9
    for j in range(3, 8):
        non_digit |= v[:, j] > 9
    province = np.minimum(v[:, 2].astype(np.intp) * 10 + v[:, 3], 99)
    bad_division = non_digit | ~rules.province_ok[province]
    org_sum = (_ORG_VALUE[mat[:, 8:16]] @ ORG_WEIGHTS).astype(np.int64)
    bad_org = _ORG_CHECK_VALUE[mat[:, 16]] != (11 - org_sum % 11) % 11  # 0 ↔ '0', 10 ↔ 'X'
    total = (v[:, :17].astype(np.float32) @ USCC_WEIGHTS).astype(np.int64)
    bad_check = (31 - total % 31) % 31 != last
    # Assign from the last check to the first so that the first failing part wins.
    reason[bad_check] = CHECK
    reason[bad_org] = ORG_CODE
    reason[bad_division] = DIVISION
    reason[bad_pair] = AUTH_CAT
    reason[bad_authority] = AUTHORITY
    reason[bad_charset] = CHARSET
    reason[dirty] = DIRTY_ROW
    return reason


def _org_matrix_reasons(mat: np.ndarray) -> np.ndarray:
    """Reason code per row of an (n, 9) byte matrix: GB 11714 (``DIRTY_ROW`` as above)."""
    reason = np.zeros(mat.shape[0], dtype=np.int8)
    if mat.shape[0] == 0:
        return reason
    body = _ORG_VALUE[mat[:, :8]]  # clean rows: every letter and digit is a body character
    check = _ORG_CHECK_VALUE[mat[:, 8]]
    total = (body @ ORG_WEIGHTS).astype(np.int64)
    reason[check != (11 - total % 11) % 11] = CHECK  # includes a position 9 outside 0-9/X
    reason[~_CLEAN[mat].all(axis=1)] = DIRTY_ROW
    return reason


# --------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class BulkResult:
    """Verdicts for one column, in input order.

    ``valid`` and ``pilot`` are numpy boolean arrays; ``reason_codes`` indexes ``REASONS``
    (0 for a valid row). ``pilot`` marks allow-listed pre-standard pilot codes: they count as
    valid, but must be shown as pilot codes (试点代码), never accepted silently.
    """

    kind: str
    valid: np.ndarray
    reason_codes: np.ndarray
    pilot: np.ndarray
    reason_keys: tuple[str | None, ...] = REASONS

    def __len__(self) -> int:
        return int(self.valid.shape[0])

    @property
    def n_valid(self) -> int:
        return int(np.count_nonzero(self.valid))

    @property
    def n_invalid(self) -> int:
        return len(self) - self.n_valid

    @property
    def n_pilot(self) -> int:
        return int(np.count_nonzero(self.pilot))

    @property
    def reasons(self) -> list[str | None]:
        """One reason key per row (``None`` for valid rows)."""
        keys = self.reason_keys
        return [keys[i] for i in self.reason_codes.tolist()]

    def reason_of(self, index: int) -> str | None:
        return self.reason_keys[int(self.reason_codes[index])]

    def invalid_indices(self) -> np.ndarray:
        return np.flatnonzero(~self.valid)

    def reason_counts(self) -> dict[str, int]:
        """Invalid rows per reason key (only reasons that occur)."""
        counts = np.bincount(self.reason_codes.astype(np.intp), minlength=len(self.reason_keys))
        return {
            key: int(counts[i])
            for i, key in enumerate(self.reason_keys)
            if key is not None and counts[i]
        }

    def to_arrow(self) -> pa.Table:
        """``valid`` (bool), ``reason`` (dictionary-encoded string, null when valid), ``pilot``."""
        dictionary = pa.array([k or "" for k in self.reason_keys], type=pa.string())
        indices = pa.array(self.reason_codes.astype(np.int8), mask=self.valid)
        reason = pa.DictionaryArray.from_arrays(indices, dictionary)
        return pa.table({"valid": self.valid, "reason": reason, "pilot": self.pilot})


# --------------------------------------------------------------------------------------------
# Column input → Arrow


Column: TypeAlias = pa.Array | pa.ChunkedArray | Sequence[Any] | Iterable[Any]


def _to_arrow_chunks(values: Any) -> tuple[list[pa.Array], dict[int, int]]:
    """The column as a list of ``large_string`` Arrow arrays, plus the reasons of rows that
    had to be blanked out (non-string values in a Python sequence → ``type``)."""
    forced: dict[int, int] = {}
    if isinstance(values, pa.ChunkedArray):
        chunks = list(values.chunks)
    elif isinstance(values, pa.Array):
        chunks = [values]
    elif type(values).__module__.startswith("polars"):
        chunks = [values.to_arrow()]
        if isinstance(chunks[0], pa.ChunkedArray):
            chunks = list(chunks[0].chunks)
    else:
        if not isinstance(values, Sequence):
            values = list(values)
        try:
            chunks = [pa.array(values, type=pa.large_string())]
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            cleaned = []
            for i, v in enumerate(values):
                if v is None or isinstance(v, str):
                    cleaned.append(v)
                else:
                    forced[i] = TYPE
                    cleaned.append(None)
            chunks = [pa.array(cleaned, type=pa.large_string())]
    out = []
    for chunk in chunks:
        if pa.types.is_null(chunk.type):
            chunk = chunk.cast(pa.large_string())
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            try:
                chunk = chunk.cast(pa.large_string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TypeError(
                    f"需要字符串列，得到 {chunk.type} (expected a string column, got {chunk.type})"
                ) from exc
        out.append(chunk)
    return out, forced


def _offsets_and_data(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Row start/end offsets (len n + 1, int64) and the data buffer of a (large_)string array."""
    buffers = arr.buffers()
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[arr.offset : arr.offset + len(arr) + 1]
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.zeros(0, np.uint8)
    )
    return offsets.astype(np.int64, copy=False), data


def _evaluate(
    arr: pa.Array, length: int, compact: Any, matrix_fn: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reason codes of one chunk, plus the rows and byte matrix of the rows that reached the
    matrix checks (for look-ups such as the pilot allow-list)."""
    n = len(arr)
    reason = np.full(n, -1, dtype=np.int8)
    empty = np.zeros((0, length), np.uint8)
    if n == 0:
        return reason, np.zeros(0, np.intp), empty
    offsets, data = _offsets_and_data(arr)
    lengths = np.diff(offsets)
    if arr.null_count:
        null = arr.is_null().to_numpy(zero_copy_only=False)
        reason[null] = NULL
        lengths[null] = -1
    fixed = lengths == length
    rows = np.flatnonzero(fixed)
    if len(rows) == n and int(offsets[-1] - offsets[0]) == n * length:
        start = int(offsets[0])  # every row has the length: the data buffer is the matrix
        matrix = data[start : start + n * length].reshape(n, length)
    elif len(rows):
        # Row i of this window view starts at byte i; taking rows copies `length` bytes each.
        windows = as_strided(data, shape=(len(data) - length + 1, length), strides=(1, 1))
        matrix = windows[offsets[rows]]
    else:
        matrix = empty
    got = matrix_fn(matrix)
    dirty = got == DIRTY_ROW
    slow_rows = rows[dirty]
    if dirty.any():
        rows, matrix, got = rows[~dirty], matrix[~dirty], got[~dirty]
    reason[rows] = got
    # Rows of another length: clean ones are simply too short/long, the rest need compact().
    other = np.flatnonzero(~fixed & (lengths >= 0))
    if len(other):
        other_arr = arr.take(pa.array(other))
        clean = pc.match_substring_regex(other_arr, "^[0-9A-Za-z]*$")
        clean = clean.to_numpy(zero_copy_only=False)
        reason[other[clean]] = LENGTH
        slow_rows = np.concatenate([slow_rows, other[~clean]])
    if len(slow_rows):
        texts = arr.take(pa.array(slow_rows)).to_pylist()
        slow = [(int(i), compact(t)) for i, t in zip(slow_rows.tolist(), texts, strict=True)]
        _settle_slow(slow, reason, length)
        # Slow rows whose compact form fits a matrix row take the matrix checks too.
        joining = [(i, s) for i, s in slow if reason[i] < 0]
        if joining:
            extra = np.frombuffer(
                "".join(s for _, s in joining).encode("ascii"), dtype=np.uint8
            ).reshape(-1, length)
            extra_rows = np.array([i for i, _ in joining], dtype=np.intp)
            reason[extra_rows] = matrix_fn(extra)
            rows = np.concatenate([rows, extra_rows])
            matrix = np.concatenate([matrix, extra])
    return reason, rows, matrix


def _settle_slow(slow: list[tuple[int, str]], reason: np.ndarray, length: int) -> None:
    """Decide what can be decided on a compact form alone: the length, and characters that no
    matrix row could hold. A stray character in the last position only (the check character)
    is replaced by ``Z``, which neither check-character alphabet holds, so that the other
    parts are still checked first, as the scalar modules do."""
    for k, (i, text) in enumerate(slow):
        if len(text) != length:
            reason[i] = LENGTH
        elif not (text.isascii() and text.isalnum()):
            body = text[:-1]
            if body.isascii() and body.isalnum():
                slow[k] = (i, body + "Z")
            else:
                reason[i] = CHARSET


def _iter_chunks(values: Any) -> Iterator[tuple[pa.Array, dict[int, int]]]:
    chunks, forced = _to_arrow_chunks(values)
    base = 0
    for chunk in chunks:
        local = {i - base: r for i, r in forced.items() if base <= i < base + len(chunk)}
        yield chunk, local
        base += len(chunk)


def _compact_or_none(compact: Any) -> Any:
    def run(text: str) -> str:
        try:
            return compact(text)
        except (ValueError, TypeError):
            return "\x00"  # cannot be compacted: will be reported as a character problem

    return run


# --------------------------------------------------------------------------------------------
# Public entry points


def validate_uscc_column(values: Column) -> BulkResult:
    """统一社会信用代码整列校验 (validate a column of USCCs; same verdicts as ``uscc.is_valid``)."""
    from credit_yrd.ids import uscc

    rules = _uscc_rules()
    compact = _compact_or_none(uscc.compact)
    valid_parts, reason_parts, pilot_parts = [], [], []

    def check(mat: np.ndarray) -> np.ndarray:
        return _uscc_matrix_reasons(mat, rules)

    for chunk, forced in _iter_chunks(values):
        reason, rows, matrix = _evaluate(chunk, 18, compact, check)
        for i, r in forced.items():
            reason[i] = r
        pilot = np.zeros(len(chunk), dtype=bool)
        if len(rules.pilots_all):
            # Allow-listed codes: look among the failing matrix rows (and among all rows only if
            # a listed code would pass the checks anyway).
            look = np.ones(len(rows), dtype=bool)
            if len(rules.pilots_invalid) == len(rules.pilots_all):
                look = reason[rows] != OK
            cand = rows[look]
            if len(cand):
                keys = np.ascontiguousarray(_UPPER[matrix[look]]).view("S18").ravel()
                hit = np.isin(keys, rules.pilots_all)
                pilot[cand[hit]] = True
                reason[cand[hit]] = OK
        valid_parts.append(reason == OK)
        reason_parts.append(reason)
        pilot_parts.append(pilot)
    return _combine("uscc", valid_parts, reason_parts, pilot_parts)


def validate_org_code_column(values: Column) -> BulkResult:
    """组织机构代码整列校验 (validate a column of GB 11714 organisation codes; same verdicts as
    ``org_code.is_valid``)."""
    from credit_yrd.ids import org_code

    compact = _compact_or_none(org_code.compact)
    valid_parts, reason_parts, pilot_parts = [], [], []
    for chunk, forced in _iter_chunks(values):
        reason, _, _ = _evaluate(chunk, 9, compact, _org_matrix_reasons)
        for i, r in forced.items():
            reason[i] = r
        valid_parts.append(reason == OK)
        reason_parts.append(reason)
        pilot_parts.append(np.zeros(len(chunk), dtype=bool))
    return _combine("org_code", valid_parts, reason_parts, pilot_parts)


def _validate_scalar_column(values: Column, kind: str) -> BulkResult:
    """Kinds without a vectorised check: the scalar module, row by row (reason = its ``part``)."""
    import importlib

    from credit_yrd.ids.errors import InvalidIdentifier

    module = importlib.import_module(f"credit_yrd.ids.{kind}")
    keys: list[str | None] = list(REASONS)
    index = {k: i for i, k in enumerate(keys) if k}
    codes = []
    for value in _plain_values(values):
        if value is None:
            codes.append(NULL)
            continue
        if not isinstance(value, str):
            codes.append(TYPE)
            continue
        try:
            module.validate(value)
        except InvalidIdentifier as exc:
            if exc.part not in index:
                index[exc.part] = len(keys)
                keys.append(exc.part)
            codes.append(index[exc.part])
        else:
            codes.append(OK)
    reason = np.array(codes, dtype=np.int16)
    return BulkResult(kind, reason == OK, reason, np.zeros(len(reason), bool), tuple(keys))


def _plain_values(values: Column) -> Iterator[Any]:
    if isinstance(values, pa.ChunkedArray | pa.Array) or type(values).__module__.startswith(
        "polars"
    ):
        for chunk, _ in _iter_chunks(values):
            yield from chunk.to_pylist()
    else:
        yield from values


def _combine(kind: str, valid: list, reason: list, pilot: list) -> BulkResult:
    if not valid:
        empty = np.zeros(0, dtype=bool)
        return BulkResult(kind, empty, np.zeros(0, np.int8), empty.copy())
    if len(valid) == 1:
        return BulkResult(kind, valid[0], reason[0], pilot[0])
    return BulkResult(kind, np.concatenate(valid), np.concatenate(reason), np.concatenate(pilot))


_VALIDATORS = {
    "uscc": validate_uscc_column,
    "org_code": validate_org_code_column,
}


def validate_column(values: Column, kind: str) -> BulkResult:
    """Validate a column of identifiers of one ``kind`` (``uscc``, ``org_code``,
    ``business_reg_no``, ``resident_id``)."""
    if kind not in KINDS:
        raise UnknownKind(
            f"未知的标识码类型 {kind!r}，可选：{', '.join(KINDS)}",
            f"unknown identifier kind {kind!r}; choose one of {', '.join(KINDS)}",
        )
    validator = _VALIDATORS.get(kind)
    if validator is not None:
        return validator(values)
    return _validate_scalar_column(values, kind)


# --------------------------------------------------------------------------------------------
# Files


@dataclass(frozen=True)
class InvalidLine:
    line_no: int  # 1-based physical line number
    text: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        label_zh, label_en = REASON_LABELS.get(self.reason, (self.reason, self.reason))
        return {
            "line_no": self.line_no,
            "text": self.text,
            "reason": self.reason,
            "reason_zh": label_zh,
            "reason_en": label_en,
        }


@dataclass
class FileReport:
    """Result of ``validate_file``. Counts are exact; ``invalid_lines`` keeps at most
    ``max_invalid`` entries (``invalid_truncated`` says when more were left out)."""

    path: str
    kind: str
    lines: int = 0  # physical lines read
    blank: int = 0  # blank lines (skipped)
    checked: int = 0
    valid: int = 0
    invalid: int = 0
    pilot: int = 0
    reason_counts: dict[str, int] = field(default_factory=dict)
    invalid_lines: list[InvalidLine] = field(default_factory=list)
    invalid_truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "lines": self.lines,
            "blank": self.blank,
            "checked": self.checked,
            "valid": self.valid,
            "invalid": self.invalid,
            "pilot": self.pilot,
            "reason_counts": dict(self.reason_counts),
            "invalid_lines": [x.to_dict() for x in self.invalid_lines],
            "invalid_truncated": self.invalid_truncated,
        }

    def summary(self, lang: str = "zh") -> str:
        if lang == "en":
            return (
                f"{self.path}: {self.checked} {self.kind} codes checked, {self.valid} valid, "
                f"{self.invalid} invalid ({self.pilot} pilot codes)"
            )
        return (
            f"{self.path}：共校验 {self.checked} 个代码（{self.kind}），有效 {self.valid}，"
            f"无效 {self.invalid}（其中试点代码 {self.pilot} 个）"
        )


CHUNK_LINES = 1_000_000
DETECT_SAMPLE = 1_000


def _read_chunks(path: Path, chunk_lines: int) -> Iterator[list[str]]:
    with path.open("r", encoding="utf-8-sig", errors="replace", newline=None) as fh:
        while True:
            chunk = list(itertools.islice(fh, chunk_lines))
            if not chunk:
                return
            yield chunk


def _detect_kind(sample: list[str]) -> str:
    """The kind under which most sample lines are valid (USCC wins ties: 18-digit resident ID
    numbers can pass the USCC checksum but not its structure)."""
    if not sample:
        return "uscc"
    scores = {kind: validate_column(sample, kind).n_valid for kind in KINDS}
    return max(KINDS, key=lambda k: (scores[k], -KINDS.index(k)))


def validate_file(
    path: str | Path,
    kind: str | None = None,
    *,
    chunk_lines: int = CHUNK_LINES,
    max_invalid: int | None = 100_000,
) -> FileReport:
    """Validate a text file holding one code per line, streaming it in chunks of
    ``chunk_lines`` lines (memory stays bounded by the chunk and by ``max_invalid``).

    Blank lines are skipped but keep their place in the line numbering. Undecodable bytes are
    replaced (and then fail as characters). ``kind=None`` picks the kind under which most of
    the first non-blank lines are valid.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"找不到文件 {path} (no such file: {path})")
    if kind is not None and kind not in KINDS:
        validate_column([], kind)  # raises UnknownKind
    if kind is None:
        sample: list[str] = []
        for chunk in _read_chunks(path, DETECT_SAMPLE * 4):
            sample.extend(s for line in chunk if (s := line.rstrip("\r\n")).strip())
            if len(sample) >= DETECT_SAMPLE:
                break
        kind = _detect_kind(sample[:DETECT_SAMPLE])
    report = FileReport(path=str(path), kind=kind)
    counts: Counter[str] = Counter()
    line_base = 0
    for chunk in _read_chunks(path, chunk_lines):
        texts = [line.rstrip("\r\n") for line in chunk]
        keep = [i for i, t in enumerate(texts) if t.strip()]
        report.lines += len(texts)
        report.blank += len(texts) - len(keep)
        values = [texts[i] for i in keep]
        result = validate_column(values, kind)
        report.checked += len(values)
        report.valid += result.n_valid
        report.pilot += result.n_pilot
        counts.update(result.reason_counts())
        for j in result.invalid_indices().tolist():
            if max_invalid is not None and len(report.invalid_lines) >= max_invalid:
                report.invalid_truncated = True
                break
            reason = result.reason_of(j) or "unknown"
            report.invalid_lines.append(InvalidLine(line_base + keep[j] + 1, values[j], reason))
        line_base += len(texts)
    report.invalid = report.checked - report.valid
    report.reason_counts = dict(counts)
    return report
