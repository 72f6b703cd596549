"""aliases users type that the seed lacked (from the answer evaluation)

"R&D share", "R&D ratio", money "earned from licensing" in its other wordings.
An alias an admin already added is left as it is.

Revision ID: 0005_more_aliases
Revises: 0004_notify
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op


revision = "0005_more_aliases"
down_revision = "0004_notify"
branch_labels = None
depends_on = None

ALIASES = {
    "r&d share": "r&d share of revenue",
    "r&d ratio": "r&d share of revenue",
    "r&d to revenue ratio": "r&d share of revenue",
    "r&d revenue ratio": "r&d share of revenue",
    "r&d percentage": "r&d share of revenue",
    "earn from licensing": "licensing revenue",
    "earnings from licensing": "licensing revenue",
    "made from licensing": "licensing revenue",
    "make from licensing": "licensing revenue",
    "money from licensing": "licensing revenue",
    "licensing money": "licensing revenue",
}


def upgrade() -> None:
    for alias, metric in ALIASES.items():
        op.execute(
            sa.text(
                "INSERT INTO metric_aliases (alias, metric) SELECT CAST(:a AS VARCHAR(200)), CAST(:m AS VARCHAR(200)) "
                "WHERE NOT EXISTS (SELECT 1 FROM metric_aliases WHERE alias = :a)"
            ).bindparams(a=alias, m=metric)
        )


def downgrade() -> None:
    for alias, metric in ALIASES.items():
        op.execute(sa.text("DELETE FROM metric_aliases WHERE alias = :a AND metric = :m").bindparams(a=alias, m=metric))
