"""per-metric freshness rules for "due for update"

Revision ID: 0008_freshness
Revises: 0007_feedback
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = "0008_freshness"
down_revision = "0007_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_freshness",
        sa.Column("metric", sa.String(length=200), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("metric", name=op.f("pk_metric_freshness")),
    )


def downgrade() -> None:
    op.drop_table("metric_freshness")
