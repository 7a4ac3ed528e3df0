"""Credit files (信用档案) and record details, as each audience may see them.

One file per subject across the region: the subject's basics, then the sections of the national
public credit report in the order of code list ``report_section``, each holding the subject's
current records (the latest version of each record) of the kinds filed under that section.

Audiences (:class:`Audience`):

- ``public`` — only fields the standard marks ``public``; only records whose latest version is
  ``active`` and whose publication window is open on the day asked about; values of personal
  document fields never appear (not even masked: the field is not public), identifiers pass
  through :func:`credit_yrd.ids.masking.mask` (public codes stay, anything that reads as a
  resident ID number is masked), any resident ID number inside free text is masked, and a natural
  person's name is masked (张三 → 张*).
- ``authority`` — a department or credit office reading with a stated purpose: ``public`` and
  ``shared`` fields in clear, ``restricted`` fields only in their masked form, every current record
  whatever its status or window, but only records whose source's province lies in the reader's
  scope (the reader's province; ``None`` is the whole region; records of a national source, which
  has no province, are in every scope). Each such read writes one row to the access log
  (:mod:`credit_yrd.ledger.audit`) in the caller's transaction.
- ``subject`` — the subject reading its own file (everything about it plus the reads of its
  non-public data) arrives with accounts; :func:`credit_file` refuses it until then.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from credit_yrd.clock import SYSTEM_CLOCK, Clock
from credit_yrd.errors import CreditYrdError
from credit_yrd.ids import resident_id
from credit_yrd.ids.divisions import province_name
from credit_yrd.ids.masking import mask, mask_resident_id
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.standards.models import FieldDef, RecordKind, Standard
from credit_yrd.standards.publication import PublicationWindow, publication_window
from credit_yrd.store.records import history, latest_versions
from credit_yrd.store.schema import records, sources, subjects


class Audience(StrEnum):
    PUBLIC = "public"
    AUTHORITY = "authority"
    SUBJECT = "subject"


class AudienceNotSupportedError(CreditYrdError):
    """The audience asked for is not served yet."""


class ReaderRequiredError(CreditYrdError):
    """An authority view was asked for without a reader to log."""


class RecordNotVisibleError(CreditYrdError):
    """No such record, or not one this audience may see (the two are not told apart)."""


SUBJECT_TYPE_LABELS: dict[str, tuple[str, str]] = {
    "legal_person": ("法人", "Legal person"),
    "individual_business": ("个体工商户", "Individual business"),
    "organisation": ("非法人组织", "Unincorporated organisation"),
    "public_body": ("机关事业单位", "Public body"),
    "natural_person": ("自然人", "Natural person"),
}

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


class CreditFile(BaseModel):
    """信用档案 (a subject's credit file across the region)."""

    audience: Audience = Field(description="视图：public 公众 / authority 政务部门")
    on: dt.date = Field(description="以该日判断公示期 (the day publication is judged on)")
    standard_version: str = Field(description="数据标准版本 (standard version)")
    subject: SubjectBasics
    sections: list[Section]
    record_count: int = Field(description="档案中的记录数 (records in this file)")
    access_logged: bool = Field(description="本次读取已记入访问日志 (this read was logged)")


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

    audience: Audience
    on: dt.date
    subject_id: int | None = Field(description="所属主体编号 (subject id)")
    subject_name: str | None = Field(description="主体名称 (subject name)")
    record: FileRecord
    versions: list[VersionView] = Field(
        description="全部版本，旧在前 (every version, oldest first)"
    )
    access_logged: bool


# --- building --------------------------------------------------------------------------------


class _View:
    """What one audience may see, for one subject (or none)."""

    def __init__(
        self,
        audience: Audience,
        on: dt.date,
        standard: Standard,
        reader: Reader | None,
        person_name: str | None,
    ) -> None:
        if audience is Audience.SUBJECT:
            raise AudienceNotSupportedError(
                "主体本人视图需要账户功能，暂未提供",
                "the subject's own view needs accounts and is not served yet",
            )
        if audience is Audience.AUTHORITY and reader is None:
            raise ReaderRequiredError(
                "政务视图须提供读取者及目的", "the authority view needs a reader and a purpose"
            )
        self.audience = audience
        self.on = on
        self.standard = standard
        self.reader = reader
        self.person_name = person_name

    @property
    def public(self) -> bool:
        return self.audience is Audience.PUBLIC

    def in_scope(self, source: SourceInfo) -> bool:
        if self.public or self.reader is None or self.reader.province is None:
            return True
        return source.province is None or source.province == self.reader.province

    def window(self, kind: RecordKind, content: Mapping[str, Any]) -> PublicationWindow | None:
        try:
            return publication_window(kind.code, content, on=self.on, standard=self.standard)
        except CreditYrdError:
            return None

    def visible(self, status: str, window: PublicationWindow | None, source: SourceInfo) -> bool:
        if self.public:
            return status == "active" and window is not None and window.is_published(self.on)
        return self.in_scope(source)

    def fields(self, kind: RecordKind, content: Mapping[str, Any]) -> list[FieldValue]:
        shown: list[FieldValue] = []
        for field in kind.fields:
            if field.code not in content or content[field.code] in (None, "", []):
                continue
            if self.public and field.sensitivity != "public":
                continue
            shown.append(self._field(field, content[field.code]))
        return shown

    def _field(self, field: FieldDef, raw: Any) -> FieldValue:
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
            hidden = [mask(v) for v in values]
            return make(hidden if many else hidden[0], masked=True)
        if field.type == "code" and field.code_list:
            codes = [self._code(field.code_list, v) for v in values]
            return make(values if many else values[0], codes=codes)
        texts = [self._text(field, v) for v in values]
        shown = [t for t, _ in texts]
        return make(shown if many else shown[0], masked=any(m for _, m in texts))

    def _text(self, field: FieldDef, text: str) -> tuple[str, bool]:
        if not self.public:
            return text, False
        if self.person_name and text.strip() == self.person_name:
            return mask_name(text), True
        out = mask(text) if field.type == "identifier" else scrub_resident_ids(text)
        return out, out != text

    def _code(self, list_code: str, value: str) -> CodeLabel:
        code_list = self.standard.code_lists.get(list_code)
        if code_list is not None and code_list.is_valid(value):
            entry = code_list.entry(value)
            return CodeLabel(code=value, label_zh=entry.label_zh, label_en=entry.label_en)
        return CodeLabel(code=value, label_zh=None, label_en=None)


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


def _basics(subject: Row[Any], view: _View, masked_id: str | None) -> SubjectBasics:
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
    view: _View,
    record_id: int,
    kind: RecordKind,
    source: SourceInfo,
    content: Mapping[str, Any],
    status: str,
    department: str | None,
    version: int,
    valid_from: dt.date | None,
    window: PublicationWindow | None,
) -> FileRecord:
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
) -> CreditFile:
    """The credit file of one subject for ``audience`` on day ``on``.

    ``subject_row`` is a ``subjects`` row (e.g. from :func:`credit_yrd.store.subjects.find_subject`).
    The ``authority`` audience needs ``reader`` and writes one access-log row naming the records
    served, on ``conn`` (run it in a transaction). The ``subject`` audience (the subject reading
    its own file and who read it) comes with accounts and is refused for now.
    """
    person = subject_row.name if subject_row.subject_type == "natural_person" else None
    view = _View(audience, on, standard, reader, person)
    known = _sources(conn)
    rows = latest_versions(conn, int(subject_row.id))
    by_section: dict[str, list[FileRecord]] = {}
    for row in rows:
        kind = standard.record_kinds.get(row.kind)
        if kind is None:
            continue
        content = dict(row.content)
        source = _source(known, row.source)
        window = view.window(kind, content)
        if not view.visible(row.status, window, source):
            continue
        by_section.setdefault(kind.category, []).append(
            _file_record(
                view,
                int(row.record_id),
                kind,
                source,
                content,
                row.status,
                row.department,
                int(row.version),
                row.valid_from,
                window,
            )
        )
    sections: list[Section] = []
    section_list = standard.code_lists.get("report_section")
    entries = section_list.ordered() if section_list is not None else []
    seen = set()
    for entry in entries:
        seen.add(entry.code)
        found = sorted(by_section.get(entry.code, []), key=_record_order)
        sections.append(
            Section(
                code=entry.code, label_zh=entry.label_zh, label_en=entry.label_en, records=found
            )
        )
    for code in sorted(set(by_section) - seen):  # a category the code list does not name
        sections.append(
            Section(
                code=code,
                label_zh=code,
                label_en=code,
                records=sorted(by_section[code], key=_record_order),
            )
        )
    served = [r.id for s in sections for r in s.records]
    logged = False
    if audience is Audience.AUTHORITY and reader is not None:
        log_read(
            conn,
            reader,
            subject_id=int(subject_row.id),
            record_ids=served,
            action=action,
            clock=clock,
        )
        logged = True
    masked_id = _masked_person_id(subject_row, [dict(r.content) for r in rows])
    return CreditFile(
        audience=audience,
        on=on,
        standard_version=standard.version,
        subject=_basics(subject_row, view, masked_id),
        sections=sections,
        record_count=len(served),
        access_logged=logged,
    )


