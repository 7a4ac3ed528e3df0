"""Load a version of the regional data standard from its data files and check it.

A version folder (``data/v2026.1/``) holds::

    standard.yaml              version id, title, effective date
    code_lists/<code>.yaml     one code list per file, named by its code
    record_kinds/<code>.yaml   one record kind per file, named by its code
    publication_rules.yaml     rule tables of publication periods, versioned by date
    lists/<code>.yaml          one red or black list per file: criteria, period, exits, feed
    measures/<code>.yaml       one memorandum of cooperation per file, with its joint measures

Adding a record kind, a code list entry, a field or a rule is an edit to these files. Every file is
checked against its model (:mod:`credit_yrd.standards.models`) and then against the others; a
problem raises :class:`StandardError` naming the file, the path inside it and the rule broken.

YAML is read with a strict loader: plain scalars stay text unless they are ``true``/``false`` or
``null`` (so the code ``01`` stays ``"01"`` and amounts are read as exact decimals), and a key
written twice in one mapping is an error instead of silently keeping the last value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from credit_yrd.standards.errors import StandardError
from credit_yrd.standards.joint_checks import check_lists, check_memoranda
from credit_yrd.standards.joint_models import ListDef, Memorandum
from credit_yrd.standards.models import (
    CodeList,
    Condition,
    PublicationRulesFile,
    RecordKind,
    RuleTable,
    Standard,
    StandardMeta,
    add_period,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
"""Where the shipped versions of the standard live."""

REQUIRED_CODE_LISTS = ("report_section", "identifier_kind")
"""Code lists the loader itself relies on (record kind categories and identifier kinds)."""

_VERSION = re.compile(r"^v(\d{4})\.(\d+)$")
_M = TypeVar("_M", bound=BaseModel)


# --------------------------------------------------------------------------------------------------
# YAML


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without int/float/timestamp guessing, with YAML 1.2 booleans only and with
    duplicate keys rejected."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag
        not in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:bool",
        )
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _read_yaml(path: Path, rel: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StandardError(
            f"文件不是 UTF-8 编码：{exc}", f"file is not UTF-8: {exc}", file=rel
        ) from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise StandardError(
            f"YAML 语法错误：{problem}",
            f"invalid YAML: {problem}",
            file=rel,
            path=where,
        ) from exc


# --------------------------------------------------------------------------------------------------
# problems


_PYDANTIC_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "不允许的键（拼写错误？）",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不符合要求",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
    "date_from_datetime_parsing": "不是日期（应写作 YYYY-MM-DD）",
    "date_parsing": "不是日期（应写作 YYYY-MM-DD）",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "int_parsing": "应为整数",
    "decimal_parsing": "应为数字",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "string_type": "应为文本",
    "value_error": "取值不合规则",
    "greater_than": "应大于下限",
}


def format_path(loc: Iterable[Any]) -> str:
    """``("fields", 3, "code_list")`` → ``fields[3].code_list``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Problems:
    def __init__(self) -> None:
        self.items: list[StandardError] = []

    def add(self, file: str, path: str, message_zh: str, message_en: str) -> None:
        self.items.append(StandardError(message_zh, message_en, file=file, path=path))

    def extend(self, errors: Iterable[StandardError]) -> None:
        self.items.extend(errors)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        if len(self.items) > 1:
            first = StandardError(
                f"{first.reason_zh}（另有 {len(self.items) - 1} 个问题）",
                f"{first.reason_en} (and {len(self.items) - 1} more problems)",
                file=first.file,
                path=first.path,
            )
        first.problems = list(self.items)
        raise first


def _validate(model: type[_M], data: Any, rel: str, problems: _Problems) -> _M | None:
    if not isinstance(data, dict):
        problems.add(
            rel, "", "文件内容应为映射（键: 值）", "the file must hold a mapping (key: value)"
        )
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            # model validators report their own bilingual text
            msg = error["msg"].removeprefix("Value error, ")
            zh = _PYDANTIC_ZH.get(error["type"], "取值不合规则")
            text_zh = msg if error["type"] == "value_error" else f"{zh}（{msg}）"
            problems.add(rel, format_path(error["loc"]), text_zh, msg)
        return None


# --------------------------------------------------------------------------------------------------
# loading


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


_Item = TypeVar("_Item", CodeList, RecordKind, ListDef, Memorandum)


