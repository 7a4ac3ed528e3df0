"""The documents of a repair application (证明材料): proof of duties performed (payment,
rectification), the signed credit commitment (信用承诺书) and others.

A document is accepted when its bytes say it is a PDF (``%PDF-``), a PNG (``\\x89PNG\\r\\n\\x1a\\n``)
or a JPEG (``\\xff\\xd8\\xff``) — the file name and the media type the browser claimed do not count;
the stored media type is the one the bytes show. Its size is 1 byte to
``settings.repair_document_max_bytes``; its file name is cleaned (the last path segment, no
control or format characters, at most 255 characters) and its SHA-256 kept. An application holds
at most :data:`MAX_DOCUMENTS` documents.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from credit_yrd.repair.errors import InvalidDocument
from credit_yrd.settings import Settings
from credit_yrd.store.schema import DOCUMENT_KINDS

MAX_DOCUMENTS = 10
FILENAME_MAX = 255
#: Magic bytes -> (media type, what to call it).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
KIND_LABELS: dict[str, tuple[str, str]] = {
    "payment": ("缴款凭证", "proof of payment"),
    "rectification": ("整改材料", "proof of rectification"),
    "commitment": ("信用承诺书", "signed credit commitment"),
    "other": ("其他材料", "other document"),
}


@dataclass(frozen=True)
class DocumentIn:
    """A document as uploaded: its kind (``payment``, ``rectification``, ``commitment``,
    ``other``), the name and media type the client gave, and its bytes."""

    kind: str
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class CheckedDocument:
    """A document that passed :func:`check_document`: media type from its bytes."""

    kind: str
    filename: str
    media_type: str
    size: int
    sha256: str
    content: bytes


def clean_filename(name: str | None) -> str:
    """The last path segment of ``name`` without control or format characters, whitespace runs
    as one space, at most 255 characters; ``document`` when nothing is left."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") or ch.isspace()
    )
    kept = " ".join(kept.split()).strip(". ")
    return kept[:FILENAME_MAX] or "document"


def sniff(content: bytes) -> str | None:
    """The media type the bytes show (PDF, PNG, JPEG), or ``None``."""
    for magic, media_type in MAGIC:
        if content.startswith(magic):
            return media_type
    return None


def check_document(doc: DocumentIn, settings: Settings) -> CheckedDocument:
    """The document checked: kind known, bytes a PDF, PNG or JPEG, size within bounds.
    Raises :class:`InvalidDocument` naming the file and the rule."""
    filename = clean_filename(doc.filename)
    if doc.kind not in DOCUMENT_KINDS:
        raise InvalidDocument(
            filename,
            f"材料类别“{doc.kind}”无效，可选：{'、'.join(DOCUMENT_KINDS)}",
            f"kind {doc.kind!r} is not one of {', '.join(DOCUMENT_KINDS)}",
        )
    size = len(doc.content)
    if size == 0:
        raise InvalidDocument(filename, "文件为空", "the file is empty")
    limit = settings.repair_document_max_bytes
    if size > limit:
        raise InvalidDocument(
            filename,
            f"文件大小 {size} 字节，超过上限 {limit} 字节",
            f"the file has {size} bytes, over the limit of {limit} bytes",
        )
    media_type = sniff(doc.content)
    if media_type is None:
        raise InvalidDocument(
            filename,
            "只接受 PDF、PNG 或 JPEG 文件（按文件内容判断，不看扩展名）",
            "only PDF, PNG or JPEG files are accepted (judged by the content, not the name)",
        )
    return CheckedDocument(
        kind=doc.kind,
        filename=filename,
        media_type=media_type,
        size=size,
        sha256=hashlib.sha256(doc.content).hexdigest(),
        content=doc.content,
    )


def check_documents(
    docs: Sequence[DocumentIn], settings: Settings, *, already: int = 0
) -> list[CheckedDocument]:
    """Every document checked, with at most :data:`MAX_DOCUMENTS` per application (``already``:
    how many it holds)."""
    if already + len(docs) > MAX_DOCUMENTS:
        name = clean_filename(docs[-1].filename) if docs else "-"
        raise InvalidDocument(
            name,
            f"每份申请最多 {MAX_DOCUMENTS} 份材料（已有 {already} 份）",
            f"an application holds at most {MAX_DOCUMENTS} documents ({already} already)",
        )
    return [check_document(doc, settings) for doc in docs]
