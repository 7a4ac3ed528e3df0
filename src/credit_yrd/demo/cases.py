"""Credit repair and objections made visible in the demo.

After the joint demo (:mod:`credit_yrd.demo.joint`), :func:`setup_cases` gives the handlers'
consoles something to handle: the demo subject (``demo-subject``) applies for the repair of its
oldest penalty whose minimum publication period is served, with a 信用承诺书 and a proof of payment
(small generated PDFs), and objects to the content of another of its penalties, which is then marked
异议处理中 on the public file. The subject's 查询码 are printed, so anyone can follow the cases at
``/repair``. A re-run files nothing twice: a subject that already has a case is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from credit_yrd.auth.accounts import get_account, principal_of
from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.demo.accounts import SUBJECT_USERNAME
from credit_yrd.errors import CreditYrdError
from credit_yrd.repair.applications import apply
from credit_yrd.repair.documents import DocumentIn
from credit_yrd.repair.objections import file_objection
from credit_yrd.settings import Settings
from credit_yrd.standards.models import Standard
from credit_yrd.standards.publication import publication_window
from credit_yrd.store.engine import transaction
from credit_yrd.store.records import latest_versions
from credit_yrd.store.schema import objections, records, repair_applications


@dataclass
class CasesSummary:
    """What :func:`setup_cases` filed (codes empty when nothing was filed)."""

    repair_code: str | None = None
    objection_code: str | None = None
    skipped_zh: str | None = None
    skipped_en: str | None = None


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with one line of (ASCII) text, built by hand: the evidence of the demo."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _penalties(
    conn: Connection, subject_id: int, standard: Standard, today: dt.date
) -> tuple[list[int], list[int]]:
    """The subject's published penalties: those repair may end today (oldest first), and all."""
    shown = set(
        int(r)
        for r in conn.execute(
            select(records.c.id).where(
                records.c.subject_id == subject_id,
                records.c.kind == "penalty",
                records.c.repaired_on.is_(None),
                records.c.public_from <= today,
                records.c.public_until >= today,
            )
        ).scalars()
    )
    dated: list[tuple[dt.date, int, bool]] = []
    for row in latest_versions(conn, subject_id, statuses=["active"]):
        record_id = int(row.record_id)
        if row.kind != "penalty" or record_id not in shown:
            continue
        try:
            window = publication_window("penalty", row.content, standard=standard)
        except CreditYrdError:
            continue
        dated.append((window.start, record_id, window.may_end_by_repair(today)))
    dated.sort()
    return [r for _, r, ok in dated if ok], [r for _, r, _ok in dated]


def _subject_principal(conn: Connection) -> Principal | None:
    info = get_account(conn, SUBJECT_USERNAME)
    if info is None or info.subject_id is None:
        return None
    return principal_of(info)


def setup_cases(
    engine: Engine, *, clock: Clock, settings: Settings, standard: Standard
) -> CasesSummary:
    """File one repair application and one objection for the demo subject, once."""
    summary = CasesSummary()
    today = clock.today()
    with transaction(engine) as conn:
        principal = _subject_principal(conn)
        if principal is None or principal.subject_id is None:
            summary.skipped_zh = "没有演示主体账户，未生成修复与异议示例"
            summary.skipped_en = "no demo subject account: no repair or objection example"
            return summary
        subject_id = principal.subject_id
        filed = (
            conn.execute(
                select(func.count())
                .select_from(repair_applications)
                .where(repair_applications.c.subject_id == subject_id)
            ).scalar_one()
            + conn.execute(
                select(func.count())
                .select_from(objections)
                .where(objections.c.subject_id == subject_id)
            ).scalar_one()
        )
        if filed:
            summary.skipped_zh = "演示主体已有修复或异议案件，未重复生成"
            summary.skipped_en = "the demo subject has cases already: nothing filed again"
            return summary
        repairable, published = _penalties(conn, subject_id, standard, today)
        if repairable:
            made = apply(
                conn,
                clock=clock,
                settings=settings,
                standard=standard,
                principal=principal,
                target="record",
                record_id=repairable[0],
                corrected="罚款已足额缴纳，违法行为已整改完毕，并作出信用承诺（演示）",
                documents=[
                    DocumentIn(
                        "commitment",
                        "信用承诺书.pdf",
                        "application/pdf",
                        demo_pdf("Credit commitment (demo)"),
                    ),
                    DocumentIn(
                        "payment",
                        "罚款缴纳凭证.pdf",
                        "application/pdf",
                        demo_pdf("Proof of payment of the fine (demo)"),
                    ),
                ],
            )
            summary.repair_code = made.query_code
        others = [r for r in published if r not in repairable[:1]]
        if others:
            objection = file_objection(
                conn,
                clock=clock,
                settings=settings,
                standard=standard,
                principal=principal,
                record_id=others[-1],
                ground="content",
                statement="处罚决定书记载的罚款金额与公示信息不一致，请核对更正（演示）",
            )
            summary.objection_code = objection.query_code
    return summary
