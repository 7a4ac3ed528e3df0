"""The regional data standard (区域公共信用数据标准) as versioned data files.

The standard is data: record kinds and their fields, code lists, the publication rule tables, the red and black lists and the joint measures live
in YAML files under ``data/<version>/``; this package loads and checks them and answers questions
about them (which class a penalty falls in, until when a record is published).
"""

from credit_yrd.standards.errors import (
    NoRuleError,
    RecordValueError,
    StandardError,
    UnknownCodeError,
    UnknownItemError,
)
from credit_yrd.standards.joint_models import ListDef, Measure, Memorandum
from credit_yrd.standards.loader import (
    available_versions,
    get_standard,
    load_standard,
    load_standard_from,
)
from credit_yrd.standards.models import CodeList, FieldDef, RecordKind, RuleTable, Standard
from credit_yrd.standards.publication import (
    PenaltyClass,
    PublicationWindow,
    classify_penalty,
    publication_window,
)

__all__ = [
    "CodeList",
    "FieldDef",
    "ListDef",
    "Measure",
    "Memorandum",
    "NoRuleError",
    "PenaltyClass",
    "PublicationWindow",
    "RecordKind",
    "RecordValueError",
    "RuleTable",
    "Standard",
    "StandardError",
    "UnknownCodeError",
    "UnknownItemError",
    "available_versions",
    "classify_penalty",
    "get_standard",
    "load_standard",
    "load_standard_from",
    "publication_window",
]
