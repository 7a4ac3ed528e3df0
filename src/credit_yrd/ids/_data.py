"""Loading the maintained YAML files under ``credit_yrd/ids/data``."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

from credit_yrd.ids.errors import InvalidDataFile


def load_yaml(name: str) -> Any:
    resource = files("credit_yrd.ids") / "data" / name
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidDataFile(
            f"数据文件 {name} 无法读取：{exc}", f"data file {name} cannot be read: {exc}"
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidDataFile(
            f"数据文件 {name} 不是有效的 YAML：{exc}", f"data file {name} is not valid YAML: {exc}"
        ) from exc


def fail(name: str, where: str, problem_zh: str, problem_en: str) -> InvalidDataFile:
    return InvalidDataFile(
        f"数据文件 {name} 的 {where}：{problem_zh}", f"data file {name}, {where}: {problem_en}"
    )


def require_str(name: str, where: str, mapping: Any, key: str) -> str:
    if not isinstance(mapping, dict):
        raise fail(name, where, "应为映射", "must be a mapping")
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise fail(
            name, where, f"缺少非空字符串字段 {key}", f"needs a non-empty string field {key!r}"
        )
    return value
