"""``credit-yrd standard``: browse the regional data standard (record kinds, fields, code lists,
publication rule tables), check a data folder, and ask for a record's publication window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from credit_yrd.cli.context import CliState, state
from credit_yrd.cli.output import fail, json_line, out
from credit_yrd.clock import SYSTEM_CLOCK
from credit_yrd.standards import (
    Standard,
    available_versions,
    get_standard,
    load_standard_from,
    publication_window,
)
from credit_yrd.standards.models import CodeList, RecordKind, RuleTable

app = typer.Typer(
    help="区域数据标准：记录类型、字段、代码表、公示规则 (the regional data standard).",
    no_args_is_help=True,
)

VersionOption = Annotated[
    str | None, typer.Option("--version", "-V", help="标准版本，缺省为最新 (standard version)")
]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON (print JSON)")]
WHAT = ("kinds", "codes", "rules", "versions")

WINDOW_LABELS = {
    "record_kind": ("记录类型", "record kind"),
    "start": ("公示起始日", "publication starts"),
    "rule_table": ("规则表", "rule table"),
    "rule_id": ("适用规则", "rule applied"),
    "rule_title_zh": ("规则名称", "rule title (zh)"),
    "rule_title_en": ("规则英文名称", "rule title"),
    "document_number": ("文号", "document number"),
    "class_code": ("失信信息类别", "class"),
    "class_label_zh": ("类别名称", "class name (zh)"),
    "class_label_en": ("类别英文名称", "class name"),
    "published_by_default": ("默认公示", "published by default"),
    "min_end": ("最短公示期届满", "minimum period ends"),
    "max_end": ("最长公示期届满", "maximum period ends"),
    "repairable": ("可修复", "repairable"),
    "withdrawn": ("已撤销或删除", "withdrawn"),
    "long_term": ("长期有效", "long-term"),
    "on": ("判断日期", "on date"),
    "published_on": ("当日是否公示", "published on that date"),
    "may_end_by_repair_on": ("当日可否经修复终止公示", "repair may end publication then"),
}

SENSITIVITY = {
    "public": ("公开", "public"),
    "shared": ("共享", "shared"),
    "restricted": ("受限", "restricted"),
}


def _standard(st: CliState, version: str | None) -> Standard:
    return get_standard(version or st.settings.standard_version)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    what: Annotated[
        str, typer.Argument(help="kinds（记录类型）| codes（代码表）| rules（规则表）| versions")
    ] = "kinds",
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """列出记录类型、代码表、规则表或版本 (list record kinds, code lists, rule tables or versions)."""
    st = state(ctx)
    if what not in WHAT:
        fail(
            f"只能列出 {' / '.join(WHAT)}，不认识 {what!r}",
            f"can list {' / '.join(WHAT)}, not {what!r}",
            st.lang,
        )
    if what == "versions":
        versions = available_versions()
        if as_json:
            json_line(versions)
        else:
            for v in versions:
                out.print(v)
        return
    std = _standard(st, version)
    listers: dict[str, Callable[[], Sequence[Any]]] = {
        "kinds": std.list_record_kinds,
        "codes": std.list_code_lists,
        "rules": std.publication_rules,
    }
    items = listers[what]()
    if as_json:
        json_line(
            [
                {
                    "code": i.code if hasattr(i, "code") else i.id,
                    "label_zh": i.label_zh,
                    "label_en": i.label_en,
                }
                for i in items
            ]
        )
        return
    table = Table(
        title=f"{std.meta.title_zh} {std.version}", box=None, padding=(0, 2), title_justify="left"
    )
    table.add_column(st.t("代码", "code"))
    table.add_column(st.t("名称", "name"))
    table.add_column(st.t("说明", "detail"))
    for item in items:
        if isinstance(item, RecordKind):
            detail = st.t(
                f"{len(item.fields)} 个字段，{item.category}",
                f"{len(item.fields)} fields, section {item.category}",
            )
        elif isinstance(item, CodeList):
            detail = st.t(f"{len(item.entries)} 项", f"{len(item.entries)} entries")
        else:
            detail = st.t(f"{len(item.rules)} 条规则", f"{len(item.rules)} rules")
        code = item.id if isinstance(item, RuleTable) else item.code
        table.add_row(escape(code), escape(st.t(item.label_zh, item.label_en)), escape(detail))
    out.print(table)


def _show_kind(kind: RecordKind, st: CliState) -> None:
    out.print(f"[bold]{escape(kind.label_zh)}[/] ({escape(kind.label_en)}) · {escape(kind.code)}")
    out.print(
        st.t(
            f"报告栏目：{kind.category}；记录键：{', '.join(kind.key_fields)}",
            f"report section: {kind.category}; record key: {', '.join(kind.key_fields)}",
        )
    )
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("字段", "field"),
        ("名称", "name"),
        ("类型", "type"),
        ("必填", "required"),
        ("代码表", "code list"),
        ("敏感度", "sensitivity"),
    ):
        table.add_column(st.t(zh, en))
    for f in kind.fields:
        required = (
            st.t("是", "yes")
            if f.required
            else (st.t("条件", "conditional") if f.required_when is not None else "")
        )
        kind_of = f.type + (f"/{f.identifier_kind}" if f.identifier_kind else "")
        table.add_row(
            escape(f.code),
            escape(st.t(f.label_zh, f.label_en)),
            escape(kind_of),
            required,
            escape(f.code_list or ""),
            st.t(*SENSITIVITY[f.sensitivity]),
        )
    out.print(table)


def _show_code_list(codes: CodeList, st: CliState) -> None:
    out.print(
        f"[bold]{escape(codes.label_zh)}[/] ({escape(codes.label_en)}) · {escape(codes.code)}"
    )
    table = Table(box=None, padding=(0, 2))
    for zh, en in (("代码", "code"), ("中文", "Chinese"), ("英文", "English"), ("别名", "aliases")):
        table.add_column(st.t(zh, en))
    for entry in codes.ordered():
        table.add_row(
            escape(entry.code),
            escape(entry.label_zh),
            escape(entry.label_en),
            escape(", ".join(entry.aliases)),
        )
    out.print(table)


def _show_rules(rules: RuleTable, st: CliState) -> None:
    out.print(f"[bold]{escape(rules.label_zh)}[/] ({escape(rules.label_en)}) · {escape(rules.id)}")
    table = Table(box=None, padding=(0, 2))
    for zh, en in (
        ("规则", "rule"),
        ("文号", "document"),
        ("施行", "from"),
        ("截止", "to"),
        ("类别：最短—最长公示期", "classes: min–max publication"),
    ):
        table.add_column(st.t(zh, en))
    for rule in rules.rules:
        classes = "; ".join(
            f"{c.code} {c.min_period}–{c.max_period}"
            + ("" if c.published else st.t("（默认不公示）", " (unpublished)"))
            for c in rule.classes
        )
        table.add_row(
            escape(st.t(rule.title_zh, rule.title_en)),
            escape(rule.document_number),
            str(rule.effective_from),
            str(rule.effective_to or "—"),
            escape(classes),
        )
    out.print(table)


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="记录类型、代码表或规则表的代码 (a kind, code list or rule table)")
    ],
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """显示一个记录类型、代码表或规则表 (show one record kind, code list or rule table)."""
    st = state(ctx)
    std = _standard(st, version)
    item: Any = std.record_kinds.get(name) or std.code_lists.get(name) or std.rule_tables.get(name)
    if item is None:
        fail(
            f"标准 {std.version} 中没有 {name!r}；可用 `credit-yrd standard list` 查看",
            f"{name!r} is not in standard {std.version}; see `credit-yrd standard list`",
            st.lang,
        )
    if as_json:
        json_line(_dump(item))
    elif isinstance(item, RecordKind):
        _show_kind(item, st)
    elif isinstance(item, CodeList):
        _show_code_list(item, st)
    else:
        _show_rules(item, st)


@app.command("check")
def check_cmd(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="标准版本目录 (a version folder of data files)")],
) -> None:
    """校验一个标准数据目录，逐条报告问题 (validate a folder of standard data files)."""
    st = state(ctx)
    std = load_standard_from(folder)
    out.print(
        st.t(
            f"标准 {std.version} 有效：{len(std.record_kinds)} 个记录类型，{len(std.code_lists)} 个代码表，"
            f"{len(std.rule_tables)} 个规则表",
            f"standard {std.version} is valid: {len(std.record_kinds)} record kinds, "
            f"{len(std.code_lists)} code lists, {len(std.rule_tables)} rule tables",
        )
    )


@app.command("window")
def window_cmd(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="记录类型，如 penalty (record kind)")],
    values: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", help="字段=值，如 CF_CFLB=罚款 (FIELD=VALUE; repeatable)"),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="判断日期 YYYY-MM-DD，缺省为今天 (date)")
    ] = None,
    version: VersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """一条记录适用的公示规则与公示期 (which publication rule and window apply to a record)."""
    st = state(ctx)
    record: dict[str, str] = {}
    for item in values or []:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            fail(
                f"--set 须为 字段=值，得到 {item!r}",
                f"--set takes FIELD=VALUE, got {item!r}",
                st.lang,
            )
        record[field.strip()] = value.strip()
    day = None
    if on is not None:
        try:
            day = dt.date.fromisoformat(on)
        except ValueError:
            fail(
                f"--on 须为 YYYY-MM-DD 日期，得到 {on!r}",
                f"--on takes a YYYY-MM-DD date, got {on!r}",
                st.lang,
            )
    window = publication_window(kind, record, on=day, standard=_standard(st, version))
    data = window.to_dict(day or SYSTEM_CLOCK.today())
    if as_json:
        json_line(data)
        return
    table = Table(box=None, padding=(0, 2), show_header=False)
    for key, value in data.items():
        label = st.t(*WINDOW_LABELS[key]) if key in WINDOW_LABELS else key
        if isinstance(value, bool):
            shown = st.t("是", "yes") if value else st.t("否", "no")
        else:
            shown = "—" if value is None else str(value)
        table.add_row(escape(label), escape(shown))
    out.print(table)
