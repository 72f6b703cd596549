"""notify replicas when a revision counter moves (PostgreSQL only)

Every write to facts, patents or licences bumps its row in store_revisions in the
writer's transaction; this trigger turns that into NOTIFY ipbot_revisions, which
PostgreSQL delivers at commit, so a listening replica refreshes at once instead of
at its next poll. SQLite has no NOTIFY: replicas there keep polling.

Revision ID: 0004_notify
Revises: 0003_slack
Create Date: 2026-11-25
"""
from alembic import op


revision = "0004_notify"
down_revision = "0003_slack"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION ipbot_notify_revision() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('ipbot_revisions', NEW.kind);
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER ipbot_revision_notify AFTER UPDATE ON store_revisions
        FOR EACH ROW EXECUTE FUNCTION ipbot_notify_revision()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS ipbot_revision_notify ON store_revisions")
    op.execute("DROP FUNCTION IF EXISTS ipbot_notify_revision()")
