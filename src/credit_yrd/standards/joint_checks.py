"""Cross-checks of the lists and measures files against the rest of the standard.

Called by :func:`credit_yrd.standards.loader.load_standard_from` once every file has its shape;
each problem names the file and the path inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from credit_yrd.standards.joint_models import ListDef, Measure, Memorandum
from credit_yrd.standards.models import CodeList, Condition, RecordKind

Add = Callable[[str, str, str, str], None]
"""``add(file, path, message_zh, message_en)``"""
CheckCondition = Callable[[Condition, RecordKind, str, str], None]
"""``check(condition, kind, file, path)``"""


def _check_codes(
    values: list[str], code_list: CodeList | None, name: str, rel: str, path: str, add: Add
) -> None:
    for i, value in enumerate(values):
        if code_list is None or value not in code_list.codes():
            add(
                rel,
                f"{path}[{i}]",
                f"“{value}”不是代码表 {name} 的代码",
                f"{value!r} is not a code of code list {name!r}",
            )


def check_lists(
    lists: Mapping[str, ListDef],
    files: Mapping[str, str],
    kinds: Mapping[str, RecordKind],
    code_lists: Mapping[str, CodeList],
    add: Add,
    check_condition: CheckCondition,
) -> None:
    for code, item in lists.items():
        rel = files[code]
        if item.kind == "black" and item.list_domain is None:
            add(
                rel, "list_domain", "黑名单须写明名单领域", "a black list must name its list_domain"
            )
        if item.list_domain is not None:
            _check_codes(
                [item.list_domain],
                code_lists.get("list_domain"),
                "list_domain",
                rel,
                "list_domain",
                add,
            )
        _check_codes(
            item.deciding_domains, code_lists.get("domain"), "domain", rel, "deciding_domains", add
        )
        feed = item.from_records
        if feed is None:
            continue
        kind = kinds.get(feed.kind)
        if kind is None:
            add(
                rel,
                "from_records.kind",
                f"信息类别“{feed.kind}”不存在",
                f"record kind {feed.kind!r} does not exist",
            )
            continue
        for key, field in feed.fields.items():
            if not kind.has_field(field):
                add(
                    rel,
                    f"from_records.fields.{key}",
                    f"字段“{field}”不在信息类别“{kind.code}”中",
                    f"field {field!r} is not in record kind {kind.code!r}",
                )
        if feed.when is not None:
            check_condition(feed.when, kind, rel, "from_records.when")


def check_memoranda(
    memoranda: Mapping[str, Memorandum],
    files: Mapping[str, str],
    lists: Mapping[str, ListDef],
    code_lists: Mapping[str, CodeList],
    add: Add,
) -> dict[str, Measure]:
    """Every measure, keyed by its code and tagged with its memorandum; codes are unique across
    memoranda."""
    measures: dict[str, Measure] = {}
    for code, memo in memoranda.items():
        rel = files[code]
        for i, measure in enumerate(memo.measures):
            path = f"measures[{i}]"
            if measure.code in measures:
                add(
                    rel,
                    f"{path}.code",
                    f"措施代码“{measure.code}”重复（已见于 {measures[measure.code].memorandum}）",
                    f"duplicate measure code {measure.code!r} "
                    f"(already in {measures[measure.code].memorandum})",
                )
                continue
            for j, list_code in enumerate(measure.lists):
                if list_code not in lists:
                    add(
                        rel,
                        f"{path}.lists[{j}]",
                        f"名单“{list_code}”不存在",
                        f"list {list_code!r} does not exist",
                    )
                elif (lists[list_code].kind == "red") != (measure.nature == "reward"):
                    add(
                        rel,
                        f"{path}.lists[{j}]",
                        "激励措施只能由红名单触发，惩戒措施只能由黑名单触发",
                        "rewards are triggered by red lists, punishments by black lists",
                    )
            _check_codes(
                measure.implementing_domains,
                code_lists.get("domain"),
                "domain",
                rel,
                f"{path}.implementing_domains",
                add,
            )
            _check_codes(
                measure.scenarios,
                code_lists.get("scenario"),
                "scenario",
                rel,
                f"{path}.scenarios",
                add,
            )
            measures[measure.code] = measure.model_copy(update={"memorandum": code})
    return measures
