"""Credit files (信用档案) and record details, as each audience may see them.

One file per subject across the region: the subject's basics, then the sections of the national
public credit report in the order of code list ``report_section``, each holding the subject's
current records (the latest version of each record) of the kinds filed under that section.

Audiences (:class:`Audience`; which caller gets which is :mod:`credit_yrd.ledger.audiences`):

- ``public`` — only fields the standard marks ``public``; only records whose latest version is
  ``active``, whose publication window is open on the day asked about and that are not repaired
  (``records.repaired_on`` after that day or none: credit repair ends publication); values of personal
  document fields never appear (not even masked: the field is not public), identifiers pass
  through :func:`credit_yrd.ids.masking.mask` (public codes stay, anything that reads as a
  resident ID number is masked), any resident ID number inside free text is masked, and a natural
  person's name is masked (张三 → 张*): the name of a subject that is a natural person, and the
  name of any party or shareholder a record says is a natural person (``party_type`` 自然人),
  in whoever's file it stands.
- ``authority`` — a department or credit office reading with a stated purpose: ``public`` and
  ``shared`` fields in clear, ``restricted`` fields only in their masked form, every current record
  whatever its status or window, but only records in the reader's scope: the record's source's
  province is the reader's (``None`` is the whole region; records of a national source, which has
  no province, are in every scope), and, for a department, the record's domain (``records.domain``,
  else :meth:`~credit_yrd.standards.models.RecordKind.domain_of`) is the department's or none
  (cross-domain kinds: registration, licences, commitments …). Each such read writes one row to
  the access log (:mod:`credit_yrd.ledger.audit`) in the caller's transaction. Repaired records
  are no longer shared (停止共享): a department does not see them; a credit office (reader role
  ``credit_office``) still does, marked ``repaired``.
- ``authorised`` — a market institution reading under the subject's authorisation: the fields of
  the authority view, every province, every domain; logged as the authority view is, with the
  authorisation as its purpose; never repaired records.
- ``subject`` — the subject reading its own file: every current record whatever its status,
  window, province or domain, every field (restricted ones in clear; personal document numbers,
  which the store keeps only as ``{hash, masked}``, in their masked form), and ``reads``: the
  access-log rows about it, newest first. Not logged.

Every record carries ``marks`` (:data:`MARKS`): ``objection`` while an objection about it is being
handled (``records.objection_open``; every audience, the public's 异议处理中 included),
``repaired`` once repaired, and ``ended`` once its publication window is over (non-public views
only: the public does not see such records at all).

A file is served a page at a time (:data:`DEFAULT_PAGE_SIZE` records, at most
:data:`MAX_PAGE_SIZE`): records in section order, then newest first, then kind and id; the opaque
``next_cursor`` names the last record served, so that the next page starts right after it with no
gap and no repeat. Only the records of the page are logged as read.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from credit_yrd.auth.roles import Role
from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.ids import resident_id
from credit_yrd.ids._text import compact_text
from credit_yrd.ids.detect import could_be_resident_id
from credit_yrd.ids.divisions import province_name
from credit_yrd.ids.masking import mask, mask_resident_id
from credit_yrd.ledger.audit import (
    DEFAULT_LIMIT,
    AccessLogPage,
    Reader,
    log_read,
    reads_of_subject,
)
from credit_yrd.standards.models import FieldDef, RecordKind, Standard
from credit_yrd.standards.publication import PublicationWindow, publication_window
from credit_yrd.store.records import history, latest_versions
from credit_yrd.store.schema import records, sources, subjects

#: The reader role that still sees repaired records in the authority view.
CREDIT_OFFICE = Role.CREDIT_OFFICE.value

DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000
CURSOR_MAX_CHARS = 400


class Audience(StrEnum):
    PUBLIC = "public"
    AUTHORITY = "authority"
    AUTHORISED = "authorised"
    SUBJECT = "subject"


class ReaderRequiredError(CreditYrdError):
    """An authority or authorised view was asked for without a reader to log."""


class NotOwnFileError(CreditYrdError):
    """The subject view was asked for by someone other than the subject itself."""


class InvalidCursorError(CreditYrdError):
    """A page cursor that this file did not hand out."""

    def __init__(self) -> None:
        super().__init__(
            "cursor 无效：请使用上一页返回的 next_cursor",
            "invalid cursor: use the next_cursor of the page before",
        )


class RecordNotVisibleError(CreditYrdError):
    """No such record, or not one this audience may see (the two are not told apart)."""


#: The marks a record may carry, with their labels (the public sees only ``objection``).
MARKS: dict[str, tuple[str, str]] = {
    "objection": ("异议处理中", "objection being handled"),
    "repaired": ("已信用修复", "repaired"),
    "ended": ("公示期已满", "publication period over"),
}


SUBJECT_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "legal_person": ("法人", "Legal person"),
    "individual_business": ("个体工商户", "Individual business"),
    "organisation": ("非法人组织", "Unincorporated organisation"),
    "public_body": ("机关事业单位", "Public body"),
    "natural_person": ("自然人", "Natural person"),
}

#: Identifier kinds that are public numbers of documents or organisations (行政处罚决定书文号,
#: 案号 …): shown as they are, except an ID number inside them. Any other identifier (codes, tax
#: registration numbers, which were often the operator's ID number) goes through ``mask``.
PUBLIC_NUMBER_KINDS = frozenset(
    {"document_number", "case_number", "public_institution_cert_no", "social_org_reg_no"}
)

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    """A natural person's name for public output: the first character, the rest as ``*``."""
    text = (name or "").strip()
    if not text:
        return ""
    return text[0] + "*" * (len(text) - 1) if len(text) > 1 else "*"


