"""Normalized text for searching and duplicate detection.

A customer's search key holds the folded name, pinyin (full and initials) of its Chinese
characters, and the phone digits, so one LIKE on one covered column answers the search box.
pypinyin is imported on first use: it costs ~0.4 s and the window must show before that.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

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


_RUNS = re.compile(r"[\u3400-\u9fff]+|[^\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z0-9]")


@lru_cache(maxsize=65536)
def _syllables(run: str) -> tuple[str, ...]:
    """The pinyin of one run of Chinese characters, phrase-aware (长沙 = chang sha).

    pypinyin cuts the run into words (forward maximum matching on its phrase list) and converts
    each word on its own; the cut is cheap and the conversion is ~85 % of the cost. Company names
    repeat their words (城市, 行业, 有限公司), so converting each word once and caching it gives
    exactly `lazy_pinyin(run)` at about a sixth of the time (an import of 100k names).
    """
    return tuple(syllable for word in _words(run) for syllable in _word_syllables(word))


_LONGEST_CUT = 400  # `_cut` recurses once per word: longer texts go through seg


def _words(run: str) -> tuple[str, ...]:
    """pypinyin's cut of a run into words (`simpleseg.seg`), exactly, about 1.5x faster.

    Forward maximum matching decides each word from the rest of the run alone, so the cut of
    a rest is cached (`_cut`): the names of one sheet share their tails (行业 + 有限公司) and
    only their heads are cut afresh. Anything pypinyin would treat otherwise (characters outside
    its Han ranges, another pypinyin layout) goes through `seg` itself.
    """
    cut = _matcher()
    if cut is None or len(run) > _LONGEST_CUT or not cut.hans.match(run):
        from pypinyin.seg.simpleseg import seg

        return tuple(seg(run))
    return cut(run)


@lru_cache(maxsize=1)
def _matcher() -> Any:
    """`_cut` bound to pypinyin's phrase data, or None if its internals are not as expected."""
    try:
        from pypinyin.constants import PHRASES_DICT, RE_HANS
        from pypinyin.seg import mmseg

        prefixes = mmseg.seg._prefix_set._set
        strict = mmseg.seg._no_non_phrases
    except (ImportError, AttributeError):  # pragma: no cover - another pypinyin
        return None

    @lru_cache(maxsize=1 << 15)
    def cut(rest: str) -> tuple[str, ...]:
        """One step of mmseg.Seg.cut on `rest`, then the cut of what remains."""
        last, end, matched = "", 0, ""
        for index in range(len(rest)):
            word = rest[: index + 1]
            if word in prefixes:
                matched = word
                if not strict or word in PHRASES_DICT:
                    last, end = word, index + 1
                continue
            if not last:
                last, end = (rest[0], 1) if strict or not matched else (matched, len(matched))
            break
        else:
            if not last:
                return tuple(rest) if strict and rest not in PHRASES_DICT else (rest,)
        return (last, *cut(rest[end:])) if end < len(rest) else (last,)

    cut.hans = RE_HANS  # type: ignore[attr-defined]
    return cut


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def pinyin_of(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese characters in `text`."""
    syllables = [s for run in _RUNS.findall(text) if _CJK.match(run) for s in _syllables(run)]
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def sort_name(name: str | None) -> str:
    """The name as lists order it: Chinese in pinyin, so 北京 sorts near "beijing" and 长沙
    (chang sha) before 上海; Latin text and digits stay as they are."""
    text = name_key(name)
    return "".join(
        "".join(_syllables(run)) if _CJK.match(run) else run for run in _RUNS.findall(text)
    )


def name_key(name: str | None) -> str:
    """The name folded for matching Chinese fragments: lower case, half-width, no spaces."""
    return fold(name).replace(" ", "")


def search_key(name: str | None, email: str | None = None, pinyin: str | None = None) -> str:
    """The Latin side of a customer for `LIKE '%term%'`: pinyin (full and initials) of the
    Chinese name, a name with Latin letters folded, and the e-mail.

    Chinese fragments are matched against `name_key` and digits against the phone digits, each
    a short column of its own: one long key holding everything made every search scan all of it
    (p95 75 ms at 100k customers against 36 ms on the name alone, bench/README.md).
    `pinyin` may be given precomputed as "full initials" (bulk generators cache per word).
    """
    folded = name_key(name)
    if pinyin is None:
        full, initials = pinyin_of(folded)
        pinyin = f"{full} {initials}".strip()
    latin_name = folded if _LATIN.search(folded) else ""
    return " ".join(part for part in (pinyin, latin_name, fold(email)) if part)


# The lengths of the derived columns (core/models/customers.py), so a key never outgrows its
# column (PostgreSQL refuses what SQLite would keep).
KEY_LENGTHS = {"normalized_name": 200, "sort_name": 400, "name_key": 200}


def customer_keys(
    name: str, phone: str | None, email: str | None, normalized: str | None = None
) -> dict[str, Any]:
    """A customer's derived columns, as every write stores them (the customer service and the
    import both call this), each worked out once: the name folded once for name_key, sort_name
    and search_key, the pinyin of each Chinese run looked up once for both, and `normalized`
    (an importer's duplicate key of this very name) not computed again."""
    key = name_key(name)
    sorting: list[str] = []
    syllables: list[str] = []
    for run in _RUNS.findall(key):
        if _CJK.match(run):
            said = _syllables(run)
            syllables += said
            sorting.append("".join(said))
        else:
            sorting.append(run)
    initials = "".join(s[0] for s in syllables if s)
    pinyin = f"{''.join(syllables)} {initials}".strip()
    latin = key if _LATIN.search(key) else ""
    normalized = normalized_name(name) if normalized is None else normalized
    return {  # cut to their columns: the pinyin of a long Chinese name outgrows the name
        "normalized_name": normalized[: KEY_LENGTHS["normalized_name"]],
        "sort_name": "".join(sorting)[: KEY_LENGTHS["sort_name"]],
        "phone_digits": phone_digits(phone) or None,
        "name_key": key[: KEY_LENGTHS["name_key"]],
        "search_key": " ".join(part for part in (pinyin, latin, fold(email)) if part),
    }


class SearchTerm(NamedTuple):
    """What a person typed, folded the way keys are, and which key it is matched against."""

    text: str
    key: str  # "name" (has Chinese), "phone" (digits, maybe typed with - + ( ) or spaces), "latin"


def search_term(text: str) -> SearchTerm:
    folded = name_key(text)
    if _CJK.search(folded):
        return SearchTerm(folded, "name")
    digits = phone_digits(folded)
    if digits and not re.sub(r"[\d\-+()]", "", folded):
        return SearchTerm(digits, "phone")
    return SearchTerm(folded, "latin")
