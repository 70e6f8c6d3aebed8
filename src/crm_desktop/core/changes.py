"""What kinds of records a write touched, so each view refreshes only when it must."""

from __future__ import annotations

from dataclasses import dataclass, field

EVERYTHING = "*"


@dataclass(frozen=True)
class Changes:
    kinds: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *kinds: str) -> Changes:
        return cls(frozenset(kinds))

    @classmethod
    def everything(cls) -> Changes:
        return cls(frozenset({EVERYTHING}))

    def touches(self, *kinds: str) -> bool:
        return EVERYTHING in self.kinds or bool(self.kinds.intersection(kinds))

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds)

    def __bool__(self) -> bool:
        return bool(self.kinds)
