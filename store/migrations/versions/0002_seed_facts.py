"""Seed facts from the founding article (Huawei 2023 Innovation and IP Conference,
quoting Huawei's 2022 annual report), so a fresh install answers with no setup.

A data migration rather than a start-up step: it runs once, so a fact an admin
later removes does not come back on the next start.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AR = "Huawei 2022 annual report"
CONF = "Huawei 2023 Innovation and Intellectual Property Conference"

# subject, metric, period, value as written, numeric, unit, qualifier, source
FACTS = [
    ("Huawei", "r&d spending", "2022", "161.5 billion yuan", 161.5e9, "CNY", "", AR),
    ("Huawei", "r&d share of revenue", "2022", "25.1%", 25.1, "%", "", AR),
    ("Huawei", "cumulative r&d spending", "2022", "over 977.3 billion yuan", 977.3e9, "CNY", "over", AR),
    ("Huawei", "valid patents", "2022", "over 120,000", 120000.0, "count", "over", AR),
    ("Huawei", "bilateral patent licences", "2022", "almost 200", 200.0, "count", "almost", AR),
    ("Huawei", "companies licensed", "2022", "over 350", 350.0, "count", "over", AR),
    ("Huawei", "licensing revenue", "2022", "about US$560 million", 560e6, "USD", "about", AR),
    ("Huawei", "chief legal officer", "", "Song Liuping", None, "text", "", CONF),
    (
        "Huawei",
        "patent fee stance",
        "",
        "Huawei opposes excessive patent fees and supports reasonable patent protection "
        "and technology sharing.",
        None,
        "text",
        "",
        CONF,
    ),
    (
        "Huawei",
        "ip strategy",
        "",
        "Huawei protects its own intellectual property, respects the intellectual property "
        "of others and seeks a balanced IP strategy.",
        None,
        "text",
        "",
        CONF,
    ),
]

# alias -> metric: the words finance, licensing and legal people use (see the domain primer)
ALIASES = {
    "royalty income": "licensing revenue",
    "royalty revenue": "licensing revenue",
    "royalties": "licensing revenue",
    "license revenue": "licensing revenue",
    "license income": "licensing revenue",
    "licensing income": "licensing revenue",
    "patent licensing revenue": "licensing revenue",
    "earned from licensing": "licensing revenue",
    "r&d": "r&d spending",
    "r&d investment": "r&d spending",
    "r&d expenditure": "r&d spending",
    "r&d spend": "r&d spending",
    "r&d budget": "r&d spending",
    "research and development": "r&d spending",
    "research spending": "r&d spending",
    "research investment": "r&d spending",
    "research spend": "r&d spending",
    "r&d percentage of revenue": "r&d share of revenue",
    "r&d as share of revenue": "r&d share of revenue",
    "r&d percent of revenue": "r&d share of revenue",
    "r&d intensity": "r&d share of revenue",
    "share of revenue spent on r&d": "r&d share of revenue",
    "total r&d": "cumulative r&d spending",
    "cumulative r&d": "cumulative r&d spending",
    "cumulative r&d investment": "cumulative r&d spending",
    "cumulative research and development": "cumulative r&d spending",
    "granted patents": "valid patents",
    "authorized patents": "valid patents",
    "in force patents": "valid patents",
    "active patents": "valid patents",
    "patents held": "valid patents",
    "number of patents": "valid patents",
    "patent count": "valid patents",
    "patent portfolio size": "valid patents",
    "bilateral licenses": "bilateral patent licences",
    "bilateral license agreements": "bilateral patent licences",
    "license agreements signed": "bilateral patent licences",
    "licenses signed": "bilateral patent licences",
    "licensees": "companies licensed",
    "number of licensees": "companies licensed",
    "license holders": "companies licensed",
    "companies with a license": "companies licensed",
    "licensed companies": "companies licensed",
    "legal chief": "chief legal officer",
    "general counsel": "chief legal officer",
    "clo": "chief legal officer",
    "head of legal": "chief legal officer",
    "patent fees": "patent fee stance",
    "royalty rates": "patent fee stance",
    "position on patent fees": "patent fee stance",
    "frand": "patent fee stance",
    "ip policy": "ip strategy",
    "intellectual property strategy": "ip strategy",
}


def upgrade() -> None:
    facts = sa.table(
        "facts",
        sa.column("subject", sa.String),
        sa.column("metric", sa.String),
        sa.column("period", sa.String),
        sa.column("value", sa.Text),
        sa.column("numeric", sa.Float),
        sa.column("unit", sa.String),
        sa.column("qualifier", sa.String),
        sa.column("source", sa.Text),
        sa.column("updated_by", sa.String),
    )
    op.bulk_insert(
        facts,
        [
            dict(
                zip(
                    ("subject", "metric", "period", "value", "numeric", "unit", "qualifier", "source"),
                    row,
                    strict=True,
                ),
                updated_by="seed",
            )
            for row in FACTS
        ],
    )
    aliases = sa.table("metric_aliases", sa.column("alias", sa.String), sa.column("metric", sa.String))
    op.bulk_insert(aliases, [{"alias": a, "metric": m} for a, m in ALIASES.items()])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM metric_aliases"))
    op.execute(sa.text("DELETE FROM facts WHERE updated_by = 'seed'"))
