"""Translations for every string a person reads (gettext; catalogs in resources/locale).

`_()` looks the message up in the active catalog at call time, so a language switch takes effect
for everything built afterwards. Mark strings at module level with `N_()` and translate them
where they are shown.
"""

from __future__ import annotations

import gettext
import locale
import os

from crm_desktop.core.resources import locale_dir

DOMAIN = "crm_desktop"
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def system_language() -> str:
    """zh_CN when the system speaks Chinese, English otherwise."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "zh_CN" if code.lower().startswith("zh") else "en"


def set_language(language: str | None) -> str:
    """Activate a language ('zh_CN' or 'en'; None follows the system) and return it."""
    global _translation, _language
    chosen = language if language in LANGUAGES else system_language()
    if chosen == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(
            DOMAIN, localedir=str(locale_dir()), languages=[chosen], fallback=True
        )
    _language = chosen
    return chosen


def current_language() -> str:
    return _language


class _InContext(str):
    """A message marked with `NC_`: the same English text, told apart by its context."""

    context: str


def _(message: str) -> str:
    context = getattr(message, "context", None)
    if context is not None:
        return _translation.pgettext(context, message)
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def NC_(context: str, message: str) -> str:
    """Mark a string whose English is shared by another meaning ("Open" the status vs "Open"
    the command); `_()` later translates it within `context` (gettext's msgctxt)."""
    marked = _InContext(message)
    marked.context = context
    return marked


def translated(stored: str) -> str:
    """A stored name that may be a catalog message (preset roles, starter lists), translated.

    Names the firm typed itself are not in the catalog and come back unchanged. (A separate
    function, not `_()`, so message extraction does not take the variable for a message.)
    """
    return _translation.gettext(stored)
