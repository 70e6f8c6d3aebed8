"""Normalized text for searching and duplicate detection.

A customer's search key holds the folded name, pinyin (full and initials) of its Chinese
characters, and the phone digits, so one LIKE on one covered column answers the search box.
pypinyin is imported on first use: it costs ~0.4 s and the window must show before that.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"\D+")
_CJK = re.compile(r"[\u3400-\u9fff]")
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "公司",
    "co., ltd.",
    "co.,ltd.",
    "co. ltd.",
    "co ltd",
    "company limited",
    "limited",
    "ltd.",
    "ltd",
    "inc.",
    "inc",
    "corp.",
    "llc",
)


def fold(text: str | None) -> str:
    """Lower case, full-width to half-width (NFKC), single spaces."""
    if not text:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def phone_digits(text: str | None) -> str:
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", text or ""))


def normalized_name(name: str | None) -> str:
    """The name as the duplicate guard compares it: folded, no spaces, no company suffix."""
    folded = fold(name)
    for suffix in COMPANY_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            folded = folded[: -len(suffix)]
            break
    return re.sub(r"[\s,.()（）·-]+", "", folded)


@lru_cache(maxsize=65536)
def pinyin_of(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese characters in `text`, phrase-aware."""
    if not _CJK.search(text):
        return "", ""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="ignore")
    return "".join(syllables), "".join(s[0] for s in syllables if s)


_RUNS = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+")


@lru_cache(maxsize=65536)
def _run_pinyin(run: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(run, style=Style.NORMAL, errors="ignore"))


def sort_name(name: str | None) -> str:
    """The name as lists order it: Chinese in pinyin, so 北京 sorts near "beijing" and 长沙
    (chang sha, phrase-aware) before 上海; Latin text and digits stay as they are."""
    text = fold(name).replace(" ", "")
    return "".join(_run_pinyin(run) if _CJK.match(run) else run for run in _RUNS.findall(text))


def search_key(
    name: str | None, phone: str | None = None, extra: str | None = None, pinyin: str | None = None
) -> str:
    """One string for `LIKE '%term%'`: folded name, pinyin, initials, phone digits, extras.

    `pinyin` may be given precomputed as "full initials" (bulk generators cache per word).
    """
    folded = fold(name)
    if pinyin is None:
        full, initials = pinyin_of(folded)
        pinyin = f"{full} {initials}".strip()
    parts = [folded.replace(" ", ""), pinyin, phone_digits(phone), fold(extra)]
    return " ".join(p for p in parts if p)


def search_term(text: str) -> str:
    """What a person typed, folded the way keys are (a phone with dashes becomes digits)."""
    folded = fold(text).replace(" ", "")
    digits = phone_digits(folded)
    if digits and len(digits) >= 3 and not re.sub(r"[\d\-+()]", "", folded):
        return digits
    return folded