def scrub_resident_ids(text: str) -> str:
    """Mask every valid 18-character resident ID number inside free text."""

    def repl(match: re.Match[str]) -> str:
        value = match.group(0)
        return mask_resident_id(value) if resident_id.is_valid(value) else value

    return _ID_IN_TEXT.sub(repl, text)


# --- shapes ----------------------------------------------------------------------------------


class CodeLabel(BaseModel):
    """一个代码值及其名称 (a code value with its labels)."""

    code: str = Field(description="代码值 (code value)")
    label_zh: str | None = Field(description="中文名称；代码表中没有时为空 (Chinese label)")
    label_en: str | None = Field(description="英文名称 (English label)")


class FieldValue(BaseModel):
    """记录中的一个字段 (one field of a record, as the audience may see it)."""

    code: str = Field(description="字段代码，如 CF_CFLB (field code)")
    label_zh: str = Field(description="字段中文名 (Chinese field label)")
    label_en: str = Field(description="字段英文名 (English field label)")
    sensitivity: str = Field(description="public / shared / restricted")
    value: str | list[str] | None = Field(
        description="显示值；多值代码为列表 (display value; a list for multi-valued codes)"
    )
    codes: list[CodeLabel] | None = Field(
        default=None, description="代码型字段的代码及名称 (codes with labels, for code fields)"
    )
    masked: bool = Field(default=False, description="值已脱敏 (the value is masked)")


class SourceInfo(BaseModel):
    """数据来源单位：省级平台或全国平台 (the provincial or national platform that sent a record)."""

    code: str = Field(description="来源代码 (source code)")
    name_zh: str = Field(description="来源中文名 (Chinese name)")
    name_en: str = Field(description="来源英文名 (English name)")
    province: str | None = Field(description="省级区划代码前两位；全国为空 (province, two digits)")


class FileRecord(BaseModel):
    """档案中的一条记录（当前版本）(one record of a file: its current version)."""

    id: int = Field(description="记录编号 (record id)")
    kind: str = Field(description="信息类别代码 (record kind)")
    kind_label_zh: str = Field(description="信息类别中文名 (record kind, Chinese)")
    kind_label_en: str = Field(description="信息类别英文名 (record kind, English)")
    section: str = Field(description="所属报告栏目 (report section)")
    source: SourceInfo
    department: str | None = Field(description="认定或报送部门 (deciding or reporting department)")
    date: dt.date | None = Field(description="决定或起始日期 (decision or start date)")
    status: str = Field(description="active / withdrawn / deleted / corrected")
    version: int = Field(description="当前版本号 (current version number)")
    version_count: int = Field(description="版本数 (number of versions)")
    fields: list[FieldValue]
    publication: dict[str, Any] | None = Field(
        description="公示期，含当日是否公示 (publication window and whether it is published on "
        "the day asked about); null when it cannot be computed"
    )
    marks: list[str] = Field(
        default_factory=list,
        description="标记：objection 异议处理中 / repaired 已信用修复 / ended 公示期已满（后两者仅"
        "非公开视图）(marks: objection being handled; repaired; publication over — the last two "
        "in non-public views only)",
    )
    mark_labels: list[CodeLabel] = Field(
        default_factory=list, description="标记及其名称 (the marks with their labels)"
    )


