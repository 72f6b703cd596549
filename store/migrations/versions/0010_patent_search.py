"""columns and indexes for answering patent questions from PostgreSQL (IPBOT_PATENT_SEARCH=postgres)

No pg_trgm index: typos in title words are corrected against the vocabulary the
way the in-memory engine corrects them (a trigram similarity would pick other words),
and a trigram index on the owner (a substring filter both engines run as SQL) made
every patent write ~20 µs dearer, which the 1M-patent import cannot afford.

The title columns hold what the in-memory engine computes from a title (its tokens
and their Snowball stems), written by the replica that first sees a changed title
(handlers/title_words.py), so both engines read titles alike. Every
table and column exists on SQLite too (the model is one); the GIN and expression
indexes are PostgreSQL's, which is the only database the setting is allowed on.

Revision ID: 0010_patent_search
Revises: 0008_freshness
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op


revision = "0010_patent_search"
down_revision = "0009_home_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patents") as batch:
        # the title the two columns below were computed from; differs from title while pending
        batch.add_column(sa.Column("search_title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("search_tokens", sa.Text(), nullable=True))
        batch.add_column(sa.Column("search_stems", sa.Text(), nullable=True))
    op.create_table(
        "patent_title_words",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("ndoc", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_patent_title_words")),
    )
    # "patents in family F100" (both engines, store/patents.py compares upper-cased)
    op.create_index("ix_patents_family_upper", "patents", [sa.text("upper(family_id)")])
    if op.get_bind().dialect.name != "postgresql":
        return
    # stems taken verbatim as lexemes (no parser, no dictionary): the memory engine's stems
    op.execute("CREATE INDEX ix_patents_search_stems ON patents "
               "USING gin (array_to_tsvector(string_to_array(search_stems, ' ')))")
    # rows whose search columns are stale, found without a table scan
    op.execute("CREATE INDEX ix_patents_search_pending ON patents (id) "
               "WHERE search_title IS DISTINCT FROM title")
    # the number without its kind code, by the rule of handlers/text.py:number_without_kind
    op.execute("CREATE INDEX ix_patents_number_nokind ON patents "
               "(regexp_replace(number_key, '^([A-Z]{2})([0-9]+)([A-Z][0-9]?)$', '\\1\\2'))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_patents_number_nokind")
        op.execute("DROP INDEX IF EXISTS ix_patents_search_pending")
        op.execute("DROP INDEX IF EXISTS ix_patents_search_stems")
    op.drop_index("ix_patents_family_upper", table_name="patents")
    op.drop_table("patent_title_words")
    with op.batch_alter_table("patents") as batch:
        batch.drop_column("search_stems")
        batch.drop_column("search_tokens")
        batch.drop_column("search_title")