def _load_folder(
    root: Path,
    folder: str,
    model: type[_Item],
    what: tuple[str, str],
    problems: _Problems,
) -> tuple[dict[str, _Item], dict[str, str]]:
    """Every YAML file of ``root/folder`` validated as ``model``, keyed by its code, which must
    equal the file name; with the file each came from (for later error messages)."""
    items: dict[str, _Item] = {}
    files: dict[str, str] = {}
    for file in _yaml_files(root / folder):
        rel = f"{folder}/{file.name}"
        item = _validate(model, _read_yaml(file, rel), rel, problems)
        if item is None:
            continue
        if item.code != file.stem:
            problems.add(
                rel,
                "code",
                f"{what[0]}“{item.code}”应与文件名“{file.stem}”一致",
                f"{what[1]} {item.code!r} must match the file name {file.stem!r}",
            )
            continue
        items[item.code] = item
        files[item.code] = rel
    return items, files


def load_standard_from(path: str | Path) -> Standard:
    """Load and check the standard in a version folder (the one holding ``standard.yaml``)."""
    root = Path(path)
    problems = _Problems()
    meta_file = root / "standard.yaml"
    if not meta_file.is_file():
        raise StandardError(
            f"目录 {root} 中没有 standard.yaml", f"no standard.yaml in {root}", file="standard.yaml"
        )
    meta = _validate(
        StandardMeta, _read_yaml(meta_file, "standard.yaml"), "standard.yaml", problems
    )

    code_lists, code_list_files = _load_folder(
        root, "code_lists", CodeList, ("代码表代码", "code list code"), problems
    )
    kinds, kind_files = _load_folder(
        root, "record_kinds", RecordKind, ("信息类别代码", "record kind code"), problems
    )
    lists, list_files = _load_folder(root, "lists", ListDef, ("名单代码", "list code"), problems)
    memoranda, memo_files = _load_folder(
        root, "measures", Memorandum, ("备忘录代码", "memorandum code"), problems
    )

    tables: dict[str, RuleTable] = {}
    rules_rel = "publication_rules.yaml"
    rules_file = root / rules_rel
    rules_data: PublicationRulesFile | None = None
    if rules_file.is_file():
        rules_data = _validate(
            PublicationRulesFile, _read_yaml(rules_file, rules_rel), rules_rel, problems
        )

    # shape problems first: cross-checks on half-read files only add noise
    problems.raise_if_any()
    assert meta is not None

    for code in REQUIRED_CODE_LISTS:
        if code not in code_lists:
            problems.add(
                f"code_lists/{code}.yaml",
                "",
                f"缺少加载器所需的代码表“{code}”",
                f"the code list {code!r} the loader relies on is missing",
            )
    problems.raise_if_any()

    for code, code_list in code_lists.items():
        _check_code_list(code_list, code_lists, code_list_files[code], problems)
    if rules_data is not None:
        for i, table in enumerate(rules_data.rule_tables):
            if table.id in tables:
                problems.add(
                    rules_rel,
                    f"rule_tables[{i}].id",
                    f"规则表编号“{table.id}”重复",
                    f"duplicate rule table id {table.id!r}",
                )
                continue
            tables[table.id] = table
    for code, kind in kinds.items():
        _check_kind(kind, code_lists, tables, kind_files[code], problems)
    if rules_data is not None:
        for i, table in enumerate(rules_data.rule_tables):
            _check_table(table, f"rule_tables[{i}]", kinds, code_lists, rules_rel, problems)

    def check_condition(condition: Condition, kind: RecordKind, rel: str, path: str) -> None:
        _check_condition(condition, kind, code_lists, rel, path, problems)

    check_lists(lists, list_files, kinds, code_lists, problems.add, check_condition)
    measures = check_memoranda(memoranda, memo_files, lists, code_lists, problems.add)
    problems.raise_if_any()

    return Standard(
        meta=meta,
        root=root,
        code_lists=code_lists,
        record_kinds=kinds,
        rule_tables=tables,
        lists=lists,
        memoranda=memoranda,
        measures=measures,
    )


# --------------------------------------------------------------------------------------------------
# cross-checks