class Section(BaseModel):
    """报告栏目 (a section of the report)."""

    code: str = Field(description="栏目代码 (section code)")
    label_zh: str
    label_en: str
    records: list[FileRecord]


class SubjectBasics(BaseModel):
    """主体基本信息 (the subject's basics)."""

    id: int = Field(description="主体编号 (subject id)")
    name: str = Field(description="名称；自然人公开时脱敏 (name; masked for persons in public)")
    subject_type: str = Field(description="主体类型 (subject type)")
    subject_type_label_zh: str
    subject_type_label_en: str
    uscc: str | None = Field(description="统一社会信用代码 (unified social credit code)")
    masked_id: str | None = Field(
        description="自然人身份证号（脱敏）(a person's ID number, masked)"
    )
    province: str | None = Field(description="省级区划代码前两位 (province, two digits)")
    province_name: str | None = Field(description="省份名称 (province name)")
    division: str | None = Field(description="行政区划代码 (division code)")


AUDIENCE_DESCRIPTION = (
    "视图：public 公众 / authority 政务部门 / authorised 经主体授权的市场机构 / subject 主体本人 "
    "(the audience served: public, authority, authorised institution, the subject itself)"
)


class CreditFile(BaseModel):
    """信用档案的一页 (one page of a subject's credit file across the region).

    ``sections`` always lists every section in report order; each holds the records of this page
    only. ``record_count`` counts the whole file; ``next_cursor`` continues it (null: last page).
    """

    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    on: dt.date = Field(description="以该日判断公示期 (the day publication is judged on)")
    standard_version: str = Field(description="数据标准版本 (standard version)")
    subject: SubjectBasics
    sections: list[Section]
    record_count: int = Field(
        description="档案中的记录数（全部页）(records in this file, over all pages)"
    )
    access_logged: bool = Field(description="本次读取已记入访问日志 (this read was logged)")
    returned: int = Field(default=0, description="本页记录数 (records on this page)")
    limit: int = Field(
        default=DEFAULT_PAGE_SIZE, description="每页记录数上限 (records per page, at most)"
    )
    next_cursor: str | None = Field(
        default=None,
        description="下一页的 cursor（不透明字符串）；为空表示已是最后一页 "
        "(opaque cursor of the next page; null on the last page)",
    )
    reads: AccessLogPage | None = Field(
        default=None,
        description="仅主体本人视图：谁读取了本主体的非公开信息，新在前；更多见 "
        "/api/v1/me/access-log?cursor=reads.next_cursor (subject view only: who read this "
        "subject's non-public data, newest first)",
    )


class VersionView(BaseModel):
    """记录的一个版本 (one version of a record)."""

    version: int
    status: str = Field(description="active / withdrawn / deleted / corrected")
    source: str = Field(description="报送该版本的来源 (source of this version)")
    department: str | None
    received_at: dt.datetime = Field(description="接收时间 (when it was received)")
    valid_from: dt.date | None = Field(description="生效日期 (valid from)")
    batch_id: int | None = Field(
        default=None, description="批次编号，仅政务视图 (batch id; authority view only)"
    )
    fields: list[FieldValue]


class RecordDetail(BaseModel):
    """一条记录及其全部版本 (a record with its version history)."""

    audience: Audience = Field(description=AUDIENCE_DESCRIPTION)
    on: dt.date
    subject_id: int | None = Field(description="所属主体编号 (subject id)")
    subject_name: str | None = Field(description="主体名称 (subject name)")
    record: FileRecord
    versions: list[VersionView] = Field(
        description="全部版本，旧在前 (every version, oldest first)"
    )
    access_logged: bool


# --- building --------------------------------------------------------------------------------


