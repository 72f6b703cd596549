"""Typed SQLAlchemy 2 models. Every table of the product lives here so one
migration history describes the whole schema."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.records import AliasRecord, FactRecord, LicenceRecord, PatentRecord

# Alembic autogenerate and static revisions rely on stable constraint names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_R = TypeVar("_R", FactRecord, LicenceRecord, AliasRecord, PatentRecord)


def _record(row: Base, cls: type[_R]) -> _R:
    # the one place a row becomes the record the rest of the code holds (store/records.py)
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def record_columns(model: type[Base], cls: type[_R]) -> list[Any]:
    """The columns of `model` that make a `cls`, in its fields' order: selected as plain
    rows, `cls(*row)` is the record without an ORM object per row (5,000 licences at
    start-up: ~60 ms less)."""
    return [getattr(model, f.name) for f in fields(cls)]


class Fact(Base):
    """A headline figure or statement. `period` is '' for timeless facts so the
    natural key (subject, metric, period) stays unique on every database."""

    __tablename__ = "facts"
    __table_args__ = (UniqueConstraint("subject", "metric", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(20), default="")
    value: Mapped[str] = mapped_column(Text)
    numeric: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(40), default="")
    qualifier: Mapped[str] = mapped_column(String(20), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_by: Mapped[str] = mapped_column(String(100), default="")

    def record(self) -> FactRecord:
        return _record(self, FactRecord)


class MetricAlias(Base):
    """Another way to ask for a metric ("royalty income" -> "licensing revenue")."""

    __tablename__ = "metric_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    metric: Mapped[str] = mapped_column(String(200))

    def record(self) -> AliasRecord:
        return _record(self, AliasRecord)


class Patent(Base):
    __tablename__ = "patents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    # number without spaces/punctuation, upper case: how users' spellings are matched
    number_key: Mapped[str] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    jurisdiction: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(40), default="")
    filing_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    grant_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    family_id: Mapped[str] = mapped_column(String(60), default="")
    technology: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(300), default="")
    # IPBOT_PATENT_SEARCH=postgres (store/patent_search.py): the title's tokens and stems
    # as the in-memory engine computes them, and the title they were computed from.
    # Deferred: a shown record never needs them.
    search_title: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    search_tokens: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    search_stems: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    # the revision of the last change to title or number (migration 0012: a sequence and
    # triggers on PostgreSQL), so replicas update their title index from the changes only
    index_rev: Mapped[int | None] = mapped_column(BigInteger, nullable=True, deferred=True)

    def record(self) -> PatentRecord:
        return _record(self, PatentRecord)


class PatentIndexRemoval(Base):
    """A deleted patent's id at the revision it was deleted (written by a trigger)."""

    __tablename__ = "patent_index_removals"

    rev: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    patent_id: Mapped[int] = mapped_column(Integer)


class PatentTitleWord(Base):
    """Every word some title holds (as the in-memory engine indexes it), with its stem,
    how many titles hold it and the first of them: the vocabulary the question reader
    and typo correction need without holding the patent index."""

    __tablename__ = "patent_title_words"

    word: Mapped[str] = mapped_column(Text, primary_key=True)
    stem: Mapped[str] = mapped_column(Text)
    ndoc: Mapped[int] = mapped_column(Integer)
    first_id: Mapped[int] = mapped_column(Integer)


class Licence(Base):
    __tablename__ = "licences"
    __table_args__ = (UniqueConstraint("licensee", "licensor", "signed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licensee: Mapped[str] = mapped_column(String(300), index=True)
    licensor: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60), default="")
    technology: Mapped[str] = mapped_column(String(200), default="")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    territory: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(40), default="")

    def record(self) -> LicenceRecord:
        return _record(self, LicenceRecord)


class UnansweredQuestion(Base):
    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(100), default="")
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # open, taught (an admin made its words an alias), dismissed (by an admin from /ip gaps)
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")