def _check_code_list(
    code_list: CodeList, code_lists: Mapping[str, CodeList], rel: str, problems: _Problems
) -> None:
    owner: dict[str, str] = {}
    codes: set[str] = set()
    for i, entry in enumerate(code_list.entries):
        if entry.code in codes:
            problems.add(
                rel,
                f"entries[{i}].code",
                f"代码“{entry.code}”重复",
                f"duplicate code {entry.code!r}",
            )
            continue
        codes.add(entry.code)
        named = [("code", entry.code), ("label_zh", entry.label_zh), ("label_en", entry.label_en)]
        named += [(f"aliases[{j}]", alias) for j, alias in enumerate(entry.aliases)]
        for where, text in named:
            key = text.strip().casefold()
            other = owner.setdefault(key, entry.code)
            if other != entry.code:
                problems.add(
                    rel,
                    f"entries[{i}].{where}",
                    f"“{text}”已指向代码“{other}”，不能再指向“{entry.code}”（别名或名称有歧义）",
                    f"{text!r} already stands for code {other!r}, it cannot also stand for "
                    f"{entry.code!r} (ambiguous label or alias)",
                )
    if code_list.parent_list is not None:
        parent = code_lists.get(code_list.parent_list)
        if parent is None:
            problems.add(
                rel,
                "parent_list",
                f"上级代码表“{code_list.parent_list}”不存在",
                f"unknown parent code list {code_list.parent_list!r}",
            )
            return
        for i, entry in enumerate(code_list.entries):
            if entry.parent is not None and entry.parent not in parent.codes():
                problems.add(
                    rel,
                    f"entries[{i}].parent",
                    f"上级代码“{entry.parent}”不在代码表“{parent.code}”中",
                    f"parent {entry.parent!r} is not a code of {parent.code!r}",
                )
    else:
        for i, entry in enumerate(code_list.entries):
            if entry.parent is not None:
                problems.add(
                    rel,
                    f"entries[{i}].parent",
                    "代码表未声明 parent_list，条目不能写 parent",
                    "an entry has a parent but the code list declares no parent_list",
                )


def _check_condition(
    condition: Condition,
    kind: RecordKind,
    code_lists: Mapping[str, CodeList],
    rel: str,
    path: str,
    problems: _Problems,
) -> None:
    for key, children in (("all", condition.all_of), ("any", condition.any_of)):
        for i, child in enumerate(children or []):
            _check_condition(child, kind, code_lists, rel, f"{path}.{key}[{i}]", problems)
    if condition.not_ is not None:
        _check_condition(condition.not_, kind, code_lists, rel, f"{path}.not", problems)
    if condition.field is None:
        return
    if not kind.has_field(condition.field):
        problems.add(
            rel,
            f"{path}.field",
            f"条件引用的字段“{condition.field}”不在信息类别“{kind.code}”中",
            f"the condition refers to field {condition.field!r}, which record kind {kind.code!r} "
            "does not have",
        )
        return
    field = kind.field(condition.field)
    code_list = code_lists.get(field.code_list) if field.code_list else None
    for key, values in (("in", condition.in_), ("not_in", condition.not_in)):
        for i, value in enumerate(values or []):
            if code_list is None or value in code_list.codes():
                continue
            hint_zh = hint_en = ""
            if code_list.is_valid(value):
                canonical = code_list.normalise(value)
                hint_zh, hint_en = f"，应写“{canonical}”", f"; write {canonical!r}"
            problems.add(
                rel,
                f"{path}.{key}[{i}]",
                f"“{value}”不是代码表“{code_list.code}”的规范代码{hint_zh}",
                f"{value!r} is not a canonical code of code list {code_list.code!r}{hint_en}",
            )
    numeric = [condition.lt, condition.lte, condition.gt, condition.gte]
    if any(b is not None for b in numeric) and field.type not in ("decimal", "integer"):
        problems.add(
            rel,
            path,
            f"字段“{field.code}”不是数值字段，不能比较大小",
            f"field {field.code!r} is not numeric and cannot be compared with lt/lte/gt/gte",
        )


def _check_domain(
    kind: RecordKind, code_lists: Mapping[str, CodeList], rel: str, problems: _Problems
) -> None:
    spec = kind.domain
    if spec is None:
        return
    domains = code_lists.get("domain")
    if spec.value is not None and (domains is None or not domains.is_valid(spec.value)):
        problems.add(
            rel,
            "domain.value",
            f"领域“{spec.value}”不在代码表 domain 中",
            f"domain {spec.value!r} is not in code list domain",
        )
    if spec.field is not None:
        field = next((f for f in kind.fields if f.code == spec.field), None)
        if field is None or field.code_list != "domain":
            problems.add(
                rel,
                "domain.field",
                f"领域字段“{spec.field}”须是本类别中使用代码表 domain 的字段",
                f"domain field {spec.field!r} must be a field of this kind with code list domain",
            )