#: A record's person fields by the standard's naming: the name field of a party or shareholder
#: and the field stating what kind of subject it is (code list ``subject_type``).
_PERSON_PAIRS = (
    ("party_name", "party_type"),
    ("name", "subject_type"),
    ("shareholder_name", "shareholder_type"),
)
NATURAL_PERSON = "自然人"


def person_name_fields(kind: RecordKind, content: Mapping[str, Any]) -> frozenset[str]:
    """Codes of the name fields of ``kind`` that, in this record, name a natural person."""
    found = set()
    for name_field, type_field in _PERSON_PAIRS:
        if not (kind.has_field(name_field) and kind.has_field(type_field)):
            continue
        if content.get(kind.field(type_field).code) == NATURAL_PERSON:
            found.add(kind.field(name_field).code)
    return frozenset(found)


class AudienceView:
    """What one audience may see, for one subject (or none)."""

    def __init__(
        self,
        audience: Audience,
        on: dt.date,
        standard: Standard,
        reader: Reader | None,
        person_name: str | None,
        mask_person_names: bool | None = None,
    ) -> None:
        if audience in (Audience.AUTHORITY, Audience.AUTHORISED) and reader is None:
            raise ReaderRequiredError(
                "政务视图或授权视图须提供读取者及目的",
                "the authority and authorised views need a reader and a purpose",
            )
        self.audience = audience
        self.on = on
        self.standard = standard
        self.reader = reader if audience in (Audience.AUTHORITY, Audience.AUTHORISED) else None
        self.person_name = person_name
        #: Natural persons named as parties are masked: always in public output, and where a
        #: caller asks (the change feed for platforms, which may not see persons' names).
        self.mask_person_names = (
            audience is Audience.PUBLIC if mask_person_names is None else mask_person_names
        )

    @property
    def public(self) -> bool:
        return self.audience is Audience.PUBLIC

    @property
    def logged(self) -> bool:
        return self.reader is not None

    def in_scope(self, source: SourceInfo, domain: str | None) -> bool:
        if self.audience is not Audience.AUTHORITY or self.reader is None:
            return True
        province, wanted = self.reader.province, self.reader.domain
        if province is not None and source.province is not None and source.province != province:
            return False
        return wanted is None or domain is None or domain == wanted

    def window(self, kind: RecordKind, content: Mapping[str, Any]) -> PublicationWindow | None:
        try:
            return publication_window(kind.code, content, on=self.on, standard=self.standard)
        except CreditYrdError:
            return None

    def repaired(self, repaired_on: dt.date | None) -> bool:
        """Whether credit repair has ended the record's publication by the day asked about."""
        return repaired_on is not None and repaired_on <= self.on

    @property
    def sees_repaired(self) -> bool:
        """Repaired records are shown to the subject itself and to credit offices only: they are
        neither published nor shared (停止共享) any more."""
        if self.audience is Audience.SUBJECT:
            return True
        return (
            self.audience is Audience.AUTHORITY
            and self.reader is not None
            and self.reader.role == CREDIT_OFFICE
        )

    def visible(
        self,
        status: str,
        window: PublicationWindow | None,
        source: SourceInfo,
        domain: str | None,
        repaired_on: dt.date | None = None,
    ) -> bool:
        if self.repaired(repaired_on) and not self.sees_repaired:
            return False
        if self.public:
            return status == "active" and window is not None and window.is_published(self.on)
        return self.in_scope(source, domain)

    def marks(
        self, window: PublicationWindow | None, repaired_on: dt.date | None, objection_open: bool
    ) -> list[str]:
        """The marks of a record this view shows (see :data:`MARKS`)."""
        found: list[str] = []
        if objection_open:
            found.append("objection")
        if self.repaired(repaired_on):
            found.append("repaired")
        if (
            not self.public
            and window is not None
            and window.max_end is not None
            and window.max_end < self.on
        ):
            found.append("ended")
        return found

    def fields(self, kind: RecordKind, content: Mapping[str, Any]) -> list[FieldValue]:
        persons = person_name_fields(kind, content) if self.mask_person_names else frozenset()
        shown: list[FieldValue] = []
        for field in kind.fields:
            if field.code not in content or content[field.code] in (None, "", []):
                continue
            if self.public and field.sensitivity != "public":
                continue
            shown.append(self._field(field, content[field.code], field.code in persons))
        return shown

    def _field(self, field: FieldDef, raw: Any, person: bool = False) -> FieldValue:
        def make(
            value: str | list[str], codes: list[CodeLabel] | None = None, masked: bool = False
        ) -> FieldValue:
            return FieldValue(
                code=field.code,
                label_zh=field.label_zh,
                label_en=field.label_en,
                sensitivity=field.sensitivity,
                value=value,
                codes=codes,
                masked=masked,
            )

        if isinstance(raw, Mapping):  # a person document: {"hash", "masked"}
            return make(str(raw.get("masked") or "****"), masked=True)
        many = isinstance(raw, list)
        values = [str(v) for v in (raw if many else [raw])]
        if field.sensitivity == "restricted":
            if self.audience is not Audience.SUBJECT:
                hidden = [mask(v) for v in values]
                return make(hidden if many else hidden[0], masked=True)
            if field.type == "identifier":  # the subject's own: still no resident ID in clear
                hidden = [mask(v) for v in values]
                return make(hidden if many else hidden[0], masked=hidden != values)
        if field.type == "code" and field.code_list:
            codes = [self._code(field.code_list, v) for v in values]
            return make(values if many else values[0], codes=codes)
        if person:  # public output, a natural person's name
            names = [mask_name(v) for v in values]
            return make(names if many else names[0], masked=True)
        texts = [self._text(field, v) for v in values]
        shown = [t for t, _ in texts]
        return make(shown if many else shown[0], masked=any(m for _, m in texts))

    def _text(self, field: FieldDef, text: str) -> tuple[str, bool]:
        if not self.public:
            # Free text never carries an ID number in clear, whoever reads: the number belongs
            # in a document field, which holds only its hash and masked form.
            out = scrub_resident_ids(text) if _may_hold_id_number(text) else text
            return out, out != text
        if self.person_name and text.strip() == self.person_name:
            return mask_name(text), True
        code = field.type == "identifier" and field.identifier_kind not in PUBLIC_NUMBER_KINDS
        out = public_text(text, code)
        return out, out != text

    def _code(self, list_code: str, value: str) -> CodeLabel:
        code_list = self.standard.code_lists.get(list_code)
        if code_list is not None and code_list.is_valid(value):
            entry = code_list.entry(value)
            return CodeLabel(code=value, label_zh=entry.label_zh, label_en=entry.label_en)
        return CodeLabel(code=value, label_zh=None, label_en=None)


