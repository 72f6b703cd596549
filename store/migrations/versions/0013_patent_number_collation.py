"""patent numbers compared bytewise, and a cheaper expression for the number without kind code

`patents.number` and `patents.number_key` take the "C" collation: their indexes are
built and searched with memcmp instead of strcoll, which makes the index builds at the
end of a 1M-patent import about twice as fast. Nothing a user sees changes: equality
is bytewise under any deterministic collation, and the C.UTF-8 databases ipbot runs on
order by code point, which is what "C" gives on UTF-8 text (ORDER BY number in lists,
digests and exports). family_id keeps its collation: upper() under "C" folds only ASCII.

ix_patents_number_nokind indexes the same value as 0010's regexp_replace, computed with
one regex test and two rtrims (a third of the build time). A key matching
^[A-Z]{2}[0-9]+[A-Z][0-9]?$ loses its optional final digit, then its letter, and the
digits before it stop the second rtrim; any other key is itself, as regexp_replace
leaves a key it does not match. store/patent_search.py queries the same expression.

PostgreSQL only: SQLite has neither the collation nor the expression index.

Revision ID: 0013_patent_number_collation
Revises: 0012_patent_index_log
Create Date: 2026-12-01
"""
from alembic import op


revision = "0013_patent_number_collation"
down_revision = "0012_patent_index_log"
branch_labels = None
depends_on = None

OLD_NOKIND = "regexp_replace(number_key, '^([A-Z]{2})([0-9]+)([A-Z][0-9]?)$', '\\1\\2')"
NEW_NOKIND = ("CASE WHEN number_key ~ '^[A-Z]{2}[0-9]+[A-Z][0-9]?$' "
              "THEN rtrim(rtrim(number_key, '0123456789'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') "
              "ELSE number_key END")
# 0012's trigger, as it was created: PostgreSQL refuses to change the type of a column
# a trigger's WHEN clause reads, so it is dropped and recreated around the change
INDEX_REV_TRIGGER = """
    CREATE TRIGGER patents_index_rev BEFORE UPDATE ON patents FOR EACH ROW
    WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.number_key IS DISTINCT FROM NEW.number_key)
    EXECUTE FUNCTION patents_index_rev()
"""


def _recollate(collation: str, nokind: str) -> None:
    # the old expression index goes first, so it is built once, on the new collation
    op.execute("DROP INDEX IF EXISTS ix_patents_number_nokind")
    op.execute("DROP TRIGGER IF EXISTS patents_index_rev ON patents")
    # one ALTER TABLE: the table is scanned once and the two columns' indexes rebuilt
    op.execute(f"ALTER TABLE patents ALTER COLUMN number TYPE varchar(60) COLLATE {collation}, "
               f"ALTER COLUMN number_key TYPE varchar(60) COLLATE {collation}")
    op.execute(INDEX_REV_TRIGGER)
    op.execute(f"CREATE INDEX ix_patents_number_nokind ON patents (({nokind}))")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _recollate('"C"', NEW_NOKIND)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _recollate('"default"', OLD_NOKIND)
