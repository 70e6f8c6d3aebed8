"""How a sheet's columns are named to a person: by Excel's letters (A, B, … Z, AA, …).

The wizard's tables and `crm import`'s column listing and mapping report both name columns this
way, so a person can move between the two and the file open in Excel.
"""

from __future__ import annotations


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how Excel names the column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