_ASCII_DIGITS = "0123456789"
_WIDE_DIGIT = re.compile("[\uff10-\uff19]")


def _may_hold_id_number(text: str) -> bool:
    """False when ``text`` cannot hold a resident ID number (too short, too few digits): the
    cheap test that spares most values the full checks."""
    if len(text) < 15:
        return False
    return sum(map(text.count, _ASCII_DIGITS)) >= 15 or _WIDE_DIGIT.search(text) is not None


@lru_cache(maxsize=65_536)
def public_text(text: str, code: bool) -> str:
    """A value as public output shows it. ``code``: an identifier that is not a public document
    number goes through :func:`~credit_yrd.ids.masking.mask` (public codes stay, anything that
    reads as an ID number is masked); any other text keeps everything but ID numbers. Pure, so
    cached: authorities' names and codes repeat across records."""
    if code:
        return mask(text)
    if not _may_hold_id_number(text):
        return text
    if could_be_resident_id(compact_text(text)):
        return mask_resident_id(text)  # a document number shaped like an ID number
    return scrub_resident_ids(text)


def _sources(conn: Connection) -> dict[str, SourceInfo]:
    return {
        row.code: SourceInfo(
            code=row.code, name_zh=row.name_zh, name_en=row.name_en, province=row.province
        )
        for row in conn.execute(select(sources))
    }


def _source(known: Mapping[str, SourceInfo], code: str) -> SourceInfo:
    return known.get(code) or SourceInfo(code=code, name_zh=code, name_en=code, province=None)


def _masked_person_id(subject: Row[Any], contents: Sequence[Mapping[str, Any]]) -> str | None:
    """A person's masked ID number, from a document field of its records that carries its hash."""
    if subject.subject_type != "natural_person":
        return None
    for content in contents:
        for value in content.values():
            if isinstance(value, Mapping) and value.get("hash") == subject.person_hash:
                masked = value.get("masked")
                if masked:
                    return str(masked)
    return None


