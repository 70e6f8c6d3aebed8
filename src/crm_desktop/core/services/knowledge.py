"""知识库: articles everyone with kb.view can search, edited by holders of kb.edit.

Search uses the stored `search_text` (title, tags and body, each folded: lower case, full-width
to half-width) with one plain LIKE per word, so Chinese of any length matches, 2-character
words like 退货 included, on SQLite and PostgreSQL alike. (SQLite's FTS5 trigram tokenizer
silently finds nothing for 2 Chinese characters: PERF-FLOORS 4f.) The three parts are joined by
a newline, which folding never leaves inside a part, so "the word is in the title" is a LIKE too
and title hits rank first without reading the bodies.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Integer, case, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import NC_, _
from crm_desktop.core.models import KnowledgeArticle, KnowledgeLink, Operator, ServiceRecord
from crm_desktop.core.search_keys import fold
from crm_desktop.core.services import records
from crm_desktop.core.services.access import require
from crm_desktop.core.services.sales_common import load_in_scope

FIELDS = ("title", "category", "tags", "body")
DETAIL_FIELDS = (*FIELDS, "archived", "created_at", "updated_at")
SEPARATOR = "\n"  # between the folded title, tags and body in search_text
SNIPPET_CHARS = 80
ENTITY = "kb_article"

ARTICLE_TITLE = NC_("article", "Title")  # not a contact's job title (职务)


class ArticleRow(NamedTuple):
    id: int
    title: str
    category: str | None
    tags: str | None
    updated_at: datetime | None
    archived: bool
    snippet: str


# What an `ArticleRow` is read from: its fields, then the body its snippet is cut from.
_ROW_COLUMNS = (
    KnowledgeArticle.id,
    KnowledgeArticle.title,
    KnowledgeArticle.category,
    KnowledgeArticle.tags,
    KnowledgeArticle.updated_at,
    KnowledgeArticle.archived,
    KnowledgeArticle.body,
)


def _article_rows(session: Session, query: Any, words: list[str]) -> list[ArticleRow]:
    """The rows of a `select(*_ROW_COLUMNS)` query, each with a snippet around the first word."""
    return [ArticleRow(*row[:6], snippet(row[6], words)) for row in session.execute(query)]


@dataclass(frozen=True)
class ArticleFilter:
    """What the article list shows: words that must all match, a category, archived or not."""

    search: str = ""
    category: str | None = None
    include_archived: bool = False


# --- search text -------------------------------------------------------------------------------


def search_text_of(title: str, tags: str | None, body: str | None) -> str:
    """The stored search key: folded title, tags and body on their own lines."""
    return SEPARATOR.join((fold(title), fold(tags), fold(body)))


def search_words(text: str) -> list[str]:
    """What was typed, folded and split on whitespace (full-width spaces too); no duplicates."""
    return list(dict.fromkeys(fold(text).split()))


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(word: str) -> ColumnElement[bool]:
    return KnowledgeArticle.search_text.like(f"%{_like(word)}%", escape="\\")


def _in_title(word: str) -> ColumnElement[bool]:
    """The word before both separators: in the folded title."""
    pattern = f"%{_like(word)}%{SEPARATOR}%{SEPARATOR}%"
    return KnowledgeArticle.search_text.like(pattern, escape="\\")


def _in_tags(word: str) -> ColumnElement[bool]:
    pattern = f"%{SEPARATOR}%{_like(word)}%{SEPARATOR}%"
    return KnowledgeArticle.search_text.like(pattern, escape="\\")


def _hits(condition: Any) -> Any:
    return case((condition, 1), else_=0).cast(Integer)


def snippet(body: str | None, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """A piece of the body around the first hit of any word (the start when none is in it),
    on one line; the body is folded character by character so positions map back."""
    text = " ".join((body or "").split())
    if not text:
        return ""
    folded, origin = [], []
    for index, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).lower()
        folded.append(piece)
        origin += [index] * len(piece)
    haystack = "".join(folded)
    found = [haystack.find(word) for word in words if word]
    found = [position for position in found if position >= 0]
    start = origin[min(found)] if found else 0
    begin = max(0, start - width // 4)
    piece = text[begin : begin + width]
    prefix = "…" if begin > 0 else ""
    suffix = "…" if begin + width < len(text) else ""
    return f"{prefix}{piece}{suffix}"


# --- listing -----------------------------------------------------------------------------------


def _conditions(wanted: ArticleFilter) -> list[ColumnElement[bool]]:
    where = [_contains(word) for word in search_words(wanted.search)]
    if wanted.category:
        where.append(KnowledgeArticle.category == wanted.category)
    if not wanted.include_archived:
        where.append(KnowledgeArticle.archived.is_(False))
    return where


def list_articles(
    db: Database,
    actor: Actor,
    wanted: ArticleFilter | None = None,
    *,
    limit: int = 200,
    offset: int = 0,
) -> list[ArticleRow]:
    """Articles with every searched word in their title, tags or body: those with more words
    in the title first, then more in the tags, then the newest; a snippet around the first hit."""
    wanted = wanted or ArticleFilter()
    words = search_words(wanted.search)
    order: list[Any] = []
    if words:
        order += [
            sum((_hits(_in_title(word)) for word in words), start=0).desc(),  # type: ignore[arg-type]
            sum((_hits(_in_tags(word)) for word in words), start=0).desc(),  # type: ignore[arg-type]
        ]
    order += [KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id.desc()]
    with db.read() as session:
        require(session, actor, "kb.view")
        query = (
            select(*_ROW_COLUMNS)
            .where(*_conditions(wanted))
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        )
        return _article_rows(session, query, words)


def search_articles(db: Database, actor: Actor, text: str, **kwargs: Any) -> list[ArticleRow]:
    """`list_articles` for a search box: every word of `text` must match."""
    return list_articles(db, actor, ArticleFilter(search=text), **kwargs)


def list_categories(db: Database, actor: Actor) -> list[str]:
    """The categories in use by articles that are not archived, for a filter."""
    with db.read() as session:
        require(session, actor, "kb.view")
        query = (
            select(KnowledgeArticle.category)
            .where(KnowledgeArticle.category.is_not(None), KnowledgeArticle.archived.is_(False))
            .distinct()
            .order_by(KnowledgeArticle.category)
        )
        return list(session.scalars(query))


# --- one article -------------------------------------------------------------------------------


def _load(session: Session, article_id: int) -> KnowledgeArticle:
    return records.load(session, KnowledgeArticle, article_id, _("Article"))


def get_article(db: Database, actor: Actor, article_id: int) -> dict[str, Any]:
    """Every field, plus who last changed the article."""
    with db.read() as session:
        require(session, actor, "kb.view")
        article = _load(session, article_id)
        row = records.as_dict(article, DETAIL_FIELDS)
        editor = article.updated_by_id or article.created_by_id
        row["updated_by_name"] = session.scalar(select(Operator.name).where(Operator.id == editor))
        return row


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    clean = {key: value for key, value in values.items() if key in FIELDS}
    if "title" in clean:
        clean["title"] = (clean["title"] or "").strip()
        if not clean["title"]:
            raise ValidationError(_("“{field}” must not be empty.").format(field=_(ARTICLE_TITLE)))
    for key in ("category", "tags"):
        if key in clean:
            clean[key] = " ".join((clean[key] or "").split()) or None
    if "body" in clean:
        clean["body"] = (clean["body"] or "").strip()
    return clean


def _refresh_search_text(article: KnowledgeArticle) -> None:
    article.search_text = search_text_of(article.title, article.tags, article.body)


def create_article(db: Database, actor: Actor, values: dict[str, Any]) -> int:
    """A new article (kb.edit); a title is required."""
    clean = _clean(values)
    if "title" not in clean:
        raise ValidationError(_("“{field}” must not be empty.").format(field=_(ARTICLE_TITLE)))
    clean.setdefault("body", "")
    with db.write(actor) as uow:
        require(uow.session, actor, "kb.edit")
        article = records.create(
            uow, KnowledgeArticle, clean, entity=ENTITY, derive=_refresh_search_text
        )
        uow.touched("kb")
        return article.id


def update_article(
    db: Database, actor: Actor, article_id: int, version: int, values: dict[str, Any]
) -> None:
    """Change an article (kb.edit); refused when someone saved it after `version`."""
    clean = _clean(values)
    with db.write(actor) as uow:
        require(uow.session, actor, "kb.edit")
        article = _load(uow.session, article_id)
        records.apply_changes(
            uow,
            article,
            clean,
            expected_version=version,
            entity=ENTITY,
            derive=_refresh_search_text,
        )
        uow.touched("kb")


def set_archived(db: Database, actor: Actor, article_id: int, archived: bool = True) -> None:
    """Archive an article (it leaves the search, links keep it) or bring it back."""
    with db.write(actor) as uow:
        require(uow.session, actor, "kb.edit")
        article = _load(uow.session, article_id)
        records.apply_changes(
            uow,
            article,
            {"archived": archived},
            expected_version=article.version,
            entity=ENTITY,
            action=f"{ENTITY}.archive" if archived else f"{ENTITY}.restore",
        )
        uow.touched("kb")


def archive_article(db: Database, actor: Actor, article_id: int) -> None:
    set_archived(db, actor, article_id, True)


# --- links to service records ------------------------------------------------------------------


def _visible_service_record(session: Session, actor: Actor, record_id: int) -> ServiceRecord:
    operator = require(session, actor, "service.view")
    return load_in_scope(
        session, operator, ServiceRecord, record_id, _("Service record"), owner="handler_id"
    )


def link_to_service(db: Database, actor: Actor, article_id: int, service_record_id: int) -> None:
    """Note that an article helped with a service record (kb.view and the record visible);
    linking twice is harmless."""
    with db.write(actor) as uow:
        require(uow.session, actor, "kb.view")
        _visible_service_record(uow.session, actor, service_record_id)
        article = _load(uow.session, article_id)
        if _link(uow.session, article_id, service_record_id) is not None:
            return
        uow.session.add(KnowledgeLink(article_id=article_id, service_record_id=service_record_id))
        uow.audit(
            "kb_article.link",
            "service_record",
            service_record_id,
            {"article": (None, article.title)},
            summary=article.title,
        )
        uow.touched("kb", "service")


def unlink_from_service(
    db: Database, actor: Actor, article_id: int, service_record_id: int
) -> None:
    """Remove the link, if there is one."""
    with db.write(actor) as uow:
        require(uow.session, actor, "kb.view")
        _visible_service_record(uow.session, actor, service_record_id)
        link = _link(uow.session, article_id, service_record_id)
        if link is None:
            return
        title = _load(uow.session, article_id).title
        uow.session.delete(link)
        uow.audit(
            "kb_article.unlink",
            "service_record",
            service_record_id,
            {"article": (title, None)},
            summary=title,
        )
        uow.touched("kb", "service")


unlink = unlink_from_service


def _link(session: Session, article_id: int, record_id: int) -> KnowledgeLink | None:
    return session.scalar(
        select(KnowledgeLink).where(
            KnowledgeLink.article_id == article_id,
            KnowledgeLink.service_record_id == record_id,
        )
    )


def articles_for_service(db: Database, actor: Actor, record_id: int) -> list[ArticleRow]:
    """The articles linked to a service record the actor may see (archived ones too: the link
    says what helped then), by title."""
    with db.read() as session:
        require(session, actor, "kb.view")
        _visible_service_record(session, actor, record_id)
        query = (
            select(*_ROW_COLUMNS)
            .join(KnowledgeLink, KnowledgeLink.article_id == KnowledgeArticle.id)
            .where(KnowledgeLink.service_record_id == record_id)
            .order_by(KnowledgeArticle.title, KnowledgeArticle.id)
        )
        return _article_rows(session, query, [])


def check_article(session: Session, operator: Operator, article_id: int) -> KnowledgeArticle:
    """The attachment owner check: articles are readable by everyone with kb.view."""
    return _load(session, article_id)
