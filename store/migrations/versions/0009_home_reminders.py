"""who has the Home tab open, and the monthly reminder claim

`home_views`: who opened the App Home tab when, and which store revision their tab
shows, so every replica can re-publish it after a change. `reminder_runs`: one row
per (admin, month), claimed before a "figures due for update" DM is sent, so it is
sent once whichever replica's scheduler runs.

Revision ID: 0009_home_reminders
Revises: 0008_freshness
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = "0009_home_reminders"
down_revision = "0008_freshness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_views",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_rev", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_home_views")),
    )
    with op.batch_alter_table("home_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_views_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_home_views_published_at"), ["published_at"], unique=False)
    op.create_table(
        "reminder_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("period_key", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("metrics", sa.Text(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.String(length=40), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_runs")),
        sa.UniqueConstraint("user_id", "period_key", name=op.f("uq_reminder_runs_user_id")),
    )


def downgrade() -> None:
    op.drop_table("reminder_runs")
    with op.batch_alter_table("home_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_views_published_at"))
        batch_op.drop_index(batch_op.f("ix_home_views_opened_at"))
    op.drop_table("home_views")