class MetricFreshness(Base):
    """How long after its year ends a metric's latest figure may stand before it is
    due for update (`/ip freshness <metric> = 6 months`); absent: the default rule."""

    __tablename__ = "metric_freshness"

    metric: Mapped[str] = mapped_column(String(200), primary_key=True)
    months: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Feedback(Base):
    """A 👍/👎 on an answer. A down vote is a gap (like an unanswered question) until
    an admin teaches the bot or dismisses it; `expected` is what the user said they
    expected (optional, from the 👎 modal)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str] = mapped_column(String(8))  # up, down
    expected: Mapped[str] = mapped_column(Text, default="")
    user: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")


class FactChange(Base):
    """Audit log: one row per change to facts, aliases or licences. `before`/`after`
    hold JSON snapshots so history and undo never need the live row."""

    __tablename__ = "fact_changes"
    # history of one metric or licensee: newest first, read from the index (0006)
    __table_args__ = (
        Index("ix_fact_changes_metric", "metric", "id"),
        Index("ix_fact_changes_licensee_key", "licensee_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default="fact")
    # the parts as a JSON list, for reading; the record is identified by the columns below
    key: Mapped[str] = mapped_column(String(500), index=True)
    # which record (migration 0006): a fact's subject/metric/period, a licence's
    # licensee/licensor/signing date, an alias and the metric it points at
    subject: Mapped[str] = mapped_column(String(200), default="", server_default="")
    metric: Mapped[str] = mapped_column(String(200), default="", server_default="")
    period: Mapped[str] = mapped_column(String(20), default="", server_default="")
    licensee: Mapped[str] = mapped_column(String(300), default="", server_default="")
    licensee_key: Mapped[str] = mapped_column(String(300), default="", server_default="")
    licensor: Mapped[str] = mapped_column(String(300), default="", server_default="")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    alias: Mapped[str] = mapped_column(String(200), default="", server_default="")
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(Text, default="")
    undone_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    undo_of: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PendingChange(Base):
    """A suspicious change waiting for its author's confirmation."""

    __tablename__ = "pending_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    actor: Mapped[str] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="pending")


class Admin(Base):
    __tablename__ = "admins"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(100), default="")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcessedEvent(Base):
    """Dedupe record for Slack deliveries; a unique key claimed in the database
    holds across restarts and replicas."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DigestSubscription(Base):
    __tablename__ = "digest_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(100), unique=True)
    frequency: Mapped[str] = mapped_column(String(20), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    day_of_month: Mapped[int] = mapped_column(Integer, default=1)
    at_time: Mapped[str] = mapped_column(String(5), default="09:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    skip_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestRun(Base):
    """One row per (subscription, period): the claim that makes a digest go out once."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("subscription_id", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), index=True
    )
    period_key: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message_ts: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class HomeView(Base):
    """Who opened the App Home tab, when, and which store revision their tab shows,
    so any replica can re-publish it after a change (migration 0009)."""

    __tablename__ = "home_views"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # facts + licences revision counters summed: the state the published tab was built from
    published_rev: Mapped[int] = mapped_column(BigInteger, default=0)
    # when it was last re-published after a change (None: only when opened)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)


class ReminderRun(Base):
    """One row per (admin, month): the claim that makes a "figures due for update" DM
    go out once (migration 0009)."""

    __tablename__ = "reminder_runs"
    __table_args__ = (UniqueConstraint("user_id", "period_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100))
    period_key: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    # the metrics the DM named, one per line
    metrics: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    message_ts: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class StoreRevision(Base):
    """A counter per kind of record, bumped in the same transaction as every write,
    so each replica knows when its in-memory index is stale."""

    __tablename__ = "store_revisions"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)


REVISION_KINDS = ("facts", "patents", "licences")


class ThreadTopic(Base):
    """The metric a Slack thread (or DM) is about, so "and 2021?" follows up on it
    after a restart and on any replica (migration 0003_slack)."""

    __tablename__ = "thread_topics"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    # the thread's root ts; '' for the top level of a DM
    thread_ts: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