def _basics(subject: Row[Any], view: AudienceView, masked_id: str | None) -> SubjectBasics:
    zh, en = SUBJECT_TYPE_LABELS.get(subject.subject_type, (subject.subject_type,) * 2)
    person = subject.subject_type == "natural_person"
    return SubjectBasics(
        id=int(subject.id),
        name=mask_name(subject.name) if person and view.public else subject.name,
        subject_type=subject.subject_type,
        subject_type_label_zh=zh,
        subject_type_label_en=en,
        uscc=subject.uscc,
        masked_id=masked_id,
        province=subject.province,
        province_name=province_name(subject.province) if subject.province else None,
        division=subject.division,
    )


def _file_record(
    view: AudienceView,
    record_id: int,
    kind: RecordKind,
    source: SourceInfo,
    content: Mapping[str, Any],
    status: str,
    department: str | None,
    version: int,
    valid_from: dt.date | None,
    window: PublicationWindow | None,
    state: _RecordState,
) -> FileRecord:
    marks = view.marks(window, state.repaired_on, state.objection_open)
    return FileRecord(
        id=record_id,
        kind=kind.code,
        kind_label_zh=kind.label_zh,
        kind_label_en=kind.label_en,
        section=kind.category,
        source=source,
        department=department,
        date=window.start if window is not None else valid_from,
        status=status,
        version=version,
        version_count=version,  # versions are numbered 1..n with no gaps
        fields=view.fields(kind, content),
        publication=window.to_dict(view.on) if window is not None else None,
        marks=marks,
        mark_labels=[CodeLabel(code=m, label_zh=MARKS[m][0], label_en=MARKS[m][1]) for m in marks],
    )


@dataclass(frozen=True)
class _RecordState:
    """What ``records`` keeps about a record beyond its versions, as the views need it."""

    domain: str | None = None
    repaired_on: dt.date | None = None
    objection_open: bool = False


_NO_STATE = _RecordState()


@dataclass(frozen=True)
class _Entry:
    """A visible record of a file, before it is shaped: its place in the file and its row."""

    key: tuple[int, int, str, int, str, int]
    section: str
    row: Row[Any]
    kind: RecordKind
    source: SourceInfo
    content: dict[str, Any]
    window: PublicationWindow | None
    state: _RecordState


class _Order:
    """The order of a file: sections as code list ``report_section`` orders them (sections it does
    not name after, by code), then newest first by date, then kind and id."""

    def __init__(self, standard: Standard) -> None:
        section_list = standard.code_lists.get("report_section")
        self.entries = section_list.ordered() if section_list is not None else []
        self.rank = {entry.code: i for i, entry in enumerate(self.entries)}

    def key(
        self, section: str, date: dt.date | None, kind: str, record_id: int
    ) -> tuple[int, int, str, int, str, int]:
        known = section in self.rank
        ordinal = date.toordinal() if date else 0
        return (
            0 if known else 1,
            self.rank.get(section, 0),
            "" if known else section,
            -ordinal,
            kind,
            record_id,
        )

    def encode(self, entry: _Entry) -> str:
        _, _, _, neg_ordinal, kind, record_id = entry.key
        text = json.dumps([entry.section, -neg_ordinal, kind, record_id], ensure_ascii=False)
        return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")

    def decode(self, cursor: str) -> tuple[int, int, str, int, str, int]:
        try:
            if len(cursor) > CURSOR_MAX_CHARS:
                raise ValueError(cursor)
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            section, ordinal, kind, record_id = json.loads(raw.decode("utf-8"))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursorError() from None
        if not (
            isinstance(section, str)
            and isinstance(kind, str)
            and type(ordinal) is int
            and type(record_id) is int
            and 0 <= ordinal <= dt.date.max.toordinal()
        ):
            raise InvalidCursorError()
        date = dt.date.fromordinal(ordinal) if ordinal else None
        return self.key(section, date, kind, record_id)


def _record_states(conn: Connection, subject_id: int) -> dict[int, _RecordState]:
    """``records.domain``, ``repaired_on`` and ``objection_open`` of each record of a subject (the
    store's latest-version query does not carry them)."""
    query = select(
        records.c.id, records.c.domain, records.c.repaired_on, records.c.objection_open
    ).where(records.c.subject_id == subject_id)
    return {
        int(row.id): _RecordState(row.domain, row.repaired_on, bool(row.objection_open))
        for row in conn.execute(query)
    }


