"""structured record keys on fact_changes, and the indexes history reads

Which record a change is about was one string, "subject|metric|period" or
"licensee|licensor|signed_on", which a "|" in a name broke. It now has columns of
its own; existing rows are filled in from their JSON snapshots (which always hold
the record's parts). `history <metric>` and `history licensee <name>` read their
newest rows through (metric, id) and (licensee_key, id) instead of the whole log.

Revision ID: 0006_change_keys
Revises: 0005_more_aliases
Create Date: 2026-12-01
"""
import json
from typing import Any
from datetime import date

import sqlalchemy as sa
from alembic import op


revision = "0006_change_keys"
down_revision = "0005_more_aliases"
branch_labels = None
depends_on = None

TEXT_COLUMNS = (("subject", 200), ("metric", 200), ("period", 20), ("licensee", 300), ("licensee_key", 300),
                ("licensor", 300), ("alias", 200))
BATCH = 1000


def _parts(kind: str, key: str, before: str | None, after: str | None) -> dict[str, Any]:
    snap = json.loads(after or before or "null") or {}
    if kind == "fact":
        return {"subject": snap.get("subject") or "", "metric": snap.get("metric") or "",
                "period": snap.get("period") or ""}
    if kind == "licence":
        licensee = snap.get("licensee") or ""
        signed = snap.get("signed_on")
        return {"licensee": licensee, "licensee_key": licensee.lower(), "licensor": snap.get("licensor") or "",
                "signed_on": date.fromisoformat(signed) if signed else None}
    return {"alias": snap.get("alias") or key, "metric": snap.get("metric") or ""}


def upgrade() -> None:
    with op.batch_alter_table("fact_changes", schema=None) as batch_op:
        for name, length in TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("signed_on", sa.Date(), nullable=True))
    table = sa.table("fact_changes", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                     sa.column("key", sa.String), sa.column("before", sa.Text), sa.column("after", sa.Text),
                     *(sa.column(name, sa.String) for name, _ in TEXT_COLUMNS), sa.column("signed_on", sa.Date))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c.kind, table.c.key, table.c.before, table.c.after)
                            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            break
        for row_id, kind, key, before, after in rows:
            conn.execute(table.update().where(table.c.id == row_id).values(**_parts(kind, key, before, after)))
        last = rows[-1][0]
    with op.batch_alter_table("fact_changes", schema=None) as batch_op:
        batch_op.create_index("ix_fact_changes_metric", ["metric", "id"], unique=False)
        batch_op.create_index("ix_fact_changes_licensee_key", ["licensee_key", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fact_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_fact_changes_licensee_key")
        batch_op.drop_index("ix_fact_changes_metric")
        batch_op.drop_column("signed_on")
        for name, _ in reversed(TEXT_COLUMNS):
            batch_op.drop_column(name)
