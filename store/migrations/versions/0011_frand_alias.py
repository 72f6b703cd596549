""""FRAND" alone is a term, not the patent-fee stance

The seed made the bare word "frand" an alias of the patent-fee stance, so "what is
FRAND?" (a definition, which the store does not hold) was answered with the company's
position. The stance is what comms ask for in "our stance / position / line / view on
FRAND"; those keep working, the bare term is refused. An admin's own alias for "frand"
(another metric) is left alone.

Revision ID: 0011_frand_alias
Revises: 0010_patent_search
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = "0011_frand_alias"
down_revision = "0010_patent_search"
branch_labels = None
depends_on = None

METRIC = "patent fee stance"
ALIASES = ("frand stance", "frand position", "frand line", "frand view")


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM metric_aliases WHERE alias = 'frand' AND metric = :m").bindparams(m=METRIC))
    for alias in ALIASES:
        op.execute(
            sa.text(
                "INSERT INTO metric_aliases (alias, metric) SELECT CAST(:a AS VARCHAR(200)), CAST(:m AS VARCHAR(200)) "
                "WHERE NOT EXISTS (SELECT 1 FROM metric_aliases WHERE alias = :a)"
            ).bindparams(a=alias, m=METRIC)
        )


def downgrade() -> None:
    for alias in ALIASES:
        op.execute(sa.text("DELETE FROM metric_aliases WHERE alias = :a AND metric = :m").bindparams(a=alias, m=METRIC))
    op.execute(
        sa.text(
            "INSERT INTO metric_aliases (alias, metric) SELECT 'frand', CAST(:m AS VARCHAR(200)) "
            "WHERE NOT EXISTS (SELECT 1 FROM metric_aliases WHERE alias = 'frand')"
        ).bindparams(m=METRIC)
    )