def _domain(stored: str | None, kind: RecordKind, content: Mapping[str, Any]) -> str | None:
    """A record's domain: as stored, else as the standard derives it from the content."""
    return stored if stored is not None else kind.domain_of(content)


def _check_viewer(audience: Audience, subject_id: int | None, viewer: int | None) -> None:
    if audience is Audience.SUBJECT and (viewer is None or viewer != subject_id):
        raise NotOwnFileError(
            "主体本人视图仅限该主体自己读取", "only the subject itself gets the subject view"
        )


def credit_file(
    conn: Connection,
    subject_row: Row[Any],
    *,
    audience: Audience,
    on: dt.date,
    standard: Standard,
    reader: Reader | None = None,
    action: str = "credit_file",
    clock: Clock = SYSTEM_CLOCK,
    viewer_subject_id: int | None = None,
    limit: int | None = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    reads_limit: int = DEFAULT_LIMIT,
) -> CreditFile:
    """One page of the credit file of one subject for ``audience`` on day ``on``.

    ``subject_row`` is a ``subjects`` row (e.g. from :func:`credit_yrd.store.subjects.find_subject`).
    The ``authority`` and ``authorised`` audiences need ``reader`` and write one access-log row
    naming the records of the page, on ``conn`` (run it in a transaction). The ``subject``
    audience needs ``viewer_subject_id`` equal to the subject's id (:class:`NotOwnFileError`
    otherwise) and carries the first ``reads_limit`` reads of the subject's non-public data.
    ``limit`` records per page (``None``: the whole file; else 1 to :data:`MAX_PAGE_SIZE`),
    starting after ``cursor`` (the ``next_cursor`` of the page before; :class:`InvalidCursorError`
    for anything else).
    """
    subject_id = int(subject_row.id)
    _check_viewer(audience, subject_id, viewer_subject_id)
    person = subject_row.name if subject_row.subject_type == "natural_person" else None
    view = AudienceView(audience, on, standard, reader, person)
    order = _Order(standard)
    after = order.decode(cursor) if cursor else None
    known = _sources(conn)
    rows = latest_versions(conn, subject_id)
    states = _record_states(conn, subject_id)
    visible: list[_Entry] = []
    for row in rows:
        kind = standard.record_kinds.get(row.kind)
        if kind is None:
            continue
        content = dict(row.content)
        source = _source(known, row.source)
        state = states.get(int(row.record_id), _NO_STATE)
        if view.repaired(state.repaired_on) and not view.sees_repaired:
            continue  # no window to compute
        window = view.window(kind, content)
        domain = _domain(state.domain, kind, content)
        if not view.visible(row.status, window, source, domain, state.repaired_on):
            continue
        date = window.start if window is not None else row.valid_from
        key = order.key(kind.category, date, kind.code, int(row.record_id))
        visible.append(_Entry(key, kind.category, row, kind, source, content, window, state))
    visible.sort(key=lambda e: e.key)
    start = bisect.bisect_right([e.key for e in visible], after) if after is not None else 0
    size = len(visible) if limit is None else max(1, min(int(limit), MAX_PAGE_SIZE))
    page = visible[start : start + size]
    more = start + size < len(visible)
    by_section: dict[str, list[FileRecord]] = {}
    for entry in page:
        by_section.setdefault(entry.section, []).append(
            _file_record(
                view,
                int(entry.row.record_id),
                entry.kind,
                entry.source,
                entry.content,
                entry.row.status,
                entry.row.department,
                int(entry.row.version),
                entry.row.valid_from,
                entry.window,
                entry.state,
            )
        )
    sections = [
        Section(
            code=e.code,
            label_zh=e.label_zh,
            label_en=e.label_en,
            records=by_section.pop(e.code, []),
        )
        for e in order.entries
    ]
    for code in sorted(by_section):  # a category the code list does not name
        sections.append(Section(code=code, label_zh=code, label_en=code, records=by_section[code]))
    served = [r.id for s in sections for r in s.records]
    if view.reader is not None:
        log_read(
            conn,
            view.reader,
            subject_id=subject_id,
            record_ids=served,
            action=action,
            clock=clock,
        )
    reads = None
    if audience is Audience.SUBJECT:
        reads = reads_of_subject(conn, subject_id, limit=reads_limit).shape()
    masked_id = _masked_person_id(subject_row, [dict(r.content) for r in rows])
    return CreditFile(
        audience=audience,
        on=on,
        standard_version=standard.version,
        subject=_basics(subject_row, view, masked_id),
        sections=sections,
        record_count=len(visible),
        access_logged=view.logged,
        returned=len(served),
        limit=size,
        next_cursor=order.encode(page[-1]) if more and page else None,
        reads=reads,
    )


