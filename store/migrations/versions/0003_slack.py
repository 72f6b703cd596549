"""thread topics for Slack follow-ups

Revision ID: 0003_slack
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_slack"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_topics",
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("thread_ts", sa.String(length=40), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "thread_ts", name=op.f("pk_thread_topics")),
    )
    with op.batch_alter_table("thread_topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_thread_topics_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("thread_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_thread_topics_updated_at"))
    op.drop_table("thread_topics")
