"""Source mapping files: how one source's files turn into records of the standard.

A source — a provincial platform, or a department feeding directly — is described by one YAML file
(``sources/<code>.yaml`` in this package, or in the folder named by the ``sources_dir`` setting).
Adding a source is adding a file; no code changes. A mapping states:

* ``format`` (``csv``, ``xlsx``, ``jsonl``) and ``encoding`` (``utf-8``, ``gbk`` …);
* ``headers``: what the column names (or JSON keys) are by default — the field ``code``
  (``CF_XDR_MC``) or the field's Chinese label ``label_zh`` (行政相对人名称); per kind, ``columns``
  renames single columns (source name → field code) and ``ignore`` lists columns to drop;
* which record kind each file holds: ``files`` (glob patterns on the file name) for CSV and JSON
  Lines, ``sheet`` (the sheet name) for workbooks;
* ``code_values``: per code list, the source's values that the standard does not know as codes or
  aliases (source value → standard code);
* ``amount_unit``: ``万元`` (the standard's unit) or ``元`` (amounts are divided by 10,000), for
  the fields listed in ``amount_fields`` (default: every field the standard keeps in 万元);
* ``date_format``: how the source writes dates (readers accept every common form anyway; the
  generator writes this one).

The mapping is checked against the standard when it is loaded: every field code, kind and code
value must exist, so a typo fails at once with the file and path named.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from credit_yrd.ingest.errors import MappingError, UnknownSourceError
from credit_yrd.standards.errors import UnknownCodeError
from credit_yrd.standards.models import RecordKind, Standard

BUILTIN_DIR = Path(__file__).parent / "sources"

Format = Literal["csv", "xlsx", "jsonl"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindMapping(_Model):
    kind: str
    files: list[str] = Field(default_factory=list)
    sheet: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list)


class SourceMapping(_Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    province: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    format: Format
    encoding: str = "utf-8"
    headers: Literal["code", "label_zh"] = "code"
    amount_unit: Literal["万元", "元"] = "万元"
    #: the fields ``amount_unit`` applies to (default: every field the standard keeps in 万元)
    amount_fields: list[str] | None = None
    date_format: str = "%Y-%m-%d"
    code_values: dict[str, dict[str, str]] = Field(default_factory=dict)
    kinds: list[KindMapping] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)

    _file: str = PrivateAttr(default="")
    _columns: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)

    @property
    def file(self) -> str:
        """The mapping file this mapping was loaded from."""
        return self._file

    def kind_for_file(self, name: str) -> str | None:
        """The record kind a file (by its name) holds, or ``None`` when no pattern matches."""
        lowered = name.lower()
        for item in self.kinds:
            if any(fnmatch.fnmatch(lowered, pattern.lower()) for pattern in item.files):
                return item.kind
        return None

    def kind_for_sheet(self, sheet: str) -> str | None:
        """The record kind a workbook sheet holds, or ``None`` for a sheet the mapping does not name."""
        for item in self.kinds:
            if item.sheet is not None and item.sheet.strip() == sheet.strip():
                return item.kind
        return None

    def in_yuan(self, code: str) -> bool:
        """Whether this source writes the (万元) field ``code`` in 元."""
        if self.amount_unit != "元":
            return False
        return self.amount_fields is None or code in self.amount_fields

    def kind_mapping(self, kind: str) -> KindMapping:
        for item in self.kinds:
            if item.kind == kind:
                return item
        raise KeyError(kind)

    def ignored(self, kind: str) -> frozenset[str]:
        """Columns of this kind that the source sends and the platform does not take."""
        return frozenset(self.kind_mapping(kind).ignore)

    def column_map(self, kind: str) -> dict[str, str]:
        """Source column name → field code for a kind (defaults plus renames)."""
        return self._columns[kind]

    def header_for(self, kind: str) -> dict[str, str]:
        """Field code → the column name this source writes it under (the inverse of
        :meth:`column_map`; used by writers such as the generator)."""
        return {code: column for column, code in self._columns[kind].items()}

    def encode_value(self, code_list: str, code: str) -> str:
        """The value this source writes for a standard code (the inverse of ``code_values``)."""
        for value, target in self.code_values.get(code_list, {}).items():
            if target == code:
                return value
        return code

    def decode_value(self, code_list: str, value: str) -> str:
        """The standard code for a value as this source writes it (unchanged when not mapped)."""
        return self.code_values.get(code_list, {}).get(value.strip(), value)


def _defaults(kind: RecordKind, headers: str) -> dict[str, str]:
    if headers == "code":
        return {f.code: f.code for f in kind.fields}
    return {f.label_zh: f.code for f in kind.fields}


def check_mapping(mapping: SourceMapping, standard: Standard, file: str) -> SourceMapping:
    """Check a mapping against the standard and compute its column maps; raises MappingError."""
    mapping._file = file
    seen: set[str] = set()
    for i, item in enumerate(mapping.kinds):
        where = f"kinds[{i}]"
        if item.kind not in standard.record_kinds:
            raise MappingError(
                file,
                f"{where}.kind",
                f"标准中没有信息类别“{item.kind}”",
                f"the standard has no record kind {item.kind!r}",
            )
        if item.kind in seen:
            raise MappingError(
                file, f"{where}.kind", f"信息类别“{item.kind}”重复", f"duplicate kind {item.kind!r}"
            )
        seen.add(item.kind)
        if mapping.format == "xlsx" and not item.sheet:
            raise MappingError(
                file,
                f"{where}.sheet",
                "工作簿来源须写明工作表名",
                "a workbook source needs a sheet name",
            )
        if mapping.format != "xlsx" and not item.files:
            raise MappingError(
                file, f"{where}.files", "须写明文件名模式", "needs file name patterns"
            )
        kind = standard.record_kinds[item.kind]
        columns = _defaults(kind, mapping.headers)
        for column, code in item.columns.items():
            if not kind.has_field(code):
                raise MappingError(
                    file,
                    f"{where}.columns.{column}",
                    f"信息类别“{item.kind}”没有字段“{code}”",
                    f"record kind {item.kind!r} has no field {code!r}",
                )
            code = kind.field(code).code
            columns = {c: f for c, f in columns.items() if f != code}
            columns[column] = code
        for column in item.ignore:
            columns.pop(column, None)
        mapping._columns[item.kind] = columns
    for list_code, values in mapping.code_values.items():
        if list_code not in standard.code_lists:
            raise MappingError(
                file,
                f"code_values.{list_code}",
                f"标准中没有代码表“{list_code}”",
                f"the standard has no code list {list_code!r}",
            )
        code_list = standard.code_lists[list_code]
        for value, target in values.items():
            try:
                code_list.normalise(target)
            except UnknownCodeError:
                raise MappingError(
                    file,
                    f"code_values.{list_code}.{value}",
                    f"“{target}”不是代码表“{list_code}”中的代码",
                    f"{target!r} is not a code of code list {list_code!r}",
                ) from None
    try:
        "".encode(mapping.encoding)
    except LookupError:
        raise MappingError(
            file,
            "encoding",
            f"未知编码“{mapping.encoding}”",
            f"unknown encoding {mapping.encoding!r}",
        ) from None
    return mapping


def load_mapping_file(path: Path, standard: Standard) -> SourceMapping:
    """Read, validate and check one mapping file."""
    file = path.name
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(
            file, "", f"无法读取映射文件：{exc}", f"cannot read the mapping file: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise MappingError(file, "", "文件内容应为映射（键: 值）", "the file must hold a mapping")
    try:
        mapping = SourceMapping.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path_text = ".".join(str(part) for part in error["loc"])
        raise MappingError(
            file, path_text, f"取值不合规则（{error['msg']}）", error["msg"]
        ) from None
    if mapping.code != path.stem:
        raise MappingError(
            file,
            "code",
            f"来源代码“{mapping.code}”应与文件名一致",
            f"source code {mapping.code!r} must match the file name",
        )
    return check_mapping(mapping, standard, file)


def _mapping_files(extra_dir: Path | None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in (BUILTIN_DIR, extra_dir):
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path  # a file in the settings folder overrides the built-in one
    return found


def available_sources(extra_dir: Path | None = None) -> list[str]:
    return sorted(_mapping_files(extra_dir))


def load_mapping(code: str, standard: Standard, extra_dir: Path | None = None) -> SourceMapping:
    """The mapping of a source by its code (built-in, or from ``extra_dir``)."""
    files = _mapping_files(extra_dir)
    if code not in files:
        known = ", ".join(sorted(files))
        raise UnknownSourceError(
            f"没有来源“{code}”的映射文件（已有：{known}）",
            f"no mapping file for source {code!r} (known: {known})",
        )
    return _cached(files[code], standard.version, standard)


_CACHE: dict[tuple[Path, str, float], SourceMapping] = {}


def _cached(path: Path, version: str, standard: Standard) -> SourceMapping:
    key = (path, version, path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = load_mapping_file(path, standard)
    return _CACHE[key]


def all_mappings(standard: Standard, extra_dir: Path | None = None) -> Iterable[SourceMapping]:
    for code in available_sources(extra_dir):
        yield load_mapping(code, standard, extra_dir)
