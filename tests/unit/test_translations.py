"""Every string a person reads has a Simplified Chinese translation, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from crm_desktop.core import i18n
from crm_desktop.core.resources import locale_dir

SRC = Path(__file__).resolve().parents[2] / "src" / "crm_desktop"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


Key = tuple[str | None, str]  # (msgctxt, msgid)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "NC_": ((1, "c"), 2)}


def _source_messages() -> dict[Key, str]:
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(SRC), keywords=KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found[(context, text)] = f"{filename}:{lineno}"
    return found


def _catalog() -> dict[Key, str]:
    with open(locale_dir() / "zh_CN" / "LC_MESSAGES" / "crm_desktop.po", "rb") as handle:
        catalog = read_po(handle)
    translated: dict[Key, str] = {}
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, str):
            translated[(m.context, m.id)] = m.string
        else:  # ngettext: the singular and the plural msgid both name this entry
            for msgid in m.id:
                translated[(m.context, str(msgid))] = m.string[0]
    return translated


def test_every_user_visible_string_is_translated_to_chinese() -> None:
    catalog = _catalog()
    missing = [
        f"{where}: {key[1]}" for key, where in _source_messages().items() if not catalog.get(key)
    ]
    assert missing == []


def test_translations_keep_the_placeholders() -> None:
    catalog = _catalog()
    broken = [
        text
        for (_context, text), translated in catalog.items()
        if translated and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(translated))
    ]
    assert broken == []


def test_switching_to_chinese_translates_messages() -> None:
    i18n.set_language("zh_CN")
    assert i18n._("Wrong user name or password.") != "Wrong user name or password."
    i18n.set_language("en")
    assert i18n._("Wrong user name or password.") == "Wrong user name or password."


def test_a_status_that_shares_its_english_with_a_command_reads_as_a_status() -> None:
    """'Open' the command is 打开; an open service request or opportunity is not."""
    from crm_desktop.core.services.opportunities import OPPORTUNITY_STATUS_LABELS
    from crm_desktop.core.services.service_records import SERVICE_STATUS_LABELS

    i18n.set_language("zh_CN")
    try:
        assert i18n._("Open") == "打开"
        assert i18n._(OPPORTUNITY_STATUS_LABELS["open"]) == "进行中"
        assert i18n._(SERVICE_STATUS_LABELS["open"]) == "待处理"
    finally:
        i18n.set_language("en")
    assert i18n._(SERVICE_STATUS_LABELS["open"]) == "Open"
