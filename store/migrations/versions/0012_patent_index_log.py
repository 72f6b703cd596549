"""what changed in the patents' indexed columns, so replicas update their title index incrementally

Every row gets `index_rev`, a number from one sequence, when it is inserted and
whenever its title or number changes (a trigger on PostgreSQL; the column
default for inserts); a deleted row leaves its id in patent_index_removals. A
replica holding the index up to revision R reads just the rows and removals
after R (handlers/index.py) instead of rebuilding from a million titles.

SQLite keeps the column and the table but no triggers: there the in-memory
index rebuilds on a patent change, as before (SQLite stores are small).

Revision ID: 0012_patent_index_log
Revises: 0011_frand_alias
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = "0012_patent_index_log"
down_revision = "0011_frand_alias"
branch_labels = None
depends_on = None

# pg_advisory_xact_lock key of patent writers (store/patents.py WRITE_LOCK)
WRITE_LOCK = 7_340_012


def upgrade() -> None:
    op.create_table(
        "patent_index_removals",
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("rev", name=op.f("pk_patent_index_removals")),
    )
    if op.get_bind().dialect.name != "postgresql":
        # plain ALTER TABLE: a batch copy of the table would drop the expression index of 0010
        op.add_column("patents", sa.Column("index_rev", sa.BigInteger(), nullable=True))
        return
    # Not cached: numbers must be drawn in commit order, which a per-session cache breaks.
    # Every statement writing patents first takes one transaction-level advisory lock
    # (a statement trigger, so once per statement, not per row): writers commit one
    # after the other, and a reader that has seen revision R has seen every row below it.
    op.execute("CREATE SEQUENCE patent_index_rev_seq")
    op.execute(f"""
        CREATE FUNCTION patents_write_lock() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({WRITE_LOCK});
            RETURN NULL;
        END $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER patents_write_lock BEFORE INSERT OR UPDATE OR DELETE ON patents
        FOR EACH STATEMENT EXECUTE FUNCTION patents_write_lock()
    """)
    op.execute("ALTER TABLE patents ADD COLUMN index_rev bigint DEFAULT nextval('patent_index_rev_seq')")
    # rows stored before this revision: all of them "changed" at revision 1 (an index
    # built before the upgrade is rebuilt anyway, its revision is unknown)
    op.execute("UPDATE patents SET index_rev = 1")
    op.execute("SELECT setval('patent_index_rev_seq', 2, false)")
    op.execute("CREATE INDEX ix_patents_index_rev ON patents (index_rev)")
    op.execute("""
        CREATE FUNCTION patents_index_rev() RETURNS trigger AS $$
        BEGIN
            NEW.index_rev := nextval('patent_index_rev_seq');
            RETURN NEW;
        END $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER patents_index_rev BEFORE UPDATE ON patents FOR EACH ROW
        WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.number_key IS DISTINCT FROM NEW.number_key)
        EXECUTE FUNCTION patents_index_rev()
    """)
    op.execute("""
        CREATE FUNCTION patents_index_removal() RETURNS trigger AS $$
        BEGIN
            INSERT INTO patent_index_removals (rev, patent_id)
                VALUES (nextval('patent_index_rev_seq'), OLD.id);
            RETURN OLD;
        END $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER patents_index_removal AFTER DELETE ON patents FOR EACH ROW
        EXECUTE FUNCTION patents_index_removal()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS patents_write_lock ON patents")
        op.execute("DROP FUNCTION IF EXISTS patents_write_lock()")
        op.execute("DROP TRIGGER IF EXISTS patents_index_removal ON patents")
        op.execute("DROP FUNCTION IF EXISTS patents_index_removal()")
        op.execute("DROP TRIGGER IF EXISTS patents_index_rev ON patents")
        op.execute("DROP FUNCTION IF EXISTS patents_index_rev()")
        op.execute("DROP INDEX IF EXISTS ix_patents_index_rev")
        op.execute("ALTER TABLE patents DROP COLUMN IF EXISTS index_rev")
        op.execute("DROP SEQUENCE IF EXISTS patent_index_rev_seq")
    else:
        op.execute("ALTER TABLE patents DROP COLUMN index_rev")  # SQLite 3.35+, no table copy
    op.drop_table("patent_index_removals")
