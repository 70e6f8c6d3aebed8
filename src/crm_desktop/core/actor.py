"""The acting operator as a plain value, handed to every service call.

It is a snapshot for display (name, role, what menus to show). Services do not trust it for
security: they reload the operator's current role and active flag inside their transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    id: int
    code: str
    name: str
    role_code: str
    role_name: str
    data_scope: str
    team_id: int | None
    permissions: frozenset[str] = field(default_factory=frozenset)
    pc_name: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions
