"""知识库: articles everyone can search, linked to the service records they helped with."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable


class KnowledgeArticle(Editable, Base):
    """An article; attachments live in `attachments` with owner_kind "kb_article".

    `search_text` is title, tags and body folded for search (lower case, full-width to
    half-width), so a plain LIKE finds Chinese of any length on SQLite and PostgreSQL alike
    (SQLite's FTS trigram silently misses 2-character Chinese words: PERF-FLOORS 4f).
    """

    __tablename__ = "kb_articles"

    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str | None] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text, default="")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class KnowledgeLink(Base):
    """An article linked to a service record it helped with."""

    __tablename__ = "kb_article_links"
    __table_args__ = (UniqueConstraint("article_id", "service_record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    service_record_id: Mapped[int] = mapped_column(
        ForeignKey("service_records.id", ondelete="CASCADE"), index=True
    )
