"""`crm kb search|add`: the knowledge base from a script, with the GUI's services and rights."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crm_desktop.cli_output import list_options, list_rows, print_rows, say
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _


def _session(args: argparse.Namespace) -> tuple[Any, Any]:
    from crm_desktop.cli import login, open_current

    db = open_current(args)
    return db, login(db, args)


def cmd_kb_search(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import knowledge

    db, actor = _session(args)
    wanted = knowledge.ArticleFilter(search=args.text, category=args.category)
    rows = list_rows(knowledge.list_articles, db, actor, wanted, args.limit)
    print_rows(
        (_("Id"), _(knowledge.ARTICLE_TITLE), _("Category"), _("Tags"), _("Text")),
        ("id", "title", "category", "tags", "snippet"),
        [(r.id, r.title, r.category, r.tags, r.snippet) for r in rows],
        args.format,
    )
    return 0


def _body(path: str | None) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("Cannot read {path}: {error}").format(path=path, error=exc)
        ) from exc


def cmd_kb_add(args: argparse.Namespace) -> int:
    from crm_desktop.core.services import knowledge

    body = _body(args.body_file)
    db, actor = _session(args)
    values = {"title": args.title, "category": args.category, "tags": args.tags, "body": body}
    article_id = knowledge.create_article(db, actor, values)
    say(_("Article #{id} added: {title}").format(id=article_id, title=args.title.strip()))
    return 0


def register(commands: Any) -> None:
    """Add the `kb` command group to the `crm` parser."""
    group = commands.add_parser("kb", help=_("search and add knowledge base articles"))
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    search = actions.add_parser("search", help=_("articles with every word (title first)"))
    search.add_argument("text", metavar="TEXT", help=_("words, separated by spaces"))
    search.add_argument("--category")
    list_options(search)
    search.set_defaults(func=cmd_kb_search)

    add = actions.add_parser("add", help=_("add an article"))
    add.add_argument("--title", required=True)
    add.add_argument("--category")
    add.add_argument("--tags", help=_("separated by spaces"))
    add.add_argument("--body-file", dest="body_file", metavar="PATH", help=_("UTF-8 text file"))
    add.set_defaults(func=cmd_kb_add)
