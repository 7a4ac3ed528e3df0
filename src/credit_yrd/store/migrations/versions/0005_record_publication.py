"""The publication window of each record's current version, kept on ``records`` so that what the
public may see can be asked of the store (search's record counts and filters).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "records",
        sa.Column(
            "public_from",
            sa.Date(),
            nullable=True,
            comment="当前版本的公示起始日；不公示为空 (first day of publication; null: not published)",
        ),
    )
    op.add_column(
        "records",
        sa.Column(
            "public_until",
            sa.Date(),
            nullable=True,
            comment="当前版本的公示截止日；无截止为空 (last day of publication; null: no end)",
        ),
    )
    _backfill()


def _backfill() -> None:
    """Each record's window from its latest version, judged today, as ingestion now keeps it."""
    from credit_yrd.store.records import public_window

    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT r.id, r.kind, v.content, v.status FROM records r JOIN record_versions v "
            "ON v.record_id = r.id AND v.version = "
            "(SELECT max(version) FROM record_versions w WHERE w.record_id = r.id)"
        )
    )
    today = dt.date.today()
    updates = []
    for record_id, kind, content, status in rows:
        if isinstance(content, str):
            content = json.loads(content)
        start, end = public_window(
            kind, content if isinstance(content, dict) else {}, status, today
        )
        if start is not None:
            updates.append({"rid": record_id, "start": start, "end": end})
    if updates:
        conn.execute(
            sa.text("UPDATE records SET public_from = :start, public_until = :end WHERE id = :rid"),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("public_until")
        batch.drop_column("public_from")