def _check_kind(
    kind: RecordKind,
    code_lists: Mapping[str, CodeList],
    tables: Mapping[str, RuleTable],
    rel: str,
    problems: _Problems,
) -> None:
    _check_domain(kind, code_lists, rel, problems)
    if not code_lists["report_section"].is_valid(kind.category):
        problems.add(
            rel,
            "category",
            f"类别“{kind.category}”不在代码表 report_section 中",
            f"category {kind.category!r} is not in code list report_section",
        )
    seen_codes: set[str] = set()
    seen_names: set[str] = set()
    identifier_kinds = code_lists["identifier_kind"]
    for i, field in enumerate(kind.fields):
        at = f"fields[{i}]"
        if field.code in seen_codes:
            problems.add(
                rel,
                f"{at}.code",
                f"字段代码“{field.code}”重复",
                f"duplicate field code {field.code!r}",
            )
        if field.name in seen_names:
            problems.add(
                rel,
                f"{at}.name",
                f"字段名“{field.name}”重复",
                f"duplicate field name {field.name!r}",
            )
        seen_codes.add(field.code)
        seen_names.add(field.name)
        if field.type == "code":
            if field.code_list is None:
                problems.add(
                    rel,
                    f"{at}.code_list",
                    "代码类型的字段必须指定 code_list",
                    "a field of type code needs a code_list",
                )
            elif field.code_list not in code_lists:
                problems.add(
                    rel,
                    f"{at}.code_list",
                    f"代码表“{field.code_list}”不存在",
                    f"unknown code list {field.code_list!r}",
                )
        else:
            if field.code_list is not None:
                problems.add(
                    rel,
                    f"{at}.code_list",
                    "只有代码类型（code）的字段可以指定 code_list",
                    "only fields of type code may name a code_list",
                )
            if field.multiple:
                problems.add(
                    rel,
                    f"{at}.multiple",
                    "只有代码类型的字段可以含多个值",
                    "only fields of type code may be multiple",
                )
        if field.type == "identifier":
            if field.identifier_kind is None:
                problems.add(
                    rel,
                    f"{at}.identifier_kind",
                    "标识符类型的字段必须指定 identifier_kind",
                    "a field of type identifier needs an identifier_kind",
                )
            elif not identifier_kinds.is_valid(field.identifier_kind):
                problems.add(
                    rel,
                    f"{at}.identifier_kind",
                    f"标识符种类“{field.identifier_kind}”不在代码表 identifier_kind 中",
                    f"identifier kind {field.identifier_kind!r} is not in code list "
                    "identifier_kind",
                )
        elif field.identifier_kind is not None:
            problems.add(
                rel,
                f"{at}.identifier_kind",
                "只有标识符类型（identifier）的字段可以指定 identifier_kind",
                "only fields of type identifier may name an identifier_kind",
            )
        if field.unit is not None and field.type not in ("decimal", "integer"):
            problems.add(
                rel,
                f"{at}.unit",
                "只有数值字段可以有计量单位",
                "only numeric fields may have a unit",
            )
        if field.long_term_value is not None and field.type != "date":
            problems.add(
                rel,
                f"{at}.long_term_value",
                "只有日期字段可以有“长期”取值",
                "only date fields may have a long_term_value",
            )
        if field.max_length is not None and field.type in ("date", "decimal", "integer"):
            problems.add(
                rel,
                f"{at}.max_length",
                "日期和数值字段不能有 max_length",
                "date and numeric fields may not have a max_length",
            )
        if field.required and field.required_when is not None:
            problems.add(
                rel,
                f"{at}.required_when",
                "必填字段不必再写 required_when",
                "a required field cannot also have required_when",
            )
    if any(p.file == rel for p in problems.items):
        # later checks look fields up; a broken field list would only echo the same problems
        return
    for i, field in enumerate(kind.fields):
        if field.required_when is not None:
            _check_condition(
                field.required_when, kind, code_lists, rel, f"fields[{i}].required_when", problems
            )
    for i, key in enumerate(kind.key_fields):
        if not kind.has_field(key):
            problems.add(
                rel,
                f"key_fields[{i}]",
                f"记录键字段“{key}”不存在",
                f"key field {key!r} is not a field of the record kind",
            )
    for i, constraint in enumerate(kind.constraints):
        if constraint.when is not None:
            _check_condition(
                constraint.when, kind, code_lists, rel, f"constraints[{i}].when", problems
            )
        for j, key in enumerate(constraint.one_of):
            if not kind.has_field(key):
                problems.add(
                    rel,
                    f"constraints[{i}].one_of[{j}]",
                    f"字段“{key}”不存在",
                    f"unknown field {key!r}",
                )
    publication = kind.publication
    for attr in ("start_field", "end_field"):
        key = getattr(publication, attr)
        if key is None:
            continue
        if not kind.has_field(key):
            problems.add(
                rel,
                f"publication.{attr}",
                f"字段“{key}”不存在",
                f"unknown field {key!r}",
            )
        elif kind.field(key).type != "date":
            problems.add(
                rel,
                f"publication.{attr}",
                f"字段“{key}”不是日期字段",
                f"field {key!r} is not a date field",
            )
    if publication.rule_table is not None:
        table = tables.get(publication.rule_table)
        if table is None:
            problems.add(
                rel,
                "publication.rule_table",
                f"规则表“{publication.rule_table}”不存在",
                f"unknown rule table {publication.rule_table!r}",
            )
        elif kind.code not in table.applies_to:
            problems.add(
                rel,
                "publication.rule_table",
                f"规则表“{table.id}”的 applies_to 未包含“{kind.code}”",
                f"rule table {table.id!r} does not list {kind.code!r} in applies_to",
            )
    if publication.withdrawn_when is not None:
        _check_condition(
            publication.withdrawn_when,
            kind,
            code_lists,
            rel,
            "publication.withdrawn_when",
            problems,
        )