def record_detail(
    conn: Connection,
    record_id: int,
    *,
    audience: Audience,
    on: dt.date,
    standard: Standard,
    reader: Reader | None = None,
    action: str = "record",
    clock: Clock = SYSTEM_CLOCK,
    viewer_subject_id: int | None = None,
) -> RecordDetail:
    """One record with every version, for ``audience`` on day ``on``.

    The public sees a record only while its current version is active and published, and then
    the public fields of each version; an authority sees the record when it is in its scope
    (province, domain), with shared fields, and the read is logged; an authorised institution
    likewise, in every scope; the subject (``viewer_subject_id``) sees its own records whatever
    their status, with every field, unlogged. Anything else raises
    :class:`RecordNotVisibleError`, exactly as for a record that does not exist.
    """
    record = conn.execute(select(records).where(records.c.id == record_id)).first()
    versions = history(conn, record_id) if record is not None else []
    kind = standard.record_kinds.get(record.kind) if record is not None else None
    if record is None or not versions or kind is None:
        raise _not_visible(record_id)
    if audience is Audience.SUBJECT and (
        viewer_subject_id is None or record.subject_id != viewer_subject_id
    ):
        raise _not_visible(record_id)
    subject = None
    if record.subject_id is not None:
        subject = conn.execute(select(subjects).where(subjects.c.id == record.subject_id)).first()
    person = (
        subject.name if subject is not None and subject.subject_type == "natural_person" else None
    )
    view = AudienceView(audience, on, standard, reader, person)
    known = _sources(conn)
    source = _source(known, record.source)
    latest = versions[-1]
    content = dict(latest.content)
    window = view.window(kind, content)
    state = _RecordState(record.domain, record.repaired_on, bool(record.objection_open))
    domain = _domain(record.domain, kind, content)
    if not view.visible(latest.status, window, source, domain, record.repaired_on):
        raise _not_visible(record_id)
    current = _file_record(
        view,
        int(record.id),
        kind,
        source,
        content,
        latest.status,
        latest.department,
        int(latest.version),
        latest.valid_from,
        window,
        state,
    )
    shown = [
        VersionView(
            version=int(v.version),
            status=v.status,
            source=v.source,
            department=v.department,
            received_at=v.received_at,
            valid_from=v.valid_from,
            batch_id=(
                int(v.batch_id)
                if audience is Audience.AUTHORITY and v.batch_id is not None
                else None
            ),
            fields=view.fields(kind, dict(v.content)),
        )
        for v in versions
    ]
    if view.reader is not None:
        log_read(
            conn,
            view.reader,
            subject_id=int(record.subject_id) if record.subject_id is not None else None,
            record_ids=[int(record.id)],
            action=action,
            clock=clock,
        )
    name = None
    if subject is not None:
        name = mask_name(subject.name) if person and view.public else subject.name
    return RecordDetail(
        audience=audience,
        on=on,
        subject_id=int(record.subject_id) if record.subject_id is not None else None,
        subject_name=name,
        record=current,
        versions=shown,
        access_logged=view.logged,
    )


def record_subject_id(conn: Connection, record_id: int) -> int | None:
    """The subject a record is about (``None``: no such record, or not linked to a subject)."""
    found = conn.execute(select(records.c.subject_id).where(records.c.id == record_id)).first()
    return int(found.subject_id) if found is not None and found.subject_id is not None else None


def _not_visible(record_id: int) -> RecordNotVisibleError:
    return RecordNotVisibleError(
        f"未找到记录 {record_id}，或该记录不向您公开",
        f"record {record_id} not found, or not open to you",
    )