def _record_order(record: FileRecord) -> tuple[int, str, int]:
    """Newest first by date, then by id."""
    ordinal = record.date.toordinal() if record.date else 0
    return (-ordinal, record.kind, record.id)


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
) -> RecordDetail:
    """One record with every version, for ``audience`` on day ``on``.

    The public sees a record only while its current version is active and published, and then
    the public fields of each version; an authority sees the record when its source is in scope,
    with shared fields, and the read is logged. Anything else raises
    :class:`RecordNotVisibleError`, exactly as for a record that does not exist.
    """
    record = conn.execute(select(records).where(records.c.id == record_id)).first()
    versions = history(conn, record_id) if record is not None else []
    kind = standard.record_kinds.get(record.kind) if record is not None else None
    if record is None or not versions or kind is None:
        raise _not_visible(record_id)
    subject = None
    if record.subject_id is not None:
        subject = conn.execute(select(subjects).where(subjects.c.id == record.subject_id)).first()
    person = (
        subject.name if subject is not None and subject.subject_type == "natural_person" else None
    )
    view = _View(audience, on, standard, reader, person)
    known = _sources(conn)
    source = _source(known, record.source)
    latest = versions[-1]
    content = dict(latest.content)
    window = view.window(kind, content)
    if not view.visible(latest.status, window, source):
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
    )
    shown = [
        VersionView(
            version=int(v.version),
            status=v.status,
            source=v.source,
            department=v.department,
            received_at=v.received_at,
            valid_from=v.valid_from,
            batch_id=None if view.public or v.batch_id is None else int(v.batch_id),
            fields=view.fields(kind, dict(v.content)),
        )
        for v in versions
    ]
    logged = False
    if audience is Audience.AUTHORITY and reader is not None:
        log_read(
            conn,
            reader,
            subject_id=int(record.subject_id) if record.subject_id is not None else None,
            record_ids=[int(record.id)],
            action=action,
            clock=clock,
        )
        logged = True
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
        access_logged=logged,
    )


def _not_visible(record_id: int) -> RecordNotVisibleError:
    return RecordNotVisibleError(
        f"未找到记录 {record_id}，或该记录不向您公开",
        f"record {record_id} not found, or not open to you",
    )