def _check_table(
    table: RuleTable,
    at: str,
    kinds: Mapping[str, RecordKind],
    code_lists: Mapping[str, CodeList],
    rel: str,
    problems: _Problems,
) -> None:
    applied = []
    for i, code in enumerate(table.applies_to):
        if code not in kinds:
            problems.add(
                rel,
                f"{at}.applies_to[{i}]",
                f"信息类别“{code}”不存在",
                f"unknown record kind {code!r}",
            )
        else:
            applied.append(kinds[code])
    class_list = code_lists.get(table.class_list)
    if class_list is None:
        problems.add(
            rel,
            f"{at}.class_list",
            f"代码表“{table.class_list}”不存在",
            f"unknown code list {table.class_list!r}",
        )
    type_list: CodeList | None = None
    if table.type_field is not None:
        for kind in applied:
            if not kind.has_field(table.type_field):
                problems.add(
                    rel,
                    f"{at}.type_field",
                    f"信息类别“{kind.code}”没有字段“{table.type_field}”",
                    f"record kind {kind.code!r} has no field {table.type_field!r}",
                )
                continue
            field = kind.field(table.type_field)
            if field.code_list is None or field.code_list not in code_lists:
                problems.add(
                    rel,
                    f"{at}.type_field",
                    f"字段“{table.type_field}”应为代码字段",
                    f"field {table.type_field!r} must be a code field",
                )
                continue
            type_list = code_lists[field.code_list]

    # effective dates: each rule's span is sane, and no two spans overlap
    ids: set[str] = set()
    spans = []
    for j, rule in enumerate(table.rules):
        rp = f"{at}.rules[{j}]"
        if rule.id in ids:
            problems.add(
                rel, f"{rp}.id", f"规则编号“{rule.id}”重复", f"duplicate rule id {rule.id!r}"
            )
        ids.add(rule.id)
        if rule.effective_to is not None and rule.effective_to < rule.effective_from:
            problems.add(
                rel,
                f"{rp}.effective_to",
                "失效日期早于生效日期",
                "effective_to is earlier than effective_from",
            )
            continue
        spans.append((rule.effective_from, rule.effective_to or dt.date.max, j, rule))
    spans.sort(key=lambda s: s[0])
    for (_, end_a, ja, rule_a), (start_b, _, jb, rule_b) in pairwise(spans):
        if start_b <= end_a:
            problems.add(
                rel,
                f"{at}.rules[{jb}].effective_from",
                f"规则“{rule_b.id}”的生效期与规则“{rule_a.id}”（rules[{ja}]）重叠：同一日期只能有一条"
                "规则生效",
                f"the effective dates of rule {rule_b.id!r} overlap those of rule {rule_a.id!r} "
                f"(rules[{ja}]): only one rule may be in force on any date",
            )

    for j, rule in enumerate(table.rules):
        rp = f"{at}.rules[{j}]"
        class_codes: set[str] = set()
        for k, period_class in enumerate(rule.classes):
            cp = f"{rp}.classes[{k}]"
            if period_class.code in class_codes:
                problems.add(
                    rel,
                    f"{cp}.code",
                    f"类别“{period_class.code}”重复",
                    f"duplicate class {period_class.code!r}",
                )
            class_codes.add(period_class.code)
            if class_list is not None and period_class.code not in class_list.codes():
                problems.add(
                    rel,
                    f"{cp}.code",
                    f"类别“{period_class.code}”不在代码表“{class_list.code}”中",
                    f"class {period_class.code!r} is not in code list {class_list.code!r}",
                )
            probe = dt.date(2000, 1, 31)
            if add_period(probe, period_class.min_period) > add_period(
                probe, period_class.max_period
            ):
                problems.add(
                    rel,
                    f"{cp}.min_period",
                    "最短公示期长于最长公示期",
                    "min_period is longer than max_period",
                )
        if rule.default_class not in class_codes:
            problems.add(
                rel,
                f"{rp}.default_class",
                f"默认类别“{rule.default_class}”未在本规则的 classes 中定义",
                f"default class {rule.default_class!r} is not defined in the rule's classes",
            )
        for k, clause in enumerate(rule.classification):
            cp = f"{rp}.classification[{k}]"
            if clause.class_ not in class_codes:
                problems.add(
                    rel,
                    f"{cp}.class",
                    f"类别“{clause.class_}”未在本规则的 classes 中定义",
                    f"class {clause.class_!r} is not defined in the rule's classes",
                )
            if clause.penalty_types is not None:
                if table.type_field is None:
                    problems.add(
                        rel,
                        f"{cp}.penalty_types",
                        "规则表未声明 type_field，不能按处罚类别分类",
                        "the rule table declares no type_field, so penalty_types cannot be used",
                    )
                elif type_list is not None:
                    for m, value in enumerate(clause.penalty_types):
                        if value not in type_list.codes():
                            problems.add(
                                rel,
                                f"{cp}.penalty_types[{m}]",
                                f"“{value}”不是代码表“{type_list.code}”的规范代码",
                                f"{value!r} is not a canonical code of code list "
                                f"{type_list.code!r}",
                            )
            if clause.when is not None:
                for kind in applied:
                    _check_condition(clause.when, kind, code_lists, rel, f"{cp}.when", problems)


# --------------------------------------------------------------------------------------------------
# versions


def _version_key(name: str) -> tuple[int, int]:
    match = _VERSION.match(name)
    assert match
    return int(match.group(1)), int(match.group(2))


def available_versions(data_dir: Path | None = None) -> list[str]:
    """Versions shipped with the package, oldest first (``["v2026.1", …]``)."""
    base = data_dir or DATA_DIR
    found = (
        [
            p.name
            for p in base.iterdir()
            if p.is_dir() and _VERSION.match(p.name) and (p / "standard.yaml").is_file()
        ]
        if base.is_dir()
        else []
    )
    return sorted(found, key=_version_key)


def load_standard(version: str | None = None) -> Standard:
    """Load a shipped version of the standard (the latest when ``version`` is None)."""
    versions = available_versions()
    if not versions:
        raise StandardError(
            f"没有找到任何标准版本（{DATA_DIR}）", f"no version of the standard found in {DATA_DIR}"
        )
    chosen = version or versions[-1]
    if chosen not in versions:
        raise StandardError(
            f"没有标准版本“{chosen}”；已有：{', '.join(versions)}",
            f"no standard version {chosen!r}; available: {', '.join(versions)}",
        )
    standard = load_standard_from(DATA_DIR / chosen)
    if standard.meta.version != chosen:
        raise StandardError(
            f"版本号“{standard.meta.version}”应与目录名“{chosen}”一致",
            f"version {standard.meta.version!r} must match the folder name {chosen!r}",
            file="standard.yaml",
            path="version",
        )
    return standard


@lru_cache(maxsize=8)
def _cached(version: str | None) -> Standard:
    return load_standard(version)


def get_standard(version: str | None = None) -> Standard:
    """The standard, loaded once and cached: ``version``, else the ``CREDIT_YRD_STANDARD_VERSION``
    setting, else the latest shipped version."""
    if version is None:
        from credit_yrd.settings import get_settings

        version = get_settings().standard_version
    return _cached(version)


get_standard.cache_clear = _cached.cache_clear  # type: ignore[attr-defined]
